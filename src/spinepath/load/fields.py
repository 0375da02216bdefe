"""What a rule condition may read: every patient-file field and every derived value, typed."""
from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from . import patient as pm


@dataclass(frozen=True)
class FieldType:
    kind: str  # bool, int, number, enum, text, list
    values: tuple = ()  # allowed values (enum, or the items of a list)
    item_kind: str = ""  # for lists: enum, int, text

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "number")


# Read by no rule: free text, and the treatment list whose summaries are derived values.
NOT_FOR_RULES = {"notes", "history.treatments", "id", "format", "staging.metastasis_sites", "board"}
# The tumour board's record (board.decisions, issue 23) is what was decided, not a finding: no rule reads it,
# no question asks it, no what-if sets it.
NOT_FINDINGS = ("board",)


def unwrap(annotation):
    """`X | None` and `Annotated[X, ...]` -> X."""
    union = get_origin(annotation) in (Union, types.UnionType)
    args = [a for a in get_args(annotation) if a is not type(None)] if union else [annotation]
    a = args[0] if args else annotation
    while hasattr(a, "__metadata__"):  # Annotated
        a = get_args(a)[0]
    return a


def _type_of(annotation) -> FieldType | type | None:
    a = unwrap(annotation)
    if isinstance(a, type) and issubclass(a, BaseModel):
        return a
    if get_origin(a) is Literal:
        return FieldType("enum", tuple(get_args(a)))
    if get_origin(a) is list:
        item = _type_of(get_args(a)[0])
        if isinstance(item, FieldType):
            return FieldType("list", item.values, item.kind)
        return None
    return {bool: FieldType("bool"), int: FieldType("int"), float: FieldType("number"),
            str: FieldType("text")}.get(a)


def _walk(model, prefix, out):
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        t = _type_of(field.annotation)
        if isinstance(t, type):
            _walk(t, path + ".", out)
        elif t is not None and path not in NOT_FOR_RULES:
            out[path] = t


def patient_fields() -> dict[str, FieldType]:
    out: dict[str, FieldType] = {}
    _walk(pm.Patient, "", out)
    out["diagnosis.subtype"] = FieldType("enum", tuple(sorted({s for v in pm.SUBTYPES.values() for s in v})))
    return out


def int_range(path: str) -> tuple[int, int] | None:
    """The bounds (ge, le) the patient model puts on an integer field, e.g. diagnosis.grade -> (1, 3)."""
    model: Any = pm.Patient
    parts = path.split(".")
    for part in parts[:-1]:
        field = model.model_fields.get(part)
        model = unwrap(field.annotation) if field is not None else None
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
    field = model.model_fields.get(parts[-1])
    if field is None:
        return None
    union = get_origin(field.annotation) in (Union, types.UnionType)
    args = [a for a in get_args(field.annotation) if a is not type(None)] if union else [field.annotation]
    lo = hi = None
    for arg in args:
        for meta in getattr(arg, "__metadata__", ()):
            for m in getattr(meta, "metadata", [meta]):
                lo = getattr(m, "ge", lo)
                hi = getattr(m, "le", hi)
    return (lo, hi) if isinstance(lo, int) and isinstance(hi, int) else None


def patient_paths() -> list[str]:
    """Every leaf of the patient model, including those no rule reads (they still need a wording)."""
    out: list[str] = []

    def walk(model, prefix):
        for name, f in model.model_fields.items():
            if not prefix and name in NOT_FINDINGS:
                continue
            a = unwrap(f.annotation)
            if isinstance(a, type) and issubclass(a, BaseModel):
                walk(a, f"{prefix}{name}.")
            elif name not in ("format", "id", "notes") or prefix:
                out.append(f"{prefix}{name}")
    walk(pm.Patient, "")
    return out


def get_path(data: dict, dotted: str) -> Any:
    cur: Any = data
    for part in dotted.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def set_path(data: dict, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    cur = data
    for part in parts[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = cur[part] = {}
        cur = nxt
    cur[parts[-1]] = value
