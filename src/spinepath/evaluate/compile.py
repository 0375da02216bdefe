"""Rules → durable-rules JSON rulesets.

What the engine note (../shared/notes/durable-rules.md) makes us do here:
- one key per condition object, every pattern starting with t == "patient" (§2, §3.3);
- `not` is pushed down to the leaves (De Morgan), because the engine has no single-fact negation;
  each negated leaf is false on a missing field, so a rule still fires only when it is *true*;
- at most 15 $and/$or per pattern, no empty $and/$or (§5.1);
- few rules per durable ruleset, so that no node of the engine's alpha network can have more than 64
  children matching one fact (§5.2; measured: evaluate/compile.py `fan_out`);
- rules that read a derived fact run in a later stratum than the rules deriving it, so chaining is
  bounded and ordered (§4.1);
- every rule is compiled twice: its positive pattern fires when it is true, its negative pattern
  when it is definitely false; neither fires when it is unknown. So the engine decides all three
  values of every rule, which the Python evaluator must match (evaluate/passes.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..load.diagnostics import Diagnostic, InputError
from ..load.rule_files import Cond, Rule, Ruleset

MAX_GROUP_OPS = 15
# Children of one alpha node that may match one fact at once. The C core pushes the matching children
# of a node on a stack of 64 (MAX_STACK_SIZE); a 65th fails with error 303. Measured on the installed
# core (tests/test_engine.py): 65 rules whose first tests are distinct and true fail, and so do 65
# whose shared first test has 65 distinct true second tests; 2 parents with 63 true children each
# pass. Rules are packed up to the bound: fewer rulesets, fewer asserts. The engine splits a ruleset
# that still overflows (evaluate/engine.py), so the bound is an economy, never a failure.
PATH_BUDGET = 64
MAX_PATHS = 4096  # a pattern whose expansion is longer than this gets a ruleset of its own
# Rules ending at one alpha node: the core's lists hold 128 (measured: 129 rules with the same `in`
# fail with error 107). Children of one node: its buckets hold 512 (creation never returns past them).
MAX_ENDING = 127
MAX_CHILDREN = 500


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


def count_groups(expr: Any) -> int:
    if isinstance(expr, dict):
        return sum((1 if k in ("$and", "$or") else 0) + count_groups(v) for k, v in expr.items())
    if isinstance(expr, list):
        return sum(count_groups(x) for x in expr)
    return 0


def _equality_field(expr: Any) -> str | None:
    """The field of a plain equality test ({"diagnosis.histology": "chordoma"}), else None."""
    if isinstance(expr, dict) and len(expr) == 1:
        (k, v), = expr.items()
        if not k.startswith("$") and not isinstance(v, (dict, list)):
            return str(k)
    return None


def _paths(expr: Any) -> list[tuple[str, ...]]:
    """The engine's alpha paths of a test: its disjunctive normal form, each conjunction as the sequence
    of its leaf tests (as JSON text), in the order written."""
    if isinstance(expr, dict) and len(expr) == 1:
        (k, v), = expr.items()
        if k == "$or":
            return [p for x in v for p in _paths(x)]
        if k == "$and":
            out: list[tuple[str, ...]] = [()]
            for x in v:
                out = [a + b for a in out for b in _paths(x)]
                if len(out) > MAX_PATHS:
                    return out
            return out
    return [(json.dumps(expr, sort_keys=True),)]


_COMPLEMENT = {"$gte": "$lt", "$lt": "$gte", "$gt": "$lte", "$lte": "$gt", "$ex": "$nex", "$nex": "$ex"}


def _exclusion(key: str) -> tuple[str, str]:
    """Which tests exclude each other at one node: plain equalities of one field (one group per field),
    and a comparison with its complement (age >= 18 / age < 18: one group per pair). Others alone."""
    leaf = json.loads(key)
    field = _equality_field(leaf)
    if field is not None:
        return ("=", field)
    (op, arg), = leaf.items()
    if op in _COMPLEMENT:
        return ("<>", min(key, json.dumps({_COMPLEMENT[op]: arg}, sort_keys=True)))
    return ("", key)


class _Node:
    __slots__ = ("children", "groups", "ending")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.groups: dict[tuple[str, str], int] = {}  # exclusion group -> children in it
        self.ending = 0  # patterns whose path ends here


class Network:
    """The alpha network a ruleset's patterns make, sharing common prefixes as the engine does, checked
    against the C core's three bounds (§5.2) as patterns are added: at most PATH_BUDGET children of one node
    matching one fact (tests that exclude each other count once), MAX_CHILDREN children, MAX_ENDING patterns
    ending at one node. A pattern that would break a bound is taken back whole."""

    def __init__(self, bounded: bool = True) -> None:
        self.root = _Node()
        self.bounded = bounded  # False: only measure (fan_out)

    def add(self, exprs: list[dict]) -> bool:
        """Add the patterns if the network stays within the bounds; else leave it as it was."""
        undo: list[tuple[_Node, str | None]] = []  # (node, child key added) or (node, None): an ending
        for expr in exprs:
            paths = _paths(expr)
            if len(paths) > MAX_PATHS:
                self._undo(undo)
                return False
            for path in paths:
                node = self.root
                for key in path:
                    child = node.children.get(key)
                    if child is None:
                        child = node.children[key] = _Node()
                        group = _exclusion(key)
                        node.groups[group] = node.groups.get(group, 0) + 1
                        undo.append((node, key))
                        if self.bounded and (len(node.groups) > PATH_BUDGET or len(node.children) > MAX_CHILDREN):
                            self._undo(undo)
                            return False
                    node = child
                node.ending += 1
                undo.append((node, None))
                if self.bounded and node.ending > MAX_ENDING:
                    self._undo(undo)
                    return False
        return True

    @staticmethod
    def _undo(undo: list[tuple[_Node, str | None]]) -> None:
        for node, key in reversed(undo):
            if key is None:
                node.ending -= 1
            else:
                del node.children[key]
                group = _exclusion(key)
                node.groups[group] -= 1
                if not node.groups[group]:
                    del node.groups[group]

    def widest(self) -> int:
        """The most children of one node that one fact can make match."""
        def walk(node: _Node) -> int:
            return max([len(node.groups)] + [walk(c) for c in node.children.values()])
        return walk(self.root)


def fan_out(exprs: list[dict]) -> int:
    """The most children of one alpha node that one fact can make match, over the paths of `exprs`."""
    net = Network(bounded=False)
    net.add(exprs)
    return net.widest()


def pattern(expr: dict) -> dict:
    return {"$and": [{"t": "patient"}, expr]}


@dataclass(frozen=True)
class Compiled:
    """Durable rulesets per stratum plus the maps from action names back to rules."""

    strata: tuple[tuple[str, ...], ...]  # per stratum, the durable ruleset names
    # durable ruleset name -> (its rules as the JSON text the engine's core takes, rule name -> action
    # name or "noop"). Kept as text: the engine creates each ruleset from it as it is, and the rules
    # cache reads one string instead of some 17,000 small objects that would only be written out again.
    definitions: dict[str, tuple[str, dict[str, str]]]
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
        chunks: list[list] = []  # units (rule, action kind, expr), both of a rule's patterns together
        network = Network()
        for i, rule in enumerate(rules):
            order[rule.id] = (s, i)
            units = [(rule, "hit", positive(rule.when)), (rule, "neg", negative(rule.when))]
            if any(count_groups(pattern(expr)) > MAX_GROUP_OPS for _, _, expr in units):
                diags.append(Diagnostic(rule.file, *rule.pos, "too-complex",
                                        f"{rule.id}: more than {MAX_GROUP_OPS - 1} all/any/in groups "
                                        "(a limit of the engine): split the rule"))
                continue
            mine = [expr for _, _, expr in units]
            if not chunks or not network.add(mine):
                chunks.append([])
                network = Network()
                network.add(mine)  # alone, a rule's patterns fit (else the engine splits it at run time)
            chunks[-1].extend(units)
        names = []
        for k, chunk in enumerate(chunks):
            name = f"stratum{s}_{k}"
            rules_json: dict[str, Any] = {}
            runs: dict[str, str] = {}
            for rule, kind, expr in chunk:
                action = f"{kind}:{rule.id}"
                actions[action] = (kind, rule.id)
                rules_json[f"{kind} {rule.id}"] = {"all": [{"m": pattern(expr)}]}
                runs[f"{kind} {rule.id}"] = action
            # A catch-all in every ruleset: a session in which no action ran crashes delete_state (§3.4).
            rules_json["__seen__"] = {"pri": 65535, "all": [{"m": {"t": "patient"}}]}
            runs["__seen__"] = "noop"
            # The core takes a ruleset without the 'run' keys (it would delete them in place, §8.5): the
            # actions stay here, by rule name.
            definitions[name] = (json.dumps(rules_json, ensure_ascii=False), runs)
            names.append(name)
        names_per_stratum.append(tuple(names))
    if diags:
        raise InputError(diags)
    return Compiled(tuple(names_per_stratum), definitions, actions, order)

