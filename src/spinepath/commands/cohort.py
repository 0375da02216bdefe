"""The `batch` and `synth` commands, registered on the main typer app.

Only typer and the standard library at import time: this module is imported by every command,
including a single consult whose start-up time matters.
"""
from __future__ import annotations

import os
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Optional, TextIO

import typer

from .app import ExitStatus, RulesOpt, app, outputs, patient_file, refuse_inputs
from ..load.diagnostics import Diagnostic, InputError

if TYPE_CHECKING:  # imported where used: this module is imported by every command
    from ..cohort.batch import Results


class BatchFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    fhir_ndjson = "fhir-ndjson"


@app.command()
def batch(paths: list[str] = typer.Argument(..., help="Patient files, folders (searched recursively for *.yaml "
                                            "and *.yml, without *.expect.yaml) or globs; bundled case ids too.", show_default=False),
          format: BatchFormat = typer.Option(BatchFormat.jsonl, "--format", "-f",
                                             help="jsonl: one consult result per line; csv: one row per "
                                             "recommendation; fhir-ndjson: one FHIR R4 Bundle per line."),
          output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of standard output "
                                                "(complete when the run ends; OUT.partial while it runs).",
                                                show_default=False),
          jobs: int = typer.Option(1, "--jobs", "-j", min=0, help="Worker processes; 0 = one per CPU."),
          resume: bool = typer.Option(False, "--resume", help="Continue an interrupted jsonl or fhir-ndjson run "
                                      "from the complete records of OUT.partial (or OUT); the result is the same "
                                      "bytes as a run that was never interrupted."),
          rules: Optional[Path] = RulesOpt):
    """Consult many patient files; a bad file is reported on stderr and the others go on (exit 3 if any
    failed; Ctrl-C or SIGTERM stops after the record being written, says how far it got, exit 130/143)."""
    from ..load.patient_files import collect
    from ..evaluate.knowledge import load_knowledge
    from ..load.diagnostics import display_path
    paths = [str(patient_file(Path(p))) for p in paths]  # a bundled case id works as a file does
    if resume and (output is None or format is BatchFormat.csv):
        raise InputError([Diagnostic("--resume", 0, 0, "usage", "--resume continues a jsonl or fhir-ndjson "
                                     "output: give --output FILE and one of those formats (a csv row is not one file)")])
    refuse_inputs(output, [p for p in paths if os.path.lexists(p) and not os.path.isdir(p)])
    if output is not None and _is_patient_file(output):
        refuse_inputs(output, [output])
    files = collect(paths, skip=[output] if output is not None else [])
    refuse_inputs(output, files)
    rules_dir = str(rules) if rules is not None else None
    kb = load_knowledge(rules_dir)  # a bad rules folder stops here, once, with exit 2
    if format is BatchFormat.fhir_ndjson:
        from ..render.fhir import FhirUnavailable, require
        try:
            require()
        except FhirUnavailable as exc:
            raise InputError([Diagnostic("--format", 0, 0, "usage", str(exc))]) from None
    try:
        _batch(output, files, format, jobs, resume, rules_dir, kb.ruleset.sha256)
    except OSError as exc:  # the output cannot be written (a full disk, a file-size limit)
        kept = f"; the records written so far are in {display_path(str(output))}.partial" if output is not None else ""
        raise InputError([Diagnostic(display_path(str(output) if output else "<standard output>"), 0, 0, "io",
                                     f"cannot write: {exc.strerror or exc}{kept}")]) from None


def _is_patient_file(output: Path) -> bool:
    """An existing output that reads as a patient file (a mapping with an id), not as an earlier output of
    batch (JSON lines or CSV): it is an input, never to be replaced."""
    from ..load.diagnostics import InputError as Refused
    from ..load.patient_files import PATIENT_SUFFIXES
    from ..load.yamlsafe import load_path
    if not output.is_file() or output.suffix not in PATIENT_SUFFIXES:
        return False
    try:
        data = load_path(output).data
    except Refused:
        return False
    return isinstance(data, dict) and "id" in data and "format" not in data or \
        isinstance(data, dict) and data.get("format") == "spinepath.patient/1"


def _batch(output, files, format, jobs, resume, rules_dir, sha256) -> None:
    from ..cohort.batch import Results, Summary, job_count
    with _Target(output, files, format.value, resume, sha256) as target:
        summary = Summary(files=target.kept, consulted=target.kept - target.kept_failed, failed=target.kept_failed,
                          total=len(files), resumed=target.kept)
        todo = files[target.kept:]
        stop = _StopOnSignal(target)
        with stop:
            try:
                with Results(todo, format.value, min(job_count(jobs), max(len(todo), 1)), rules_dir) as res:
                    stop.results = res
                    if _show_progress(output):
                        _with_progress(res, format.value, target.out, len(files), summary, stop)
                    else:
                        _run(res, format.value, target.out, summary, stop, lambda line: print(line, file=sys.stderr))
            except _Interrupt:
                pass
            finally:
                stop.finish()
        interrupted = stop.signal is not None and summary.files < len(files)
        if interrupted:
            target.keep_partial()
            where = target.where()
    if interrupted:  # the output is closed: OUT.partial holds every whole record
        print(f"spinepath batch: interrupted: {summary.consulted} of {len(files)} consulted, {summary.failed} failed"
              f"{where}", file=sys.stderr)
        status = ExitStatus.INTERRUPTED if stop.signal == signal.SIGINT else ExitStatus.TERMINATED
        if stop.results is not None and stop.results.pooled:
            # The workers were killed: the process pool's exit hook can then wait for them for ever (seen
            # once under load). Nothing is left to write, so the process leaves now.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
        raise typer.Exit(status)
    print(str(summary), file=sys.stderr)
    if summary.failed:
        raise typer.Exit(ExitStatus.SOME_FAILED)


class _Interrupt(BaseException):
    """Raised by the signal handler while the run waits for the next record (not while it writes one)."""


class _StopOnSignal:
    """SIGINT and SIGTERM during a batch: the record being written is finished, the run stops and says
    how far it got. A second signal leaves at once, quietly; the workers die with the process."""

    def __init__(self, target: "_Target"):
        self.target = target
        self.signal: int | None = None
        self.writing = False
        self.finished = False
        self.results: Results | None = None
        self._saved: dict = {}

    def _handle(self, signum, frame) -> None:
        if self.signal is not None:  # the second one: no more waiting
            if self.results is not None:
                self.results.stop()
            self.target.keep_partial()
            os._exit(ExitStatus.INTERRUPTED if signum == signal.SIGINT else ExitStatus.TERMINATED)
        self.signal = signum
        if self.results is not None:
            self.results.stop()
        if not self.writing and not self.finished:
            raise _Interrupt()

    def finish(self) -> None:
        """The run is over. After an interruption, later signals are held until the process has left: Python
        puts the default handlers back while it exits, and a second Ctrl-C then would kill it mid-way."""
        self.finished = True
        if self.signal is not None and self._saved:
            signal.pthread_sigmask(signal.SIG_BLOCK, set(self._saved))

    def __enter__(self) -> "_StopOnSignal":
        import threading
        if threading.current_thread() is threading.main_thread():  # handlers can only be set there
            for sig in (signal.SIGINT, signal.SIGTERM):
                if signal.getsignal(sig) is not signal.SIG_IGN:  # started with & from a script: leave it so
                    self._saved[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self.signal is not None:  # the command is ending: a second signal must still leave quietly
            return
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)


def _run(res, fmt: str, out: TextIO, summary, stop: _StopOnSignal, report, advance=lambda: None) -> None:
    from ..cohort.batch import run

    class _Guarded:
        """The output, marked as being written so that a signal waits for the record to be whole."""

        def write(self, text: str) -> None:
            stop.writing = True
            try:
                out.write(text)
            finally:
                stop.writing = False

        def flush(self) -> None:
            stop.writing = True
            try:
                out.flush()
            finally:
                stop.writing = False

    run(res, fmt, _Guarded(), report=report, advance=advance, stopping=lambda: stop.signal is not None,
        summary=summary, header=summary.resumed == 0)


def _show_progress(output: Optional[Path]) -> bool:
    """A bar on stderr when it is a terminal, unless the records themselves scroll on that terminal."""
    if os.environ.get("TERM") == "dumb" or not sys.stderr.isatty():
        return False
    return output is not None or not sys.stdout.isatty()


def _with_progress(res, fmt: str, out: TextIO, total: int, summary, stop: _StopOnSignal) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True, highlight=False)
    with Progress(TextColumn("consulting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("batch", total=total, completed=summary.files)
        try:
            _run(res, fmt, out, summary, stop, report=lambda line: console.print(line, markup=False, soft_wrap=True),
                 advance=lambda: progress.advance(task))
        except _Interrupt:
            pass


class _Target:
    """Where the records go: standard output, or OUT written as OUT.partial and renamed to OUT when the
    run is complete (outputs.py). An interrupted run leaves OUT.partial, which --resume continues."""

    def __init__(self, output: Optional[Path], files: list[str], fmt: str, resume: bool, sha256: str):
        self.output, self.files, self.fmt, self.resume, self.sha256 = output, files, fmt, resume, sha256
        self.kept = self.kept_failed = 0
        self.partial: Optional[str] = None
        self._fh: IO[str] | None = None
        self._keep = False

    def __enter__(self) -> "_Target":
        from ..cohort.batch import kept_records
        from ..load.diagnostics import display_path
        if self.output is None:
            self.out = sys.stdout
            return self
        if not outputs.regular_target(self.output):  # /dev/null, /dev/stdout: written directly
            self._fh = outputs.open_direct(self.output)
            self.out = self._fh
            return self
        target = os.path.realpath(self.output)
        self.partial = target + ".partial"
        earlier = None
        if os.path.exists(self.partial):
            if not self.resume:
                raise InputError([Diagnostic(display_path(self.partial), 0, 0, "usage",
                                             "an interrupted run left this file: continue it with --resume, or "
                                             "delete it to start again")])
            earlier = self.partial
        elif self.resume and os.path.exists(target):
            earlier = target
        kept = b""
        if earlier is not None:
            with open(earlier, "rb") as fh:
                data = fh.read()
            end, self.kept, self.kept_failed = kept_records(data, self.files, self.fmt, self.sha256)
            kept = data[:end]
        self._fh = outputs.open_partial(self.output, self.partial, kept)
        self.out = self._fh
        return self

    def keep_partial(self) -> None:
        """Leave OUT.partial as it is (the run was interrupted), flushed to its last whole record."""
        self._keep = True
        if self._fh is not None:
            try:
                self._fh.flush()
            except (OSError, ValueError):
                pass

    def where(self) -> str:
        from ..load.diagnostics import display_path
        if self.partial is None:
            return ""
        again = "; continue with --resume" if self.fmt != "csv" else ""
        return f"; the records so far are in {display_path(self.partial)}{again}"

    def __exit__(self, kind, *_) -> None:
        if self._fh is None:
            return
        try:
            self._fh.close()
        except OSError:
            pass
        if self.partial is None or self._keep or self.output is None:
            return
        if kind is None:
            os.replace(self.partial, os.path.realpath(self.output))
        # on an error (a full disk), OUT.partial stays: what was written can be resumed


# A cohort for tests and benchmarks: 100,000 files are about 400 MB. A stray extra zero once asked
# for 10^20 and filled a disk.
SYNTH_MAX = 100_000


@app.command()
def synth(count: int = typer.Argument(..., min=1, max=SYNTH_MAX, help=f"How many patients to write (at most "
                                      f"{SYNTH_MAX:,}).", show_default=False),
          output: Path = typer.Option(..., "--output", "-o", help="Folder to write into (created if needed).",
                                      show_default=False),
          seed: int = typer.Option(0, "--seed", help="Same seed, same files, byte for byte."),
          histories: bool = typer.Option(False, "--histories", help="Patients with malignant primaries followed "
                                         "through first-line treatment: dated treatments, margins, board decisions and "
                                         "some departures with reasons; each file's header says what `spinepath "
                                         "audit` should find (docs/audit.md).")):
    """Write synthetic, plausible patient files (for tests and benchmarks; not real people)."""
    from ..cohort.synth import write
    if output.exists() and not output.is_dir():
        raise InputError([Diagnostic(str(output), 0, 0, "usage", "exists and is not a folder")])
    try:
        write(count, output, seed, histories)
    except OSError as exc:
        raise InputError([Diagnostic(str(output), 0, 0, "io", f"cannot write: {exc.strerror or exc}")]) from None
    print(f"wrote {count} synthetic patients{' with histories' if histories else ''} to {output} (seed {seed})",
          file=sys.stderr)
