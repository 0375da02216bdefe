"""The consult: the firm pathway, the provisional one under the presumptions, and the questions.

load → derive → evaluate → explain: this module runs the two full passes (facts alone, facts with
the presumptions that apply), turns each into a pathway through the one `pathway()`, and assembles
the typed result that every view renders.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..derive import CONTRACT_KEYS, SPECS
from ..evaluate.facts import prepare
from ..evaluate.knowledge import Knowledge, load_knowledge
from ..evaluate.passes import Pass, full_pass
from ..load.patient import Patient
from .pathway import superseded_by
from .plan import consultation
from .provisional import with_assumptions
from .questions import rank_questions
from ..load.rule_files import Action
from .result import Alert, Argument, ConsultResult, Entry, Flag, Missing, Reference, RulesetId, TraceStep

__all__ = ["consult", "consult_knowledge", "load_knowledge"]


def consult_knowledge(patient: Patient, kb: Knowledge, firm: Pass | None = None, questions: bool = True,
                      board_question_only: bool = False) -> ConsultResult:
    """The firm pathway, the provisional one under the presumptions that apply, and the ranked questions
    (with `board_question_only`, the head of their order that decides the question for the board)."""
    firm = firm if firm is not None else full_pass(kb, prepare(patient))
    c = consultation(kb, patient, firm.values())
    entries, prov_alerts = list(c.plan.provisional), list(c.plan.provisional_alerts)
    if c.provisional is not c.firm:
        entries, prov_alerts = with_assumptions(kb, patient, entries, prov_alerts, c.provisional)
    asked = rank_questions(kb, patient, c, for_the_board=board_question_only) if questions else ()
    rs = kb.ruleset
    recommendations = c.firm_pathway.entries
    alerts = c.firm_pathway.alerts
    arguments = c.firm_pathway.arguments
    return ConsultResult(
        patient=patient,
        ruleset=RulesetId(rs.name, rs.version, rs.sha256),
        derived=derived_block(firm),
        flags=flags(firm),
        recommendations=recommendations,
        provisional=tuple(entries),
        alerts=alerts,
        provisional_alerts=tuple(prov_alerts),
        questions=asked,
        missing=missing(kb, firm),
        trace=trace(kb, firm),
        arguments=arguments,
        references=references(kb, recommendations + tuple(entries), alerts + tuple(prov_alerts), arguments),
        questions_complete=not board_question_only,
    )


def consult(patient: Patient, rules_dir: str | Path | None = None) -> ConsultResult:
    return consult_knowledge(patient, load_knowledge(rules_dir))


# ------------------------------------------------------------------------ the parts of the result

def derived_block(ev: Pass) -> dict[str, Any]:
    """Every computed value (those OUTPUT.md names first) and every rule-derived fact."""
    derived = ev.facts.derived
    block: dict[str, Any] = {k: derived[k].value for k in CONTRACT_KEYS}
    for name in SPECS:
        if name not in block:
            block[name] = derived[name].value
    for fact in sorted(ev.rule_facts):
        block[fact] = ev.rule_facts[fact][0]
    return block


def flags(ev: Pass) -> tuple[Flag, ...]:
    out: list[Flag] = []
    for name, d in ev.facts.derived.items():
        for code, message in d.flags:
            if not any(f.code == code and f.message == message for f in out):
                out.append(Flag(code, message, f"derived.{name}"))
    return tuple(out)


def missing(kb: Knowledge, ev: Pass) -> tuple[Missing, ...]:
    """The fields whose value would decide a rule (or a value OUTPUT.md shows) that is unknown now."""
    needed: dict[str, tuple[list[str], list[str]]] = {}

    def add(field: str, needed_for: str, rule: str | None) -> None:
        why, rules = needed.setdefault(field, ([], []))
        if needed_for not in why:
            why.append(needed_for)
        if rule and rule not in rules:
            rules.append(rule)

    for name in CONTRACT_KEYS:
        d = ev.facts.derived[name]
        if d.value is None:
            for f in d.lacked:
                add(f, f"derived.{name}", None)
    for rid, outcome in ev.outcomes.items():
        if outcome.value is None:
            for f in outcome.missing:
                add(f, kb.rules[rid].title, rid)
    return tuple(Missing(f, tuple(needed[f][0]), tuple(sorted(needed[f][1]))) for f in sorted(needed))


def _action_text(a: Action) -> str:
    if a.kind == "recommend":
        return f"{a.strength}: {a.code} ({a.phase})"
    if a.kind == "alert":
        return f"alert {a.code} ({a.severity})"
    return f"argue {a.stance} {a.code}"


def trace(kb: Knowledge, ev: Pass) -> tuple[TraceStep, ...]:
    """The rules that fired, in firing order, with the values they matched and what they did."""
    superseded = superseded_by(kb, ev.fired)
    out = []
    for step, rid in enumerate(ev.fired, 1):
        rule = kb.rules[rid]
        out.append(TraceStep(step, rid, rule.title, ev.outcomes[rid].matched,
                             tuple(f"derived.{a.code}" for a in rule.then if a.kind == "derive"),
                             tuple(_action_text(a) for a in rule.then if a.kind != "derive"),
                             rule.supersedes, superseded.get(rid)))
    return tuple(out)


def references(kb: Knowledge, entries: tuple[Entry, ...], alerts: tuple[Alert, ...],
               arguments: tuple[Argument, ...]) -> tuple[Reference, ...]:
    """Every reference the advice cites: its entries, their arguments and presumptions, the rules behind
    its alerts."""
    ids: list[str] = []
    for e in entries:
        ids += [r.ref_id for r in e.evidence] + [r.ref_id for a in e.arguments for r in a.evidence]
        ids += [r.ref_id for a in e.assumes for r in a.evidence]
    for arg in arguments:
        ids += [r.ref_id for r in arg.evidence]
    for alert in alerts:
        ids += [e.ref for e in kb.rules[alert.rule].evidence]
        ids += [r.ref_id for a in alert.assumes for r in a.evidence]
    refs = kb.ruleset.references
    return tuple(Reference(i, refs[i]["short"], refs[i]["citation"]) for i in sorted(set(ids), key=lambda x: (len(x), x)))
