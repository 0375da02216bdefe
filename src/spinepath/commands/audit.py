"""The audit command: spinepath audit PATH... [-o report.html|.json|.csv] (issue 23, docs/audit.md)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from ..load.diagnostics import Diagnostic, InputError
from .app import ExitStatus, RulesOpt, app, json_text, refuse_inputs, usage_error, write_output

AUDIT_FORMATS = {".html": "html", ".htm": "html", ".json": "json", ".csv": "csv"}


@app.command()
def audit(paths: list[str] = typer.Argument(..., help="Patient files, folders (searched recursively) or globs, as "
                                            "for batch; and FHIR *.ndjson files (one R4 Bundle per line).",
                                            show_default=False),
          output: Optional[Path] = typer.Option(None, "--output", "-o", show_default=False,
                                                help="report.html (self-contained, A4), report.json or report.csv "
                                                     "(the indicators). Default: JSON on standard output."),
          date: Optional[str] = typer.Option(None, "--date", show_default=False,
                                             help="The audit date, YYYY-MM-DD: a decision past its due date by then "
                                                  "and not carried out counts as not implemented (default: today)."),
          feedback_db: Optional[Path] = typer.Option(None, "--feedback-db", show_default=False,
                                                     help="The serve feedback database: CDS advice accepted or "
                                                          "overridden is counted beside the board's decisions."),
          title: str = typer.Option("Spine tumour audit", "--title", help="The report's title."),
          jobs: int = typer.Option(1, "--jobs", "-j", min=0, help="Worker processes; 0 = one per CPU. The report "
                                   "is the same bytes for any number."),
          rules: Optional[Path] = RulesOpt):
    """Audit a cohort: each treatment and decision against the consult of its day, and the quality indicators
    with Wilson 95% intervals (exit 3 when some files could not be read)."""
    import datetime
    from ..cohort.audit import csv_text, run
    from ..evaluate.knowledge import load_knowledge
    from ..load.dates import ISO_DAY, days
    kind = "json" if output is None else AUDIT_FORMATS.get(output.suffix.lower())
    if kind is None:
        usage_error(f"--output {output}: expected a file name ending in .html, .json or .csv")
    if date is not None and (not ISO_DAY.match(date) or days(date) is None):
        usage_error(f"--date: expected a date as YYYY-MM-DD; got {date!r}")
    day = date or datetime.date.today().isoformat()
    refuse_inputs(output, [p for p in paths if Path(p).is_file()])
    feedback = None
    if feedback_db is not None:
        import sqlite3
        from ..serve.feedback import FeedbackDbError, cards_with_feedback
        if not feedback_db.is_file():
            usage_error(f"--feedback-db {feedback_db}: no such file")
        try:
            feedback = cards_with_feedback(feedback_db)
        except (FeedbackDbError, sqlite3.Error) as exc:  # another schema version; not a database
            raise InputError([Diagnostic(str(feedback_db), 0, 0, "io", f"cannot read the feedback database: {exc}")]) \
                from None
    from ..cohort.batch import job_count
    rules_dir = str(rules) if rules is not None else None
    kb = load_knowledge(rules_dir)  # a bad rules folder stops here, once, with exit 2
    result = run(paths, kb, day, feedback, job_count(jobs), rules_dir)
    for _, messages in result.errors:
        for m in messages:
            print(m, file=sys.stderr)
    if kind == "html":
        from ..cohort.audit_html import html
        text = html(result, title)
    elif kind == "csv":
        text = csv_text(result)
    else:
        text = json_text(result.to_json_data())
    write_output(text, output, "audit report", inputs=[p for p in paths if Path(p).is_file()])
    print(f"audited {len(result.audits)} patients" + (f"; {len(result.errors)} could not be read" if result.errors
                                                       else ""), file=sys.stderr)
    if result.errors:
        raise typer.Exit(ExitStatus.SOME_FAILED)
