"""The tumour-board brief as a typed model, built from one consult result.

Everything shown comes from the result (derived values, flags, recommendations, alerts, missing
data) or from the patient's own fields, which the result carries; nothing here re-derives staging or
re-runs a rule. The renderers (board/brief_md.py, board/brief_html.py) only lay this model out.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal, Sequence

from ..derive.base import get
from ..derive.history import below_needed_margin, first_resection
from ..explain.result import Alert, Argument, Assumption, ConsultResult, Entry, EvidenceRef, Flag, Missing, \
    Reference, RulesetId
from ..load.interventions import said
from ..load.dates import chronological
from ..load.patient import LEVELS, Patient, Radiotherapy, Surgery, Treatment
from ..render import (PHASE_TITLES, REASON_WORDS, compact_answers, grouped_by_phase, questions_to_show, strategy_groups,
                      grouped_provisional, more_answers_text, questions_first, words)
from ..render import spine_levels, treatment_timeline, wbb_diagram
from ..render.treatment_timeline import Mark
from .decisions import FollowThrough, last as last_decision
from .readiness import Readiness, assess

# Label of every patient field the case summary shows (the questions come from the consult).
FIELDS: dict[str, str] = {
    "age": "Age (years)",
    "sex": "Sex",
    "performance.karnofsky": "Karnofsky",
    "performance.ecog": "ECOG",
    "performance.fit_for_major_surgery": "Fit for major surgery",
    "care_setting.specialized_center": "Managed at a specialised centre",
    "care_setting.tumor_board_reviewed": "Already discussed by a tumour board",
    "preferences.accepts_root_sacrifice": "Accepts nerve-root sacrifice",
    "preferences.declines_surgery": "Declines surgery",
    "presentation.pain": "Pain",
    "presentation.neurology.deficit": "Neurological deficit",
    "presentation.neurology.progression": "Course of the deficit",
    "presentation.neurology.asia": "ASIA grade",
    "lesion.levels": "Levels",
    "lesion.wbb.zones": "WBB zones",
    "lesion.wbb.layers": "WBB layers",
    "lesion.tomita_type": "Tomita type",
    "lesion.wbb.zone_1_side": "WBB zone 1 on the patient's",
    "lesion.pedicles_involved": "Pedicles involved",
    "lesion.pedicle_side": "Involved pedicle",
    "lesion.vertebral_artery": "Vertebral artery encased",
    "lesion.vertebral_artery_side": "Encased vertebral artery",
    "lesion.great_vessels_adherent": "Aorta / vena cava adherent",
    "lesion.size_cm": "Largest diameter (cm)",
    "lesion.distance_to_neural_mm": "Distance to cord / roots (mm)",
    "lesion.epidural.escc": "ESCC (Bilsky)",
    "lesion.epidural.circumferential": "Circumferential epidural tumour",
    "lesion.sins.total": "SINS total (given)",
    "lesion.sins.location": "SINS location",
    "lesion.sins.pain": "SINS pain",
    "lesion.sins.bone_lesion": "SINS bone lesion",
    "lesion.sins.alignment": "SINS alignment",
    "lesion.sins.collapse": "SINS collapse",
    "lesion.sins.posterolateral": "SINS posterolateral involvement",
    "diagnosis.histology": "Histology",
    "diagnosis.subtype": "Subtype",
    "diagnosis.grade": "Grade",
    "diagnosis.benign_stage": "Benign Enneking stage",
    "diagnosis.necrosis_percent": "Necrosis after chemotherapy (%)",
    "diagnosis.marrow_plasma_cells_percent": "Marrow clonal plasma cells (%)",
    "diagnosis.imaging_suspicion": "Imaging impression",
    "diagnosis.biopsy.done": "Tissue diagnosis exists",
    "diagnosis.biopsy.method": "Biopsy method",
    "diagnosis.biopsy.at_specialized_center": "Biopsy by the treating team",
    "staging.workup_done": "Staging done",
    "staging.metastases": "Distant disease",
    "staging.metastasis_sites": "Metastasis sites",
    "history.local_recurrence": "Local recurrence now",
    # Additions 2026-12 (PATIENT.md).
    "as_of": "Date of this decision point",
    "course.status": "Course of disease",
    "course.intent": "Intent of the current plan",
    "skeletally_mature": "Skeletally mature",
    "reproductive_potential": "Could have children later",
    "performance.fit_for_chemotherapy": "Fit for the planned chemotherapy",
    "performance.lansky": "Lansky",
    "performance.ps_limited_by_tumour": "Poor performance status caused by the tumour",
    "performance.lvef_percent": "LVEF (%)",
    "performance.lvef_baseline_percent": "LVEF before the first anthracycline dose (%)",
    "performance.heart_failure": "Heart failure or cardiomyopathy",
    "performance.cardio_oncology_assessed": "Cardio-oncology assessment done",
    "performance.cv_risk_factors": "Cardiovascular risk factors",
    "performance.renal_function_adequate": "Renal function adequate for the protocol",
    "history.chest_rt_prior": "Earlier RT to the left chest or mediastinum",
    "history.anthracycline_cumulative_mg_m2": "Cumulative anthracycline (doxorubicin-equivalent mg/m²)",
    "presentation.neurology.sphincter_dysfunction": "Bladder, bowel or sexual dysfunction",
    "lesion.resectability": "Resectability (surgeon)",
    "lesion.vertebra_plana": "Vertebra plana",
    "lesion.dens_involved": "Dens of C2 involved",
    "lesion.dural_sac_below_s2": "Dural sac below S2",
    "lesion.cartilage_cap_mm": "Cartilage cap (mm)",
    "lesion.transformation_signs": "Signs of transformation",
    "lesion.initial_volume_ml": "Tumour volume before treatment (ml)",
    "diagnosis.basis": "Diagnosis made on",
    "diagnosis.mdt_confirmed": "Diagnosis confirmed by the MDT",
    "diagnosis.differential": "Differential diagnosis",
    "diagnosis.molecular": "Molecular findings",
    "diagnosis.vertebra_plana_checks": "Vertebra plana safeguards found normal",
    "staging.metastases_resectable": "Every metastatic site resectable",
    "staging.spinal_lesion_is_the_metastasis": "The spinal lesion is itself a metastasis",
    "history.local_recurrence_date": "Local recurrence found",
}

CASE_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Course", ("as_of", "course.status", "course.intent")),
    ("Patient", ("age", "sex", "skeletally_mature", "reproductive_potential", "performance.karnofsky",
                 "performance.ecog", "performance.lansky", "performance.fit_for_major_surgery",
                 "care_setting.specialized_center", "care_setting.tumor_board_reviewed",
                 "preferences.accepts_root_sacrifice", "preferences.declines_surgery")),
    ("Fitness for chemotherapy", ("performance.fit_for_chemotherapy", "performance.ps_limited_by_tumour",
                                  "performance.lvef_percent", "performance.lvef_baseline_percent",
                                  "performance.heart_failure", "performance.cardio_oncology_assessed",
                                  "performance.cv_risk_factors", "performance.renal_function_adequate",
                                  "history.chest_rt_prior", "history.anthracycline_cumulative_mg_m2")),
    ("Presentation", ("presentation.pain", "presentation.neurology.deficit", "presentation.neurology.progression",
                      "presentation.neurology.asia", "presentation.neurology.sphincter_dysfunction")),
    ("Imaging findings", ("lesion.levels", "lesion.wbb.zones", "lesion.wbb.layers", "lesion.wbb.zone_1_side",
                          "lesion.tomita_type", "lesion.pedicles_involved", "lesion.pedicle_side",
                          "lesion.vertebral_artery", "lesion.vertebral_artery_side", "lesion.great_vessels_adherent",
                          "lesion.size_cm", "lesion.distance_to_neural_mm", "lesion.epidural.escc",
                          "lesion.epidural.circumferential", "lesion.sins.total", "lesion.sins.location",
                          "lesion.sins.pain", "lesion.sins.bone_lesion", "lesion.sins.alignment",
                          "lesion.sins.collapse", "lesion.sins.posterolateral", "lesion.resectability",
                          "lesion.vertebra_plana", "lesion.dens_involved", "lesion.dural_sac_below_s2",
                          "lesion.cartilage_cap_mm", "lesion.transformation_signs", "lesion.initial_volume_ml")),
    ("Diagnosis", ("diagnosis.histology", "diagnosis.subtype", "diagnosis.grade", "diagnosis.benign_stage",
                   "diagnosis.necrosis_percent", "diagnosis.marrow_plasma_cells_percent",
                   "diagnosis.imaging_suspicion", "diagnosis.biopsy.done", "diagnosis.biopsy.method",
                   "diagnosis.biopsy.at_specialized_center", "diagnosis.basis", "diagnosis.mdt_confirmed",
                   "diagnosis.differential", "diagnosis.molecular", "diagnosis.vertebra_plana_checks")),
    ("Staging", ("staging.workup_done", "staging.metastases", "staging.metastasis_sites",
                 "staging.metastases_resectable", "staging.spinal_lesion_is_the_metastasis", "history.local_recurrence", "history.local_recurrence_date")),
)

TREATMENT_LABELS = {"extent": "extent", "margin": "margin", "specialized_center": "at a specialised centre",
                    "levels": "levels", "modality": "modality", "dose_gy": "dose (Gy)", "fractions": "fractions",
                    "regimen": "regimen", "intent": "intent", "line": "line", "completed": "completed",
                    "response": "response", "emergency": "emergency"}

# A derived value shown in the staging table: its name among the result's derived values, its label, the
# patient fields its calculator reads (shown as "from ..."), and the derived values whose flags explain it.
STAGING_ROWS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("region", "Region", ("lesion.levels",), ("region",)),
    ("pediatric", "Paediatric (under 18)", ("age",), ("pediatric",)),
    ("enneking_stage", "Enneking stage", ("diagnosis.histology", "diagnosis.subtype", "diagnosis.grade",
                                          "diagnosis.benign_stage", "lesion.wbb.layers", "staging.metastases"),
     ("enneking_stage", "high_grade")),
    ("neuro_emergency", "Neurological emergency", ("presentation.neurology.deficit",
                                                   "presentation.neurology.progression", "lesion.epidural.escc"),
     ("neuro_emergency",)),
    ("escc_high_grade", "High-grade epidural compression (ESCC 2-3)", ("lesion.epidural.escc",), ("escc_high_grade",)),
    ("sins_total", "SINS", ("lesion.sins.total", "lesion.sins.location", "lesion.sins.pain", "lesion.sins.bone_lesion",
                            "lesion.sins.alignment", "lesion.sins.collapse", "lesion.sins.posterolateral"),
     ("sins_total", "sins_category")),
    ("en_bloc_feasible", "En bloc feasible (anatomy)", ("lesion.levels", "lesion.wbb.zones", "lesion.wbb.layers",
                                                       "lesion.pedicles_involved", "lesion.vertebral_artery",
                                                       "lesion.epidural.circumferential", "lesion.tomita_type",
                                                       "lesion.great_vessels_adherent"),
     ("en_bloc_feasible", "tes_candidate")),
    ("en_bloc_technique", "En bloc technique (WBB)", ("lesion.wbb.zones", "lesion.pedicles_involved"),
     ("en_bloc_technique",)),
    ("workup_missing", "Staging investigations still missing", ("staging.workup_done",), ("workup_missing",)),
    ("prior_enneking_inappropriate", "Prior surgery below the margin the stage needs",
     ("history.treatments",), ("prior_enneking_inappropriate",)),
    ("resection_before_histology", "Resection made before a tissue diagnosis",
     ("history.treatments", "diagnosis.biopsy.method"), ("resection_before_histology",)),
)

# Short names of the fields and derived values a question may ask, for the agenda's chase list.
LABELS: dict[str, str] = {**FIELDS, **{f"derived.{key}": label for key, label, _, _ in STAGING_ROWS},
                          "derived.sins_category": "Spinal stability (SINS)"}

# Always shown (OUTPUT.md contract keys); the other rows only when their value is known.
ALWAYS_SHOWN = ("region", "pediatric", "enneking_stage", "escc_high_grade", "sins_total", "en_bloc_feasible",
                "en_bloc_technique")

# What the letters of an Enneking stage stand for (STAGING §1.4): reading the result, not staging.
ENNEKING_MEANING = {"IA": "G1 low grade, T1 intracompartmental, M0", "IB": "G1 low grade, T2 extracompartmental, M0",
                    "IIA": "G2 high grade, T1 intracompartmental, M0", "IIB": "G2 high grade, T2 extracompartmental, M0",
                    "III": "any grade, metastatic (M1)", "S1": "benign, latent", "S2": "benign, active",
                    "S3": "benign, aggressive"}

# The brief lists at most this many ranked questions; the consult JSON has them all.
MAX_QUESTIONS = 6  # the top of the ranked list: the board reads the rest in the consult (--all)
BRIEF_ANSWER_WIDTH = 110  # characters of an answer's effects in the brief's small print
BRIEF_ANSWER_LINES = 2  # answers (grouped by effect) shown per question


# ------------------------------------------------------------------------------ the model

@dataclass(frozen=True)
class CaseSection:
    """A part of the case summary: the patient's own findings, (label, value) in the order shown."""

    title: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TreatmentRow:
    date: str  # "date not given" when the file has none
    kind: str
    details: str


@dataclass(frozen=True)
class StagingRow:
    """A derived value with how it was derived (its inputs, its flags, or the data it still needs)."""

    key: str  # the name of the derived value
    label: str
    value: str  # as a reader says it
    how: str


@dataclass(frozen=True)
class OptionBlock:
    """Entries one rule gives with one strength and one reason: the reason is said once."""

    rule: str
    strength: str
    rationale: str
    evidence: tuple[EvidenceRef, ...]
    blocked: str | None
    items: tuple[Entry, ...]


@dataclass(frozen=True)
class PhaseOptions:
    title: str  # the phase as a heading
    blocks: tuple[OptionBlock, ...]


@dataclass(frozen=True)
class ProvisionalOptions:
    """Provisional entries that rest on the same presumptions."""

    assumes: tuple[Assumption, ...]
    entries: tuple[Entry, ...]

    @property
    def blocks(self) -> tuple[tuple[Entry, ...], ...]:
        """The entries one rule gives with one strength, one reason and one cap, as one block (the reason
        said once, as option_blocks does for the firm options): e.g. the neoadjuvant and adjuvant parts of
        one chemotherapy programme. Blocks keep the contract order of their first entry."""
        blocks: dict[tuple, list[Entry]] = {}
        for e in self.entries:
            blocks.setdefault((e.rule, e.rationale, e.strength, e.capped_by, e.arguments), []).append(e)
        return tuple(tuple(b) for b in blocks.values())


@dataclass(frozen=True)
class ProvisionalAlerts:
    """Alerts that hold only under the same presumptions."""

    assumes: tuple[Assumption, ...]
    alerts: tuple[Alert, ...]


@dataclass(frozen=True)
class OpenQuestion:
    question: str
    fields: tuple[str, ...]
    context: str  # the field and what each answer would change


@dataclass(frozen=True)
class ReferenceRow:
    ref_id: str
    citation: str  # as the handout prints it
    verified: bool
    short: str = ""  # author, year, journal: what the printed page (HTML) shows; the Markdown keeps `citation`


@dataclass(frozen=True)
class Pictures:
    wbb: wbb_diagram.Picture
    levels: spine_levels.Picture
    timeline: treatment_timeline.Picture


@dataclass(frozen=True)
class Brief:
    """One patient's brief for the board; `date` is the day of the board (never inside the consult)."""

    patient_id: str
    summary: str
    date: str
    ruleset: RulesetId
    case: tuple[CaseSection, ...]
    timeline: tuple[TreatmentRow, ...] | None  # None: the file gives no treatment history
    pictures: Pictures
    notes: str | None
    staging: tuple[StagingRow, ...]
    other_flags: tuple[Flag, ...]  # flags that belong to no staging row
    alerts: tuple[Alert, ...]
    options: tuple[PhaseOptions, ...]
    provisional: tuple[ProvisionalOptions, ...]
    provisional_alerts: tuple[ProvisionalAlerts, ...]  # warnings and critical alerts, by presumptions
    provisional_info: str  # the information alerts under presumptions, named in one line
    loose_arguments: tuple[Argument, ...]  # arguments about options no entry proposes
    alternatives: tuple[tuple[str, tuple[str, ...]], ...]  # (strategy group, its options): one of, not all
    questions: tuple[OpenQuestion, ...]
    questions_first: str  # why the first questions come first, said once ("" when nothing leads)
    references: tuple[ReferenceRow, ...]
    statement: str
    readiness: Readiness  # ready or not, what to chase, the pathway, the disciplines (board/readiness.py)
    decision: FollowThrough | None = None  # the last board decision and what the history shows of it


# ------------------------------------------------------------------------------ its parts

def field_value(patient: Patient, field: str) -> Any:
    return get(patient, field)


def text(value: Any) -> str:
    """A value as a reader says it, list items included (`mri_whole_spine` -> `mri whole spine`)."""
    if isinstance(value, list) and value:
        return ", ".join(words(v) for v in value)
    return words(value)


def case_sections(patient: Patient) -> tuple[CaseSection, ...]:
    """The patient's own findings, section by section; absent keys are left out (listed as questions)."""
    out = []
    for title, fields in CASE_SECTIONS:
        rows = tuple((FIELDS[f], text(v)) for f in fields if (v := field_value(patient, f)) is not None)
        if rows:
            out.append(CaseSection(title, rows))
    return tuple(out)


def _treatment_details(t: Treatment) -> str:
    """Every recorded detail a board reads, in the order of the patient format."""
    return "; ".join(f"{TREATMENT_LABELS[name]}: {text(v)}" for name in type(t).model_fields
                     if name in TREATMENT_LABELS and (v := getattr(t, name)) is not None)


def _treatments(patient: Patient) -> list[Treatment] | None:
    return None if patient.history is None else patient.history.treatments


def timeline(patient: Patient) -> tuple[TreatmentRow, ...] | None:
    """A row per treatment in date order, the undated ones last, "date not given" (load/dates.py: the file's
    order where the dates do not decide); None when not given."""
    treatments = _treatments(patient)
    if treatments is None:
        return None
    return tuple(TreatmentRow(t.date if t.date is not None else "date not given", text(t.kind), _treatment_details(t))
                 for t in (treatments[i] for i in chronological([t.date for t in treatments])))


def _input_text(patient: Patient, fields: tuple[str, ...]) -> str:
    parts = []
    for f in fields:
        v = field_value(patient, f)
        if f == "history.treatments":
            if v is not None:
                parts.append("the treatment history" + ("" if v else " (none so far)"))
        elif v is not None:
            parts.append(f"{FIELDS[f]} {text(v)}")
    return ", ".join(parts)


def _lacking(missing: Sequence[Missing], key: str) -> list[str]:
    return [m.field for m in missing if f"derived.{key}" in m.needed_for]


def _row_value(key: str, result: ConsultResult) -> Any:
    value = result.value(key)
    if key != "sins_total":
        return value
    category = result.value("sins_category")
    if value is not None:
        return f"{value} ({text(category)})"
    low = result.value("sins_min")
    if low is not None:
        return f"{low}-{result.value('sins_max')} (partial)" + (f", {text(category)}" if category else "")
    return None


def staging_rows(result: ConsultResult) -> tuple[tuple[StagingRow, ...], tuple[Flag, ...]]:
    """(rows of the staging table with how each value was derived, flags that belong to no row)."""
    flags = list(result.flags)
    rows = []
    for key, label, inputs, sources in STAGING_ROWS:
        value = _row_value(key, result)
        if value is None and key not in ALWAYS_SHOWN:
            continue
        mine = [f for f in flags if f.source.removeprefix("derived.") in sources]
        flags = [f for f in flags if f not in mine]
        rows.append(_staging_row(key, label, value, inputs, mine, result))
    return tuple(rows), tuple(flags)


def _staging_row(key: str, label: str, value: Any, inputs: tuple[str, ...], flags: list[Flag],
                 result: ConsultResult) -> StagingRow:
    how = []
    if key == "enneking_stage" and value in ENNEKING_MEANING:
        how.append(ENNEKING_MEANING[value])
    lacking = _lacking(result.missing, key) if value is None else []
    if lacking:
        how.append("needs " + ", ".join(lacking))
    given = _input_text(result.patient, inputs)
    if given:
        how.append(("from " if value is not None else "given: ") + given)
    how.extend(f.message for f in flags)
    shown = text(value) if value is not None or lacking else "-"
    return StagingRow(key, label, shown, "; ".join(how))


def open_questions(result: ConsultResult) -> tuple[OpenQuestion, ...]:
    """The consult's ranked questions, each with what every answer would change."""
    out = []
    for q in questions_to_show(result.questions, MAX_QUESTIONS):
        # A few lines a question (issue 21): the answers that change treatment most, grouped by effect
        # (after a biopsy, the few histologies that change the plan most, not all of them).
        lines, hidden = compact_answers(q, BRIEF_ANSWER_WIDTH, BRIEF_ANSWER_LINES * 2)
        effects: list[str] = []
        for line in lines:  # the small print flows: an answer's continuation joins its first line
            if line.startswith(" ") and effects:
                effects[-1] += " " + line.strip()
            else:
                effects.append(line)
        more = f" | {more_answers_text(hidden)}" if hidden else ""
        reason = REASON_WORDS.get(q.reason, q.reason)
        # Why the emergency questions come first is said once, above the list (questions_first).
        said = " | ".join(effects) + more
        out.append(OpenQuestion(q.text, (q.field,), " · ".join(p for p in (q.field, reason, said) if p)))
    return tuple(out)


def option_blocks(recommendations: Sequence[Entry]) -> tuple[PhaseOptions, ...]:
    """Per phase, the entries one rule gives with one strength and one reason as one block (the reason
    said once); blocks keep the contract order of their first entry."""
    out = []
    for phase, recs in grouped_by_phase(recommendations):
        blocks: dict[tuple[str, str, str, str | None], list[Entry]] = {}
        for r in recs:
            blocks.setdefault((r.rule, r.rationale, r.strength, r.blocked), []).append(r)
        out.append(PhaseOptions(PHASE_TITLES[phase], tuple(
            OptionBlock(items[0].rule, items[0].strength, items[0].rationale, items[0].evidence, items[0].blocked,
                        tuple(items)) for items in blocks.values())))
    return tuple(out)


def provisional_options(entries: Sequence[Entry]) -> tuple[ProvisionalOptions, ...]:
    return tuple(ProvisionalOptions(assumes, tuple(recs)) for assumes, recs in grouped_provisional(entries))


def provisional_alerts(alerts: Sequence[Alert]) -> tuple[ProvisionalAlerts, ...]:
    """Alerts sharing the same presumptions, as one group each, in contract order (as the provisional
    entries are grouped)."""
    groups: dict[tuple[str, ...], tuple[tuple[Assumption, ...], list[Alert]]] = {}
    for a in alerts:
        if a.severity == "info":  # named in one line (provisional_info), as the text consult does
            continue
        groups.setdefault(tuple(x.field for x in a.assumes), (a.assumes, []))[1].append(a)
    return tuple(ProvisionalAlerts(assumes, tuple(group)) for assumes, group in groups.values())


def provisional_info(alerts: Sequence[Alert]) -> str:
    """The information alerts raised only under presumptions, in one line: the board sees that they exist
    without two pages of them (the consult JSON and `consult --all` have their text)."""
    info = [f"{words(a.code)} ({a.rule})" for a in alerts if a.severity == "info"]
    return ("For information, if the presumptions hold: " + "; ".join(info) + ".") if info else ""


def level_span(levels: list[str]) -> str:
    """C5, C6, C7 -> 'C5–C7'; a skip lesion keeps its parts (T4, T9)."""
    return ", ".join(spine_levels.span(group) for group in spine_levels.runs([v for v in levels if v in LEVELS]))


def summary_line(patient: Patient) -> str:
    """The patient in one line, as a board agenda says it: '41 y male · grade 2 chondrosarcoma C5–C7 ·
    local recurrence'. Only recorded facts; nothing derived."""
    dx = patient.diagnosis
    who = f"{patient.age} y" + (f" {patient.sex}" if patient.sex else "")
    span = level_span(patient.lesion.levels)
    if dx.histology == "unknown":
        parts = [who, f"{span} lesion, histology not yet known"]
    else:
        what = said(dx.histology)
        if dx.subtype and dx.subtype != "conventional":
            what = f"{said(dx.subtype)} {what}"
        if dx.grade:
            what = f"grade {dx.grade} {what}"
        parts = [who, f"{what} {span}"]
    if patient.history is not None and patient.history.local_recurrence:
        parts.append("local recurrence")
    if patient.staging is not None and patient.staging.metastases in ("solitary", "multiple"):
        parts.append(f"{patient.staging.metastases} metastases" if patient.staging.metastases == "multiple"
                     else "solitary metastasis")
    return " · ".join(parts)


def reference_rows(references: Sequence[Reference]) -> tuple[ReferenceRow, ...]:
    """The handout's references: the knowledge base marks the parts of a citation it could not check as
    UNVERIFIED; a board reads 'not verified' and a discreet note instead of capitals."""
    return tuple(ReferenceRow(r.ref_id, r.citation.replace("UNVERIFIED", "not verified"), "UNVERIFIED" not in r.citation,
                              r.short.replace("UNVERIFIED", "not verified"))
                 for r in references)


# Alerts about the history, placed on the timeline: at the surgeries they concern, or at the decision
# point when they concern what is proposed now. Labels are short: the brief lists each alert in full.
HISTORY_ALERTS: dict[str, tuple[str, Callable[[Any], list[int]] | None]] = {
    "resection_before_histology": ("resection before histology", first_resection),
    "enneking_inappropriate_prior_surgery": ("margin below what the tumour needs", below_needed_margin),
    "reirradiation_limits": ("re-irradiation: cumulative dose limits", None),
    "reirradiation_dose_unknown": ("re-irradiation: prior dose not recorded", None),
    "irradiated_recurrence_options": ("recurrence in an irradiated field", None),
}


def pictures(result: ConsultResult, date: str) -> Pictures:
    """What the three pictures draw, from the patient file and the consult result."""
    patient = result.patient
    lesion = patient.lesion
    wbb = lesion.wbb
    history = patient.history
    treatments = _treatments(patient)

    def given(kind: type[Surgery] | type[Radiotherapy]) -> list[tuple[str, list[str] | None]] | None:
        if treatments is None:
            return None
        return [(t.date if t.date is not None else "no date", t.levels) for t in treatments if isinstance(t, kind)]

    marks: list[Mark] = []
    seen: set[str] = set()
    if history is not None and history.local_recurrence:
        marks.append(Mark("now", "finding", "local recurrence", "local-recurrence"))
    for a in result.alerts:
        if a.code not in HISTORY_ALERTS or a.code in seen:
            continue
        seen.add(a.code)
        label, where = HISTORY_ALERTS[a.code]
        places: list[int | Literal["now"]] = list(where(treatments)) if where is not None else []
        for at in places or ["now"]:
            marks.append(Mark(at, a.severity, label, a.code.replace("_", "-")))
    return Pictures(
        wbb_diagram.Picture(None if wbb is None else wbb.zones, None if wbb is None else wbb.layers,
                            lesion.pedicles_involved, lesion.vertebral_artery,
                            any(level.startswith("C") for level in lesion.levels),
                            result.value("en_bloc_technique"),
                            # issue 26: the recorded sides, and the sacrum by level where WBB does not apply
                            zone_1_side=None if wbb is None else wbb.zone_1_side, pedicle_side=lesion.pedicle_side,
                            artery_side=lesion.vertebral_artery_side,
                            sacral_levels=tuple(lesion.levels) if result.value("below_s2") is True else None),
        spine_levels.Picture(list(lesion.levels), given(Surgery), given(Radiotherapy)),
        treatment_timeline.Picture(treatments, tuple(marks), f"board {date}"))


def build(result: ConsultResult, date: str) -> Brief:
    """The brief of one consult result; `date` is the day of the board (never inside the consult)."""
    patient = result.patient
    rows, other_flags = staging_rows(result)
    return Brief(
        patient_id=result.patient_id,
        summary=summary_line(patient),
        date=date,
        ruleset=result.ruleset,
        case=case_sections(patient),
        timeline=timeline(patient),
        pictures=pictures(result, date),
        notes=patient.notes,
        staging=rows,
        other_flags=other_flags,
        alerts=result.alerts,
        options=option_blocks(result.recommendations),
        provisional=provisional_options(result.provisional),
        provisional_alerts=provisional_alerts(result.provisional_alerts),
        provisional_info=provisional_info(result.provisional_alerts),
        loose_arguments=result.arguments,
        alternatives=tuple((text(g), tuple(labels)) for g, labels in strategy_groups(result.recommendations)),
        questions=open_questions(result),
        questions_first=questions_first(questions_to_show(result.questions, MAX_QUESTIONS)),
        references=reference_rows(result.references),
        statement=result.statement,
        readiness=assess(result, LABELS),
        decision=last_decision(patient, date),
    )
