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
from .rule_files import (NotAsked, Presumption, QuestionGroup, QuestionPolicy, Ruleset, default_rules_dir, load_yaml,
                         parse_cond, parse_evidence)

PRESUMPTION_KEYS = ("field", "value", "below", "label", "unless", "at_most", "cap_reason", "reason", "question",
                    "settled_by", "evidence", "notes")
# Not a rule field, but the history is given as a whole or not at all: "no prior treatment" is a presumption.
_HISTORY = "history.treatments"
# PATHWAYS QP-02, "never presumed at all" (with the derived values derive.SPECS marks presumable=False).
NEVER_PRESUMED = ("course.status", "performance.fit_for_chemotherapy", "performance.lvef_percent",
                  "performance.lvef_baseline_percent", "performance.renal_function_adequate",
                  "performance.ps_limited_by_tumour", "performance.cardio_oncology_assessed",
                  "performance.heart_failure", "performance.cv_risk_factors", "history.chest_rt_prior",
                  "history.anthracycline_cumulative_mg_m2", "lesion.dens_involved", "diagnosis.vertebra_plana_checks",
                  "lesion.cartilage_cap_mm", "lesion.transformation_signs")


def histology_dependent(field: str, derived_inputs: dict[str, tuple[str, ...]]) -> bool:
    """Presuming these would presume the diagnosis: refused (histology before surgery).
    `derived_inputs` gives, per computed value (derived.X), the patient fields it is computed from."""
    if field.startswith("diagnosis.histology"):
        return True
    return "diagnosis.histology" in derived_inputs.get(field, ())


def attach(ruleset: Ruleset, derived_inputs: dict[str, tuple[str, ...]],
           never_presumed: frozenset[str] = frozenset()) -> Ruleset:
    """The ruleset with its presumptions and question wordings, checked against its rules.
    `derived_inputs`: derived.X -> the patient fields it is computed from (the derive step knows them)."""
    root = ruleset.root
    diags: list[Diagnostic] = []
    presumptions: tuple[Presumption, ...] = ()
    path = root / "presumptions.yaml"
    if path.exists():
        try:
            presumptions = tuple(_load_presumptions(path, ruleset, derived_inputs, never_presumed))
        except InputError as exc:
            diags.extend(exc.diagnostics)
    qpath = root / "questions.yaml"
    if not qpath.exists():  # the wordings are about patient fields, not rules: fall back to the bundled ones
        qpath = default_rules_dir() / "questions.yaml"
    policy = QuestionPolicy()
    if qpath.exists():
        try:
            policy = _load_questions(qpath, ruleset)
        except InputError as exc:
            diags.extend(exc.diagnostics)
    if diags:
        raise InputError(diags)
    return dataclasses.replace(ruleset, presumptions=presumptions, questions=policy.wordings, question_policy=policy)


def presumable_fields(ruleset: Ruleset) -> dict[str, FieldType]:
    out = {f: t for f, t in ruleset.fields.items()}
    out[_HISTORY] = FieldType("list")
    return out


def _load_presumptions(path: Path, rs: Ruleset, derived_inputs: dict[str, tuple[str, ...]],
                       never_presumed: frozenset[str]) -> list[Presumption]:
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
            if name in NEVER_PRESUMED or name in never_presumed:
                c.error(p + ("field",), "never-presumed", f"{name} is never presumed (PATHWAYS QP-02): it is asked",
                        True)
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
                presumed = {str(q.get("field")) for q in items if isinstance(q, dict)}
                for leaf in unless.leaves() if unless else ():
                    if leaf.field.startswith("derived.") and (leaf.field in presumed or leaf.field not in derived_inputs):
                        c.error(p + ("unless",), "unknown-field", f"unless reads {leaf.field}: only patient facts, "
                                "and values computed from them that are never presumed, can forbid a presumption",
                                True)
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


QUESTION_FILE_KEYS = ("questions", "order", "not_asked", "answers_from")


def _load_questions(path: Path, rs: Ruleset) -> QuestionPolicy:
    doc = load_yaml(path)
    c = Checker(doc)
    out: dict[str, str] = {}
    known = set(presumable_fields(rs)) | set(patient_paths())
    order: list[QuestionGroup] = []
    not_asked: list[NotAsked] = []
    answers_from: dict[str, str] = {}
    if c.mapping(doc.data, (), QUESTION_FILE_KEYS, ("questions",), "questions.yaml"):
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
        order = _question_order(c, doc.data.get("order", []), known, rs)
        not_asked = _not_asked(c, doc.data.get("not_asked", []), known, rs)
        for name, source in (doc.data.get("answers_from") or {}).items():
            if name not in known or source not in rs.fields or rs.fields[source].kind != "list":
                c.error(("answers_from", name), "unknown-field", f"answers_from: {name} from {source}: expected a "
                        "field and a derived list of its possible values")
            else:
                answers_from[name] = source
    if c.diags:
        raise InputError(c.diags)
    return QuestionPolicy(out, tuple(order), tuple(not_asked), answers_from)


def _fields_list(c: Checker, raw: Any, path: tuple, known: set[str]) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(f, str) for f in raw):
        c.error(path, "schema", "fields: expected a list of field names (a trailing .* takes every field below)", True)
        return ()
    for i, f in enumerate(raw):
        if f not in known and not (f.endswith(".*") and any(k.startswith(f[:-1]) for k in known)):
            c.error(path + (i,), "unknown-field", f"unknown field {f!r}{did_you_mean(f, known)}", True)
    return tuple(raw)


def _question_order(c: Checker, raw: Any, known: set[str], rs: Ruleset) -> list[QuestionGroup]:
    """`order: [{group, reason, fields, first_when?, when?, in_order?}]`: QP-01, in rank order."""
    out: list[QuestionGroup] = []
    if not isinstance(raw, list):
        c.error(("order",), "schema", "order: expected a list of groups", True)
        return out
    for i, g in enumerate(raw):
        p = ("order", i)
        if not c.mapping(g, p, ("group", "reason", "fields", "first_when", "when", "in_order", "notes"),
                         ("group", "reason", "fields"), "a question group"):
            continue
        when = parse_cond(c, g["first_when"], p + ("first_when",), rs.fields) if "first_when" in g else None
        only_when = parse_cond(c, g["when"], p + ("when",), rs.fields) if "when" in g else None
        reason = c.text(g.get("reason"), p + ("reason",), "reason")
        fields = _fields_list(c, g.get("fields"), p + ("fields",), known)
        if reason and fields and isinstance(g.get("group"), str):
            out.append(QuestionGroup(g["group"], reason, fields, when, g.get("in_order") is True, only_when))
    return out


def _not_asked(c: Checker, raw: Any, known: set[str], rs: Ruleset) -> list[NotAsked]:
    """`not_asked: [{fields, when, because}]`: QP-03."""
    out: list[NotAsked] = []
    if not isinstance(raw, list):
        c.error(("not_asked",), "schema", "not_asked: expected a list", True)
        return out
    for i, n in enumerate(raw):
        p = ("not_asked", i)
        if not c.mapping(n, p, ("fields", "when", "because", "notes"), ("fields", "when", "because"), "a not_asked item"):
            continue
        fields = _fields_list(c, n.get("fields"), p + ("fields",), known)
        when = parse_cond(c, n.get("when"), p + ("when",), rs.fields)
        because = c.text(n.get("because"), p + ("because",), "because")
        if fields and when is not None and because:
            out.append(NotAsked(fields, when, because))
    return out


