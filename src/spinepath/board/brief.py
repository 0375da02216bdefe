"""The tumour-board brief as plain data, built from one consult result and its patient file.

Everything shown comes from the result (derived values, flags, recommendations, alerts, missing
data) or from the patient's own fields; nothing here re-derives staging or re-runs a rule. The
renderers (render/brief_md.py, render/brief_html.py) only lay this model out.
"""
from __future__ import annotations

from typing import Any

from ..derive.base import get
from ..derive.history import below_needed_margin, first_resection
from ..load.interventions import said
from ..load.dates import chronological
from ..load.patient import LEVELS, Patient
from ..render import PHASE_TITLES, answers_with_changes, grouped_by_phase, grouped_provisional, words
from ..render import spine_levels

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
    "lesion.pedicles_involved": "Pedicles involved",
    "lesion.vertebral_artery": "Vertebral artery encased",
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
}

CASE_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Patient", ("age", "sex", "performance.karnofsky", "performance.ecog", "performance.fit_for_major_surgery",
                 "care_setting.specialized_center", "care_setting.tumor_board_reviewed",
                 "preferences.accepts_root_sacrifice", "preferences.declines_surgery")),
    ("Presentation", ("presentation.pain", "presentation.neurology.deficit", "presentation.neurology.progression",
                      "presentation.neurology.asia")),
    ("Imaging findings", ("lesion.levels", "lesion.wbb.zones", "lesion.wbb.layers", "lesion.tomita_type",
                          "lesion.pedicles_involved", "lesion.vertebral_artery", "lesion.great_vessels_adherent",
                          "lesion.size_cm", "lesion.distance_to_neural_mm", "lesion.epidural.escc",
                          "lesion.epidural.circumferential", "lesion.sins.total", "lesion.sins.location",
                          "lesion.sins.pain", "lesion.sins.bone_lesion", "lesion.sins.alignment",
                          "lesion.sins.collapse", "lesion.sins.posterolateral")),
    ("Diagnosis", ("diagnosis.histology", "diagnosis.subtype", "diagnosis.grade", "diagnosis.benign_stage",
                   "diagnosis.necrosis_percent", "diagnosis.marrow_plasma_cells_percent",
                   "diagnosis.imaging_suspicion", "diagnosis.biopsy.done", "diagnosis.biopsy.method",
                   "diagnosis.biopsy.at_specialized_center")),
    ("Staging", ("staging.workup_done", "staging.metastases", "staging.metastasis_sites",
                 "history.local_recurrence")),
)

TREATMENT_LABELS = {"extent": "extent", "margin": "margin", "specialized_center": "at a specialised centre",
                    "levels": "levels", "modality": "modality", "dose_gy": "dose (Gy)", "fractions": "fractions",
                    "regimen": "regimen", "intent": "intent"}

# A derived value shown in the staging table: its key in result["derived"], its label, the patient
# fields its calculator reads (shown as "from ..."), and the derived keys whose flags explain it.
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


def field_value(patient: Patient, field: str) -> Any:
    return get(patient, field)


def text(value: Any) -> str:
    """A value as a reader says it, list items included (`mri_whole_spine` -> `mri whole spine`)."""
    if isinstance(value, list) and value:
        return ", ".join(words(v) for v in value)
    return words(value)


def case_sections(patient: Patient) -> list[tuple[str, list[tuple[str, str]]]]:
    """The patient's own findings, section by section; absent keys are left out (listed as questions)."""
    out = []
    for title, fields in CASE_SECTIONS:
        rows = [(FIELDS[f], text(v)) for f in fields if (v := field_value(patient, f)) is not None]
        if rows:
            out.append((title, rows))
    return out


def timeline(patient: Patient) -> list[tuple[str, str, str]] | None:
    """(date, kind, details) per treatment in date order, the undated ones last, "date not given"
    (load/dates.py: the file's order where the dates do not decide); None when not given."""
    treatments = field_value(patient, "history.treatments")
    if treatments is None:
        return None
    rows = []
    for i in chronological([t.date for t in treatments]):
        data = treatments[i].model_dump(exclude_none=True)
        details = "; ".join(f"{TREATMENT_LABELS[k]}: {text(v)}" for k, v in data.items() if k in TREATMENT_LABELS)
        rows.append((data.get("date", "date not given"), text(data["kind"]), details))
    return rows


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


def _lacking(missing: list[dict], key: str) -> list[str]:
    return [m["field"] for m in missing if f"derived.{key}" in m["needed_for"].split("; ")]


def _row_value(key: str, derived: dict) -> Any:
    if key == "sins_total" and derived.get("sins_total") is None and derived.get("sins_min") is not None:
        category = derived.get("sins_category")
        return (f"{derived['sins_min']}-{derived['sins_max']} (partial)"
                + (f", {text(category)}" if category else ""))
    if key == "sins_total" and derived.get("sins_total") is not None:
        return f"{derived['sins_total']} ({text(derived.get('sins_category'))})"
    return derived.get(key)


def staging_rows(result: dict, patient: Patient) -> tuple[list[dict], list[dict]]:
    """(rows of the staging table with how each value was derived, flags that belong to no row)."""
    derived = result["derived"]
    flags = list(derived.get("flags", []))
    rows = []
    for key, label, inputs, sources in STAGING_ROWS:
        value = _row_value(key, derived)
        if value is None and key not in ALWAYS_SHOWN:
            continue
        mine = [f for f in flags if f["source"].removeprefix("derived.") in sources]
        flags = [f for f in flags if f not in mine]
        rows.append(_staging_row(key, label, value, inputs, mine, result, patient))
    return rows, flags


def _staging_row(key, label, value, inputs, flags, result, patient) -> dict:
    how = []
    if key == "enneking_stage" and value in ENNEKING_MEANING:
        how.append(ENNEKING_MEANING[value])
    lacking = _lacking(result["missing"], key) if value is None else []
    if lacking:
        how.append("needs " + ", ".join(lacking))
    given = _input_text(patient, inputs)
    if given:
        how.append(("from " if value is not None else "given: ") + given)
    how.extend(f["message"] for f in flags)
    shown = text(value) if value is not None or lacking else "-"
    return {"key": key, "label": label, "value": shown, "how": "; ".join(how)}


def open_questions(result: dict) -> list[dict]:
    """The consult's ranked questions, each with what every answer would change."""
    out = []
    for q in result.get("questions", [])[:MAX_QUESTIONS]:
        effects = [f"{label}: {'; '.join(changes)}" for label, changes in answers_with_changes(q)]
        out.append({"question": q["text"], "fields": [q["field"]], "context": f"{q['field']} · " + " | ".join(effects)})
    return out


def option_blocks(recommendations: list[dict]) -> list[tuple[str, list[dict]]]:
    """Per phase, the entries one rule gives with one strength and one reason as one block (the reason
    said once); blocks keep the contract order of their first entry."""
    out = []
    for phase, recs in grouped_by_phase(recommendations):
        blocks: dict[tuple, dict] = {}
        for r in recs:
            key = (r["rule"], r["rationale"], r["strength"], r.get("blocked"))
            if key not in blocks:
                blocks[key] = {"rule": r["rule"], "strength": r["strength"], "rationale": r["rationale"],
                               "evidence": r["evidence"], "blocked": r.get("blocked"), "items": []}
            blocks[key]["items"].append(r)
        out.append((PHASE_TITLES[phase], list(blocks.values())))
    return out


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


def reference_rows(references: list[dict]) -> list[tuple[str, str, bool]]:
    """(ref id, citation, verified?) for the handout: the knowledge base marks the parts of a citation it
    could not check as UNVERIFIED; a board reads 'not verified' and a discreet note instead of capitals."""
    return [(r["ref_id"], r["citation"].replace("UNVERIFIED", "not verified"), "UNVERIFIED" not in r["citation"])
            for r in references]


# Alerts about the history, placed on the timeline: at the surgeries they concern, or at the decision
# point when they concern what is proposed now. Labels are short: the brief lists each alert in full.
HISTORY_ALERTS: dict[str, tuple[str, Any]] = {
    "resection_before_histology": ("resection before histology", first_resection),
    "enneking_inappropriate_prior_surgery": ("margin below what the tumour needs", below_needed_margin),
    "reirradiation_limits": ("re-irradiation: cumulative dose limits", None),
    "reirradiation_dose_unknown": ("re-irradiation: prior dose not recorded", None),
    "irradiated_recurrence_options": ("recurrence in an irradiated field", None),
}


def pictures(result: dict, patient: Patient, date: str) -> dict:
    """What the three pictures draw, as plain values from the patient file and the consult result."""
    lesion = patient.lesion
    wbb = lesion.wbb
    history = patient.history
    treatments = None if history is None or history.treatments is None else history.treatments
    rows = None if treatments is None else [t.model_dump(exclude_none=True) for t in treatments]

    def given(kind: str):
        if rows is None:
            return None
        return [(r.get("date", "no date"), r.get("levels")) for r in rows if r["kind"] == kind]

    marks, seen = [], set()
    if history is not None and history.local_recurrence:
        marks.append({"at": "now", "severity": "finding", "label": "local recurrence", "key": "local-recurrence"})
    for a in result["alerts"]:
        if a["code"] not in HISTORY_ALERTS or a["code"] in seen:
            continue
        seen.add(a["code"])
        label, where = HISTORY_ALERTS[a["code"]]
        for at in (where(treatments) if where is not None else []) or ["now"]:
            marks.append({"at": at, "severity": a["severity"], "label": label, "key": a["code"].replace("_", "-")})
    return {
        "wbb": {"zones": None if wbb is None else wbb.zones, "layers": None if wbb is None else wbb.layers,
                "pedicles": lesion.pedicles_involved, "vertebral_artery": lesion.vertebral_artery,
                "cervical": any(level.startswith("C") for level in lesion.levels),
                "technique": result["derived"].get("en_bloc_technique")},
        "levels": {"levels": list(lesion.levels), "operated": given("surgery"), "irradiated": given("radiotherapy")},
        "timeline": {"treatments": rows, "marks": marks, "decision": f"board {date}"},
    }


def build(result: dict, patient: Patient, date: str) -> dict:
    """The brief as plain data for the renderers; `date` is the day of the board (never inside the consult)."""
    rows, other_flags = staging_rows(result, patient)
    return {
        "patient_id": result["patient_id"],
        "summary": summary_line(patient),
        "date": date,
        "ruleset": result["ruleset"],
        "case": case_sections(patient),
        "timeline": timeline(patient),
        "pictures": pictures(result, patient, date),
        "notes": patient.notes,
        "staging": rows,
        "other_flags": other_flags,
        "alerts": result["alerts"],
        "options": option_blocks(result["recommendations"]),
        "provisional": grouped_provisional(result.get("provisional", [])),
        "loose_arguments": result.get("arguments", []),
        "questions": open_questions(result),
        "references": reference_rows(result.get("references", [])),
        "statement": result["statement"],
    }
