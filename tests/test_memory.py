"""Resident memory stays flat over many consults in one process (engine sessions are deleted).

A leaked durable-rules session costs about 11 KB per rule (../shared/notes/durable-rules.md §3.4),
about 2 MB for the bundled knowledge base, so even a few dozen leaked consults would show here. The
long run (RSS after 1,000 and 100,000 consults) is a benchmark figure: bench/run.py --memory.
"""
from __future__ import annotations

import sys

import pytest

from spinepath.cohort import synth
from spinepath.evaluate.knowledge import load_knowledge
from spinepath.evaluate.passes import evaluate_patient
from spinepath.load.patient import parse_patient


def _rss_kib() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_rss_stays_flat_from_40_to_160_consults():
    # new diagnosis, emergency, recurrence after intralesional surgery, paediatric
    patients = [parse_patient(synth.patient_text(3, i)) for i in (1, 4, 6, 8)]
    kb = load_knowledge()
    marks = {}
    done = 0
    for mark in (40, 160):
        while done < mark:
            # Both passes through the engine (the sessions that could leak); the questions never touch it.
            evaluate_patient(patients[done % len(patients)], kb)
            evaluate_patient(patients[done % len(patients)], kb, kb.ruleset.presumptions)
            done += 1
        marks[mark] = _rss_kib()
    early, late = marks[40], marks[160]
    # 120 leaked consults would add hundreds of MB; the slack covers allocator noise.
    assert late <= early * 1.05 + 8 * 1024, f"RSS grew from {early} KiB to {late} KiB"
