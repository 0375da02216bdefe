"""Checks of rule files: each problem becomes a Diagnostic at the FILE:LINE:COL of the value at fault,
all of a file's problems at once. rule_files.py reads; this module judges what it read against the
vocabulary it is given (fields, interventions, references)."""
from __future__ import annotations

from typing import Any

from .diagnostics import Diagnostic, did_you_mean
from .fields import FieldType
from .yamlsafe import Document


class Checker:
    """Collects diagnostics for one file instead of stopping at the first."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.diags: list[Diagnostic] = []

    def error(self, path: tuple, code: str, message: str, at_value: bool = False):
        line, col = self.doc.value_at(path) if at_value else self.doc.where(path)
        self.diags.append(Diagnostic(self.doc.file, line, col, code, message))

    def mapping(self, value, path, allowed, required, what) -> bool:
        if not isinstance(value, dict):
            self.error(path, "schema", f"{what}: expected a mapping; got {kind_of(value)}", True)
            return False
        for key in value:
            if key not in allowed:
                self.error(path + (key,), "schema", f"unknown key {key!r} in {what}{did_you_mean(key, allowed)}")
        for key in required:
            if key not in value:
                self.error(path, "schema", f"{what}: missing required key {key!r}")
        return True

    def text(self, value, path, what) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.error(path, "schema", f"{what}: expected non-empty text; got {kind_of(value)}", True)
            return None
        return value.strip()

def kind_of(v) -> str:
    return {dict: "a mapping", list: "a list", str: f"text {v!r}" if isinstance(v, str) else "",
            bool: f"{v}", int: f"the number {v}", float: f"the number {v}", type(None): "nothing"}.get(type(v), repr(v))

def check_value(c, op, value, ftype: FieldType, name, path) -> bool:
    if op in ("exists", "missing"):
        if value is not True:
            c.error(path, "bad-value", f"'{op}' takes true ({{field: {name}, {op}: true}})", True)
            return False
        return True
    if op in ("lt", "lte", "gt", "gte"):
        if not ftype.numeric:
            c.error(path, "bad-operator", f"'{op}' compares numbers, but {name} is {ftype.kind}", True)
            return False
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            c.error(path, "bad-value", f"'{op}' on {name}: expected a number; got {kind_of(value)}", True)
            return False
        return True
    if op == "contains":
        if ftype.kind != "list":
            c.error(path, "bad-operator", f"'contains' needs a list field, but {name} is {ftype.kind}", True)
            return False
        return scalar_ok(c, value, FieldType(ftype.item_kind, ftype.values), name, path)
    if ftype.kind == "list":
        c.error(path, "bad-operator", f"{name} is a list: use 'contains'", True)
        return False
    if op == "in":
        if not isinstance(value, list) or not value:
            c.error(path, "bad-value", f"'in' on {name}: expected a non-empty list of values", True)
            return False
        return all(scalar_ok(c, v, ftype, name, path + (i,)) for i, v in enumerate(value))
    return scalar_ok(c, value, ftype, name, path)

def scalar_ok(c, value, ftype: FieldType, name, path) -> bool:
    kind = ftype.kind
    ok = {"bool": isinstance(value, bool),
          "int": isinstance(value, int) and not isinstance(value, bool),
          "number": isinstance(value, (int, float)) and not isinstance(value, bool),
          "text": isinstance(value, str),
          "enum": value in ftype.values and isinstance(value, str)}.get(kind, False)
    if not ok:
        if kind == "enum":
            hint = did_you_mean(value, ftype.values)
            quoted = f' (write it quoted: "{value}")' if str(value) in ftype.values else ""
            c.error(path, "bad-value", f"{name}: expected one of {', '.join(map(str, ftype.values))}; "
                    f"got {value!r}{hint}{quoted}", True)
        else:
            c.error(path, "bad-value", f"{name}: expected {kind}; got {kind_of(value)}", True)
    return ok

def cross_checks(raw_rules: list[tuple[Any, Document]], fields) -> list[Diagnostic]:
    """Across the rules read (rule_files.Rule, with their documents): duplicate ids, unknown fields, supersedes."""
    diags = []
    seen: dict[str, Any] = {}
    derivable = {a.code for r, _ in raw_rules for a in r.then if a.kind == "derive"}
    for rule, doc in raw_rules:
        if rule.id in seen:
            first = seen[rule.id]
            diags.append(Diagnostic(rule.file, rule.pos[0], rule.pos[1], "duplicate-id",
                                    f"rule id {rule.id} is already used at {first.file}:{first.pos[0]}"))
        else:
            seen[rule.id] = rule
        for f in rule.fields():
            if f not in fields and f.removeprefix("derived.") not in derivable:
                diags.append(Diagnostic(rule.file, rule.pos[0], rule.pos[1], "unknown-field",
                                        f"{rule.id} reads {f}, which is neither computed nor derived by any rule"))
    ids = set(seen)
    for rule, _ in raw_rules:
        for other in rule.supersedes:
            if other not in ids:
                diags.append(Diagnostic(rule.file, rule.pos[0], rule.pos[1], "unknown-rule",
                                        f"{rule.id} supersedes {other}, which is not a rule{did_you_mean(other, ids)}"))
    return diags
