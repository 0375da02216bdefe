"""The consult result as CDS Hooks cards: a view like the others, it lays out the typed result of
explain/ and computes no clinical fact, so the cards say what `spinepath consult` says.

Few cards, graded (docs/cds-hooks.md):
- each firm critical alert, a `critical` card;
- the firm warnings together, one `warning` card;
- the firm plan, one `info` card, with a suggestion (a draft ServiceRequest, the one the FHIR view
  writes) for each recommended entry;
- the provisional plan with the presumptions it rests on, one `info` card (`warning` when a critical
  alert holds under the presumptions);
- the question for the board (QP-01's first), one card, `warning` when it is an emergency question;
- for order-select, a `warning` card for each selected order that the plan says to avoid.
Every card has a summary under 140 characters, Markdown detail, the ruleset's name and version as its
source with a link to the evidence, a link to the patient's brief, and a uuid derived from the hook
call (the same call gets the same bytes). Each card carries, as the CDS Hooks extension
`org.spinepath`, the codes it shows (entries, alerts), so a test or an audit can compare it with the
consult without reading prose.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Sequence

from ..explain.result import Alert, ConsultResult, Entry
from ..load.interventions import said
from ..render import PHASE_TITLES, answers_with_changes, details_text, evidence_short, grouped_by_phase, presumed_text, question_head
from ..render.fhir import INTERVENTION_SYSTEM, service_request

SUMMARY_MAX = 139  # "One-sentence, <140-character summary" (CDS Hooks 2.0, Card Attributes)
EXTENSION = "org.spinepath"
TOPIC_SYSTEM = "urn:spinepath:card"
# The override reasons offered on every card: the CDS Hooks non-adherence reason categories
# (HL7/cds-hooks input/vocabulary/CodeSystem-non-adherence-reason-codes.json), display as published.
NON_ADHERENCE_SYSTEM = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"
NON_ADHERENCE = (("cds-not-applicable", "PC CDS does not apply to patient"),
                 ("cds-suboptimal-context", "PC CDS delivered in suboptimal context"),
                 ("recipient-disagrees-evidence",
                  "Recipient disagrees with recommendation because of issues with the evidence"),
                 ("recipient-concerns-outcomes", "Recipient has concerns regarding potential health outcomes"),
                 ("does-not-align-preferences", "Recommendation does not align with patient preferences or values"),
                 ("not-convenient-feasible", "Recommendation is not convenient or feasible"))
OVERRIDE_REASONS = [{"system": NON_ADHERENCE_SYSTEM, "code": c, "display": d} for c, d in NON_ADHERENCE]
KIND_TITLES = {"alert": "Critical alert", "warnings": "Warnings", "firm": "Firm plan",
               "provisional": "Provisional plan", "question": "Question for the board", "order": "Selected order"}


@dataclass(frozen=True)
class CallInfo:
    """What a card needs from the hook call besides the result."""

    hook_instance: str
    patient_ref: str  # Patient/{context.patientId}: the subject of suggested orders
    base_url: str  # where this service is reached, for the brief and evidence links
    brief_path: str  # /brief/{token}
    notes: tuple[str, ...] = ()  # what the import left out or did not read, said on the plan card


def shorten(text: str, limit: int = SUMMARY_MAX) -> str:
    """The first sentence, cut at a word with an ellipsis when it is longer than the limit."""
    text = " ".join(text.split())
    first = text.split(". ")[0].rstrip(".")
    first = first if len(first) <= limit else first[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:—-") + "…"
    return first


def _md(text: str) -> str:
    """Text of the knowledge base or the record inside Markdown: no character starts markup or HTML."""
    for ch in ("\\", "`", "*", "_", "[", "]", "<", ">", "|", "#"):
        text = text.replace(ch, "\\" + ch)
    return text


def _entry_line(e: Entry, presumed: bool = False) -> str:
    details = f" ({_md(details_text(e.details))})" if e.details else ""
    blocked = f" **{_md(e.blocked)}**" if e.blocked else ""
    assumes = f" — if {_md('; '.join(presumed_text(a) for a in e.assumes))}" if presumed and e.assumes else ""
    evidence = f"; evidence: {_md(evidence_short(e.evidence))}" if e.evidence else ""
    return (f"- **{said(e.strength)}** {_md(said(e.intervention))}{details}{blocked}{assumes}: {_md(e.rationale)} "
            f"_(rule {_md(e.rule)}{evidence})_")


def _plan_lines(entries: Sequence[Entry], presumed: bool = False) -> list[str]:
    lines: list[str] = []
    for phase, group in grouped_by_phase(entries):
        lines.append(f"**{PHASE_TITLES.get(phase, phase)}**")
        lines += [_entry_line(e, presumed) for e in group]
        lines.append("")
    return lines


def _alert_line(a: Alert) -> str:
    return f"- **{a.severity}** {_md(a.message)} _(rule {_md(a.rule)})_"


def _entry_codes(entries: Sequence[Entry]) -> list[dict[str, str]]:
    return [{"intervention": e.intervention, "phase": e.phase, "strength": e.strength, "rule": e.rule}
            for e in entries]


class Cards:
    """The cards of one hook call, each built from the result and numbered for its uuid."""

    def __init__(self, result: ConsultResult, call: CallInfo):
        self.result = result
        self.call = call
        self.out: list[dict[str, Any]] = []

    def card(self, kind: str, indicator: str, summary: str, detail: list[str], codes: dict[str, Any],
             suggestions: list[dict[str, Any]] | None = None, selection: str = "any") -> None:
        rs = self.result.ruleset
        n = len(self.out)
        card: dict[str, Any] = {
            "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:spinepath:card:{self.call.hook_instance}:{n}:{kind}")),
            "summary": shorten(summary),
            "detail": "\n".join(detail + ["", f"_{_md(self.result.statement)}_"]).strip() + "\n",
            "indicator": indicator,
            "source": {"label": f"spinepath {rs.name} {rs.version}",
                       "url": f"{self.call.base_url}/evidence",
                       "topic": {"system": TOPIC_SYSTEM, "code": kind, "display": KIND_TITLES[kind]}},
        }
        if suggestions:
            card["suggestions"] = suggestions
            card["selectionBehavior"] = selection
        card["overrideReasons"] = OVERRIDE_REASONS
        card["links"] = [{"label": "Tumour-board brief (spinepath)", "url": f"{self.call.base_url}{self.call.brief_path}",
                          "type": "absolute"}]
        card["extension"] = {EXTENSION: {"kind": kind, "ruleset": {"name": rs.name, "version": rs.version,
                                                                   "sha256": rs.sha256}, **codes}}
        self.out.append(card)

    def _suggestion_uuid(self, key: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:spinepath:suggestion:{self.call.hook_instance}:{key}"))

    # ------------------------------------------------------------------------------ the cards

    def critical_alerts(self) -> None:
        for a in self.result.alerts:
            if a.severity == "critical":
                self.card("alert", "critical", a.message, [_alert_line(a)],
                          {"alerts": [{"code": a.code, "severity": a.severity, "rule": a.rule}]})

    def warnings(self) -> None:
        shown = [a for a in self.result.alerts if a.severity == "warning"]
        if not shown:
            return
        summary = shown[0].message if len(shown) == 1 else f"{len(shown)} warnings: " + "; ".join(
            said(a.code) for a in shown)
        self.card("warnings", "warning", summary, [_alert_line(a) for a in shown],
                  {"alerts": [{"code": a.code, "severity": a.severity, "rule": a.rule} for a in shown]})

    def firm_plan(self) -> None:
        r = self.result
        recommended = [e for e in r.recommendations if e.strength == "recommended"]
        consider = [e for e in r.recommendations if e.strength == "consider"]
        parts = [f"{said(strength)} " + ", ".join(dict.fromkeys(said(e.intervention) for e in group))
                 for strength, group in (("recommended", recommended), ("consider", consider)) if group]
        if parts:
            summary = "Firm plan: " + "; ".join(parts)
        elif r.recommendations:
            summary = "Firm plan: only what to avoid is settled; see the details and the questions"
        else:
            summary = "No firm plan yet: the record does not settle one (see the questions)"
        detail = ["Holds on the recorded facts alone (firm).", ""] + _plan_lines(r.recommendations)
        info = [a for a in r.alerts if a.severity == "info"]
        if info:
            detail += ["**Notes**"] + [_alert_line(a) for a in info] + [""]
        if self.call.notes:
            detail += ["**Read from the record**"] + [f"- {_md(n)}" for n in self.call.notes] + [""]
        suggestions: list[dict[str, Any]] = []
        suggested: list[str] = []
        for i, e in enumerate(r.recommendations, 1):
            if e.strength != "recommended":
                continue
            suggested.append(e.intervention)
            key = f"firm-{i}"  # the key of render/fhir.py's bundle: the same ServiceRequest id
            suggestions.append({"label": f"Order: {said(e.intervention)}"[:120], "uuid": self._suggestion_uuid(key),
                                "actions": [{"type": "create",
                                             "description": f"Draft order for {said(e.intervention)} "
                                                            f"({PHASE_TITLES.get(e.phase, e.phase).lower()}), "
                                                            f"rule {e.rule}",
                                             "resource": service_request(r.patient_id, self.call.patient_ref, e,
                                                                         key)}]})
        self.card("firm", "info", summary, detail,
                  {"entries": _entry_codes(r.recommendations),
                   "suggested": suggested},
                  suggestions)

    def provisional_plan(self) -> None:
        r = self.result
        if not r.provisional and not r.provisional_alerts:
            return
        presumptions: list[str] = []
        for e in list(r.provisional) + list(r.provisional_alerts):
            for a in e.assumes:
                if presumed_text(a) not in presumptions:
                    presumptions.append(presumed_text(a))
        summary = f"Provisional, if {'; '.join(presumptions) or 'the presumptions hold'}"
        detail = ["Holds only if the presumptions below are true; each question settles one.", "",
                  "**Presumed**"] + [f"- {_md(p)}" for p in presumptions] + [""]
        detail += _plan_lines(r.provisional, presumed=True)
        if r.provisional_alerts:
            detail += ["**Alerts under the presumptions**"] + [_alert_line(a) for a in r.provisional_alerts]
        # A critical alert that holds only under the presumptions is not a firm critical card, but it is
        # more than information: the card is a warning, so that the presumption gets checked.
        graded = "warning" if any(a.severity == "critical" for a in r.provisional_alerts) else "info"
        self.card("provisional", graded, summary, detail,
                  {"entries": _entry_codes(r.provisional),
                   "alerts": [{"code": a.code, "severity": a.severity, "rule": a.rule} for a in r.provisional_alerts]})

    def question(self) -> None:
        q = self.result.question_for_the_board
        if q is None:
            return
        detail = [_md(question_head(q)), ""]
        if q.why:
            detail += [f"Why first: {_md(q.why)}", ""]
        for label, changes in answers_with_changes(q, limit=4):
            detail.append(f"- If **{_md(label)}**: {_md('; '.join(changes))}")
        self.card("question", "warning" if q.reason == "emergency" else "info", f"Ask: {q.text}", detail,
                  {"question": {"field": q.field, "reason": q.reason}})

    def avoided_orders(self, selected: Sequence[tuple[str, str]]) -> None:
        """(order reference, spinepath intervention code) of the selected orders: a warning for each that
        the firm or provisional plan says to avoid."""
        r = self.result
        for ref, code in selected:
            for e, firm in [(e, True) for e in r.recommendations] + [(e, False) for e in r.provisional]:
                if e.intervention != code or e.strength != "avoid":
                    continue
                why = e.blocked or e.rationale
                summary = f"Avoid {said(code)} for this patient: {why}"
                detail = [f"The selected order {_md(ref)} is **{said(code)}**, which spinepath's "
                          f"{'firm' if firm else 'provisional'} plan says to avoid.", "",
                          _entry_line(e, presumed=not firm)]
                self.card("order", "warning", summary, detail,
                          {"order": ref, "entries": _entry_codes([e]), "firm": firm},
                          [{"label": f"Remove the order for {said(code)}"[:120],
                            "uuid": self._suggestion_uuid(f"remove:{ref}"),
                            "actions": [{"type": "delete", "description": f"Remove the draft order {ref}",
                                         "resourceId": ref}]}], selection="at-most-one")
                break


def patient_view(result: ConsultResult, call: CallInfo) -> list[dict[str, Any]]:
    c = Cards(result, call)
    c.critical_alerts()
    c.warnings()
    c.firm_plan()
    c.provisional_plan()
    c.question()
    return c.out


def order_select(result: ConsultResult, call: CallInfo, selected: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """For an order being chosen: the critical alerts and a warning for each selected order to avoid."""
    c = Cards(result, call)
    c.critical_alerts()
    c.avoided_orders(selected)
    return c.out


def cannot_consult(call_hook_instance: str, problems: Sequence[tuple[str, str]], base_url: str) -> dict[str, Any]:
    """One card when the record cannot be read into a patient (problems at the prefetch's JSON paths)."""
    lines = [f"- `{at}`: {_md(message)}" for at, message in problems[:12]]
    return {"uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:spinepath:card:{call_hook_instance}:unreadable")),
            "summary": "spinepath cannot advise: the record lacks what it needs (see details)",
            "detail": "The prefetched record could not be read into a patient:\n\n" + "\n".join(lines) + "\n",
            "indicator": "info",
            "source": {"label": "spinepath", "url": f"{base_url}/evidence",
                       "topic": {"system": TOPIC_SYSTEM, "code": "unreadable", "display": "Record not readable"}}}


def order_codes(resource: dict[str, Any]) -> list[str]:
    """The spinepath intervention codes an order names (its code's codings in urn:spinepath:intervention).
    Orders coded only in other systems are not matched: no mapping from SNOMED CT or CPT procedure codes
    to spinepath's interventions is sourced yet, and a guessed one would warn wrongly or stay silent."""
    concepts = [resource.get("code"), resource.get("medicationCodeableConcept")]
    out = []
    for concept in concepts:
        if isinstance(concept, dict):
            for c in concept.get("coding") or []:
                if isinstance(c, dict) and c.get("system") == INTERVENTION_SYSTEM and isinstance(c.get("code"), str):
                    out.append(c["code"])
    return out
