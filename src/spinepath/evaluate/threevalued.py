"""Three-valued (true / false / unknown) evaluation of rule conditions (Kleene logic).

This is the explanation side: it says *why* a rule fired or not, and which absent data would
decide a rule that is blocked only by unknowns. A test checks that it agrees with durable-rules
on whether every rule fires.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Callable

from ..load.rule_files import Cond

Tri = bool | None


@dataclass
class Outcome:
    value: Tri
    missing: list[str] = field(default_factory=list)  # patient fields that would decide it
    matched: dict[str, Any] = field(default_factory=dict)  # known values the condition read
    lines: list[tuple[int, str, Tri]] = field(default_factory=list)  # (depth, text, value) for `explain`


Lookup = Callable[[str], tuple[Any, tuple[str, ...]]]  # field -> (value or None, fields it lacked)


def describe(c: Cond) -> str:
    if c.gate and c.op == "any":
        return f"gate {c.gate} does not hold back this rule (any of):"
    if c.op in ("all", "any"):
        return f"{c.op} of:"
    if c.op == "not":
        return "not:"
    if c.op in ("exists", "missing"):
        return f"{c.field} is {'known' if c.op == 'exists' else 'not known'}"
    sym = {"equals": "=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "in": "in", "contains": "contains"}[c.op]
    value = "[" + ", ".join(map(str, c.value)) + "]" if c.op == "in" else c.value
    if isinstance(value, bool):
        value = str(value).lower()
    return f"{c.field} {sym} {value}"


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "equals":
        return bool(actual == expected)
    if op == "in":
        return actual in expected
    if op == "contains":
        return expected in actual
    return bool({"lt": actual < expected, "lte": actual <= expected,
                 "gt": actual > expected, "gte": actual >= expected}[op])


def evaluate(c: Cond, lookup: Lookup, depth: int = 0, lines: bool = True) -> Outcome:
    """The value with its explanation: the fields that would decide it, the values it matched and (with
    `lines`) the text of every condition for `spinepath explain`."""
    if not lines:  # every full pass, for every rule: without an Outcome per part of the condition
        return Outcome(*_explained(c, lookup), [])
    if c.op in ("all", "any", "not"):
        subs = [evaluate(ch, lookup, depth + 1, lines) for ch in c.children]
        values = [s.value for s in subs]
        value: Tri
        if c.op == "not":
            value = None if values[0] is None else not values[0]
        elif c.op == "all":
            value = False if False in values else None if None in values else True
        else:
            value = True if True in values else None if None in values else False
        missing: list[str] = []
        if value is None:
            for s in subs:
                if s.value is None:
                    missing.extend(m for m in s.missing if m not in missing)
        matched: dict = {}
        for s in subs:
            matched.update(s.matched)
        text = [(depth, describe(c), value)] + [ln for s in subs for ln in s.lines] if lines else []
        return Outcome(value, missing, matched, text)
    actual, lacked = lookup(c.field)
    if c.op == "exists":
        value = actual is not None
    elif c.op == "missing":
        value = actual is None
    elif actual is None:
        value = None
    else:
        value = _compare(c.op, actual, c.value)
    matched = {c.field: actual} if actual is not None else {}
    shown = [(depth, f"{describe(c)}    (value: {'not known' if actual is None else actual})", value)] if lines else []
    return Outcome(value, list(lacked) if value is None else [], matched, shown)


def _explained(c: Cond, lookup: Lookup) -> tuple[Tri, list[str], dict[str, Any]]:
    """`evaluate` without the lines: its value, missing fields and matched values, the same and in the same
    order (a test holds the two together), as a tuple per part of the condition."""
    op = c.op
    if op in ("all", "any", "not"):
        subs = [_explained(ch, lookup) for ch in c.children]
        values = [s[0] for s in subs]
        value: Tri
        if op == "not":
            value = None if values[0] is None else not values[0]
        elif op == "all":
            value = False if False in values else None if None in values else True
        else:
            value = True if True in values else None if None in values else False
        missing: list[str] = []
        if value is None:
            for v, lacked, _ in subs:
                if v is None:
                    for m in lacked:
                        if m not in missing:
                            missing.append(m)
        matched: dict[str, Any] = {}
        for _, _, seen in subs:
            matched.update(seen)
        return value, missing, matched
    actual, decide = lookup(c.field)
    if op == "exists":
        value = actual is not None
    elif op == "missing":
        value = actual is None
    elif actual is None:
        value = None
    else:
        value = _compare(op, actual, c.value)
    return value, list(decide) if value is None else [], {c.field: actual} if actual is not None else {}


def truth(c: Cond, lookup: Lookup) -> Tri:
    """The value `evaluate` gives, without the explanation: what the questions and what-if need, fast."""
    op = c.op
    if op in ("all", "any"):
        decisive = op == "any"  # the child value that decides the group at once
        out: Tri = not decisive
        for ch in c.children:
            v = truth(ch, lookup)
            if v is decisive:
                return decisive
            if v is None:
                out = None
        return out
    if op == "not":
        v = truth(c.children[0], lookup)
        return None if v is None else not v
    actual = lookup(c.field)[0]
    if op == "exists":
        return actual is not None
    if op == "missing":
        return actual is None
    return None if actual is None else _compare(op, actual, c.value)


Reader = Callable[[str], Any]  # field -> its value, None when not known
Compiled = Callable[[Reader], Tri]
# Conditions turned into closures, by identity (the entry holds the condition, so an id is never reused
# while it is here). The questions evaluate a few rules thousands of times per consult: a closure does not
# dispatch on the operator nor build a (value, missing) pair per leaf as `truth` does.
_COMPILED: dict[int, tuple[Cond, Compiled]] = {}


def compiled_truth(c: Cond) -> Compiled:
    """`truth` of `c` as a closure over a value reader: the same value on the same facts (a property test
    holds the two together)."""
    hit = _COMPILED.get(id(c))
    if hit is None:
        if len(_COMPILED) > 100_000:  # mutation testing makes conditions by the thousand
            _COMPILED.clear()
        hit = _COMPILED[id(c)] = (c, _compile(c))
    return hit[1]


def _compile(c: Cond) -> Compiled:
    op = c.op
    if op in ("all", "any"):
        kids = tuple(_compile(ch) for ch in c.children)
        decisive = op == "any"  # the child value that decides the group at once

        def group(get: Reader) -> Tri:
            out: Tri = not decisive
            for kid in kids:
                v = kid(get)
                if v is decisive:
                    return decisive
                if v is None:
                    out = None
            return out
        return group
    if op == "not":
        kid = _compile(c.children[0])

        def negation(get: Reader) -> Tri:
            v = kid(get)
            return None if v is None else not v
        return negation
    name, expected = c.field, c.value
    if op == "exists":
        return lambda get: get(name) is not None
    if op == "missing":
        return lambda get: get(name) is None

    if op in _ORDER:  # the one comparison `_compare` makes of its four
        compare = _ORDER[op]

        def ordered(get: Reader) -> Tri:
            actual = get(name)
            return None if actual is None else bool(compare(actual, expected))
        return ordered
    if op == "equals":
        def equals(get: Reader) -> Tri:
            actual = get(name)
            return None if actual is None else bool(actual == expected)
        return equals

    def leaf(get: Reader) -> Tri:
        actual = get(name)
        return None if actual is None else _compare(op, actual, expected)
    return leaf


_ORDER = {"lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}
