"""Step 5: rendering. Renderers format the consult result; they never compute clinical facts."""
from __future__ import annotations

import json

STRENGTH_WORDS = {"recommended": "RECOMMENDED", "consider": "CONSIDER", "avoid": "AVOID"}
PHASE_TITLES = {"diagnosis": "Diagnosis", "urgent": "Urgent", "neoadjuvant": "Neoadjuvant",
                "local_control": "Local control", "adjuvant": "Adjuvant", "systemic": "Systemic",
                "surveillance": "Surveillance", "supportive": "Supportive care"}
DERIVED_LABELS = {"region": "Region", "pediatric": "Paediatric", "enneking_stage": "Enneking stage",
                  "escc_high_grade": "ESCC high grade (2-3)", "sins_total": "SINS total",
                  "sins_category": "SINS category", "en_bloc_feasible": "En bloc feasible (anatomy)",
                  "en_bloc_technique": "En bloc technique (WBB)"}


def to_json(result: dict) -> str:
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"


def words(value) -> str:
    """A derived value as a reader says it."""
    if value is None:
        return "not known"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value).replace("_", " ")


def details_text(details: dict) -> str:
    return "; ".join(f"{k.replace('_', ' ')}: {words(v)}" for k, v in details.items())


def evidence_text(evidence: list[dict]) -> str:
    return "; ".join(f"{e['ref']} ({e['level']})" for e in evidence)


def grouped_by_phase(recommendations: list[dict]) -> list[tuple[str, list[dict]]]:
    out: list[tuple[str, list[dict]]] = []
    for rec in recommendations:  # already in contract order
        if not out or out[-1][0] != rec["phase"]:
            out.append((rec["phase"], []))
        out[-1][1].append(rec)
    return out


def grouped_missing(missing: list[dict]) -> list[tuple[list[str], str, list[str]]]:
    """Fields that are needed for the same things, as one row (e.g. the six SINS components)."""
    rows: dict[tuple, list[str]] = {}
    for m in missing:
        rows.setdefault((m["needed_for"], tuple(m["rules"])), []).append(m["field"])
    return [(fields, needed_for, list(rules)) for (needed_for, rules), fields in rows.items()]
