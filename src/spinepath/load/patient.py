"""The patient file (`spinepath.patient/1`, ../shared/spec/PATIENT.md) as one strict pydantic model.

The same model validates files and generates the JSON Schema that editors use, so the two can
never disagree. Absent optional keys stay `None`: unknown is not no.
"""
# No `from __future__ import annotations` here: pydantic would evaluate every field annotation from
# its text again at start-up (about 3 ms of the models' 28).
import functools
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError,
                      WithJsonSchema, model_validator)

from .dates import after
from .chronology import order_warnings, treatments_after
from .sins_points import sins_from_components
from .dates import days
from .diagnostics import Diagnostic, InputError, did_you_mean, shown
from .interventions import installed_codes
from .non_adherence import CODES as NON_ADHERENCE_CODES
from .yamlsafe import Document, load_path, load_text

FORMAT = "spinepath.patient/1"

LEVELS = ([f"C{i}" for i in range(1, 8)] + [f"T{i}" for i in range(1, 13)]
          + [f"L{i}" for i in range(1, 6)] + [f"S{i}" for i in range(1, 6)] + ["Co"])
LEVEL_RANGES = "C1–C7, T1–T12, L1–L5, S1–S5 or Co"

Histology = Literal[
    "chordoma", "chondrosarcoma", "osteosarcoma", "ewing_sarcoma", "giant_cell_tumor",
    "aneurysmal_bone_cyst", "osteoid_osteoma", "osteoblastoma", "hemangioma", "plasmacytoma",
    "lymphoma", "leiomyosarcoma", "undifferentiated_pleomorphic_sarcoma", "other_sarcoma",
    "langerhans_cell_histiocytosis", "osteochondroma",  # additions 2026-12 (PATHWAYS D13, D14)
    "unknown"]

# PATIENT.md: "string from a per-histology list"; the lists name the subtypes that change
# management (staging or pathway), so a typo cannot silently drop one.
SUBTYPES: dict[str, tuple[str, ...]] = {
    "chordoma": ("conventional", "chondroid", "dedifferentiated", "poorly_differentiated"),
    "chondrosarcoma": ("conventional", "dedifferentiated", "mesenchymal", "clear_cell", "periosteal",
                       "secondary_peripheral"),  # 2026-12: a transformed osteochondroma (OC-05)
    "osteosarcoma": ("conventional", "telangiectatic", "small_cell", "low_grade_central",
                     "parosteal", "periosteal", "secondary"),
    "ewing_sarcoma": ("conventional",),
    "giant_cell_tumor": ("conventional", "malignant"),
    "aneurysmal_bone_cyst": ("primary", "secondary", "solid"),
    "osteoid_osteoma": ("conventional",),
    "osteoblastoma": ("conventional", "epithelioid"),
    "hemangioma": ("typical", "atypical", "aggressive"),
    "plasmacytoma": ("solitary_bone",),
    "lymphoma": ("diffuse_large_b_cell", "follicular", "other"),
    "leiomyosarcoma": ("conventional",),
    "undifferentiated_pleomorphic_sarcoma": ("conventional",),
    "other_sarcoma": ("fibrosarcoma", "angiosarcoma", "other"),
    "langerhans_cell_histiocytosis": ("single_system_unifocal", "single_system_multifocal", "multisystem_low_risk",
                                      "multisystem_risk_organ"),
    "osteochondroma": ("solitary", "hereditary_multiple"),
    "unknown": (),
}

_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def _date(value: Any) -> Any:
    # YAML reads `date: 2011` as a number; a year alone is a valid date here.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and not _DATE.match(value):
        raise ValueError(f"expected a date as YYYY, YYYY-MM or YYYY-MM-DD; got {shown(value)}")
    if isinstance(value, str) and len(value) == 10 and not _calendar_day(value):
        raise ValueError(f"{value} is not a day of the calendar: expected a date as YYYY, YYYY-MM or YYYY-MM-DD")
    return value


SMALLEST = 0.0001  # the smallest non-zero magnitude a number may have


def _measured(value: float) -> float:
    # One number for every reader: rules, the rule engine and the views all read the value as the file
    # gives it, unrounded. The engine reads decimals exactly (../shared/notes/durable-rules.md §3.1) but
    # not exponent notation, which JSON writes for magnitudes below 0.0001: such a value is refused here,
    # never rounded behind the user's back.
    if value != 0 and abs(value) < SMALLEST:
        raise ValueError(f"expected 0 or a number of at least {SMALLEST} in size (no measurement here is that "
                         f"small); got {value!r}")
    return value


Measure = Annotated[float, AfterValidator(_measured)]

@functools.lru_cache(maxsize=4096)
def _calendar_day(text: str) -> bool:
    """2011-02-30 passes the pattern but not the calendar (cached: a what-if validates the file again)."""
    return days(text) is not None


DateStr = Annotated[str, BeforeValidator(_date), WithJsonSchema({
    "anyOf": [{"type": "string", "pattern": _DATE.pattern}, {"type": "integer"}],
    "description": "YYYY, YYYY-MM or YYYY-MM-DD"})]

# `as_of` (additions 2026-12) is the date of one decision point: a month at least, so that "a
# treatment dated after it" can be told (PATIENT.md: `YYYY-MM` or `YYYY-MM-DD`).
_MONTH_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")


def _month_date(value: Any) -> Any:
    if isinstance(value, str) and not _MONTH_DATE.match(value) or isinstance(value, int) and not isinstance(value, bool):
        raise ValueError("expected the date of the decision point as YYYY-MM or YYYY-MM-DD")
    return value


MonthDateStr = Annotated[str, BeforeValidator(_month_date), WithJsonSchema({
    "type": "string", "pattern": _MONTH_DATE.pattern, "description": "YYYY-MM or YYYY-MM-DD"})]

# A finite number: YAML's .inf and .nan are not doses or measurements.
class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


CV_RISK_FACTORS = ("hypertension", "diabetes", "ckd", "smoker", "obesity", "coronary_disease", "angina",
                   "severe_valve_disease", "elevated_troponin", "elevated_np")


class Performance(Strict):
    karnofsky: Annotated[int, Field(ge=0, le=100)] | None = None
    ecog: Annotated[int, Field(ge=0, le=5)] | None = None
    fit_for_major_surgery: bool | None = None
    # Additions 2026-12 (PATHWAYS section O, FIT-01..04; STAGING §8.4). None of them is ever presumed.
    fit_for_chemotherapy: bool | None = Field(None, description="the oncologist's judgement for the planned regimen "
                                              "(FIT-01); not the same as fitness for surgery")
    lvef_percent: Annotated[int, Field(ge=0, le=100)] | None = Field(None, description="left-ventricular ejection "
                                                                     "fraction (FIT-02)")
    heart_failure: bool | None = Field(None, description="heart failure or cardiomyopathy (FIT-02)")
    renal_function_adequate: bool | None = Field(None, description="judged against the planned protocol (FIT-03); "
                                                 "no threshold is encoded")
    lansky: Annotated[int, Field(ge=0, le=100)] | None = Field(None, description="Lansky play-performance score, "
                                                               "for children under 16 (FIT-01)")
    ps_limited_by_tumour: bool | None = Field(None, description="the poor performance status is caused by the "
                                              "tumour (cord compression, pain), not by another illness (FIT-01)")
    lvef_baseline_percent: Annotated[int, Field(ge=0, le=100)] | None = Field(
        None, description="LVEF before the first anthracycline dose of the current programme (FIT-02)")
    cardio_oncology_assessed: bool | None = Field(None, description="a cardio-oncology or cardiology assessment for "
                                                  "the planned anthracycline programme is done (FIT-02)")
    cv_risk_factors: list[Literal[CV_RISK_FACTORS]] | None = Field(  # type: ignore[valid-type]
        None, description="cardiovascular risk factors present; an empty list means assessed and none present (FIT-02)")


class Course(Strict):
    """Where the patient stands in the course of disease (additions 2026-12, PATHWAYS COURSE-01)."""

    status: Literal["untreated", "in_first_line_treatment", "after_local_control", "no_evidence_of_disease",
                    "residual_or_progressive", "local_recurrence", "distant_relapse",
                    "suspected_recurrence"] | None = None
    intent: Literal["curative", "palliative"] | None = Field(None, description="the intent of the current plan")


class CareSetting(Strict):
    specialized_center: bool | None = None
    tumor_board_reviewed: bool | None = None


class Neurology(Strict):
    deficit: Literal["none", "radiculopathy", "myelopathy", "motor_deficit", "plegia"] | None = None
    progression: Literal["stable", "progressive", "rapid"] | None = None
    asia: Literal["A", "B", "C", "D", "E"] | None = None
    sphincter_dysfunction: bool | None = Field(None, description="bladder, bowel or sexual dysfunction attributed "
                                               "to the tumour (QP-01, sacral tumours)")


class Presentation(Strict):
    pain: Literal["none", "mechanical", "non_mechanical"] | None = None
    neurology: Neurology | None = None


Side = Literal["left", "right"]


class Wbb(Strict):
    zones: Annotated[list[Annotated[int, Field(ge=1, le=12)]], Field(min_length=1)] | None = None
    layers: Annotated[list[Literal["A", "B", "C", "D", "E"]], Field(min_length=1)] | None = None
    # Addition (issue 26): which way the zones were numbered. STAGING §2.1 gives two conventions (WBB
    # clockwise; the SOSG's zone 1 at the left half of the spinous process), so the zones alone never tell
    # the patient's left from right. No rule reads it: the brief's diagram labels left and right with it.
    zone_1_side: Side | None = Field(None, description="the patient's side of zone 1 (the left under the SOSG "
                                     "numbering); lets the brief's WBB diagram label left and right")

    @model_validator(mode="after")
    def _each_once(self):
        for name in ("zones", "layers"):
            values = getattr(self, name) or []
            twice = next((v for i, v in enumerate(values) if v in values[:i]), None)
            if twice is not None:
                raise ValueError(f"{name[:-1]} {twice} is listed twice")
        return self


class Epidural(Strict):
    escc: Literal["0", "1a", "1b", "1c", "2", "3"] | None = Field(
        None, description='Bilsky grade; quote it ("0", "1b") so YAML keeps it as text')
    circumferential: bool | None = None


class Sins(Strict):
    total: Annotated[int, Field(ge=0, le=18)] | None = None
    location: Literal["junctional", "mobile", "semirigid", "rigid"] | None = None
    pain: Literal["mechanical", "occasional_non_mechanical", "none"] | None = None
    bone_lesion: Literal["lytic", "mixed", "blastic"] | None = None
    alignment: Literal["subluxation", "de_novo_deformity", "normal"] | None = None
    collapse: Literal["over_50", "under_50", "none_over_50_involved", "none"] | None = None
    posterolateral: Literal["bilateral", "unilateral", "none"] | None = None


TRANSFORMATION_SIGNS = ("growth_after_maturity", "new_pain_after_maturity", "soft_tissue_mass", "irregular_cap",
                        "cortical_destruction", "calcification_beyond_stalk")


class Lesion(Strict):
    levels: Annotated[list[Literal[tuple(LEVELS)]], Field(min_length=1)]  # type: ignore[valid-type]
    wbb: Wbb | None = None
    tomita_type: Annotated[int, Field(ge=1, le=7)] | None = None
    pedicles_involved: Literal["none", "unilateral", "bilateral"] | None = None
    vertebral_artery: Literal["none", "unilateral", "bilateral"] | None = None
    great_vessels_adherent: bool | None = None
    size_cm: Annotated[Measure, Field(gt=0, le=100)] | None = None
    distance_to_neural_mm: Annotated[Measure, Field(ge=0, le=1000)] | None = None
    epidural: Epidural | None = None
    sins: Sins | None = None
    # Additions 2026-12.
    resectability: Literal["resectable", "resectable_with_severe_morbidity", "unresectable"] | None = Field(
        None, description="the surgeon's judgement (GCT-02, GCT-03)")
    vertebra_plana: bool | None = Field(None, description="complete collapse of the vertebral body (LCH-01)")
    cartilage_cap_mm: Annotated[Measure, Field(ge=0, allow_inf_nan=False)] | None = Field(None, description="osteochondroma cap thickness on MRI (OC-01)")
    dens_involved: bool | None = Field(None, description="the lesion involves the dens (odontoid process) of C2 "
                                       "(LCH-02, LCH-03)")
    initial_volume_ml: Annotated[Measure, Field(gt=0, allow_inf_nan=False)] | None = Field(None, description="tumour volume before any treatment (EW-04)")
    transformation_signs: list[Literal[TRANSFORMATION_SIGNS]] | None = Field(  # type: ignore[valid-type]
        None, description="signs of transformation of an osteochondroma; an empty list means looked for and none "
        "found (OC-01)")
    dural_sac_below_s2: bool | None = Field(None, description="MRI shows the dural sac extending below S2 (QP-03)")
    # Additions (issue 26): the side of a unilateral finding, for the brief's diagram; no rule reads them.
    pedicle_side: Side | None = Field(None, description="the involved pedicle's side, with pedicles_involved: "
                                      "unilateral")
    vertebral_artery_side: Side | None = Field(None, description="the encased vertebral artery's side, with "
                                               "vertebral_artery: unilateral")

    @model_validator(mode="after")
    def _levels_once(self):
        # Here, not after loading, so that whatif --set meets the same check as a file.
        sins = self.sins
        if sins is not None and sins.total is not None:
            computed = sins_from_components(sins)
            if computed is not None and computed != sins.total:
                raise _PlacedError(("lesion", "sins", "total"),
                                   f"lesion.sins.total is {sins.total} but the six components add up to "
                                   f"{computed}: correct the total or the components")
        seen = set()
        for level in self.levels:
            if level in seen:
                raise ValueError(f"level {level} is listed twice")
            seen.add(level)
        for side, of in (("pedicle_side", "pedicles_involved"), ("vertebral_artery_side", "vertebral_artery")):
            if getattr(self, side) is not None and getattr(self, of) != "unilateral":
                raise _PlacedError(("lesion", side), f"lesion.{side} names the side of a unilateral finding; "
                                   f"lesion.{of} is {getattr(self, of) or 'not given'}: give "
                                   f"{of}: unilateral, or leave {side} out")
        return self


class Biopsy(Strict):
    done: bool | None = None
    method: Literal["ct_guided_core", "open_incisional", "fine_needle", "excisional",
                    "surgical_specimen"] | None = None
    at_specialized_center: bool | None = None


VERTEBRA_PLANA_CHECKS = ("blood_count_film_normal", "no_other_biopsiable_lesion", "no_systemic_symptoms",
                         "no_infection_markers")


class Diagnosis(Strict):
    histology: Histology
    subtype: str | None = None
    grade: Annotated[int, Field(ge=1, le=3)] | None = None
    benign_stage: Annotated[int, Field(ge=1, le=3)] | None = None
    necrosis_percent: Annotated[int, Field(ge=0, le=100)] | None = None
    marrow_plasma_cells_percent: Annotated[Measure, Field(ge=0, le=100)] | None = None
    imaging_suspicion: Literal["benign", "malignant", "indeterminate"] | None = None
    biopsy: Biopsy | None = None
    # Additions 2026-12.
    differential: list[Histology] | None = Field(None, description="what the radiologist or pathologist still "
                                                 "considers (LCH-01, OC-01)")
    molecular: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        None, description="molecular findings, e.g. IDH1, IDH2, USP6, H3F3A, BRAF_V600E, SMARCB1_loss (CS-04, REL-04)")
    basis: Literal["histology", "imaging"] | None = Field(None, description="how a diagnosis without a biopsy was "
                                                          "made (STAGING §10.7)")
    mdt_confirmed: bool | None = Field(None, description="the multidisciplinary board has confirmed that the "
                                       "diagnosis fits imaging and pathology (GEN-02)")
    vertebra_plana_checks: list[Literal[VERTEBRA_PLANA_CHECKS]] | None = Field(  # type: ignore[valid-type]
        None, description="the safeguards found normal before a vertebra plana is observed without biopsy "
        "(LCH-01 c)")


WORKUP = ("mri_whole_spine", "ct_local", "ct_chest", "pet_ct", "bone_scan",
          "mri_local", "ct_abdomen_pelvis", "gynaecological_imaging",  # additions 2026-12 (PATIENT.md)
          # Not in PATIENT.md (an addition, README): CT/MR or catheter angiography, so that GEN-02 (a) does not
          # ask for it again once done (encoding spec, open point O-6).
          "angiography")


class Staging(Strict):
    workup_done: list[Literal[WORKUP]] | None = None  # type: ignore[valid-type]
    metastases: Literal["none", "solitary", "multiple"] | None = None
    metastasis_sites: list[str] | None = None
    metastases_resectable: bool | None = Field(None, description="every metastatic site can be removed completely "
                                               "(MET-02, REL-02)")
    # Not in PATIENT.md (an addition, README): the spinal lesion is itself the metastasis (of a primary
    # elsewhere, or the recurrent spinal lesion, REC-02 lines 1751-1753), so with one metastasis there is no
    # "lung or other site" for MET-02's metastasectomy (fresh review round 3: metastasectomy without a target).
    spinal_lesion_is_the_metastasis: bool | None = Field(
        None, description="the spinal lesion is itself a metastasis counted in staging.metastases (REC-02, MET-02)")


class Surgery(Strict):
    kind: Literal["surgery"]
    date: DateStr | None = None
    extent: Literal["decompression", "intralesional", "subtotal", "gross_total_piecemeal",
                    "marginal_en_bloc", "wide_en_bloc",
                    "stabilization"] | None = None  # 2026-12: instrumentation without tumour removal
    margin: Literal["R0", "R1", "R2"] | None = None
    specialized_center: bool | None = None
    levels: list[Literal[tuple(LEVELS)]] | None = None  # type: ignore[valid-type]
    emergency: bool | None = Field(None, description="an emergency operation before histology (GEN-06 a)")


class Radiotherapy(Strict):
    kind: Literal["radiotherapy"]
    date: DateStr | None = None
    modality: Literal["photon_conventional", "photon_imrt", "sbrt", "proton", "carbon_ion"] | None = None
    dose_gy: Annotated[Measure, Field(gt=0, le=200)] | None = None
    fractions: Annotated[int, Field(ge=1, le=100)] | None = None
    # Not in PATIENT.md v1 (an addition, README): the levels in the field, for the board's spine picture.
    levels: list[Literal[tuple(LEVELS)]] | None = None  # type: ignore[valid-type]


class Chemotherapy(Strict):
    kind: Literal["chemotherapy"]
    date: DateStr | None = None
    regimen: str | None = None
    intent: Literal["neoadjuvant", "adjuvant", "definitive", "palliative"] | None = None
    # Additions 2026-12 (COURSE-01, COURSE-05).
    line: Annotated[int, Field(ge=1, le=99)] | None = Field(
        None, description="first line is 1; a new line is a new regimen given because of progression or relapse "
        "(a change for toxicity, or the planned parts of one regimen such as VDC and IE, does not start one)")
    completed: bool | None = Field(None, description="false: the course is under way")
    response: Literal["response", "stable", "progression"] | None = None


class Denosumab(Strict):
    kind: Literal["denosumab"]
    date: DateStr | None = None


class Embolization(Strict):
    kind: Literal["embolization"]
    date: DateStr | None = None


class Ablation(Strict):
    kind: Literal["ablation"]
    date: DateStr | None = None


Treatment = Annotated[Union[Surgery, Radiotherapy, Chemotherapy, Denosumab, Embolization, Ablation],
                      Field(discriminator="kind")]
TREATMENT_KINDS = ("surgery", "radiotherapy", "chemotherapy", "denosumab", "embolization", "ablation")


class History(Strict):
    treatments: list[Treatment] | None = None
    local_recurrence: bool | None = None
    # Additions 2026-12.
    local_recurrence_date: DateStr | None = Field(None, description="when the present local recurrence was found; "
                                                  "a treatment dated after it means the recurrence is being or has "
                                                  "been treated (COURSE-01)")
    anthracycline_cumulative_mg_m2: Annotated[Measure, Field(ge=0, allow_inf_nan=False)] | None = Field(None, description="doxorubicin-equivalent "
                                                                 "cumulative dose (FIT-02)")
    chest_rt_prior: bool | None = Field(None, description="earlier radiotherapy that included the left chest or "
                                        "mediastinum (FIT-02)")


class Preferences(Strict):
    accepts_root_sacrifice: bool | None = None
    declines_surgery: bool | None = None


# ------------------------------------------------------------------ board decisions (issue 23; an addition)

_DAY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def _day(value: Any) -> Any:
    if not isinstance(value, str) or not _DAY.match(value) or not _calendar_day(value):
        raise ValueError(f"expected a day as YYYY-MM-DD; got {shown(value)}")
    return value


DayStr = Annotated[str, BeforeValidator(_day), WithJsonSchema({
    "type": "string", "pattern": _DAY.pattern, "description": "YYYY-MM-DD"})]

# Who carries a decision out: the disciplines of src/spinepath/board/disciplines.yaml (a test keeps the two
# lists equal; the table cannot be read here, below the board feature).
DISCIPLINES = ("musculoskeletal_pathology", "musculoskeletal_radiology", "spine_surgery", "radiation_oncology",
               "medical_oncology", "paediatric_oncology", "haemato_oncology", "interventional_radiology",
               "palliative_care", "cardio_oncology", "metastasis_surgery")


def _intervention(value: Any) -> Any:
    if isinstance(value, str) and value not in installed_codes():
        raise ValueError(f"unknown intervention code {shown(value)}: expected a code of OUTPUT.md or "
                         f"rules/interventions.yaml{did_you_mean(value, sorted(installed_codes()))}")
    return value


InterventionCode = Annotated[str, AfterValidator(_intervention), WithJsonSchema({
    "type": "string", "pattern": "^[a-z][a-z0-9_]*$",
    "description": "an intervention code of OUTPUT.md or rules/interventions.yaml"})]
DetailValue = Union[bool, int, float, str, list[str]]


class DecidedIntervention(Strict):
    code: InterventionCode
    details: dict[str, DetailValue] | None = Field(None, description="as the consult's entries give them, e.g. "
                                                   "modality, min_dose_gy, regimen")


class NotFollowed(Strict):
    intervention: InterventionCode = Field(description="the advice the board did not follow")
    reason: Literal[NON_ADHERENCE_CODES] = Field(  # type: ignore[valid-type]
        description="a code of the CDS Hooks non-adherence reason list "
                    "(http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes)")
    text: str | None = Field(None, description="free text: the reason in the board's words")


class Decision(Strict):
    date: DayStr = Field(description="the day of the board meeting")
    interventions: list[DecidedIntervention] = Field(description="what the board decided (may be empty when it "
                                                     "only declined advice)")
    not_followed: list[NotFollowed] | None = None
    responsible: Literal[DISCIPLINES] | None = None  # type: ignore[valid-type]
    due: DayStr | None = Field(None, description="when the decision should have been carried out")


class Board(Strict):
    """The tumour board's record (an addition to PATIENT.md, issue 23): read by no rule."""

    decisions: list[Decision] | None = None


class Patient(Strict):
    """One patient with a (suspected) primary bone tumour of the spine."""

    format: Literal["spinepath.patient/1"] | None = None
    id: Annotated[str, Field(min_length=1, max_length=200)]
    # Additions 2026-12: the decision point's date (the brief's "now") and where the course stands.
    as_of: MonthDateStr | None = Field(None, description="the date of the decision point this file describes; "
                                       "a treatment dated after it is an error")
    course: Course | None = None
    age: Annotated[int, Field(ge=0, le=120)]
    sex: Literal["male", "female", "other", "unknown"] | None = None
    skeletally_mature: bool | None = Field(None, description="growth plates closed (OC-01, LCH-02/04); when absent "
                                           "the rules use age >= 18 (derived.skeletally_mature)")
    reproductive_potential: bool | None = Field(None, description="the patient could have children later (FERT-01)")
    performance: Performance | None = None
    care_setting: CareSetting | None = None
    presentation: Presentation | None = None
    lesion: Lesion
    diagnosis: Diagnosis
    staging: Staging | None = None
    history: History | None = None
    preferences: Preferences | None = None
    notes: str | None = Field(None, description="free text, shown in reports, never read by rules")
    board: Board | None = Field(None, description="the tumour board's decisions (an addition, issue 23); never "
                                "read by rules")

    @model_validator(mode="after")
    def _subtype_of_histology(self):
        subtype = self.diagnosis.subtype
        if subtype is not None:
            allowed = SUBTYPES[self.diagnosis.histology]
            if subtype not in allowed:
                choices = ", ".join(allowed) if allowed else "none (histology unknown)"
                raise _PlacedError(("diagnosis", "subtype"),
                                   f"subtype {shown(subtype)} is not a subtype of {self.diagnosis.histology}: "
                                   f"expected one of {choices}{did_you_mean(subtype, allowed)}")
        return self

    @model_validator(mode="after")
    def _no_treatment_after_as_of(self):
        """PATIENT.md additions 2026-12: a treatment dated after `as_of` is an error, at the treatment's date.
        In the model, so that no what-if can reach it either. Partial dates are spans: only a treatment that
        is certainly later is refused (load/dates.py)."""
        treatments = self.history.treatments if self.history else None
        for i, t in enumerate(treatments or []):
            if self.as_of is not None and t.date is not None and after(t.date, self.as_of) is True:
                raise _PlacedError(("history", "treatments", i, "date"),
                                   f"history.treatments[{i}].date: the {t.kind} of {t.date} is after as_of "
                                   f"({self.as_of}), the date of the decision point this file describes: "
                                   "correct the date, or as_of")
        return self


class _PlacedError(ValueError):
    """A cross-field check that knows which key it is about."""

    def __init__(self, path: tuple, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


# ---------------------------------------------------------------- errors with positions

def _model_at(loc: tuple):
    """The pydantic model class that owns the key at the end of loc (for 'did you mean')."""
    model: Any = Patient
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        if part in TREATMENT_KINDS:
            model = {"surgery": Surgery, "radiotherapy": Radiotherapy, "chemotherapy": Chemotherapy,
                     "denosumab": Denosumab, "embolization": Embolization, "ablation": Ablation}[part]
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model


def _inner_model(annotation):
    from typing import get_args
    stack = [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
        stack.extend(get_args(a))
    return None


def _data_path(data: Any, loc: tuple) -> tuple:
    """Drop the parts of a pydantic loc that are not in the data (union tags, validator names)."""
    out, cur = [], data
    for part in loc:
        if isinstance(cur, dict) and part in cur:
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, dict) and not isinstance(part, int) and part not in TREATMENT_KINDS \
                and not str(part).startswith(("function-", "literal[", "list[", "int", "float", "str")):
            out.append(part)  # a missing key: point at its parent, name it in the message
            break
    return tuple(out)


def _describe(err: Any, doc: Document) -> tuple[tuple, str, bool]:
    """(path, message, point at key?) for one pydantic error."""
    loc = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    path = _data_path(doc.data, loc)
    name = _name(path)
    got = err.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc)  # loc keeps a treatment's kind, so its keys are the keys of that kind
        choices = list(getattr(model, "model_fields", {})) if model else []
        hint = did_you_mean(path[-1], choices)
        kind_of_treatment = next((p for p in loc if p in TREATMENT_KINDS), None)
        where = ".".join(str(p) for p in path[:-1] if not isinstance(p, int))
        owner = f" for a {kind_of_treatment} in {where}" if kind_of_treatment else (f" under {where}" if where else "")
        valid = f"; valid keys{owner}: {', '.join(choices)}" if choices and not hint else ""
        return path, f"unknown key {shown(path[-1])}{hint}{valid}", True
    if kind == "missing":
        key = loc[-1]
        parent = path[:-1] if path and path[-1] == key else path
        pname = ".".join(str(p) for p in parent if not isinstance(p, int))
        return parent, f"missing required key {key!r}{' under ' + pname if pname else ''}", True
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        choices = re.findall(r"'([^']*)'", expected)
        if set(choices) == set(LEVELS):
            expected = f"a level {LEVEL_RANGES}"
        else:
            expected = f"one of {expected}"
        hint = did_you_mean(got, choices) if isinstance(got, str) else ""
        extra = _read_as(doc, path, got)
        if not extra and isinstance(got, (int, float)) and not isinstance(got, bool) and str(got) in choices:
            extra = f' (write it quoted: "{got}")'
        if not extra and set(choices) == set(LEVELS) and isinstance(got, str):
            extra = _level_range_hint(got)
        return path, f"{name}: expected {expected}; got {shown(got)}{hint}{extra}", False
    if kind == "union_tag_invalid":
        return path, f"{name}: treatment kind must be one of {', '.join(TREATMENT_KINDS)}; got {shown(ctx.get('tag'))}{did_you_mean(str(ctx.get('tag')), TREATMENT_KINDS)}", False
    if kind == "union_tag_not_found":
        return path, f"{name}: each treatment needs a 'kind' ({', '.join(TREATMENT_KINDS)})", False
    type_words = {"int_type": "an integer", "int_from_float": "an integer", "bool_type": "true or false",
                  "string_type": "text", "float_type": "a number", "list_type": "a list",
                  "model_type": "a mapping (key: value pairs)", "dict_type": "a mapping",
                  "model_attributes_type": "a mapping (key: value pairs)"}
    if kind in type_words:
        extra = _read_as(doc, path, got)
        if not extra and kind == "list_type" and isinstance(got, str) and got in LEVELS:
            extra = f" (write a list: [{got}])"
        return path, f"{name}: expected {type_words[kind]}; got {shown(got)}{extra}", False
    bounds = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
    if kind in bounds:
        limit = next(iter(ctx.values())) if ctx else "?"
        return path, f"{name}: expected a number {bounds[kind]} {limit}; got {shown(got)}", False
    if kind == "too_short":
        return path, f"{name}: expected at least {ctx.get('min_length', 1)} item(s)", False
    if kind == "string_too_long":
        return path, f"{name}: text is too long (at most {ctx.get('max_length')} characters)", False
    if kind == "value_error":
        original = ctx.get("error")
        if isinstance(original, _PlacedError):
            return original.path, original.message, False
        return path, f"{name}: {str(err['msg']).removeprefix('Value error, ')}", False
    return path, f"{name}: {err['msg']}", False


def _name(path: tuple) -> str:
    """A path as a person names it: history.treatments[0].date (an index only where the item is a
    mapping; a list of values is named as a whole)."""
    out = ""
    for i, p in enumerate(path):
        if isinstance(p, int):
            if i + 1 < len(path):
                out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "the file"


_RANGE = re.compile(r"^([CTLS])(\d+)\s*[-–]\s*([CTLS]?)(\d+)$")


def _level_range_hint(got: str) -> str:
    """T10-T12 is a range: say how to write it as the list of levels."""
    m = _RANGE.match(got.strip())
    if not m or (m.group(3) and m.group(3) != m.group(1)):
        return ""
    first, last = f"{m.group(1)}{m.group(2)}", f"{m.group(1)}{m.group(4)}"
    if first not in LEVELS or last not in LEVELS or LEVELS.index(first) > LEVELS.index(last):
        return ""
    return f" (a range is written as a list: [{', '.join(LEVELS[LEVELS.index(first):LEVELS.index(last) + 1])}])"


def _read_as(doc: Document, path: tuple, got) -> str:
    """What YAML made of an unquoted word, when that is why the value is refused (no -> false)."""
    written = doc.plain.get(tuple(path))
    if written is None or isinstance(got, str) or str(got) == written:
        return ""
    if isinstance(got, bool):
        as_read = "true" if got else "false"
    elif got is None:
        as_read = "nothing (null)"
    elif isinstance(got, (int, float)):
        as_read = f"the number {got!r}"
    else:
        as_read = repr(got)
    return f' (YAML reads the unquoted {written} as {as_read}; to mean the text, write it in quotes: "{written}")'


def validation_problems(exc: ValidationError, doc: Document) -> list[tuple[tuple, str, bool]]:
    """(path in the data, message, about the key?) for each problem; a missing key is left out when an
    unknown key beside it looks like its misspelling (that message already says 'did you mean')."""
    found = [_describe(err, doc) for err in exc.errors()]
    typos = {(path[:-1], m.group(1)) for path, message, _ in found
             if (m := re.search(r"\(did you mean '([^']+)'\?\)", message)) and message.startswith("unknown key")}
    return [(path, message, at_key) for path, message, at_key in found
            if not ((path, m.group(1)) in typos if (m := re.match(r"missing required key '([^']+)'", message))
                    else False)]


def validation_diagnostics(exc: ValidationError, doc: Document) -> list[Diagnostic]:
    out = []
    for path, message, at_key in validation_problems(exc, doc):
        line, col = doc.where(path) if at_key else doc.value_at(path)
        out.append(Diagnostic(doc.file, line, col, "schema", message))
    return sorted(set(out))


def from_document(doc: Document) -> Patient:
    if not isinstance(doc.data, dict):
        kind = type(doc.data).__name__.replace("NoneType", "nothing")
        raise InputError([Diagnostic(doc.file, 1, 1, "schema",
                                     f"expected a mapping (id:, age:, lesion:, diagnosis: ...) at the top; got a {kind}")])
    try:
        patient = Patient.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(validation_diagnostics(exc, doc)) from None
    return patient


def load_patient(path: str | Path, warnings: list | None = None, day=None, what: str = "") -> Patient:
    """The patient of a file. `warnings` collects warnings (treatments out of date order); with `day`,
    a treatment dated after it is an error (`what` names the day, e.g. the board date)."""
    doc = load_path(path)
    patient = from_document(doc)
    if day is not None:
        errors = treatments_after(doc, day, what)
        if errors:
            raise InputError(errors)
    if warnings is not None:
        warnings.extend(order_warnings(doc))
    return patient


def parse_patient(text: str, file: str = "<patient>") -> Patient:
    return from_document(load_text(file, text))


def json_schema() -> dict:
    """Draft-7 JSON Schema of the patient file, as the YAML language server reads it."""
    schema = Patient.model_json_schema(ref_template="#/definitions/{model}")
    schema["definitions"] = schema.pop("$defs", {})
    schema = {"$schema": "http://json-schema.org/draft-07/schema#",
              "$id": "https://spinepath.invalid/schema/patient-1.json",
              "title": "spinepath patient file (spinepath.patient/1)", **schema}
    return _draft7(schema)


def _draft7(node):
    # pydantic emits 2020-12 idioms; draft 7 has no `const` with a sibling enum issue, but
    # it does not know `discriminator` and needs `definitions` refs, which is what we fix here.
    if isinstance(node, dict):
        node = {k: _draft7(v) for k, v in node.items() if k != "discriminator"}
    elif isinstance(node, list):
        node = [_draft7(v) for v in node]
    return node
