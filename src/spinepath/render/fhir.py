"""The consult as a FHIR R4 Bundle: GuidanceResponse, RequestGroup with one proposal per entry, and a
DetectedIssue per alert (`spinepath consult FILE --format fhir`).

A view like the others: it renders the consult result and adds nothing the JSON does not hold. The
resources are checked with fhir.resources' R4B models (the optional extra `spinepath[fhir]`) before
they are written. Identifiers are derived from the patient id and the entry, never from the clock
or a random source, so the same file gives the same bytes.
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Iterable

from ..explain.result import ConsultResult, Entry
from ..load.interventions import said
from . import presumed_text

# Namespaces for spinepath's own codes (interventions, alerts): they are the codes of the
# consult JSON, not terms of an external code system.
SYSTEM = "urn:spinepath"
INTERVENTION_SYSTEM = f"{SYSTEM}:intervention"
ALERT_SYSTEM = f"{SYSTEM}:alert"
# The strength of a recommendation: the core cqf extension (HL7 CDS WG) with the HL7 terminology code
# system StrengthOfRecommendationRating (strong, weak); sources in docs/fhir.md.
STRENGTH_EXTENSION = "http://hl7.org/fhir/StructureDefinition/cqf-strengthOfRecommendation"
STRENGTH_SYSTEM = "http://terminology.hl7.org/CodeSystem/recommendation-strength"
STRENGTH_CODES = {"recommended": "strong", "consider": "weak"}
PROVISIONAL_EXTENSION = f"{SYSTEM}:extension:provisional"
SEVERITY = {"critical": "high", "warning": "moderate", "info": "low"}
# The FHIR resource a question's answer would be recorded in (DataRequirement.type); the detailed
# field-to-element mapping belongs to the import/export of issue 12 and is not claimed here.
RESOURCE_OF = (("diagnosis.", "Condition"), ("lesion.", "Condition"), ("staging.", "Observation"),
               ("performance.", "Observation"), ("presentation.", "Observation"), ("history.", "Procedure"),
               ("care_setting.", "Encounter"), ("preferences.", "Consent"), ("derived.", "Observation"))


class FhirUnavailable(Exception):
    """fhir.resources is not installed: the message says how to get it."""


def require() -> None:
    """Raise FhirUnavailable now, before a long run, when the extra is not installed."""
    _models()


def operation_outcome(diagnostics: Iterable[object]) -> dict[str, Any]:
    """A file that could not be consulted, as FHIR reports a failure: one issue per diagnostic."""
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "invalid", "diagnostics": str(d)} for d in diagnostics]}


def _models() -> Any:
    try:
        from fhir.resources.R4B.bundle import Bundle
    except ImportError:
        raise FhirUnavailable("the FHIR view needs the optional extra: pip install 'spinepath[fhir]'") from None
    return Bundle


def _id(patient_id: str, what: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{SYSTEM}:{patient_id}:{what}"))


def _strength(entry: Entry) -> list[dict[str, Any]]:
    code = STRENGTH_CODES.get(entry.strength)
    if code is None:
        return []
    return [{"url": STRENGTH_EXTENSION, "valueCodeableConcept": {
        "coding": [{"system": STRENGTH_SYSTEM, "code": code}], "text": entry.strength}}]


def _citations(entry: Entry) -> list[dict[str, Any]]:
    return [{"type": "citation", "label": f"[{e.ref_id}]", "display": f"{e.ref} ({e.level})"} for e in entry.evidence]


def _proposal(pid: str, patient_ref: str, entry: Entry, key: str,
              provisional: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """(ServiceRequest, RequestGroup.action) for one entry; an avoid entry is a doNotPerform request."""
    rid = _id(pid, key)
    code = {"coding": [{"system": INTERVENTION_SYSTEM, "code": entry.intervention,
                        "display": said(entry.intervention)}]}
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": rid, "status": "draft", "intent": "proposal", "code": code,
        "subject": {"reference": patient_ref},
        "category": [{"coding": [{"system": f"{SYSTEM}:phase", "code": entry.phase}]}]}
    if entry.strength == "avoid":
        request["doNotPerform"] = True
    if entry.details:
        request["note"] = [{"text": json.dumps(entry.details, sort_keys=True, ensure_ascii=False)}]
    action: dict[str, Any] = {
        "id": key, "title": f"{entry.strength}: {said(entry.intervention)}", "description": entry.rationale,
        "code": [code], "resource": {"reference": f"urn:uuid:{rid}"}, "documentation": _citations(entry),
        "extension": _strength(entry), "textEquivalent": f"rule {entry.rule}; phase {entry.phase}"}
    if provisional:
        assumes = "; ".join(presumed_text(a) for a in entry.assumes)
        action["extension"] = action["extension"] + [{"url": PROVISIONAL_EXTENSION, "valueBoolean": True}]
        action["condition"] = [{"kind": "applicability",
                                "expression": {"language": "text/plain", "expression": f"holds if: {assumes}"}}]
    for k in ("documentation", "extension"):
        if not action[k]:
            del action[k]
    return request, action


def service_request(patient_id: str, patient_ref: str, entry: Entry, key: str) -> dict[str, Any]:
    """One firm entry as the draft ServiceRequest the bundle holds for it (a CDS Hooks card suggests it,
    serve/cards.py): the same resource, so an EHR gets the same order from either route."""
    return _proposal(patient_id, patient_ref, entry, key, False)[0]


def bundle(result: ConsultResult) -> dict[str, Any]:
    """The consult result as a FHIR R4 Bundle (a plain dict, validated)."""
    Bundle = _models()
    pid = result.patient_id
    rs = result.ruleset
    patient_uuid = _id(pid, "patient")
    patient_ref = f"urn:uuid:{patient_uuid}"
    entries: list[dict[str, Any]] = [{"fullUrl": patient_ref, "resource": {
        "resourceType": "Patient", "id": patient_uuid,
        "identifier": [{"system": f"{SYSTEM}:patient-id", "value": pid}]}}]
    actions = []
    for key, rows, provisional in (("firm", result.recommendations, False),
                                   ("provisional", result.provisional, True)):
        for i, r in enumerate(rows, 1):
            request, action = _proposal(pid, patient_ref, r, f"{key}-{i}", provisional)
            entries.append({"fullUrl": f"urn:uuid:{request['id']}", "resource": request})
            actions.append(action)
    group_id = _id(pid, "requestgroup")
    group: dict[str, Any] = {"resourceType": "RequestGroup", "id": group_id, "status": "draft", "intent": "proposal",
                             "subject": {"reference": patient_ref}, "note": [{"text": result.statement}]}
    if actions:
        group["action"] = actions
    entries.append({"fullUrl": f"urn:uuid:{group_id}", "resource": group})
    issues = []
    for i, a in enumerate(result.alerts, 1):
        iid = _id(pid, f"alert-{i}")
        issues.append({"fullUrl": f"urn:uuid:{iid}", "resource": {
            "resourceType": "DetectedIssue", "id": iid, "status": "final", "severity": SEVERITY[a.severity],
            "code": {"coding": [{"system": ALERT_SYSTEM, "code": a.code}]},
            "patient": {"reference": patient_ref}, "detail": a.message,
            "reference": f"{SYSTEM}:rule:{a.rule}"}})
    requirements = [{"type": next((t for prefix, t in RESOURCE_OF if q.field.startswith(prefix)), "Observation"),
                     "mustSupport": [q.field],
                     "extension": [{"url": f"{SYSTEM}:extension:question", "valueString": q.text}]}
                    for q in result.questions]
    response_id = _id(pid, "guidance")
    response: dict[str, Any] = {"resourceType": "GuidanceResponse", "id": response_id,
                                "identifier": [{"system": f"{SYSTEM}:ruleset-sha256", "value": rs.sha256}],
                                "moduleUri": f"{SYSTEM}:ruleset:{rs.name}:{rs.version}",
                                "status": "data-requested" if requirements else "success",
                                "subject": {"reference": patient_ref},
                                "result": {"reference": f"urn:uuid:{group_id}"}}
    if requirements:
        response["dataRequirement"] = requirements
    if issues:
        response["evaluationMessage"] = [{"reference": e["fullUrl"]} for e in issues]
    doc = {"resourceType": "Bundle", "id": _id(pid, "bundle"), "type": "collection",
           "entry": [{"fullUrl": f"urn:uuid:{response_id}", "resource": response}, *entries, *issues]}
    Bundle.model_validate(doc)  # raises on anything R4B would refuse: never write an invalid resource
    return doc


def to_fhir_json(result: ConsultResult) -> str:
    return json.dumps(bundle(result), indent=2, ensure_ascii=False) + "\n"
