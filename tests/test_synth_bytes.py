"""Synthetic patients (63 of the 1,000 recorded; all of them with SPINEPATH_SYNTH_BYTES=all) give byte
for byte the consult recorded in tests/golden/synth.jsonl (JSON and Markdown, both passes and the
questions): speed work must not change an output. A failure shows how the plan changed, or that only the
wording or layout did."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
sys.path.insert(0, str(GOLDEN))
from record_synth import STORE, record  # noqa: E402

RECORDED = [json.loads(line) for line in STORE.read_text(encoding="utf-8").splitlines()]
# The suite checks every 16th of the thousand (its two-minute budget on 2 cores); before and after speed
# work, check them all: SPINEPATH_SYNTH_BYTES=all python -m pytest tests/test_synth_bytes.py
EVERY = 1 if os.environ.get("SPINEPATH_SYNTH_BYTES") == "all" else 16
CHUNKS = 8  # so that workers share the consults


def what_changed(before: dict, after: dict) -> str:
    gone = [line for line in before["plan"] if line not in after["plan"]]
    new = [line for line in after["plan"] if line not in before["plan"]]
    if not gone and not new:
        return f"synth {before['i']}: the plan is the same; the wording, layout or order changed"
    return f"synth {before['i']}:\n" + "\n".join([f"  - {x}" for x in gone] + [f"  + {x}" for x in new])


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_synthetic_consults_are_byte_identical_to_the_recorded_ones(chunk):
    changed = []
    for stored in RECORDED[::EVERY][chunk::CHUNKS]:
        now = record(stored["i"])
        if now["digest"] != stored["digest"]:
            changed.append(what_changed(stored, now))
    assert not changed, f"{len(changed)} synthetic consults changed:\n" + "\n".join(changed[:5])


def test_a_changed_plan_is_shown_line_by_line():
    before = {"i": 3, "plan": ["firm diagnosis recommended staging_workup (GEN-02)"]}
    after = {"i": 3, "plan": ["firm diagnosis consider staging_workup (GEN-02)"]}
    assert "- firm diagnosis recommended" in what_changed(before, after)
    assert "the wording" in what_changed(before, before)
