"""Second readings of the 2026-12 encoding: the fixes a rule scenario cannot express.

A scenario's strength check counts an alternative merged into an entry as advised at its own strength, so
"observation is considered and not recommended" needs the entry itself (its first strength). One consult
of a small patient each, so the tests add well under a second.
"""
from __future__ import annotations

import json

from spinepath.explain.consult import consult
from spinepath.load.patient import load_patient


def _consult(write, text: str) -> dict:
    return json.loads(consult(load_patient(write("p.yaml", text))).to_json())


def test_c15_lch_reactivation_observation_is_considered_not_recommended(write):
    # REL-10 l.2449-2450: a single asymptomatic bone reactivation -> observation = consider, per
    # histiocytosis MDT; LCH-02a's first-consult "recommended" is superseded (REL-10c supersedes it).
    result = _consult(write, """\
id: rel-lch-unifocal
age: 8
diagnosis: {histology: langerhans_cell_histiocytosis, subtype: single_system_unifocal, biopsy: {done: true}}
lesion: {levels: [T9], wbb: {layers: [B]}, epidural: {escc: "0"}}
presentation: {pain: none, neurology: {deficit: none}}
course: {status: local_recurrence}
staging: {metastases: none}
history:
  treatments:
    - {kind: surgery, date: 2022-01, extent: intralesional, levels: [T9]}
  local_recurrence: true
""")
    observation = [e for e in result["recommendations"] if e["intervention"] == "observation"]
    assert [e["strength"] for e in observation] == ["consider"]


def test_gct_serial_embolisation_is_one_entry_not_two(write):
    # GCT-02 sequencing (PATHWAYS 943-945): an unresectable GCT gets denosumab and serial embolisation
    # (GCT-05); GEN-08's pre-operative embolisation of the deferred curettage is the same procedure said
    # twice (fresh review round 3, part 1: noise). GCT-05 supersedes GEN-08.
    result = _consult(write, """\
id: gct-unresectable
age: 30
diagnosis: {histology: giant_cell_tumor, biopsy: {done: true}}
lesion: {levels: [C1, C2], resectability: unresectable, epidural: {escc: "0"}}
presentation: {neurology: {deficit: none}}
staging: {metastases: none}
history: {treatments: []}
""")
    embolisation = [e for e in result["recommendations"] if e["intervention"] == "selective_arterial_embolization"]
    assert [(e["phase"], e["rule"]) for e in embolisation] == [("local_control", "GCT-05")]
