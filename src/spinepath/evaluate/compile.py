"""Rules → durable-rules JSON rulesets.

What the engine note (../shared/notes/durable-rules.md) makes us do here:
- one key per condition object, every pattern starting with t == "patient" (§2, §3.3);
- `not` is pushed down to the leaves (De Morgan), because the engine has no single-fact negation;
  each negated leaf is false on a missing field, so a rule still fires only when it is *true*;
- at most 15 $and/$or per pattern, no empty $and/$or (§5.1);
- few rules per durable ruleset, so that no fact can make more than 64 paths true (§5.2);
- rules that read a derived fact run in a later stratum than the rules deriving it, so chaining is
  bounded and ordered (§4.1);
- every rule is compiled twice: its positive pattern fires when it is true, its negative pattern
  when it is definitely false; neither fires when it is unknown. So the engine decides all three
  values of every rule, which the Python evaluator must match (evaluate/passes.py).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from ..load.diagnostics import Diagnostic, InputError
from ..load.rule_files import Cond, Rule, Ruleset

MAX_GROUP_OPS = 15
# Simultaneously true alpha paths per durable ruleset. The C core's stack holds 64 (MAX_STACK_SIZE):
# 64 distinct true rules plus the catch-all assert, 65 fail with error 303 (re-measured in
# tests/test_engine.py at the bound). Rules are packed up to it: fewer rulesets, fewer asserts.
PATH_BUDGET = 64


def companion(field: str) -> str:
    """Name of the item count of a list field, needed for `not contains` on an empty list."""
    return "n__" + field.replace(".", "__")


def positive(c: Cond) -> dict:
    if c.op == "all":
        return _group("$and", [positive(ch) for ch in c.children])
    if c.op == "any":
        return _group("$or", [positive(ch) for ch in c.children])
    if c.op == "not":
        return negative(c.children[0])
    f, v = c.field, c.value
    if c.op == "equals":
        return {f: v}
    if c.op == "in":
        return _group("$or", [{f: x} for x in v])
    if c.op in ("lt", "lte", "gt", "gte"):
        return {"$" + c.op: {f: v}}
    if c.op == "contains":
        return {"$iany": {f: {"$i": v}}}
    if c.op == "exists":
        return {"$ex": {f: 1}}
    if c.op == "missing":
        return {"$nex": {f: 1}}
    raise AssertionError(c.op)


_FLIP = {"lt": "$gte", "lte": "$gt", "gt": "$lte", "gte": "$lt"}


def negative(c: Cond) -> dict:
    """A test that is true exactly when c is definitely false (never on a missing field)."""
    if c.op == "all":
        return _group("$or", [negative(ch) for ch in c.children])
    if c.op == "any":
        return _group("$and", [negative(ch) for ch in c.children])
    if c.op == "not":
        return positive(c.children[0])
    f, v = c.field, c.value
    if c.op == "equals":
        return {"$neq": {f: v}}
    if c.op == "in":
        return _group("$and", [{"$neq": {f: x}} for x in v])
    if c.op in _FLIP:
        return {_FLIP[c.op]: {f: v}}
    if c.op == "contains":
        return {"$or": [{"$iall": {f: {"$neq": {"$i": v}}}}, {companion(f): 0}]}
    if c.op == "exists":
        return {"$nex": {f: 1}}
    if c.op == "missing":
        return {"$ex": {f: 1}}
    raise AssertionError(c.op)


def _group(op: str, items: list[dict]) -> dict:
    return items[0] if len(items) == 1 else {op: items}


def count_groups(expr) -> int:
    if isinstance(expr, dict):
        return sum((1 if k in ("$and", "$or") else 0) + count_groups(v) for k, v in expr.items())
    if isinstance(expr, list):
        return sum(count_groups(x) for x in expr)
    return 0


def _equality_field(expr) -> str | None:
    """The field of a plain equality test ({"diagnosis.histology": "chordoma"}), else None."""
    if isinstance(expr, dict) and len(expr) == 1:
        (k, v), = expr.items()
        if not k.startswith("$") and not isinstance(v, (dict, list)):
            return k
    return None


def true_paths(expr) -> int:
    """Upper bound on the alpha paths one fact can make true for this test. Equalities of one field with
    different values (an `in`) exclude each other: a fact makes at most one of them true."""
    if isinstance(expr, dict) and len(expr) == 1:
        (k, v), = expr.items()
        if k == "$or":
            fields = {_equality_field(x) for x in v}
            if len(fields) == 1 and None not in fields:
                return 1
            return sum(true_paths(x) for x in v)
        if k == "$and":
            n = 1
            for x in v:
                n *= true_paths(x)
            return n
    return 1


def pattern(expr: dict) -> dict:
    return {"$and": [{"t": "patient"}, expr]}


@dataclass(frozen=True)
class Compiled:
    """Durable rulesets per stratum plus the maps from action names back to rules."""

    strata: tuple[tuple[str, ...], ...]  # per stratum, the durable ruleset names
    definitions: dict  # durable ruleset name -> JSON rules
    actions: dict  # action name -> (kind "hit" | "neg", rule id)
    order: dict  # rule id -> (stratum, position), the deterministic firing order


def stratify(ruleset: Ruleset) -> list[list[Rule]]:
    derivers = ruleset.derived_facts
    level: dict[str, int] = {}
    visiting: set[str] = set()
    by_id = {r.id: r for r in ruleset.rules}

    def depth(rule: Rule, chain: tuple) -> int:
        if rule.id in level:
            return level[rule.id]
        if rule.id in visiting:
            cyc = " -> ".join(chain + (rule.id,))
            raise InputError([Diagnostic(rule.file, *rule.pos, "cycle", f"derived facts depend on each other: {cyc}")])
        visiting.add(rule.id)
        d = 0
        for f in rule.fields():
            fact = f.removeprefix("derived.")
            if f.startswith("derived.") and fact in derivers:
                d = max(d, 1 + max(depth(by_id[rid], chain + (rule.id,)) for rid in derivers[fact]))
        visiting.discard(rule.id)
        level[rule.id] = d
        return d

    for r in ruleset.rules:
        depth(r, ())
    strata: list[list[Rule]] = [[] for _ in range(max(level.values(), default=0) + 1)]
    for r in ruleset.rules:  # keeps file order inside a stratum
        strata[level[r.id]].append(r)
    return strata


def compile_ruleset(ruleset: Ruleset) -> Compiled:
    strata = stratify(ruleset)
    definitions: dict = {}
    actions: dict = {}
    order: dict = {}
    names_per_stratum = []
    diags = []
    for s, rules in enumerate(strata):
        units = []  # (rule, action kind, expr)
        for i, rule in enumerate(rules):
            order[rule.id] = (s, i)
            units.append((rule, "hit", positive(rule.when)))
            units.append((rule, "neg", negative(rule.when)))
        chunks: list[list] = []
        budget = PATH_BUDGET
        for unit in units:
            rule, _, expr = unit
            full = pattern(expr)
            if count_groups(full) > MAX_GROUP_OPS:
                diags.append(Diagnostic(rule.file, *rule.pos, "too-complex",
                                        f"{rule.id}: more than {MAX_GROUP_OPS - 1} all/any/in groups "
                                        "(a limit of the engine): split the rule"))
                continue
            paths = true_paths(expr)
            if not chunks or budget - paths < 0:
                chunks.append([])
                budget = PATH_BUDGET
            chunks[-1].append(unit)
            budget -= paths
        names = []
        for k, chunk in enumerate(chunks):
            name = f"stratum{s}_{k}"
            rules_json = {}
            for rule, kind, expr in chunk:
                action = f"{kind}:{rule.id}"
                actions[action] = (kind, rule.id)
                rules_json[f"{kind} {rule.id}"] = {"all": [{"m": pattern(expr)}], "run": action}
            # A catch-all in every ruleset: a session in which no action ran crashes delete_state (§3.4).
            rules_json["__seen__"] = {"pri": 65535, "all": [{"m": {"t": "patient"}}], "run": "noop"}
            definitions[name] = rules_json
            names.append(name)
        names_per_stratum.append(tuple(names))
    if diags:
        raise InputError(diags)
    return Compiled(tuple(names_per_stratum), definitions, actions, order)


def fresh_definitions(compiled: Compiled) -> dict:
    return copy.deepcopy(compiled.definitions)  # the engine deletes 'run' keys in place (§8.5)
