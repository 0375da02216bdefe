"""The CDS Hooks 2.0 exchange as pydantic models: the discovery response, the hook request, the response
with its cards, and the feedback, each with the specification's invariants.

Made from HL7/cds-hooks (commit fb10ca773a846b36457137e57e137c693a99e48c): the logical models
input/fsh/logicals/CDSHooks{Services,Request,Response,Feedback}.fsh, the invariants
input/fsh/invariants/cds-r-1, cds-resp-1 ... cds-resp-7 and cds-fb-1 ... cds-fb-3, and the tables of
input/pagecontent/index.md (Discovery, Calling a CDS Service, Card Attributes, Feedback, Data Types) and
of the hook pages patient-view and order-select (unused-pages/*.md, hook version 1.0). Where the
FSH and the prose differ, the stricter is kept and said: an action's `description` (REQUIRED in the
prose table, 0..1 with cds-resp-5 in the FSH) and a delete's resourceId (cds-resp-2 is a warning;
spinepath's own responses treat it as an error).

The service validates every request with these models (a body they refuse answers 400 with the JSON
path), and every response before it is sent, so spinepath never answers outside the specification.
"""
from __future__ import annotations

import datetime
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SPEC = "HL7/cds-hooks fb10ca77, CDS Hooks 2.0"
# The hooks spinepath answers, and the context each carries (hook pages, hookVersion 1.0).
HOOKS = ("patient-view", "order-select")


def _uuid(value: str) -> str:
    """A uuid as CDS Hooks writes it (the plain form; `urn:uuid:` is implied, CDSHooksFeedback.fsh)."""
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f"expected a UUID (e.g. 4e0a3a1e-3283-4575-ab82-028d55fe2719); got {value!r:.60}") from None
    return value


class Element(BaseModel):
    """CDSHooksElement: every object may carry `extension`, an object of named extensions."""

    model_config = ConfigDict(extra="forbid")
    extension: dict[str, Any] | None = None


class Lenient(Element):
    """What a CDS Client sends: fields a later version adds are ignored, never refused."""

    model_config = ConfigDict(extra="ignore")


class Coding(Element):
    """Data Types, Coding: code and system REQUIRED, display CONDITIONAL."""

    code: str = Field(min_length=1)
    system: str = Field(min_length=1)
    display: str | None = None


# ------------------------------------------------------------------------------------------ discovery

class Service(Element):
    hook: str = Field(min_length=1)
    title: str | None = None
    description: str = Field(min_length=1)
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._~-]+$")  # the {id} segment of the URL
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None
    version: str | None = None
    hookVersion: str | None = None


class Services(Element):
    services: list[Service]


# ------------------------------------------------------------------------------------------ request

class FhirAuthorization(Lenient):
    access_token: str = Field(min_length=1)
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    subject: str
    patient: str | None = None


class HookRequest(Lenient):
    hook: str = Field(min_length=1)
    hookInstance: str
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None

    _check_instance = field_validator("hookInstance")(_uuid)

    @field_validator("fhirServer")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("expected the base URL of the client's FHIR server (https://...)")
        return value

    @model_validator(mode="after")
    def _cds_r_1(self) -> HookRequest:
        if self.fhirAuthorization is not None and self.fhirServer is None:
            raise ValueError("cds-r-1: if fhirAuthorization details are provided, a fhirServer SHALL be specified")
        return self


class PatientViewContext(Lenient):
    """patient-view 1.0: userId and patientId REQUIRED, encounterId OPTIONAL."""

    userId: str = Field(min_length=1)
    patientId: str = Field(min_length=1)
    encounterId: str | None = None


class OrderSelectContext(PatientViewContext):
    """order-select 1.0: and the newly selected orders (ids in draftOrders) and the draft orders Bundle."""

    selections: list[str] = Field(min_length=1)
    draftOrders: dict[str, Any]

    @field_validator("draftOrders")
    @classmethod
    def _bundle(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value.get("resourceType") != "Bundle":
            raise ValueError("expected a FHIR Bundle of the unsigned orders (resourceType: Bundle)")
        return value


CONTEXTS: dict[str, type[PatientViewContext]] = {"patient-view": PatientViewContext,
                                                 "order-select": OrderSelectContext}


# ------------------------------------------------------------------------------------------ response

class Source(Element):
    label: str = Field(min_length=1)
    url: str | None = None
    icon: str | None = None
    topic: Coding | None = None


class Action(Element):
    type: Literal["create", "update", "delete"]
    description: str = Field(min_length=1)  # cds-resp-5 (and REQUIRED in the prose table)
    resource: dict[str, Any] | None = None
    resourceId: str | None = None

    @model_validator(mode="after")
    def _resource(self) -> Action:
        if self.type in ("create", "update") and not self.resource:
            raise ValueError(f"a {self.type} action SHALL contain the resource (Card Attributes, Action)")
        if self.type == "delete" and (self.resourceId is None or self.resource is not None):
            raise ValueError("cds-resp-2: a resourceId not a resource must be provided when type = delete")
        return self


class Suggestion(Element):
    label: str = Field(min_length=1)
    uuid: str | None = None
    isRecommended: bool | None = None
    actions: list[Action] | None = None
    # cds-resp-7: all | any | at-most-one
    actionSelectionBehavior: Literal["all", "any", "at-most-one"] | None = None

    _check_uuid = field_validator("uuid")(lambda v: v if v is None else _uuid(v))


class Link(Element):
    label: str = Field(min_length=1)
    url: str = Field(min_length=1)
    type: Literal["absolute", "smart"]
    appContext: str | None = None
    autolaunchable: bool | None = None

    @model_validator(mode="after")
    def _cds_resp_3(self) -> Link:
        if self.type != "smart" and self.appContext is not None:
            raise ValueError("cds-resp-3: appContext only for smart apps")
        return self


class Card(Element):
    uuid: str | None = None
    summary: str = Field(min_length=1, max_length=139)  # "One-sentence, <140-character summary"
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    suggestions: list[Suggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    overrideReasons: list[Coding] | None = None
    links: list[Link] | None = None

    _check_uuid = field_validator("uuid")(lambda v: v if v is None else _uuid(v))

    @model_validator(mode="after")
    def _invariants(self) -> Card:
        if self.suggestions and self.selectionBehavior is None:
            raise ValueError("cds-resp-6: if suggestions are present, selectionBehavior MUST also be provided")
        if self.selectionBehavior == "at-most-one" and sum(bool(s.isRecommended) for s in self.suggestions or []) > 1:
            raise ValueError("cds-resp-1: only one action can be suggested if selectionBehavior = at-most-one")
        if any(r.display is None for r in self.overrideReasons or []):
            raise ValueError("cds-resp-4: the CDS Service MUST populate a display value for each reason's Coding")
        return self


class SystemAction(Action):
    description: str | None = None  # type: ignore[assignment]  # "description is optional for systemAction"


class HookResponse(Element):
    cards: list[Card]
    systemActions: list[SystemAction] | None = None


# ------------------------------------------------------------------------------------------ feedback

class AcceptedSuggestion(Lenient):
    id: str

    _check_id = field_validator("id")(_uuid)


class OverrideReason(Lenient):
    reason: Coding | None = None
    userComment: str | None = None

    @model_validator(mode="after")
    def _cds_fb_3(self) -> OverrideReason:
        if self.reason is None and self.userComment is None:
            raise ValueError("cds-fb-3: an overrideReason must contain a reason, a userComment, or both")
        return self


class FeedbackEntry(Lenient):
    card: str
    outcome: str
    acceptedSuggestions: list[AcceptedSuggestion] | None = None
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: str

    _check_card = field_validator("card")(_uuid)

    @field_validator("outcomeTimestamp")
    @classmethod
    def _instant(cls, value: str) -> str:
        """ISO 8601 in UTC as profiled by RFC 3339 section 5.6 (e.g. 1985-04-12T23:20:50.52Z)."""
        try:
            when = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            when = None
        if when is None or "T" not in value or when.tzinfo is None:
            raise ValueError(f"expected an RFC 3339 date-time with its offset (1985-04-12T23:20:50.52Z); got {value!r:.60}")
        return value

    @model_validator(mode="after")
    def _cds_fb(self) -> FeedbackEntry:
        if self.outcome not in ("accepted", "overridden"):
            raise ValueError("cds-fb-1: outcome must be 'accepted' or 'overridden'")
        if self.outcome == "accepted" and not self.acceptedSuggestions:
            raise ValueError("cds-fb-2: if outcome is 'accepted', acceptedSuggestions SHALL be provided")
        return self


class Feedback(Lenient):
    feedback: list[FeedbackEntry]


# ------------------------------------------------------------------------------------------ errors

def json_path(loc: tuple[Any, ...], root: str = "$") -> str:
    out = root
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def problems(exc: ValidationError, root: str = "$") -> list[tuple[str, str]]:
    """(JSON path, message) for each error; a model's own check (an invariant) is said without pydantic's
    prefix."""
    out = []
    for e in exc.errors(include_url=False, include_input=False):
        message = str(e["msg"]).removeprefix("Value error, ")
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        out.append((json_path(loc, root), message))
    return out
