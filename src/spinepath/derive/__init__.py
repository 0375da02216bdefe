"""Step 2 of the pipeline: values computed from the patient file before any rule runs.

Each value comes from one small pure function (a module per concept). `derive_all` returns them
in a fixed order; a value that cannot be computed is None and names the patient fields it lacked.
May import load only; vocabulary.py gives the rule vocabulary (patient fields and derived values).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from . import en_bloc_feasible as eb
from . import enneking_stage as en
from . import escc, histology_groups as hg, history as hx, neurology, region as rg, sins, tomita, workup
from . import anthracycline as ac, benign_label, course, epidural, hfa_icos, maturity, osteochondroma, sacrum
from . import late_effects, lines, performance
from .base import Derived, get


@dataclass(frozen=True)
class Spec:
    """How a derived value is typed for the rule compiler (kind: bool, int, number, enum, list)."""

    kind: str
    values: tuple = ()
    compute: Callable[[Any], Derived] | None = None
    # The patient fields `compute` reads: what-if and the ranked questions re-derive a value only
    # when one of them changes (a test checks this against what `compute` really reads).
    inputs: tuple[str, ...] = ()
    # PATHWAYS QP-02: never presumed (the course state, and what is read from it; the anthracycline history
    # and the HFA-ICOS risk). The provisional pass takes these from the facts alone, so a presumption on one
    # of their inputs ("no prior treatment") never makes them known.
    presumable: bool = True

    def derive(self, patient: Any) -> Derived:
        assert self.compute is not None, "a derived value without its calculator"
        return self.compute(patient)


def _p(patient, dotted):
    return get(patient, dotted)


def _eb_args(p):
    return (_p(p, "lesion.wbb.zones"), _p(p, "lesion.wbb.layers"), _p(p, "lesion.pedicles_involved"),
            p.lesion.levels, _p(p, "lesion.vertebral_artery"), _p(p, "lesion.epidural.circumferential"),
            _p(p, "lesion.tomita_type"), _p(p, "lesion.great_vessels_adherent"))


def _hist(p):
    return p.diagnosis.histology


# Additions 2026-12 (PATHWAYS Appendix 3). Values read by other values are computed through these helpers,
# so each definition has one home; their declared inputs are the union of what they read.
#
# The course state feeds nine values and the anthracycline timing six: computed once per patient, not once
# per value (the ranked questions re-derive them for every answer). A patient model is frozen, so what was
# computed for it stays true; the memo holds only the last patient, per thread.
_memo = threading.local()


def _shared(p, key: str, compute):
    if getattr(_memo, "patient", None) is not p:
        _memo.patient, _memo.values = p, {}
    values = _memo.values
    if key not in values:
        values[key] = compute(p)
    return values[key]


def _state(p) -> Derived:
    return _shared(p, "state", lambda p: course.disease_state(
        _p(p, "course.status"), _p(p, "history.treatments"), _p(p, "history.local_recurrence"),
        _p(p, "history.local_recurrence_date"), _p(p, "staging.metastases"), _hist(p),
        p.diagnosis.marrow_plasma_cells_percent))


def _timing(p) -> Derived:
    return _shared(p, "timing", lambda p: ac.anthracycline_timing(_p(p, "history.treatments"), _state(p)))


def _prior_anthracycline(p) -> Derived:
    return _shared(p, "prior_anthracycline", lambda p: ac.prior_anthracycline(
        _p(p, "history.treatments"), _p(p, "history.anthracycline_cumulative_mg_m2"), _timing(p), _state(p)))


def _hfa(p):
    def compute(p):
        prior = _prior_anthracycline(p)
        table = hfa_icos.factors(p.age, _p(p, "performance.heart_failure"), _p(p, "performance.lvef_percent"),
                                 _p(p, "performance.cv_risk_factors"), _p(p, "history.chest_rt_prior"), prior,
                                 ac.non_anthracycline_chemotherapy(_p(p, "history.treatments")))
        return _timing(p), table, prior
    return _shared(p, "hfa", compute)


def _hfa_risk(p) -> Derived:
    timing, table, prior = _hfa(p)
    return hfa_icos.risk(p.age, timing, table, prior)


def _hfa_bound(p, which: int) -> Derived:
    timing, table, _ = _hfa(p)
    return hfa_icos.bounds(p.age, timing, table)[which]


def _mature(p) -> Derived:
    return maturity.skeletally_mature(p.skeletally_mature, p.age)


def _oc_red_flag(p) -> Derived:
    return osteochondroma.oc_red_flag(_p(p, "lesion.cartilage_cap_mm"), _p(p, "lesion.transformation_signs"),
                                      _mature(p).value)


def _first_line_regimen(p) -> Derived:
    return _shared(p, "first_line_regimen", lambda p: lines.first_line_regimen(_p(p, "history.treatments")))


def _workup(p, name: str) -> Derived:
    """The lists of missing investigations (D10-D13), computed once each: their `*_complete` values read them."""
    done = _p(p, "staging.workup_done")
    compute = {
        "full": lambda p: workup.workup_missing_full(done, _hist(p), p.age, _p(p, "lesion.vertebral_artery"),
                                                     _p(p, "lesion.great_vessels_adherent")),
        "local": lambda p: workup.workup_missing_local(done),
        "local_chest": lambda p: workup.workup_missing_local_chest(done),
        "scs": lambda p: workup.workup_missing_scs(done, _hist(p), p.sex),
    }[name]
    return _shared(p, f"workup_{name}", compute)


def _ps(band, p) -> Derived:
    return band(_p(p, "performance.ecog"), _p(p, "performance.karnofsky"), _p(p, "performance.lansky"), p.age)


_LEVELS = ("lesion.levels",)
_HIST = ("diagnosis.histology",)
_GRADE = ("diagnosis.histology", "diagnosis.subtype", "diagnosis.grade")
_SINS = ("lesion.sins.total", "lesion.sins.location", "lesion.sins.pain", "lesion.sins.bone_lesion",
         "lesion.sins.alignment", "lesion.sins.collapse", "lesion.sins.posterolateral")
_EB = ("lesion.wbb.zones", "lesion.wbb.layers", "lesion.pedicles_involved", "lesion.levels",
       "lesion.vertebral_artery", "lesion.epidural.circumferential", "lesion.tomita_type",
       "lesion.great_vessels_adherent")
_DEFICIT, _PROGRESSION = "presentation.neurology.deficit", "presentation.neurology.progression"
_TX = ("history.treatments",)
_STATE = ("course.status", "history.treatments", "history.local_recurrence", "history.local_recurrence_date",
          "staging.metastases", "diagnosis.histology", "diagnosis.marrow_plasma_cells_percent")
_PRIOR_ANTHRACYCLINE = _STATE + ("history.anthracycline_cumulative_mg_m2",)
_HFA = ("age", "performance.heart_failure", "performance.lvef_percent", "performance.cv_risk_factors",
        "history.chest_rt_prior") + _PRIOR_ANTHRACYCLINE
_MATURE = ("skeletally_mature", "age")
_OC = ("lesion.cartilage_cap_mm", "lesion.transformation_signs") + _MATURE
HFA_ICOS = hfa_icos.CATEGORIES + (hfa_icos.NOT_APPLICABLE,)
_RESPONSE = ("response", "stable", "progression")
_EI = _TX + _HIST + ("diagnosis.benign_stage",)
_WORKUP = ("staging.workup_done",)
_WORKUP_FULL = _WORKUP + _HIST + ("age", "lesion.vertebral_artery", "lesion.great_vessels_adherent")
_WORKUP_SCS = _WORKUP + _HIST + ("sex",)
_PS = ("performance.ecog", "performance.karnofsky", "performance.lansky", "age")

REGIONS = ("cervical", "thoracic", "lumbar", "sacral", "cervicothoracic", "thoracolumbar", "lumbosacral",
           "multiregional")

SPECS: dict[str, Spec] = {
    "region": Spec("enum", REGIONS, lambda p: rg.region(p.lesion.levels), inputs=_LEVELS),
    "level_count": Spec("int", (), lambda p: rg.level_count(p.lesion.levels), inputs=_LEVELS),
    "levels_contiguous": Spec("bool", (), lambda p: rg.levels_contiguous(p.lesion.levels),
        inputs=_LEVELS),
    "sacral": Spec("bool", (), lambda p: rg.sacral(p.lesion.levels), inputs=_LEVELS),
    "upper_cervical": Spec("bool", (), lambda p: rg.upper_cervical(p.lesion.levels),
        inputs=_LEVELS),
    "pediatric": Spec("bool", (), lambda p: Derived(p.age < 18), inputs=("age",)),
    "malignant_primary": Spec("bool", (), lambda p: hg.malignant_primary(_hist(p)),
        inputs=_HIST),
    "benign_tumor": Spec("bool", (), lambda p: hg.benign_tumor(_hist(p)), inputs=_HIST),
    "hematologic": Spec("bool", (), lambda p: hg.hematologic(_hist(p)), inputs=_HIST),
    "radiosensitive": Spec("bool", (), lambda p: hg.radiosensitive(_hist(p)), inputs=_HIST),
    "margin_driven": Spec("bool", (), lambda p: hg.margin_driven(_hist(p), p.diagnosis.benign_stage),
        inputs=_HIST + ("diagnosis.benign_stage",)),
    "high_grade": Spec("bool", (), lambda p: en.high_grade(_hist(p), p.diagnosis.subtype, p.diagnosis.grade),
        inputs=_GRADE),
    "enneking_stage": Spec("enum", ("IA", "IB", "IIA", "IIB", "III", "S1", "S2", "S3"), lambda p: en.enneking_stage(
        _hist(p), p.diagnosis.subtype, p.diagnosis.grade, p.diagnosis.benign_stage,
        _p(p, "lesion.wbb.layers"), _p(p, "staging.metastases")),
        inputs=_GRADE + ("diagnosis.benign_stage", "lesion.wbb.layers", "staging.metastases")),
    "escc_high_grade": Spec("bool", (), lambda p: escc.escc_high_grade(_p(p, "lesion.epidural.escc")),
        inputs=("lesion.epidural.escc",)),
    "escc_borderline": Spec("bool", (), lambda p: escc.escc_borderline(_p(p, "lesion.epidural.escc")),
        inputs=("lesion.epidural.escc",)),
    "sins_total": Spec("int", (), lambda p: sins.sins_total(p.lesion.sins), inputs=_SINS),
    "sins_min": Spec("int", (), lambda p: sins.sins_min(p.lesion.sins), inputs=_SINS),
    "sins_max": Spec("int", (), lambda p: sins.sins_max(p.lesion.sins), inputs=_SINS),
    "sins_category": Spec("enum", ("stable", "potentially_unstable", "unstable"),
                          lambda p: sins.sins_category(p.lesion.sins), inputs=_SINS),
    "en_bloc_feasible": Spec("bool", (), lambda p: eb.en_bloc_feasible(*_eb_args(p)),
        inputs=_EB),
    "en_bloc_technique": Spec("enum", ("vertebrectomy", "sagittal_resection", "posterior_arch_resection"),
                              lambda p: eb.en_bloc_technique(*_eb_args(p)), inputs=_EB),
    "tes_candidate": Spec("bool", (), lambda p: tomita.tes_candidate(_p(p, "lesion.tomita_type")),
        inputs=("lesion.tomita_type",)),
    "neuro_deficit": Spec("bool", (), lambda p: neurology.neuro_deficit(_p(p, "presentation.neurology.deficit")),
        inputs=(_DEFICIT,)),
    "neuro_emergency": Spec("bool", (), lambda p: neurology.neuro_emergency(
        _p(p, "presentation.neurology.deficit"), _p(p, "presentation.neurology.progression"),
        _p(p, "lesion.epidural.escc")), inputs=(_DEFICIT, _PROGRESSION, "lesion.epidural.escc")),
    "workup_missing": Spec("list", ("mri_whole_spine", "ct_local", "ct_chest", "whole_body"),
                           lambda p: workup.workup_missing(_p(p, "staging.workup_done")),
        inputs=("staging.workup_done",)),
    "workup_complete": Spec("bool", (), lambda p: workup.workup_complete(_p(p, "staging.workup_done")),
        inputs=("staging.workup_done",)),
    "prior_surgery": Spec("bool", (), lambda p: hx.prior_surgery(_p(p, "history.treatments")),
        inputs=_TX),
    "prior_intralesional_surgery": Spec("bool", (), lambda p: hx.prior_intralesional_surgery(
        _p(p, "history.treatments")), inputs=_TX),
    "prior_surgery_outside_center": Spec("bool", (), lambda p: hx.prior_surgery_outside_center(
        _p(p, "history.treatments")), inputs=_TX),
    "prior_marginal_resection": Spec("bool", (), lambda p: hx.prior_marginal_resection(_p(p, "history.treatments")),
                                     inputs=_TX),
    "prior_enneking_inappropriate": Spec("bool", (), lambda p: hx.prior_enneking_inappropriate(
        _p(p, "history.treatments"), _hist(p), p.diagnosis.benign_stage),
        inputs=_TX + _HIST + ("diagnosis.benign_stage",)),
    "resection_before_histology": Spec("bool", (), lambda p: hx.resection_before_histology(
        _p(p, "history.treatments"), _hist(p), _p(p, "diagnosis.biopsy.method")),
        inputs=_TX + _HIST + ("diagnosis.biopsy.method",)),
    "prior_radiotherapy": Spec("bool", (), lambda p: hx.prior_radiotherapy(_p(p, "history.treatments")),
        inputs=_TX),
    "prior_rt_max_dose_gy": Spec("number", (), lambda p: hx.prior_rt_max_dose_gy(_p(p, "history.treatments")),
        inputs=_TX),
    "prior_chemotherapy": Spec("bool", (), lambda p: hx.prior_chemotherapy(_p(p, "history.treatments")),
        inputs=_TX),
    "prior_denosumab": Spec("bool", (), lambda p: hx.prior_denosumab(_p(p, "history.treatments")),
        inputs=_TX),
    # ---- additions 2026-12 (PATHWAYS Appendix 3; sections M, O, P; D13, D14)
    "disease_state": Spec("enum", course.STATES, _state, inputs=_STATE, presumable=False),
    "relapse": Spec("bool", (), lambda p: course.relapse(_state(p)), inputs=_STATE, presumable=False),
    "relapse_or_progression": Spec("bool", (), lambda p: course.relapse_or_progression(_state(p)), inputs=_STATE,
                                   presumable=False),
    "active_treatment": Spec("bool", (), lambda p: course.active_treatment(
        _state(p), _p(p, "history.treatments"), _p(p, "history.local_recurrence_date")), inputs=_STATE,
        presumable=False),
    "chemo_lines": Spec("int", (), lambda p: course.chemo_lines(_p(p, "history.treatments")), inputs=_TX),
    "anthracycline_timing": Spec("enum", ("baseline", "on_treatment"), _timing, inputs=_STATE, presumable=False),
    "prior_anthracycline": Spec("bool", (), _prior_anthracycline, inputs=_PRIOR_ANTHRACYCLINE, presumable=False),
    "hfa_icos_anthracycline_risk": Spec("enum", HFA_ICOS, _hfa_risk, inputs=_HFA, presumable=False),
    "hfa_icos_risk_min": Spec("enum", HFA_ICOS, lambda p: _hfa_bound(p, 0), inputs=_HFA, presumable=False),
    "hfa_icos_risk_max": Spec("enum", HFA_ICOS, lambda p: _hfa_bound(p, 1), inputs=_HFA, presumable=False),
    "skeletally_mature": Spec("bool", (), _mature, inputs=_MATURE),
    "oc_red_flag": Spec("bool", (), _oc_red_flag, inputs=_OC),
    "benign_non_metastasizing": Spec("bool", (), lambda p: benign_label.benign_non_metastasizing(
        _hist(p), _p(p, "diagnosis.basis"), _p(p, "diagnosis.biopsy.done"), _p(p, "diagnosis.molecular"),
        _p(p, "diagnosis.mdt_confirmed"), p.diagnosis.benign_stage, _oc_red_flag(p)),
        inputs=_HIST + ("diagnosis.basis", "diagnosis.biopsy.done", "diagnosis.molecular", "diagnosis.mdt_confirmed",
                        "diagnosis.benign_stage") + _OC),
    "below_s2": Spec("bool", (), lambda p: sacrum.below_s2(p.lesion.levels, _p(p, "lesion.dural_sac_below_s2")),
        inputs=_LEVELS + ("lesion.dural_sac_below_s2",)),
    "epidural_component": Spec("bool", (), lambda p: epidural.epidural_component(
        _p(p, "lesion.wbb.layers"), _p(p, "lesion.epidural.escc")), inputs=("lesion.wbb.layers", "lesion.epidural.escc")),
    "prior_decompression": Spec("bool", (), lambda p: hx.prior_decompression(_p(p, "history.treatments")),
        inputs=_TX),
    "neuro_question_priority": Spec("bool", (), lambda p: neurology.neuro_question_priority(
        _p(p, "lesion.wbb.layers"), _p(p, "lesion.epidural.escc"), _p(p, "lesion.epidural.circumferential"),
        _p(p, _DEFICIT), _p(p, _PROGRESSION), hx.prior_decompression(_p(p, "history.treatments")).value),
        inputs=("lesion.wbb.layers", "lesion.epidural.escc", "lesion.epidural.circumferential", _DEFICIT,
                _PROGRESSION) + _TX),
    "tomita_type_possible": Spec("list", (1, 2, 3, 4, 5, 6, 7), lambda p: tomita.tomita_type_possible(
        p.lesion.levels, rg.levels_contiguous(p.lesion.levels).value), inputs=_LEVELS),
    # ---- additions 2026-12 the amended rules read (encoding spec §2.3, D1-D24; docs/derived-values-2026-12.md)
    "residual_disease": Spec("enum", hx.RESIDUAL, lambda p: hx.residual_disease(_p(p, "history.treatments")),
        inputs=_TX),  # D1
    "last_surgery_extent": Spec("enum", hx.SURGERY_EXTENTS, lambda p: hx.last_surgery_extent(
        _p(p, "history.treatments")), inputs=_TX),  # OS-03c (second reading round 3 of s5-enc)
    "first_line_regimen": Spec("text", (), _first_line_regimen, inputs=_TX),  # D2
    "first_line_running": Spec("bool", (), lambda p: lines.first_line_running(_p(p, "history.treatments")),
        inputs=_TX),  # COURSE-03 b: a completed first line is not continued
    "running_regimen": Spec("text", (), lambda p: lines.running_regimen(_p(p, "history.treatments")),
        inputs=_TX),  # D3
    "running_line": Spec("int", (), lambda p: lines.running_line(_p(p, "history.treatments")), inputs=_TX),
    "running_response": Spec("enum", _RESPONSE, lambda p: lines.running_response(_p(p, "history.treatments")),
        inputs=_TX),
    "progression_regimen": Spec("text", (), lambda p: lines.progression_regimen(_p(p, "history.treatments")),
        inputs=_TX),  # D4
    "relapse_line": Spec("int", (), lambda p: lines.relapse_line(_p(p, "history.treatments")), inputs=_TX),  # D5
    "en_bloc_setting": Spec("enum", ("primary", "salvage"), lambda p: hx.en_bloc_setting(
        _p(p, "history.treatments"), _p(p, "history.local_recurrence")),
        inputs=_TX + ("history.local_recurrence",)),  # D6
    "salvage_surgery_done": Spec("bool", (), lambda p: hx.salvage_surgery_done(
        _p(p, "history.treatments"), _p(p, "history.local_recurrence_date")),
        inputs=_TX + ("history.local_recurrence_date",)),  # D7
    "cord_levels_involved": Spec("bool", (), lambda p: rg.cord_levels_involved(p.lesion.levels),
        inputs=_LEVELS),  # D8
    "prior_sacral_rt": Spec("bool", (), lambda p: hx.prior_sacral_rt(
        hx.prior_radiotherapy(_p(p, "history.treatments")), rg.sacral(p.lesion.levels)),
        inputs=_TX + _LEVELS),  # D9
    "workup_missing_full": Spec("list", workup.FULL, lambda p: _workup(p, "full"), inputs=_WORKUP_FULL),  # D10
    "workup_missing_local": Spec("list", workup.LOCAL, lambda p: _workup(p, "local"), inputs=_WORKUP),  # D11
    "workup_missing_local_chest": Spec("list", workup.LOCAL_CHEST, lambda p: _workup(p, "local_chest"),
        inputs=_WORKUP),  # D12
    "workup_missing_scs": Spec("list", workup.SCS, lambda p: _workup(p, "scs"), inputs=_WORKUP_SCS),  # D13
    "regimen_renal_agents": Spec("bool", (), lambda p: lines.regimen_renal_agents(_first_line_regimen(p)),
        inputs=_TX),  # D14
    "poor_ps": Spec("bool", (), lambda p: _ps(performance.poor_ps, p), inputs=_PS),  # D15
    "reduced_ps": Spec("bool", (), lambda p: _ps(performance.reduced_ps, p), inputs=_PS),  # D16
    "course_status_conflict": Spec("bool", (), lambda p: course.course_status_conflict(_state(p)),
        inputs=_STATE, presumable=False),  # D17; read from the disease state, never presumed (QP-02, D0)
    "staging_setting": Spec("enum", ("baseline", "restaging"), lambda p: course.staging_setting(_state(p)),
        inputs=_STATE, presumable=False),  # D18; read from the disease state, never presumed (QP-02, D0)
    "ei_emergency_only": Spec("bool", (), lambda p: hx.ei_emergency_only(
        _p(p, "history.treatments"), _hist(p), p.diagnosis.benign_stage), inputs=_EI),  # D19
    "salvage_group": Spec("enum", (hx.SALVAGE_GROUP,), lambda p: hx.salvage_group(hx.prior_enneking_inappropriate(
        _p(p, "history.treatments"), _hist(p), p.diagnosis.benign_stage), _p(p, "history.local_recurrence")),
        inputs=_EI + ("history.local_recurrence",)),  # D20
    "induction_response": Spec("enum", _RESPONSE, lambda p: lines.induction_response(_p(p, "history.treatments")),
        inputs=_TX),  # D21
    "regimen_anthracycline": Spec("bool", (), lambda p: lines.regimen_anthracycline(_first_line_regimen(p)),
        inputs=_TX),  # D22
    "workup_full_complete": Spec("bool", (), lambda p: workup.complete(_workup(p, "full")),
        inputs=_WORKUP_FULL),  # D23
    "workup_local_complete": Spec("bool", (), lambda p: workup.complete(_workup(p, "local")), inputs=_WORKUP),
    "workup_local_chest_complete": Spec("bool", (), lambda p: workup.complete(_workup(p, "local_chest")),
        inputs=_WORKUP),
    "workup_scs_complete": Spec("bool", (), lambda p: workup.complete(_workup(p, "scs")), inputs=_WORKUP_SCS),
    "late_effect_exposures": Spec("list", late_effects.EXPOSURES, lambda p: late_effects.late_effect_exposures(
        _p(p, "history.treatments"), _p(p, "history.anthracycline_cumulative_mg_m2")),
        inputs=_TX + ("history.anthracycline_cumulative_mg_m2",)),  # D24
}

# The keys OUTPUT.md shows in `derived`, always present (null when not computable).
CONTRACT_KEYS = ("region", "pediatric", "enneking_stage", "escc_high_grade", "sins_total", "sins_category",
                 "en_bloc_feasible", "en_bloc_technique")


def derive_all(patient) -> dict[str, Derived]:
    return {name: spec.derive(patient) for name, spec in SPECS.items()}
