"""Reading the presumptions and question wordings of the knowledge base (rules/presumptions.yaml,
rules/questions.yaml).

A presumption is what a first consult takes for granted while a field is unknown ("no distant
disease until staging is complete"). The firm pathway never uses one; the provisional pathway does,
and shows it beside every entry that rests on it, with the question that settles it. Both files are
checked like rule files: every problem is FILE:LINE:COL, unknown keys are refused with a did-you-mean.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .diagnostics import Diagnostic, InputError, did_you_mean
from .fields import FieldType, patient_paths, set_path
from .patient import Patient
from .rule_checks import Checker, kind_of, scalar_ok
from .rule_files import Presumption, Ruleset, default_rules_dir, load_yaml, parse_cond, parse_evidence

PRESUMPTION_KEYS = ("field", "value", "below", "label", "unless", "at_most", "cap_reason", "reason", "question",
                    "settled_by", "evidence", "notes")
# Not a rule field, but the history is given as a whole or not at all: "no prior treatment" is a presumption.
_HISTORY = "history.treatments"


def histology_dependent(field: str, derived_inputs: dict[str, tuple[str, ...]]) -> bool:
    """Presuming these would presume the diagnosis: refused (histology before surgery).
    `derived_inputs` gives, per computed value (derived.X), the patient fields it is computed from."""
    if field.startswith("diagnosis.histology"):
        return True
    return "diagnosis.histology" in derived_inputs.get(field, ())


def attach(ruleset: Ruleset, derived_inputs: dict[str, tuple[str, ...]]) -> Ruleset:
    """The ruleset with its presumptions and question wordings, checked against its rules.
    `derived_inputs`: derived.X -> the patient fields it is computed from (the derive step knows them)."""
    root = ruleset.root
    diags: list[Diagnostic] = []
    presumptions: tuple[Presumption, ...] = ()
    path = root / "presumptions.yaml"
    if path.exists():
        try:
            presumptions = tuple(_load_presumptions(path, ruleset, derived_inputs))
        except InputError as exc:
            diags.extend(exc.diagnostics)
    qpath = root / "questions.yaml"
    if not qpath.exists():  # the wordings are about patient fields, not rules: fall back to the bundled ones
        qpath = default_rules_dir() / "questions.yaml"
    questions: dict[str, str] = {}
    if qpath.exists():
        try:
            questions = _load_questions(qpath, ruleset)
        except InputError as exc:
            diags.extend(exc.diagnostics)
    if diags:
        raise InputError(diags)
    return dataclasses.replace(ruleset, presumptions=presumptions, questions=questions)


def presumable_fields(ruleset: Ruleset) -> dict[str, FieldType]:
    out = {f: t for f, t in ruleset.fields.items()}
    out[_HISTORY] = FieldType("list")
    return out


def _load_presumptions(path: Path, rs: Ruleset, derived_inputs: dict[str, tuple[str, ...]]) -> list[Presumption]:
    doc = load_yaml(path)
    c = Checker(doc)
    out: list[Presumption] = []
    fields = presumable_fields(rs)
    if c.mapping(doc.data, (), ("presumptions",), ("presumptions",), "presumptions.yaml"):
        items = doc.data["presumptions"]
        if not isinstance(items, list):
            c.error(("presumptions",), "schema", "presumptions: expected a list", True)
            items = []
        seen: dict[str, int] = {}
        for i, raw in enumerate(items):
            p = ("presumptions", i)
            before = len(c.diags)
            if not c.mapping(raw, p, PRESUMPTION_KEYS, ("field", "label", "reason", "question", "evidence"),
                             "a presumption"):
                continue
            name = raw.get("field")
            if not isinstance(name, str) or name not in fields:
                c.error(p + ("field",), "unknown-field", f"presumption on unknown field {name!r}"
                        f"{did_you_mean(str(name), fields)} (a patient field or a computed derived value)", True)
                continue
            if histology_dependent(name, derived_inputs):
                c.error(p + ("field",), "histology-presumed", f"{name} cannot be presumed: the histology (and what "
                        "follows from it) comes only from a tissue diagnosis, never from a presumption", True)
                continue
            if name in seen:
                c.error(p + ("field",), "duplicate-id", f"{name} is already presumed at line {seen[name]}", True)
                continue
            seen[name] = c.doc.where(p)[0]
            value, shown = _presumed_value(c, raw, p, name, fields[name])
            label = c.text(raw.get("label"), p + ("label",), "label")
            reason = c.text(raw.get("reason"), p + ("reason",), "reason")
            question = c.text(raw.get("question"), p + ("question",), "question")
            evidence = parse_evidence(c, raw.get("evidence"), p + ("evidence",), rs.references)
            unless = None
            if "unless" in raw:
                unless = parse_cond(c, raw["unless"], p + ("unless",), rs.fields)
                for leaf in unless.leaves() if unless else ():
                    if leaf.field.startswith("derived."):
                        c.error(p + ("unless",), "unknown-field", f"unless reads {leaf.field}: only patient facts "
                                "can forbid a presumption (derived values may themselves be presumed)", True)
            at_most = raw.get("at_most")
            if at_most is not None and at_most not in ("consider",):
                c.error(p + ("at_most",), "bad-value", f"at_most: expected consider; got {kind_of(at_most)}", True)
            cap_reason = None
            if at_most is not None or "cap_reason" in raw:
                if at_most is None:
                    c.error(p + ("cap_reason",), "schema", "cap_reason goes with at_most: it says why an entry is "
                            "held at that strength", True)
                else:
                    cap_reason = c.text(raw.get("cap_reason"), p + ("cap_reason",) if "cap_reason" in raw else p,
                                        "cap_reason (why an entry resting on it is held at at_most)")
            settled = raw.get("settled_by")
            if settled is not None and settled not in rs.interventions:
                c.error(p + ("settled_by",), "unknown-code", f"settled_by {settled!r} is not an intervention code"
                        f"{did_you_mean(str(settled), rs.interventions)}", True)
            if len(c.diags) == before and reason and question and label:
                out.append(Presumption(name, value, shown, reason, question, tuple(evidence), doc.file, c.doc.where(p),
                                       settled, label, unless, at_most, cap_reason))
    c.diags.extend(_threshold_checks(out, rs))
    if c.diags:
        raise InputError(c.diags)
    return out


def _presumed_value(c: Checker, raw: dict, p: tuple, name: str, ftype: FieldType) -> tuple[Any, Any]:
    has_value, has_below = "value" in raw, "below" in raw
    if has_value == has_below:
        c.error(p, "schema", f"presumption on {name}: give exactly one of 'value' or 'below'", True)
        return None, None
    if has_below:
        n = raw["below"]
        if not ftype.numeric or name.startswith("derived."):
            c.error(p + ("below",), "bad-operator", f"'below' presumes a range of a numeric patient field; {name} is "
                    f"{ftype.kind}", True)
            return None, None
        if not isinstance(n, (int, float)) or isinstance(n, bool):
            c.error(p + ("below",), "bad-value", f"below: expected a number; got {kind_of(n)}", True)
            return None, None
        value: Any = n - 1  # any value of the range does; _threshold_checks proves no rule tells them apart
        shown: Any = {"below": n}
        where = p + ("below",)
    else:
        value = shown = raw["value"]
        where = p + ("value",)
        if name == _HISTORY:
            if value != []:
                c.error(where, "bad-value", "history.treatments can only be presumed empty ([]: no treatment so far)",
                        True)
                return None, None
        elif ftype.kind == "list":
            if not isinstance(value, list) or not all(scalar_ok(c, v, FieldType(ftype.item_kind, ftype.values), name,
                                                                where) for v in value):
                if not isinstance(value, list):
                    c.error(where, "bad-value", f"{name} is a list: expected a list; got {kind_of(value)}", True)
                return None, None
        elif not scalar_ok(c, value, ftype, name, where):
            return None, None
    if not name.startswith("derived."):
        problem = _model_refuses(name, value)
        if problem:
            c.error(where, "bad-value", f"{name}: the presumed value is not one the patient file allows: {problem}",
                    True)
            return None, None
    return value, shown


def _model_refuses(name: str, value: Any) -> str | None:
    data: dict = {"id": "presumption-check", "age": 50, "lesion": {"levels": ["L2"]},
                  "diagnosis": {"histology": "chordoma"}}
    set_path(data, name, value)
    try:
        Patient.model_validate(data)
    except ValidationError as exc:
        return "; ".join(e["msg"] for e in exc.errors())
    return None


def _threshold_checks(presumptions: list[Presumption], rs: Ruleset) -> list[Diagnostic]:
    """A `below: N` range must not be split by any rule: then every value in it gives the same pathway."""
    out = []
    for pr in presumptions:
        if not isinstance(pr.shown, dict):
            continue
        n = pr.shown["below"]
        for rule in rs.rules:
            for leaf in rule.when.leaves():
                if leaf.field == pr.field and leaf.op in ("equals", "lt", "lte", "gt", "gte") and leaf.value < n:
                    out.append(Diagnostic(pr.file, *pr.pos, "bad-value",
                                          f"{pr.field} is presumed below {n}, but {rule.id} compares it with "
                                          f"{leaf.value}: the presumption must not hide a difference a rule makes"))
    return out


def _load_questions(path: Path, rs: Ruleset) -> dict[str, str]:
    doc = load_yaml(path)
    c = Checker(doc)
    out: dict[str, str] = {}
    known = set(presumable_fields(rs)) | set(patient_paths())
    if c.mapping(doc.data, (), ("questions",), ("questions",), "questions.yaml"):
        entries = doc.data["questions"]
        if c.mapping(entries, ("questions",), tuple(entries) if isinstance(entries, dict) else (), (), "questions"):
            for name, text in entries.items():
                p = ("questions", name)
                if name not in known:
                    c.error(p, "unknown-field", f"question for unknown field {name!r}{did_you_mean(str(name), known)}")
                    continue
                t = c.text(text, p, f"question for {name}")
                if t:
                    out[name] = t
    if c.diags:
        raise InputError(c.diags)
    return out


