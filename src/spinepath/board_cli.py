"""Commands for the tumour board and for teaching: brief, teach, cases (registered on spinepath.cli.app)."""
from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import NoReturn, Optional

import typer

from .cli import RulesOpt, _fail, _stdout, app
from .diagnostics import Diagnostic

BRIEF_FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}


def _usage(message: str) -> NoReturn:
    _fail([Diagnostic("<command line>", 0, 0, "usage", message)])


def _board_date(text: Optional[str]) -> str:
    if text is None:
        return datetime.date.today().isoformat()
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        _usage(f"--date: expected a date as YYYY-MM-DD; got {text!r}")


@app.command()
def brief(file: Path = typer.Argument(..., help="Patient YAML file (spinepath.patient/1)."),
          output: Optional[Path] = typer.Option(None, "--output", "-o", show_default=False,
                                                help="Write to OUT.md (Markdown) or OUT.html (self-contained, "
                                                     "A4 print layout). Default: Markdown on standard output."),
          date: Optional[str] = typer.Option(None, "--date", show_default=False,
                                             help="Board date shown in the brief, YYYY-MM-DD (default: today)."),
          rules: Optional[Path] = RulesOpt):
    """The tumour-board handout: case, staging and how it was derived, options, alerts, open questions."""
    from .brief import build
    from .consult import consult as run
    from .patient import load_patient
    kind = "markdown" if output is None else BRIEF_FORMATS.get(output.suffix.lower())
    if kind is None:
        _usage(f"--output {output}: expected a file name ending in .md or .html")
    day = _board_date(date)
    patient = load_patient(file)
    model = build(run(patient, rules), patient, day)
    if kind == "html":
        from .render.brief_html import render
    else:
        from .render.brief_md import render
    text = render(model)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail([Diagnostic(str(output), 0, 0, "io", f"cannot write the brief: {exc.strerror}")])
    print(f"wrote {output}", file=sys.stderr)


@app.command()
def teach(case: Optional[str] = typer.Argument(None, show_default=False,
                                               help="Teaching case id or title ('spinepath cases'), or a patient file."),
          answers: Optional[str] = typer.Option(None, "--answers", show_default=False,
                                                help="Your choice without prompting, e.g. 2,5,7 (for scripts)."),
          as_json: bool = typer.Option(False, "--json", help="Print the score as JSON on standard output."),
          rules: Optional[Path] = RulesOpt):
    """Work through a case as a resident: choose interventions, get scored against the rules, read why."""
    from . import teach as t
    from .consult import consult as run, load_knowledge
    interactive = sys.stdin.isatty()
    # With --json the score alone goes to standard output; a person still sees the case on stderr.
    console = _stdout() if not as_json else _stderr_console()
    try:
        chosen = _teaching_case(t, case, interactive, console)
        result = run(chosen.patient, rules)
        options = t.build_options(chosen.id, result, load_knowledge(rules).ruleset)
        if answers is not None:
            numbers = _answers_option(t, answers, len(options))
        elif not interactive:
            _usage("no terminal to ask in: give your choice with --answers, e.g. --answers 1,3")
        if answers is None or not as_json:
            t.show_case(console, chosen)
            t.show_options(console, options)
        if answers is None:
            numbers = t.ask_answers(console, len(options))
    except EOFError:
        _usage("no answer given (end of input)")
    except KeyboardInterrupt:
        print("\naborted", file=sys.stderr)
        raise typer.Exit(130)
    scored = t.score(chosen, options, numbers, result)
    if as_json:
        sys.stdout.write(t.to_json(scored))
    else:
        t.show_reveal(console, chosen, scored, result)


def _stderr_console():
    from rich.console import Console
    return Console(stderr=True, highlight=False, soft_wrap=False)


def _teaching_case(t, case: Optional[str], interactive: bool, console):
    if case is not None:
        return t.resolve(case)
    from .cases import teaching_cases
    cases = teaching_cases()
    if not interactive:
        _usage("no CASE given: name a teaching case, e.g. 'spinepath teach " + cases[0].id
               + " --answers 1,2', or a patient file; 'spinepath cases' lists them all")
    return t.from_case(t.pick_case(console, cases))


def _answers_option(t, text: str, count: int) -> list[int]:
    try:
        return t.parse_answers(text, count)
    except ValueError as exc:
        _usage(f"--answers {text!r}: {exc}")


@app.command()
def cases(as_json: bool = typer.Option(False, "--json", help="Print the list as JSON.")):
    """List the bundled example and teaching cases with what each one is about."""
    from .cases import all_cases
    found = all_cases()
    if as_json:
        sys.stdout.write(json.dumps({"cases": [c.as_dict() for c in found]}, indent=2, ensure_ascii=False) + "\n")
        return
    from rich.table import Table
    from rich.text import Text
    from .cases import examples_root
    out = _stdout()
    for group in dict.fromkeys(c.group for c in found):
        t = Table(title=Text(f"{group} ({examples_root() / group})"), title_justify="left")
        t.add_column("id", no_wrap=True)
        t.add_column("what it is about")
        for c in (c for c in found if c.group == group):
            about = f"{c.meta.title} ({c.meta.difficulty}). Objective: {c.description}" if c.meta else c.description
            t.add_row(Text(c.id), Text(about))
        out.print(t)
    out.print("Consult one: spinepath consult PATH · practise one: spinepath teach ID", markup=False)
