"""Each calculator against the rows of ../shared/clinical/STAGING.md."""
from __future__ import annotations

import pytest

from spinepath.derive import en_bloc_feasible as eb
from spinepath.derive import enneking_stage as en
from spinepath.derive import escc, histology_groups as hg, history as hx, neurology, region, sins, tomita, workup
from spinepath.load.patient import Sins, Surgery, Radiotherapy


@pytest.mark.parametrize("levels, expected", [
    (["C5", "C6"], "cervical"), (["T4"], "thoracic"), (["L3"], "lumbar"), (["S1"], "sacral"), (["Co"], "sacral"),
    (["C7", "T1"], "cervicothoracic"), (["T12", "L1"], "thoracolumbar"), (["L5", "S1"], "lumbosacral"),
    (["C3", "L2"], "multiregional"), (["C2", "T5", "S2"], "multiregional"),
])
def test_region(levels, expected):
    assert region.region(levels).value == expected


@pytest.mark.parametrize("levels, contiguous", [
    (["L2"], True), (["C5", "C6", "C7"], True), (["C7", "T1"], True), (["L5", "S1"], True),
    (["T4", "T6"], False), (["C6", "C5"], True),
])
def test_levels_contiguous(levels, contiguous):
    assert region.levels_contiguous(levels).value is contiguous


@pytest.mark.parametrize("hist, subtype, grade, layers, mets, stage", [
    ("chordoma", None, None, ["B", "C"], "none", "IA"),
    ("chordoma", None, None, ["A", "B"], "none", "IB"),
    ("chordoma", "dedifferentiated", None, ["B"], "none", "IIA"),
    ("chondrosarcoma", "conventional", 1, ["C"], "none", "IA"),
    ("chondrosarcoma", "conventional", 2, ["A", "B", "C", "D"], "none", "IB"),  # grade-2 convention
    ("chondrosarcoma", "conventional", 3, ["D"], "none", "IIB"),
    ("chondrosarcoma", "mesenchymal", None, ["B"], "none", "IIA"),
    ("osteosarcoma", None, None, ["A"], "none", "IIB"),
    ("osteosarcoma", None, 1, ["B"], "none", "IA"),
    ("ewing_sarcoma", None, None, ["E"], "none", "IIB"),
    ("leiomyosarcoma", None, 1, ["B"], "none", "IA"),
    ("leiomyosarcoma", None, 3, ["B"], "none", "IIA"),
    ("chordoma", None, None, ["B"], "solitary", "III"),
    ("osteosarcoma", None, None, None, "multiple", "III"),
    ("chordoma", None, None, None, "none", None),          # T unknown
    ("chordoma", None, None, ["B"], None, None),           # M unknown
    ("leiomyosarcoma", None, None, ["B"], "none", None),   # G unknown
    ("plasmacytoma", None, None, ["B"], "none", None),     # not staged by Enneking
    ("unknown", None, None, ["B"], "none", None),
])
def test_enneking_malignant(hist, subtype, grade, layers, mets, stage):
    assert en.enneking_stage(hist, subtype, grade, None, layers, mets).value == stage


def test_enneking_names_what_it_lacked():
    d = en.enneking_stage("chordoma", None, None, None, None, None)
    assert d.value is None and set(d.lacked) == {"lesion.wbb.layers", "staging.metastases"}
    assert en.enneking_stage("chondrosarcoma", None, 2, None, ["B"], "none").flags[0][0] == "grade2_mapping_convention"


@pytest.mark.parametrize("hist, benign_stage, expected", [
    ("giant_cell_tumor", 3, "S3"), ("osteoid_osteoma", 2, "S2"), ("hemangioma", 1, "S1"),
    ("aneurysmal_bone_cyst", None, None),
])
def test_enneking_benign_only_from_clinician(hist, benign_stage, expected):
    assert en.enneking_stage(hist, None, None, benign_stage, ["A"], "none").value == expected


_ALL = dict(location="junctional", pain="mechanical", bone_lesion="lytic", alignment="subluxation",
            collapse="over_50", posterolateral="bilateral")


@pytest.mark.parametrize("components, total, category", [
    (_ALL, 18, "unstable"),
    (dict(location="rigid", pain="none", bone_lesion="blastic", alignment="normal", collapse="none",
          posterolateral="none"), 0, "stable"),
    (dict(location="mobile", pain="occasional_non_mechanical", bone_lesion="mixed", alignment="normal",
          collapse="none_over_50_involved", posterolateral="unilateral"), 6, "stable"),
    (dict(location="semirigid", pain="mechanical", bone_lesion="lytic", alignment="normal", collapse="none",
          posterolateral="unilateral"), 7, "potentially_unstable"),
    (dict(location="junctional", pain="mechanical", bone_lesion="lytic", alignment="de_novo_deformity",
          collapse="under_50", posterolateral="unilateral"), 13, "unstable"),
])
def test_sins_components(components, total, category):
    s = Sins(**components)
    assert sins.sins_total(s).value == total
    assert sins.sins_category(s).value == category


def test_sins_partial_bounds_decide_when_they_can():
    high = Sins(location="junctional", pain="mechanical", bone_lesion="lytic", alignment="subluxation", collapse="over_50")
    assert sins.sins_total(high).value is None
    assert sins.sins_min(high).value == 15 and sins.sins_category(high).value == "unstable"
    low = Sins(location="rigid", pain="none", bone_lesion="blastic", alignment="normal")
    assert sins.sins_max(low).value == 6 and sins.sins_category(low).value == "stable"
    mid = Sins(location="mobile", pain="mechanical")
    assert sins.sins_category(mid).value is None
    assert "lesion.sins.collapse" in sins.sins_category(mid).lacked
    assert sins.sins_total(Sins(total=9)).value == 9
    assert sins.sins_total(None).value is None


@pytest.mark.parametrize("grade, high, borderline", [
    ("0", False, False), ("1a", False, False), ("1b", False, False), ("1c", False, True),
    ("2", True, False), ("3", True, False), (None, None, None),
])
def test_escc(grade, high, borderline):
    assert escc.escc_high_grade(grade).value is high
    assert escc.escc_borderline(grade).value is borderline


@pytest.mark.parametrize("t, candidate, relative", [(1, True, True), (2, True, False), (5, True, False),
                                                    (6, True, True), (7, False, False), (None, None, False)])
def test_tes_candidate(t, candidate, relative):
    d = tomita.tes_candidate(t)
    assert d.value is candidate
    assert bool(d.flags) is relative


def _eb(zones, layers=("B", "C"), pedicles="unilateral", levels=("L2",), va=None, circ=None, tomita_type=None, gv=None):
    args = (list(zones) if zones is not None else None, list(layers) if layers is not None else None,
            pedicles, list(levels), va, circ, tomita_type, gv)
    return eb.en_bloc_feasible(*args), eb.en_bloc_technique(*args)


@pytest.mark.parametrize("zones, pedicles, feasible, technique", [
    ([11, 12, 1, 2], "none", True, "posterior_arch_resection"),
    ([3, 4, 5], "unilateral", True, "sagittal_resection"),
    ([8, 9, 10], "unilateral", True, "sagittal_resection"),
    ([8, 9], "unilateral", True, "sagittal_resection"),       # first match wins; vertebrectomy is the alternative
    ([4, 5, 6, 7, 8], "unilateral", True, "vertebrectomy"),
    ([5, 6, 7, 8, 9], "unilateral", True, "vertebrectomy"),
    ([5, 6, 7, 8], "none", True, "vertebrectomy"),
    ([6, 7, 8, 9, 10], "unilateral", True, "sagittal_resection"),  # extended rule (seed case 1)
    ([4, 5, 6, 7, 8, 9], "bilateral", False, None),
    ([1, 2, 3, 4, 5, 6, 7, 8, 9], "bilateral", False, None),
    ([1, 4, 6, 9], "unilateral", False, None),               # circumferential
    ([2, 3, 9, 10], "unilateral", None, None),              # outside every pattern: surgeon decides
])
def test_en_bloc_wbb(zones, pedicles, feasible, technique):
    f, t = _eb(zones, pedicles=pedicles)
    assert f.value is feasible
    assert t.value == technique


def test_en_bloc_infeasibility_and_unknowns():
    assert _eb([5, 6, 7], layers=("B", "E"))[0].value is False                      # intradural
    assert _eb([5, 6, 7], levels=("C4", "C5"), va="bilateral")[0].value is False   # both VAs
    assert _eb([5, 6, 7], levels=("T4", "T6"))[0].value is False                   # skip levels
    assert _eb([5, 6, 7], tomita_type=7)[0].value is False
    assert _eb([5, 6, 7], circ=True)[0].value is False
    unknown = _eb(None)[0]
    assert unknown.value is None and "lesion.wbb.zones" in unknown.lacked
    assert "lesion.wbb.layers" in _eb([5, 6, 7], layers=None)[0].lacked
    assert "lesion.vertebral_artery" in _eb([5, 6, 7], levels=("C5",))[0].lacked
    sacral = _eb([5, 6, 7], levels=("S1",))[0]
    assert sacral.value is None and sacral.lacked == () and sacral.flags[-1][0] == "wbb_rules_not_defined"
    flags = {c for c, _ in _eb([5, 6, 7], levels=("L1", "L2", "L3", "L4"), gv=True)[0].flags}
    assert {"multilevel_en_bloc", "great_vessels_adherent"} <= flags
    assert "zone_pedicle_conflict" in {c for c, _ in _eb([4, 5, 9], pedicles="unilateral")[0].flags}


@pytest.mark.parametrize("hist, stage, expected", [
    ("chordoma", None, True), ("giant_cell_tumor", None, True), ("osteoblastoma", 3, True),
    ("osteoblastoma", 2, False), ("aneurysmal_bone_cyst", None, None), ("hemangioma", 1, False),
    ("lymphoma", None, False), ("unknown", None, None),
])
def test_margin_driven(hist, stage, expected):
    assert hg.margin_driven(hist, stage).value is expected


def _s(extent=None, margin=None, center=None):
    return Surgery(kind="surgery", extent=extent, margin=margin, specialized_center=center)


@pytest.mark.parametrize("treatments, hist, stage, expected", [
    ([_s("subtotal", "R2")], "chondrosarcoma", None, True),
    ([_s("wide_en_bloc", "R0")], "chordoma", None, False),
    ([_s("marginal_en_bloc", "R1")], "chordoma", None, True),
    ([_s("wide_en_bloc", None)], "chordoma", None, None),
    ([_s("intralesional")], "giant_cell_tumor", 2, False),   # GCT stage 2: curettage is appropriate
    ([_s("intralesional")], "giant_cell_tumor", None, True),
    ([_s("intralesional")], "osteoid_osteoma", 2, False),
    ([], "chordoma", None, False),
    (None, "chordoma", None, None),
    ([_s("intralesional")], "unknown", None, None),
])
def test_prior_enneking_inappropriate(treatments, hist, stage, expected):
    assert hx.prior_enneking_inappropriate(treatments, hist, stage).value is expected


@pytest.mark.parametrize("treatments, hist, method, expected", [
    ([_s("subtotal")], "chondrosarcoma", "surgical_specimen", True),
    ([_s("subtotal")], "chondrosarcoma", "ct_guided_core", False),
    ([_s("decompression")], "unknown", None, False),
    ([_s("intralesional")], "unknown", None, True),
    ([], "unknown", None, False),
    (None, "unknown", None, None),
])
def test_resection_before_histology(treatments, hist, method, expected):
    assert hx.resection_before_histology(treatments, hist, method).value is expected


def test_prior_radiotherapy_dose():
    rt = Radiotherapy(kind="radiotherapy", dose_gy=69)
    assert hx.prior_rt_max_dose_gy([rt]).value == 69
    assert hx.prior_rt_max_dose_gy([]).value == 0
    assert hx.prior_rt_max_dose_gy([Radiotherapy(kind="radiotherapy")]).value is None


@pytest.mark.parametrize("deficit, progression, grade, expected", [
    ("myelopathy", "rapid", "2", True), ("motor_deficit", "progressive", "3", True),
    ("radiculopathy", "progressive", "3", False), ("myelopathy", "rapid", "1c", True),
    ("radiculopathy", "rapid", "1c", False), ("myelopathy", "stable", "3", False),
    ("myelopathy", "rapid", "1b", False), (None, "rapid", "2", True), (None, "progressive", "2", None),
    ("plegia", None, "3", None), ("plegia", "rapid", None, None),
])
def test_neuro_emergency(deficit, progression, grade, expected):
    assert neurology.neuro_emergency(deficit, progression, grade).value is expected


@pytest.mark.parametrize("done, missing", [
    (["mri_whole_spine", "ct_local", "ct_chest", "pet_ct"], []),
    (["mri_whole_spine", "ct_local", "ct_chest", "bone_scan"], []),
    (["ct_local"], ["mri_whole_spine", "ct_chest", "whole_body"]),
    ([], ["mri_whole_spine", "ct_local", "ct_chest", "whole_body"]),
    (None, ["mri_whole_spine", "ct_local", "ct_chest", "whole_body"]),  # GEN-02: not given lacks them all
])
def test_workup(done, missing):
    assert workup.workup_missing(done).value == missing
    assert workup.workup_complete(done).value == (not missing)
    assert bool(workup.workup_missing(done).flags) == (done is None)


class _Recorder:
    """A patient that records every field a calculator reads."""

    def __init__(self, obj, prefix, seen):
        self._obj, self._prefix, self._seen = obj, prefix, seen

    def __getattr__(self, name):
        from pydantic import BaseModel
        value = getattr(self._obj, name)
        path = f"{self._prefix}{name}"
        if isinstance(value, BaseModel):
            return _Recorder(value, path + ".", self._seen)
        self._seen.add(path)
        return value


def _full_patients():
    from spinepath.load.patient import parse_patient
    from conftest import EXAMPLES
    return [parse_patient(p.read_text(), str(p)) for p in EXAMPLES]


def test_each_derived_value_declares_every_patient_field_it_reads():
    from spinepath.derive import SPECS
    patients = _full_patients()
    for name, spec in SPECS.items():
        seen: set[str] = set()
        for p in patients:
            spec.compute(_Recorder(p, "", seen))
        undeclared = {f for f in seen if not any(f == i or i.startswith(f + ".") for i in spec.inputs)}
        assert not undeclared, f"derived.{name} reads {undeclared} but declares only {spec.inputs}"
        assert spec.inputs, name


@pytest.mark.parametrize("extents, expected", [
    (["marginal_en_bloc"], True),
    (["wide_en_bloc"], False),
    (["intralesional", "marginal_en_bloc"], True),
    ([], False),
    ([None], None),
])
def test_prior_marginal_resection(extents, expected):
    treatments = [Surgery(kind="surgery", extent=e) for e in extents]
    assert hx.prior_marginal_resection(treatments).value is expected
    assert hx.prior_marginal_resection(None).value is None
