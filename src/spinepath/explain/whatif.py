"""What-if: the consult of a file with some fields set, compared with the file's own consult.

`--set FIELD=VALUE` is checked as the patient file is: an unknown field or a value the field does not
allow is refused with a did-you-mean (exit 2), placed as `--set:N:COL` (the N-th --set, the column in
it). The changed patient is validated by the same model as a file, so no what-if can reach a state
that a file could not.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError

from ..derive import SPECS
from ..evaluate.facts import prepare
from ..evaluate.knowledge import Knowledge
from ..evaluate.passes import full_pass
from .consult import derived_block
from .plan import consultation
from .pathway import ListDiff, Plan, PlanDiff, diff
from .result import Entry
from ..load.diagnostics import Diagnostic, InputError, did_you_mean
from ..load.fields import FieldType
from ..load.patient import SUBTYPES, Patient, validation_problems
from ..load.yamlsafe import Document
from ..load.fields import patient_paths, set_path

FORMAT = "spinepath.whatif/1"
_TRUE = {"true": True, "yes": True, "false": False, "no": False}
# Fields a single --set cannot express (a list of treatments) or that no consult reads.
_NOT_SETTABLE = {"history.treatments": "the treatment history is a list of treatments: edit the file",
                 "id": "the id names the file's patient", "format": "the format is fixed", "notes": "notes are free "
                 "text that no rule reads", "staging.metastasis_sites": "metastasis sites are free text that no "
                 "rule reads"}


def _where(n: int, col: int) -> tuple[str, int, int]:
    return ("--set", n, col)


def parse_set(expr: str, n: int, fields: dict[str, FieldType]) -> tuple[str, Any]:
    """`FIELD=VALUE` -> (field, typed value); n is the 1-based position of the --set."""
    if "=" not in expr:
        raise InputError([Diagnostic(*_where(n, 1), "usage", f"expected FIELD=VALUE, e.g. staging.metastases=none; "
                                     f"got {expr!r}")])
    name, raw = (s.strip() for s in expr.split("=", 1))
    if name in _NOT_SETTABLE:
        raise InputError([Diagnostic(*_where(n, 1), "unknown-field", f"{name} cannot be set here: "
                                     f"{_NOT_SETTABLE[name]}")])
    settable = {f: t for f, t in fields.items() if not f.startswith("derived.")}
    for path in patient_paths():  # fields no rule reads are still the patient's
        if path not in settable and path not in _NOT_SETTABLE:
            settable[path] = FieldType("text")
    # A computed value is set as the questions answer it (issue 21): while the data it is computed from are
    # missing, it stands for them; a value the file already decides is not overridden.
    for name_, spec in SPECS.items():
        if spec.kind in ("bool", "enum"):
            settable[f"derived.{name_}"] = FieldType(spec.kind, tuple(spec.values))
    if name not in settable:
        hint = did_you_mean(name, settable)
        if name.startswith("derived."):
            hint = " (a fact the rules derive: set the patient fields its rules read)"
        raise InputError([Diagnostic(*_where(n, 1), "unknown-field", f"unknown field {name!r}{hint}")])
    col = len(expr.split("=", 1)[0]) + 2
    ftype = settable[name]
    if ftype.kind == "list":  # L1,L2 (or [L1, L2], as YAML writes a list)
        listed = raw[1:-1] if raw.startswith("[") and raw.endswith("]") else raw
        items = [s.strip() for s in listed.split(",") if s.strip()]
        return name, [_scalar(name, item, FieldType(ftype.item_kind, ftype.values), n, col) for item in items]
    return name, _scalar(name, raw, ftype, n, col)


def _scalar(name: str, raw: str, ftype: FieldType, n: int, col: int) -> Any:
    def bad(expected: str, hint: str = "") -> InputError:
        return InputError([Diagnostic(*_where(n, col), "bad-value", f"{name}: expected {expected}; got {raw!r}{hint}")])
    kind = ftype.kind
    if kind == "bool":
        if raw.lower() not in _TRUE:
            raise bad("true or false")
        return _TRUE[raw.lower()]
    if kind in ("int", "number"):
        try:
            value = float(raw) if kind == "number" else int(raw)
        except ValueError:
            raise bad("an integer" if kind == "int" else "a number") from None
        return value
    if kind == "enum":
        if raw not in ftype.values:
            raise bad("one of " + ", ".join(map(str, ftype.values)), did_you_mean(raw, ftype.values))
        return raw
    if not raw:
        raise bad("a value")
    return raw


def apply(patient: Patient, sets: list[str],
          fields: dict[str, FieldType]) -> tuple[Patient, dict[str, Any], dict[str, Any]]:
    """The patient with the patient fields set, what was chosen, and the derived values set (answers)."""
    data = copy.deepcopy(patient.model_dump(mode="json", exclude_none=True))
    chosen: dict[str, Any] = {}
    derived: dict[str, Any] = {}
    for n, expr in enumerate(sets, 1):
        name, value = parse_set(expr, n, fields)
        if name.startswith("derived."):
            derived[name] = value
            chosen[name] = value
            continue
        if name == "diagnosis.subtype":
            histology = chosen.get("diagnosis.histology", patient.diagnosis.histology)
            allowed = SUBTYPES.get(histology, ())
            if value not in allowed:
                raise InputError([Diagnostic(*_where(n, len(name) + 2), "bad-value",
                                             f"subtype {value!r} is not a subtype of {histology}: expected one of "
                                             f"{', '.join(allowed) or 'none'}{did_you_mean(value, allowed)}")])
        set_path(data, name, value)
        chosen[name] = value
    try:
        return Patient.model_validate(data), chosen, derived
    except ValidationError as exc:
        # The messages a file gets ("expected a number <= 120; got 250"), placed at the --set that names the
        # field (a check across fields names its own place: said as a file would, at a --set it mentions).
        first = exc.errors()[0]
        placed = getattr((first.get("ctx") or {}).get("error"), "message", None)
        if placed:
            n = next((i for i, e in enumerate(sets, 1) if e.split("=", 1)[0].strip() in placed), 1)
            raise InputError([Diagnostic(*_where(n, 1), "bad-value", placed)]) from None
        path, message, _ = validation_problems(exc, Document("--set", data, {}, {}))[0]
        loc = ".".join(str(x) for x in path if not isinstance(x, int))
        n = next((i for i, e in enumerate(sets, 1) if loc.startswith(e.split("=", 1)[0].strip())), 1)
        raise InputError([Diagnostic(*_where(n, len(sets[n - 1].split("=", 1)[0]) + 2), "bad-value",
                                     message)]) from None


@dataclass(frozen=True)
class WhatIf:
    """A what-if: the same patient with some fields set, as a difference from the file's own consult."""

    patient_id: str
    chosen: dict[str, Any]
    diff: PlanDiff

    def to_json_data(self) -> dict:
        def entry(e: Entry, before: Entry | None = None) -> dict:
            out = {"intervention": e.intervention, "phase": e.phase, "strength": e.strength, "rule": e.rule,
                   **({"details": e.details} if e.details else {})}
            return {**out, "from": before.strength} if before is not None else out

        def block(d: ListDiff) -> dict:
            return {"added": [entry(e) for e in d.added], "removed": [entry(e) for e in d.removed],
                    "changed": [entry(after, before) for before, after in d.changed]}
        return {"format": FORMAT, "patient_id": self.patient_id, "set": self.chosen,
                "recommendations": block(self.diff.firm), "provisional": block(self.diff.provisional),
                "alerts": {"added": [a.to_json() for a in self.diff.alerts_added],
                           "removed": [a.to_json() for a in self.diff.alerts_removed]},
                "derived": [{"field": f, "before": b, "after": a} for f, b, a in self.diff.derived]}

    def to_json(self) -> str:
        return json.dumps(self.to_json_data(), indent=2, ensure_ascii=False) + "\n"

    @property
    def unchanged(self) -> bool:
        d = self.diff
        return not (any((x.added, x.removed, x.changed)[i] for x in (d.firm, d.provisional) for i in range(3))
                    or d.alerts_added or d.alerts_removed or d.derived)


def _plan(kb: Knowledge, patient: Patient, derived: dict[str, Any] | None = None) -> Plan:
    """The plan of a full consult (both passes through the engine), with its derived values; `derived`
    answers computed values as a question does."""
    firm = full_pass(kb, prepare(patient, derived_answers=derived))
    plan = consultation(kb, patient, firm.values(), derived_answers=derived).plan
    return replace(plan, derived=derived_block(firm))


def answered(kb: Knowledge, patient: Patient, sets: list[str]) -> tuple[Patient, dict[str, Any], dict[str, Any]]:
    """`apply`, refusing a computed value the file already decides (its patient fields are named instead)."""
    changed, chosen, derived = apply(patient, sets, kb.ruleset.fields)
    for name in derived:  # a value the file decides is not overridden: its patient fields are
        if prepare(changed).derived[name.removeprefix("derived.")].value is not None:
            n = next(i for i, e in enumerate(sets, 1) if e.split("=", 1)[0].strip() == name)
            inputs = ", ".join(SPECS[name.removeprefix("derived.")].inputs)
            raise InputError([Diagnostic(*_where(n, 1), "bad-value", f"{name} is already decided by the file; "
                                         f"set the fields it is computed from instead: {inputs}")])
    return changed, chosen, derived


def whatif(kb: Knowledge, patient: Patient, sets: list[str]) -> WhatIf:
    """The consult of the patient with `sets` applied, compared with the file's own."""
    changed, chosen, derived = answered(kb, patient, sets)
    return WhatIf(patient.id, chosen, diff(_plan(kb, patient), _plan(kb, changed, derived or None)))
