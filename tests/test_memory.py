"""Resident memory stays flat over many consults in one process (engine sessions are deleted).

A leaked durable-rules session costs about 11 KB per rule (../shared/notes/durable-rules.md §3.4),
so even a few hundred leaked consults would show here. The full 100,000-consult run is in
bench/run.py (--memory); this is the short version.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

SCRIPT = r"""
import json
from spinepath.cohort import synth
from spinepath.explain.consult import evaluate_patient, load_knowledge
from spinepath.load.patient import parse_patient

def rss_kib():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))

# new diagnosis, emergency, recurrence after intralesional surgery, paediatric
patients = [parse_patient(synth.patient_text(3, i)) for i in (1, 4, 6, 8)]
kb = load_knowledge()
done, marks = 0, {}
for mark in (300, 1800):
    while done < mark:
        # Both passes through the engine (the sessions that could leak); the questions never touch it.
        evaluate_patient(patients[done % len(patients)], kb)
        evaluate_patient(patients[done % len(patients)], kb, kb.ruleset.presumptions)
        done += 1
    marks[mark] = rss_kib()
print(json.dumps(marks))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_rss_after_1800_consults_is_within_10_percent_of_rss_after_300():
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    marks = json.loads(r.stdout)
    early, late = marks["300"], marks["1800"]
    assert late <= early * 1.10 + 4 * 1024, f"RSS grew from {early} KiB to {late} KiB"
