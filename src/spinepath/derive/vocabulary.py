"""The rule vocabulary: every patient field (load/fields.py) and every value the derive step computes,
with its type, so that rule and presumption files can be checked against it."""
from __future__ import annotations

from ..load.fields import FieldType, patient_fields
from . import SPECS


def derived_fields() -> dict[str, FieldType]:
    out = {}
    for name, spec in SPECS.items():
        if spec.kind == "list":
            out[f"derived.{name}"] = FieldType("list", spec.values, "enum")
        else:
            out[f"derived.{name}"] = FieldType(spec.kind, spec.values)
    return out


def all_fields() -> dict[str, FieldType]:
    return {**patient_fields(), **derived_fields()}
