"""What the rules read in one pass: one `Facts` object, built once from the validated patient.

A pass reads the patient's data (with a question's answer or the presumptions that apply filled in)
and the values derived from it. Both evaluators read the same object: the Python evaluator through
`lookup`, durable-rules through `engine_fact`, so that they cannot be fed two different patients.
Numbers reach the rules as the patient model accepted them (at most four decimals, load/patient.py):
nothing is rounded here.
"""
from __future__ import annotations

import copy
import functools
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from ..derive import SPECS, derive_all
from ..derive.base import Derived
from ..load.fields import NOT_FOR_RULES, get_path, set_path
from pydantic import BaseModel

from ..load.patient import Patient
from ..load.rule_files import Presumption
from .threevalued import Tri, compiled_truth
from .engine import InternalError
from .compile import companion

# A rule-derived fact: its value and, while unknown, the patient fields that would decide it.
RuleFact = tuple[Tri, tuple[str, ...]]
Lookup = Callable[[str], tuple[Any, tuple[str, ...]]]


def flatten(data: Any, prefix: str = "", out: dict | None = None) -> dict:
    """Nested patient data -> {dotted field: leaf value}."""
    out = {} if out is None else out
    if isinstance(data, dict):
        for k, v in data.items():
            flatten(v, f"{prefix}{k}.", out)
    else:
        out[prefix[:-1]] = data
    return out


def fact_value(values: Iterable[Tri]) -> Tri:
    """A rule-derived fact from the values of every rule that can derive it: true when one fired, false
    when all are definitely false, else unknown. The one definition both evaluators use."""
    out: Tri = False
    for v in values:
        if v is True:
            return True
        if v is None:
            out = None
    return out


def make_lookup(flat: Mapping[str, Any], derived: Mapping[str, Derived],
                rule_facts: Mapping[str, RuleFact]) -> Lookup:
    """field -> (value or None, the patient fields that would decide it), for the three-valued evaluation."""
    def lookup(name: str) -> tuple[Any, tuple[str, ...]]:
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


_DERIVED_KEY: dict[str, str] = {}  # field name -> its key among the derived values ("" for a patient field)


def make_reader(flat: Mapping[str, Any], derived: Mapping[str, Derived],
                rule_facts: Mapping[str, RuleFact]) -> Callable[[str], Any]:
    """field -> its value or None: `make_lookup` without the fields that would decide it (what a rule's
    value needs, not its explanation)."""
    def get(name: str) -> Any:
        key = _DERIVED_KEY.get(name)
        if key is None:
            key = _DERIVED_KEY[name] = name.removeprefix("derived.") if name.startswith("derived.") else ""
        if not key:
            return flat.get(name)
        d = derived.get(key)
        if d is not None:
            return d.value
        return rule_facts.get(key, _UNKNOWN)[0]
    return get


_UNKNOWN = (None, ())


@dataclass(frozen=True)
class Own:
    """The patient file's own data, as every pass of that patient starts from it (made once)."""

    data: dict  # model_dump of the file's patient
    flat: dict  # `data` as {dotted field: value}
    # The validated patient with some fields set, by what was set: the passes of one answer (facts alone,
    # with the presumptions, with the uncapping ones) set the same answer, validated once.
    models: dict[str, Patient] = field(default_factory=dict, compare=False, repr=False)
    # Each section of the file validated with some of its fields set, by section and what was set: the
    # sections a presumption fills are the same in every pass that presumes it, whatever the answer.
    sections: dict[tuple[str, str], BaseModel] = field(default_factory=dict, compare=False, repr=False)
    # Derived values by name and the fields set (answers, presumptions) that feed them (`_derived_value`).
    values: dict[tuple[str, str], Derived] = field(default_factory=dict, compare=False, repr=False)
    # The presumptions no `unless` forbids on the facts alone, by the presumptions (their identities; the
    # entry holds them) and the answers their `unless` read.
    allowed: dict[tuple[tuple[int, ...], str], tuple[tuple[Presumption, ...], tuple[Presumption, ...]]] = field(
        default_factory=dict, compare=False, repr=False)
    # What those presumptions fill in, by the same key and the fields the answers set (`_presuming`).
    presuming: dict[tuple, Presuming] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Presuming:
    """What the presumptions no `unless` forbids fill in, given the fields that the answers set: the same for
    every answer to a field, so made once per patient and field (`Own.presuming`)."""

    allowed: tuple[Presumption, ...]  # those no `unless` forbids (file order), held: the memo's key has their ids
    filling: tuple[Presumption, ...]  # those of a patient field that is unknown: they apply (file order)
    values: dict[str, Any]  # their fields -> a copy of the presumed value (a pass never writes the rules')
    set_values: tuple[tuple[str, Any], ...]  # (field, value) of each, as `_with` sets them on the file
    fields: frozenset[str]
    never_presumed: tuple[str, ...]  # the never-presumed values one of their fields feeds (QP-02)
    of_values: tuple[Presumption, ...]  # those of `allowed` that presume a computed value (derived.X)
    order: dict[str, int]  # a presumed field -> its place in `allowed`: the order of Facts.applied


@dataclass(frozen=True)
class Facts:
    """The inputs of one pass: the patient data with answers and presumptions, and the derived values."""

    patient: Patient  # the patient with answers and presumptions applied (the file's own when none)
    own: Own  # the file's own data, shared by every pass of the patient
    flat: dict  # the data the rules read, answers and presumptions applied, as {dotted field: value}
    derived: dict[str, Derived]  # computed values, derived presumptions and answers applied
    applied: tuple[Presumption, ...] = ()  # the presumptions that filled an unknown field, in file order
    raw: dict[str, Derived] = field(default_factory=dict)  # derived from `data` alone
    filled: frozenset[str] = frozenset()  # the leaves of `flat` that answers and presumptions set
    # The facts this pass was prepared from (`prepare`'s base), and the derived values that may differ from
    # its (None: any): what `changed_inputs` compares when it compares the two.
    base: Facts | None = field(default=None, compare=False, repr=False)
    rederived: frozenset[str] | None = field(default=None, compare=False, repr=False)
    overridden: frozenset[str] = frozenset()  # derived values that answers and derived presumptions set

    def lookup(self, rule_facts: Mapping[str, RuleFact]) -> Lookup:
        return make_lookup(self.flat, self.derived, rule_facts)

    def reader(self, rule_facts: Mapping[str, RuleFact]) -> Callable[[str], Any]:
        return make_reader(self.flat, self.derived, rule_facts)

    def engine_fact(self, list_fields: Iterable[str], rule_facts: Mapping[str, bool]) -> dict:
        """The one flattened fact the engine matches: the data rules read (never `id`, which the engine
        takes as the fact's identity, §3.3), the derived values, the rule-derived facts decided so far,
        and the item count of each list (for `not contains` on an empty list)."""
        data, computed = self._engine_parts
        fact = dict(data)  # the nested mappings are shared: the engine reads the fact as JSON text
        derived = dict(computed)
        derived.update(rule_facts)
        fact["derived"] = derived
        for f in list_fields:
            items = get_path(fact, f) if not f.startswith("derived.") else derived.get(f.removeprefix("derived."))
            if isinstance(items, list):
                fact[companion(f)] = len(items)
        return fact


    @functools.cached_property
    def _engine_parts(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """What `engine_fact` gives whatever the rule-derived facts: the data rules read, nested, and the
        computed values. Made once per pass: the engine reads a fact per stratum."""
        data: dict[str, Any] = {}
        for name, value in self.flat.items():
            if name not in NOT_FOR_RULES and not any(name.startswith(f + ".") for f in NOT_FOR_RULES):
                set_path(data, name, _engine_value(value, name))
        computed = {k: _engine_value(d.value, f"derived.{k}") for k, d in self.derived.items() if d.value is not None}
        return data, computed


def _engine_value(v: Any, name: str) -> Any:
    """A value the C core reads back as written (§3.1: it reads decimals exactly, but not the exponent
    notation JSON uses below 1e-4 and from 1e16). The patient model refuses such numbers; one here is a
    bug, not the user's input."""
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        if (v != 0 and abs(v) < 1e-4) or abs(v) >= 1e15 or v != v:
            raise InternalError(f"{name}: the number {v!r} cannot go to the rule engine as written")
        return int(v) if v.is_integer() else v
    if isinstance(v, (list, tuple)):
        return [_engine_value(x, name) for x in v]
    raise InternalError(f"{name}: a value of type {type(v).__name__} cannot go to the rule engine")


@dataclass(frozen=True)
class Values:
    """Each rule's value (in evaluation order) and the rule-derived facts, on one set of facts, without
    explanations: what a pathway is built from."""

    facts: Facts
    values: Mapping[str, Tri]
    rule_facts: Mapping[str, RuleFact]
    # Re-evaluation's memo of what holds each rule at its value here, by plan position (incremental.py,
    # `_Made.held_by`): a pass that many answers re-evaluate from (the consult's) asks it per answer.
    held: dict[int, frozenset[str] | None] = field(default_factory=dict, compare=False, repr=False)

    @functools.cached_property
    def fired(self) -> tuple[str, ...]:  # asked several times per answer by the questions: made once
        return tuple(rid for rid, v in self.values.items() if v is True)

    @functools.cached_property
    def place(self) -> dict[str, int]:
        """Each rule's place in `values`: the order of `fired`."""
        return {rid: i for i, rid in enumerate(self.values)}

    @functools.cached_property
    def readings(self) -> dict[str, Any]:
        """Every input a rule reads -> its value (None or absent when not known): what `facts.reader` gives,
        as one dict whose `get` is the reader. Incremental re-evaluation patches a copy of its base's per
        answer instead of calling a Python reader per leaf of every condition it evaluates."""
        out = {f"derived.{k}": v for k, (v, _) in self.rule_facts.items()}
        out.update({f"derived.{k}": d.value for k, d in self.facts.derived.items()})  # a computed value first
        out.update(self.facts.flat)
        return out

    def resolve(self, name: str) -> Any:
        """A field's value as the rules read it (derived.X: a computed value or rule-derived fact), None when
        not known. The rules loader lets a detail copy a patient field too (`from: lesion.levels`): it is read
        from the pass's data, not looked up among the derived values, where it never is."""
        if name.startswith("derived."):
            return self.readings.get(name)  # the same, made once per pass (the questions ask per answer)
        return self.facts.flat.get(name)

    @property
    def histology_unknown(self) -> bool:
        return self.facts.flat.get("diagnosis.histology") == "unknown"


# Patient field -> the derived values computed from it (derive.SPECS declares each value's inputs).
DERIVED_FROM: dict[str, frozenset[str]] = {}
for _name, _spec in SPECS.items():
    for _f in _spec.inputs:
        DERIVED_FROM[_f] = DERIVED_FROM.get(_f, frozenset()) | {_name}


# Every proper prefix of a derived value's input: a change there may change an input below it.
_ABOVE_INPUTS = frozenset(".".join(f.split(".")[:i]) for f in DERIVED_FROM for i in range(1, f.count(".") + 1))


def _stale(changed: set[str]) -> set[str]:
    """The derived values an input in `changed` (flattened leaf keys) or any field above it feeds."""
    out: set[str] = set()
    for key in changed:
        out |= _fed_by(key)
    return out


@functools.lru_cache(maxsize=None)
def _fed_by(key: str) -> frozenset[str]:
    """The derived values a flattened leaf key or any field above it feeds: a fixed table, asked per pass."""
    parts = key.split(".")
    return frozenset().union(*(DERIVED_FROM.get(".".join(parts[:i]), frozenset()) for i in range(1, len(parts) + 1)))


def _related(a: str, b: str) -> bool:
    """The same field, or one above the other."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


@functools.lru_cache(maxsize=None)
def _feeds(field: str, name: str) -> bool:
    """Whether the derived value `name` is computed from `field`: it is a declared input (derive.SPECS), or
    above or below one. A fixed table, asked per answer."""
    return any(_related(field, f) for f in SPECS[name].inputs)


def _derived_value(own: Own, model: Patient, set_values: list[tuple[str, Any]], name: str) -> Derived:
    """SPECS[name].derive(model), where `model` is the file with `set_values` set (`_with`): once per
    patient and per value of the set fields that feed it, as `_derive` reuses a value whose inputs did not
    change. The firm and provisional passes of one answer, and the facts-only values (QP-02) of every
    answer that does not feed them, compute the same value."""
    key = (name, repr([(f, v) for f, v in set_values if _feeds(f, name)]))
    hit = own.values.get(key)
    if hit is None:
        hit = own.values[key] = SPECS[name].derive(model)
    return hit


def _derive(model: Patient, flat: dict, filled: frozenset[str], base: Facts | None,
            presumed: frozenset[str], set_values: list[tuple[str, Any]]) -> tuple[dict[str, Derived], set[str] | None]:
    """derive_all, reusing from `base` (the same patient under other answers or presumptions) every value
    whose declared inputs (derive.SPECS) are the same here: a question's answer changes one field.
    `presumed` are the fields a presumption filled here; `set_values` what `model` set on the file. Also
    returns the names recomputed (None: all)."""
    if base is None or not base.raw:
        return derive_all(model), None
    # Both passes start from the file's own leaves (`own`), so only what either filled can differ.
    changed = {k for k in filled | base.filled if flat.get(k) != base.flat.get(k)}
    # A field answered with the value that `base` presumed is the same leaf but not the same fact: a
    # never-presumed value (QP-02) read it as absent in `base` and must now read the answer.
    changed |= presumed ^ {p.field for p in base.applied if not p.derived}
    stale = _stale(changed)
    if not changed.isdisjoint(_ABOVE_INPUTS):  # an input below a changed key
        return derive_all(model), None
    raw = dict(base.raw)  # in SPECS order, as derive_all gives them; a recomputed value keeps its place
    for name in stale:
        raw[name] = _derived_value(base.own, model, set_values, name)
    return raw, stale


NEVER_PRESUMED = tuple(name for name, spec in SPECS.items() if not spec.presumable)


@functools.lru_cache(maxsize=None)
def _never_presumed_reading(fields: tuple[str, ...]) -> tuple[str, ...]:
    """The never-presumed values (NEVER_PRESUMED order) computed from one of these presumed fields. A fixed
    table (SPECS and the presumption fields do not change in a process), asked per answer."""
    return tuple(name for name in NEVER_PRESUMED if any(_feeds(field, name) for field in fields))


def _with(patient: Patient, own: Own, values: list[tuple[str, Any]]) -> Patient:
    """The patient with these fields set, checked as a file is (`_validated`), once per set of values."""
    key = repr(values)
    hit = own.models.get(key)
    if hit is not None:
        return hit
    model = own.models[key] = _validated(patient, own, values)
    return model


def _section_class(name: str) -> type[BaseModel] | None:
    """The model of a top-level section of the patient file (lesion, diagnosis, ...), None for a value."""
    if name not in _SECTIONS:
        field_info = Patient.model_fields.get(name)
        found = None
        if field_info is not None:
            for t in (field_info.annotation, *typing.get_args(field_info.annotation)):
                if isinstance(t, type) and issubclass(t, BaseModel):
                    found = t
        _SECTIONS[name] = found
    return _SECTIONS[name]


_SECTIONS: dict[str, type[BaseModel] | None] = {}


def _validated(patient: Patient, own: Own, values: list[tuple[str, Any]]) -> Patient:
    """`patient` with these fields set, checked as a file is: each section an answer touches is validated by
    its model (its own cross-field checks included), then the patient's own checks run on the whole. The
    sections no answer touches are the file's, validated when it was read: a whole re-validation per answer
    was a tenth of a consult. A section is validated once per patient and what is set in it (`own.sections`)."""
    data = own.data
    sections: dict[str, list[tuple[str, Any]]] = {}
    for name, value in values:
        top, _, rest = name.partition(".")
        if not rest or _section_class(top) is None:
            return Patient.model_validate(_set(data, values))
        sections.setdefault(top, []).append((rest, value))
    updates = {}
    for top, items in sections.items():
        key = (top, repr(items))
        section = own.sections.get(key)
        if section is None:
            cls = _section_class(top)
            assert cls is not None
            section = own.sections[key] = cls.model_validate(_set(data.get(top) or {}, items))
        updates[top] = section
    model = patient.model_copy(update=updates)
    for check in _PATIENT_CHECKS:
        check(model)
    return model


# The patient model's own `after` checks (those across sections: a subtype of the histology, no treatment
# after as_of), which model_copy does not run.
_PATIENT_CHECKS = tuple(d.func for d in Patient.__pydantic_decorators__.model_validators.values()
                        if d.info.mode == "after")


def _set(data: dict, values: list[tuple[str, Any]]) -> dict:
    """`data` with these dotted fields set. Only the mappings on the way to a set field are copied: `data`
    is shared by every pass of the patient and is never written."""
    data = dict(data)
    for name, value in values:
        parts = name.split(".")
        cur = data
        for part in parts[:-1]:
            nxt = cur.get(part)
            cur[part] = nxt = dict(nxt) if isinstance(nxt, dict) else {}
            cur = nxt
        cur[parts[-1]] = copy.deepcopy(value)
    return data



@dataclass(frozen=True)
class _Unless:
    """What the presumptions' `unless` read: the derived values, and the patient fields (directly or through
    a derived value's declared inputs, derive.SPECS)."""

    presumptions: tuple[Presumption, ...]  # held: the cache below is keyed by their identities
    key: tuple[int, ...]
    read: frozenset[str]
    inputs: frozenset[str]


_UNLESS: dict[tuple[int, ...], _Unless] = {}


def _unless_of(presumptions: tuple[Presumption, ...]) -> _Unless:
    """What these presumptions' `unless` read, asked per answer of every question: kept per set of
    presumptions (by identity; the entry holds them, so an identity is never reused)."""
    key = tuple(map(id, presumptions))
    hit = _UNLESS.get(key)
    if hit is None:
        leaves = [leaf.field for p in presumptions if p.unless is not None for leaf in p.unless.leaves()]
        read = frozenset(f.removeprefix("derived.") for f in leaves if f.startswith("derived."))
        inputs: set[str] = set()
        for f in leaves:
            name = f.removeprefix("derived.")
            inputs.update(SPECS[name].inputs if f.startswith("derived.") and name in SPECS else (f,))
        if len(_UNLESS) > 256:  # a long-lived process (serve, batch) with many knowledge bases
            _UNLESS.clear()
        hit = _UNLESS[key] = _Unless(presumptions, key, read, frozenset(inputs))
    return hit


@functools.lru_cache(maxsize=None)
def _read_by(field: str, inputs: frozenset[str]) -> bool:
    """Whether an answer to `field` can change what reads `inputs` (_Unless.inputs), asked per answer."""
    return any(_related(field, f) for f in inputs)


def _presuming(allowed: tuple[Presumption, ...], flat: dict) -> Presuming:
    """What `allowed` fill in on `flat` (the file's leaves with the answers): a presumption of a patient
    field applies while the field is unknown (an answer is known), the first of two on one field."""
    filling: list[Presumption] = []
    values: dict[str, Any] = {}
    for p in allowed:
        if not p.derived and (values[p.field] if p.field in values else flat.get(p.field)) is None:
            values[p.field] = copy.deepcopy(p.value)
            filling.append(p)
    fields = tuple(p.field for p in filling)
    return Presuming(allowed, tuple(filling), values, tuple((p.field, p.value) for p in filling), frozenset(fields),
                     _never_presumed_reading(fields), tuple(p for p in allowed if p.derived),
                     {p.field: i for i, p in enumerate(allowed)})


_NOTHING_PRESUMED = _presuming((), {})  # a pass without presumptions (the firm one)


def presumed_as_before(presumptions: Iterable[Presumption], fields: Iterable[str], base: Facts) -> frozenset[str] | None:
    """What `prepare(patient, presumptions, answers, base=base)` can change from `base`, a pass of these
    presumptions without answers, when answers to these patient fields (whatever their values, None apart)
    leave the presumptions as they are: no presumption is of an answered field or of a value computed from
    one, and no `unless` reads one. The same presumptions then apply, and only the answered fields and the
    values computed from them can read otherwise: their names (fields and derived.X). None when the answers
    may change the presumptions: `prepare` the pass. `check_answers` validates them as `prepare` would."""
    presumptions = tuple(presumptions)
    unless = _unless_of(presumptions)
    presuming = _presuming_of(presumptions, base)
    if (presuming is None or presuming.fields != base.filled
            or base.overridden != {p.field.removeprefix("derived.") for p in base.applied if p.derived}):
        return None
    names: set[str] = set()
    for name in fields:
        fed = _fed_by(name)
        if (name.startswith("derived.") or name in _ABOVE_INPUTS or _read_by(name, unless.inputs)
                or any(p.field == name or p.field.removeprefix("derived.") in fed for p in presumptions)):
            return None
        names.add(name)
        names.update(f"derived.{d}" for d in fed)
    return frozenset(names) if names else None


def check_answers(patient: Patient, presumptions: Iterable[Presumption], answers: Mapping[str, Any],
                  base: Facts) -> None:
    """ValueError when `prepare(patient, presumptions, answers, base=base)` would refuse the answers, where
    `presumed_as_before` said they leave `base`'s presumptions as they are: the file is validated with the
    answers, then with the answers and the presumptions, as `prepare` validates it."""
    answered = list(answers.items())
    _with(patient, base.own, answered)
    presuming = _presuming_of(tuple(presumptions), base)
    if presuming is not None and presuming.filling:
        _with(patient, base.own, [*answered, *presuming.set_values])


def _presuming_of(presumptions: tuple[Presumption, ...], base: Facts) -> Presuming | None:
    """What these presumptions filled in `base`, a pass prepared without answers (None: not known here)."""
    if not presumptions:
        return _NOTHING_PRESUMED
    return base.own.presuming.get(((_unless_of(presumptions).key, repr([])), ()))


def prepare(patient: Patient, presumptions: Iterable[Presumption] = (), answers: Mapping[str, Any] | None = None,
            derived_answers: Mapping[str, Any] | None = None, base: Facts | None = None) -> Facts:
    """The facts of a pass. Answers are known values, so a presumption on the same field does not apply;
    a presumption whose `unless` holds on the facts (and answers) is not made. `base`, the facts of another
    pass of the same patient, saves re-deriving what did not change."""
    if base is not None:
        own = base.own
    else:
        data = patient.model_dump(mode="json", exclude_none=True)
        own = Own(data, flatten(data))
    flat = dict(own.flat)  # answers and presumptions fill leaves (fields are leaves: values or lists)
    flat.update(answers or {})
    presumptions = tuple(presumptions)
    # What forbids a presumption is read from the facts alone: the file's fields with the answers, and the
    # values computed from them that an `unless` reads (a partial SINS, a prior decompression).
    unless = _unless_of(presumptions)
    answered = list(answers.items()) if answers else []
    facts_model = _with(patient, own, answered) if answers else patient

    def facts_only_value(name: str) -> Derived:
        """A value computed from the file and the answers alone (the passes of one answer, and every
        presumption trial of a consult, ask for the same ones)."""
        return _derived_value(own, facts_model, answered, name)

    # The presumptions no `unless` forbids: once per patient and value of the answers the `unless` read
    # (most answers read none of them).
    read_key = (unless.key, repr([(f, v) for f, v in answered if _read_by(f, unless.inputs)]))
    hit = own.allowed.get(read_key)
    if hit is None:
        facts_only = make_reader(flat, {name: facts_only_value(name) for name in unless.read}, {})
        hit = own.allowed[read_key] = (presumptions, tuple(p for p in presumptions if p.unless is None or
                                                      compiled_truth(p.unless)(facts_only) is not True))
    # Which presumptions fill a field depends on the fields the answers set, not on their values.
    presuming_key = (read_key, tuple((f, v is None) for f, v in answered))
    presuming = own.presuming.get(presuming_key) if hit[1] else _NOTHING_PRESUMED
    if presuming is None:
        presuming = own.presuming[presuming_key] = _presuming(hit[1], flat)
    applied = list(presuming.filling)
    flat.update(presuming.values)
    model, set_values = facts_model, answered
    if applied:
        set_values = [*answered, *presuming.set_values]
        model = _with(patient, own, set_values)
    filled = frozenset((answers or {}).keys()) | presuming.fields
    raw, stale = _derive(model, flat, filled, base, presuming.fields, set_values)
    # A value whose inputs and their presumed-ness are those of `base` is `base`'s facts-only value already.
    unpresumable = [name for name in presuming.never_presumed if stale is None or name in stale]
    if unpresumable:  # QP-02: computed from the facts (and answers) alone, whatever was presumed
        raw.update({name: facts_only_value(name) for name in unpresumable})
    derived = dict(raw)
    overridden = set()
    for name, value in (derived_answers or {}).items():
        derived[name.removeprefix("derived.")] = Derived(value)
        overridden.add(name.removeprefix("derived."))
    for p in presuming.of_values:
        key = p.field.removeprefix("derived.")
        # Only a value unknown for lack of data: one the data leave to the MDT (C1-C2, sacrum) or that
        # conflicting data leave open is not presumed.
        if derived[key].value is None and derived[key].lacked:
            derived[key] = Derived(p.value)
            applied.append(p)
            overridden.add(key)
    order = presuming.order
    # Every other value is `base`'s raw one, which is its derived one unless `base` set it.
    rederived = (None if base is None or stale is None
                 else frozenset(stale).union(unpresumable, overridden, base.overridden))
    return Facts(model, own, flat, derived, tuple(sorted(applied, key=lambda p: order[p.field])), raw, filled,
                 base, rederived, frozenset(overridden))
