"""consult --format fhir: the consult as a FHIR R4 Bundle that fhir.resources' R4B models accept."""
from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES, example_consult, run_cli

pytest.importorskip("fhir.resources")
from fhir.resources.R4B.bundle import Bundle  # noqa: E402

from spinepath.render.fhir import bundle  # noqa: E402


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_is_a_valid_r4_bundle_holding_what_the_json_holds(path):
    result = example_consult(path)
    doc = bundle(result)
    Bundle.model_validate(doc)
    kinds = [e["resource"]["resourceType"] for e in doc["entry"]]
    assert kinds[0] == "GuidanceResponse" and kinds.count("RequestGroup") == 1 and kinds.count("Patient") == 1
    group = next(e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "RequestGroup")
    actions = group.get("action", [])
    assert len(actions) == len(result["recommendations"]) + len(result.get("provisional", []))
    requests = {e["fullUrl"]: e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "ServiceRequest"}
    for action, entry in zip(actions, result["recommendations"]):
        request = requests[action["resource"]["reference"]]
        assert request["code"]["coding"][0]["code"] == entry["intervention"]
        assert request.get("doNotPerform", False) == (entry["strength"] == "avoid")
        assert action["description"] == entry["rationale"]
        assert [d["label"] for d in action.get("documentation", [])] == [f"[{e['ref_id']}]" for e in entry["evidence"]]
    for action in actions[len(result["recommendations"]):]:
        assert action["condition"][0]["expression"]["expression"].startswith("holds if:")
    issues = [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "DetectedIssue"]
    assert [i["code"]["coding"][0]["code"] for i in issues] == [a["code"] for a in result["alerts"]]
    response = doc["entry"][0]["resource"]
    assert response["status"] == ("data-requested" if result.get("questions") else "success")
    assert [r["mustSupport"][0] for r in response.get("dataRequirement", [])] == [q["field"] for q in
                                                                                 result.get("questions", [])]
    assert response["identifier"][0]["value"] == result["ruleset"]["sha256"]


def test_the_command_writes_the_same_bytes_twice():
    first = run_cli("consult", "cervical-chondrosarcoma-recurrence", "--format", "fhir")
    again = run_cli("consult", "cervical-chondrosarcoma-recurrence", "--format", "fhir")
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout and json.loads(first.stdout)["resourceType"] == "Bundle"


def test_other_commands_refuse_the_fhir_format():
    r = run_cli("whatif", "cervical-chondrosarcoma-recurrence", "--set", "staging.metastases=none", "--format", "fhir")
    assert r.returncode == 2 and "whatif prints text or json" in r.stderr


def test_without_the_extra_the_command_says_how_to_get_it(monkeypatch):
    import spinepath.render.fhir as view

    def missing():
        raise view.FhirUnavailable("the FHIR view needs the optional extra: pip install 'spinepath[fhir]'")
    monkeypatch.setattr(view, "_models", missing)
    r = run_cli("consult", "cervical-chondrosarcoma-recurrence", "--format", "fhir")
    assert r.returncode == 2 and "pip install 'spinepath[fhir]'" in r.stderr and r.stdout == ""


def test_batch_writes_one_valid_bundle_per_line_and_an_operation_outcome_for_a_bad_file(write):
    from fhir.resources.R4B.operationoutcome import OperationOutcome
    from conftest import ROOT
    bad = write("bad.yaml", "id: x\nage: fifty\nlesion: {levels: [L2]}\ndiagnosis: {histology: chordoma}\n")
    seed = ROOT / "examples" / "seeds" / "cervical-chondrosarcoma-recurrence.yaml"
    r = run_cli("batch", str(seed), str(bad), "--format", "fhir-ndjson")
    assert r.returncode == 1, r.stderr
    first, second = [json.loads(line) for line in r.stdout.splitlines()]
    Bundle.model_validate(first)
    OperationOutcome.model_validate(second)
    assert "expected an integer" in second["issue"][0]["diagnostics"]
