"""Re-evaluating only what a change reaches, on top of a full pass.

A question's answer or a mutant changes one input (or one rule): only the rules the dependency graph
says it reaches are evaluated again, in Python, and the others keep the values of the full pass.
A property test holds these values to a full pass with the change (engine included) over every
example and hundreds of synthetic patients; SPINEPATH_VERIFY=1 re-checks every one at run time.
"""
from __future__ import annotations

import os
from typing import Mapping

from ..load.rule_files import Rule
from .engine import InternalError
from .facts import Facts, RuleFact, Values, fact_value
from .knowledge import Knowledge
from .passes import agree, engine_states, engine_values
from .threevalued import Tri, truth


def reevaluate(kb: Knowledge, base: Values, facts: Facts, only: frozenset[str],
               replace: Mapping[str, Rule] | None = None, upstream: bool = False) -> Values:
    """The values of the rules in `only` on `facts` (with some rules' conditions replaced, for mutation
    testing), the others taken from `base`. When `only` is closed downstream (a rule reading a fact
    derived inside it is inside it, as DependencyGraph.reach and .downstream are) every value is right;
    when it is closed upstream (DependencyGraph.upstream, `upstream=True`) the values of its own rules are,
    and only those are checked under SPINEPATH_VERIFY (the facts may differ from `base` in what no rule of
    `only` reads: a presumption trial drops several)."""
    values = dict(base.values)
    rule_facts = dict(base.rule_facts)
    lookup = facts.lookup(rule_facts)
    deriving = kb.ruleset.derived_facts
    for rule, settled in kb.steps_for(only):
        if rule is not None:
            when = (replace or {}).get(rule.id, rule).when
            values[rule.id] = truth(when, lookup)
        for fact in settled:
            rule_facts[fact] = (fact_value([values[r] for r in deriving[fact]]), ())
    out = Values(facts, values, rule_facts)
    if VERIFY and replace is None and (upstream or downstream_closed(kb, only)):
        verify(kb, out, only if upstream else None)
    return out


def checked_values(kb: Knowledge, facts: Facts) -> Values:
    """Every rule's value decided by the engine and by Python, which must agree on every value, as in a
    full pass, without the explanations a full pass builds (the scenarios that expect no missing field)."""
    values = values_of(kb, facts)
    agree(engine_states(kb, facts), values.values)
    return values


def values_of(kb: Knowledge, facts: Facts) -> Values:
    """Every rule's value in Python, without explanations (a full pass, minus the engine)."""
    values: dict[str, Tri] = {}
    rule_facts: dict[str, RuleFact] = {}
    lookup = facts.lookup(rule_facts)
    deriving = kb.ruleset.derived_facts
    for rule, settled in kb.plan:
        values[rule.id] = truth(rule.when, lookup)
        for fact in settled:
            rule_facts[fact] = (fact_value(values[r] for r in deriving[fact]), ())
    return Values(facts, values, rule_facts)


VERIFY = bool(os.environ.get("SPINEPATH_VERIFY"))


def downstream_closed(kb: Knowledge, only: frozenset[str]) -> bool:
    return all(kb.graph.downstream[rid] <= only for rid in only)


def verify(kb: Knowledge, values: Values, only: frozenset[str] | None = None) -> None:
    """The engine's values on the same facts must be these (SPINEPATH_VERIFY=1): every rule's, or those of
    `only` when only they are claimed right."""
    engine = engine_values(kb, values.facts)
    wrong = [rid for rid in kb.rules if (only is None or rid in only) and engine.values[rid] != values.values[rid]]
    if only is None:
        wrong += [f"derived.{f}" for f in kb.ruleset.derived_facts
                  if engine.rule_facts[f][0] != values.rule_facts[f][0]]
    if wrong:
        raise InternalError(f"incremental re-evaluation disagrees with the rule engine on {', '.join(wrong[:5])}")
