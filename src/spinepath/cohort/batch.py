"""Consult many patient files in one run, in order, optionally on several processes.

Output (one record per input file, in input order, the same bytes for any number of jobs):
- jsonl: a success is the consult result of OUTPUT.md on one line, keys in the order the
  result has them; a failure is `{"file": ..., "errors": [diagnostic, ...]}` on its line, so
  line N always belongs to file N.
- csv: one row per firm recommendation, per provisional entry and per question (column `entry`); a
  patient with none still gets one row; a failure gets one row with the `error` column filled.
- fhir-ndjson: one FHIR R4 Bundle per line (render/fhir.py, the optional extra spinepath[fhir]);
  a failure is an OperationOutcome on its line.
A bad file is reported on stderr and the run goes on. Processes, not threads: durable-rules
holds the GIL in its C calls (../shared/notes/durable-rules.md §6). Worker processes ignore Ctrl-C
(the parent decides when to stop) and die with the parent, even when it is killed.

Nothing is lost on the way in either: a folder is walked without recursion, a folder that cannot be
read and a *.yaml entry that is not a regular file (a FIFO, a broken link) each get a failure record,
a file name that is not UTF-8 is written with \\xNN escapes, the same real file is consulted once,
and the command's own output is never read as an input.
"""
from __future__ import annotations

import csv
import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Protocol, TextIO

from ..load.diagnostics import Diagnostic, InputError, display_path
from ..load.patient_files import command_line_error

if TYPE_CHECKING:
    from ..explain.result import ConsultResult

class Writer(Protocol):
    """Where records go: a text file, or a wrapper that marks each write (the batch command's signal guard)."""

    def write(self, text: str) -> object: ...

    def flush(self) -> None: ...


FORMATS = ("jsonl", "csv", "fhir-ndjson")
# The last four columns were added in 2026-12 (issue 26; NEWCOMER P14: for a sparse referral, firm rows
# alone were close to empty): `entry` says what a row is (firm, provisional or question), `holds_if` the
# presumptions a provisional row rests on, `field` and `question` what a question row asks.
CSV_COLUMNS = ("file", "patient_id", "phase", "strength", "intervention", "rule", "evidence", "error",
               "entry", "holds_if", "field", "question")


# ------------------------------------------------------------------------ one file

@dataclass(frozen=True)
class Done:
    """What one file gave: the output text for it and, if it failed, the lines for stderr (a file that
    was consulted may have warning lines too)."""

    ok: bool
    text: str
    messages: tuple[str, ...] = ()


_worker: dict = {}


def init_worker(rules_dir: str | None, fmt: str) -> None:
    """Per process: remember the settings and load the knowledge base once."""
    from ..evaluate.knowledge import load_knowledge
    _worker.update(rules=rules_dir, fmt=fmt)
    load_knowledge(rules_dir)


def _init_child(rules_dir: str | None, fmt: str, parent: int) -> None:
    """A worker process: Ctrl-C and SIGTERM are for the parent, which stops the workers itself; when the
    parent dies in any way (even SIGKILL), the kernel kills the worker (Linux), so none is left behind."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent(parent)
    init_worker(rules_dir, fmt)


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes
        import signal
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no libc: fall back on the check below
            pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def consult_file(path: str) -> Done:
    from ..explain.consult import consult
    from ..load.patient import load_patient
    fmt = _worker["fmt"]
    warnings: list = []
    try:
        result = consult(load_patient(path, warnings=warnings), _worker["rules"])
    except InputError as exc:
        return _failed(path, fmt, exc.diagnostics)
    except Exception as exc:  # a bug: report it for this file and go on with the others
        if os.environ.get("SPINEPATH_DEBUG"):
            raise
        message = f"internal error ({type(exc).__name__}): {exc}; this is a bug in spinepath, please report it"
        return _failed(path, fmt, [Diagnostic(path, 0, 0, "internal-error", message)])
    said = tuple(str(w) for w in warnings)
    if fmt == "jsonl":
        # the consult JSON of OUTPUT.md (ConsultResult.to_json), on one line
        return Done(True, json.dumps(result.to_json_data(), ensure_ascii=False, separators=(",", ":")) + "\n", said)
    if fmt == "fhir-ndjson":
        from ..render.fhir import bundle
        return Done(True, json.dumps(bundle(result), ensure_ascii=False, separators=(",", ":")) + "\n", said)
    return Done(True, _csv_text(_result_rows(path, result)), said)


def consult_chunk(paths: list[str]) -> list[Done]:
    return [consult_file(p) for p in paths]


def _failed(path: str, fmt: str, diagnostics: list[Diagnostic]) -> Done:
    messages = tuple(str(d) for d in diagnostics)
    if fmt == "jsonl":
        record = {"file": display_path(path), "errors": [d.as_dict() for d in diagnostics]}
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    elif fmt == "fhir-ndjson":
        from ..render.fhir import operation_outcome
        text = json.dumps(operation_outcome(diagnostics), ensure_ascii=False, separators=(",", ":")) + "\n"
    else:
        text = _csv_text([{"file": display_path(path), "error": " | ".join(messages)}])
    return Done(False, text, messages)


def _result_rows(path: str, result: ConsultResult) -> list[dict[str, str]]:
    """CSV rows (CSV_COLUMNS): one per firm recommendation, then one per provisional entry with what it
    holds on, then one per question in rank order; one row naming the patient when there is none."""
    from ..render import presumed_text
    base = {"file": display_path(path), "patient_id": result.patient_id}

    def entry(r, kind: str) -> dict[str, str]:
        return {**base, "phase": r.phase, "strength": r.strength, "intervention": r.intervention, "rule": r.rule,
                "evidence": "; ".join(f"[{e.ref_id}] {e.ref}" for e in r.evidence), "entry": kind,
                "holds_if": "; ".join(presumed_text(a) for a in r.assumes)}
    rows = [entry(r, "firm") for r in result.recommendations]
    rows += [entry(r, "provisional") for r in result.provisional]
    rows += [{**base, "entry": "question", "field": q.field, "question": q.text} for q in result.questions]
    return rows or [base]


def spreadsheet_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: one that starts with = + - @ (or a tab or carriage return,
    which some spreadsheets skip before a formula) gets a leading apostrophe, as OWASP advises, so a
    patient id like =HYPERLINK(...) is never evaluated."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_text(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, CSV_COLUMNS, lineterminator="\n")
    writer.writerows({k: spreadsheet_cell(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()


def csv_header() -> str:
    return ",".join(CSV_COLUMNS) + "\n"


# ------------------------------------------------------------------------ the run

def job_count(jobs: int) -> int:
    """--jobs N; 0 means one per CPU this process may use."""
    if jobs > 0:
        return jobs
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        return counter() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# Files per task sent to a worker: small, so that the output and the progress move every second or two
# and an interruption loses little, large enough that passing them costs nothing next to a consult.
CHUNK = 8


class Results:
    """One Done per path, in the order of paths, from `jobs` processes.

    The worker processes start here, before any progress display starts its thread: forking a
    process that runs threads can deadlock the child (and warns from Python 3.12 on)."""

    def __init__(self, paths: list[str], fmt: str, jobs: int, rules_dir: str | None):
        self._pool = None
        if jobs <= 1 or len(paths) < 2:
            init_worker(rules_dir, fmt)
            self._done: Iterator = map(consult_file, paths)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        # fork where there is one: the workers then share the knowledge base the parent has loaded.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        for stream in (sys.stdout, sys.stderr):  # a forked child flushes these on exit: empty them first
            stream.flush()
        size = max(1, min(CHUNK, len(paths) // (jobs * 8)))
        try:
            self._pool = ProcessPoolExecutor(jobs, multiprocessing.get_context(method), initializer=_init_child,
                                             initargs=(rules_dir, fmt, os.getpid()))
            chunks = self._pool.map(consult_chunk, [paths[i:i + size] for i in range(0, len(paths), size)])
        except OSError as exc:  # too many open files, no memory for a process
            self.stop()
            raise InputError([Diagnostic("--jobs", 0, 0, "io", f"cannot start {jobs} worker processes: "
                                         f"{exc.strerror or exc}; try fewer --jobs")]) from None
        self._done = (done for chunk in chunks for done in chunk)

    def __iter__(self) -> Iterator[Done]:
        return self._done

    @property
    def pooled(self) -> bool:
        """Whether worker processes run the consults."""
        return self._pool is not None

    def __enter__(self) -> "Results":
        return self

    def stop(self) -> None:
        """End the workers now (an interruption): what they were doing is not needed."""
        if self._pool is None:
            return
        import multiprocessing
        for child in multiprocessing.active_children():
            child.kill()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __exit__(self, kind, *_) -> None:
        if self._pool is not None:
            if kind is None:
                self._pool.shutdown(wait=True)
            else:
                self.stop()


@dataclass
class Summary:
    files: int = 0
    consulted: int = 0
    failed: int = 0
    total: int = 0  # files of the run, when it stops early
    resumed: int = 0  # records kept from an interrupted run

    def __str__(self) -> str:
        kept = f" ({self.resumed} from the interrupted run)" if self.resumed else ""
        return f"spinepath batch: {self.files} files, {self.consulted} consulted, {self.failed} failed{kept}"


class Interrupted(Exception):
    """Raised by a signal handler while run() waits for results (never while it writes a record)."""


def run(results: Results, fmt: str, out: Writer,
        report: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
        advance: Callable[[], None] = lambda: None, stopping: Callable[[], bool] = lambda: False,
        summary: Summary | None = None, header: bool = True) -> Summary:
    """Write the record of every file to out, each flushed when it is whole; report(line) gets each
    error or warning line for stderr. Stops after a whole record when stopping() says so, or when a
    signal handler raises Interrupted while the next record is awaited."""
    summary = summary or Summary()
    if fmt == "csv" and header:
        out.write(csv_header())
    for done in results:
        out.write(done.text)
        out.flush()
        summary.files += 1
        if done.ok:
            summary.consulted += 1
        else:
            summary.failed += 1
        for line in done.messages:
            report(line)
        advance()
        if stopping():
            break
    return summary


# ------------------------------------------------------------------------ resuming an interrupted run

def kept_records(text: bytes, paths: list[str], fmt: str, sha256: str) -> tuple[int, int, int]:
    """(bytes, records, failures) of the complete records at the start of an earlier output that belong,
    in order, to the first paths under the same rules. Raises InputError when a record does not
    belong to its file (the inputs or the rules changed), so that nothing foreign is carried over."""
    from ..load.yamlsafe import load_path
    end, count, failed = 0, 0, 0
    while True:
        newline = text.find(b"\n", end)
        if newline < 0:
            break  # the rest is a record cut short: consulted again
        line = text[end:newline]
        if count >= len(paths):
            raise command_line_error(f"the earlier output has more records than there are files ({len(paths)})")
        path = paths[count]
        try:
            record = json.loads(line)
        except ValueError:
            raise command_line_error(f"record {count + 1} of the earlier output is not JSON: cannot resume from it") from None
        failure = _failure_of(record, fmt)
        if failure is not None:
            if not failure.startswith(display_path(path) + ":") and failure != display_path(path):
                raise command_line_error(f"record {count + 1} of the earlier output is about another file than "
                             f"{display_path(path)}: the files changed; run without --resume")
            failed += 1
        else:
            try:
                wanted = load_path(path).data.get("id")
            except (InputError, AttributeError):
                wanted = None
            if _patient_id(record, fmt) != wanted or sha256 not in line.decode("utf-8", "replace"):
                raise command_line_error(f"record {count + 1} of the earlier output is not the consult of {display_path(path)} "
                             "with these rules: the files or the rules changed; run without --resume")
        end = newline + 1
        count += 1
    return end, count, failed


def _failure_of(record, fmt: str) -> str | None:
    """The file a failure record is about (jsonl) or its first message (fhir-ndjson), else None."""
    if not isinstance(record, dict):
        raise command_line_error("the earlier output holds something that is not a record: cannot resume from it")
    if fmt == "jsonl":
        return record["file"] if "errors" in record and isinstance(record.get("file"), str) else None
    if record.get("resourceType") == "OperationOutcome":
        issues = record.get("issue") or [{}]
        return str(issues[0].get("diagnostics", ""))
    return None


def _patient_id(record: dict, fmt: str):
    """The patient id of an earlier output's record, read back from the JSON written (not a ConsultResult)."""
    if fmt == "jsonl":
        return record.get("patient_id")  # written JSON
    for entry in record.get("entry") or []:
        resource = entry.get("resource") or {}
        if resource.get("resourceType") == "Patient":
            return next((i.get("value") for i in resource.get("identifier") or []), None)
    return None
