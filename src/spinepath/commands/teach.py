"""Teaching: spinepath teach (a case scenario, step by step) and spinepath cases (the list)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Optional

import typer

from ..load.diagnostics import did_you_mean
from .app import RulesOpt, app, patient_file, stdout_console, usage_error, write_output

if TYPE_CHECKING:  # imported where they are used: a single consult starts without them
    from rich.console import Console

    from ..teach.session import Option, Score, SeriesScore, TeachingCase


@app.command()
def teach(case: Optional[str] = typer.Argument(None, show_default=False,
                                               help="Teaching case id or title ('spinepath cases'), or a patient file."),
          answers: Optional[str] = typer.Option(None, "--answers", show_default=False,
                                                help="Your choice without prompting, e.g. 2,5,7 or '2 5 7' (for "
                                                     "scripts); with --series, one choice per stage, separated by ';'."),
          series: Optional[str] = typer.Option(None, "--series", show_default=False,
                                               help="Play a whole case series, stage by stage, e.g. osteosarcoma-t1."),
          as_json: bool = typer.Option(False, "--json", help="Print the score as JSON on standard output."),
          report: Optional[Path] = typer.Option(None, "--report", show_default=False,
                                                help="Also write a report to hand in (Markdown): the score per "
                                                     "learning objective, the key decisions missed and the wrong "
                                                     "picks, with their reasons and evidence."),
          resident: Optional[str] = typer.Option(None, "--resident", show_default=False,
                                                 help="Your name, for the report."),
          rules: Optional[Path] = RulesOpt) -> None:
    """Work through a case as a resident: choose interventions, get scored against the rules, read why."""
    from ..teach import session as t
    from ..teach.cases import next_stage, series as all_series
    if resident is not None and report is None:
        usage_error("--resident names you in the report: give --report OUT.md as well")
    if report is not None and report.suffix.lower() not in REPORT_SUFFIXES:
        # Said before the session starts, not after a resident has answered every stage.
        usage_error(f"--report {report}: the report is Markdown; give a file ending in .md")
    interactive = sys.stdin.isatty()
    # With --json the score alone goes to standard output; a person still sees the case on stderr.
    console = stdout_console() if not as_json else _stderr_console()
    if series is not None:
        found = all_series()
        if series not in found:
            usage_error(f"no case series {series!r}{did_you_mean(series, found)}; series: {', '.join(found)}")
        stages = [t.from_case(c) for c in found[series]]
        per_stage = answers.split(";") if answers is not None else [None] * len(stages)
        if len(per_stage) != len(stages):
            usage_error(f"--answers: {series} has {len(stages)} stages; give one choice per stage, separated by ';'")
        played = t.SeriesScore(series, tuple(_play(t, console, chosen, a, interactive, as_json, rules)
                                             for chosen, a in zip(stages, per_stage)))
        _write_report(report, played, resident)
        if as_json:
            sys.stdout.write(played.to_json())
        else:
            _show_summary(console, played)
        return
    try:
        chosen = _teaching_case(t, case, interactive, console)
    except EOFError:
        usage_error("no answer given (end of input)")
    scores: list[Score] = []
    first = chosen.id
    while True:
        scored = _play(t, console, chosen, answers, interactive, as_json, rules)
        scores.append(scored)
        if as_json:
            _write_report(report, t.SeriesScore(first, tuple(scores)), resident)
            sys.stdout.write(scored.to_json())
            return
        nxt = next_stage(chosen.id)
        if chosen.meta is not None and chosen.meta.contrast_to:
            console.print(f"\nThis stage is a contrast to {chosen.meta.contrast_to}, the same day with other findings, "
                          f"not a later point of the course: spinepath teach {chosen.meta.contrast_to}", markup=False)
        if nxt is not None and (not interactive or answers is not None):
            console.print(f"\nNext in this series: spinepath teach {nxt.id}", markup=False)
            nxt = None
        if nxt is not None:
            from rich.prompt import Confirm
            title = nxt.meta.title if nxt.meta else nxt.id
            if Confirm.ask(f"\nGo on to the next stage ({title})?", console=console, default=True):
                chosen = t.from_case(nxt)
                continue
        if len(scores) > 1:
            _show_summary(console, t.SeriesScore(first, tuple(scores)))
        _write_report(report, t.SeriesScore(first, tuple(scores)), resident)
        return


def _play(t: ModuleType, console: Console, chosen: TeachingCase, answers: Optional[str], interactive: bool,
          as_json: bool, rules: Optional[Path]) -> Score:
    """One stage: the case, the options, the choice, the score and (unless --json) the reveal."""
    from ..evaluate.knowledge import load_knowledge
    from ..explain.consult import consult as run
    try:
        result = run(chosen.patient, rules)
        kb = load_knowledge(rules)
        options = t.stage_options(chosen, result, kb.ruleset)
        if answers is not None:
            numbers = _answers_option(t, answers, len(options))
        elif not interactive:
            usage_error("no terminal to ask in: give your choice with --answers, e.g. --answers 1,3")
        if answers is None or not as_json:
            t.show_case(console, chosen)
            t.show_options(console, options)
        if answers is None:
            numbers = t.ask_answers(console, len(options))
    except EOFError:
        usage_error("no answer given (end of input)")
    except KeyboardInterrupt:
        print("\naborted", file=sys.stderr)
        raise typer.Exit(130)
    scored: Score = t.score(chosen, options, numbers, result, kb)
    if not as_json:
        t.show_reveal(console, chosen, scored, result)
    return scored


def _show_summary(console: Console, played: SeriesScore) -> None:
    """A series played: each stage's score, then each objective's (wrapped lines stay in their column)."""
    from rich.table import Table
    table = Table(title=f"Series {played.series}: {played.score_percent}% overall", title_justify="left")
    table.add_column("stage", justify="right")
    table.add_column("case")
    table.add_column("score", justify="right")
    for i, s in enumerate(played.stages, 1):
        table.add_row(str(i), s.title, f"{s.score_percent}%")
    console.print()
    console.print(table)
    objectives = Table(title="Score per learning objective", title_justify="left", show_header=False, box=None)
    objectives.add_column("score", justify="right", no_wrap=True)
    objectives.add_column("objective")
    for objective, percent in played.by_objective():
        objectives.add_row(f"{percent}%", objective)
    console.print(objectives)


REPORT_SUFFIXES = (".md", ".markdown")


def _write_report(path: Optional[Path], played: SeriesScore, resident: Optional[str]) -> None:
    if path is None:
        return
    from ..teach.report import markdown
    write_output(markdown(played, resident), path, "report")


def _stderr_console() -> Console:
    from rich.console import Console
    return Console(stderr=True, highlight=False, soft_wrap=False)


def _teaching_case(t: ModuleType, case: Optional[str], interactive: bool, console: Console) -> TeachingCase:
    if case is not None:
        # a seed or example id works as well; a teaching title or part of an id is resolve's to find
        found: TeachingCase = t.resolve(str(patient_file(Path(case), strict=False)))
        return found
    from ..teach.cases import teaching_cases
    cases = teaching_cases()
    if not interactive:
        usage_error("no CASE given: name a teaching case, e.g. 'spinepath teach " + cases[0].id
               + " --answers 1,2', or a patient file; 'spinepath cases' lists them all")
    picked: TeachingCase = t.from_case(t.pick_case(console, cases))
    return picked


def _answers_option(t: ModuleType, text: str, count: int) -> list[int]:
    try:
        numbers: list[int] = t.parse_answers(text, count)
        return numbers
    except ValueError as exc:
        usage_error(f"--answers {text!r}: {exc}")


@app.command()
def cases(as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
          long: bool = typer.Option(False, "--long", help="A table with what each case is about.")) -> None:
    """List the bundled example and teaching cases (their ids work wherever a patient file does)."""
    from ..teach.cases import all_cases
    found = all_cases()
    if as_json:
        sys.stdout.write(json.dumps({"cases": [c.as_dict() for c in found]}, indent=2, ensure_ascii=False) + "\n")
        return
    import textwrap

    from rich.text import Text
    from ..teach.cases import examples_root
    out = stdout_console()
    for group in dict.fromkeys(c.group for c in found):
        members = [c for c in found if c.group == group]
        if long:
            # Stacked, not a table: beside ids of up to 50 characters a description column got 13 at 80
            # columns, one word a line (NEWCOMER-2026-12 P8). The id, then what it is about, indented.
            out.print(Text(f"{group} ({len(members)}, {examples_root() / group})", style="bold"))
            for c in members:
                out.print(Text(f"  {c.id}"))
                about = f"{c.meta.title} ({c.meta.difficulty}). Objective: {c.description}" if c.meta else c.description
                for line in textwrap.wrap(about, max(out.width - 6, 30), break_on_hyphens=False):
                    out.print(Text("      " + line, style="dim"))
            continue
        # One case a line; the teaching title only where it fits whole (nothing is cut).
        out.print(Text(f"{group} ({len(members)})", style="bold"))
        for c in members:
            line = f"  {c.id}"
            if c.meta and len(line) + 2 + len(c.meta.title) <= out.width:
                line += f"  {c.meta.title}"
            out.print(Text(line))
    out.print("Consult one: spinepath consult ID · practise one: spinepath teach ID", markup=False)
    if not long:
        out.print("What each case is about: spinepath cases --long", markup=False)
