"""Scenario tests of the knowledge base (`*.scenarios.yaml`): one runner for pytest and the CLI."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..evaluate.knowledge import Knowledge
from ..evaluate.passes import full_pass
from ..evaluate.facts import prepare
from ..evaluate.incremental import checked_values
from ..explain.consult import consult_knowledge, missing as missing_data
from ..explain.pathway import pathway
from ..explain.result import Entry
from ..load.diagnostics import Diagnostic, InputError, did_you_mean
from ..load.patient import from_document
from ..load.yamlsafe import Document, load_path

PROVISIONAL_KEYS = ("provisional", "provisional_absent", "assumes", "not_presumed", "questions", "questions_absent",
                    "first_question")
EXPECT_KEYS = ("fired", "not_fired", "recommended", "consider", "avoid", "absent", "alerts", "alerts_absent",
               "details", "missing", *PROVISIONAL_KEYS)
DETAIL_KEYS = ("intervention", "key", "value", "strength", "phase")


@dataclass(frozen=True)
class DetailExpect:
    """An entry of the firm pathway that must carry a details value (a dose, a unit, a strategy group)."""

    intervention: str
    key: str
    value: Any
    strength: str | None = None
    phase: str | None = None

    def met_by(self, entries: tuple[Entry, ...]) -> bool:
        for e in entries:
            if e.intervention != self.intervention or (self.phase and e.phase != self.phase):
                continue
            advice = [(e.strength, e.details)] + [(a.strength, a.details) for a in e.alternatives]
            if any((self.strength is None or s == self.strength) and d.get(self.key) == self.value
                   for s, d in advice):
                return True
        return False

    def __str__(self) -> str:
        which = " ".join(x for x in (self.strength, self.intervention, f"({self.phase})" if self.phase else "") if x)
        return f"{which} with {self.key} = {self.value!r}"


@dataclass(frozen=True)
class Expect:
    """What a scenario expects (every key optional: an empty tuple expects nothing)."""

    fired: tuple[str, ...] = ()
    not_fired: tuple[str, ...] = ()
    recommended: tuple[str, ...] = ()
    consider: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    alerts: tuple[str, ...] = ()
    alerts_absent: tuple[str, ...] = ()
    details: tuple[DetailExpect, ...] = ()
    missing: tuple[str, ...] = ()
    provisional: tuple[str, ...] = ()
    provisional_absent: tuple[str, ...] = ()
    assumes: tuple[str, ...] = ()
    not_presumed: tuple[str, ...] = ()  # presumptions QP-02 withholds for this patient
    questions: tuple[str, ...] = ()
    questions_absent: tuple[str, ...] = ()
    first_question: tuple[str, ...] = ()

    def of_strength(self, strength: str) -> tuple[str, ...]:
        return {"recommended": self.recommended, "consider": self.consider, "avoid": self.avoid}[strength]

    @property
    def provisional_part(self) -> bool:
        """Whether it expects anything of the provisional pathway or the questions (five times the cost)."""
        return any((self.provisional, self.provisional_absent, self.assumes, self.not_presumed, self.questions,
                    self.questions_absent, self.first_question))


@dataclass
class ScenarioResult:
    file: str
    line: int
    name: str
    failures: list[str] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _sub(doc: Document, path: tuple, data) -> Document:
    """A view of part of a document, keeping the file's positions."""
    n = len(path)
    values = {p[n:]: v for p, v in doc.values.items() if p[:n] == path}
    keys = {p[n:]: v for p, v in doc.keys.items() if p[:n] == path and len(p) > n}
    plain = {p[n:]: v for p, v in doc.plain.items() if p[:n] == path}
    return Document(doc.file, data, values, keys, plain)


def merged(base, patient):
    """A scenario's patient over the file's `base:`: mappings merge key by key, anything else (a value,
    a list) replaces the base's, and `null` removes the base's key (the value is then not known)."""
    if not isinstance(base, dict) or not isinstance(patient, dict):
        return patient
    out = dict(base)
    for key, value in patient.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merged(base.get(key), value)
    return out


def _exists(data, path: tuple) -> bool:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return False
    return True


def _over(base: Document, patient: Document, data) -> Document:
    """The merged patient as one document: each value keeps the position where it was written."""
    def pick(a: dict, b: dict) -> dict:
        return {p: v for p, v in {**a, **b}.items() if _exists(data, p)}
    return Document(patient.file, data, pick(base.values, patient.values), pick(base.keys, patient.keys),
                    pick(base.plain, patient.plain))


def load_scenarios(path: Path) -> list[tuple[str, int, Document, Expect]]:
    doc = load_path(path)
    data = doc.data
    if (not isinstance(data, dict) or "scenarios" not in data or not set(data) <= {"scenarios", "base"}
            or not isinstance(data["scenarios"], list)):
        raise InputError([Diagnostic(doc.file, 1, 1, "schema", "a scenarios file is a mapping with the key "
                                     "'scenarios', holding a list, and optionally 'base', a patient that each "
                                     "scenario's patient is written over")])
    base = _sub(doc, ("base",), data["base"]) if "base" in data else None
    if base is not None and not isinstance(base.data, dict):
        raise InputError([Diagnostic(doc.file, *doc.value_at(("base",)), "schema", "base: expected a patient "
                                     "(a mapping)")])
    out = []
    diags = []
    for i, sc in enumerate(data["scenarios"]):
        p = ("scenarios", i)
        line = doc.where(p)[0]
        if not isinstance(sc, dict) or "patient" not in sc or "name" not in sc:
            diags.append(Diagnostic(doc.file, *doc.value_at(p), "schema", "a scenario needs name, patient and expect"))
            continue
        for k in sc:
            if k not in ("name", "patient", "expect", "notes"):
                diags.append(Diagnostic(doc.file, *doc.where(p + (k,)), "schema",
                                        f"unknown key {k!r} in a scenario{did_you_mean(k, ('name', 'patient', 'expect', 'notes'))}"))
        expect = sc.get("expect") or {}
        if not isinstance(expect, dict):
            diags.append(Diagnostic(doc.file, *doc.value_at(p + ("expect",)), "schema", "expect: expected a mapping"))
            continue
        details = []
        written = expect.get("details")
        for j, d in enumerate(written if isinstance(written, list) else []):
            where = p + ("expect", "details", j)
            if (not isinstance(d, dict) or not {"intervention", "key", "value"} <= set(d) or not set(d) <= set(DETAIL_KEYS)
                    or not all(isinstance(d.get(k), (str, type(None))) for k in ("intervention", "key", "strength", "phase"))):
                diags.append(Diagnostic(doc.file, *doc.value_at(where), "schema", "expect.details: each item is "
                                        "{intervention, key, value} with optional strength and phase"))
            else:
                details.append(DetailExpect(**d))
        for k, v in expect.items():
            if k not in EXPECT_KEYS:
                diags.append(Diagnostic(doc.file, *doc.where(p + ("expect", k)), "schema",
                                        f"unknown key {k!r} in expect{did_you_mean(k, EXPECT_KEYS)}"))
            elif not isinstance(v, list):
                diags.append(Diagnostic(doc.file, *doc.value_at(p + ("expect", k)), "schema", f"expect.{k}: expected a list"))
        patient = _sub(doc, p + ("patient",), sc["patient"])
        if base is not None:
            patient = _over(base, patient, merged(base.data, patient.data))
        listed = {k: tuple(v) for k, v in expect.items() if k != "details" and isinstance(v, list)}
        out.append((str(sc["name"]), line, patient, Expect(**listed, details=tuple(details))))
    if diags:
        raise InputError(diags)
    return out


def run_scenario(kb: Knowledge, file: str, name: str, line: int, patient_doc: Document,
                 expect: Expect) -> ScenarioResult:
    res = ScenarioResult(file, line, name)
    try:
        patient = from_document(patient_doc)
    except InputError as exc:
        res.failures.extend(f"patient is invalid: {d}" for d in exc.diagnostics)
        return res
    facts = prepare(patient)
    if not expect.provisional_part and not expect.missing:
        # The firm plan only: the engine decides and Python checks every value, without the explanations
        # (half of a scenario's time); they are built only to say why an expected rule did not fire.
        values = checked_values(kb, facts)
        plan = pathway(kb, values.fired, values.resolve, values.histology_unknown)
        res.fired = list(values.fired)
        res.failures += _unknown_rules(kb, expect)
        seen = Seen(frozenset(values.fired), plan.entries, frozenset(a.code for a in plan.alerts))
        failed = failures(expect, seen, lambda rid: "")
        if failed:  # say why, as the full pass explains it
            ev = full_pass(kb, facts)
            failed = failures(expect, seen, lambda rid: _why_not(ev, rid) if rid in kb.rules else "no such rule")
        res.failures += failed
        return res
    ev = full_pass(kb, facts)
    # The provisional pass and the questions cost five times the firm one: only when expected.
    if expect.provisional_part:
        result = consult_knowledge(patient, kb, ev, questions=bool(expect.questions or expect.questions_absent
                                                                   or expect.first_question))
        seen = Seen(frozenset(ev.fired), result.recommendations, frozenset(a.code for a in result.alerts),
                    frozenset(m.field for m in result.missing), result.provisional,
                    tuple(q.field for q in result.questions),
                    frozenset(p.field for p in prepare(patient, kb.ruleset.presumptions).applied))
    else:
        values = ev.values()
        plan = pathway(kb, values.fired, values.resolve, values.histology_unknown)
        seen = Seen(frozenset(ev.fired), plan.entries, frozenset(a.code for a in plan.alerts),
                    frozenset(m.field for m in missing_data(kb, ev)))
    res.fired = list(ev.fired)
    res.failures += _unknown_rules(kb, expect)
    res.failures += failures(expect, seen, lambda rid: _why_not(ev, rid) if rid in kb.rules else "no such rule")
    return res


def _unknown_rules(kb: Knowledge, expect: Expect) -> list[str]:
    known_ids = {r.id for r in kb.ruleset.rules}
    return [f"expect names rule {rid}, which does not exist{did_you_mean(rid, known_ids)}"
            for rid in expect.fired + expect.not_fired if rid not in known_ids]


def _why_not(ev, rid: str) -> str:
    o = ev.outcomes[rid]
    return "unknown, missing " + ", ".join(o.missing) if o.value is None else "false"


@dataclass(frozen=True)
class Seen:
    """What a scenario's expectations are checked against: the rules that fired and the plan."""

    fired: frozenset[str]
    entries: tuple[Entry, ...]  # the firm pathway
    alerts: frozenset[str]  # alert codes
    missing: frozenset[str] = frozenset()  # fields listed as missing (when the scenario expects some)
    provisional: tuple[Entry, ...] = ()
    questions: tuple[str, ...] = ()  # the fields asked, in order
    presumed: frozenset[str] = frozenset()  # the fields the provisional pass presumed


def failures(expect: Expect, seen: Seen, why_not: Callable[[str], str] = lambda rid: "") -> list[str]:
    """Every expectation `seen` does not meet, in words (empty: the scenario passes). The one check of a
    scenario: `rules test` and `rules mutate` both call it."""
    out = []
    for rid in expect.fired:
        if rid not in seen.fired:
            out.append(f"{rid} should fire but did not ({why_not(rid)})")
    for rid in expect.not_fired:
        if rid in seen.fired:
            out.append(f"{rid} should not fire but did")
    by_strength: dict[str, set] = {"recommended": set(), "consider": set(), "avoid": set()}
    for r in seen.entries:
        by_strength[r.strength].add(r.intervention)
        for alt in r.alternatives:  # merged into one entry, still advised at that strength
            by_strength[alt.strength].add(r.intervention)
    for strength in ("recommended", "consider", "avoid"):
        for code in expect.of_strength(strength):
            if code not in by_strength[strength]:
                got = [s for s, codes in by_strength.items() if code in codes]
                out.append(f"{code} should be {strength}; got {', '.join(got) or 'nothing'}")
    present = set().union(*by_strength.values())
    for code in expect.absent:
        if code in present:
            out.append(f"{code} should not appear but does")
    for code in expect.alerts:
        if code not in seen.alerts:
            out.append(f"alert {code} should be raised; got {', '.join(sorted(seen.alerts)) or 'none'}")
    for code in expect.alerts_absent:
        if code in seen.alerts:
            out.append(f"alert {code} should not be raised but is")
    for d in expect.details:
        if not d.met_by(seen.entries):
            got = [f"{e.strength} {e.details}" for e in seen.entries if e.intervention == d.intervention]
            out.append(f"expected {d}; got {'; '.join(got) or 'no such entry'}")
    for f in expect.missing:
        if f not in seen.missing:
            out.append(f"{f} should be listed as missing")
    provisional = {r.intervention for r in seen.provisional}
    for code in expect.provisional:
        if code not in provisional:
            out.append(f"{code} should be provisional; got {', '.join(sorted(provisional)) or 'nothing'}")
    for code in expect.provisional_absent:
        if code in provisional:
            out.append(f"{code} should not be provisional but is")
    assumed = {a.field for r in seen.provisional for a in r.assumes}
    for f in expect.assumes:
        if f not in assumed:
            out.append(f"{f} should be presumed by a provisional entry; got {', '.join(sorted(assumed)) or 'none'}")
    for f in expect.not_presumed:
        if f in seen.presumed:
            out.append(f"{f} should not be presumed (the file argues against it, QP-02) but is")
    asked = seen.questions
    for f in expect.questions:
        if f not in asked:
            out.append(f"{f} should be asked; the questions are {', '.join(asked) or 'none'}")
    for f in expect.questions_absent:
        if f in asked:
            out.append(f"{f} should not be asked (it does not apply); the questions are {', '.join(asked)}")
    for f in expect.first_question[:1]:
        if not asked or asked[0] != f:
            out.append(f"{f} should be the first question; got {asked[0] if asked else 'none'}")
    return out


# The last run in a process: `rules lint`, `rules test` and the map all need the same results, and a
# Knowledge is immutable once loaded (load_knowledge keeps one per content of the rules folder).
_LAST: list[tuple[Knowledge, tuple[str, ...], list[ScenarioResult], set[str]]] = []


def run_all(kb: Knowledge, files: list[Path] | None = None) -> tuple[list[ScenarioResult], set[str]]:
    """Run every scenario; return the results and the ids of rules that some scenario fired."""
    files = files if files is not None else kb.ruleset.scenario_files
    names = tuple(str(f) for f in files)
    for known, known_names, results, covered in _LAST:
        if known is kb and known_names == names:
            return list(results), set(covered)
    results, covered = _run(kb, files)
    _LAST[:] = [(kb, names, results, covered)]
    return list(results), set(covered)


def _run(kb: Knowledge, files) -> tuple[list[ScenarioResult], set[str]]:
    results = []
    for path in files:
        for name, line, pdoc, expect in load_scenarios(path):
            results.append(run_scenario(kb, pdoc.file, name, line, pdoc, expect))
    covered = {rid for r in results for rid in r.fired}
    return results, covered
