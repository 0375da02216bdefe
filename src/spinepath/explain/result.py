"""The consult result, typed: what every view reads, and the one place it becomes JSON.

`ConsultResult.to_json()` writes the contract of ../shared/spec/OUTPUT.md (format
`spinepath.consult/1`) and nothing else writes it. The views (text, Markdown, the brief, the board
pack, teaching, FHIR, batch) read these objects' attributes; the result also carries the patient it
is about, so no view needs the patient on the side.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..load.patient import Patient

FORMAT = "spinepath.consult/1"
MDT_STATEMENT = ("spinepath supports, and does not replace, the decision of a multidisciplinary "
                 "spine-oncology tumour board.")
SEVERITIES = ("critical", "warning", "info")

Details = dict[str, Any]


def details_key(details: Details) -> str:
    """Details as a comparable key (the same details, whatever their order)."""
    if not details:
        return "{}"  # what json.dumps writes, for most entries, without its cost
    return json.dumps(details, sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class EvidenceRef:
    ref: str  # the reference's short name
    level: str  # the quality of the evidence, as the source grades it
    ref_id: str
    note: str | None = None

    def to_json(self) -> dict:
        return {"ref": self.ref, "level": self.level, "ref_id": self.ref_id, **({"note": self.note} if self.note else {})}


def _evidence_json(evidence: tuple[EvidenceRef, ...]) -> list[dict]:
    return [e.to_json() for e in evidence]


@dataclass(frozen=True)
class Argument:
    """A rule arguing for or against an option another rule proposes."""

    stance: str  # for | against
    rule: str
    rationale: str
    evidence: tuple[EvidenceRef, ...]
    intervention: str = ""  # set when no entry takes it (a loose argument)
    phase: str | None = None

    def to_json(self, loose: bool = False) -> dict:
        head = ({"intervention": self.intervention, **({"phase": self.phase} if self.phase else {})} if loose else {})
        return {**head, "stance": self.stance, "rule": self.rule, "rationale": self.rationale,
                "evidence": _evidence_json(self.evidence)}


@dataclass(frozen=True)
class Alternative:
    """What another rule advises for the same decision: another strength, or details the lead lacks."""

    rule: str
    strength: str
    details: Details
    rationale: str
    evidence: tuple[EvidenceRef, ...]

    def to_json(self) -> dict:
        return {"rule": self.rule, "strength": self.strength, "details": self.details, "rationale": self.rationale,
                "evidence": _evidence_json(self.evidence)}


@dataclass(frozen=True)
class Assumption:
    """A presumption an entry or alert rests on, with the question that settles it."""

    field: str
    presumed: Any  # the value, or {"below": N}
    label: str
    question: str
    reason: str
    evidence: tuple[EvidenceRef, ...]
    settled_by: str | None = None

    def to_json(self) -> dict:
        return {"field": self.field, "presumed": self.presumed, "label": self.label, "question": self.question,
                "reason": self.reason, "evidence": _evidence_json(self.evidence),
                **({"settled_by": self.settled_by} if self.settled_by else {})}


@dataclass(frozen=True)
class Entry:
    """One decision of the pathway: an intervention in a phase, how strongly, why, on what evidence."""

    intervention: str
    phase: str
    strength: str  # recommended | consider | avoid
    details: Details
    rationale: str
    rule: str
    evidence: tuple[EvidenceRef, ...]
    blocked: str | None = None  # the histology-first safety net turned it into avoid
    also_by: tuple[str, ...] = ()
    arguments: tuple[Argument, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    assumes: tuple[Assumption, ...] = ()  # provisional entries: the presumptions it rests on
    capped_by: str | None = None  # provisional entries: the presumed field that holds it at a lower strength
    capped_reason: str | None = None  # and why (the presumption's cap_reason)

    @cached_property
    def _key(self) -> tuple[str, str, str, str]:
        return (self.intervention, self.phase, self.strength, details_key(self.details))

    def key(self) -> tuple[str, str, str, str]:
        """What makes two entries the same advice."""
        return self._key

    def to_json(self) -> dict:
        out: dict[str, Any] = {"intervention": self.intervention, "phase": self.phase, "strength": self.strength,
                               "details": self.details, "rationale": self.rationale, "rule": self.rule,
                               "evidence": _evidence_json(self.evidence)}
        if self.blocked:
            out["blocked"] = self.blocked
        if self.also_by:
            out["also_by"] = list(self.also_by)
        if self.arguments:
            out["arguments"] = [a.to_json() for a in self.arguments]
        if self.alternatives:
            out["alternatives"] = [a.to_json() for a in self.alternatives]
        if self.assumes:
            out["assumes"] = [a.to_json() for a in self.assumes]
        if self.capped_by:
            out["capped_by"] = self.capped_by
        if self.capped_reason:
            out["capped_reason"] = self.capped_reason
        return out


@dataclass(frozen=True)
class Alert:
    code: str
    severity: str  # critical | warning | info
    message: str
    rule: str
    assumes: tuple[Assumption, ...] = ()  # provisional alerts: the presumptions it rests on

    def key(self) -> tuple[str, str, str]:
        return (self.code, self.rule, self.message)

    def to_json(self) -> dict:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity, "message": self.message, "rule": self.rule}
        if self.assumes:
            out["assumes"] = [a.to_json() for a in self.assumes]
        return out


@dataclass(frozen=True)
class Missing:
    """A field whose value would decide rules (or a derived value) that are unknown now."""

    field: str
    needed_for: tuple[str, ...]  # rule titles, or derived.X
    rules: tuple[str, ...]

    def to_json(self) -> dict:
        return {"field": self.field, "needed_for": "; ".join(self.needed_for), "rules": list(self.rules)}


@dataclass(frozen=True)
class TraceStep:
    step: int
    rule: str
    title: str
    matched: dict[str, Any]
    asserted: tuple[str, ...]
    actions: tuple[str, ...]
    supersedes: tuple[str, ...] = ()
    superseded_by: str | None = None

    def to_json(self) -> dict:
        out: dict[str, Any] = {"step": self.step, "rule": self.rule, "title": self.title, "matched": self.matched,
                               "asserted": list(self.asserted), "actions": list(self.actions)}
        if self.supersedes:
            out["supersedes"] = list(self.supersedes)
        if self.superseded_by:
            out["superseded_by"] = self.superseded_by
        return out


@dataclass(frozen=True)
class Change:
    """One effect of an answer on the plan (firm and provisional entries together)."""

    change: str  # added | removed | strength | details | firm | provisional
    intervention: str
    phase: str
    strength: str
    firm: bool | None = None  # added, strength, details: whether the new entry holds on the facts alone
    from_strength: str | None = None  # strength: the strength before
    details: Details | None = None  # details: the details after; added: the new entry's details

    def to_json(self) -> dict:
        out: dict[str, Any] = {"change": self.change, "intervention": self.intervention, "phase": self.phase,
                               "strength": self.strength}
        if self.change == "strength":
            out["from"] = self.from_strength
        if self.change == "details" or (self.change == "added" and self.details):
            out["details"] = self.details
        if self.change in ("added", "strength", "details"):
            out["firm"] = self.firm
        return out


@dataclass(frozen=True)
class AnswerEffect:
    answer: Any
    label: str
    changes: tuple[Change, ...]

    def to_json(self) -> dict:
        return {"answer": self.answer, "label": self.label, "changes": [c.to_json() for c in self.changes]}


@dataclass(frozen=True)
class Question:
    field: str
    text: str
    answers: tuple[AnswerEffect, ...]
    confirms: tuple[tuple[str, Any], ...]  # (presumed field, presumed value) that an answer settles
    changes_treatment: bool
    reason: str = ""  # why it ranks where it does: emergency, changes treatment, confirms a presumption, ...
    why: str = ""  # the rank's reason in a clinician's words (QP-01's group)
    settled_by: tuple[str, ...] = ()  # a derived value asked: the patient fields that settle it

    def to_json(self) -> dict:
        out: dict[str, Any] = {"field": self.field, "text": self.text, "answers": [a.to_json() for a in self.answers]}
        if self.confirms:
            out["confirms"] = [{"field": f, "presumed": v} for f, v in self.confirms]
        out["changes_treatment"] = self.changes_treatment
        out["reason"] = self.reason
        if self.why:
            out["why"] = self.why
        if self.settled_by:
            out["settled_by"] = list(self.settled_by)
        return out


@dataclass(frozen=True)
class Reference:
    ref_id: str
    short: str
    citation: str

    def to_json(self) -> dict:
        return {"ref_id": self.ref_id, "short": self.short, "citation": self.citation}


@dataclass(frozen=True)
class RulesetId:
    name: str
    version: str
    sha256: str


@dataclass(frozen=True)
class Flag:
    """A note of a derivation for the reader (e.g. the work-up was not recorded)."""

    code: str
    message: str
    source: str  # derived.X


@dataclass(frozen=True)
class ConsultResult:
    patient: Patient  # the file's patient (views show it; never written into the JSON)
    ruleset: RulesetId
    derived: dict[str, Any]  # every computed value and rule-derived fact (None: not known)
    flags: tuple[Flag, ...]
    recommendations: tuple[Entry, ...]  # the firm pathway: what holds on the facts alone
    provisional: tuple[Entry, ...]  # what the presumptions add, each with what it rests on
    alerts: tuple[Alert, ...]
    provisional_alerts: tuple[Alert, ...]  # alerts that hold only under presumptions, with them
    questions: tuple[Question, ...]
    missing: tuple[Missing, ...]
    trace: tuple[TraceStep, ...]
    arguments: tuple[Argument, ...]  # arguments about options no entry proposes
    references: tuple[Reference, ...]
    # False when only the head of the questions' order was ranked, as far as the question for the board
    # (a CDS Hooks card): such a result is never written whole (to_json_data refuses it).
    questions_complete: bool = True

    @property
    def patient_id(self) -> str:
        return self.patient.id

    @property
    def statement(self) -> str:
        return MDT_STATEMENT

    @property
    def question_for_the_board(self) -> Question | None:
        """The question the board must answer (issue 21): the emergency when there is one, otherwise the
        first question that changes treatment, otherwise the first question."""
        for wanted in (lambda q: q.reason == "emergency", lambda q: q.changes_treatment, lambda q: True):
            found = next((q for q in self.questions if wanted(q)), None)
            if found is not None:
                return found
        return None

    def value(self, name: str) -> Any:
        """A computed value or rule-derived fact by its name (`region`, `en_bloc_technique`), None when not
        known. The names are those of derive.SPECS and the rules' facts: data, not the result's structure."""
        return self.derived.get(name.removeprefix("derived."))

    def to_json_data(self) -> dict:
        """The contract of OUTPUT.md, keys in its order."""
        if not self.questions_complete:  # its questions would be silently short
            raise RuntimeError("a consult ranked only as far as the question for the board is not written whole")
        out: dict[str, Any] = {
            "format": FORMAT,
            "patient_id": self.patient_id,
            "ruleset": {"name": self.ruleset.name, "version": self.ruleset.version, "sha256": self.ruleset.sha256},
            "derived": {**self.derived, "flags": [{"code": f.code, "message": f.message, "source": f.source}
                                                  for f in self.flags]},
            "recommendations": [e.to_json() for e in self.recommendations],
            "provisional": [e.to_json() for e in self.provisional],
            "alerts": [a.to_json() for a in self.alerts],
        }
        if self.provisional_alerts:
            out["provisional_alerts"] = [a.to_json() for a in self.provisional_alerts]
        out["questions"] = [q.to_json() for q in self.questions]
        out["missing"] = [m.to_json() for m in self.missing]
        out["trace"] = [t.to_json() for t in self.trace]
        if self.arguments:
            out["arguments"] = [a.to_json(loose=True) for a in self.arguments]
        out["references"] = [r.to_json() for r in self.references]
        out["statement"] = self.statement
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_json_data(), indent=2, ensure_ascii=False) + "\n"
