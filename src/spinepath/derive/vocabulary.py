"""The rule vocabulary: every patient field (load/fields.py) and every value the derive step computes,
with its type, so that rule and presumption files can be checked against it."""
from __future__ import annotations

from ..load.fields import FieldType, patient_fields
from . import SPECS


def derived_fields() -> dict[str, FieldType]:
    out = {}
    for name, spec in SPECS.items():
        if spec.kind == "list":  # a list of numbers (tomita_type_possible) is read with `contains: 7`
            item = "int" if all(isinstance(v, int) for v in spec.values) else "enum"
            out[f"derived.{name}"] = FieldType("list", spec.values, item)
        else:
            out[f"derived.{name}"] = FieldType(spec.kind, spec.values)
    return out


def all_fields() -> dict[str, FieldType]:
    return {**patient_fields(), **derived_fields()}
