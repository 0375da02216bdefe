"""The HTTP service: CDS Hooks discovery, the hook calls, feedback, and the brief and evidence pages
the cards link to (Starlette on uvicorn; docs/cds-hooks.md).

- `GET /cds-services`: the services of prefetch.py.
- `POST /cds-services/{id}`: the prefetch read by the FHIR import, the one consult, its cards (cards.py).
  A required prefetch key absent is fetched from the request's fhirServer with its fhirAuthorization
  when the service may call that server (fetch.py); otherwise it answers 412 with an OperationOutcome naming it (CDS Hooks 2.0,
  "Prefetch Template" and "Returning OperationOutcome"); bad JSON, a body the models refuse or a
  hook that is not the service's answer 400 with an OperationOutcome whose issue names the JSON path.
- `POST /cds-services/{id}/feedback`: into the feedback database (feedback.py).
- `GET /brief/{token}`: the tumour-board brief (HTML) of a patient a card was given for, while the
  service keeps it (memory only, a bounded number for a bounded time); the token is an HMAC of the
  hookInstance under a secret of this process, so it cannot be guessed from the call.
- `GET /evidence`: the knowledge base's references, which every card's source links to.

Every response is checked with the CDS Hooks models before it is sent. The log says which endpoint
answered what, how fast, never a patient's data nor a brief's token; an unexpected error is logged
by its type only and answered 500.
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import html
import logging
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ..evaluate.knowledge import Knowledge
from ..explain.consult import consult_knowledge
from ..explain.result import ConsultResult
from ..interop.fhir_import import BundleProblem, read_json
from ..load.patient import Patient
from . import cards as card_views
from .auth import Refused, Verifier
from .feedback import FeedbackStore
from .fetch import FetchProblem, allowed, fetch
from .models import CONTEXTS, Feedback, HookRequest, HookResponse, Services, problems
from .prefetch import (MEDICATIONS, PREFETCH, SERVICE_BY_ID, SERVICES, MissingPrefetch, NotAPatientRecord, NotFhir,
                       missing_keys, read_record)

log = logging.getLogger("spinepath.serve")

MAX_BODY_BYTES = 8 * 1024 * 1024  # a prefetch of one patient's oncology record; --max-body changes it
BRIEFS_KEPT = 256
BRIEF_TTL_S = 3600
CONSULTS_KEPT = 256  # --consult-cache


@dataclass
class Config:
    kb: Knowledge
    feedback: FeedbackStore
    verifier: Verifier | None = None  # None: development mode, tokens are not checked
    public_url: str | None = None  # the base URL clients reach (behind a proxy); default: the request's
    max_body: int = MAX_BODY_BYTES
    consults_kept: int = CONSULTS_KEPT  # 0: consult on every call
    cors_origins: tuple[str, ...] = ()  # browser-based clients (the CDS Hooks sandbox) allowed to call
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))


class HttpProblem(Exception):
    def __init__(self, status: int, issues: list[tuple[str, str]], code: str = "invalid"):
        self.status = status
        self.issues = issues
        self.code = code
        super().__init__(status)


def outcome(issues: list[tuple[str, str]], code: str) -> dict[str, Any]:
    """An OperationOutcome with one issue per (JSON path, message): the path in `expression` (FHIRPath
    style) and in the message, so a client that reads either finds it."""
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": f"{at}: {message}", "expression": [at]}
                      for at, message in issues[:20]]}


class Briefs:
    """The consults a card's brief link can open: a bounded number, for a bounded time."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[float, Patient, str]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, token: str, patient: Patient, day: str) -> None:
        with self._lock:
            self._items[token] = (time.monotonic(), patient, day)
            self._items.move_to_end(token)
            while len(self._items) > BRIEFS_KEPT:
                self._items.popitem(last=False)

    def get(self, token: str) -> tuple[Patient, str] | None:
        with self._lock:
            item = self._items.get(token)
            if item is None or time.monotonic() - item[0] > BRIEF_TTL_S:
                self._items.pop(token, None)
                return None
            return item[1], item[2]


class Consults:
    """The consults of the patients seen last, by the patient's content. patient-view fires each time a
    chart is opened, mostly on a record that has not changed; the consult is a pure function of the
    patient and the knowledge base loaded at start, so the same patient gets the same result."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._items: OrderedDict[str, ConsultResult] = OrderedDict()
        self._lock = threading.Lock()  # the rules engine runs one consult at a time

    def get(self, patient: Patient, kb: Knowledge, whole: bool = False) -> ConsultResult:
        """The consult of `patient`: for the cards, its questions as far as the question for the board
        (a third of the time of all of them); `whole` for the brief, which lists every question."""
        key = hashlib.sha256(patient.model_dump_json().encode()).hexdigest() + ("/whole" if whole else "")
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
            result = consult_knowledge(patient, kb, board_question_only=not whole)
            if self.kept:
                self._items[key] = result
                while len(self._items) > self.kept:
                    self._items.popitem(last=False)
            return result


def create_app(config: Config) -> Starlette:
    briefs = Briefs()
    consults = Consults(config.consults_kept)

    def base_url(request: Request) -> str:
        return (config.public_url or str(request.base_url)).rstrip("/")

    def authorise(request: Request) -> None:
        if config.verifier is None:
            return
        try:
            config.verifier.verify(request.headers.get("authorization"), base_url(request) + request.url.path)
        except Refused as exc:
            raise HttpProblem(401, [("$", str(exc))], "security") from None

    async def body_json(request: Request) -> Any:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > config.max_body):
            raise HttpProblem(413, [("$", f"the body is larger than {config.max_body} bytes")], "too-costly")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > config.max_body:
                raise HttpProblem(413, [("$", f"the body is larger than {config.max_body} bytes")], "too-costly")
            chunks.append(chunk)
        try:
            return read_json(b"".join(chunks))
        except BundleProblem as exc:
            issues = [("$" if not at.startswith("$") else at,
                              (f"line {at}: " if not at.startswith("$") else "") + message.replace("a FHIR bundle",
                                                                                                   "a JSON object"))
                             for at, message in exc.problems]
            raise HttpProblem(400, issues, "structure") from None

    def validated(model: Any, value: Any, root: str = "$") -> Any:
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            raise HttpProblem(400, problems(exc, root)) from None

    def send(model: Any, data: dict[str, Any], status: int = 200) -> JSONResponse:
        model.model_validate(data)  # never answer outside the specification
        return JSONResponse(data, status_code=status)

    def endpoint(name: str):
        """A route that logs its outcome (no request content) and turns problems into OperationOutcomes."""
        def wrap(handler):
            async def run(request: Request) -> Response:
                started = time.perf_counter()
                try:
                    response = await handler(request)
                except HttpProblem as exc:
                    response = JSONResponse(outcome(exc.issues, exc.code), status_code=exc.status)
                except Exception as exc:  # noqa: BLE001 - the message may hold patient data: its type only
                    log.error("%s %s: internal error %s", request.method, name, type(exc).__name__)
                    response = JSONResponse(outcome([("$", "internal error")], "exception"), status_code=500)
                ms = (time.perf_counter() - started) * 1000
                # The service id is not the patient's; a brief's token would open the brief: never logged.
                sid = request.path_params.get("id", "")
                shown = name.replace("{id}", sid if sid in SERVICE_BY_ID else "(unknown)")
                log.info("%s %s -> %d (%.1f ms)", request.method, shown, response.status_code, ms)
                return response
            return run
        return wrap

    @endpoint("/cds-services")
    async def discovery(request: Request) -> Response:
        authorise(request)
        return send(Services, {"services": SERVICES})

    def service_of(request: Request) -> dict[str, Any]:
        service = SERVICE_BY_ID.get(request.path_params["id"])
        if service is None:
            raise HttpProblem(404, [("$", "no such CDS service (GET /cds-services lists them)")], "not-found")
        return service

    async def service_and_object(request: Request, expected: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The authorised caller's service and its JSON object body: what a hook and its feedback both read."""
        authorise(request)
        service = service_of(request)
        body = await body_json(request)
        if not isinstance(body, dict):
            raise HttpProblem(400, [("$", f"expected {expected}")], "structure")
        return service, body

    @endpoint("/cds-services/{id}")
    async def hook(request: Request) -> Response:
        service, body = await service_and_object(request, "a CDS Hooks request (a JSON object)")
        call = validated(HookRequest, body)
        if call.hook != service["hook"]:
            raise HttpProblem(400, [("$.hook", f"this service answers {service['hook']!r}, not {call.hook[:40]!r}")])
        context = validated(CONTEXTS[call.hook], call.context, "$.context")
        prefetch = dict(call.prefetch or {})
        lacking = missing_keys(prefetch)
        if lacking and call.fhirServer and call.fhirAuthorization:
            why_not = allowed(call.fhirServer, verified=config.verifier is not None)
            if why_not:
                raise HttpProblem(412, [("$.fhirServer", why_not)], "processing")
            try:
                wanted = [k for k in PREFETCH if prefetch.get(k) is None]  # the medications too, when asked
                prefetch.update(await anyio.to_thread.run_sync(
                    fetch, call.fhirServer, call.fhirAuthorization.access_token, context.patientId, wanted,
                    config.max_body, MEDICATIONS))
            except FetchProblem as exc:
                raise HttpProblem(412, exc.problems, "processing") from None
        try:
            record = read_record(prefetch, context.patientId, datetime.datetime.now(datetime.UTC).date())
        except MissingPrefetch as exc:
            # Neither prefetched nor fetchable (no fhirServer with fhirAuthorization): CDS Hooks' 412.
            raise HttpProblem(412, [(f"$.prefetch.{k}", f"prefetch key {k!r} was absent or null: spinepath "
                                     f"needs {PREFETCH[k]}") for k in exc.keys],
                              "processing") from None
        except NotFhir as exc:
            raise HttpProblem(400, exc.problems) from None
        except NotAPatientRecord as exc:
            if not exc.applicable:
                return send(HookResponse, {"cards": []})  # no primary bone tumour: nothing to say
            return send(HookResponse, {"cards": [card_views.cannot_consult(call.hookInstance, exc.problems,
                                                                           base_url(request))]})

        result = await anyio.to_thread.run_sync(consults.get, record.patient, config.kb)
        token = hmac.new(config.secret, call.hookInstance.encode(), hashlib.sha256).hexdigest()[:32]
        day = datetime.datetime.now(datetime.UTC).date().isoformat()
        briefs.put(token, record.patient, day)  # the brief's whole consult is made when it is opened
        info = card_views.CallInfo(call.hookInstance, f"Patient/{context.patientId}", base_url(request),
                                   f"/brief/{token}", tuple(record.notes))
        if call.hook == "order-select":
            selected = _selected_orders(context.draftOrders, context.selections)
            given = card_views.order_select(result, info, selected)
        else:
            given = card_views.patient_view(result, info)
        response = send(HookResponse, {"cards": given})
        issued = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        try:
            await anyio.to_thread.run_sync(config.feedback.record_cards, issued, service["id"], call.hook,
                                           call.hookInstance, result.patient_id, given)
        except (sqlite3.Error, OSError) as exc:
            # The clinician still gets the cards; only their later feedback cannot be joined to them.
            log.error("feedback database: the cards of this call were not recorded (%s)", type(exc).__name__)
        return response

    @endpoint("/cds-services/{id}/feedback")
    async def feedback(request: Request) -> Response:
        service, body = await service_and_object(request, "a CDS Hooks feedback object ({feedback: [...]})")
        entries = validated(Feedback, body)
        received = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        n = await anyio.to_thread.run_sync(config.feedback.record_feedback, received, service["id"],
                                           [e.model_dump(exclude_none=True) for e in entries.feedback])
        return JSONResponse({"stored": n})

    @endpoint("/brief/{token}")
    async def brief(request: Request) -> Response:
        found = briefs.get(request.path_params["token"])
        if found is None:
            return HTMLResponse("<!doctype html><title>spinepath</title><p>This brief is no longer kept: open the "
                                "patient's chart again.</p>", status_code=404)
        from ..board.brief import build
        from ..board.brief_html import render
        patient, day = found
        result = await anyio.to_thread.run_sync(consults.get, patient, config.kb, True)
        return HTMLResponse(render(build(result, day)), headers={"Cache-Control": "no-store",
                                                                 "Referrer-Policy": "no-referrer"})

    @endpoint("/evidence")
    async def evidence(request: Request) -> Response:
        rs = config.kb.ruleset
        rows = "".join(f"<li id=\"{html.escape(k)}\"><b>[{html.escape(k)}]</b> {html.escape(str(v.get('short', '')))}: "
                       f"{html.escape(str(v.get('citation', '')))}</li>"
                       for k, v in sorted(rs.references.items(), key=lambda kv: (len(kv[0]), kv[0])))
        return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>spinepath evidence</title>"
                            f"<h1>spinepath {html.escape(rs.name)} {html.escape(rs.version)}</h1>"
                            f"<p>Ruleset sha256 {html.escape(rs.sha256)}. The references the rules cite:</p>"
                            f"<ol>{rows}</ol>")

    routes = [Route("/cds-services", discovery, methods=["GET"]),
              Route("/cds-services/{id}", hook, methods=["POST"]),
              Route("/cds-services/{id}/feedback", feedback, methods=["POST"]),
              Route("/brief/{token}", brief, methods=["GET"]),
              Route("/evidence", evidence, methods=["GET"])]
    middleware = []
    if config.cors_origins:
        # CDS Hooks 2.0, "Cross-Origin Resource Sharing": browser-based clients need it; only the origins
        # the operator names, never "*".
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(config.cors_origins),
                                     allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"]))
    return Starlette(routes=routes, middleware=middleware)


def _selected_orders(draft: dict[str, Any], selections: list[str]) -> list[tuple[str, str]]:
    """(reference, spinepath intervention) of each selected draft order coded with spinepath's codes."""
    out = []
    for e in draft.get("entry") or []:
        r = e.get("resource") if isinstance(e, dict) else None
        if not isinstance(r, dict):
            continue
        ref = f"{r.get('resourceType')}/{r.get('id')}"
        if ref in selections:
            out += [(ref, code) for code in card_views.order_codes(r)]
    return out


def default_feedback_db() -> Path:
    import os
    home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(home) / "spinepath" / "feedback.sqlite3"
