"""A patient file as an mCODE-shaped FHIR R4 Bundle, and back (`spinepath export fhir`, `import fhir`).

What has an mCODE or LOINC representation is written that way: the Patient, the primary cancer
Condition with its ICD-O-3 histology-morphology-behavior extension and the vertebral levels as body
sites, ECOG (LOINC 89247-1) and Karnofsky observations, and every treatment as a Procedure. Every
other field the rules read (WBB zones, ESCC, SINS components, preferences ...) has no standard code:
it travels as an Observation coded with the spinepath field name, so that nothing is lost and
export -> import -> consult gives the same advice. docs/fhir.md holds the table and its sources.

The way back, `import fhir`, is interop/fhir_import.py.
"""
from __future__ import annotations

import json
import uuid
from typing import Any


SYSTEM = "urn:spinepath"
FIELD_SYSTEM = f"{SYSTEM}:field"
LEVEL_SYSTEM = f"{SYSTEM}:level"
HISTOLOGY_SYSTEM = f"{SYSTEM}:histology"
TREATMENT_SYSTEM = f"{SYSTEM}:treatment-kind"
TREATMENT_KEY = f"{SYSTEM}:treatment"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition"
PRIMARY_CANCER = f"{MCODE}/mcode-primary-cancer-condition"
HISTOLOGY_EXTENSION = f"{MCODE}/mcode-histology-morphology-behavior"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
LOINC = "http://loinc.org"
ECOG, KARNOFSKY, AGE = "89247-1", "89243-0", "30525-0"

# ICD-O-3 morphology of ../shared/spec/FHIR-CODES.md (histology, subtype or None); the codes marked
# unverified there are left out.
ICDO3_CODES: dict[str, tuple[str, str | None]] = {
    "9370/3": ("chordoma", None), "9371/3": ("chordoma", "chondroid"),
    "9220/3": ("chondrosarcoma", "conventional"), "9243/3": ("chondrosarcoma", "dedifferentiated"),
    "9240/3": ("chondrosarcoma", "mesenchymal"), "9242/3": ("chondrosarcoma", "clear_cell"),
    "9180/3": ("osteosarcoma", None), "9260/3": ("ewing_sarcoma", None),
    "9250/1": ("giant_cell_tumor", None), "9191/0": ("osteoid_osteoma", None),
    "9200/0": ("osteoblastoma", None), "9120/0": ("hemangioma", None), "9590/3": ("lymphoma", None),
    "9680/3": ("lymphoma", "diffuse_large_b_cell"), "8890/3": ("leiomyosarcoma", None),
}
# The way back: (histology, subtype) to its code; the first code of a histology stands for "not specified".
_ICDO3_OF = {key: code for code, (h, sub) in reversed(ICDO3_CODES.items()) for key in ((h, sub), (h, None))}

# Fields written in a standard shape; every other leaf travels as a spinepath-coded Observation.
STANDARD = {"format", "id", "age", "sex", "diagnosis.histology", "diagnosis.subtype", "lesion.levels",
             "performance.ecog", "performance.karnofsky", "history.treatments"}


def _uuid(patient_id: str, what: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{SYSTEM}:{patient_id}:{what}"))


def _leaves(data: dict, prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(_leaves(value, path + "."))
        else:
            out.append((path, value))
    return out


# --------------------------------------------------------------------------------------- export

def export_bundle(doc: dict) -> dict:
    """A checked patient document (as the file holds it) as an R4 Bundle of type collection."""
    pid = str(doc["id"])
    patient_id = _uuid(pid, "patient")
    ref = {"reference": f"urn:uuid:{patient_id}"}
    patient: dict = {"resourceType": "Patient", "id": patient_id,
                     "identifier": [{"system": f"{SYSTEM}:patient-id", "value": pid}]}
    if doc.get("sex") in ("male", "female", "other", "unknown"):
        patient["gender"] = doc["sex"]
    entries = [patient]
    dx = doc.get("diagnosis", {})
    histology, subtype = dx.get("histology"), dx.get("subtype")
    condition: dict = {"resourceType": "Condition", "id": _uuid(pid, "condition"),
                       "meta": {"profile": [PRIMARY_CANCER]}, "subject": ref,
                       "code": {"coding": [{"system": HISTOLOGY_SYSTEM, "code": histology}], "text": histology}}
    morphology = [{"system": HISTOLOGY_SYSTEM, "code": f"{histology}/{subtype}" if subtype else histology}]
    icdo = _ICDO3_OF.get((histology, subtype)) or _ICDO3_OF.get((histology, None))
    if icdo:
        morphology.insert(0, {"system": ICDO3, "code": icdo})
    condition["extension"] = [{"url": HISTOLOGY_EXTENSION, "valueCodeableConcept": {"coding": morphology}}]
    levels = doc.get("lesion", {}).get("levels", [])
    if levels:
        condition["bodySite"] = [{"coding": [{"system": LEVEL_SYSTEM, "code": lv}], "text": lv} for lv in levels]
    entries.append(condition)

    def observation(key: str, code: dict, value: dict) -> dict:
        return {"resourceType": "Observation", "id": _uuid(pid, key), "status": "final", "code": code,
                "subject": ref, **value}

    entries.append(observation("age", {"coding": [{"system": LOINC, "code": AGE}], "text": "age"},
                               {"valueQuantity": {"value": doc["age"], "unit": "a", "system": "http://unitsofmeasure.org",
                                                  "code": "a"}}))
    perf = doc.get("performance", {})
    for name, code in (("ecog", ECOG), ("karnofsky", KARNOFSKY)):
        if perf.get(name) is not None:
            entries.append(observation(name, {"coding": [{"system": LOINC, "code": code}], "text": name},
                                       {"valueInteger": perf[name]}))
    for path, value in _leaves(doc):
        if path in STANDARD:
            continue
        entries.append(observation(f"field:{path}", {"coding": [{"system": FIELD_SYSTEM, "code": path}], "text": path},
                                   {"valueString": json.dumps(value, ensure_ascii=False, sort_keys=True)}))
    for i, t in enumerate(doc.get("history", {}).get("treatments", []) or []):
        proc: dict = {"resourceType": "Procedure", "id": _uuid(pid, f"treatment:{i}"), "status": "completed",
                      "subject": ref, "code": {"coding": [{"system": TREATMENT_SYSTEM, "code": t["kind"]}],
                                               "text": t["kind"]}}
        if t.get("date"):
            proc["performedDateTime"] = str(t["date"])
        extras = [{"url": f"{TREATMENT_KEY}:{k}", "valueString": json.dumps(v, ensure_ascii=False, sort_keys=True)}
                  for k, v in t.items() if k not in ("kind", "date")]
        if extras:
            proc["extension"] = extras
        entries.append(proc)
    if doc.get("history", {}).get("treatments") == []:
        entries.append(observation("field:history.treatments", {"coding": [{"system": FIELD_SYSTEM,
                                   "code": "history.treatments"}], "text": "history.treatments"},
                                   {"valueString": "[]"}))
    return {"resourceType": "Bundle", "id": _uuid(pid, "export"), "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in entries]}
