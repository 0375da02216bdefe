"""PATHWAYS QP-02 (second reading D0): which presumptions the file forbids, and which derived values a
presumption never makes known. Tables at the level of one pass's facts (evaluate/facts.py `prepare`)."""
from __future__ import annotations

import pytest

from spinepath.derive import SPECS
from spinepath.evaluate.facts import NEVER_PRESUMED, prepare
from spinepath.evaluate.knowledge import load_knowledge
from spinepath.load.patient import parse_patient

KB = load_knowledge()
# A referral letter: a biopsy-proven chordoma, its level and where it is managed; nothing else.
BASE = """id: qp02
age: 58
lesion: {levels: [L2]}
diagnosis: {histology: chordoma%s}
care_setting: {specialized_center: true}
%s"""


def _patient(diagnosis: str = "", extra: str = ""):
    return parse_patient(BASE % (diagnosis, extra), "<test>")


def _applied(patient) -> set[str]:
    return {p.field for p in prepare(patient, KB.presumptions).applied}


@pytest.mark.parametrize("diagnosis, extra, treatments, metastases", [
    ("", "", True, True),                                                     # nothing argues against them
    (", biopsy: {done: true, method: surgical_specimen}", "", False, True),   # the specimen is a treatment
    (", biopsy: {done: true, method: excisional}", "", False, True),
    (", biopsy: {done: true, method: ct_guided_core}", "", True, True),
    ("", "history: {local_recurrence: true}", False, False),                 # a recurrence: treated, restaged
    ("", "history: {local_recurrence: false}", True, True),
    ("", "course: {status: untreated}", True, True),
    ("", "course: {status: in_first_line_treatment}", False, True),
    ("", "course: {status: after_local_control}", False, True),
    ("", "course: {status: no_evidence_of_disease}", False, True),
    ("", "course: {status: residual_or_progressive}", False, False),
    ("", "course: {status: local_recurrence}", False, False),
    ("", "course: {status: distant_relapse}", False, False),
    ("", "course: {status: suspected_recurrence}", False, False),
])
def test_no_prior_treatment_and_no_distant_disease_are_not_presumed_where_the_file_argues_against_them(
        diagnosis, extra, treatments, metastases):
    # D0 (a), PATHWAYS QP-02 lines 2708-2711
    applied = _applied(_patient(diagnosis, extra))
    assert ("history.treatments" in applied) is treatments
    assert ("staging.metastases" in applied) is metastases


# Appendix 3 values read from the disease state, and the anthracycline and HFA-ICOS values (QP-02: never presumed)
NEVER = {"disease_state", "relapse", "relapse_or_progression", "active_treatment", "course_status_conflict",
         "staging_setting", "anthracycline_timing", "prior_anthracycline", "hfa_icos_anthracycline_risk",
         "hfa_icos_risk_min", "hfa_icos_risk_max"}


def test_every_value_read_from_the_disease_state_is_marked_never_presumed():
    assert set(NEVER_PRESUMED) == NEVER
    assert all(not SPECS[name].presumable for name in NEVER)


@pytest.mark.parametrize("extra", [
    "",                                                       # history absent: "no prior treatment" presumed
    "course: {status: untreated}",
    "staging: {workup_done: [mri_whole_spine]}\nperformance: {ecog: 1}",
])
@pytest.mark.parametrize("name", sorted(NEVER))
def test_a_presumption_never_makes_a_never_presumed_value_known(extra, name):
    # D0 (b): the provisional pass takes these from the facts-only derivation, whatever was presumed
    patient = _patient("", extra)
    presumed, facts_only = prepare(patient, KB.presumptions), prepare(patient)
    assert presumed.applied  # something was presumed
    assert presumed.derived[name] == facts_only.derived[name]
