"""Consult many patient files in one run, in order, optionally on several processes.

Output (one record per input file, in input order, the same bytes for any number of jobs):
- jsonl: a success is the consult result of OUTPUT.md on one line, keys in the order the
  result has them; a failure is `{"file": ..., "errors": [diagnostic, ...]}` on its line, so
  line N always belongs to file N.
- csv: one row per recommendation; a patient without recommendations still gets one row; a
  failure gets one row with the `error` column filled.
- fhir-ndjson: one FHIR R4 Bundle per line (render/fhir.py, the optional extra spinepath[fhir]);
  a failure is an OperationOutcome on its line.
A bad file is reported on stderr and the run goes on. Processes, not threads: durable-rules
holds the GIL in its C calls (../shared/notes/durable-rules.md §6).
"""
from __future__ import annotations

import csv
import glob
import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, TextIO

from ..load.diagnostics import Diagnostic, InputError

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from ..explain.result import ConsultResult

FORMATS = ("jsonl", "csv", "fhir-ndjson")
CSV_COLUMNS = ("file", "patient_id", "phase", "strength", "intervention", "rule", "evidence", "error")
PATIENT_SUFFIXES = (".yaml", ".yml")
_GLOB_CHARS = set("*?[")


def is_patient_file(path: Path) -> bool:
    return path.suffix in PATIENT_SUFFIXES and not path.name.endswith(".expect.yaml")


def _usage(message: str) -> InputError:
    return InputError([Diagnostic("<command line>", 0, 0, "usage", message)])


def _in_folder(folder: Path) -> list[Path]:
    found = (p for p in folder.rglob("*") if p.is_file() and is_patient_file(p))
    return sorted(found, key=lambda p: p.as_posix())


def collect(arguments: Iterable[str]) -> list[str]:
    """Patient files named by the arguments (files, folders searched recursively, globs), in order.

    A file reached twice is consulted once, where it first appears; an argument that names no
    patient file is a command-line error."""
    out: dict[str, None] = {}
    for arg in arguments:
        path = Path(arg)
        if path.is_dir():
            files = _in_folder(path)
        elif path.exists():
            files = [path]
        elif _GLOB_CHARS & set(arg):
            files = []
            for match in sorted(glob.glob(arg, recursive=True)):
                m = Path(match)
                files.extend(_in_folder(m) if m.is_dir() else [m] if is_patient_file(m) else [])
        else:
            raise _usage(f"{arg}: no such file or folder")
        if not files:
            raise _usage(f"{arg}: no patient file (*.yaml, *.yml) there")
        for f in files:
            out.setdefault(os.path.normpath(f), None)
    return list(out)


# ------------------------------------------------------------------------ one file

@dataclass(frozen=True)
class Done:
    """What one file gave: the output text for it and, if it failed, the lines for stderr."""

    ok: bool
    text: str
    messages: tuple[str, ...] = ()


_worker: dict[str, Any] = {}


def init_worker(rules_dir: str | None, fmt: str) -> None:
    """Per process: remember the settings and load the knowledge base once."""
    from ..evaluate.knowledge import load_knowledge
    _worker.update(rules=rules_dir, fmt=fmt)
    load_knowledge(rules_dir)


def consult_file(path: str) -> Done:
    from ..explain.consult import consult
    from ..load.patient import load_patient
    fmt = _worker["fmt"]
    try:
        result = consult(load_patient(path), _worker["rules"])
    except InputError as exc:
        return _failed(path, fmt, exc.diagnostics)
    except Exception as exc:  # a bug: report it for this file and go on with the others
        if os.environ.get("SPINEPATH_DEBUG"):
            raise
        message = f"internal error ({type(exc).__name__}): {exc}; this is a bug in spinepath, please report it"
        return _failed(path, fmt, [Diagnostic(path, 0, 0, "internal-error", message)])
    if fmt == "jsonl":  # the consult JSON of OUTPUT.md (ConsultResult.to_json), on one line
        return Done(True, json.dumps(result.to_json_data(), ensure_ascii=False, separators=(",", ":")) + "\n")
    if fmt == "fhir-ndjson":
        from ..render.fhir import bundle
        return Done(True, json.dumps(bundle(result), ensure_ascii=False, separators=(",", ":")) + "\n")
    return Done(True, _csv_text(_result_rows(path, result)))


def consult_chunk(paths: list[str]) -> list[Done]:
    return [consult_file(p) for p in paths]


def _failed(path: str, fmt: str, diagnostics: list[Diagnostic]) -> Done:
    messages = tuple(str(d) for d in diagnostics)
    if fmt == "jsonl":
        record = {"file": path, "errors": [d.as_dict() for d in diagnostics]}
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    elif fmt == "fhir-ndjson":
        from ..render.fhir import operation_outcome
        text = json.dumps(operation_outcome(diagnostics), ensure_ascii=False, separators=(",", ":")) + "\n"
    else:
        text = _csv_text([{"file": path, "error": " | ".join(messages)}])
    return Done(False, text, messages)


def _result_rows(path: str, result: ConsultResult) -> list[dict[str, str]]:
    """A CSV row (CSV_COLUMNS) per firm recommendation, or one row naming the patient."""
    base = {"file": path, "patient_id": result.patient_id}
    rows = [{**base, "phase": r.phase, "strength": r.strength, "intervention": r.intervention,
             "rule": r.rule, "evidence": "; ".join(f"[{e.ref_id}] {e.ref}" for e in r.evidence)}
            for r in result.recommendations]
    return rows or [base]


def _csv_text(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, CSV_COLUMNS, lineterminator="\n")
    writer.writerows(rows)
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


class Results:
    """One Done per path, in the order of paths, from `jobs` processes.

    The worker processes start here, before any progress display starts its thread: forking a
    process that runs threads can deadlock the child (and warns from Python 3.12 on)."""

    def __init__(self, paths: list[str], fmt: str, jobs: int, rules_dir: str | None):
        self._pool: ProcessPoolExecutor | None = None
        self._done: Iterator[Done]
        if jobs <= 1 or len(paths) < 2:
            init_worker(rules_dir, fmt)
            self._done = map(consult_file, paths)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        # fork where there is one: the workers then share the knowledge base the parent has loaded.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        for stream in (sys.stdout, sys.stderr):  # a forked child flushes these on exit: empty them first
            stream.flush()
        size = max(1, min(64, len(paths) // (jobs * 8)))
        self._pool = ProcessPoolExecutor(jobs, multiprocessing.get_context(method), initializer=init_worker,
                                         initargs=(rules_dir, fmt))
        chunks = self._pool.map(consult_chunk, [paths[i:i + size] for i in range(0, len(paths), size)])
        self._done = (done for chunk in chunks for done in chunk)

    def __iter__(self) -> Iterator[Done]:
        return self._done

    def __enter__(self) -> "Results":
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=kind is None, cancel_futures=True)


@dataclass
class Summary:
    files: int = 0
    consulted: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"spinepath batch: {self.files} files, {self.consulted} consulted, {self.failed} failed"


def run(results: Results, fmt: str, out: TextIO,
        report: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
        advance: Callable[[], None] = lambda: None) -> Summary:
    """Write the record of every file to out; report(line) gets each error line for stderr."""
    summary = Summary()
    if fmt == "csv":
        out.write(csv_header())
    for done in results:
        out.write(done.text)
        summary.files += 1
        if done.ok:
            summary.consulted += 1
        else:
            summary.failed += 1
            for line in done.messages:
                report(line)
        advance()
    return summary
