"""Teaching mode: a resident sees a case up to its decision point, picks interventions, and is scored
against what the rules say for that patient, with the reasons and evidence revealed afterwards.

The answer key is the consult result itself (spinepath.explain.consult.consult): nothing here decides
what is right. Before the answer only the patient's own findings are shown, never a
recommendation, a rule's alert, a derived value or the trace.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.panel import Panel
from rich.prompt import Prompt
from rich.table import Table
from rich.text import Text

from ..board.brief import case_sections, staging_rows, timeline
from ..explain.result import ConsultResult, RulesetId
from ..load.diagnostics import Diagnostic, InputError, did_you_mean
from ..load.interventions import said
from ..load.patient import Patient, load_patient
from ..load.rule_files import Ruleset
from ..render import STRENGTH_WORDS, evidence_text, words
from ..render.escaping import one_line
from .cases import META_SUFFIX, Case, TeachingMeta, load_meta, meta_path, teaching_cases

FORMAT = "spinepath.teach/1"
MIN_OPTIONS = 8
MIN_DISTRACTORS = 3
STRENGTH_RANK = {"recommended": 0, "consider": 1, "avoid": 2}
VERDICT_WORDS = {"hit": "HIT", "miss": "MISSED", "wrong_pick": "WRONG PICK", "optional": "optional, not chosen",
                 "correctly_left_out": "rightly left out"}
VERDICT_STYLE = {"hit": "bold green", "miss": "bold red", "wrong_pick": "bold red", "optional": "yellow",
                 "correctly_left_out": "green"}


@dataclass(frozen=True)
class TeachingCase:
    id: str
    path: Path
    patient: Patient
    meta: TeachingMeta | None  # None for a plain patient file: it can be practised on, without a syllabus


@dataclass(frozen=True)
class Option:
    number: int
    intervention: str
    expected: str  # recommended | consider | avoid | not_recommended


@dataclass(frozen=True)
class ScoredOption:
    """An option after the answer: whether the resident chose it and what that was worth."""

    number: int
    intervention: str
    expected: str
    chosen: bool
    verdict: str  # hit | miss | wrong_pick | optional | correctly_left_out
    why_not: tuple[str, ...] = ()  # a wrong pick: why no rule proposes it here (explain.why_not)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"number": self.number, "intervention": self.intervention, "expected": self.expected,
                               "chosen": self.chosen, "verdict": self.verdict}
        if self.why_not:
            out["why_not"] = list(self.why_not)
        return out


@dataclass(frozen=True)
class Score:
    """One stage scored against the rules (format spinepath.teach/1)."""

    case: str
    title: str
    objective: str | None
    ruleset: RulesetId
    chosen: tuple[int, ...]
    options: tuple[ScoredOption, ...]
    statement: str

    def _verdict(self, verdict: str) -> list[str]:
        return [o.intervention for o in self.options if o.verdict == verdict]

    @property
    def hits(self) -> list[str]:
        return self._verdict("hit")

    @property
    def misses(self) -> list[str]:
        return self._verdict("miss")

    @property
    def wrong_picks(self) -> list[str]:
        return self._verdict("wrong_pick")

    @property
    def score_percent(self) -> int:
        judged = len(self.hits) + len(self.misses) + len(self.wrong_picks)
        return round(100 * len(self.hits) / judged) if judged else 100

    def to_json_data(self) -> dict[str, Any]:
        rs = self.ruleset
        return {"format": FORMAT, "case": self.case, "title": self.title, "objective": self.objective,
                "ruleset": {"name": rs.name, "version": rs.version, "sha256": rs.sha256}, "chosen": list(self.chosen),
                "options": [o.to_json() for o in self.options], "hits": self.hits, "misses": self.misses,
                "wrong_picks": self.wrong_picks, "score_percent": self.score_percent, "statement": self.statement}

    def to_json(self) -> str:
        return json.dumps(self.to_json_data(), indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class SeriesScore:
    """A case series played stage by stage: each stage's score and the score per learning objective."""

    series: str
    stages: tuple[Score, ...]

    def by_objective(self) -> list[tuple[str, int]]:
        scores: dict[str, list[int]] = {}
        for s in self.stages:
            scores.setdefault(s.objective or s.title, []).append(s.score_percent)
        return [(objective, round(sum(v) / len(v))) for objective, v in scores.items()]

    @property
    def score_percent(self) -> int:
        return round(sum(s.score_percent for s in self.stages) / len(self.stages))

    def to_json(self) -> str:
        data = {"format": FORMAT, "series": self.series, "stages": [s.to_json_data() for s in self.stages],
                "by_objective": [{"objective": o, "score_percent": p} for o, p in self.by_objective()],
                "score_percent": self.score_percent}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------ finding a case

def resolve(arg: str, directory: Path | None = None) -> TeachingCase:
    """A teaching case by id (file name without .yaml), by title, or a patient file path."""
    path = Path(arg)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if path.name.endswith(META_SUFFIX):
            path = path.with_name(path.name.removesuffix(META_SUFFIX) + ".yaml")
        meta = load_meta(meta_path(path)) if meta_path(path).exists() else None
        return TeachingCase(path.name.removesuffix(".yaml"), path, load_patient(path), meta)
    cases = teaching_cases(directory)
    for c in cases:
        if arg == c.id or (c.meta is not None and arg.casefold() == c.meta.title.casefold()):
            return from_case(c)
    ids = [c.id for c in cases]
    near = [i for i in ids if arg.casefold() in i.casefold()]
    hint = f"; cases whose id contains it: {', '.join(near)}" if near else did_you_mean(arg, ids)
    raise InputError([Diagnostic("<command line>", 0, 0, "unknown-case",
                                 f"no teaching case {arg!r}{hint}; 'spinepath cases' lists them all, "
                                 "or give a patient file")])


def from_case(c: Case) -> TeachingCase:
    return TeachingCase(c.id, c.path, load_patient(c.path), c.meta)


# ------------------------------------------------------------------ the question

def expected_by_code(result: ConsultResult) -> dict[str, str]:
    """Each intervention the rules name for this patient, with its strongest strength."""
    out: dict[str, str] = {}
    for r in result.recommendations:
        code, strength = r.intervention, r.strength
        if code not in out or STRENGTH_RANK[strength] < STRENGTH_RANK[out[code]]:
            out[code] = strength
    return out


def undecided_codes(result: ConsultResult, ruleset: Ruleset) -> set[str]:
    """Interventions that rules blocked only by missing data would name: not fair as distractors."""
    rule_ids = {rid for m in result.missing for rid in m.rules}
    return {a.code for rid in rule_ids if (rule := ruleset.rule(rid)) is not None
            for a in rule.then if a.kind == "recommend"}


def _shuffle_key(case_id: str, code: str) -> str:
    # A hash of the case and the code: a fixed order per case that does not group the right answers.
    return hashlib.sha256(f"{case_id}\0{code}".encode()).hexdigest()


def build_options(case_id: str, result: ConsultResult, ruleset: Ruleset) -> list[Option]:
    expected = expected_by_code(result)
    unfair = undecided_codes(result, ruleset) | set(expected)
    pool = sorted((c for c in ruleset.interventions if c not in unfair), key=lambda c: _shuffle_key(case_id, c))
    wanted = max(MIN_DISTRACTORS, MIN_OPTIONS - len(expected))
    codes = list(expected) + pool[:wanted]
    codes.sort(key=lambda c: _shuffle_key(case_id, c))
    return [Option(i, c, expected.get(c, "not_recommended")) for i, c in enumerate(codes, 1)]


def parse_answers(text: str, count: int) -> list[int]:
    """Option numbers from '2,5,7' or '2 5 7'; ValueError with a message a resident understands."""
    numbers = []
    for part in re.split(r"[,\s]+", text):
        part = part.strip()
        if not part:
            continue
        if not (part.isascii() and part.isdigit()):
            raise ValueError(f"{part!r} is not an option number: give numbers separated by commas or spaces, e.g. 1,3")
        n = int(part)
        if not 1 <= n <= count:
            raise ValueError(f"{n} is not an option: choose numbers from 1 to {count}")
        if n not in numbers:
            numbers.append(n)
    if not numbers:
        raise ValueError(f"choose at least one option (numbers from 1 to {count}, separated by commas)")
    return sorted(numbers)


def verdict(option: Option, chosen: bool) -> str:
    right = option.expected in ("recommended", "consider")
    if chosen:
        return "hit" if right else "wrong_pick"
    if option.expected == "recommended":
        return "miss"
    return "optional" if option.expected == "consider" else "correctly_left_out"


def score(case: TeachingCase, options: list[Option], numbers: list[int], result: ConsultResult,
          why_not: dict[str, list[str]] | None = None) -> Score:
    """`why_not`: for interventions no rule proposes here, why (explain.why_not), shown with a wrong pick."""
    rows = []
    for o in options:
        chosen = o.number in numbers
        v = verdict(o, chosen)
        reasons = (why_not or {}).get(o.intervention, []) if v == "wrong_pick" else []
        rows.append(ScoredOption(o.number, o.intervention, o.expected, chosen, v, tuple(reasons)))
    return Score(case.id, case.meta.title if case.meta else case.patient.id,
                 case.meta.objective if case.meta else None, result.ruleset, tuple(numbers), tuple(rows),
                 result.statement)


# ------------------------------------------------------------------ what the resident sees

def say(console: Console, text: str, indent: int = 0, style: str = "") -> None:
    """A paragraph whose wrapped lines keep their indent."""
    console.print(Padding(Text(text, style=style), (0, 0, 0, indent), expand=False))


def show_case(console: Console, case: TeachingCase) -> None:
    meta = case.meta
    head = Text(meta.title if meta else case.patient.id, style="bold")
    head.append(f"\n{case.id}" + (f" · {meta.difficulty}" if meta else ""), style="dim")
    console.print(Panel(head, expand=True))
    for section in case_sections(case.patient):
        say(console, section.title, style="bold underline")
        for label, value in section.rows:
            say(console, f"{label}: {value}", 2)
    say(console, "Treatment so far", style="bold underline")
    treatments = timeline(case.patient)
    if not treatments:
        say(console, "none" if treatments == () else "not given", 2)
    for t in treatments or ():
        say(console, f"{t.date}  {t.kind}" + (f" ({t.details})" if t.details else ""), 2)
    if case.patient.notes:
        say(console, "Notes", style="bold underline")
        say(console, one_line(case.patient.notes), 2)
    console.print()
    say(console, meta.decision_point if meta else "What do you do now?", style="bold")


def show_options(console: Console, options: list[Option]) -> None:
    say(console, "Which of these do you do or propose? Choose every one that applies.", style="dim")
    for o in options:
        say(console, f"{o.number:>2}. {words(o.intervention)}", 2)


def ask_answers(console: Console, count: int) -> list[int]:
    while True:
        text = Prompt.ask(f"Your choice (numbers 1-{count}, separated by commas or spaces)", console=console)
        try:
            return parse_answers(text, count)
        except ValueError as exc:
            say(console, str(exc), style="red")


def show_reveal(console: Console, case: TeachingCase, scored: Score, result: ConsultResult) -> None:
    console.print()
    say(console, f"Score: {scored.score_percent}%  ({len(scored.hits)} hit(s), {len(scored.misses)} "
                 f"missed, {len(scored.wrong_picks)} wrong pick(s))", style="bold")
    said_before: set[tuple[str, str]] = set()  # (rule, rationale): one rule's reason is read once
    for row in scored.options:
        _reveal_option(console, row, result, said_before)
    if result.alerts:
        console.print()
        say(console, "Alerts the rules raise for this patient", style="bold underline")
        for a in result.alerts:
            say(console, f"{a.severity.upper()} ({a.rule}): {a.message}", 2)
    console.print()
    say(console, "Staging, as spinepath derived it", style="bold underline")
    for r in staging_rows(result)[0]:
        say(console, f"{r.label}: {r.value}" + (f"  ({r.how})" if r.how else ""), 2)
    if case.meta:
        console.print()
        say(console, f"Learning objective: {case.meta.objective}", style="bold")
        say(console, f"Source: {case.meta.source}", style="dim")
    console.print()
    say(console, result.statement, style="italic")


def _reveal_option(console: Console, row: ScoredOption, result: ConsultResult,
                   said_before: set[tuple[str, str]]) -> None:
    v = row.verdict
    line = Text(f"\n{row.number:>2}. ")
    line.append(f"{VERDICT_WORDS[v]:<20}", style=VERDICT_STYLE[v])
    line.append(said(row.intervention), style="bold")
    line.append(f"  ({'you chose it' if row.chosen else 'not chosen'})", style="dim")
    console.print(line)
    entries = [r for r in result.recommendations if r.intervention == row.intervention]
    if not entries:
        say(console, "No rule proposes this for this patient.", 6)
        for reason in row.why_not:
            say(console, reason, 6)
    for r in entries:
        key = (r.rule, r.rationale)
        if key in said_before:
            say(console, f"{STRENGTH_WORDS[r.strength]} ({r.rule}, {words(r.phase)}): the same reason as above.", 6)
        else:
            said_before.add(key)
            say(console, f"{STRENGTH_WORDS[r.strength]} ({r.rule}, {words(r.phase)}): {r.rationale}", 6)
            say(console, f"Evidence: {evidence_text(r.evidence)}", 6, "dim")
        if r.blocked:
            say(console, f"Blocked: {r.blocked}", 6, "red")


def case_table(cases: list[Case]) -> Table:
    t = Table(title="Teaching cases", title_justify="left")
    t.add_column("#")
    t.add_column("id", no_wrap=True, min_width=max(len(c.id) for c in cases))  # typed back: never cut
    t.add_column("difficulty")
    t.add_column("title")
    for i, c in enumerate(cases, 1):
        t.add_row(str(i), c.id, *((c.meta.difficulty, c.meta.title) if c.meta else ("", "")))
    return t


def pick_case(console: Console, cases: list[Case]) -> Case:
    console.print(case_table(cases))
    while True:
        text = Prompt.ask(f"Case (number 1-{len(cases)} or id)", console=console).strip()
        if text.isdigit() and 1 <= int(text) <= len(cases):
            return cases[int(text) - 1]
        match = [c for c in cases if c.id == text]
        if match:
            return match[0]
        say(console, f"{text!r} is not a case: type its number or its id{did_you_mean(text, [c.id for c in cases])}",
            style="red")
