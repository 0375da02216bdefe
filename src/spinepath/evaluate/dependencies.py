"""One dependency graph of the knowledge base, built once: what each input can change.

Its edges are every way a value reaches a rule's verdict or its advice:
- a rule reads a patient field, a computed value (derived.X) or a fact other rules derive;
- a computed value is computed from patient fields (derive.SPECS declares them);
- a rule derives a fact that later rules read (forward chaining);
- a presumption is withheld when its `unless` holds, so the fields `unless` reads reach every rule
  that reads the presumed field;
- a recommendation copies a value into its details (`{from: derived.X}`).

The questions, what-if, the incremental re-evaluation and mutation testing all ask it; none keeps a
copy of its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..derive import SPECS
from ..load.rule_files import Rule, Ruleset


@dataclass(frozen=True)
class DependencyGraph:
    readers: Mapping[str, tuple[str, ...]]  # field, derived.X or derived fact -> rules reading it directly
    reach: Mapping[str, frozenset[str]]  # an input (patient field or derived.X) -> the rules it can change
    upstream: Mapping[str, frozenset[str]]  # rule -> the rule and every rule deriving a fact it reads
    downstream: Mapping[str, frozenset[str]]  # rule -> the rules reading a fact it derives, transitively
    reads: Mapping[str, frozenset[str]]  # rule -> every input it depends on (through facts and SPECS)
    thresholds: Mapping[str, tuple[tuple[str, float], ...]]  # numeric field -> the cuts rules and `unless` make

    def reached(self, name: str) -> frozenset[str]:
        return self.reach.get(name, frozenset())


def _details_reads(rule: Rule) -> list[str]:
    return [v[1] for a in rule.then for _, v in a.details
            if isinstance(v, tuple) and len(v) == 2 and v[0] == "from"]


def build(rs: Ruleset) -> DependencyGraph:
    rules = {r.id: r for r in rs.rules}
    readers: dict[str, list[str]] = {}
    for r in rs.rules:
        for f in dict.fromkeys(r.fields() + _details_reads(r)):
            readers.setdefault(f, []).append(r.id)
    fact_readers = {fact: set(readers.get(f"derived.{fact}", ())) for fact in rs.derived_facts}

    def closed(start: set[str]) -> frozenset[str]:
        """`start` and every rule reading a fact one of them derives, transitively."""
        seen, todo = set(start), list(start)
        while todo:
            for fact in rules[todo.pop()].derives():
                for rid in fact_readers.get(fact, ()):
                    if rid not in seen:
                        seen.add(rid)
                        todo.append(rid)
        return frozenset(seen)

    downstream = {rid: closed({rid}) - {rid} for rid in rules}
    inputs_of = {f"derived.{k}": spec.inputs for k, spec in SPECS.items()}
    # Presumed field -> the fields its `unless` reads: answering those can withdraw the presumption.
    unless_of: dict[str, set[str]] = {}
    for p in rs.presumptions:
        if p.unless is not None:
            for leaf in p.unless.leaves():
                unless_of.setdefault(leaf.field, set()).add(p.field)

    def direct(name: str) -> set[str]:
        """Rules reading `name` itself or a computed value computed from it."""
        out = set(readers.get(name, ()))
        for d, ins in inputs_of.items():
            if name in ins:
                out |= set(readers.get(d, ()))
        return out

    patient_fields = ({f for ins in inputs_of.values() for f in ins} | set(unless_of)
                      | {f for f in readers if not f.startswith("derived.")})
    reach: dict[str, frozenset[str]] = {}
    for f in sorted(patient_fields):
        start = direct(f)
        for presumed in unless_of.get(f, ()):
            start |= direct(presumed)
        reach[f] = closed(start)
    for d in inputs_of:
        reach[d] = closed(set(readers.get(d, ())))

    upstream: dict[str, frozenset[str]] = {}

    def up(rid: str) -> frozenset[str]:
        if rid not in upstream:
            out = {rid}
            for f in rules[rid].fields():
                fact = f.removeprefix("derived.")
                if f.startswith("derived.") and fact in rs.derived_facts:
                    for other in rs.derived_facts[fact]:
                        out |= up(other)
            upstream[rid] = frozenset(out)
        return upstream[rid]

    reads: dict[str, frozenset[str]] = {}
    for rid in rules:
        fs: set[str] = set()
        for other in up(rid):
            for f in rules[other].fields():
                fs.add(f)
                if f in inputs_of:
                    fs |= set(inputs_of[f])
        reads[rid] = frozenset(fs)

    cuts: dict[str, set[tuple[str, float]]] = {}
    conditions = [r.when for r in rs.rules] + [p.unless for p in rs.presumptions if p.unless is not None]
    for cond in conditions:
        for leaf in cond.leaves():
            if leaf.op in ("lt", "lte", "gt", "gte"):
                cuts.setdefault(leaf.field, set()).add((leaf.op, leaf.value))
    thresholds = {f: tuple(sorted(c, key=lambda x: (x[1], x[0]))) for f, c in cuts.items()}
    return DependencyGraph({k: tuple(v) for k, v in readers.items()}, reach, upstream, downstream, reads,
                           thresholds)
