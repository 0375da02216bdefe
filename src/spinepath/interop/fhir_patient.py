"""A patient file as an mCODE-shaped FHIR R4 Bundle, and back (`spinepath export fhir`, `import fhir`).

What has an mCODE or LOINC representation is written that way: the Patient, the primary cancer
Condition with its ICD-O-3 histology-morphology-behavior extension and the vertebral levels as body
sites, ECOG (LOINC 89247-1) and Karnofsky observations, and every treatment as a Procedure. Every
other field the rules read (WBB zones, ESCC, SINS components, preferences ...) has no standard code:
it travels as an Observation coded with the spinepath field name, so that nothing is lost and
export -> import -> consult gives the same advice. docs/fhir.md holds the table and its sources.

The import never guesses: what the bundle does not say stays absent, and a code it cannot map is
reported (comment block and warning), never turned into a value.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..load.fields import get_path, set_path
from ..load.patient import LEVELS

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
_STANDARD = {"format", "id", "age", "sex", "diagnosis.histology", "diagnosis.subtype", "lesion.levels",
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
        if path in _STANDARD:
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


# --------------------------------------------------------------------------------------- import

@dataclass
class Imported:
    doc: dict
    sources: dict[str, str] = field(default_factory=dict)  # dotted path -> the resource it came from
    unmapped: list[str] = field(default_factory=list)  # codes the import could not turn into a field


def _codings(concept: dict | None) -> list[dict]:
    return (concept or {}).get("coding", []) or []


def _source(resource: dict, what: str = "") -> str:
    return f"{resource['resourceType']}/{resource.get('id', '?')}{' ' + what if what else ''}"


def import_bundle(bundle: dict, as_of: str | None = None) -> Imported:
    """The patient document the bundle describes, with where each value came from; ValueError names
    what is missing (no Patient)."""
    resources = [e.get("resource") or {} for e in bundle.get("entry", []) or []]
    patients = [r for r in resources if r.get("resourceType") == "Patient"]
    if not patients:
        raise ValueError("the bundle has no Patient resource")
    patient = patients[0]
    pid = next((i.get("value") for i in patient.get("identifier", []) or [] if i.get("value")), patient.get("id", "patient"))
    out = Imported({"format": "spinepath.patient/1", "id": pid})
    out.sources["id"] = _source(patient, ".identifier")
    if patient.get("gender") in ("male", "female", "other", "unknown"):
        out.doc["sex"] = patient["gender"]
        out.sources["sex"] = _source(patient, ".gender")
    for r in resources:
        kind = r.get("resourceType")
        if kind == "Condition":
            _condition(r, out)
        elif kind == "Observation":
            _observation(r, out)
        elif kind == "Procedure":
            _procedure(r, out)
    if get_path(out.doc, "diagnosis.histology") is None:
        # No mappable histology: the consult treats the diagnosis as not yet known and asks for it
        # (never a guess from an unmapped code); the codes are listed at the end of the file.
        set_path(out.doc, "diagnosis.histology", "unknown")
        out.sources["diagnosis.histology"] = ("no mappable histology in the bundle: left unknown"
                                              + (" (see the unmapped codes below)" if out.unmapped else ""))
    if "age" not in out.doc and patient.get("birthDate"):
        day = as_of or max((d for d in _dates(bundle) if d), default=None)
        if day:
            born = patient["birthDate"]
            years = int(day[:4]) - int(born[:4]) - ((day[5:10] or "12-31") < (born[5:10] or "01-01"))
            out.doc["age"] = years
            out.sources["age"] = _source(patient, f".birthDate (as of {day})")
    return out


def _dates(value) -> list[str]:
    if isinstance(value, dict):
        return [d for k, v in value.items() for d in ([v] if k.endswith(("Date", "DateTime")) and isinstance(v, str)
                                                       else _dates(v))]
    if isinstance(value, list):
        return [d for v in value for d in _dates(v)]
    return []


def _condition(r: dict, out: Imported) -> None:
    morph = next((e.get("valueCodeableConcept") for e in r.get("extension", []) or []
                  if e.get("url") == HISTOLOGY_EXTENSION), None)
    codings = _codings(morph) + _codings(r.get("code"))
    own = next((c["code"] for c in codings if c.get("system") == HISTOLOGY_SYSTEM and c.get("code")), None)
    histology = subtype = None
    if own:
        histology, _, subtype = own.partition("/")
    else:
        icdo = next((c.get("code") for c in codings if c.get("system") == ICDO3), None)
        if icdo in ICDO3_CODES:
            histology, subtype = ICDO3_CODES[icdo]
        elif codings:
            out.unmapped += [f"{c.get('system')}|{c.get('code')} ({_source(r)})" for c in codings
                             if c.get("system") != HISTOLOGY_SYSTEM]
    if histology:
        set_path(out.doc, "diagnosis.histology", histology)
        out.sources["diagnosis.histology"] = _source(r, ".extension[histology]")
        if subtype:
            set_path(out.doc, "diagnosis.subtype", subtype)
            out.sources["diagnosis.subtype"] = _source(r, ".extension[histology]")
    levels = []
    for site in r.get("bodySite", []) or []:
        code = next((c.get("code") for c in _codings(site) if c.get("system") == LEVEL_SYSTEM), None) or site.get("text")
        if code in LEVELS:
            levels.append(code)
        else:
            out.unmapped.append(f"bodySite {code or _codings(site)} ({_source(r)})")
    if levels:
        set_path(out.doc, "lesion.levels", levels)
        out.sources["lesion.levels"] = _source(r, ".bodySite")


def _observation(r: dict, out: Imported) -> None:
    codings = _codings(r.get("code"))
    own = next((c["code"] for c in codings if c.get("system") == FIELD_SYSTEM), None)
    loinc = next((c.get("code") for c in codings if c.get("system") == LOINC), None)
    if own is not None and "valueString" in r:
        set_path(out.doc, own, json.loads(r["valueString"]))
        out.sources[own] = _source(r)
    elif loinc == AGE and "valueQuantity" in r:
        out.doc["age"] = int(r["valueQuantity"]["value"])
        out.sources["age"] = _source(r, f"(LOINC {AGE})")
    elif loinc in (ECOG, KARNOFSKY) and "valueInteger" in r:
        name = "performance.ecog" if loinc == ECOG else "performance.karnofsky"
        set_path(out.doc, name, r["valueInteger"])
        out.sources[name] = _source(r, f"(LOINC {loinc})")
    else:
        out.unmapped += [f"{c.get('system')}|{c.get('code')} ({_source(r)})" for c in codings] or [_source(r)]


def _procedure(r: dict, out: Imported) -> None:
    kind = next((c.get("code") for c in _codings(r.get("code")) if c.get("system") == TREATMENT_SYSTEM), None)
    if kind is None:
        out.unmapped += [f"{c.get('system')}|{c.get('code')} ({_source(r)})" for c in _codings(r.get("code"))] \
            or [_source(r)]
        return
    treatment: dict = {"kind": kind}
    if r.get("performedDateTime"):
        treatment["date"] = r["performedDateTime"]
    for e in r.get("extension", []) or []:
        url = e.get("url", "")
        if url.startswith(TREATMENT_KEY + ":") and "valueString" in e:
            treatment[url.removeprefix(TREATMENT_KEY + ":")] = json.loads(e["valueString"])
    treatments = get_path(out.doc, "history.treatments") or []
    treatments.append(treatment)
    set_path(out.doc, "history.treatments", treatments)
    out.sources[f"history.treatments.{len(treatments) - 1}"] = _source(r)


def patient_yaml(imported: Imported) -> str:
    """The imported patient as a spinepath.patient/1 file, each key commented with its source."""
    from ..load.yaml_writer import lines
    doc = _ordered(imported.doc)
    head = ["# Imported from a FHIR bundle by `spinepath import fhir`; each key names the resource it came from.",
            "# What the bundle did not say is absent (unknown), never guessed."]
    body = lines(doc, 0, imported.sources)
    tail = []
    if imported.unmapped:
        tail = ["", "# Codes in the bundle that spinepath could not map (left out):"] + \
               [f"#   {u}" for u in imported.unmapped]
    return "\n".join(head + body + tail) + "\n"


_ORDER = ("format", "id", "age", "sex", "performance", "care_setting", "presentation", "lesion", "diagnosis",
          "staging", "history", "preferences", "notes")


def _ordered(doc: dict) -> dict:
    return {k: doc[k] for k in sorted(doc, key=lambda k: (_ORDER.index(k) if k in _ORDER else len(_ORDER), k))}
