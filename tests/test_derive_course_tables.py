"""The derived values of PATHWAYS Appendix 3 (additions 2026-12), row by row against their definitions:
COURSE-01 (STAGING §11), FIT-02 (STAGING §8.4), OC-01, QP-01, QP-03 and STAGING §3, §5, §9. Absent data
give None (unknown), never "no"."""
from __future__ import annotations

import pytest

from spinepath.derive import anthracycline as ac
from spinepath.derive import benign_label, course, epidural, hfa_icos, maturity, neurology, osteochondroma
from spinepath.derive import lines, regimens, sacrum, tomita
from spinepath.derive import history as hx
from spinepath.derive.base import Derived
from spinepath.load.patient import Ablation, Chemotherapy, Denosumab, Embolization, Radiotherapy, Surgery
from test_patient_additions import RICH


def S(extent=None, margin=None, date=None, emergency=None):
    return Surgery(kind="surgery", extent=extent, margin=margin, date=date, emergency=emergency)


def RT(date=None):
    return Radiotherapy(kind="radiotherapy", date=date)


def CT(regimen=None, line=None, completed=None, date=None):
    return Chemotherapy(kind="chemotherapy", regimen=regimen, line=line, completed=completed, date=date)


MAP1_DONE = CT("MAP", 1, True, "2023-01")
MAP1_RUNNING = CT("MAP", 1, False, "2024-01")
IE2_RUNNING = CT("IE", 2, False, "2025-01")


# ------------------------------------------------------------------ disease_state (COURSE-01)

def _state(status=None, tx=None, rec=None, rec_date=None, mets=None, hist="osteosarcoma", marrow=None):
    return course.disease_state(status, tx, rec, rec_date, mets, hist, marrow)


@pytest.mark.parametrize("status, tx, expected", [
    # step 1: the recorded status, unless the history contradicts it
    ("no_evidence_of_disease", [S("wide_en_bloc", "R0")], "no_evidence_of_disease"),
    ("suspected_recurrence", [S("wide_en_bloc", "R0"), RT()], "suspected_recurrence"),
    ("untreated", [], "untreated"),
    ("untreated", None, "untreated"),
    ("untreated", [S("decompression", emergency=True)], "untreated"),
    ("untreated", [S("stabilization")], "untreated"),
    ("untreated", [S("subtotal", "R2")], None),
    ("untreated", [CT("MAP")], None),
    ("untreated", [RT()], None),
    ("untreated", [Denosumab(kind="denosumab")], None),
    ("untreated", [Embolization(kind="embolization")], None),
    ("untreated", [Ablation(kind="ablation")], None),
    ("in_first_line_treatment", [CT("MAP", 2, False)], None),
    ("after_local_control", [MAP1_RUNNING, CT("IE", 2)], None),
    ("after_local_control", [MAP1_RUNNING, S("wide_en_bloc", "R1", "2024-04")], "after_local_control"),
    ("distant_relapse", [MAP1_DONE, IE2_RUNNING], "distant_relapse"),
])
def test_step_1_recorded_status(status, tx, expected):
    d = _state(status, tx)
    assert d.value == expected
    if expected is None:
        assert d.lacked == ("course.status",) and d.flags[0][0] == course.CONFLICT


@pytest.mark.parametrize("status, tx", [
    ("untreated", [S()]),                                              # a resection? (extent absent)
    ("untreated", [S("decompression"), S(margin="R1")]),
    ("in_first_line_treatment", [CT("VDC", 1, True), CT("IE", None, False)]),  # a second line? (line absent)
    ("after_local_control", [CT("MAP", None, True), CT("MAP", 1, False), S("wide_en_bloc", "R0")]),
])
def test_a_status_whose_contradiction_needs_an_absent_field_is_unknown(status, tx):
    # COURSE-01 step 1 reads the extent of a surgery and the line of a chemotherapy course; a term needing an
    # absent field is unknown (PATHWAYS "How to read"), so the recorded status is not taken as it stands
    # (second reading, D2): the status is asked again, with the history that would settle it
    d = _state(status, tx)
    assert d.value is None and d.lacked == ("course.status", "history.treatments")
    assert d.flags[0][0] == course.UNCHECKED and "COURSE-01 step 1" in d.flags[0][1]


@pytest.mark.parametrize("status, tx", [
    ("in_first_line_treatment", [CT("MAP", None, False)]),             # one course without a line: first line
    ("after_local_control", [CT("MAP", None, False), S("wide_en_bloc", "R1", "2024-04")]),
    ("in_first_line_treatment", [S(), CT("MAP", 1, False)]),           # any surgery is consistent with it
    ("untreated", [S("stabilization", date="2024-01")]),
])
def test_a_status_with_nothing_absent_that_could_contradict_it_stands(status, tx):
    d = _state(status, tx)
    assert d.value == status and d.flags == ()


def test_the_recorded_status_wins_over_every_later_step():
    # a recorded local recurrence flag or a second line does not override a consistent course.status
    assert _state("no_evidence_of_disease", [MAP1_DONE], rec=True).value == "no_evidence_of_disease"


@pytest.mark.parametrize("date, tx, expected", [
    (None, [S("subtotal", "R2", "2011-02")], "local_recurrence"),           # 2'': present now
    (None, None, "local_recurrence"),
    ("2012-01", [S("subtotal", "R2", "2011-02"), RT("2011-05")], "local_recurrence"),
    ("2012-01", None, "local_recurrence"),
    ("2012-01", [S("subtotal", "R2", "2011-02"), S("wide_en_bloc", "R0", "2012-03")], None),  # 2': treated
    ("2012-01", [RT("2011-05"), CT("IE", date="2012-04")], None),
    ("2012-01", [Denosumab(kind="denosumab", date="2012-02")], None),
    ("2012-01", [S("subtotal", date="2012-01-15")], None),                 # same month: cannot be ordered
    ("2012-01", [S("subtotal")], None),                                    # undated: cannot be ordered
    ("2012-01-10", [S("subtotal", date="2012-01-10")], None),              # the same day: which came first? (A1)
    ("2012-01-31", [S("subtotal", date="2012-01")], None),                 # may be the same day
    ("2012-01-10", [S("subtotal", date="2012-01-09")], "local_recurrence"),  # the day before
    ("2012-01", [S("subtotal", date="2011-02"), Embolization(kind="embolization", date="2012-02")],
     "local_recurrence"),                                                   # not surgery, RT or systemic
])
def test_step_2_local_recurrence(date, tx, expected):
    d = _state(tx=tx, rec=True, rec_date=date)
    assert d.value == expected
    if expected is None:
        assert d.lacked == ("course.status",) and d.flags[0][0] == "treated_after_recurrence"


@pytest.mark.parametrize("tx, mets, expected, lacked", [
    ([MAP1_DONE, IE2_RUNNING], "solitary", "distant_relapse", ()),
    ([MAP1_DONE, IE2_RUNNING], "multiple", "distant_relapse", ()),
    ([MAP1_DONE, IE2_RUNNING], "none", "residual_or_progressive", ()),
    ([MAP1_DONE, CT("IE", 2, None)], "multiple", "distant_relapse", ()),       # completed != true
    ([MAP1_DONE, IE2_RUNNING], None, None, ("course.status", "staging.metastases")),  # unknown is not none
    ([MAP1_DONE, CT("IE", 2, True)], "none", None, ("course.status",)),        # second remission? ask
    ([MAP1_DONE, CT("IE", 2, True), CT("gemcitabine_docetaxel", 3, True)], "multiple", None, ("course.status",)),
])
def test_step_3_later_lines(tx, mets, expected, lacked):
    d = _state(tx=tx, mets=mets)
    assert d.value == expected and d.lacked == lacked


@pytest.mark.parametrize("tx, relapse, rop, active", [
    ([MAP1_DONE, IE2_RUNNING], None, True, True),          # a later line under way: active either way
    ([MAP1_DONE, CT("IE", 2, None)], None, True, None),    # not known to be under way: a relapse may be untreated
])
def test_step_3_without_distant_disease_recorded_is_one_of_two_states(tx, relapse, rop, active):
    # D3: the state stays unknown (distant_relapse or residual_or_progressive), but what both states give is
    # known: relapse or progression, and active treatment when the later-line course is running
    d = _state(tx=tx)
    assert d.value is None and d.among == ("distant_relapse", "residual_or_progressive")
    assert course.relapse(d).value is relapse and course.relapse(d).lacked[:2] == ("course.status", "staging.metastases")
    assert course.relapse_or_progression(d).value is rop and course.relapse_or_progression(d).lacked == ()
    assert course.active_treatment(d, tx, None).value is active


@pytest.mark.parametrize("tx, marrow, mets, expected", [
    ([RT("2020")], 12, None, "distant_relapse"),
    ([RT("2020")], None, "solitary", "distant_relapse"),
    ([RT("2020")], 5, "none", None),          # step 3b does not apply; nothing later does: asked
    ([RT("2020")], None, None, None),         # not known whether 3b applies
    ([], 12, None, "untreated"),              # no prior radiotherapy: not step 3b
])
def test_step_3b_plasmacytoma_progressing_to_myeloma(tx, marrow, mets, expected):
    d = _state(tx=tx, hist="plasmacytoma", marrow=marrow, mets=mets)
    assert d.value == expected
    if tx and marrow is None and mets is None:
        assert "diagnosis.marrow_plasma_cells_percent" in d.lacked


@pytest.mark.parametrize("tx, expected", [
    ([], "untreated"),                                                                     # step 4
    (None, None),
    ([CT("MAP", None, False)], "in_first_line_treatment"),                                 # one course, no line
    ([CT("MAP", 1, False, "2024-01")], "in_first_line_treatment"),
    ([S("decompression", date="2023-12"), CT("VDC_IE", 1, False, "2024-01")], "in_first_line_treatment"),
    ([CT("MAP", 1, False, "2024-01"), S("wide_en_bloc", "R1", "2024-04")], "after_local_control"),   # 5b
    ([CT("MAP", 1, False, "2024-01"), S("subtotal", "R2", "2024-04")], "after_local_control"),       # R2 too
    ([CT("MAP", 1, False, "2024-01"), S("intralesional", None, "2024-04")], "after_local_control"),  # extent
    ([CT("MAP", 1, False, "2024-01"), S("wide_en_bloc", None, "2024-04")], None),          # margin not recorded
    ([CT("MAP", 1, False, "2024-01"), S("decompression", date="2024-02")], None),          # not local control
    ([CT("MAP", 1, False, "2024-01"), RT("2024-04")], None),
    ([CT("MAP", 1, False, "2024"), S("wide_en_bloc", "R0", "2024-04")], None),             # cannot be ordered
    ([CT("MAP", 1, False), S("wide_en_bloc", "R0", "2024-04")], None),                     # start not known
    ([CT("VDC", None, True), CT("IE", None, False)], None),                                # lines not recorded
    ([CT("MAP", 1, True)], None),                                                          # nothing under way
    ([CT("MAP", 1, None)], None),
    ([S("decompression")], None),                                                          # step 6
    ([S("wide_en_bloc", "R0"), RT()], None),
])
def test_steps_4_to_6(tx, expected):
    d = _state(tx=tx)
    assert d.value == expected
    if expected is None:
        assert d.lacked == ("course.status",)


# ------------------------------------------------------------------ values read from the state

@pytest.mark.parametrize("state, relapse, rop", [
    ("untreated", False, False), ("in_first_line_treatment", False, False), ("after_local_control", False, False),
    ("no_evidence_of_disease", False, False), ("residual_or_progressive", False, True),
    ("local_recurrence", True, True), ("distant_relapse", True, True), ("suspected_recurrence", False, False),
    (None, None, None),
])
def test_relapse_and_relapse_or_progression(state, relapse, rop):
    d = Derived(state, () if state else ("course.status",))
    assert course.relapse(d).value is relapse
    assert course.relapse_or_progression(d).value is rop
    if state is None:
        assert course.relapse(d).lacked == ("course.status",)


@pytest.mark.parametrize("state, tx, date, expected", [
    ("untreated", [], None, False), ("in_first_line_treatment", [], None, True),
    ("after_local_control", [], None, True), ("residual_or_progressive", [], None, True),
    ("no_evidence_of_disease", [], None, False), ("suspected_recurrence", [], None, False),
    (None, [], None, None),
    ("distant_relapse", [MAP1_DONE, IE2_RUNNING], None, True),            # a course under way
    ("local_recurrence", [S("subtotal", date="2011-02")], "2012-01", False),  # nothing given since
    ("local_recurrence", [S("subtotal", date="2011-02"), RT("2012-03")], "2012-01", True),
    ("local_recurrence", [S("subtotal")], "2012-01", None),                # undated
    ("local_recurrence", [S("subtotal", date="2011-02")], None, None),     # date of the recurrence unknown
    ("local_recurrence", [S("subtotal", date="2012-01-10")], "2012-01-10", None),  # the same day (A1)
    ("local_recurrence", [S("subtotal", date="2012-01-09")], "2012-01-10", False),
    ("distant_relapse", [MAP1_DONE], None, None),
])
def test_active_treatment(state, tx, date, expected):
    assert course.active_treatment(Derived(state), tx, date).value is expected


@pytest.mark.parametrize("tx, expected", [
    (None, None), ([], 0), ([S("wide_en_bloc")], 0), ([CT("MAP")], 1), ([CT("MAP", 1)], 1),
    ([MAP1_DONE, IE2_RUNNING], 2), ([CT("MAP", 1), CT("IE", 2), CT("x", 3)], 3),
    ([CT("MAP"), CT("IE")], None),          # a course without its line could be a later line
    ([CT("MAP", 1), CT("IE")], None),
])
def test_chemo_lines(tx, expected):
    assert course.chemo_lines(tx).value == expected


@pytest.mark.parametrize("tx, expected, lacked", [
    (None, None, ("history.treatments",)),
    ([], False, ()),                                            # no chemotherapy: nothing running
    ([S("wide_en_bloc", "R0")], False, ()),
    ([MAP1_RUNNING], True, ()),
    ([MAP1_DONE], False, ()),                                   # a completed first line is not continued
    ([CT("MAP", 1)], None, ("history.treatments",)),            # completed absent: it may still be under way
    ([CT("MAP")], None, ("history.treatments",)),               # the only course, line absent, completed absent
    ([CT("MAP", None, False)], True, ()),                       # the only course, line absent, running
    ([CT("VDC", 1, True), CT("IE", 1, False)], True, ()),       # the planned parts of one line, one still running
    ([CT("VDC", 1, True), CT("IE", 1)], None, ("history.treatments",)),
    ([MAP1_DONE, IE2_RUNNING], False, ()),                      # a later line runs, not the first
    ([IE2_RUNNING], None, ("history.treatments",)),             # only a later line recorded: first line not told
    ([CT("MAP"), CT("IE")], None, ("history.treatments",)),     # several courses without line 1
])
def test_first_line_running(tx, expected, lacked):
    got = lines.first_line_running(tx)
    assert got.value is expected
    assert tuple(got.lacked) == lacked


# ------------------------------------------------------------------ anthracyclines (FIT-02)

@pytest.mark.parametrize("regimen, expected", [
    ("MAP", True), ("MAPIE", True), ("VDC_IE", True), ("VDC/IE", True), ("vdc-ie", True), ("VIDE", True),
    ("doxorubicin_cisplatin", True), ("cisplatin–doxorubicin", True), ("EURO_BOSS", True), ("EURO-B.O.S.S.", True),
    ("R-CHOP", True), ("R_CHOP", True), ("osteosarcoma_type", True),
    ("IE", False), ("ifosfamide_etoposide", False), ("high_dose_ifosfamide", False), ("gemcitabine-docetaxel", False),
    ("topotecan_cyclophosphamide", False), ("irinotecan_temozolomide", False),
    ("vincristine irinotecan temozolomide", False), ("cyclophosphamide_etoposide", False), ("BuMel", False),
    ("regorafenib", False), ("cabozantinib", False), ("sorafenib", False), ("sorafenib_everolimus", False),
    ("imatinib", False), ("ivosidenib", False),
    (None, None),
    ("doxorubicin", regimens.UNLISTED), ("VDC", regimens.UNLISTED), ("ifosfamide", regimens.UNLISTED),
    ("per haematology", regimens.UNLISTED),
])
def test_regimen_lists_of_the_terminology(regimen, expected):
    assert regimens.anthracycline(regimen) == expected


@pytest.mark.parametrize("tx, state, expected", [
    (None, "untreated", None),
    ([], "untreated", "baseline"),
    ([CT("MAP", 1, False)], "in_first_line_treatment", "on_treatment"),
    ([CT("MAP", 1, True)], "after_local_control", "on_treatment"),      # first-line course in a first-line state
    ([CT("MAP", None, None)], "in_first_line_treatment", "on_treatment"),
    ([CT("MAP", 1, True)], "no_evidence_of_disease", "baseline"),
    ([CT("MAP", 1, None)], "no_evidence_of_disease", None),              # completed absent outside first line
    ([CT("MAP", 1, True)], None, None),                                   # state unknown decides it
    ([MAP1_DONE, IE2_RUNNING], "distant_relapse", "baseline"),          # IE is anthracycline-free
    ([MAP1_DONE, CT("doxorubicin_cisplatin", 2, False)], "distant_relapse", "on_treatment"),
    ([CT("doxorubicin", 1, False)], "in_first_line_treatment", None),   # in neither list
    ([CT(None, 1, False)], "in_first_line_treatment", None),            # regimen not recorded
    ([CT(None, 1, True)], "no_evidence_of_disease", "baseline"),
    ([CT("R_CHOP", 1, False)], "in_first_line_treatment", "on_treatment"),
])
def test_anthracycline_timing(tx, state, expected):
    d = ac.anthracycline_timing(tx, Derived(state))
    assert d.value == expected
    if expected is None:
        assert d.lacked
    if tx and tx[0].regimen == "doxorubicin":
        assert d.flags[0][0] == ac.UNLISTED_FLAG


@pytest.mark.parametrize("tx, cumulative, state, expected", [
    ([], 0, "untreated", False),                                     # baseline, nothing recorded before
    ([], 240, "untreated", True),                                    # an earlier cancer
    ([MAP1_DONE], None, "no_evidence_of_disease", True),            # baseline: a recorded anthracycline course
    ([CT(None, 1, True)], 0, "no_evidence_of_disease", None),       # its regimen not recorded
    ([CT("IE", 1, True)], 0, "no_evidence_of_disease", False),
    ([MAP1_RUNNING], 450, "in_first_line_treatment", False),        # the cycles being given never count
    ([CT("MAP", 1, True)], 450, "after_local_control", False),
    ([MAP1_DONE, CT("doxorubicin_cisplatin", 2, False)], None, "distant_relapse", True),  # an earlier line
    ([CT("MAP", None, True), CT("doxorubicin_cisplatin", 2, False)], None, "distant_relapse", None),
    ([CT("IE", 1, True), CT("doxorubicin_cisplatin", 2, False)], None, "distant_relapse", False),
    ([CT("MAP", 1, True)], None, None, None),                       # timing unknown
])
def test_prior_anthracycline(tx, cumulative, state, expected):
    s = Derived(state)
    assert ac.prior_anthracycline(tx, cumulative, ac.anthracycline_timing(tx, s), s).value is expected


CUMULATIVE = "history.anthracycline_cumulative_mg_m2"


@pytest.mark.parametrize("tx, state, lacked", [
    ([], "untreated", (CUMULATIVE,)),                                # nothing recorded: an earlier cancer?
    ([CT("IE", 1, True)], "no_evidence_of_disease", (CUMULATIVE,)),
    ([CT(None, 1, True)], "no_evidence_of_disease", ("history.treatments", CUMULATIVE)),
])
def test_an_absent_cumulative_dose_at_baseline_is_unknown_not_none(tx, state, lacked):
    # Appendix 3: "... or history.anthracycline_cumulative_mg_m2 > 0": a term needing an absent field is
    # unknown (PATHWAYS "How to read"); the dose is what the value lacked (second reading, D1)
    s = Derived(state)
    d = ac.prior_anthracycline(tx, None, ac.anthracycline_timing(tx, s), s)
    assert d.value is None and d.lacked == lacked


@pytest.mark.parametrize("earlier, expected", [
    (CT("MAP", 1, None), None),       # may still have been under way when the second line started
    (CT("MAP", 1, True), True),
    (CT("IE", 1, None), False),       # no anthracycline, whatever its end
])
def test_an_earlier_line_whose_end_is_not_recorded_is_unknown_on_treatment(earlier, expected):
    # Appendix 3: on treatment, only an earlier-line anthracycline course "recorded completed == true"
    # counts; with `completed` absent it is not known to have ended before the programme (second reading, A4)
    tx = [earlier, CT("doxorubicin_cisplatin", 2, False)]
    s = Derived("distant_relapse")
    timing = ac.anthracycline_timing(tx, s)
    assert timing.value == "on_treatment"
    assert ac.prior_anthracycline(tx, None, timing, s).value is expected


@pytest.mark.parametrize("tx, expected", [
    (None, None), ([], False), ([MAP1_DONE], False), ([CT("IE", 1, True)], True), ([CT(None)], None),
    ([CT("doxorubicin")], None), ([MAP1_DONE, CT("IE")], True),
])
def test_previous_non_anthracycline_chemotherapy(tx, expected):
    assert ac.non_anthracycline_chemotherapy(tx) is expected


# ------------------------------------------------------------------ HFA-ICOS (FIT-02, STAGING §8.4)

NONE_RECORDED = dict(hf=False, lvef=60, cv=[], chest=False, prior=False, nonanthra=False)


def _hfa(age=50, timing="baseline", **kw):
    f = {**NONE_RECORDED, **kw}
    prior = Derived(f["prior"], () if f["prior"] is not None else ("history.treatments",))
    table = hfa_icos.factors(age, f["hf"], f["lvef"], f["cv"], f["chest"], prior, f["nonanthra"])
    t = Derived(timing, () if timing else ("history.treatments",))
    low, high = hfa_icos.bounds(age, t, table)
    return hfa_icos.risk(age, t, table, prior), low.value, high.value


@pytest.mark.parametrize("age, kw, risk, low, high", [
    (50, {}, "low", "low", "low"),
    (50, dict(cv=["hypertension"]), "low", "low", "low"),                       # one 1-point factor
    (50, dict(cv=["hypertension", "diabetes"]), "moderate", "moderate", "moderate"),
    (50, dict(cv=["elevated_troponin"]), "low", "low", "low"),                  # 1 point as PATHWAYS FIT-02 states
    (50, dict(cv=["elevated_np"]), "low", "low", "low"),
    (50, dict(cv=["elevated_troponin", "elevated_np"]), "low", "low", "low"),  # one factor row (line 2558)
    (50, dict(cv=["elevated_troponin", "elevated_np", "smoker"]), "moderate", "moderate", "moderate"),
    (50, dict(nonanthra=True, cv=["smoker"]), "moderate", "moderate", "moderate"),
    (70, {}, "moderate", "moderate", "moderate"),                               # age 65-79: 2 points
    (79, dict(cv=["hypertension", "diabetes", "obesity"]), "high", "high", "high"),  # 5 points
    (50, dict(cv=["ckd", "smoker", "obesity", "hypertension"]), "moderate", "moderate", "moderate"),  # 4 points
    (50, dict(lvef=54), "moderate", "moderate", "moderate"),                    # LVEF 50-54%: 2 points
    (50, dict(lvef=50), "moderate", "moderate", "moderate"),
    (50, dict(lvef=49), "high", "high", "high"),
    (80, {}, "high", "high", "high"),
    (50, dict(prior=True), "high", "high", "high"),
    (50, dict(chest=True), "high", "high", "high"),
    (50, dict(cv=["angina"]), "high", "high", "high"),
    (50, dict(cv=["coronary_disease"]), "high", "high", "high"),
    (50, dict(cv=["severe_valve_disease"]), "high", "high", "high"),
    (50, dict(hf=True), "very_high", "very_high", "very_high"),
    (50, dict(hf=True, cv=None, lvef=None), None, "very_high", "very_high"),  # bounds agree, factors absent
    (50, dict(cv=None), None, "low", "high"),
    (70, dict(lvef=None), None, "moderate", "high"),
    (50, dict(hf=None), None, "low", "very_high"),
    (50, dict(chest=None), None, "low", "high"),
    (50, dict(prior=None), None, "low", "high"),
    (50, dict(nonanthra=None, cv=["hypertension"]), None, "low", "moderate"),
    (17, dict(hf=None), "not_applicable", "not_applicable", "not_applicable"),
])
def test_hfa_icos_category_and_bounds(age, kw, risk, low, high):
    d, lo, hi = _hfa(age, **kw)
    assert (d.value, lo, hi) == (risk, low, high)
    assert d.value != "low" or hi == "low"


def test_hfa_icos_names_the_absent_factors_and_is_not_rescored_on_treatment():
    d, _, _ = _hfa(cv=None, lvef=None, chest=None)
    assert d.lacked == ("performance.lvef_percent", "history.chest_rt_prior", "performance.cv_risk_factors")
    d, lo, hi = _hfa(timing="on_treatment", cv=None)
    assert d.value is None and d.lacked == () and lo is None and hi is None
    d, lo, hi = _hfa(timing=None)
    assert d.value is None and d.lacked == ("history.treatments",) and (lo, hi) == ("low", "low")


@pytest.mark.parametrize("kw, bounds, lacked", [
    (dict(nonanthra=None), ("low", "low"), ("history.treatments",)),      # one absent point leaves max low
    (dict(hf=True, lvef=None), ("very_high", "very_high"), ("performance.lvef_percent",)),
    (dict(prior=None, cv=["angina"]), ("high", "high"), ("history.treatments",)),
])
def test_the_category_needs_every_factor_even_where_the_bounds_agree(kw, bounds, lacked):
    # Appendix 3 (PATHWAYS line 2913): "the exact category when every factor is recorded, otherwise null
    # with the absent factors under missing"; the bounds are still computed (second reading, D5)
    d, lo, hi = _hfa(**kw)
    assert d.value is None and d.lacked == lacked and (lo, hi) == bounds


def test_troponin_and_natriuretic_peptide_are_one_factor_of_one_point():
    # FIT-02 (line 2558): "elevated troponin or natriuretic peptide", one medium factor of 1 point (A5)
    names = [f.name for f in hfa_icos.factors(50, False, 60, ["elevated_troponin", "elevated_np"], False,
                                              Derived(False), False) if f.present]
    assert names == [hfa_icos.BIOMARKER]


# ------------------------------------------------------------------ maturity, osteochondroma, benign label

@pytest.mark.parametrize("recorded, age, expected", [
    (True, 15, True), (False, 19, False), (None, 18, True), (None, 17, False),
])
def test_skeletally_mature(recorded, age, expected):
    assert maturity.skeletally_mature(recorded, age).value is expected


@pytest.mark.parametrize("cap, signs, mature, expected, lacked", [
    (25, [], True, True, ()), (20, [], True, False, ()), (21, None, True, True, ()),
    (25, [], False, False, ()), (30, [], False, False, ()), (31, [], False, True, ()),
    (10, ["soft_tissue_mass"], False, True, ()), (None, ["cortical_destruction"], True, True, ()),
    (None, ["new_pain_after_maturity"], True, True, ()),
    (None, [], True, None, ("lesion.cartilage_cap_mm",)),
    (10, None, True, None, ("lesion.transformation_signs",)),
    (None, None, False, None, ("lesion.cartilage_cap_mm", "lesion.transformation_signs")),
    (17, [], True, False, ()),   # the 15-20 mm grey zone is not a red flag (OC-01; a rule reads the cap)
])
def test_oc_red_flag(cap, signs, mature, expected, lacked):
    d = osteochondroma.oc_red_flag(cap, signs, mature)
    assert d.value is expected and d.lacked == lacked


RED = Derived(True)
CLEAR = Derived(False)
CAP_UNKNOWN = Derived(None, ("lesion.cartilage_cap_mm",))


@pytest.mark.parametrize("hist, basis, done, molecular, mdt, stage, oc, expected", [
    ("osteoid_osteoma", "histology", None, None, None, None, CLEAR, True),
    ("osteoid_osteoma", "imaging", None, None, None, None, CLEAR, True),
    ("hemangioma", None, True, None, None, None, CLEAR, True),
    ("hemangioma", None, False, None, None, None, CLEAR, None),      # basis not recorded, no biopsy
    ("hemangioma", None, None, None, None, None, CLEAR, None),
    ("osteochondroma", None, None, None, None, None, CLEAR, True),
    ("osteochondroma", "histology", True, None, None, None, RED, False),
    ("osteochondroma", "imaging", None, None, None, None, CAP_UNKNOWN, None),
    ("aneurysmal_bone_cyst", "histology", None, ["USP6"], None, None, CLEAR, True),
    ("aneurysmal_bone_cyst", None, True, None, True, None, CLEAR, True),
    ("aneurysmal_bone_cyst", "histology", None, ["usp6"], None, None, CLEAR, True),         # whatever the case
    ("aneurysmal_bone_cyst", "histology", None, ["IDH1", "USP6 fusion"], None, None, CLEAR, True),
    ("aneurysmal_bone_cyst", "histology", None, ["USP6-rearranged"], None, None, CLEAR, True),
    ("aneurysmal_bone_cyst", "histology", None, ["USP60"], None, None, CLEAR, None),      # another word
    ("aneurysmal_bone_cyst", "histology", None, ["IDH1"], False, None, CLEAR, False),
    ("aneurysmal_bone_cyst", "histology", None, ["IDH1"], None, None, CLEAR, None),
    ("aneurysmal_bone_cyst", "histology", None, None, None, None, CLEAR, None),
    ("aneurysmal_bone_cyst", "imaging", None, ["USP6"], True, None, CLEAR, False),
    ("osteoblastoma", "histology", None, None, None, 2, CLEAR, True),
    ("osteoblastoma", "histology", None, None, True, 3, CLEAR, True),
    ("osteoblastoma", "histology", None, None, False, 3, CLEAR, False),
    ("osteoblastoma", "histology", None, None, None, 3, CLEAR, None),
    ("osteoblastoma", "histology", None, None, None, None, CLEAR, None),
    ("osteoblastoma", "imaging", None, None, True, 1, CLEAR, False),
    ("giant_cell_tumor", "histology", True, None, True, 2, CLEAR, False),
    ("langerhans_cell_histiocytosis", "histology", True, None, True, None, CLEAR, False),
    ("chordoma", "histology", True, None, None, None, CLEAR, False),
    ("plasmacytoma", "histology", True, None, None, None, CLEAR, False),
    ("unknown", None, None, None, None, None, CLEAR, None),
])
def test_benign_non_metastasizing(hist, basis, done, molecular, mdt, stage, oc, expected):
    d = benign_label.benign_non_metastasizing(hist, basis, done, molecular, mdt, stage, oc)
    assert d.value is expected
    if expected is None:
        assert d.lacked


def test_benign_label_names_what_would_confirm_it():
    d = benign_label.benign_non_metastasizing("aneurysmal_bone_cyst", "histology", None, None, None, None, CLEAR)
    assert d.lacked == ("diagnosis.molecular", "diagnosis.mdt_confirmed")
    d = benign_label.benign_non_metastasizing("osteochondroma", None, None, None, None, None, CAP_UNKNOWN)
    assert d.lacked == ("lesion.cartilage_cap_mm",)


# ------------------------------------------------------------------ anatomy and questions (QP-01, QP-03)

@pytest.mark.parametrize("levels, sac, expected", [
    (["S3"], None, True), (["S4", "S5", "Co"], None, True), (["Co"], False, True), (["S3"], True, False),
    (["S2", "S3"], None, False), (["S1"], None, False), (["L5", "S1"], None, False),
])
def test_below_s2(levels, sac, expected):
    assert sacrum.below_s2(levels, sac).value is expected


@pytest.mark.parametrize("layers, escc, expected", [
    (["B", "D"], "0", None),            # (1) conflict
    (["E"], "0", None),
    (["B", "D"], None, True),           # (2)
    (["A", "B"], "1a", True),
    (None, "2", True),
    (["B", "C"], None, False),          # (3)
    (None, "0", False),
    (["B"], "0", False),
    (None, None, None),                 # (4)
])
def test_epidural_component(layers, escc, expected):
    d = epidural.epidural_component(layers, escc)
    assert d.value is expected
    if layers and escc == "0" and {"D", "E"} & set(layers):
        assert d.flags[0][0] == "epidural_data_conflict" and d.lacked == ()  # never presumed away
    elif expected is None:
        assert d.lacked == ("lesion.epidural.escc", "lesion.wbb.layers")


@pytest.mark.parametrize("tx, expected", [
    (None, None), ([], False), ([S("decompression")], True), ([S("stabilization")], False),
    ([S("wide_en_bloc"), S("decompression")], True), ([S()], None), ([RT()], False),
])
def test_prior_decompression(tx, expected):
    assert hx.prior_decompression(tx).value is expected


@pytest.mark.parametrize("layers, escc, circ, deficit, progression, tx, expected", [
    (["B", "D"], "1a", None, "none", "stable", [], True),        # layer D
    (["B"], "1b", None, "none", "stable", [], True),             # ESCC 1b
    (["B"], "1a", True, "none", "stable", [], True),             # circumferential
    (["B"], "0", None, "radiculopathy", "stable", [], True),     # a deficit
    (["B"], "0", None, "none", "progressive", [], True),
    (["B"], "0", None, None, None, [], False),                   # epidural status known, no canal tumour
    (None, None, None, None, None, [], True),                    # deficit and epidural status unknown
    (["B"], "0", None, None, None, [S("decompression")], True),  # deficit unknown after a decompression
    (None, "1a", None, "none", "stable", [S("decompression")], False),  # graded after it, no layer D
    (["B", "D"], "0", None, "none", "stable", [S("decompression")], True),
    (None, None, None, "none", "stable", [S("decompression")], True),   # post-operative ESCC not graded
    (["B", "C"], "0", False, "none", "stable", [S("wide_en_bloc")], False),
    # D4: read through derived.prior_decompression; an unknown decompression triggers as a recorded one would
    (["B"], "0", None, None, None, [S()], True),                 # a surgery of unrecorded extent, deficit unknown
    (None, None, None, "none", "stable", [S()], True),           # ... with the ESCC not graded
    (["B"], "0", None, None, None, None, True),                  # history not recorded
    (["B"], "0", None, "none", "stable", None, False),           # deficit and epidural status recorded: no term
    (["B"], "0", None, None, None, [S("stabilization")], False),  # not a decompression
])
def test_neuro_question_priority(layers, escc, circ, deficit, progression, tx, expected):
    decompression = hx.prior_decompression(tx).value
    assert neurology.neuro_question_priority(layers, escc, circ, deficit, progression, decompression).value \
        is expected


@pytest.mark.parametrize("levels, contiguous, expected", [
    (["L2"], True, [1, 2, 3, 4, 5]), (["L2", "L3"], True, [6]), (["C5", "C6", "C7"], True, [6]),
    (["T4", "T6"], False, [7]), (["T4", "T6", "T7"], False, [7]), (["L1", "L2", "L3", "L4"], True, [6]),
])
def test_tomita_type_possible(levels, contiguous, expected):
    assert tomita.tomita_type_possible(levels, contiguous).value == expected


# ------------------------------------------------------------------ the whole patient, through derive.SPECS



def test_a_patient_with_every_new_key_is_derived_through_specs():
    from spinepath.derive import derive_all
    from spinepath.load.patient import parse_patient
    d = {k: v.value for k, v in derive_all(parse_patient(RICH)).items()}
    assert d["disease_state"] == "distant_relapse" and d["relapse"] is True and d["relapse_or_progression"] is True
    assert d["active_treatment"] is True and d["chemo_lines"] == 2
    assert d["anthracycline_timing"] == "baseline" and d["prior_anthracycline"] is True  # MAP in line 1
    # prior anthracycline (high) + age 65-79 (2) + LVEF 52 (2) + hypertension, previous IE (1 each)
    assert d["hfa_icos_anthracycline_risk"] == d["hfa_icos_risk_min"] == d["hfa_icos_risk_max"] == "high"
    assert d["skeletally_mature"] is True and d["oc_red_flag"] is False
    assert d["benign_non_metastasizing"] is False  # osteosarcoma
    assert d["below_s2"] is True and d["epidural_component"] is False and d["prior_decompression"] is False
    assert d["neuro_question_priority"] is False and d["tomita_type_possible"] == [6]


def test_the_new_derived_values_declare_every_patient_field_they_read():
    from spinepath.derive import SPECS
    from spinepath.load.patient import parse_patient
    from test_derive_tables import _Recorder
    variants = [RICH, RICH.replace("status: distant_relapse", "status: untreated").replace("age: 70", "age: 12"),
                RICH.replace("course: {status: distant_relapse, intent: curative}\n", "")
                    .replace("local_recurrence: false", "local_recurrence: true")]
    patients = [parse_patient(v) for v in variants]
    for name, spec in SPECS.items():
        seen: set[str] = set()
        for p in patients:
            spec.compute(_Recorder(p, "", seen))
        undeclared = {f for f in seen if not any(f == i or i.startswith(f + ".") for i in spec.inputs)}
        assert not undeclared, f"derived.{name} reads {undeclared} but declares only {spec.inputs}"


def test_the_new_derived_values_are_in_the_rule_vocabulary():
    from spinepath.derive.vocabulary import all_fields
    fields = all_fields()
    for name in ("disease_state", "relapse", "relapse_or_progression", "active_treatment", "chemo_lines",
                 "anthracycline_timing", "prior_anthracycline", "hfa_icos_anthracycline_risk", "hfa_icos_risk_min",
                 "hfa_icos_risk_max", "skeletally_mature", "oc_red_flag", "benign_non_metastasizing", "below_s2",
                 "epidural_component", "prior_decompression", "neuro_question_priority", "tomita_type_possible",
                 "first_line_running"):
        assert f"derived.{name}" in fields, name
    assert fields["derived.tomita_type_possible"].item_kind == "int"
    assert fields["derived.disease_state"].values == course.STATES
