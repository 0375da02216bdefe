"""The derived values the amended rules read that PATHWAYS Appendix 3 does not define (encoding spec §2.3, second
table, D1-D24), row by row against the spec's definitions, and the regimen table of §2.2 column by column.
Absent data give None with the fields lacked, never "no"; a value that has nothing to name (no such course)
is None with nothing lacked."""
from __future__ import annotations

import pytest

from spinepath.derive import course, late_effects, lines, performance, region, regimens, workup
from spinepath.derive import history as hx
from spinepath.derive.base import Derived
from spinepath.load.patient import Chemotherapy, Denosumab, Radiotherapy, Surgery

TX = ("history.treatments",)


def S(extent=None, margin=None, date=None, emergency=None):
    return Surgery(kind="surgery", extent=extent, margin=margin, date=date, emergency=emergency)


def RT(date=None):
    return Radiotherapy(kind="radiotherapy", date=date)


def CT(regimen=None, line=None, completed=None, response=None, date=None):
    return Chemotherapy(kind="chemotherapy", regimen=regimen, line=line, completed=completed, response=response,
                        date=date)


def _is(d: Derived, value, lacked=None):
    """The value, and for None the fields lacked (() = nothing to name, not unknown)."""
    assert d.value == value and type(d.value) is type(value), (d.value, value)
    if lacked is not None:
        assert d.lacked == lacked, d.lacked
    if value is None and lacked is None:
        assert d.lacked, "unknown must name what it lacked"


# ------------------------------------------------------------------ §2.2 the regimen table

@pytest.mark.parametrize("regimen, anthracycline, renal, gonadotoxic, cytotoxic", [
    ("MAP", True, ("cisplatin", "high_dose_methotrexate"), True, True),
    ("MAPIE", True, ("ifosfamide",), True, True),             # FIT-03 names MAPIE only under ifosfamide
    ("VDC/IE", True, ("ifosfamide",), True, True),
    ("VIDE", True, (), True, True),                           # FIT-03 does not list it (O-11): nothing added
    ("doxorubicin–cisplatin", True, ("cisplatin",), True, True),
    ("EURO-B.O.S.S.", True, ("cisplatin", "ifosfamide"), True, True),
    ("R-CHOP", True, (), True, True),
    ("osteosarcoma_type", True, (), True, True),
    ("IE", False, ("ifosfamide",), True, True),
    ("high_dose_ifosfamide", False, ("ifosfamide",), True, True),
    ("ifosfamide_etoposide", False, ("ifosfamide",), True, True),
    ("gemcitabine_docetaxel", False, (), False, True),
    ("topotecan_cyclophosphamide", False, (), True, True),
    ("irinotecan_temozolomide", False, (), False, True),
    ("vincristine_irinotecan_temozolomide", False, (), False, True),
    ("cyclophosphamide_etoposide", False, (), True, True),
    ("BuMel", False, (), True, True),
    ("regorafenib", False, (), False, False), ("cabozantinib", False, (), False, False),
    ("sorafenib", False, (), False, False), ("sorafenib_everolimus", False, (), False, False),
    ("imatinib", False, (), False, False), ("ivosidenib", False, (), False, False),
    ("per_sarcoma_mdt", regimens.UNLISTED, None, None, True),  # PATHWAYS says nothing of its agents
    ("per_haematology", regimens.UNLISTED, None, None, True),
    ("per_histiocytosis_protocol", regimens.UNLISTED, None, None, True),
    ("molecularly_targeted_or_clinical_trial", regimens.UNLISTED, (), False, False),  # a rule value
    ("doxorubicin", regimens.UNLISTED, None, None, True),      # any other string: unknown, cytotoxic
    # MAP written as its agents (OS-01 line 715), in PATHWAYS' spellings of them
    ("high-dose methotrexate, doxorubicin, cisplatin", True, ("cisplatin", "high_dose_methotrexate"), True, True),
    ("Cisplatin + Adriamycin + HD-MTX", True, ("cisplatin", "high_dose_methotrexate"), True, True),
    ("cisplatin/adriamycin", True, ("cisplatin",), True, True),  # doxorubicin-cisplatin
    ("methotrexate_doxorubicin_cisplatin", regimens.UNLISTED, ("cisplatin",), True, True),  # the dose not said
    # a regimen in no row naming a FIT-03 / FERT-01 agent contains it (anthracycline still unknown)
    ("cisplatin", regimens.UNLISTED, ("cisplatin",), True, True),
    ("ifosfamide", regimens.UNLISTED, ("ifosfamide",), True, True),
    ("cyclophosphamide", regimens.UNLISTED, None, True, True),
    (None, None, None, None, None),
])
def test_the_regimen_table_column_by_column(regimen, anthracycline, renal, gonadotoxic, cytotoxic):
    assert regimens.anthracycline(regimen) == anthracycline
    assert regimens.renal_agents(regimen) == renal
    assert regimens.gonadotoxic(regimen) is gonadotoxic
    assert regimens.cytotoxic(regimen) is cytotoxic


def test_a_rule_value_of_the_table_is_not_a_terminology_regimen():
    # PATHWAYS: a *recorded* regimen in neither terminology list makes the anthracycline values unknown;
    # the table's `no` for molecularly_targeted_or_clinical_trial is for the rules that write it
    assert regimens.row("molecularly_targeted_or_clinical_trial").anthracycline is False
    assert regimens.contains_anthracycline("molecularly_targeted_or_clinical_trial") is None


# ------------------------------------------------------------------ D1 residual_disease (RT-01 columns)

@pytest.mark.parametrize("tx, expected", [
    ([], "unresected"),
    ([S("stabilization")], "unresected"),                                  # no tumour removed
    ([RT()], "unresected"),
    ([S("wide_en_bloc", "R0")], "none"),
    ([S("wide_en_bloc", "R1")], "microscopic"),
    ([S("wide_en_bloc", "R2")], "gross"),
    ([S("marginal_en_bloc", "R0")], "microscopic"),                        # marginal, even R0
    ([S("marginal_en_bloc")], "microscopic"),
    ([S("gross_total_piecemeal")], "microscopic"),
    ([S("intralesional")], "microscopic"),                                 # O-12: the table header
    ([S("intralesional", "R2")], "gross"),                                 # R2 first
    ([S("subtotal")], "gross"),
    ([S("subtotal", "R1")], "gross"),                                      # the extent decides before R1
    ([S("decompression")], "gross"),                                       # decompression only
    ([S("wide_en_bloc", "R0"), S("stabilization")], "none"),               # the last operation on the tumour
    ([S("subtotal", "R2"), S("wide_en_bloc", "R0")], "none"),              # the last, not the worst
    ([S(margin="R1")], "microscopic"),                                     # extent absent, the margin decides
    ([S(margin="R2")], "gross"),
])
def test_residual_disease(tx, expected):
    _is(hx.residual_disease(tx), expected)


@pytest.mark.parametrize("tx", [None, [S()], [S("wide_en_bloc")], [S(margin="R0")], [S("subtotal"), S()]])
def test_residual_disease_unknown(tx):
    _is(hx.residual_disease(tx), None, TX)


# ------------------------------------------------------------------ D2, D21, D22, D14: the first line

MAP1 = CT("MAP", 1, True, "response")
IE2_RUNNING = CT("IE", 2, False, "stable")


@pytest.mark.parametrize("tx, regimen, response", [
    ([MAP1], "MAP", "response"),
    ([CT("VDC_IE", None, False, "stable")], "VDC_IE", "stable"),            # the only course, line absent
    ([MAP1, IE2_RUNNING], "MAP", "response"),
    ([MAP1, CT("IE")], "MAP", "response"),                                  # the line-1 course names it
    ([CT("VDC_IE", 1, True, "progression"), CT("VDC/IE", 1, False, "progression")], "VDC_IE", "progression"),
])
def test_first_line_regimen_and_induction_response(tx, regimen, response):
    _is(lines.first_line_regimen(tx), regimen)
    _is(lines.induction_response(tx), response)


@pytest.mark.parametrize("tx, lacked", [
    ([], ()), ([S("wide_en_bloc", "R0")], ()),                 # no chemotherapy: nothing to name
    (None, TX),
    ([CT(None, 1)], TX),                                       # regimen not recorded
    ([CT("VDC", 1), CT("IE", 1)], TX),                         # two first-line regimens: which one?
    ([CT("MAP"), CT("IE")], TX),                               # lines not recorded
    ([IE2_RUNNING], TX),                                       # only a later line: the first is not in the file
])
def test_first_line_regimen_unknown(tx, lacked):
    _is(lines.first_line_regimen(tx), None, lacked)


def test_regimens_are_named_in_the_table_spelling():
    # rules compare `equals: MAP` / `EURO_BOSS` and copy the value into details: one spelling
    _is(lines.first_line_regimen([CT("EURO-B.O.S.S.", 1)]), "EURO_BOSS")
    _is(lines.running_regimen([MAP1, CT("ifosfamide-etoposide", 2, False)]), "ifosfamide_etoposide")
    _is(lines.progression_regimen([CT("vdc/ie", 1, True, "progression")]), "VDC_IE")
    _is(lines.first_line_regimen([CT("doxorubicin", 1)]), "doxorubicin")          # no row: as recorded


@pytest.mark.parametrize("tx", [
    [CT("high-dose methotrexate, doxorubicin, cisplatin", 1)],                      # MAP by its agents (OS-01)
    [CT("HD-MTX/Adriamycin/cisplatin", None, False)],
    [CT("MAP", 1, True), CT("cisplatin, doxorubicin, high-dose methotrexate", 1, False)],  # one line, two spellings
])
def test_osteosarcoma_first_line_written_as_its_agents_is_map(tx):
    _is(lines.first_line_regimen(tx), "MAP")
    _is(lines.regimen_renal_agents(lines.first_line_regimen(tx)), True)
    _is(lines.regimen_anthracycline(lines.first_line_regimen(tx)), True)


def test_a_first_line_regimen_naming_cisplatin_has_a_renal_agent():
    # FIT-03: "a proposed regimen contains cisplatin"; its anthracycline stays unknown (in neither list)
    first = lines.first_line_regimen([CT("cisplatin", 1)])
    _is(first, "cisplatin")
    _is(lines.regimen_renal_agents(first), True)
    _is(lines.regimen_anthracycline(first), None, TX)


def test_induction_response_not_recorded_is_unknown():
    _is(lines.induction_response([CT("VDC_IE", 1, False)]), None, TX)


@pytest.mark.parametrize("first, renal, anthracycline", [
    ("MAP", True, True), ("VDC_IE", True, True), ("VIDE", False, True), ("EURO_BOSS", True, True),
    ("IE", True, False), ("gemcitabine_docetaxel", False, False), ("osteosarcoma_type", False, True),
    ("R-CHOP", False, True),
])
def test_first_line_regimen_classes(first, renal, anthracycline):
    _is(lines.regimen_renal_agents(Derived(first)), renal)
    _is(lines.regimen_anthracycline(Derived(first)), anthracycline)


@pytest.mark.parametrize("first, lacked", [
    (Derived("per_sarcoma_mdt"), TX), (Derived("doxorubicin"), TX),     # PATHWAYS does not say
    (Derived(None, TX), TX), (Derived(None), ()),                       # passed on from the first line
])
def test_first_line_regimen_classes_unknown(first, lacked):
    _is(lines.regimen_renal_agents(first), None, lacked)
    _is(lines.regimen_anthracycline(first), None, lacked)


# ------------------------------------------------------------------ D3 the running later line, D4, D5

@pytest.mark.parametrize("tx, regimen, line, response", [
    ([MAP1, IE2_RUNNING], "IE", 2, "stable"),
    ([MAP1, CT("IE", 2, True), CT("gemcitabine_docetaxel", 3, False, "response")], "gemcitabine_docetaxel", 3,
     "response"),
    ([MAP1, CT("IE", 2, False, "progression"), CT("regorafenib", 3, False, "stable")], "regorafenib", 3, "stable"),
    ([MAP1, IE2_RUNNING, CT("MAP", 1)], "IE", 2, "stable"),                # a first-line course is not a later line
])
def test_running_later_line(tx, regimen, line, response):
    _is(lines.running_regimen(tx), regimen)
    _is(lines.running_line(tx), line)
    _is(lines.running_response(tx), response)


@pytest.mark.parametrize("tx, lacked", [
    ([], ()), ([MAP1], ()), ([CT("MAP", 1, False)], ()),                   # no later line under way
    ([MAP1, CT("IE", 2, True)], ()),                                       # the later line is completed
    (None, TX),
    ([MAP1, CT("IE", 2, None)], TX),                                       # completed not recorded
    ([MAP1, CT("IE", None, False)], TX),                                   # line not recorded
    ([MAP1, IE2_RUNNING, CT("regorafenib", 3)], TX),                       # a higher line that may be running
])
def test_running_later_line_none(tx, lacked):
    _is(lines.running_regimen(tx), None, lacked)
    _is(lines.running_line(tx), None, lacked)


def test_two_running_regimens_of_one_line_name_the_line_but_not_the_regimen():
    tx = [MAP1, IE2_RUNNING, CT("gemcitabine_docetaxel", 2, False, "stable")]
    _is(lines.running_regimen(tx), None, TX)
    _is(lines.running_line(tx), 2)
    _is(lines.running_response(tx), "stable")


def test_running_response_not_recorded_is_unknown():
    _is(lines.running_response([MAP1, CT("IE", 2, False)]), None, TX)


@pytest.mark.parametrize("tx, expected, lacked", [
    ([CT("MAP", 1, True, "progression")], "MAP", ()),
    ([CT("MAP", 1, True, "progression"), CT("IE", 2, False, "progression")], "IE", ()),   # the last
    ([CT("MAP", 1, True, "progression"), CT("IE", 2, False, "response")], "MAP", ()),
    ([MAP1], None, ()),                                                                 # none progressed
    ([], None, ()),
    (None, None, TX),
    ([CT("MAP", 1, True, "progression"), CT("IE", 2, False)], None, TX),   # the later response unknown
    ([CT(None, 1, True, "progression")], None, TX),                        # its regimen not recorded
])
def test_progression_regimen(tx, expected, lacked):
    _is(lines.progression_regimen(tx), expected, lacked)


@pytest.mark.parametrize("tx, expected", [
    ([], 2), ([MAP1], 2), ([MAP1, IE2_RUNNING], 3), ([CT("MAP")], 2),
    ([MAP1, CT("IE", 2), CT("x", 3)], 4), (None, None), ([CT("MAP"), CT("IE")], None),
])
def test_relapse_line(tx, expected):
    _is(lines.relapse_line(tx), expected, TX if expected is None else ())


# ------------------------------------------------------------------ D6, D7, D9, D19, D20: surgery history

@pytest.mark.parametrize("tx, recurrence, expected", [
    ([], None, "primary"), ([], False, "primary"), ([S("stabilization")], None, "primary"),
    ([RT()], None, "primary"), ([], True, "salvage"), (None, True, "salvage"),
    ([S("decompression")], None, "salvage"), ([S("wide_en_bloc", "R0")], False, "salvage"),
    ([S()], True, "salvage"),
])
def test_en_bloc_setting(tx, recurrence, expected):
    _is(hx.en_bloc_setting(tx, recurrence), expected)


@pytest.mark.parametrize("tx, recurrence", [
    (None, None), (None, False), ([S()], None), ([S("stabilization"), S()], False),
])
def test_en_bloc_setting_unknown(tx, recurrence):
    _is(hx.en_bloc_setting(tx, recurrence), None, TX)


@pytest.mark.parametrize("tx, date, expected, lacked", [
    ([S("subtotal", "R2", "2011-02"), S("wide_en_bloc", "R1", "2012-06")], "2012-01", True, ()),
    ([S("subtotal", "R2", "2011-02")], "2012-01", False, ()),
    ([S("subtotal", "R2", "2011-02"), RT("2012-03")], "2012-01", False, ()),   # radiotherapy is not surgery
    ([S("stabilization", date="2012-02")], "2012-01", True, ()),              # any surgery, as the spec writes it
    ([], "2012-01", False, ()),
    ([S("wide_en_bloc", "R0", "2012-01-20")], "2012-01", None, TX),           # same month: cannot be ordered
    ([S("wide_en_bloc", "R0")], "2012-01", None, TX),                         # undated
    ([S("wide_en_bloc", "R0", "2012-01-10")], "2012-01-10", None, TX),        # the same day, as COURSE-01 step 2 (A1)
    ([S("wide_en_bloc", "R0", "2012-01-09")], "2012-01-10", False, ()),
    ([S("wide_en_bloc", "R0", "2012-06")], None, None, ("history.local_recurrence_date",)),
    (None, "2012-01", None, TX),
])
def test_salvage_surgery_done(tx, date, expected, lacked):
    _is(hx.salvage_surgery_done(tx, date), expected, lacked)


@pytest.mark.parametrize("prior_rt, sacral, expected, lacked", [
    (Derived(True), Derived(True), True, ()), (Derived(True), Derived(False), False, ()),
    (Derived(False), Derived(True), False, ()), (Derived(None, TX), Derived(False), False, ()),
    (Derived(None, TX), Derived(True), None, TX),
])
def test_prior_sacral_rt(prior_rt, sacral, expected, lacked):
    _is(hx.prior_sacral_rt(prior_rt, sacral), expected, lacked)


@pytest.mark.parametrize("tx, hist, stage, expected, lacked", [
    ([S("decompression", emergency=True)], "osteosarcoma", None, True, ()),
    ([S("decompression", emergency=True), S("stabilization")], "osteosarcoma", None, True, ()),
    ([S("decompression", emergency=True), S("wide_en_bloc", "R0")], "chordoma", None, True, ()),  # R0 is not EI
    ([S("decompression", emergency=False)], "osteosarcoma", None, False, ()),
    ([S("decompression", emergency=True), S("subtotal", "R2")], "chondrosarcoma", None, False, ()),
    ([S("wide_en_bloc", "R1")], "chordoma", None, False, ()),
    ([S("decompression")], "osteosarcoma", None, None, TX),                        # emergency not recorded
    ([S()], "osteosarcoma", None, None, TX),
    (None, "osteosarcoma", None, None, TX),
    ([S("decompression", emergency=True)], "unknown", None, True, ()),             # whether needed or not
    ([S("intralesional")], "unknown", None, None, ("diagnosis.histology",)),
    ([], "osteosarcoma", None, None, ()),                                          # nothing to qualify
    ([S("wide_en_bloc", "R0"), S("stabilization")], "osteosarcoma", None, None, ()),
    ([S("intralesional")], "giant_cell_tumor", 2, None, ()),                       # S2 GCT: no margin needed
    ([S("intralesional")], "osteoblastoma", 3, False, ()),
])
def test_ei_emergency_only(tx, hist, stage, expected, lacked):
    _is(hx.ei_emergency_only(tx, hist, stage), expected, lacked)


@pytest.mark.parametrize("ei, recurrence, expected, lacked", [
    (Derived(True), None, "residual_after_first_surgery", ()),
    (Derived(True), False, "residual_after_first_surgery", ()),
    (Derived(True), True, None, ()),          # a recurrence is salvage of its own (REC)
    (Derived(False), None, None, ()),
    (Derived(None, ("diagnosis.histology",)), None, None, ("diagnosis.histology",)),
])
def test_salvage_group(ei, recurrence, expected, lacked):
    _is(hx.salvage_group(ei, recurrence), expected, lacked)


# ------------------------------------------------------------------ D8 cord levels

@pytest.mark.parametrize("levels, expected", [
    (["C1"], True), (["T7"], True), (["L2"], True), (["L2", "L3"], True), (["L3"], False),
    (["L4", "L5", "S1"], False), (["Co"], False),
])
def test_cord_levels_involved(levels, expected):
    _is(region.cord_levels_involved(levels), expected)


# ------------------------------------------------------------------ D10-D13, D23: the staging lists

ALL4 = ["mri_whole_spine", "ct_local", "ct_chest", "whole_body"]


@pytest.mark.parametrize("done, hist, age, va, gv, expected", [
    (None, "chordoma", 50, None, None, ALL4),
    (None, "unknown", 40, None, None, ALL4 + ["ct_abdomen_pelvis"]),
    (None, "unknown", 39, None, None, ALL4),
    (None, "osteosarcoma", 60, None, None, ALL4),                                  # histology known
    (["mri_whole_spine", "ct_local", "ct_chest", "pet_ct"], "unknown", 60, None, None, ["ct_abdomen_pelvis"]),
    (["mri_whole_spine", "ct_local", "ct_chest", "pet_ct", "ct_abdomen_pelvis"], "unknown", 60, None, None, []),
    (["mri_whole_spine", "ct_local", "ct_chest", "bone_scan"], "chordoma", 50, "unilateral", None, ["angiography"]),
    (["mri_whole_spine", "ct_local", "ct_chest", "bone_scan"], "chordoma", 50, "bilateral", None, ["angiography"]),
    (["mri_whole_spine", "ct_local", "ct_chest", "bone_scan"], "chordoma", 50, "none", True, ["angiography"]),
    (["mri_whole_spine", "ct_local", "ct_chest", "bone_scan"], "chordoma", 50, "none", False, []),
    (["mri_whole_spine", "ct_local", "ct_chest", "bone_scan"], "chordoma", 50, None, None, []),  # not recorded
    (["mri_whole_spine", "ct_local", "ct_chest", "bone_scan", "angiography"], "chordoma", 50, "unilateral", None, []),
    (["ct_local"], "unknown", 70, "unilateral", None,
     ["mri_whole_spine", "ct_chest", "whole_body", "ct_abdomen_pelvis", "angiography"]),
])
def test_workup_missing_full(done, hist, age, va, gv, expected):
    d = workup.workup_missing_full(done, hist, age, va, gv)
    _is(d, expected)
    _is(workup.complete(d), not expected)
    assert bool(d.flags) == (done is None)


@pytest.mark.parametrize("done, local, local_chest", [
    (None, ["mri_local", "ct_local"], ["mri_local", "ct_local", "ct_chest"]),
    ([], ["mri_local", "ct_local"], ["mri_local", "ct_local", "ct_chest"]),
    (["mri_local"], ["ct_local"], ["ct_local", "ct_chest"]),
    (["mri_whole_spine", "ct_local"], [], ["ct_chest"]),                      # whole-spine MRI satisfies it
    (["mri_local", "ct_local", "ct_chest"], [], []),
    (["ct_chest", "pet_ct"], ["mri_local", "ct_local"], ["mri_local", "ct_local"]),
])
def test_workup_missing_local(done, local, local_chest):
    _is(workup.workup_missing_local(done), local)
    _is(workup.workup_missing_local_chest(done), local_chest)
    _is(workup.complete(workup.workup_missing_local(done)), not local)
    _is(workup.complete(workup.workup_missing_local_chest(done)), not local_chest)


@pytest.mark.parametrize("done, hist, sex, expected", [
    (None, "undifferentiated_pleomorphic_sarcoma", "female", ["ct_chest", "ct_abdomen_pelvis", "pet_ct"]),
    (None, "leiomyosarcoma", "female", ["ct_chest", "ct_abdomen_pelvis", "pet_ct", "gynaecological_imaging"]),
    (None, "leiomyosarcoma", "male", ["ct_chest", "ct_abdomen_pelvis", "pet_ct"]),
    (None, "leiomyosarcoma", None, ["ct_chest", "ct_abdomen_pelvis", "pet_ct"]),   # `== female` needs it recorded
    (["ct_chest", "pet_ct"], "leiomyosarcoma", "female", ["ct_abdomen_pelvis", "gynaecological_imaging"]),
    (["ct_chest", "pet_ct", "ct_abdomen_pelvis", "gynaecological_imaging"], "leiomyosarcoma", "female", []),
    (["ct_chest", "pet_ct", "ct_abdomen_pelvis"], "other_sarcoma", "female", []),
])
def test_workup_missing_scs(done, hist, sex, expected):
    d = workup.workup_missing_scs(done, hist, sex)
    _is(d, expected)
    _is(workup.complete(d), not expected)


# ------------------------------------------------------------------ D15, D16 performance status (convention)

@pytest.mark.parametrize("ecog, kps, lansky, poor, reduced", [
    (3, None, None, True, True), (2, None, None, False, True), (1, None, None, False, False),
    (None, 50, None, True, True), (None, 60, None, False, True), (None, 70, None, False, True),
    (None, 80, None, False, False), (None, None, 50, True, True), (None, None, 70, False, True),
    (None, None, 90, False, False),
    (1, 40, None, True, True),                     # any recorded score in the band
    (0, 90, 100, False, False),                    # every recorded score outside it
])
def test_performance_status_bands(ecog, kps, lansky, poor, reduced):
    _is(performance.poor_ps(ecog, kps, lansky, 40), poor)
    _is(performance.reduced_ps(ecog, kps, lansky, 40), reduced)


def test_no_score_recorded_is_unknown_and_asks_lansky_only_of_a_child():
    _is(performance.poor_ps(None, None, None, 40), None, ("performance.ecog", "performance.karnofsky"))
    _is(performance.reduced_ps(None, None, None, 12), None,
        ("performance.ecog", "performance.karnofsky", "performance.lansky"))


# ------------------------------------------------------------------ D17, D18: from the course state

def test_course_status_conflict_reads_the_state_derivation():
    conflict = course.disease_state("untreated", [CT("MAP")], None, None, None, "osteosarcoma", None)
    _is(course.course_status_conflict(conflict), True)
    consistent = course.disease_state("untreated", [], None, None, None, "osteosarcoma", None)
    _is(course.course_status_conflict(consistent), False)
    not_recorded = course.disease_state(None, [S("wide_en_bloc", "R0")], None, None, None, "osteosarcoma", None)
    assert not_recorded.value is None
    _is(course.course_status_conflict(not_recorded), False)    # nothing recorded to contradict


@pytest.mark.parametrize("state, expected, lacked", [
    ("untreated", "baseline", ()), ("in_first_line_treatment", "restaging", ()),
    ("local_recurrence", "restaging", ()), ("distant_relapse", "restaging", ()),
    ("residual_or_progressive", "restaging", ()), ("suspected_recurrence", "restaging", ()),
    ("after_local_control", None, ()), ("no_evidence_of_disease", None, ()),
])
def test_staging_setting(state, expected, lacked):
    _is(course.staging_setting(Derived(state)), expected, lacked)


def test_staging_setting_unknown_while_the_state_is():
    _is(course.staging_setting(Derived(None, ("course.status",))), None, ("course.status",))


# ------------------------------------------------------------------ D24 late-effect exposures (FU-05)

@pytest.mark.parametrize("tx, cumulative, expected", [
    ([], None, []),
    ([], 120, ["anthracycline"]),                                           # an earlier cancer
    ([MAP1], None, ["anthracycline", "ifosfamide_cisplatin"]),
    ([CT("VIDE", 1, True)], None, ["anthracycline"]),                      # FIT-03 does not name it (O-11)
    ([CT("IE", 1, True)], None, ["ifosfamide_cisplatin"]),
    ([CT("gemcitabine_docetaxel", 2)], None, []),
    ([RT()], None, ["radiotherapy"]),
    ([S("stabilization")], None, ["instrumentation"]),                     # O-26: the proxy
    ([S("wide_en_bloc", "R0")], None, ["instrumentation"]),
    ([S("marginal_en_bloc")], None, ["instrumentation"]),
    ([S("decompression"), S("intralesional")], None, []),
    ([Denosumab(kind="denosumab")], None, []),
    ([S("wide_en_bloc", "R0"), RT(), MAP1], 450, list(late_effects.EXPOSURES)),  # fixed order
    ([CT("IE", 1, True)], 300, ["anthracycline", "ifosfamide_cisplatin"]),  # an earlier cancer's dose
])
def test_late_effect_exposures(tx, cumulative, expected):
    _is(late_effects.late_effect_exposures(tx, cumulative), expected)


@pytest.mark.parametrize("tx", [
    None, [CT()], [CT("per_sarcoma_mdt")], [CT("doxorubicin")], [S()], [RT(), S()],
])
def test_late_effect_exposures_unknown(tx):
    _is(late_effects.late_effect_exposures(tx, None), None, TX)


# ------------------------------------------------------------------ through derive.SPECS

NEW = {
    "residual_disease": ("enum", ("unresected", "none", "microscopic", "gross")),
    "first_line_regimen": ("text", ()), "running_regimen": ("text", ()), "running_line": ("int", ()),
    "running_response": ("enum", ("response", "stable", "progression")), "progression_regimen": ("text", ()),
    "relapse_line": ("int", ()), "en_bloc_setting": ("enum", ("primary", "salvage")),
    "salvage_surgery_done": ("bool", ()), "cord_levels_involved": ("bool", ()), "prior_sacral_rt": ("bool", ()),
    "workup_missing_full": ("list", ("mri_whole_spine", "ct_local", "ct_chest", "whole_body", "ct_abdomen_pelvis",
                                     "angiography")),
    "workup_missing_local": ("list", ("mri_local", "ct_local")),
    "workup_missing_local_chest": ("list", ("mri_local", "ct_local", "ct_chest")),
    "workup_missing_scs": ("list", ("ct_chest", "ct_abdomen_pelvis", "pet_ct", "gynaecological_imaging")),
    "regimen_renal_agents": ("bool", ()), "poor_ps": ("bool", ()), "reduced_ps": ("bool", ()),
    "course_status_conflict": ("bool", ()), "staging_setting": ("enum", ("baseline", "restaging")),
    "ei_emergency_only": ("bool", ()), "salvage_group": ("enum", ("residual_after_first_surgery",)),
    "induction_response": ("enum", ("response", "stable", "progression")), "regimen_anthracycline": ("bool", ()),
    "workup_full_complete": ("bool", ()), "workup_local_complete": ("bool", ()),
    "workup_local_chest_complete": ("bool", ()), "workup_scs_complete": ("bool", ()),
    "late_effect_exposures": ("list", ("anthracycline", "ifosfamide_cisplatin", "radiotherapy", "instrumentation")),
}


def test_the_summaries_are_in_the_rule_vocabulary_with_their_types():
    from spinepath.derive.vocabulary import all_fields
    fields = all_fields()
    for name, (kind, values) in NEW.items():
        f = fields[f"derived.{name}"]
        assert (f.kind, f.values) == (kind, values), name
        if kind == "list":
            assert f.item_kind == "enum", name


def test_a_patient_through_specs():
    from spinepath.derive import derive_all
    from spinepath.load.patient import parse_patient
    from test_patient_additions import RICH
    d = {k: v.value for k, v in derive_all(parse_patient(RICH)).items()}
    assert d["residual_disease"] == "none" and d["en_bloc_setting"] == "salvage"
    assert d["first_line_regimen"] == "MAP" and d["induction_response"] == "response"
    assert d["regimen_renal_agents"] is True and d["regimen_anthracycline"] is True
    assert (d["running_regimen"], d["running_line"], d["running_response"]) == ("IE", 2, None)
    assert d["progression_regimen"] is None and d["relapse_line"] == 3
    assert d["salvage_surgery_done"] is False and d["cord_levels_involved"] is False
    assert d["prior_sacral_rt"] is False and d["course_status_conflict"] is False
    assert d["staging_setting"] == "restaging" and d["ei_emergency_only"] is None and d["salvage_group"] is None
    assert d["poor_ps"] is False and d["reduced_ps"] is False
    assert d["workup_missing_full"] == ["mri_whole_spine", "ct_local", "ct_chest", "whole_body"]
    assert d["workup_missing_local"] == ["ct_local"] and d["workup_missing_local_chest"] == ["ct_local", "ct_chest"]
    assert d["workup_missing_scs"] == ["ct_chest", "pet_ct"] and d["workup_scs_complete"] is False
    assert d["late_effect_exposures"] == ["anthracycline", "ifosfamide_cisplatin", "instrumentation"]
