"""HFA-ICOS baseline cardiovascular risk before anthracyclines (PATHWAYS FIT-02, STAGING §8.4, Appendix 3).

Scored once, before the first anthracycline dose of the current programme
(`anthracycline_timing == baseline`), in patients aged 18 or more; `not_applicable` under 18 (protocol
cardiac eligibility instead); not scored during the programme (`on_treatment`: monitoring, no re-scoring).

Only the factors and weights PATHWAYS FIT-02 and STAGING §8.4 state are encoded (source [125], the
HFA-ICOS proforma as tabulated there). STAGING §8.4 notes that the table was read through calculator
reproductions and that one secondary summary weights elevated troponin / natriuretic peptide at 2 points
instead of 1: the 1 point of PATHWAYS FIT-02 is encoded, and that caveat stands until [125] is read.

The bounds (`hfa_icos_risk_min`, `hfa_icos_risk_max`) are computed from the recorded factors: an absent
factor counts as absent for the minimum and present for the maximum, as for a partial SINS (STAGING §4).
The category itself is "the exact category when every factor is recorded, otherwise null with the absent
factors under missing" (Appendix 3, PATHWAYS line 2913; FIT-02 line 2561: "never displayed as low unless
every factor of the table is recorded"): bounds that agree do not decide it while a factor is absent (heart
failure recorded with the LVEF absent is null with the LVEF lacked; the rules read heart failure itself).
"""
from __future__ import annotations

from typing import NamedTuple

from .base import Derived

CATEGORIES = ("low", "moderate", "high", "very_high")
NOT_APPLICABLE = "not_applicable"

# [125] via PATHWAYS FIT-02 / STAGING §8.4, by level. cv_risk_factors values are PATIENT.md's.
VERY_HIGH_FACTORS = ("heart failure or cardiomyopathy",)
HIGH_CV = ("severe_valve_disease", "coronary_disease", "angina")  # valvular; MI/revascularisation; angina
HIGH_FACTORS = ("LVEF < 50%", "age >= 80", "anthracycline in an earlier programme",
                "previous RT to the left chest or mediastinum") + HIGH_CV
MEDIUM_2_POINTS = ("LVEF 50-54%", "age 65-79")
# FIT-02 (line 2558) and STAGING §8.4 name one factor, "elevated troponin or natriuretic peptide", for the two
# values PATIENT.md records: one point whichever of them (or both) is recorded.
BIOMARKER = "elevated troponin or natriuretic peptide"
BIOMARKER_CV = ("elevated_troponin", "elevated_np")
MEDIUM_1_POINT_CV = ("hypertension", "diabetes", "ckd", "smoker", "obesity")
MEDIUM_1_POINT = (BIOMARKER,) + MEDIUM_1_POINT_CV + ("previous non-anthracycline chemotherapy",)
HIGH_POINTS, MODERATE_POINTS = 5, 2  # >= 5 medium points: high; 2-4: moderate; 0-1: low


class Factor(NamedTuple):
    name: str
    weight: str  # very_high, high, or the number of medium points ("2", "1")
    present: bool | None  # None: not recorded
    key: str  # the patient key that records it


def _category(very_high: bool, high: bool, points: int) -> str:
    if very_high:
        return "very_high"
    if high or points >= HIGH_POINTS:
        return "high"
    return "moderate" if points >= MODERATE_POINTS else "low"


def _level(factors: list[Factor], count_unknown: bool) -> str:
    on = [f for f in factors if f.present is True or count_unknown and f.present is None]
    return _category(any(f.weight == "very_high" for f in on), any(f.weight == "high" for f in on),
                     sum(int(f.weight) for f in on if f.weight.isdigit()))


def factors(age: int, heart_failure: bool | None, lvef: int | None, cv: list[str] | None,
            chest_rt_prior: bool | None, prior_anthracycline: Derived, non_anthracycline_chemo: bool | None
            ) -> list[Factor]:
    """Every factor of the table with whether it is present (None: not recorded)."""
    def cv_has(value):
        return None if cv is None else value in cv
    lvef_low = None if lvef is None else lvef < 50
    lvef_borderline = None if lvef is None else 50 <= lvef <= 54
    out = [Factor(VERY_HIGH_FACTORS[0], "very_high", heart_failure, "performance.heart_failure"),
           Factor("LVEF < 50%", "high", lvef_low, "performance.lvef_percent"),
           Factor("age >= 80", "high", age >= 80, "age"),
           Factor("anthracycline in an earlier programme", "high", prior_anthracycline.value,
                  "history.treatments"),
           Factor("previous RT to the left chest or mediastinum", "high", chest_rt_prior, "history.chest_rt_prior")]
    out += [Factor(v, "high", cv_has(v), "performance.cv_risk_factors") for v in HIGH_CV]
    out += [Factor("LVEF 50-54%", "2", lvef_borderline, "performance.lvef_percent"),
            Factor("age 65-79", "2", 65 <= age <= 79, "age")]
    biomarker = None if cv is None else any(v in cv for v in BIOMARKER_CV)
    out.append(Factor(BIOMARKER, "1", biomarker, "performance.cv_risk_factors"))
    out += [Factor(v, "1", cv_has(v), "performance.cv_risk_factors") for v in MEDIUM_1_POINT_CV]
    out.append(Factor("previous non-anthracycline chemotherapy", "1", non_anthracycline_chemo, "history.treatments"))
    return out


def _lacked(table: list[Factor], prior_anthracycline: Derived) -> tuple[str, ...]:
    keys: list[str] = []
    for f in table:
        if f.present is None:
            keys.extend(prior_anthracycline.lacked if f.name == "anthracycline in an earlier programme" else (f.key,))
    return tuple(dict.fromkeys(keys))


def bounds(age: int, timing: Derived, table: list[Factor]) -> tuple[Derived, Derived]:
    """(hfa_icos_risk_min, hfa_icos_risk_max). Computed while the timing is baseline or not yet known (the
    bounds of the score if it is due); not_applicable under 18; None during the programme."""
    if age < 18:
        return Derived(NOT_APPLICABLE), Derived(NOT_APPLICABLE)
    if timing.value == "on_treatment":
        return Derived(None), Derived(None)
    return Derived(_level(table, False)), Derived(_level(table, True))


def risk(age: int, timing: Derived, table: list[Factor], prior_anthracycline: Derived) -> Derived:
    """hfa_icos_anthracycline_risk: the category, not_applicable, or None (with what it lacked; nothing when
    the programme is under way, since then HFA-ICOS is not re-scored)."""
    if age < 18:
        return Derived(NOT_APPLICABLE)
    if timing.value == "on_treatment":
        return Derived(None)
    if timing.value is None:
        return Derived(None, tuple(dict.fromkeys(timing.lacked + _lacked(table, prior_anthracycline))))
    lacked = _lacked(table, prior_anthracycline)
    if any(f.present is None for f in table):
        return Derived(None, lacked)
    return Derived(_level(table, False))
