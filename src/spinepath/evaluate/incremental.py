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

from ..load.rule_files import Cond, Rule
from .engine import InternalError
from .facts import Facts, RuleFact, Values, fact_value
from .knowledge import Knowledge
from .passes import agree, engine_states, engine_values
from .threevalued import Reader, Tri, compiled_truth


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
        readings[name] = (facts.derived[name.removeprefix("derived.")].value if name.startswith("derived.")
                         else facts.flat.get(name))
    get = readings.get
    made = _made(kb)
    conditions, readers_in = made.conditions, made.readers_in
    deriving = kb.ruleset.derived_facts
    position = kb.position
    plan = kb.plan
    # A rule whose inputs all read as in `base` keeps its value there (it depends on nothing else): only
    # the readers of a changed input are evaluated, in plan order, and a fact they derive wakes its own
    # readers only when its value changes. Most answers change a leaf that a handful of rules read.
    todo: list[int] = []  # plan positions
    queued: set[int] = set()
    flipped: list[str] = []  # the rules that start or stop firing here

    def wake(positions: Iterable[int], name: str | None = None) -> None:
        """Queue these rules, but not one that `base`'s values of inputs other than `name` hold at its value
        there (`held_by`): most readers of a changed input are held by a part of their condition that does
        not read it (a histology they are not about)."""
        for at in positions:
            if at not in queued and (name is None or made.woken_by(at, name, base)):
                queued.add(at)
                heapq.heappush(todo, at)

    for name in changed:
        wake(readers_in(name, only), name)
    wake(position[rid] for rid in replace if rid in only)
    while todo:
        at = heapq.heappop(todo)
        rule = plan[at][0]
        value = (compiled_truth(replace[rule.id].when) if rule.id in replace else conditions[at])(get)
        if value is values[rule.id]:
            continue
        if value is True or values[rule.id] is True:
            flipped.append(rule.id)
        values[rule.id] = value
        for fact in rule.derives():
            now = fact_value([values[r] for r in deriving[fact]])
            if now is not rule_facts[fact][0]:
                rule_facts[fact] = (now, ())
                name = f"derived.{fact}"
                if fact not in facts.derived:  # a computed value of that name reads before a rule's fact
                    readings[name] = now
                woken = readers_in(name, only)
                if any(r <= at for r in woken):  # the plan settles a fact before its readers
                    raise InternalError(f"{rule.id} derives {fact} after a rule that reads it")
                wake(woken, name)
    out = Values(facts, values, rule_facts)
    out.__dict__["readings"] = readings  # what Values.readings would make again
    # Values.fired from `base`'s, not from every rule's value again (asked of every answer's pass).
    if not flipped:
        out.__dict__["fired"] = base.fired
    else:
        started = [rid for rid in flipped if values[rid] is True]
        kept = [rid for rid in base.fired if rid not in flipped]
        out.__dict__["fired"] = (tuple(sorted(kept + started, key=base.place.__getitem__)) if started
                                 else tuple(kept))
    if VERIFY and not replace and (upstream or downstream_closed(kb, only)):
        verify(kb, out, only if upstream else None)
    return out


class _Made:
    """What re-evaluation reads of a knowledge base, made once: each rule's condition as a closure (in plan
    order), and the plan positions of an input's readers among the rules a change reaches (the questions
    ask the same few hundred per consult; one computed value alone has three hundred readers)."""

    def __init__(self, kb: Knowledge):
        self.plan = kb.plan  # held: the cache below is keyed by its identity, never reused while held
        self.conditions = tuple(compiled_truth(rule.when) for rule, _ in kb.plan)
        self.readers, self.position = kb.graph.readers, kb.position
        self.woken: dict[tuple[str, frozenset[str]], tuple[int, ...]] = {}
        self.reads: dict[int, frozenset[str]] = {}  # id of a part of a condition in `plan` -> the inputs it reads

    def woken_by(self, at: int, name: str, base: Values) -> bool:
        """Whether a change of `name`, which the rule at plan position `at` reads, can change its value in
        `base`: not when the part of its condition that holds it there does not read `name` (`held_by`)."""
        held = base.held
        if at not in held:
            held[at] = self.held_by(at, base)
        holding = held[at]
        return holding is None or name in holding

    def held_by(self, at: int, base: Values) -> frozenset[str] | None:
        """The inputs that hold the rule at plan position `at` at its value in `base`: while every one of
        them reads as in `base`, so does the rule, whatever its other inputs read (None: any may change it).
        A group that one child decides (a false child of an `all`, a true one of an `any`) is held by that
        child; any other part by every input it reads."""
        rule = self.plan[at][0]
        get = base.readings.get
        c, value = rule.when, base.values[rule.id]
        checked = False  # whether `c` was found to have `value` on `base`'s readings
        while True:
            if c.op == "not":
                c, value = c.children[0], None if value is None else not value
                continue
            if c.op in ("all", "any") and value is (c.op == "any"):
                deciding = next((ch for ch in c.children if compiled_truth(ch)(get) is value), None)
                if deciding is not None:
                    c, checked = deciding, True
                    continue
            break
        if not checked and compiled_truth(c)(get) is not value:  # `base` lacks the value its readings give
            return None
        reads = self.reads.get(id(c))
        if reads is None:
            reads = self.reads[id(c)] = frozenset(leaf.field for leaf in c.leaves())
        return reads

    def readers_in(self, name: str, only: frozenset[str]) -> tuple[int, ...]:
        key = (name, only)
        hit = self.woken.get(key)
        if hit is None:
            if len(self.woken) > 100_000:  # mutation testing makes its own `only` by the thousand
                self.woken.clear()
            hit = self.woken[key] = tuple(self.position[r] for r in self.readers.get(name, ()) if r in only)
        return hit


_MADE: dict[int, _Made] = {}  # by the identity of the knowledge base's plan


def _made(kb: Knowledge) -> _Made:
    hit = _MADE.get(id(kb.plan))
    if hit is None:
        if len(_MADE) > 64:  # a long-lived process (serve, mutation testing) with many knowledge bases
            _MADE.clear()
        hit = _MADE[id(kb.plan)] = _Made(kb)
    return hit


def wakes_none(kb: Knowledge, base: Values, names: Iterable[str], only: frozenset[str]) -> bool:
    """Whether re-evaluating the rules of `only` from `base`, with at most these inputs reading otherwise,
    evaluates no rule (each reader of one is held by a part that does not read it): then every value, and
    every rule-derived fact, is `base`'s."""
    made = _made(kb)
    return not any(made.woken_by(at, name, base) for name in names for at in made.readers_in(name, only))


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
