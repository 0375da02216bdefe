"""The services spinepath offers (discovery) and how a hook call's prefetch becomes a patient.

The prefetch templates ask for what the FHIR import reads (docs/fhir.md): the Patient, its Conditions
(the mCODE primary cancer condition), Observations (ECOG, Karnofsky, age and spinepath's own fields)
and Procedures (treatments), and the cancer-related MedicationAdministration and MedicationRequest
resources mCODE records systemic therapy with. The prefetched resources are put in one collection
Bundle and read by the same import as `spinepath import fhir` (interop/fhir_import.py), so a bundle
and a prefetch of the same record give the same patient.
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from ..interop.fhir_import import BundleProblem, OptionProblem, check_r4, import_bundle, problems_in_bundle
from ..load.patient import Patient

TOKEN = "{{context.patientId}}"
PREFETCH = {
    "patient": f"Patient/{TOKEN}",
    "conditions": f"Condition?patient={TOKEN}",
    "observations": f"Observation?patient={TOKEN}",
    "procedures": f"Procedure?patient={TOKEN}",
    "medicationAdministrations": f"MedicationAdministration?patient={TOKEN}",
    "medicationRequests": f"MedicationRequest?patient={TOKEN}",
}
# Without these the import cannot read the tumour, its staging or its treatments: a call that lacks one
# is answered 412 (CDS Hooks 2.0, "Prefetch Template": a service that cannot obtain required data SHALL
# respond 412 Precondition Failed).
REQUIRED = ("patient", "conditions", "observations", "procedures")
MEDICATIONS = ("medicationAdministrations", "medicationRequests")
# mCODE's profiles of cancer-related medications: mcode-cancer-related-medication-administration and
# mcode-cancer-related-medication-request (HL7 fhir-mCODE-ig), matched by this common prefix.
CANCER_MEDICATION_PROFILE = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-cancer-related-medication"

DESCRIPTION = ("Traced, evidence-linked decision support for primary bone tumours of the spine: the firm "
               "plan, the provisional plan under its presumptions, critical alerts and the question for the "
               "tumour board. It supports, and does not replace, a multidisciplinary tumour board.")
SERVICES = [
    {"hook": "patient-view", "title": "spinepath: spine bone tumour pathway", "id": "spinepath-patient-view",
     "description": DESCRIPTION, "prefetch": PREFETCH,
     "usageRequirements": "Answers with no cards for a patient without a primary bone tumour of the spine "
                          "(an mCODE primary cancer Condition with an ICD-O-3 morphology and a vertebral body site).",
     "hookVersion": "1.0"},
    {"hook": "order-select", "title": "spinepath: check a spinal procedure or systemic therapy order",
     "id": "spinepath-order-select",
     "description": "Warns when a selected order (a spinal procedure or systemic therapy coded with "
                    "urn:spinepath:intervention) is one spinepath's plan says to avoid for this patient, "
                    "e.g. a resection while the histology is unknown.",
     "prefetch": PREFETCH, "hookVersion": "1.0"},
]
SERVICE_BY_ID = {s["id"]: s for s in SERVICES}


class MissingPrefetch(Exception):
    """Required prefetch keys that are absent or null: the CDS Hooks 412."""

    def __init__(self, keys: list[str]):
        self.keys = keys
        super().__init__(", ".join(keys))


class NotFhir(Exception):
    """A prefetch value that is not FHIR R4: the request is bad (400), (JSON path, message) each."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(m for _, m in problems))


class NotAPatientRecord(Exception):
    """The prefetch is FHIR, but not a record spinepath can consult: (JSON path, message) each."""

    def __init__(self, problems: list[tuple[str, str]], applicable: bool = True):
        self.problems = problems
        self.applicable = applicable  # False: no primary bone tumour at all, the service does not apply
        super().__init__("; ".join(m for _, m in problems))


@dataclass
class Record:
    patient: Patient
    notes: list[str] = field(default_factory=list)


def _entries(value: Any, key: str) -> list[dict[str, Any]]:
    """The entries of a prefetched searchset Bundle (or one resource), each with its fullUrl."""
    if not isinstance(value, dict):
        raise NotFhir([(f"$.prefetch.{key}", "expected a FHIR resource or a searchset Bundle")])
    if value.get("resourceType") == "Bundle":
        entries = value.get("entry") or []
        if not isinstance(entries, list):
            raise NotFhir([(f"$.prefetch.{key}.entry", "expected a list of entries")])
        out = []
        for i, e in enumerate(entries):
            if not isinstance(e, dict) or not isinstance(e.get("resource"), dict):
                raise NotFhir([(f"$.prefetch.{key}.entry[{i}]", "expected an entry with a resource")])
            if (e.get("search") or {}).get("mode") == "outcome" or e["resource"].get("resourceType") == "OperationOutcome":
                continue  # a server's note about the search, not the patient's data
            out.append({k: e[k] for k in ("fullUrl", "resource") if k in e})
        return out
    return [{"resource": value}]


def missing_keys(prefetch: dict[str, Any] | None) -> list[str]:
    prefetch = prefetch or {}
    return [k for k in REQUIRED if prefetch.get(k) is None]


def bundle_of(prefetch: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """One collection Bundle of the prefetched resources, and where each entry came from (its key)."""
    entries: list[dict[str, Any]] = []
    origin: list[str] = []
    for key in PREFETCH:
        if prefetch.get(key) is None:
            continue
        found = _entries(prefetch[key], key)
        entries += found
        origin += [key] * len(found)
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}, origin


def _cancer_medications(bundle: dict[str, Any], origin: list[str]) -> int:
    n = 0
    for e, key in zip(bundle["entry"], origin):
        if key in MEDICATIONS:
            profiles = ((e["resource"].get("meta") or {}).get("profile") or [])
            n += any(isinstance(p, str) and p.startswith(CANCER_MEDICATION_PROFILE) for p in profiles)
    return n


def _at(path: str, origin: list[str], bundle: dict[str, Any]) -> str:
    """A path of the assembled bundle ($.entry[3]...) as a path of the request ($.prefetch.conditions...)."""
    if not path.startswith("$.entry["):
        return "$.prefetch" + path[1:] if path.startswith("$") else path
    index = int(path[len("$.entry["):].split("]", 1)[0])
    rest = path[len("$.entry[") + len(str(index)) + 1:]
    key = origin[index]
    within = index - origin.index(key)
    value_is_bundle = key != "patient" or len([o for o in origin if o == key]) > 1
    if key == "patient" and not value_is_bundle:
        return f"$.prefetch.patient{rest.removeprefix('.resource')}"
    return f"$.prefetch.{key}.entry[{within}]{rest}"


def read_record(prefetch: dict[str, Any], patient_id: str, today: datetime.date) -> Record:
    """The patient of a prefetch: raises MissingPrefetch (412), NotFhir (400) or NotAPatientRecord (a card,
    or no card when there is no bone tumour to advise on)."""
    missing = missing_keys(prefetch)
    if missing:
        raise MissingPrefetch(missing)
    bundle, origin = bundle_of(prefetch)
    try:
        check_r4(bundle)
    except BundleProblem as exc:
        raise NotFhir([(_at(at, origin, bundle), message) for at, message in exc.problems]) from None
    try:
        imported = import_bundle(bundle, today, patient_id)
        problems = problems_in_bundle(imported)
        if problems:
            raise BundleProblem(problems)
    except BundleProblem as exc:
        found = [(_at(at, origin, bundle), message) for at, message in exc.problems]
        applicable = not any("describes a primary bone tumour" in m for _, m in exc.problems)
        raise NotAPatientRecord(found, applicable) from None
    except OptionProblem:
        raise NotAPatientRecord([("$.context.patientId", "names no Patient of the prefetch (its id or an "
                                                         "identifier)")]) from None
    notes = list(imported.notes)
    medications = _cancer_medications(bundle, origin)
    history = imported.doc.get("history")
    if medications and isinstance(history, dict) and "treatments" in history:
        # The import maps Procedures to treatments, not medications: with cancer-related medications on
        # record the list would be incomplete, and an incomplete list reads as "never had it".
        del history["treatments"]
        if not history:
            del imported.doc["history"]
        notes.append(f"{medications} cancer-related medication record(s) are not mapped yet: the treatment "
                     "history is left unknown rather than read without them.")
    return Record(Patient.model_validate(imported.doc), notes)


def prefetch_of_bundle(bundle: dict[str, Any], server: str = "https://ehr.example.org/fhir") -> tuple[str, dict[str, Any]]:
    """(patient id, prefetch) as an EHR would send them for the record of a `spinepath export fhir`
    bundle: the Patient by itself, the rest as searchset Bundles by resource type, each resource at its
    server URL and referring to the patient as Patient/{id}. For the tests, the bench and the docs."""
    resources = [e["resource"] for e in bundle["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    pid = patient["id"]
    text = json.dumps(resources).replace(f"urn:uuid:{pid}", f"Patient/{pid}")
    resources = json.loads(text)
    keys = {"Condition": "conditions", "Observation": "observations", "Procedure": "procedures",
            "MedicationAdministration": "medicationAdministrations", "MedicationRequest": "medicationRequests"}
    prefetch: dict[str, Any] = {"patient": resources[0] if resources[0]["resourceType"] == "Patient" else patient}
    for key in keys.values():
        prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": []}
    for r in resources:
        found = keys.get(r["resourceType"])
        if found is not None:
            prefetch[found]["entry"].append({"fullUrl": f"{server}/{r['resourceType']}/{r['id']}", "resource": r,
                                           "search": {"mode": "match"}})
            prefetch[found]["total"] += 1
    return pid, prefetch


def hook_request(bundle: dict[str, Any], hook: str = "patient-view", hook_instance: str | None = None,
                 **context: Any) -> dict[str, Any]:
    """A whole CDS Hooks request for the record of an exported bundle (see prefetch_of_bundle)."""
    import uuid
    pid, prefetch = prefetch_of_bundle(bundle)
    return {"hook": hook, "hookInstance": hook_instance or str(uuid.uuid4()),
            "context": {"userId": "Practitioner/example", "patientId": pid, **context}, "prefetch": prefetch}
