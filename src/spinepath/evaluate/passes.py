"""A full pass: every rule of the knowledge base evaluated on one set of facts.

durable-rules decides: each rule's positive pattern fires when the rule is true and its negative
pattern when it is definitely false, so the engine gives true, false or unknown for every rule. The
Python three-valued evaluator explains: which data are missing, which values matched, the lines of
`spinepath explain`. The two must give the same value for every rule, or the pass stops with an
internal error (exit 1): a silent disagreement would be a wrong recommendation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..load.patient import Patient
from ..load.rule_files import Presumption
from ..load.rule_files import Rule
from .engine import InternalError
from .facts import Facts, Lookup, RuleFact, Values, fact_value, prepare
from .knowledge import Knowledge
from .threevalued import Outcome, Tri, evaluate


@dataclass(frozen=True)
class Pass:
    """What one pass found: each rule's outcome (value and explanation) and the facts rules derived."""

    facts: Facts
    outcomes: Mapping[str, Outcome]  # every rule, in evaluation order
    rule_facts: Mapping[str, RuleFact]  # derived fact -> (value, the fields that would decide it)
    fired: tuple[str, ...]  # the rules that are true, in firing order

    @property
    def patient(self) -> Patient:
        return self.facts.patient

    def value(self, rule_id: str) -> Tri:
        return self.outcomes[rule_id].value

    def lookup(self) -> Lookup:
        return self.facts.lookup(self.rule_facts)

    def values(self) -> Values:
        """The values alone: what a pathway is built from and what re-evaluation starts from."""
        return Values(self.facts, {rid: o.value for rid, o in self.outcomes.items()}, self.rule_facts)


def settle(fact: str, rids: list[str], outcomes: Mapping[str, Outcome], rule_facts: dict[str, RuleFact]) -> None:
    """Fix a rule-derived fact from the outcomes of every rule that can derive it (and, while unknown,
    the fields the undecided ones miss)."""
    value = fact_value(outcomes[r].value for r in rids)
    missing: tuple[str, ...] = ()
    if value is None:
        missing = tuple(dict.fromkeys(m for r in rids if outcomes[r].value is None for m in outcomes[r].missing))
    rule_facts[fact] = (value, missing)


Explained = tuple[dict[str, Outcome], dict[str, RuleFact]]


def explained(kb: Knowledge, facts: Facts, replace: Mapping[str, Rule] | None = None,
              base: Explained | None = None) -> Explained:
    """The Python evaluation of every rule, with its explanation, stratum by stratum (some rules'
    conditions replaced, for mutation testing). With `base`, the same facts' evaluation without `replace`,
    only the replaced rules and those reading a fact they derive (downstream) are evaluated again."""
    replace = replace or {}
    outcomes: dict[str, Outcome] = dict(base[0]) if base is not None else {}
    rule_facts: dict[str, RuleFact] = dict(base[1]) if base is not None else {}
    again = (frozenset(replace).union(*(kb.graph.downstream[r] for r in replace)) if base is not None
             else None)
    lookup = facts.lookup(rule_facts)
    deriving = kb.ruleset.derived_facts
    for rule, settled in kb.plan:
        if again is None or rule.id in again:
            outcomes[rule.id] = evaluate(replace.get(rule.id, rule).when, lookup, lines=False)
        for fact in settled:
            if again is None or not again.isdisjoint(deriving[fact]):
                settle(fact, deriving[fact], outcomes, rule_facts)
    return outcomes, rule_facts


def engine_states(kb: Knowledge, facts: Facts) -> dict[str, Tri]:
    """durable-rules' value for every rule: true (its positive pattern fired), false (its negative one
    fired) or unknown (neither). A later stratum reads the facts derived from the engine's own values."""
    deriving = kb.ruleset.derived_facts
    states: dict[str, Tri] = {}

    def fact_for_stratum(s: int, firings: list[tuple[str, str]]) -> dict:
        for kind, rid in firings:
            states[rid] = kind == "hit"
        decided = {}
        for fact, rids in deriving.items():
            value = fact_value(states.get(r) for r in rids)
            if value is not None:
                decided[fact] = value
        return facts.engine_fact(kb.list_fields, decided)

    firings = kb.engine.run(facts.engine_fact(kb.list_fields, {}), fact_for_stratum)
    states = {}
    for kind, rid in firings:
        if rid in states and states[rid] != (kind == "hit"):
            raise InternalError(f"the rule engine found {rid} both true and false")
        states[rid] = kind == "hit"
    return {rule.id: states.get(rule.id) for rule, _ in kb.plan}  # in firing order, as the outcomes


def engine_values(kb: Knowledge, facts: Facts) -> Values:
    """The rule values as the engine alone decides them, with the facts derived from them: an evaluation
    that shares nothing with the Python evaluator (the property tests and SPINEPATH_VERIFY compare)."""
    states = engine_states(kb, facts)
    rule_facts: dict[str, RuleFact] = {fact: (fact_value(states[r] for r in rids), ())
                                       for fact, rids in kb.ruleset.derived_facts.items()}
    return Values(facts, states, rule_facts)


def full_pass(kb: Knowledge, facts: Facts) -> Pass:
    """Every rule, decided by the engine and explained by Python; they must agree on every value."""
    outcomes, rule_facts = explained(kb, facts)
    agree(engine_states(kb, facts), {rid: o.value for rid, o in outcomes.items()})
    fired = tuple(rid for rid, o in outcomes.items() if o.value is True)
    return Pass(facts, outcomes, rule_facts, fired)


def agree(states: Mapping[str, Tri], python: Mapping[str, Tri]) -> None:
    """The run-time check of every full pass: the engine's value of every rule is Python's."""
    disagree = [rid for rid in python if python[rid] != states[rid]]
    if disagree:
        shown = ", ".join(f"{rid} (engine {_word(states[rid])}, explanation {_word(python[rid])})"
                          for rid in disagree[:5])
        raise InternalError(f"the rule engine and the explanation disagree on {shown}")


def _word(value: Tri) -> str:
    return {True: "true", False: "false", None: "unknown"}[value]


def evaluate_patient(patient: Patient, kb: Knowledge, presumptions: tuple[Presumption, ...] = (),
                     base: Pass | None = None) -> Pass:
    """One full pass of a patient: on the facts alone, or with the presumptions that apply filled in.
    `base`, another pass of the same patient, saves re-deriving the values they leave alone."""
    return full_pass(kb, prepare(patient, presumptions, base=base.facts if base is not None else None))
