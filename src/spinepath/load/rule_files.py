"""Reading the YAML knowledge base (docs/rule-language.md) into rules, conditions and actions.

Everything a rule file can contain is plain data, read here with a position for each item and judged
by rule_checks.py against the vocabulary the caller gives (the load step knows the patient fields;
the derived values come from the derive step, above it). The compiler never sees an unchecked rule,
and no rule file can name Python code.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, InputError, did_you_mean
from .fields import FieldType
from .interventions import CONTRACT, EVERY_CODE, PHASES, STRENGTHS, Intervention
from .rule_checks import Checker, check_value, cross_checks, kind_of
from .yamlsafe import Document, load_path


RULE_KEYS = ("id", "title", "pathway", "when", "then", "rationale", "evidence", "supersedes", "notes")
FACT_KEYS = ("meaning", "derived_by", "notes")
GATE_KEYS = ("id", "title", "holds_back", "when", "exempt", "rationale", "evidence", "notes")
CAP_KEYS = ("fact", "entries_of", "at_most", "reason", "notes")
RULE_CLASSES = ("treatment", "workup")
LEAF_OPS = ("equals", "in", "lt", "lte", "gt", "gte", "contains", "exists", "missing")
# `or_unknown: true` beside a leaf operator: the leaf holds, or its field is not known. It is how the rules
# say "not recorded as anything else" once, instead of `any: [{leaf}, {field: F, missing: true}]`.
LEAF_MODIFIERS = ("or_unknown",)
GROUP_OPS = ("all", "any", "not")
SEVERITIES = ("critical", "warning", "info")
_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Za-z0-9]+)+$")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_RULES_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Cond:
    op: str  # all / any / not / a leaf operator
    pos: tuple[int, int]
    children: tuple["Cond", ...] = ()
    field: str = ""
    value: Any = None
    gate: str = ""  # set on the condition a gate adds to a rule (its id): mutation testing leaves it alone

    def leaves(self):
        """The leaf conditions (those that read a field), depth first."""
        if self.field:
            yield self
        for ch in self.children:
            yield from ch.leaves()


@dataclass(frozen=True)
class Action:
    kind: str  # recommend / alert / derive / argue
    code: str
    pos: tuple[int, int]
    phase: str | None = None
    strength: str | None = None
    details: tuple = ()  # ((key, literal or ("from", field)), ...)
    severity: str | None = None
    message: str | None = None
    stance: str | None = None


@dataclass(frozen=True)
class Evidence:
    ref: str
    level: str
    note: str | None = None


@dataclass(frozen=True)
class Fact:
    """A fact that rules derive (`derived.NAME`), defined once in a `facts:` section: what it means and
    which rules, when they fire, establish it. It is false once every one of them is definitely false."""

    name: str
    meaning: str
    derived_by: tuple[str, ...]
    file: str
    pos: tuple[int, int]


@dataclass(frozen=True)
class Gate:
    """A state of the patient that holds back whole classes of rules, written once (PATHWAYS Global
    precedence 4: the course state gates treatment DPs). While `when` is true, every rule of the classes in
    `holds_back` is false; while it is unknown they are not held back (unknown is not the state). A rule
    that reads the state itself, or that `exempt` names, decides for itself."""

    id: str
    title: str
    holds_back: tuple[str, ...]  # rule classes: treatment, workup (see rule_class)
    when: Cond  # one comparison of one field
    exempt: tuple[str, ...]
    rationale: str
    evidence: tuple[Evidence, ...]
    file: str
    pos: tuple[int, int]


@dataclass(frozen=True)
class Cap:
    """A rule-derived fact that, while true, holds the entries of some rules at a lower strength
    (PATHWAYS Global precedence 5: fitness modifies cytotoxic entries)."""

    fact: str  # the capping fact (a fact of a `facts:` section)
    entries_of: str  # the fact whose deriving rules' entries are capped
    at_most: str  # consider | avoid
    reason: str
    file: str
    pos: tuple[int, int]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    when: Cond
    then: tuple[Action, ...]
    rationale: str
    evidence: tuple[Evidence, ...]
    file: str
    pos: tuple[int, int]
    pathway: tuple[str, ...] = ()
    supersedes: tuple[str, ...] = ()

    def fields(self) -> list[str]:
        out: list[str] = []

        def walk(c: Cond):
            if c.field and c.field not in out:
                out.append(c.field)
            for ch in c.children:
                walk(ch)
        walk(self.when)
        return out

    def derives(self) -> list[str]:
        return [a.code for a in self.then if a.kind == "derive"]


@dataclass(frozen=True)
class Presumption:
    """What a first consult takes for granted while a field is unknown (rules/presumptions.yaml,
    read by presumption_files.py)."""

    field: str
    value: Any  # what the provisional pass uses (for `below: N`, a value below N that no rule tells apart)
    shown: Any  # what a reader is shown as presumed: the value, or {"below": N}
    reason: str
    question: str
    evidence: tuple[Evidence, ...]
    file: str
    pos: tuple[int, int]
    settled_by: str | None = None
    label: str = ""  # the presumption in a few words ("no distant disease"), for "holds if"
    unless: Cond | None = None  # known patient facts that make the presumption unsafe: then it is not made
    at_most: str | None = None  # the strongest strength an entry resting on this presumption may have
    cap_reason: str | None = None  # why, as shown beside a capped entry ("until ... is known: ...")

    @property
    def derived(self) -> bool:
        return self.field.startswith("derived.")


@dataclass(frozen=True)
class QuestionGroup:
    """A rank of PATHWAYS QP-01's order of questions: its fields (a trailing `.*` takes every field below),
    and the condition under which it comes first (the emergency group) or None (every consult)."""

    name: str
    reason: str  # why its questions come here, in a clinician's words
    fields: tuple[str, ...]
    first_when: Cond | None = None
    in_order: bool = False  # its questions are asked in the order of `fields` (QP-01 1-4), not by their effect
    # The group ranks its fields only while this holds (QP-01 5: the course state is asked there while it is
    # unknown); otherwise they rank as fields of no group, last.
    when: Cond | None = None

    def rank(self, field: str) -> int:
        return next(i for i, f in enumerate(self.fields)
                    if field == f or (f.endswith(".*") and field.startswith(f[:-1])))

    def holds(self, field: str) -> bool:
        return any(field == f or (f.endswith(".*") and field.startswith(f[:-1])) for f in self.fields)


@dataclass(frozen=True)
class NotAsked:
    """PATHWAYS QP-03: fields that are not asked while a condition is true (it does not apply)."""

    fields: tuple[str, ...]
    when: Cond
    because: str


@dataclass(frozen=True)
class QuestionPolicy:
    """How the questions are chosen and ordered (rules/questions.yaml): the wordings, the order of QP-01,
    the questions that do not apply (QP-03), and answers read from a derived list (Tomita types possible)."""

    wordings: dict[str, str] = field(default_factory=dict)
    order: tuple[QuestionGroup, ...] = ()
    not_asked: tuple[NotAsked, ...] = ()
    answers_from: dict[str, str] = field(default_factory=dict)  # field -> derived.X holding its possible answers


@dataclass
class Ruleset:
    name: str
    version: str
    sha256: str
    root: Path
    rules: list[Rule]
    references: dict[str, dict]
    interventions: dict[str, Intervention]
    fields: dict[str, FieldType]
    derived_facts: dict[str, list[str]] = field(default_factory=dict)  # fact -> ids of rules deriving it
    facts: dict[str, Fact] = field(default_factory=dict)  # the `facts:` sections, in file order
    gates: tuple[Gate, ...] = ()  # the `gates:` sections, in file order
    caps: tuple[Cap, ...] = ()  # the `caps:` sections, in file order
    scenario_files: list[Path] = field(default_factory=list)
    presumptions: tuple[Presumption, ...] = ()  # in file order (attached by presumption_files.attach)
    questions: dict[str, str] = field(default_factory=dict)  # field -> the question a clinician is asked
    question_policy: QuestionPolicy = field(default_factory=QuestionPolicy)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def find(self, rule_id: str) -> Rule | None:
        """A rule named on the command line: its id as written, or in other capitals (cs-05a)."""
        return self.rule(rule_id) or next((r for r in self.rules if r.id.lower() == rule_id.lower()), None)


def default_rules_dir() -> Path:
    """The knowledge base installed with the package (independent of the current directory)."""
    return Path(str(resources.files("spinepath") / "rules"))


def load_yaml(path: Path) -> Document:
    doc = load_path(path, MAX_RULES_FILE_BYTES)
    doc.file = display_path(path)
    return doc


def display_path(path: Path) -> str:
    try:  # abspath, not resolve: keep the path the user gave (the package links to rules/)
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_ruleset(fields: dict[str, FieldType], root: str | Path | None = None) -> Ruleset:
    """Load and check every file of a rules directory against the rule vocabulary `fields` (patient
    fields and derived values: derive.vocabulary.all_fields); raise InputError with all problems found."""
    root = Path(root) if root is not None else default_rules_dir()
    if not root.is_dir():
        raise InputError([Diagnostic(str(root), 0, 0, "io", "rules directory not found")])
    files = sorted((p for p in root.rglob("*.yaml") if p.is_file()), key=lambda p: p.relative_to(root).as_posix())
    digest = hashlib.sha256()
    for p in files:
        digest.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    diags: list[Diagnostic] = []

    def guarded(fn, *a):
        try:
            return fn(*a)
        except InputError as exc:
            diags.extend(exc.diagnostics)
            return None

    meta = guarded(_load_meta, root / "ruleset.yaml", root)
    references = guarded(_load_references, root / "references.yaml", root) or {}
    interventions = dict(CONTRACT)
    extra = guarded(_load_interventions, root / "interventions.yaml", root) if (root / "interventions.yaml").exists() else None
    interventions.update(extra or {})
    rule_files = [p for p in files if p.name.endswith(".rules.yaml")]
    raw_rules: list[tuple[Rule, Document]] = []
    facts: dict[str, Fact] = {}
    gates: list[Gate] = []
    caps: list[Cap] = []
    for path in rule_files:
        loaded = guarded(_load_rules_file, path, root, fields, references, interventions)
        if loaded:
            raw_rules.extend(loaded[0])
            gates += loaded[2]
            caps += loaded[3]
            for fact in loaded[1]:
                if fact.name in facts:
                    first = facts[fact.name]
                    diags.append(Diagnostic(fact.file, fact.pos[0], fact.pos[1], "duplicate-id",
                                            f"fact {fact.name} is already defined at {first.file}:{first.pos[0]}"))
                else:
                    facts[fact.name] = fact
    diags.extend(_attach_facts(raw_rules, facts))
    raw_rules = [(_with_facts(r, facts), d) for r, d in raw_rules]
    diags.extend(_gate_and_cap_checks(raw_rules, facts, gates, caps))
    raw_rules = [(_with_gates(r, gates), d) for r, d in raw_rules]
    rules = [r for r, _ in raw_rules]
    diags.extend(cross_checks(raw_rules, fields))
    if diags:
        raise InputError(diags)
    derived_facts: dict[str, list[str]] = {}
    for r in rules:
        for fact in r.derives():
            derived_facts.setdefault(fact, []).append(r.id)
    name, version = meta
    return Ruleset(name, version, digest.hexdigest(), root, rules, references, interventions,
                   fields, derived_facts, facts, tuple(gates), tuple(caps),
                   [p for p in files if p.name.endswith(".scenarios.yaml")])


# Rules that read the course state themselves decide for themselves: a gate leaves them alone.
STATE_FIELDS = ("derived.disease_state", "derived.relapse", "derived.relapse_or_progression")
_TREATMENT_PHASES = ("urgent", "neoadjuvant", "local_control", "adjuvant", "systemic", "supportive")


def rule_class(rule: Rule) -> str:
    """treatment: some recommendation in a treatment phase, or none at all (alerts, arguments, facts);
    workup: recommendations in the diagnosis phase (with surveillance or none other); surveillance:
    recommendations in the surveillance phase only."""
    phases = {a.phase for a in rule.then if a.kind == "recommend"}
    if not phases or phases & set(_TREATMENT_PHASES):
        return "treatment"
    return "workup" if "diagnosis" in phases else "surveillance"


def _gate_and_cap_checks(raw_rules: list[tuple[Rule, Document]], facts: dict[str, Fact], gates: list[Gate],
                         caps: list[Cap]) -> list[Diagnostic]:
    diags = []
    ids = {r.id for r, _ in raw_rules}
    seen: set[str] = set()
    for g in gates:
        if g.id in seen or g.id in ids:
            diags.append(Diagnostic(g.file, g.pos[0], g.pos[1], "duplicate-id", f"gate id {g.id} is already used"))
        seen.add(g.id)
        for rid in g.exempt:
            if rid not in ids:
                diags.append(Diagnostic(g.file, g.pos[0], g.pos[1], "unknown-rule",
                                        f"gate {g.id} exempts {rid}, which is not a rule{did_you_mean(rid, ids)}"))
    for cap in caps:
        for name in (cap.fact, cap.entries_of):
            if name not in facts:
                diags.append(Diagnostic(cap.file, cap.pos[0], cap.pos[1], "unknown-field",
                                        f"cap reads {name}, which no facts: section defines{did_you_mean(name, facts)}"))
    return diags


def _with_gates(rule: Rule, gates: list[Gate]) -> Rule:
    """The rule with, for each gate holding back its class, the condition "that state is not recorded"
    (true while the state is unknown): the gate's comparison negated, or its field not known."""
    if any(f in STATE_FIELDS for f in rule.fields()):
        return rule
    added = []
    for g in gates:
        if rule.id in g.exempt or rule_class(rule) not in g.holds_back:
            continue
        leaf = dataclasses.replace(g.when, gate=g.id)
        added.append(Cond("any", g.pos, (Cond("not", g.pos, (leaf,), gate=g.id),
                                         Cond("missing", g.pos, (), leaf.field, True, gate=g.id)), gate=g.id))
    if not added:
        return rule
    when = rule.when
    children = (when.children if when.op == "all" else (when,)) + tuple(added)
    return dataclasses.replace(rule, when=Cond("all", when.pos, children))


def _attach_facts(raw_rules: list[tuple[Rule, Document]], facts: dict[str, Fact]) -> list[Diagnostic]:
    """Every rule a fact names exists; every rule does something (an action, or deriving a fact)."""
    diags = []
    ids = {r.id for r, _ in raw_rules}
    for fact in facts.values():
        for rid in fact.derived_by:
            if rid not in ids:
                diags.append(Diagnostic(fact.file, *fact.pos, "unknown-rule", f"fact {fact.name} is derived by "
                                        f"{rid}, which is not a rule{did_you_mean(rid, ids)}"))
    deriving = {rid for f in facts.values() for rid in f.derived_by}
    for r, _ in raw_rules:
        if not r.then and r.id not in deriving:
            diags.append(Diagnostic(r.file, *r.pos, "schema", f"{r.id} does nothing: give it an action, or name it "
                                    "in the derived_by of a fact"))
    return diags


def _with_facts(rule: Rule, facts: dict[str, Fact]) -> Rule:
    """The rule with a derive action for each fact naming it, in the order the facts are defined."""
    derived = tuple(Action("derive", f.name, f.pos) for f in facts.values() if rule.id in f.derived_by)
    return dataclasses.replace(rule, then=rule.then + derived) if derived else rule


def _load_meta(path: Path, root: Path) -> tuple[str, str]:
    if not path.exists():
        raise InputError([Diagnostic(display_path(path), 0, 0, "io", "missing: every rules directory needs ruleset.yaml "
                                     "with name and version")])
    doc = load_yaml(path)
    c = Checker(doc)
    name = version = None
    if c.mapping(doc.data, (), ("name", "version"), ("name", "version"), "ruleset.yaml"):
        name = c.text(doc.data.get("name"), ("name",), "name")
        version = c.text(str(doc.data.get("version", "")), ("version",), "version")
    if c.diags or name is None or version is None:
        raise InputError(c.diags)
    return name, version


def _load_references(path: Path, root: Path) -> dict[str, dict]:
    if not path.exists():
        raise InputError([Diagnostic(display_path(path), 0, 0, "io", "missing: the bibliography of the rules")])
    doc = load_yaml(path)
    c = Checker(doc)
    out = {}
    if c.mapping(doc.data, (), ("references",), ("references",), "references.yaml"):
        refs = doc.data["references"]
        if c.mapping(refs, ("references",), tuple(refs) if isinstance(refs, dict) else (), (), "references"):
            for key, entry in refs.items():
                p = ("references", key)
                if c.mapping(entry, p, ("short", "citation", "supports", "verification", "url"), ("short", "citation"),
                             f"reference {key}"):
                    out[str(key)] = entry
    if c.diags:
        raise InputError(c.diags)
    return out


def _load_interventions(path: Path, root: Path) -> dict[str, Intervention]:
    doc = load_yaml(path)
    c = Checker(doc)
    out = {}
    if c.mapping(doc.data, (), ("interventions",), ("interventions",), "interventions.yaml"):
        entries = doc.data["interventions"] or {}
        if c.mapping(entries, ("interventions",), tuple(entries) if isinstance(entries, dict) else (), (), "interventions"):
            for code, e in entries.items():
                p = ("interventions", code)
                if code in CONTRACT:
                    c.error(p, "duplicate-id", f"{code} is already an intervention of OUTPUT.md")
                    continue
                if not _CODE.match(str(code)):
                    c.error(p, "schema", f"intervention code {code!r}: expected lower_snake_case")
                if c.mapping(e, p, ("phases", "details", "meaning", "enters_tumor"), ("phases", "meaning", "enters_tumor"),
                             f"intervention {code}"):
                    phases = e.get("phases")
                    if not isinstance(phases, list) or not phases or any(ph not in PHASES for ph in phases):
                        c.error(p + ("phases",), "bad-phase", f"phases: expected a list of {', '.join(PHASES)}", True)
                        continue
                    details = e.get("details") or []
                    if not isinstance(details, list) or not all(isinstance(d, str) for d in details):
                        c.error(p + ("details",), "schema", "details: expected a list of key names", True)
                        continue
                    if not isinstance(e.get("enters_tumor"), bool):
                        c.error(p + ("enters_tumor",), "schema", "enters_tumor: expected true or false (true: never "
                                "before a tissue diagnosis)", True)
                        continue
                    common = tuple(k for k in EVERY_CODE if k not in details)
                    out[code] = Intervention(code, tuple(phases), tuple(details) + common, str(e.get("meaning", "")),
                                             e["enters_tumor"])
    if c.diags:
        raise InputError(c.diags)
    return out


def _load_rules_file(path, root, fields, references,
                     interventions) -> tuple[list[tuple[Rule, Document]], list[Fact], list[Gate], list[Cap]]:
    doc = load_yaml(path)
    c = Checker(doc)
    out = []
    facts: list[Fact] = []
    gates: list[Gate] = []
    caps: list[Cap] = []
    if c.mapping(doc.data, (), ("rules", "facts", "gates", "caps"), ("rules",), "a rules file"):
        rules = doc.data["rules"]
        if not isinstance(rules, list):
            c.error(("rules",), "schema", "rules: expected a list of rules", True)
        else:
            for i, raw in enumerate(rules):
                rule = _parse_rule(c, raw, ("rules", i), fields, references, interventions)
                if rule is not None:
                    out.append((rule, doc))
        if "facts" in doc.data:
            facts = _parse_facts(c, doc.data["facts"], fields)
        if "gates" in doc.data:
            gates = _parse_gates(c, doc.data["gates"], fields, references)
        if "caps" in doc.data:
            caps = _parse_caps(c, doc.data["caps"])
    if c.diags:
        raise InputError(c.diags)
    return out, facts, gates, caps


def _parse_gates(c: Checker, raw: Any, fields: dict[str, FieldType], references: dict) -> list[Gate]:
    """`gates: [{id, title, holds_back: [treatment, workup], when: {field: F, equals: V}, exempt, rationale,
    evidence}]`."""
    out: list[Gate] = []
    if not isinstance(raw, list):
        c.error(("gates",), "schema", "gates: expected a list of gates", True)
        return out
    for i, g in enumerate(raw):
        p = ("gates", i)
        if not c.mapping(g, p, GATE_KEYS, ("id", "title", "holds_back", "when", "rationale", "evidence"), "a gate"):
            continue
        before = len(c.diags)
        gid = g.get("id")
        if not isinstance(gid, str) or not _ID.match(gid):
            c.error(p + ("id",), "schema", f"gate id {gid!r}: expected letters and digits with dashes", True)
        held = _id_list(c, g.get("holds_back"), p + ("holds_back",), "holds_back")
        if not held or any(h not in RULE_CLASSES for h in held):
            c.error(p + ("holds_back",), "bad-value", f"holds_back: expected a list of {', '.join(RULE_CLASSES)}", True)
        when = parse_cond(c, g.get("when"), p + ("when",), fields)
        if when is not None and (not when.field or when.op not in ("equals", "in")):
            c.error(p + ("when",), "schema", "a gate's when is one comparison: {field: F, equals: V} or "
                    "{field: F, in: [...]}", True)
        title = c.text(g.get("title"), p + ("title",), "title")
        rationale = c.text(g.get("rationale"), p + ("rationale",), "rationale")
        evidence = parse_evidence(c, g.get("evidence"), p + ("evidence",), references)
        exempt = _id_list(c, g.get("exempt"), p + ("exempt",), "exempt")
        if len(c.diags) == before and when is not None and title and rationale and isinstance(gid, str):
            out.append(Gate(gid, title, held, when, exempt, rationale, tuple(evidence), c.doc.file, c.doc.where(p)))
    return out


def _parse_caps(c: Checker, raw: Any) -> list[Cap]:
    """`caps: [{fact, entries_of, at_most: consider | avoid, reason}]`."""
    out: list[Cap] = []
    if not isinstance(raw, list):
        c.error(("caps",), "schema", "caps: expected a list of caps", True)
        return out
    for i, cap in enumerate(raw):
        p = ("caps", i)
        if not c.mapping(cap, p, CAP_KEYS, ("fact", "entries_of", "at_most", "reason"), "a cap"):
            continue
        fact, of, at_most = cap.get("fact"), cap.get("entries_of"), cap.get("at_most")
        if at_most not in ("consider", "avoid"):
            c.error(p + ("at_most",), "bad-value", f"at_most: expected consider or avoid; got {kind_of(at_most)}", True)
            continue
        reason = c.text(cap.get("reason"), p + ("reason",), "reason")
        if isinstance(fact, str) and isinstance(of, str) and reason:
            out.append(Cap(fact, of, at_most, reason, c.doc.file, c.doc.where(p)))
        else:
            c.error(p, "schema", "a cap names a fact and the fact whose rules' entries it caps, both as text", True)
    return out


def _parse_facts(c: Checker, raw, fields) -> list[Fact]:
    """`facts: {NAME: {meaning: ..., derived_by: [rule ids]}}`: each rule-derived fact defined once."""
    out: list[Fact] = []
    if not c.mapping(raw, ("facts",), tuple(raw) if isinstance(raw, dict) else (), (), "facts"):
        return out
    for name, entry in raw.items():
        p = ("facts", name)
        if not isinstance(name, str) or not _CODE.match(name):
            c.error(p, "schema", f"fact name {name!r}: expected a lower_snake_case name")
            continue
        if f"derived.{name}" in fields:
            c.error(p, "duplicate-id", f"derived.{name} is computed by spinepath; a rule cannot derive it")
            continue
        if not c.mapping(entry, p, FACT_KEYS, ("meaning", "derived_by"), f"fact {name}"):
            continue
        meaning = c.text(entry.get("meaning"), p + ("meaning",), "meaning")
        ids = _id_list(c, entry.get("derived_by"), p + ("derived_by",), "derived_by")
        if not ids:
            c.error(p + ("derived_by",), "schema", "derived_by: expected the ids of the rules that derive it", True)
            continue
        if meaning:
            out.append(Fact(name, meaning, ids, c.doc.file, c.doc.where(p)))
    return out


def _parse_rule(c: Checker, raw, path, fields, references, interventions) -> Rule | None:
    if not c.mapping(raw, path, RULE_KEYS, ("id", "title", "when", "then", "rationale", "evidence"), "a rule"):
        return None
    before = len(c.diags)
    rid = raw.get("id")
    if not isinstance(rid, str) or not _ID.match(rid):
        c.error(path + ("id",), "schema", f"rule id {rid!r}: expected letters and digits with dashes, e.g. CH-02a", True)
    title = c.text(raw.get("title"), path + ("title",), "title")
    rationale = c.text(raw.get("rationale"), path + ("rationale",), "rationale")
    when = parse_cond(c, raw.get("when"), path + ("when",), fields) if "when" in raw else None
    then = _parse_actions(c, raw.get("then"), path + ("then",), fields, interventions) if "then" in raw else ()
    evidence = parse_evidence(c, raw.get("evidence"), path + ("evidence",), references) if "evidence" in raw else ()
    pathway = _id_list(c, raw.get("pathway"), path + ("pathway",), "pathway")
    supersedes = _id_list(c, raw.get("supersedes"), path + ("supersedes",), "supersedes")
    if len(c.diags) > before or when is None or title is None or rationale is None:
        return None
    return Rule(rid, title, when, tuple(then), rationale, tuple(evidence), c.doc.file, c.doc.where(path),
                pathway, supersedes)


def _id_list(c, value, path, what) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        c.error(path, "schema", f"{what}: expected a list of ids", True)
        return ()
    return tuple(value)


def parse_cond(c: Checker, raw, path, fields) -> Cond | None:
    pos = c.doc.value_at(path)
    if not isinstance(raw, dict) or not raw:
        c.error(path, "schema", f"condition: expected a mapping such as {{field: F, equals: V}} or {{all: [...]}}; "
                f"got {kind_of(raw)}", True)
        return None
    ops = [k for k in raw if k in LEAF_OPS or k in GROUP_OPS]
    words = LEAF_OPS + GROUP_OPS + LEAF_MODIFIERS + ("field",)
    unknown = [k for k in raw if k not in words]
    for k in unknown:
        c.error(path + (k,), "schema", f"unknown key {k!r} in a condition{did_you_mean(k, words)}")
    if unknown:
        return None
    if len(ops) != 1:
        c.error(path, "schema", "a condition needs exactly one operator "
                f"({', '.join(GROUP_OPS + LEAF_OPS)}); got {', '.join(ops) or 'none'}", True)
        return None
    op = ops[0]
    if "or_unknown" in raw and (op in GROUP_OPS or op in ("exists", "missing") or raw["or_unknown"] is not True):
        c.error(path + ("or_unknown",), "schema", "or_unknown: true goes beside a comparison of a field "
                "({field: F, equals: V, or_unknown: true}: V, or not known)", True)
        return None
    if op in GROUP_OPS:
        if "field" in raw:
            c.error(path + ("field",), "schema", f"'{op}' takes conditions, not a field")
            return None
        if op == "not":
            child = parse_cond(c, raw["not"], path + ("not",), fields)
            return None if child is None else Cond("not", pos, (child,))
        items = raw[op]
        if not isinstance(items, list) or not items:
            c.error(path + (op,), "schema", f"'{op}': expected a non-empty list of conditions", True)
            return None
        parsed = [parse_cond(c, item, path + (op, i), fields) for i, item in enumerate(items)]
        children = [ch for ch in parsed if ch is not None]
        if len(children) < len(parsed):
            return None
        return Cond(op, pos, tuple(children))
    name = raw.get("field")
    if not isinstance(name, str):
        c.error(path, "schema", f"'{op}' needs a field: {{field: diagnosis.histology, {op}: ...}}", True)
        return None
    value = raw[op]
    if name.startswith("derived.") and name not in fields:
        ftype = FieldType("bool")  # a fact derived by a rule; checked against the derive actions later
        if not re.match(r"^derived\.[a-z][a-z0-9_]*$", name):
            c.error(path + ("field",), "unknown-field", f"unknown field {name!r}", True)
            return None
    elif name not in fields:
        c.error(path + ("field",), "unknown-field",
                f"unknown field {name!r}{did_you_mean(name, fields)}", True)
        return None
    else:
        ftype = fields[name]
    if not check_value(c, op, value, ftype, name, path + (op,)):
        return None
    if op == "in":
        value = tuple(value)
    leaf = Cond(op, pos, (), name, value)
    if raw.get("or_unknown") is True:  # the same condition as writing out the `any` by hand
        return Cond("any", pos, (leaf, Cond("missing", pos, (), name, True)))
    return leaf


def _parse_actions(c, raw, path, fields, interventions) -> list[Action]:
    if not isinstance(raw, list):
        c.error(path, "schema", "then: expected a list of actions (recommend, alert, argue)", True)
        return []
    out = []
    kinds = ("recommend", "alert", "argue")
    for i, a in enumerate(raw):
        p = path + (i,)
        if not isinstance(a, dict):
            c.error(p, "schema", f"an action: expected a mapping; got {kind_of(a)}", True)
            continue
        present = [k for k in kinds if k in a]
        if "derive" in a and not present:
            c.error(p + ("derive",), "schema", "derive: a fact is defined once, in the file's `facts:` section: "
                    f"facts: {{{a['derive']}: {{meaning: ..., derived_by: [THIS-RULE, ...]}}}}", True)
            continue
        if len(present) != 1:
            c.error(p, "schema", f"an action needs exactly one of {', '.join(kinds)}; got {', '.join(present) or 'none'}"
                    f"{did_you_mean(next(iter(a), ''), kinds) if not present else ''}", True)
            continue
        kind = present[0]
        allowed = {"recommend": ("recommend", "phase", "strength", "details"),
                   "alert": ("alert", "severity", "message"),
                   "argue": ("argue", "stance", "phase")}[kind]
        required = {"recommend": ("strength",), "alert": ("severity", "message"), "argue": ("stance",)}[kind]
        if not c.mapping(a, p, allowed, required, f"a {kind} action"):
            continue
        code = a[kind]
        pos = c.doc.value_at(p + (kind,))
        if not isinstance(code, str) or not _CODE.match(code):
            c.error(p + (kind,), "schema", f"{kind}: expected a lower_snake_case code; got {kind_of(code)}", True)
            continue
        if kind == "alert":
            sev = a.get("severity")
            if sev not in SEVERITIES:
                c.error(p + ("severity",), "bad-value", f"severity: expected one of {', '.join(SEVERITIES)}; got {sev!r}", True)
                continue
            msg = c.text(a.get("message"), p + ("message",), "message")
            if msg:
                out.append(Action("alert", code, pos, severity=sev, message=msg))
            continue
        iv = interventions.get(code)
        if iv is None:
            c.error(p + (kind,), "unknown-intervention",
                    f"unknown intervention {code!r}{did_you_mean(code, interventions)}; add new codes to rules/interventions.yaml", True)
            continue
        phase = a.get("phase")
        if phase is None:
            if len(iv.phases) > 1:
                c.error(p, "bad-phase", f"{code} can be {' or '.join(iv.phases)}: say which with 'phase'", True)
                continue
            phase = iv.phases[0]
        elif phase not in iv.phases:
            c.error(p + ("phase",), "bad-phase", f"{code} takes phase {' or '.join(iv.phases)}; got {phase!r}", True)
            continue
        if kind == "argue":
            stance = a.get("stance")
            if stance not in ("for", "against"):
                c.error(p + ("stance",), "bad-value", f"stance: expected for or against; got {stance!r}", True)
                continue
            out.append(Action("argue", code, pos, phase=phase, stance=stance))
            continue
        strength = a.get("strength")
        if strength not in STRENGTHS:
            c.error(p + ("strength",), "bad-value", f"strength: expected one of {', '.join(STRENGTHS)}; got {strength!r}"
                    f"{did_you_mean(strength, STRENGTHS) if isinstance(strength, str) else ''}", True)
            continue
        details = a.get("details") or {}
        if not isinstance(details, dict):
            c.error(p + ("details",), "schema", "details: expected a mapping", True)
            continue
        parsed: list[tuple[str, Any]] = []
        for key, val in details.items():
            if key not in iv.details:
                allowed_keys = ", ".join(iv.details) or "none"
                c.error(p + ("details", key), "bad-details",
                        f"{code} takes no details key {key!r} (allowed: {allowed_keys}){did_you_mean(key, iv.details)}")
                continue
            if isinstance(val, dict):
                src = val.get("from")
                if set(val) != {"from"} or not isinstance(src, str) or src not in fields:
                    c.error(p + ("details", key), "bad-details",
                            "a details value is a literal or {from: derived.FIELD}", True)
                    continue
                parsed.append((key, ("from", src)))
            elif isinstance(val, (str, int, float, bool)) or (isinstance(val, list) and all(isinstance(x, (str, int, float)) for x in val)):
                parsed.append((key, tuple(val) if isinstance(val, list) else val))
            else:
                c.error(p + ("details", key), "bad-details", "a details value is text, a number, true/false or a list", True)
        out.append(Action("recommend", code, pos, phase=phase, strength=strength, details=tuple(parsed)))
    return out


def parse_evidence(c, raw, path, references) -> list[Evidence]:
    if not isinstance(raw, list) or not raw:
        c.error(path, "schema", "evidence: expected a non-empty list of {ref, level}: every rule carries its evidence", True)
        return []
    out = []
    for i, e in enumerate(raw):
        p = path + (i,)
        if not c.mapping(e, p, ("ref", "level", "note"), ("ref", "level"), "an evidence entry"):
            continue
        ref = str(e["ref"]) if isinstance(e.get("ref"), (str, int)) else None
        if ref is None or ref not in references:
            c.error(p + ("ref",), "unknown-reference",
                    f"evidence ref {e.get('ref')!r} is not in rules/references.yaml{did_you_mean(ref or '', references)}", True)
            continue
        level = c.text(e.get("level") if isinstance(e.get("level"), str) else None, p + ("level",), "level")
        if level:
            out.append(Evidence(ref, level, e.get("note") if isinstance(e.get("note"), str) else None))
    return out


