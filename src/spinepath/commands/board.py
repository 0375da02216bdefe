"""The tumour-board command: spinepath brief (Markdown or HTML for print)."""
from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import Optional

import typer

from ..load.diagnostics import Diagnostic
from .app import FILE_HELP, ExitStatus, RulesOpt, app, patient_file, refuse_inputs, usage_error, warn, write_output

BRIEF_FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}


def _board_date(text: Optional[str]) -> str:
    if text is None:
        return datetime.date.today().isoformat()
    from ..load.dates import ISO_DAY, days
    if not ISO_DAY.match(text) or days(text) is None:
        usage_error(f"--date: expected a date as YYYY-MM-DD; got {text!r}")
    return text


@app.command()
def brief(file: Path = typer.Argument(..., readable=False, help=FILE_HELP),
          output: Optional[Path] = typer.Option(None, "--output", "-o", show_default=False,
                                                help="Write to OUT.md (Markdown) or OUT.html (self-contained, "
                                                     "A4 print layout). Default: Markdown on standard output."),
          date: Optional[str] = typer.Option(None, "--date", show_default=False,
                                             help="Board date shown in the brief, YYYY-MM-DD (default: today)."),
          rules: Optional[Path] = RulesOpt):
    """The tumour-board handout: case, staging and how it was derived, options, alerts, open questions."""
    from ..board.brief import build
    from ..explain.consult import consult as run
    from ..load.patient import load_patient
    kind = "markdown" if output is None else BRIEF_FORMATS.get(output.suffix.lower())
    if kind is None:
        usage_error(f"--output {output}: expected a file name ending in .md or .html")
    day = _board_date(date)
    source = patient_file(file)
    refuse_inputs(output, [source])
    warnings: list[Diagnostic] = []
    patient = load_patient(source, warnings=warnings, day=datetime.date.fromisoformat(day),
                           what="the board date (--date)" if date else "today, the board date")
    warn(warnings)
    model = build(run(patient, rules), day)
    if kind == "html":
        from ..board.brief_html import render
    else:
        from ..board.brief_md import render
    write_output(render(model), output, "brief", inputs=[source])


@app.command("board")
def board_pack(paths: list[str] = typer.Argument(..., help="Patient files, folders (searched recursively) or globs, "
                                                          "as for batch; bundled case ids too."),
               output: Optional[Path] = typer.Option(None, "--output", "-o", show_default=False,
                                                     help="Write to OUT.html (A4 print layout) or OUT.md. "
                                                          "Default: Markdown on standard output."),
               date: Optional[str] = typer.Option(None, "--date", show_default=False,
                                                  help="Board date, YYYY-MM-DD (default: today)."),
               title: str = typer.Option("Spine tumour board", "--title", help="Title of the cover page."),
               rules: Optional[Path] = RulesOpt):
    """One document for a tumour-board meeting: an agenda, then every patient's brief on its own pages.

    A file that cannot be read stays on the agenda with its error; the pack is still written (exit 3)."""
    from ..board import pack
    from ..cohort.batch import collect
    from ..explain.consult import consult as run
    kind = "markdown" if output is None else BRIEF_FORMATS.get(output.suffix.lower())
    if kind is None:
        usage_error(f"--output {output}: expected a file name ending in .md or .html")
    day = _board_date(date)
    files = collect([str(patient_file(Path(p))) for p in paths], skip=[output] if output is not None else [])
    refuse_inputs(output, files)
    agenda = pack.rows([f for f in files if not f.endswith(".expect.yaml")], lambda p: run(p, rules), day)
    text = (pack.html if kind == "html" else pack.markdown)(title, day, agenda)
    write_output(text, output, "board pack", f": {len(agenda)} patients", inputs=files)
    bad = [r for r in agenda if r.errors]
    for r in bad:
        for message in r.errors:
            print(message, file=sys.stderr)
    if bad:
        raise typer.Exit(ExitStatus.SOME_FAILED)
