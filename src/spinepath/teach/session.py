"""Teaching mode: a resident sees a case up to its decision point, picks interventions, and is scored
against what the rules say for that patient, with the reasons and evidence revealed afterwards.

The answer key is the consult result itself (spinepath.explain.consult.consult): nothing here decides
what is right. The teacher's data says what the stage is about: its key decision(s), which carry most
of the score, and its tempting wrong answer (teach/cases.py; weights in scoring.expect.yaml). Before
the answer only the patient's own findings are shown, never a recommendation, a rule's alert, a
derived value or the trace. After it, the feedback is in clinical words: the rules' rationale, the
alerts and the learning objective, never a field name (teach/feedback.py).
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
from rich.text import Text

from ..board.brief import case_sections, staging_rows, timeline
from ..evaluate.knowledge import Knowledge
from ..explain.result import ConsultResult, RulesetId
from ..load.diagnostics import Diagnostic, InputError, did_you_mean
from ..load.interventions import said
from ..load.patient import Patient, load_patient
from ..load.rule_files import Ruleset
from ..render import words, wrap
from ..render.escaping import one_line
from .cases import (META_SUFFIX, Case, TeachingMeta, Weights, load_meta, load_weights, meta_path,
                    teaching_cases)
from .feedback import Paragraph, clinical, option_feedback

FORMAT = "spinepath.teach/1"  # additions of issue 26: role, points, weights, key_decisions, tempting
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
    role: str = "supportive"  # key | tempting | supportive | optional | avoid | not_proposed
    worth: float = 0  # what it adds to the score's denominator (a key decision or a supportive option)
    points: float = 0  # what it earned (chosen and worth something) or cost (a penalty, negative)
    feedback: tuple[Paragraph, ...] = ()  # why, in clinical words (teach/feedback.py)

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "intervention": self.intervention, "expected": self.expected,
                "chosen": self.chosen, "verdict": self.verdict, "role": self.role, "worth": self.worth,
                "points": self.points, "feedback": [p.said() for p in self.feedback]}


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
    weights: Weights | None = None
    key_decisions: tuple[str, ...] = ()
    tempting: str | None = None

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
    def key_missed(self) -> list[ScoredOption]:
        return [o for o in self.options if o.role == "key" and not o.chosen]

    @property
    def tempting_chosen(self) -> bool:
        return any(o.role == "tempting" and o.chosen for o in self.options)

    @property
    def score_percent(self) -> int:
        """(points earned - penalties) / (worth of the key decisions and supportive options), never below 0."""
        possible = sum(o.worth for o in self.options)
        if not possible:
            return 100 if not any(o.points < 0 for o in self.options) else 0
        return max(0, round(100 * sum(o.points for o in self.options) / possible))

    def to_json_data(self) -> dict[str, Any]:
        rs = self.ruleset
        return {"format": FORMAT, "case": self.case, "title": self.title, "objective": self.objective,
                "ruleset": {"name": rs.name, "version": rs.version, "sha256": rs.sha256}, "chosen": list(self.chosen),
                "options": [o.to_json() for o in self.options], "hits": self.hits, "misses": self.misses,
                "wrong_picks": self.wrong_picks, "key_decisions": list(self.key_decisions),
                "tempting": self.tempting, "weights": self.weights.to_json() if self.weights else None,
                "score_percent": self.score_percent, "statement": self.statement}

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


def build_options(case_id: str, result: ConsultResult, ruleset: Ruleset, tempting: str | None = None) -> list[Option]:
    """Every intervention the rules name here, the stage's tempting wrong answer (the teacher vouches for it,
    even where a rule might propose it with more data), and distractors no rule could propose."""
    expected = expected_by_code(result)
    unfair = undecided_codes(result, ruleset) | set(expected) | {tempting}
    pool = sorted((c for c in ruleset.interventions if c not in unfair), key=lambda c: _shuffle_key(case_id, c))
    extra = [tempting] if tempting and tempting not in expected else []
    wanted = max(MIN_DISTRACTORS - len(extra), MIN_OPTIONS - len(expected) - len(extra))
    codes = list(expected) + extra + pool[:wanted]
    codes.sort(key=lambda c: _shuffle_key(case_id, c))
    return [Option(i, c, expected.get(c, "not_recommended")) for i, c in enumerate(codes, 1)]


def stage_options(case: TeachingCase, result: ConsultResult, ruleset: Ruleset) -> list[Option]:
    """The options of this stage, after its teaching data is checked against the ruleset and the consult."""
    check_meta(case, result, ruleset)
    tempting = case.meta.tempting.option if case.meta and case.meta.tempting else None
    return build_options(case.id, result, ruleset, tempting)


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


def role(option: Option, meta: TeachingMeta | None) -> str:
    if meta is not None and option.intervention in meta.key_decisions:
        return "key"
    if meta is not None and meta.tempting is not None and option.intervention == meta.tempting.option:
        return "tempting"
    return {"recommended": "supportive", "consider": "optional", "avoid": "avoid"}.get(option.expected, "not_proposed")


def points(role_: str, chosen: bool, w: Weights) -> tuple[float, float]:
    """(worth, points) of an option: the key decisions carry most of the score, supportive options little;
    a penalty for the tempting wrong answer, an avoid, or an option no rule proposes, when chosen."""
    worth = {"key": w.key_decision, "supportive": w.supportive}.get(role_, 0.0)
    if not chosen:
        return worth, 0.0
    penalty = {"tempting": w.tempting_picked, "avoid": w.avoid_picked, "not_proposed": w.not_proposed_picked}
    return worth, worth if worth else -penalty.get(role_, 0.0)


def stage_weights(case: TeachingCase) -> Weights:
    if case.meta is not None and case.meta.weights is not None:
        return case.meta.weights
    return load_weights(case.path.parent)


def score(case: TeachingCase, options: list[Option], numbers: list[int], result: ConsultResult, kb: Knowledge) -> Score:
    w = stage_weights(case)
    because = case.meta.tempting.because if case.meta and case.meta.tempting else ()
    rows = []
    for o in options:
        chosen = o.number in numbers
        r = role(o, case.meta)
        worth, earned = points(r, chosen, w)
        turns_on = case.meta.key_decisions if case.meta and chosen and r == "not_proposed" else ()
        # A key decision the rules only suggest ("consider") is still missed when it is not chosen.
        v = "miss" if r == "key" and not chosen else verdict(o, chosen)
        rows.append(ScoredOption(o.number, o.intervention, o.expected, chosen, v, r, worth, earned,
                                 option_feedback(o.intervention, r, result, kb, because, turns_on)))
    meta = case.meta
    return Score(case.id, meta.title if meta else case.patient.id, meta.objective if meta else None, result.ruleset,
                 tuple(numbers), tuple(rows), result.statement, w, meta.key_decisions if meta else (),
                 meta.tempting.option if meta and meta.tempting else None)


def check_meta(case: TeachingCase, result: ConsultResult, ruleset: Ruleset) -> None:
    """The teacher's data against the ruleset and this stage's consult: each key decision is an option the
    rules recommend or suggest here, the tempting answer one they avoid or do not propose, each 'because' a
    rule, and the course state the one the consult derives (a stage is a real point of the course)."""
    meta = case.meta
    if meta is None:
        return
    diags = []

    def bad(key: str, message: str) -> None:
        diags.append(Diagnostic(meta.file, *meta.position(key), "teaching", message))
    expected = expected_by_code(result)
    codes = sorted(ruleset.interventions)
    for i, code in enumerate(meta.key_decisions):
        if code not in ruleset.interventions:
            bad(f"key_decisions.{i}", f"key_decisions: {code!r} is not an intervention{did_you_mean(code, codes)}")
        elif expected.get(code) not in ("recommended", "consider"):
            bad(f"key_decisions.{i}", f"key_decisions: the rules do not recommend {code} for this patient "
                                      f"({expected.get(code, 'not proposed')}); a key decision is an option they propose")
    t = meta.tempting
    if t is not None:
        if t.option not in ruleset.interventions:
            bad("tempting.option", f"tempting: {t.option!r} is not an intervention{did_you_mean(t.option, codes)}")
        elif expected.get(t.option) in ("recommended", "consider"):
            bad("tempting.option", f"tempting: the rules propose {t.option} for this patient "
                                   f"({expected[t.option]}); the tempting answer must be a wrong one")
        for i, rid in enumerate(t.because):
            if ruleset.rule(rid) is None:
                bad(f"tempting.because.{i}", f"tempting.because: no rule {rid!r}")
    state = result.value("disease_state")
    if meta.course_state and state != meta.course_state:
        bad("course_state", f"course_state: {meta.course_state}, but the consult derives "
                            f"{state or 'no course state'} from the patient file; record course.status in it")
    if diags:
        raise InputError(diags)


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


def score_line(scored: Score) -> str:
    keys = [o for o in scored.options if o.role == "key"]
    taken = sum(o.chosen for o in keys)
    supportive = [o for o in scored.options if o.role == "supportive"]
    parts = [f"key decisions {taken} of {len(keys)}"] if keys else []
    parts.append(f"supportive {sum(o.chosen for o in supportive)} of {len(supportive)}")
    if scored.tempting_chosen:
        parts.append("the tempting wrong answer chosen")
    others = sum(o.chosen and o.role in ("avoid", "not_proposed") for o in scored.options)
    if others:
        parts.append(f"{others} other wrong pick(s)")
    return f"Score: {scored.score_percent}%  ({'; '.join(parts)})"


def _say_score(console: Console, scored: Score) -> None:
    """The score line; when it does not fit, the figures on a line of their own, indented under it."""
    text = score_line(scored)
    if len(text) <= console.width:
        say(console, text, style="bold")
        return
    head, rest = text.split("  ", 1)
    say(console, head, style="bold")
    say(console, rest, 2)


def show_reveal(console: Console, case: TeachingCase, scored: Score, result: ConsultResult) -> None:
    console.print()
    _say_score(console, scored)
    if scored.key_decisions:
        say(console, "Key decision(s) of this stage: " + ", ".join(said(k) for k in scored.key_decisions), 2)
    said_before: dict[str, str] = {}  # one rule's reason is read once: reason -> the option it was read with
    for row in sorted(scored.options, key=_reveal_order):
        _reveal_option(console, row, said_before)
    if result.alerts:
        console.print()
        say(console, "Alerts the rules raise for this patient", style="bold underline")
        for a in result.alerts:
            say(console, f"{a.severity.upper()}: {clinical(a.message)}", 2)
    console.print()
    say(console, "Staging, as spinepath derived it", style="bold underline")
    for r in staging_rows(result)[0]:
        say(console, f"{r.label}: {r.value}", 2)
    if case.meta:
        console.print()
        say(console, f"Learning objective: {case.meta.objective}", style="bold")
        say(console, f"Source: {case.meta.source}", style="dim")
    console.print()
    say(console, result.statement, style="italic")


def _reveal_order(row: ScoredOption) -> tuple[int, int]:
    """The key decisions and the tempting answer first, then what was chosen wrongly or missed, then the rest."""
    rank = {"key": 0, "tempting": 1}.get(row.role)
    if rank is None:
        rank = 2 if row.verdict in ("wrong_pick", "miss") else 3
    return (rank, row.number)


_PARAGRAPH_STYLE = {"role": "bold", "reason": "", "evidence": "dim", "note": "red", "absent": "", "pointer": "bold"}


def _reveal_option(console: Console, row: ScoredOption, said_before: dict[str, str]) -> None:
    v = row.verdict
    line = Text(f"\n{row.number:>2}. ")
    line.append(f"{VERDICT_WORDS[v]:<21}", style=VERDICT_STYLE[v])
    line.append(said(row.intervention), style="bold")
    line.append(f"  ({'you chose it' if row.chosen else 'not chosen'})", style="dim")
    console.print(line)
    again = False
    for p in row.feedback:
        if p.kind == "reason":
            again = p.text in said_before
            if again:
                lead = p.lead.split(" (", 1)[0]  # a rule's title was read with the reason the first time
                say(console, f"{lead}: the same reason as for {said_before[p.text]} (above).", 6)
                continue
            said_before[p.text] = said(row.intervention)
        elif p.kind == "evidence" and again:
            continue
        elif p.kind == "pointer":  # said with the first wrong pick only
            if p.text in said_before:
                continue
            said_before[p.text] = said(row.intervention)
        say(console, p.said(), 6, _PARAGRAPH_STYLE[p.kind])


def case_list(cases: list[Case], width: int) -> list[Text]:
    """The picker's list, stacked rather than a table: beside ids of up to 50 characters a title column got
    7-13 characters at 80 columns (NEWCOMER-2026-12 P8, issue 26). Number and id on one line (the id is typed
    back, so it is never cut), the difficulty and title below it, wrapped at spaces and indented."""
    lines = [Text("Teaching cases", style="bold")]
    for i, c in enumerate(cases, 1):
        lines.append(Text(f"{i:>3}. {c.id}"))
        if c.meta:
            for part in wrap(f"{c.meta.title} ({c.meta.difficulty})", max(width - 7, 30)):
                lines.append(Text("       " + part, style="dim"))
    return lines


def pick_case(console: Console, cases: list[Case]) -> Case:
    for line in case_list(cases, console.width):
        console.print(line)
    while True:
        text = Prompt.ask(f"Case (number 1-{len(cases)} or id)", console=console).strip()
        if text.isdigit() and 1 <= int(text) <= len(cases):
            return cases[int(text) - 1]
        match = [c for c in cases if c.id == text]
        if match:
            return match[0]
        say(console, f"{text!r} is not a case: type its number or its id{did_you_mean(text, [c.id for c in cases])}",
            style="red")
