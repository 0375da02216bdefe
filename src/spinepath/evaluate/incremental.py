"""Re-evaluating only what a change reaches, on top of a full pass.

A question's answer or a mutant changes one input (or one rule): only the rules the dependency graph
says it reaches are evaluated again, in Python, and the others keep the values of the full pass.
A property test holds these values to a full pass with the change (engine included) over every
example and hundreds of synthetic patients; SPINEPATH_VERIFY=1 re-checks every one at run time.
"""
from __future__ import annotations

import heapq
import os
from typing import Iterable, Mapping

from ..load.rule_files import Rule
from .engine import InternalError
from .facts import Facts, RuleFact, Values, fact_value
from .knowledge import Knowledge
from .passes import agree, engine_states, engine_values
from .threevalued import Compiled, Tri, compiled_truth


def reevaluate(kb: Knowledge, base: Values, facts: Facts, only: frozenset[str],
               replace: Mapping[str, Rule] | None = None, upstream: bool = False) -> Values:
    """The values of the rules in `only` on `facts` (with some rules' conditions replaced, for mutation
    testing), the others taken from `base`. When `only` is closed downstream (a rule reading a fact
    derived inside it is inside it, as DependencyGraph.reach and .downstream are) every value is right;
    when it is closed upstream (DependencyGraph.upstream, `upstream=True`) the values of its own rules are,
    and only those are checked under SPINEPATH_VERIFY (the facts may differ from `base` in what no rule of
    `only` reads: a presumption trial drops several)."""
    replace = replace or {}
    values = dict(base.values)
    rule_facts = dict(base.rule_facts)
    changed = changed_inputs(base.facts, facts)
    # What the rules read here: `base`'s readings with the changed inputs (and below, the changed facts).
    readings = dict(base.readings)
    for name in changed:
        readings[name] = (facts.derived[name[8:]].value if name.startswith("derived.") else facts.flat.get(name))
    get = readings.get
    conditions = _conditions(kb)
    deriving = kb.ruleset.derived_facts
    readers = kb.graph.readers
    position = kb.position
    plan = kb.plan
    # A rule whose inputs all read as in `base` keeps its value there (it depends on nothing else): only
    # the readers of a changed input are evaluated, in plan order, and a fact they derive wakes its own
    # readers only when its value changes. Most answers change a leaf that a handful of rules read.
    todo: list[int] = []
    queued: set[str] = set()
    moved = False  # whether a rule's value differs from `base`

    def wake(rids: Iterable[str]) -> None:
        for rid in rids:
            if rid in only and rid not in queued:
                queued.add(rid)
                heapq.heappush(todo, position[rid])

    for name in changed:
        wake(readers.get(name, ()))
    wake(replace)
    while todo:
        at = heapq.heappop(todo)
        rule = plan[at][0]
        value = (compiled_truth(replace[rule.id].when) if rule.id in replace else conditions[at])(get)
        if value is values[rule.id]:
            continue
        values[rule.id] = value
        moved = True
        for fact in rule.derives():
            now = fact_value([values[r] for r in deriving[fact]])
            if now is not rule_facts[fact][0]:
                rule_facts[fact] = (now, ())
                name = f"derived.{fact}"
                if fact not in facts.derived:  # a computed value of that name reads before a rule's fact
                    readings[name] = now
                woken = readers.get(name, ())
                if any(position[r] <= at for r in woken if r in only):  # the plan settles a fact before its readers
                    raise InternalError(f"{rule.id} derives {fact} after a rule that reads it")
                wake(woken)
    out = Values(facts, values, rule_facts)
    out.__dict__["readings"] = readings  # what Values.readings would make again
    if not moved:  # the same rules fire: `base`'s tuple, not made again
        out.__dict__["fired"] = base.fired
    if VERIFY and not replace and (upstream or downstream_closed(kb, only)):
        verify(kb, out, only if upstream else None)
    return out


# Each rule's condition as a closure, in plan order, per knowledge base (by the identity of its plan; the
# entry holds the plan, so an identity is never reused while it is here).
_CONDITIONS: dict[int, tuple[object, tuple[Compiled, ...]]] = {}


def _conditions(kb: Knowledge) -> tuple[Compiled, ...]:
    hit = _CONDITIONS.get(id(kb.plan))
    if hit is None:
        if len(_CONDITIONS) > 64:  # a long-lived process (serve, mutation testing) with many knowledge bases
            _CONDITIONS.clear()
        hit = _CONDITIONS[id(kb.plan)] = (kb.plan, tuple(compiled_truth(rule.when) for rule, _ in kb.plan))
    return hit[1]


def _same(a: object, b: object) -> bool:
    """The same value as the rules read it (True is not 1 here, nor 1 the same as 1.0 for a type test)."""
    return a is b or (type(a) is type(b) and a == b)


def changed_inputs(before: Facts, after: Facts) -> set[str]:
    """The patient fields and computed values (derived.X) that read differently in `after` than in
    `before`. Two passes of one patient start from the same leaves (`own`), so only the leaves answers and
    presumptions filled in either can differ; other facts are compared leaf by leaf."""
    if after is before:
        return set()
    leaves: Iterable[str] = (after.filled | before.filled if after.own is before.own
                             else after.flat.keys() | before.flat.keys())
    out = {k for k in leaves if not _same(after.flat.get(k), before.flat.get(k))}
    mine, theirs = before.derived, after.derived
    # Prepared from `before`: only the values it derived again or set can differ (most answers feed a few).
    keys = theirs.keys() if after.base is not before or after.rederived is None else after.rederived
    for k in keys:
        d, other = theirs.get(k), mine.get(k)
        if d is None:  # `before` alone has it (set by an answer): as when only `after`'s are compared
            continue
        if other is not d and (other is None or not _same(d.value, other.value)):  # most are the same object
            out.add(f"derived.{k}")
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
    get = facts.reader(rule_facts)
    deriving = kb.ruleset.derived_facts
    for rule, settled in kb.plan:
        values[rule.id] = compiled_truth(rule.when)(get)
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
