"""The `batch` and `synth` commands, registered on the main typer app.

Only typer and the standard library at import time: this module is imported by every command,
including a single consult whose start-up time matters.
"""
from __future__ import annotations

import contextlib
import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional, TextIO

import typer

from .app import RulesOpt, app
from ..load.diagnostics import Diagnostic, InputError

if TYPE_CHECKING:  # imported where used: this module is imported by every command
    from ..cohort.batch import Results, Summary


class BatchFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    fhir_ndjson = "fhir-ndjson"


@app.command()
def batch(paths: list[str] = typer.Argument(..., help="Patient files, folders (searched recursively for *.yaml "
                                            "and *.yml, without *.expect.yaml) and globs.", show_default=False),
          format: BatchFormat = typer.Option(BatchFormat.jsonl, "--format", "-f",
                                             help="jsonl: one consult result per line; csv: one row per "
                                             "recommendation; fhir-ndjson: one FHIR R4 Bundle per line."),
          output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of standard output.",
                                                show_default=False),
          jobs: int = typer.Option(1, "--jobs", "-j", min=0, help="Worker processes; 0 = one per CPU."),
          rules: Optional[Path] = RulesOpt) -> None:
    """Consult many patient files; a bad file is reported on stderr and the others go on (exit 1 if any failed)."""
    from ..cohort.batch import Results, collect, job_count, run
    from ..evaluate.knowledge import load_knowledge
    files = collect(paths)
    rules_dir = str(rules) if rules is not None else None
    load_knowledge(rules_dir)  # a bad rules folder stops here, once, with exit 2
    if format is BatchFormat.fhir_ndjson:
        from ..render.fhir import FhirUnavailable, require
        try:
            require()
        except FhirUnavailable as exc:
            raise InputError([Diagnostic("--format", 0, 0, "usage", str(exc))]) from None
    with _opened(output) as out, Results(files, format.value, min(job_count(jobs), len(files)), rules_dir) as res:
        if _show_progress(output):
            summary = _with_progress(res, format.value, out, len(files))
        else:
            summary = run(res, format.value, out)
    print(str(summary), file=sys.stderr)
    if summary.failed:
        raise typer.Exit(1)


def _show_progress(output: Optional[Path]) -> bool:
    """A bar on stderr when it is a terminal, unless the records themselves scroll on that terminal."""
    if os.environ.get("TERM") == "dumb" or not sys.stderr.isatty():
        return False
    return output is not None or not sys.stdout.isatty()


def _with_progress(res: Results, fmt: str, out: TextIO, total: int) -> Summary:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from ..cohort.batch import run
    console = Console(stderr=True, highlight=False)
    with Progress(TextColumn("consulting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("batch", total=total)
        return run(res, fmt, out, report=lambda line: console.print(line, markup=False, soft_wrap=True),
                   advance=lambda: progress.advance(task))


@contextlib.contextmanager
def _opened(output: Optional[Path]) -> Iterator[TextIO]:
    if output is None:
        yield sys.stdout
        return
    try:
        fh = open(output, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError([Diagnostic(str(output), 0, 0, "io", f"cannot write: {exc.strerror or exc}")]) from None
    with fh:
        yield fh


@app.command()
def synth(count: int = typer.Argument(..., min=1, help="How many patients to write.", show_default=False),
          output: Path = typer.Option(..., "--output", "-o", help="Folder to write into (created if needed).",
                                      show_default=False),
          seed: int = typer.Option(0, "--seed", help="Same seed, same files, byte for byte.")) -> None:
    """Write synthetic, plausible patient files (for tests and benchmarks; not real people)."""
    from ..cohort.synth import write
    if output.exists() and not output.is_dir():
        raise InputError([Diagnostic(str(output), 0, 0, "usage", "exists and is not a folder")])
    try:
        write(count, output, seed)
    except OSError as exc:
        raise InputError([Diagnostic(str(output), 0, 0, "io", f"cannot write: {exc.strerror or exc}")]) from None
    print(f"wrote {count} synthetic patients to {output} (seed {seed})", file=sys.stderr)
