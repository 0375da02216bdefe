"""spinepath serve, the CDS Hooks service: the real command on a free loopback port, called with httpx.

One server for the module (development mode, its own feedback database) and one with
--trusted-issuers for the JWT checks. A handful of examples, not all of them (the bench runs every
example, bench/cds_hooks.py); every response is checked with the CDS Hooks models."""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytest.importorskip("fhir.resources")
httpx = pytest.importorskip("httpx")

from conftest import ROOT, example_result  # noqa: E402
from spinepath.interop.fhir_patient import export_bundle  # noqa: E402
from spinepath.load.yamlsafe import load_path  # noqa: E402
from spinepath.serve.cards import SUMMARY_MAX  # noqa: E402
from spinepath.serve.feedback import cards_with_feedback  # noqa: E402
from spinepath.serve.models import Feedback, HookResponse, Services  # noqa: E402
from fhir.resources.R4B.operationoutcome import OperationOutcome  # noqa: E402
from spinepath.serve.prefetch import hook_request  # noqa: E402

EXAMPLES = ["histology/chordoma-sacral-localised.yaml", "histology/ewing_sarcoma-thoracic-paediatric-cord-compression.yaml",
            "course/chordoma-l2-local-recurrence-after-proton-rt.yaml", "histology/plasmacytoma-lumbar-workup-incomplete.yaml",
            "seeds/osteosarcoma-acute-compression-before-histology.yaml"]
PV, OS = "/cds-services/spinepath-patient-view", "/cds-services/spinepath-order-select"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tmp: Path, *args: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = tmp / "feedback.sqlite3"
        self.log = tmp / "server.log"
        self._log = self.log.open("w")
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.proc = subprocess.Popen([sys.executable, "-m", "spinepath", "serve", "--port", str(self.port),
                                      "--feedback-db", str(self.db), *args],
                                     stdout=subprocess.DEVNULL, stderr=self._log, env=env)
        self.client = httpx.Client(base_url=self.url, timeout=30)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.client.get("/evidence")
                break
            except httpx.TransportError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(self.log.read_text())
                time.sleep(0.1)

    def stop(self) -> str:
        self.client.close()
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self._log.close()
        return self.log.read_text()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("serve"), "--cors-origin", "https://sandbox.cds-hooks.org")
    yield s
    s.stop()


def _request(name: str, **kw) -> dict:
    return hook_request(export_bundle(load_path(ROOT / "examples" / name).data), **kw)


def _cards(response) -> list[dict]:
    assert response.status_code == 200, response.text
    HookResponse.model_validate(response.json())
    return response.json()["cards"]


def _ext(card: dict) -> dict:
    return card["extension"]["org.spinepath"]


def _outcome(response, status: int) -> list[str]:
    """The OperationOutcome of an error: the JSON paths its issues name."""
    assert response.status_code == status, response.text
    body = response.json()
    OperationOutcome.model_validate(body)
    return [p for issue in body["issue"] for p in issue["expression"]]


def test_discovery_lists_patient_view_and_order_select_with_their_prefetch(server):
    r = server.client.get("/cds-services")
    assert r.status_code == 200
    services = Services.model_validate(r.json()).services
    assert {s.hook for s in services} == {"patient-view", "order-select"}
    for s in services:
        assert s.prefetch and s.prefetch["conditions"] == "Condition?patient={{context.patientId}}"
        assert {"patient", "observations", "procedures", "medicationRequests"} <= set(s.prefetch)


EVERY_EXAMPLE = sorted(p.relative_to(ROOT / "examples").as_posix() for p in (ROOT / "examples").rglob("*.yaml")
                       if not p.name.endswith(".expect.yaml"))


@pytest.mark.parametrize("name", EVERY_EXAMPLE, ids=lambda n: n.removesuffix(".yaml"))
def test_patient_view_cards_agree_with_the_consult(server, name):
    """The firm plan, the critical alerts and the provisional plan of the cards are the consult's own, for
    every example's prefetch (its `export fhir` bundle)."""
    cards = _cards(server.client.post(PV, json=_request(name)))
    result = example_result(ROOT / "examples" / name)
    kinds = [_ext(c)["kind"] for c in cards]
    firm = [c for c in cards if _ext(c)["kind"] == "firm"]
    assert len(firm) == 1 and firm[0]["indicator"] == "info"
    assert [(e["intervention"], e["phase"], e["strength"], e["rule"]) for e in _ext(firm[0])["entries"]] == \
        [(e.intervention, e.phase, e.strength, e.rule) for e in result.recommendations]
    assert sorted(_ext(firm[0]).get("suggested", [])) == sorted(
        e.intervention for e in result.recommendations if e.strength == "recommended")
    critical = [(_ext(c)["alerts"][0]["code"], _ext(c)["alerts"][0]["rule"]) for c in cards if _ext(c)["kind"] == "alert"]
    assert critical == [(a.code, a.rule) for a in result.alerts if a.severity == "critical"]
    assert all(c["indicator"] == "critical" for c in cards if _ext(c)["kind"] == "alert")
    provisional = [c for c in cards if _ext(c)["kind"] == "provisional"]
    assert all(c["indicator"] == ("warning" if any(a.severity == "critical" for a in result.provisional_alerts)
                                  else "info") for c in provisional)
    assert [(e["intervention"], e["strength"]) for c in provisional for e in _ext(c)["entries"]] == \
        [(e.intervention, e.strength) for e in result.provisional]
    if result.question_for_the_board is not None:
        assert kinds[-1] == "question" and _ext(cards[-1])["question"]["field"] == result.question_for_the_board.field
    for c in cards:
        assert len(c["summary"]) <= SUMMARY_MAX and uuid.UUID(c["uuid"])
        assert result.ruleset.version in c["source"]["label"] and c["source"]["url"].endswith("/evidence")
        assert c["detail"].strip()


def test_the_same_call_gives_the_same_bytes_and_the_brief_opens(server):
    body = _request(EXAMPLES[0], hook_instance="d1577c69-dfbe-44ad-ba6d-3e05e953b2ea")
    first, second = server.client.post(PV, json=body), server.client.post(PV, json=body)
    assert first.content == second.content
    link = _cards(first)[0]["links"][0]["url"]
    assert link.startswith(server.url + "/brief/")
    page = server.client.get(link.removeprefix(server.url))
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "chordoma" in page.text.lower()
    assert server.client.get("/brief/0123456789abcdef0123456789abcdef").status_code == 404
    assert "[" in server.client.get("/evidence").text


def test_order_select_warns_about_an_order_to_avoid(server):
    """A resection before histology (GEN-05): the selected order is one the plan says to avoid."""
    name = "seeds/osteosarcoma-acute-compression-before-histology.yaml"
    avoid = [e for e in example_result(ROOT / "examples" / name).recommendations
             if e.intervention == "en_bloc_resection"]
    assert avoid and avoid[0].strength == "avoid"
    order = {"resourceType": "ServiceRequest", "id": "sr-1", "status": "draft", "intent": "order",
             "code": {"coding": [{"system": "urn:spinepath:intervention", "code": "en_bloc_resection"}]}}
    other = {**order, "id": "sr-2", "code": {"coding": [{"system": "urn:spinepath:intervention",
                                                         "code": "image_guided_core_biopsy"}]}}
    draft = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}, {"resource": other}]}
    body = _request(name, hook="order-select", selections=["ServiceRequest/sr-1", "ServiceRequest/sr-2"],
                    draftOrders=draft)
    cards = _cards(server.client.post(OS, json=body))
    orders = [c for c in cards if _ext(c)["kind"] == "order"]
    assert len(orders) == 1 and orders[0]["indicator"] == "warning"
    assert _ext(orders[0])["order"] == "ServiceRequest/sr-1" and orders[0]["summary"].startswith("Avoid en bloc")
    assert orders[0]["suggestions"][0]["actions"] == [{"type": "delete", "description": "Remove the draft order "
                                                       "ServiceRequest/sr-1", "resourceId": "ServiceRequest/sr-1"}]
    body["context"]["selections"] = ["ServiceRequest/sr-2"]
    assert not [c for c in _cards(server.client.post(OS, json=body)) if _ext(c)["kind"] == "order"]


def test_only_the_named_origin_may_call_from_a_browser(server):
    def preflight(origin):
        return server.client.options(PV, headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "content-type"})
    assert preflight("https://sandbox.cds-hooks.org").headers["access-control-allow-origin"] == \
        "https://sandbox.cds-hooks.org"
    assert "access-control-allow-origin" not in preflight("https://evil.example").headers


def test_missing_prefetch_answers_412_naming_the_key(server):
    body = _request(EXAMPLES[0])
    del body["prefetch"]["conditions"]
    body["prefetch"]["procedures"] = None
    assert _outcome(server.client.post(PV, json=body), 412) == ["$.prefetch.conditions", "$.prefetch.procedures"]
    del body["prefetch"]
    assert len(_outcome(server.client.post(PV, json=body), 412)) == 4


def test_an_unknown_service_is_404(server):
    assert _outcome(server.client.post("/cds-services/nothing-here", json=_request(EXAMPLES[0])), 404) == ["$"]


def test_a_patient_without_a_bone_tumour_gets_no_card(server):
    """patient-view is called for every chart opened: a patient with diabetes only gets no card."""
    body = _request(EXAMPLES[0])
    pid = body["context"]["patientId"]
    for key in ("observations", "procedures"):
        body["prefetch"][key]["entry"] = []
    body["prefetch"]["conditions"]["entry"] = [{"resource": {
        "resourceType": "Condition", "id": "dm2", "subject": {"reference": f"Patient/{pid}"},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]}}}]
    assert _cards(server.client.post(PV, json=body)) == []


@pytest.mark.parametrize("mutate,status,path", [
    (lambda b: b"{not json", 400, "$"),
    (lambda b: json.dumps([b]).encode(), 400, "$"),
    (lambda b: {k: v for k, v in b.items() if k != "hookInstance"}, 400, "$.hookInstance"),
    (lambda b: {**b, "hookInstance": "not-a-uuid"}, 400, "$.hookInstance"),
    (lambda b: {**b, "hook": "order-select"}, 400, "$.hook"),
    (lambda b: {**b, "context": {"userId": "Practitioner/1"}}, 400, "$.context.patientId"),
    (lambda b: {**b, "fhirAuthorization": {"access_token": "x", "token_type": "Bearer", "expires_in": 1,
                                           "scope": "", "subject": "s"}}, 400, "$"),
    (lambda b: {**b, "prefetch": {**b["prefetch"], "patient": {"resourceType": "Patient", "gender": 7}}}, 400,
     "$.prefetch.patient.gender"),
    (lambda b: {**b, "prefetch": {**b["prefetch"], "observations": [1]}}, 400, "$.prefetch.observations"),
], ids=["not-json", "array", "no-hookInstance", "bad-uuid", "wrong-hook", "no-patientId", "cds-r-1", "non-fhir",
        "not-a-bundle"])
def test_bad_bodies_answer_400_naming_the_path(server, mutate, status, path):
    body = mutate(_request(EXAMPLES[0]))
    r = server.client.post(PV, content=body if isinstance(body, bytes) else json.dumps(body).encode(),
                           headers={"content-type": "application/json"})
    assert path in _outcome(r, status)


def test_an_oversized_body_is_refused(server):
    r = server.client.post(PV, content=b" " * (8 * 1024 * 1024 + 1), headers={"content-type": "application/json"})
    assert _outcome(r, 413) == ["$"]


def test_feedback_round_trips_into_sqlite(server):
    cards = _cards(server.client.post(PV, json=_request(EXAMPLES[0])))
    firm = next(c for c in cards if _ext(c)["kind"] == "firm")
    accepted = {"card": firm["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-12-07T10:05:31Z",
                "acceptedSuggestions": [{"id": firm["suggestions"][0]["uuid"]}]}
    overridden = {"card": cards[0]["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-12-07T10:06:00Z",
                  "overrideReason": {"reason": cards[0]["overrideReasons"][4], "userComment": "declines"}}
    body = {"feedback": [accepted, overridden]}
    Feedback.model_validate(body)
    r = server.client.post(PV + "/feedback", json=body)
    assert r.status_code == 200 and r.json() == {"stored": 2}
    rows = cards_with_feedback(server.db, example_result(ROOT / "examples" / EXAMPLES[0]).patient_id)
    assert [(row["outcome"], row["kind"]) for row in rows[-2:]] == [("accepted", "firm"), (
        "overridden", _ext(cards[0])["kind"])]
    assert rows[-2]["accepted_suggestions"] == [firm["suggestions"][0]["uuid"]]
    assert rows[-1]["override_code"] == "does-not-align-preferences" and rows[-1]["user_comment"] == "declines"
    assert rows[-1]["ruleset_version"] == firm["source"]["label"].split()[-1]
    with sqlite3.connect(server.db) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
    # cds-fb-2, cds-fb-1, cds-fb-3: refused with the path, nothing stored
    for bad, path in (({**accepted, "acceptedSuggestions": []}, "$.feedback[0]"),
                      ({**overridden, "outcome": "ignored"}, "$.feedback[0]"),
                      ({**overridden, "overrideReason": {}}, "$.feedback[0].overrideReason"),
                      ({**accepted, "outcomeTimestamp": "yesterday"}, "$.feedback[0].outcomeTimestamp")):
        assert _outcome(server.client.post(PV + "/feedback", json={"feedback": [bad]}), 400) == [path]
    assert len(cards_with_feedback(server.db)) == len(rows)


def test_development_mode_is_said_and_the_log_holds_no_patient_data(tmp_path_factory, server):
    body = _request(EXAMPLES[1])
    cards = _cards(server.client.post(PV, json=body))
    log = server.log.read_text()
    assert "DEVELOPMENT MODE" in log and "POST /cds-services/spinepath-patient-view -> 200" in log
    pid = body["context"]["patientId"]
    patient_id = example_result(ROOT / "examples" / EXAMPLES[1]).patient_id
    token = cards[0]["links"][0]["url"].rsplit("/", 1)[1]
    for secret in (pid, patient_id, token, "ewing"):
        assert secret not in log.lower()


# ------------------------------------------------------------------------------------------ JWT

@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    jwt = pytest.importorskip("jwt")
    from cryptography.hazmat.primitives.asymmetric import rsa
    tmp = tmp_path_factory.mktemp("secured")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    (tmp / "ehr-jwks.json").write_text(json.dumps({"keys": [{**public, "kid": "ehr-1", "alg": "RS384"}]}))
    (tmp / "trusted.yaml").write_text("issuers:\n  - iss: https://ehr.example.org\n    jwks_file: ehr-jwks.json\n")
    s = Server(tmp, "--trusted-issuers", str(tmp / "trusted.yaml"))
    yield s, key, jwt
    s.stop()


def _token(jwt, key, aud: str, **over) -> str:
    now = int(time.time())
    claims = {"iss": "https://ehr.example.org", "aud": aud, "exp": now + 300, "iat": now, "jti": str(uuid.uuid4())}
    headers = {"kid": over.pop("kid", "ehr-1"), "typ": "JWT"}
    alg = over.pop("alg", "RS384")
    return jwt.encode({**claims, **over}, key, algorithm=alg, headers=headers)


def test_a_signed_jwt_from_a_trusted_issuer_is_accepted_and_others_are_refused(secured):
    s, key, jwt = secured
    aud = s.url + PV
    good = _token(jwt, key, aud)
    assert _cards(s.client.post(PV, json=_request(EXAMPLES[0]), headers={"Authorization": f"Bearer {good}"}))
    assert s.client.get("/cds-services", headers={"Authorization": "Bearer " + _token(
        jwt, key, s.url + "/cds-services")}).status_code == 200
    refused = {"none": None, "replayed": good, "wrong-aud": _token(jwt, key, s.url + "/cds-services"),
               "unknown-kid": _token(jwt, key, aud, kid="other"), "expired": _token(jwt, key, aud, exp=1, iat=0),
               "other-issuer": _token(jwt, key, aud, iss="https://evil.example"),
               "hmac": _token(jwt, "shared-secret-of-at-least-32-bytes!!", aud, alg="HS256")}
    for why, token in refused.items():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = s.client.post(PV, json=_request(EXAMPLES[0]), headers=headers)
        assert r.status_code == 401, why
    assert s.client.post(PV + "/feedback", json={"feedback": []}).status_code == 401
    assert "DEVELOPMENT MODE" not in s.log.read_text()


# ------------------------------------------------------------------------------------------ the models

def _card(**over) -> dict:
    return {"summary": "s", "indicator": "info", "source": {"label": "spinepath"}, **over}


@pytest.mark.parametrize("card,invariant", [
    (_card(summary="x" * 140), "140"),
    (_card(indicator="urgent"), "indicator"),
    (_card(suggestions=[{"label": "a"}]), "cds-resp-6"),
    (_card(suggestions=[{"label": "a", "isRecommended": True}, {"label": "b", "isRecommended": True}],
           selectionBehavior="at-most-one"), "cds-resp-1"),
    (_card(suggestions=[{"label": "a", "actions": [{"type": "delete", "resource": {"resourceType": "X"},
                                                    "description": "d"}]}], selectionBehavior="any"), "cds-resp-2"),
    (_card(links=[{"label": "l", "url": "https://x", "type": "absolute", "appContext": "{}"}]), "cds-resp-3"),
    (_card(overrideReasons=[{"system": "s", "code": "c"}]), "cds-resp-4"),
    (_card(suggestions=[{"label": "a", "actions": [{"type": "create", "resource": {"resourceType": "X"}}]}],
           selectionBehavior="any"), "cds-resp-5"),
    (_card(suggestions=[{"label": "a", "actionSelectionBehavior": "some"}], selectionBehavior="any"), "cds-resp-7"),
    (_card(uuid="card-1"), "uuid"),
], ids=["summary-140", "indicator", "cds-resp-6", "cds-resp-1", "cds-resp-2", "cds-resp-3", "cds-resp-4",
        "cds-resp-5", "cds-resp-7", "uuid"])
def test_the_response_model_refuses_each_broken_invariant(card, invariant):
    from pydantic import ValidationError
    HookResponse.model_validate({"cards": [_card()]})
    with pytest.raises(ValidationError) as refused:
        HookResponse.model_validate({"cards": [card]})
    if invariant in ("cds-resp-1", "cds-resp-2", "cds-resp-3", "cds-resp-4", "cds-resp-6"):  # said by name
        assert invariant in str(refused.value)


# ------------------------------------------------------------------------------------------ fhirServer

@pytest.fixture(scope="module")
def fake_fhir():
    """A FHIR server on loopback holding one example's resources, behind a bearer token, paging its
    searches two entries at a time."""
    import http.server
    import threading
    import urllib.parse
    body = _request(EXAMPLES[2])
    pid, prefetch = body["context"]["patientId"], body["prefetch"]
    types = {"Condition": "conditions", "Observation": "observations", "Procedure": "procedures",
             "MedicationAdministration": "medicationAdministrations", "MedicationRequest": "medicationRequests"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            if self.headers.get("Authorization") != "Bearer good-token":
                return self._send(401, {"resourceType": "OperationOutcome", "issue": []})
            kind = url.path.removeprefix("/fhir/")
            if kind == f"Patient/{pid}":
                return self._send(200, prefetch["patient"])
            if kind not in types or query.get("patient") != [pid]:
                return self._send(404, {"resourceType": "OperationOutcome", "issue": []})
            entries = prefetch[types[kind]]["entry"]
            page = int(query.get("page", ["0"])[0])
            bundle = {"resourceType": "Bundle", "type": "searchset", "total": len(entries),
                      "entry": entries[page * 2:page * 2 + 2]}
            if page * 2 + 2 < len(entries):
                bundle["link"] = [{"relation": "next", "url": f"http://127.0.0.1:{self.server.server_port}"
                                                              f"/fhir/{kind}?patient={pid}&page={page + 1}"}]
            self._send(200, bundle)

        def _send(self, status, value):
            raw = json.dumps(value).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}/fhir", body
    httpd.shutdown()
    httpd.server_close()


def test_without_prefetch_the_service_fetches_from_the_fhir_server(server, fake_fhir):
    fhir, body = fake_fhir
    with_prefetch = _cards(server.client.post(PV, json=body))
    auth = {"access_token": "good-token", "token_type": "Bearer", "expires_in": 300,
            "scope": "patient/*.read", "subject": "spinepath"}
    fetched = {k: v for k, v in body.items() if k != "prefetch"}
    fetched.update(fhirServer=fhir, fhirAuthorization=auth)
    assert _cards(server.client.post(PV, json=fetched)) == with_prefetch  # same hookInstance, same cards
    partly = {**fetched, "prefetch": {"patient": body["prefetch"]["patient"]}}
    assert _cards(server.client.post(PV, json=partly)) == with_prefetch
    refused = {**fetched, "fhirAuthorization": {**auth, "access_token": "stolen"}}
    assert _outcome(server.client.post(PV, json=refused), 412) == [
        "$.prefetch.patient", "$.prefetch.conditions", "$.prefetch.observations", "$.prefetch.procedures"]
    elsewhere = {**fetched, "fhirServer": "https://ehr.example.org/fhir"}  # development mode: loopback only
    assert _outcome(server.client.post(PV, json=elsewhere), 412) == ["$.fhirServer"]


# ------------------------------------------------------------------------------------------ the prefetch

ALL_EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*.yaml") if not p.name.endswith(".expect.yaml"))


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: p.stem)
def test_every_example_s_prefetch_reads_as_the_same_patient(path):
    """The prefetch an EHR would send for the record of an example's `export fhir` reads, through the
    import, as the example itself: so its consult, and its cards, are the example's (the bench posts
    every example to the real service and compares the cards)."""
    import datetime

    from spinepath.load.patient import load_patient
    from spinepath.serve.prefetch import read_record
    body = hook_request(export_bundle(load_path(path).data))
    record = read_record(body["prefetch"], body["context"]["patientId"], datetime.date(2026, 12, 7))
    assert record.patient == load_patient(path)


def test_cancer_medications_on_record_leave_the_treatment_history_unknown():
    """The import maps Procedures to treatments; with an mCODE cancer-related medication on record the
    list would be incomplete, so it is left unknown (unknown is not no), and the plan card says so."""
    import datetime

    from spinepath.serve.prefetch import read_record
    body = _request(EXAMPLES[2])
    pid = body["context"]["patientId"]
    day = datetime.date(2026, 12, 7)
    assert read_record(body["prefetch"], pid, day).patient.history.treatments
    given = {"resourceType": "MedicationAdministration", "id": "ma-1", "status": "completed",
             "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": "2025-01-02",
             "medicationCodeableConcept": {"text": "imatinib"}}
    body["prefetch"]["medicationAdministrations"]["entry"] = [{"resource": given}]
    assert read_record(body["prefetch"], pid, day).patient.history.treatments  # not cancer-related by profile
    given["meta"] = {"profile": ["http://hl7.org/fhir/us/mcode/StructureDefinition/"
                                 "mcode-cancer-related-medication-administration"]}
    record = read_record(body["prefetch"], pid, day)
    assert record.patient.history is None or record.patient.history.treatments is None
    assert any("treatment history is left unknown" in n for n in record.notes)
