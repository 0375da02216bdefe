"""The provisional pathway: what the presumptions add to the firm one, each entry and alert with what
it rests on.

An entry's `assumes` is minimal: starting from the applied presumptions its rule can read (directly,
through a derived value or through a fact another rule derives), each one is dropped in file order
when the rule still holds without it. A presumption the rule did not need is not listed.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from ..evaluate.facts import Facts, prepare
from ..evaluate.incremental import Values, reevaluate
from ..evaluate.knowledge import Knowledge
from ..load.patient import Patient
from ..load.rule_files import Presumption
from .pathway import evidence_refs
from .result import Alert, Assumption, Entry


def assumption(p: Presumption, kb: Knowledge) -> Assumption:
    return Assumption(p.field, p.shown, p.label, p.question, p.reason, evidence_refs(p.evidence, kb), p.settled_by)


def rests_on(kb: Knowledge, patient: Patient, applied: tuple[Presumption, ...], rule_id: str,
             base: Values) -> list[Presumption]:
    """The presumptions `rule_id` needs to hold: a minimal subset of `applied`, in file order. `base` is
    the provisional pass, whose facts every trial re-derives from."""
    graph = kb.graph
    reads = graph.reads[rule_id]
    keep = [p for p in applied if p.field in reads]
    only = graph.upstream[rule_id]
    for p in list(keep):
        trial = [q for q in keep if q is not p]
        values = reevaluate(kb, base, prepare(patient, trial, base=base.facts), only, upstream=True)
        if values.values[rule_id] is True:
            keep = trial
    # A rule that holds on the facts alone gives a provisional entry only when the presumptions changed
    # what supersedes it or its details: then it rests on every presumption it can read.
    return keep or [p for p in applied if p.field in reads] or list(applied)


def capping(presumptions: Iterable[Presumption]) -> tuple[Presumption, ...]:
    """The presumptions an entry may rest on only at a lower strength (`at_most`)."""
    return tuple(p for p in presumptions if p.at_most)


def capped_rules(kb: Knowledge, provisional: Values, uncapped: Values) -> dict[str, Presumption]:
    """The fired rules of the provisional pass that would not hold with the capping presumptions withheld
    (`uncapped`: the same facts without them) and whose own condition reads the capping presumption's field
    (QP-04: a cap applies only to the entries whose condition uses the presumed field), with that
    presumption."""
    return {rid: cap for rid, cap in cap_readers(kb, provisional) if uncapped.values[rid] is not True}


def cap_readers(kb: Knowledge, provisional: Values) -> list[tuple[str, Presumption]]:
    """The fired rules of the provisional pass whose own condition reads a capping presumption's field, each
    with the first such presumption: the only rules a cap can touch, so the only uncapped values it reads."""
    caps = capping(provisional.facts.applied)
    if not caps:
        return []
    reading = _reading(kb, caps)
    return [(rid, reading[rid]) for rid in provisional.fired if rid in reading]


# By the identities of the rules and the caps (the entry holds them, so an identity is never reused here).
_READING: dict[tuple[int, ...], tuple[object, dict[str, Presumption]]] = {}


def _reading(kb: Knowledge, caps: tuple[Presumption, ...]) -> dict[str, Presumption]:
    """Every rule whose own condition reads the field of one of `caps`, with the first such: once per
    knowledge base and caps (the questions ask per answer)."""
    key = (id(kb.rules), *map(id, caps))
    hit = _READING.get(key)
    if hit is None:
        if len(_READING) > 256:  # a long-lived process (serve, mutation testing) with many knowledge bases
            _READING.clear()
        reading: dict[str, Presumption] = {}
        for rid, rule in kb.rules.items():
            own = set(rule.fields())
            cap = next((p for p in caps if p.field in own), None)
            if cap is not None:
                reading[rid] = cap
        hit = _READING[key] = ((kb.rules, caps), reading)
    return hit[1]


def uncapped_facts(patient: Patient, presumptions: tuple[Presumption, ...], provisional: Facts,
                   answers: dict | None = None, derived_answers: dict | None = None) -> Facts | None:
    """The facts with every presumption but the capping ones (None when no capping one applies): a rule
    that holds under the presumptions but not here needs a capping presumption."""
    if not capping(provisional.applied):
        return None
    kept = [p for p in presumptions if not p.at_most]
    return prepare(patient, kept, answers, derived_answers, base=provisional)


def provisional_only(firm: Iterable[Entry], entries: Iterable[Entry]) -> list[Entry]:
    """The entries of the provisional pathway that the firm pathway does not already give."""
    keys = {e.key() for e in firm}
    return [e for e in entries if e.key() not in keys]


def with_assumptions(kb: Knowledge, patient: Patient, entries: list[Entry], alerts: list[Alert],
                     base: Values) -> tuple[list[Entry], list[Alert]]:
    """Provisional entries and alerts, each with the presumptions its rule rests on."""
    needed: dict[str, tuple[Assumption, ...]] = {}

    def assumes(rid: str) -> tuple[Assumption, ...]:
        if rid not in needed:
            needed[rid] = tuple(assumption(p, kb) for p in rests_on(kb, patient, base.facts.applied, rid, base))
        return needed[rid]
    return ([replace(e, assumes=assumes(e.rule)) for e in entries],
            [replace(a, assumes=assumes(a.rule)) for a in alerts])
