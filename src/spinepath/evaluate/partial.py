"""Three-valued evaluation of the knowledge base, whole or in part, under given inputs.

The consult evaluates every rule once on the facts (firm) and once on the facts plus the presumptions
that apply (provisional). The provisional entries' `assumes`, the ranked questions and what-if
re-evaluate only what a changed input can reach: the rules reading it, directly or through a
derived value, and the rules reading facts those rules derive. The index below says which.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..derive import SPECS, derive_all
from ..derive.base import Derived
from ..load.patient import Patient
from .presumptions import Presumption
from ..load.fields import get_path, set_path
from ..load.rule_files import Rule, Ruleset
from .threevalued import Outcome, evaluate, truth

Entry = tuple[str, str, str]  # (intervention, phase, strength)


def flatten(data: Any, prefix: str = "", out: dict | None = None) -> dict:
    out = {} if out is None else out
    if isinstance(data, dict):
        for k, v in data.items():
            flatten(v, f"{prefix}{k}.", out)
    else:
        out[prefix[:-1]] = data
    return out


def make_lookup(flat: dict, derived: dict[str, Derived], rule_facts: dict):
    """field -> (value or None, the patient fields that would decide it), for the three-valued evaluation."""
    def lookup(name: str):
        if name.startswith("derived."):
            key = name.removeprefix("derived.")
            if key in derived:
                d = derived[key]
                return d.value, (d.lacked or (name,)) if d.value is None else ()
            value, missing = rule_facts.get(key, (None, (name,)))
            return value, missing or (name,)
        value = flat.get(name)
        return value, (name,) if value is None else ()
    return lookup


def settle(fact: str, rids: list[str], outcomes: dict[str, Outcome], rule_facts: dict) -> None:
    """Fix a rule-derived fact from the outcomes of every rule that can derive it."""
    values = [outcomes[r].value for r in rids]
    if True in values:
        rule_facts[fact] = (True, ())
    elif all(v is False for v in values):
        rule_facts[fact] = (False, ())
    else:
        missing = tuple(dict.fromkeys(m for r in rids if outcomes[r].value is None for m in outcomes[r].missing))
        rule_facts[fact] = (None, missing)


@dataclass
class Inputs:
    """What the rules read for one pass: the patient data with answers and presumptions, and derived values."""

    patient: Patient  # the model of `data`
    data: dict
    flat: dict
    derived: dict[str, Derived]
    applied: tuple[Presumption, ...] = ()  # the presumptions that filled an unknown field, in file order
    raw: dict[str, Derived] = field(default_factory=dict)  # derived from `data` alone (no derived presumption)


# Patient field -> the derived values computed from it (derive.SPECS declares each value's inputs).
_DERIVED_FROM: dict[str, frozenset[str]] = {}
for _name, _spec in SPECS.items():
    for _f in _spec.inputs:
        _DERIVED_FROM[_f] = _DERIVED_FROM.get(_f, frozenset()) | {_name}


def _stale(changed: set[str]) -> set[str]:
    """The derived values an input in `changed` (flattened leaf keys) or any field above it feeds."""
    out: set[str] = set()
    for key in changed:
        parts = key.split(".")
        for i in range(1, len(parts) + 1):
            out |= _DERIVED_FROM.get(".".join(parts[:i]), frozenset())
    return out


def _derive(model: Patient, flat: dict, base: Inputs | None) -> dict[str, Derived]:
    """derive_all, reusing from `base` (the same patient under other answers or presumptions) every value
    whose declared inputs (derive.SPECS) are the same here: a question's answer changes one field."""
    if base is None or not base.raw:
        return derive_all(model)
    changed = {k for k in flat.keys() | base.flat.keys() if flat.get(k) != base.flat.get(k)}
    stale = _stale(changed)
    if any(f.startswith(k + ".") for k in changed for f in _DERIVED_FROM):  # an input below a changed key
        return derive_all(model)
    return {name: spec.compute(model) if name in stale else base.raw[name] for name, spec in SPECS.items()}


def prepare(patient: Patient, presumptions: Iterable[Presumption] = (), answers: dict[str, Any] | None = None,
            derived_answers: dict[str, Any] | None = None, base: Inputs | None = None) -> Inputs:
    """The inputs of a pass. Answers are known values, so a presumption on the same field does not apply.
    `base`, the inputs of another pass of the same patient, saves re-deriving what did not change."""
    data = patient.model_dump(mode="json", exclude_none=True)  # a fresh copy: ours to change
    for name, value in (answers or {}).items():
        set_path(data, name, value)
    facts = flatten(data)  # what forbids a presumption is read from the facts (and answers) alone
    facts_only = make_lookup(facts, {}, {})
    presumptions = tuple(p for p in presumptions if p.unless is None or truth(p.unless, facts_only) is not True)
    applied: list[Presumption] = []
    for p in presumptions:
        if not p.derived and get_path(data, p.field) is None:
            set_path(data, p.field, copy.deepcopy(p.value))
            applied.append(p)
    model = Patient.model_validate(data) if answers or applied else patient
    flat = flatten(data) if applied else facts
    raw = _derive(model, flat, base)
    derived = dict(raw)
    for name, value in (derived_answers or {}).items():
        derived[name.removeprefix("derived.")] = Derived(value)
    for p in presumptions:
        key = p.field.removeprefix("derived.")
        # Only a value unknown for lack of data: one the data leave to the MDT (C1-C2, sacrum) or that
        # conflicting data leave open is not presumed.
        if p.derived and derived[key].value is None and derived[key].lacked:
            derived[key] = Derived(p.value)
            applied.append(p)
    order = {p.field: i for i, p in enumerate(presumptions)}
    return Inputs(model, data, flat, derived, tuple(sorted(applied, key=lambda p: order[p.field])), raw)


@dataclass
class Index:
    """Which rules each input reaches, computed once per knowledge base."""

    rules: dict[str, Rule]
    reach: dict[str, frozenset[str]]  # a patient field or derived.X -> rules it can change, downstream closed
    upstream: dict[str, frozenset[str]]  # rule id -> the rule and every rule deriving a fact it reads
    reads: dict[str, frozenset[str]] = field(default_factory=dict)  # rule id -> fields it reads, transitively
    plans: dict = field(default_factory=dict)  # a set of rules -> its part of the evaluation plan (_plan_for)


def _plan_for(kb, only: frozenset[str]) -> list[tuple[Rule | None, tuple[str, ...]]]:
    """The steps of kb.plan that evaluating `only` over a base needs: its rules, and the facts they read
    settled where the plan settles them (the other facts are read by no rule evaluated here)."""
    plans = kb.index.plans
    if only not in plans:
        rules = kb.index.rules
        read = {f.removeprefix("derived.") for rid in only for f in rules[rid].fields() if f.startswith("derived.")}
        steps = []
        for rule, settled in kb.plan:
            mine = rule if rule.id in only else None
            facts = tuple(f for f in settled if f in read)
            if mine is not None or facts:
                steps.append((mine, facts))
        plans[only] = steps
    return plans[only]


def build_index(rs: Ruleset) -> Index:
    rules = {r.id: r for r in rs.rules}
    direct: dict[str, set[str]] = {}
    for r in rs.rules:
        for f in r.fields():
            direct.setdefault(f, set()).add(r.id)
    readers_of_fact = {fact: direct.get(f"derived.{fact}", set()) for fact in rs.derived_facts}

    def downstream(start: set[str]) -> frozenset[str]:
        seen = set(start)
        todo = list(start)
        while todo:
            for fact in rules[todo.pop()].derives():
                for rid in readers_of_fact.get(fact, ()):
                    if rid not in seen:
                        seen.add(rid)
                        todo.append(rid)
        return frozenset(seen)

    reach: dict[str, frozenset[str]] = {}
    inputs_of = {f"derived.{k}": spec.inputs for k, spec in SPECS.items()}
    patient_fields = {f for spec in SPECS.values() for f in spec.inputs} | {f for f in direct if not f.startswith("derived.")}
    for f in sorted(patient_fields):
        start = set(direct.get(f, ()))
        for d, ins in inputs_of.items():
            if f in ins:
                start |= direct.get(d, set())
        reach[f] = downstream(start)
    for d in inputs_of:
        reach[d] = downstream(set(direct.get(d, ())))

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
        for r in up(rid):
            for f in rules[r].fields():
                fs.add(f)
                if f in inputs_of:
                    fs |= set(inputs_of[f])
        reads[rid] = frozenset(fs)
    return Index(rules, reach, upstream, reads)


def evaluate_rules(kb, inputs: Inputs, only: frozenset[str] | None = None,
                   base: dict[str, Outcome] | None = None, *, explaining: bool = False,
                   replace: dict[str, Rule] | None = None, rule_facts: dict | None = None) -> dict[str, Outcome]:
    """Outcomes of the rules in `only` (all when None), stratum by stratum, so that a rule-derived fact
    is settled right after the last rule that can derive it; the others are taken from `base`.
    Only the values (`truth`) unless `explaining` (`evaluate`: the lines and missing fields too).
    `replace` evaluates other conditions for some rules (mutation testing); `rule_facts` receives the
    settled facts.

    `only` must be closed downstream (a rule reading a fact derived inside it is inside it) or, with no
    base, upstream (every rule deriving a fact it reads is inside it)."""
    outcomes: dict[str, Outcome] = dict(base) if base else {}
    deriving = kb.ruleset.derived_facts
    if only is not None and base and rule_facts is None:  # a part over a base: only the steps it needs
        rule_facts = {}
        lookup = make_lookup(inputs.flat, inputs.derived, rule_facts)
        for rule, settled in _plan_for(kb, only):
            if rule is not None:
                when = (replace or {}).get(rule.id, rule).when
                outcomes[rule.id] = evaluate(when, lookup) if explaining else Outcome(truth(when, lookup))
            for fact in settled:
                settle(fact, deriving[fact], outcomes, rule_facts)
        return outcomes
    rule_facts = {} if rule_facts is None else rule_facts
    lookup = make_lookup(inputs.flat, inputs.derived, rule_facts)
    for rule, settled in kb.plan:
        if only is None or rule.id in only:
            when = (replace or {}).get(rule.id, rule).when
            outcomes[rule.id] = evaluate(when, lookup) if explaining else Outcome(truth(when, lookup))
        for fact in settled:
            if all(r in outcomes for r in deriving[fact]):
                settle(fact, deriving[fact], outcomes, rule_facts)
    return outcomes


def fired(outcomes: dict[str, Outcome]) -> set[str]:
    return {rid for rid, o in outcomes.items() if o.value is True}


def entries(kb, fired_ids: set[str], histology_unknown: bool, capped: set[str] = frozenset()) -> frozenset[Entry]:
    """The pathway's (intervention, phase, strength) as the explanation builds it: superseded rules drop
    out, the histology-first safety net turns a procedure through the tumour into avoid, and a rule in
    `capped` recommends at most "consider" (it rests on a presumption with `at_most`)."""
    rules = kb.index.rules
    superseded = {o for rid in fired_ids for o in rules[rid].supersedes if o in fired_ids}
    out = set()
    for rid in fired_ids - superseded:
        for a in rules[rid].then:
            if a.kind == "recommend":
                strength = a.strength
                if histology_unknown and kb.ruleset.interventions[a.code].enters_tumor:
                    strength = "avoid"
                elif rid in capped and strength == "recommended":
                    strength = "consider"
                out.add((a.code, a.phase, strength))
    return frozenset(out)


def capping(presumptions) -> tuple:
    """The presumptions an entry may rest on only at a lower strength (`at_most`)."""
    return tuple(p for p in presumptions if p.at_most)


def capped_rules(kb, patient: Patient, presumptions, fired_ids: set[str], answers: dict | None = None,
                 derived_answers: dict | None = None, only: frozenset[str] | None = None,
                 base: dict[str, Outcome] | None = None, base_inputs: Inputs | None = None) -> set[str]:
    """The fired rules that would not hold with the capping presumptions withheld."""
    caps = capping(presumptions)
    if not caps:
        return set()
    inputs = prepare(patient, [p for p in presumptions if p not in caps], answers, derived_answers, base_inputs)
    return fired_ids - fired(evaluate_rules(kb, inputs, only, base))
