"""`spinepath rules mutate`: would the scenarios notice if a condition were written wrong?

For every leaf condition of a rule it makes mutants: `equals` turned to each other allowed value, a
threshold moved across its boundary (one unit each way), `<` and `<=` (`>` and `>=`) swapped, the
condition dropped, the condition negated, an `in` list without each of its members. Each mutant
replaces the rule and is run on the scenarios beside the rule (its `.scenarios.yaml` file) and beside
the rules that read the facts it derives, through forward chaining. A mutant is killed when one of
those scenarios fails. What survives is reported at the condition's FILE:LINE:COL.

The scenarios are checked with the three-valued evaluation of the rules, re-evaluating only what the
mutated rule reaches (the dependency graph), and the plan is made by the same `pathway()` as a
consult, on what a scenario can expect of the firm pathway: fired and not-fired rules, entries by
strength, absent entries, alert codes and missing fields. Expectations on the provisional pathway and
the questions are not part of the mutation run. A scenario that fails before any mutation stops the
run with its name instead of being left out.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml
from pydantic import ValidationError

from ..derive import SPECS
from ..evaluate.facts import Facts, Values, prepare
from ..evaluate.incremental import reevaluate, values_of
from ..evaluate.knowledge import Knowledge
from ..evaluate.passes import Explained, Pass, explained
from ..explain.consult import missing as missing_data
from ..explain.pathway import pathway
from ..load.diagnostics import InputError
from ..load.fields import get_path, set_path
from ..load.patient import Patient, from_document
from ..load.rule_files import Cond, Rule, display_path
from .scenarios import Expect, Seen, failures, load_scenarios

_SWAP = {"lt": "lte", "lte": "lt", "gt": "gte", "gte": "gt"}
_SHOWN = {"equals": "=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "in": "in", "contains": "contains",
          "exists": "is known", "missing": "is not known"}


@dataclass(frozen=True)
class Mutant:
    rule: Rule
    when: Cond
    at: Cond  # the condition it changes (for its position)
    what: str


@dataclass
class Report:
    total: int
    survivors: list[Mutant]

    @property
    def killed(self) -> int:
        return self.total - len(self.survivors)


def _leaf_text(c: Cond) -> str:
    if c.op in ("exists", "missing"):
        return f"{c.field} {_SHOWN[c.op]}"
    value = "[" + ", ".join(map(str, c.value)) + "]" if c.op == "in" else c.value
    return f"{c.field} {_SHOWN[c.op]} {value}"


def _leaves(c: Cond, path: tuple = ()) -> Iterator[tuple[tuple, Cond]]:
    if c.field:
        yield path, c
    for i, ch in enumerate(c.children):
        yield from _leaves(ch, path + (i,))


def _replace(root: Cond, path: tuple, new: Cond | None) -> Cond:
    """The tree with the node at `path` replaced (None: removed from its group)."""
    if not path:
        return new if new is not None else Cond("all", root.pos, ())  # a dropped `when` always holds
    i, rest = path[0], path[1:]
    children = list(root.children)
    if rest or new is not None:
        children[i] = _replace(children[i], rest, new)
    elif root.op == "not":  # dropping what a `not` negates drops the `not`
        return Cond("all", root.pos, ())
    else:
        del children[i]
    return dataclasses.replace(root, children=tuple(children))


def _node(root: Cond, path: tuple) -> Cond:
    for i in path:
        root = root.children[i]
    return root


def mutants(rule: Rule, fields: dict) -> list[Mutant]:
    out: list[Mutant] = []

    def add(path, new, what, at):
        out.append(Mutant(rule, _replace(rule.when, path, new), at, what))

    for path, leaf in _leaves(rule.when):
        if leaf.gate:  # a gate's condition is the gate's, tested by the gate's own scenarios
            continue
        shown = _leaf_text(leaf)
        # A leaf under `not` is dropped or negated as the `not` it is part of.
        unit = path[:-1] if path and _node(rule.when, path[:-1]).op == "not" else path
        add(unit, None, f"dropped: {shown}", leaf)
        add(path, Cond("not", leaf.pos, (leaf,)), f"negated: {shown}", leaf)
        ftype = fields.get(leaf.field)
        if leaf.op == "equals":
            values = ftype.values if ftype is not None and ftype.kind == "enum" else (
                (True, False) if ftype is None or ftype.kind == "bool" else ())
            for v in values:
                if v != leaf.value:
                    add(path, dataclasses.replace(leaf, value=v), f"{shown} -> {leaf.field} = {v}", leaf)
        elif leaf.op == "in" and len(leaf.value) > 1:
            for v in leaf.value:
                rest = tuple(x for x in leaf.value if x != v)
                add(path, dataclasses.replace(leaf, value=rest), f"{shown} without {v}", leaf)
        elif leaf.op in _SWAP:
            swapped = dataclasses.replace(leaf, op=_SWAP[leaf.op])
            add(path, swapped, f"{shown} -> {_leaf_text(swapped)}", leaf)
            for delta in (-1, 1):
                moved = dataclasses.replace(leaf, value=leaf.value + delta)
                add(path, moved, f"{shown} -> {_leaf_text(moved)}", leaf)
    return out


@dataclass
class _Case:
    file: str
    name: str
    facts: Facts
    values: Values
    expect: Expect
    explained: Explained | None = None  # the unmutated explanation, made once when a mutant needs it


def _observed(kb: Knowledge, case: _Case, values: Values, replace: dict[str, Rule] | None = None) -> Seen:
    """What a scenario can expect of the firm pathway, made by the one `pathway()`."""
    plan = pathway(kb, values.fired, values.resolve, values.histology_unknown)
    missing: frozenset[str] = frozenset()
    if case.expect.missing:  # the explanation (which fields are missing) only when it is expected
        if replace and case.explained is None:
            case.explained = explained(kb, case.facts)
        outcomes, rule_facts = explained(kb, case.facts, replace, base=case.explained if replace else None)
        missing = frozenset(m.field for m in missing_data(kb, Pass(case.facts, outcomes, rule_facts, values.fired)))
    return Seen(frozenset(values.fired), plan.entries, frozenset(a.code for a in plan.alerts), missing)


def _passes(expect: Expect, seen: Seen) -> bool:
    """The firm part of the scenario's one check (provisional and question expectations are not mutated)."""
    firm = dataclasses.replace(expect, provisional=(), provisional_absent=(), assumes=(), questions=(),
                               questions_absent=(), first_question=())
    return not failures(firm, seen)


class ScenarioNotModelled(Exception):
    """A scenario whose firm expectations the mutation run cannot check: it must say so, not drop it."""


def _cases(kb: Knowledge, files: list[Path]) -> dict[str, list[_Case]]:
    """The scenarios of each file, evaluated once. A scenario with an invalid patient is `rules test`'s
    to report; one whose firm expectations fail here would lower the denominator silently, so it stops
    the run with its name."""
    out: dict[str, list[_Case]] = {}
    for path in files:
        cases = []
        for name, _, doc, expect in load_scenarios(path):
            try:
                patient = from_document(doc)
            except InputError:
                continue
            facts = prepare(patient)
            case = _Case(doc.file, name, facts, values_of(kb, facts), expect)
            if not _passes(expect, _observed(kb, case, case.values)):
                raise ScenarioNotModelled(f"{doc.file}: scenario {name!r} fails before any mutation: run "
                                          "`spinepath rules test` first")
            cases.append(case)
        out[display_path(path)] = cases
    return out


def _beside(rule: Rule) -> str:
    return rule.file.removesuffix(".rules.yaml") + ".scenarios.yaml"


def run(kb: Knowledge, rule_id: str | None = None, part: tuple[int, int] = (0, 1)) -> Report:
    """Mutate one rule, or every rule; `part` (k, n) takes every n-th rule from the k-th, so that the
    whole knowledge base can be shared between processes and the parts' reports added up."""
    rs = kb.ruleset
    rules = kb.rules
    downstream = kb.graph.downstream
    chosen = [rules[rule_id]] if rule_id else rs.rules[part[0]::part[1]]
    beside = {rule.id: sorted({_beside(r) for r in (rule, *(rules[d] for d in downstream[rule.id]))})
              for rule in chosen}
    # Only the scenario files that can kill a chosen rule's mutants are evaluated (a part of the knowledge
    # base needs a fraction of them).
    needed = {f for files in beside.values() for f in files}
    cases = _cases(kb, [p for p in rs.scenario_files if display_path(p) in needed])
    total, survivors = 0, []
    for rule in chosen:
        files = beside[rule.id]
        relevant = [c for f in files for c in cases.get(f, [])]
        only = frozenset({rule.id, *downstream[rule.id]})
        for m in mutants(rule, rs.fields):
            total += 1
            mutated = {rule.id: dataclasses.replace(rule, when=m.when)}
            killed = False
            for case in relevant:
                values = reevaluate(kb, case.values, case.facts, only, replace=mutated)
                if values.values == case.values.values and not case.expect.missing:
                    continue  # the same values give the same plan, which passed before the mutation (_cases)
                if not _passes(case.expect, _observed(kb, case, values, mutated)):
                    killed = True
                    break
            if not killed:
                survivors.append(m)
    return Report(total, survivors)


# ------------------------------------------------------------------ scenarios that would kill survivors
#
# For a surviving mutant, the patients of the knowledge base's scenarios are varied on the field of
# the mutated condition (each allowed value, each side of each threshold the rule uses, not known)
# until one is found on which the rule and its mutant disagree. That patient, with the rule's
# current verdict as its expectation, is a boundary scenario the author can review and keep.


@dataclass(frozen=True)
class Suggestion:
    rule: Rule
    file: str  # the scenarios file beside the rule
    name: str
    patient: dict
    fires: bool
    kills: tuple[str, ...]  # the mutations it kills


def _candidates(leaf: Cond, ftype, rule: Rule) -> list:
    values: list = [None]
    if ftype is None or ftype.kind == "bool":
        values += [True, False]
    elif ftype.kind == "enum":
        values += list(ftype.values)
    elif ftype.numeric:
        for c in rule.when.leaves():
            if c.field == leaf.field and c.op in _SWAP:
                values += [c.value - 1, c.value, c.value + 1]
    elif ftype.kind == "list":
        members = {c.value for c in rule.when.leaves() if c.field == leaf.field and c.op == "contains"}
        values += [[m] for m in sorted(members, key=str)] + [[]]
        if ftype.item_kind == "enum":
            values.append(list(ftype.values))
    return values


def _tells_apart(kb: Knowledge, facts: Facts, m: Mutant, only: frozenset[str]) -> bool:
    """Do the rule and this mutant of it disagree on whether the rule fires for these facts?"""
    base = values_of(kb, facts)
    mutated = reevaluate(kb, base, facts, only, replace={m.rule.id: dataclasses.replace(m.rule, when=m.when)})
    return (base.values[m.rule.id] is True) != (mutated.values[m.rule.id] is True)


# Sample histories for the derived values read from history.treatments (prior surgery, its margin,
# prior radiotherapy, denosumab): one of each kind a rule distinguishes.
_SAMPLE_TREATMENTS: tuple[list, ...] = (
    [],
    [{"kind": "surgery", "extent": "intralesional"}],
    [{"kind": "surgery", "extent": "wide_en_bloc", "margin": "R0"}],
    [{"kind": "surgery", "extent": "marginal_en_bloc", "margin": "R0"}],
    [{"kind": "surgery", "extent": "decompression"}],
    [{"kind": "radiotherapy", "dose_gy": 50, "fractions": 25}],
    [{"kind": "denosumab"}],
    [{"kind": "surgery", "extent": "intralesional"}, {"kind": "radiotherapy", "dose_gy": 50, "fractions": 25}],
    [{"kind": "surgery", "extent": "marginal_en_bloc", "margin": "R0"},
     {"kind": "radiotherapy", "dose_gy": 50, "fractions": 25}],
)
# Junctional and multiregional levels, which no single level gives (derived.region).
_SAMPLE_LEVELS: tuple[list, ...] = (["C7", "T1"], ["T12", "L1"], ["L5", "S1"], ["T6", "L3"])


def _variations(kb, m: Mutant) -> list[tuple[str, object]]:
    """(field, value) pairs to try: the mutated field itself, or for a value derived from the patient
    (derive/SPECS) the patient fields it is computed from."""
    if not m.at.field.startswith("derived."):
        return [(m.at.field, v) for v in _candidates(m.at, kb.ruleset.fields.get(m.at.field), m.rule)]
    spec = SPECS.get(m.at.field.removeprefix("derived."))
    out: list[tuple[str, object]] = []
    for name in spec.inputs if spec else ():
        ftype = kb.ruleset.fields.get(name)
        if name == "history.treatments":
            out += [(name, list(t)) for t in _SAMPLE_TREATMENTS] + [(name, None)]
        elif ftype is not None and ftype.kind == "list" and ftype.item_kind == "enum":
            out += [(name, [v]) for v in ftype.values] + [(name, None)]
            if name == "lesion.levels":
                out += [(name, list(levels)) for levels in _SAMPLE_LEVELS]
        elif ftype is not None:
            out += [(name, v) for v in _candidates(Cond("equals", (0, 0), field=name), ftype, m.rule)]
    return out


def _boundary_patient(kb, m: Mutant, patients: list[dict], only: frozenset[str]):
    """The first scenario patient, varied on the mutated condition's field (or on the inputs of the
    derived value it reads), that tells the mutant apart."""
    variations = _variations(kb, m)
    for data in patients:
        for field, value in variations:
            if get_path(data, field) == value:
                continue
            trial = json.loads(json.dumps(data))
            _set_or_drop(trial, field, value)
            try:
                facts = prepare(Patient.model_validate(trial))
            except ValidationError:
                continue
            if _tells_apart(kb, facts, m, only):
                return trial, facts, (field, value)
    return None


def suggest(kb, rule_id: str | None = None, report: Report | None = None) -> list[Suggestion]:
    report = report or run(kb, rule_id)
    patients = [doc.data for path in kb.ruleset.scenario_files for _, _, doc, _ in load_scenarios(path)
                if isinstance(doc.data, dict)]
    out: list[Suggestion] = []
    killed: set[int] = set()
    downstream = kb.graph.downstream
    for i, m in enumerate(report.survivors):
        if i in killed:
            continue
        rule = m.rule
        only = frozenset({rule.id, *downstream[rule.id]})
        found = _boundary_patient(kb, m, patients, only)
        if found is None:
            continue
        trial, facts, (field, value) = found
        fires = values_of(kb, facts).values[rule.id] is True
        kills = [m.what]
        for j, other in enumerate(report.survivors):  # the same patient may kill other survivors of the rule
            if j != i and j not in killed and other.rule.id == rule.id and _tells_apart(kb, facts, other, only):
                killed.add(j)
                kills.append(other.what)
        killed.add(i)
        shown = "not known" if value is None else value
        varied = field if field == m.at.field else f"{field} (for {m.at.field})"
        if isinstance(value, list) and value and isinstance(value[0], dict):
            shown = ", ".join(" ".join(str(v) for v in t.values()) for t in value)
        name = f"{rule.id} boundary: {varied} = {shown} - {'fires' if fires else 'does not fire'}"
        trial["id"] = f"mut-{rule.id.lower()}-{len(out) + 1}"
        out.append(Suggestion(rule, _beside(rule), name, trial, fires, tuple(kills)))
    return out


def _set_or_drop(data: dict, dotted: str, value) -> None:
    if value is not None:
        set_path(data, dotted, value)
        return
    parts = dotted.split(".")
    cur: Any = data
    for part in parts[:-1]:
        cur = cur.get(part)
        if not isinstance(cur, dict):
            return
    cur.pop(parts[-1], None)


def suggestions_yaml(items: list[Suggestion]) -> dict[str, str]:
    """Scenario YAML per scenarios file, ready to append under its `scenarios:` list."""
    files: dict[str, list[str]] = {}
    for s in items:
        expect = {"fired": [s.rule.id]} if s.fires else {"not_fired": [s.rule.id]}
        entry = {"name": s.name, "patient": s.patient, "expect": expect}
        text = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, default_flow_style=None, width=110)
        files.setdefault(s.file, []).append("  " + text.replace("\n", "\n  ").rstrip() + "\n")
    return {f: "".join(chunks) for f, chunks in files.items()}
