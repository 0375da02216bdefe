from __future__ import annotations

import functools
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import pytest

# The suite never writes into the user's cache folder (~/.cache/spinepath): one temporary cache for the
# session, made by the first process and inherited by the xdist workers.
if "SPINEPATH_TEST_CACHE" not in os.environ:
    os.environ["SPINEPATH_TEST_CACHE"] = tempfile.mkdtemp(prefix="spinepath-pytest-cache-")
os.environ["XDG_CACHE_HOME"] = os.environ["SPINEPATH_TEST_CACHE"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*.yaml") if not p.name.endswith(".expect.yaml"))
SHARED = ROOT.parent / "shared"


# The example consults are shared by the xdist workers through this session's folder: each example is
# consulted by one process of the session and read (unpickled) by the others, instead of every worker
# consulting all of them (about 6 s each). Made by the first process, inherited by the workers; a fresh
# folder per session, so a result is never older than the code and rules of the session.
if "SPINEPATH_TEST_CONSULTS" not in os.environ:
    os.environ["SPINEPATH_TEST_CONSULTS"] = tempfile.mkdtemp(prefix="spinepath-pytest-consults-")
    _MADE_CONSULTS = True
else:
    _MADE_CONSULTS = False
_CONSULTS = Path(os.environ["SPINEPATH_TEST_CONSULTS"])


@functools.cache
def example_result(path: Path):
    """The typed consult result of an example (explain/result.py), computed once per test session
    (by one of the xdist workers, see _shared_consult); frozen, so every caller can share it."""
    path = Path(path).resolve()
    return _shared_consult(path)


def _consult(path: Path):
    from spinepath.explain.consult import consult
    from spinepath.load.patient import load_patient
    return consult(load_patient(path))


_MADE_HERE: dict[Path, object] = {}


def _stored_name(path: Path) -> str:
    try:
        return path.relative_to(ROOT).as_posix().replace("/", "__")
    except ValueError:
        import hashlib
        return hashlib.sha256(str(path).encode()).hexdigest()


def _stored(path: Path) -> Path:
    return _shared_path(_stored_name(path))


def _take(path: Path, wait: bool = False):
    """The consult of `path`: read from the session folder, or made here and put there (_shared_value);
    None when another worker holds it (being made) and `wait` is false."""
    result = _shared_value(_stored_name(path), lambda: _consult(path), wait)
    if result is _BUSY:
        return None
    _MADE_HERE[path] = result
    return result


def _shared_consult(path: Path):
    """While another worker makes the consult asked for, this one makes examples that nobody has started
    (they are asked for next), so that the two share the work rather than one waiting for the other."""
    while True:
        result = _take(path)
        if result is not None:
            return result
        others = (p for p in _EXAMPLES_RESOLVED if p not in _MADE_HERE and not _stored(p).exists())
        if not any(_take(p) is not None for p in others):
            return _take(path, wait=True)


_EXAMPLES_RESOLVED = [p.resolve() for p in EXAMPLES]


_BUSY = object()


def _shared_path(name: str) -> Path:
    return _CONSULTS / f"{name}.shared.pickle"


def _shared_value(name: str, make, wait: bool):
    """make() once per session: read (unpickled) when another process made it; _BUSY when another process is
    making it and `wait` is false."""
    import fcntl
    import pickle
    stored = _shared_path(name)
    with open(stored.with_suffix(".lock"), "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _BUSY
        try:
            if stored.exists():
                return pickle.loads(stored.read_bytes())
            value = make()
            part = stored.with_suffix(".part")
            part.write_bytes(pickle.dumps(value))
            part.replace(stored)  # whole or not at all: a reader never sees half a pickle
            return value
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def shared(name: str, make):
    """What make() returns, made once per test session by the first process to ask (a module fixture that
    both xdist workers would otherwise each make) and read by the others; a process that asks while it is
    being made waits for it. make() may write files under session_folder(name)."""
    return _shared_value(name, make, wait=True)


def shared_parts(name: str, count: int, make_part) -> list:
    """[make_part(0), ..., make_part(count - 1)], each part made once per session: a process takes the parts
    nobody has started and waits only for those another process is making, so that two workers asking at
    once split the work instead of one waiting for all of it."""
    got: dict[int, object] = {}
    while len(got) < count:
        for k in range(count):
            if k not in got:
                value = _shared_value(f"{name}-{k}", lambda k=k: make_part(k), wait=False)
                if value is not _BUSY:
                    got[k] = value
        left = [k for k in range(count) if k not in got]
        if left:
            got[left[0]] = _shared_value(f"{name}-{left[0]}", lambda: make_part(left[0]), wait=True)
    return [got[k] for k in range(count)]


def session_folder(name: str) -> Path:
    """A folder of this test session (removed at its end), for what shared() makes."""
    folder = _CONSULTS / f"{name}.folder"
    folder.mkdir(exist_ok=True)
    return folder


def pytest_unconfigure(config):
    if _MADE_CONSULTS and not hasattr(config, "workerinput"):
        shutil.rmtree(_CONSULTS, ignore_errors=True)


@functools.cache
def _example_json(path: Path) -> str:
    return example_result(path).to_json()


def example_consult(path: Path) -> dict:
    """The consult of an example as its JSON contract (OUTPUT.md), a fresh copy for each caller."""
    return json.loads(_example_json(path))


def consult_of_files(files):
    """A `consult` for board.pack.rows over example files: each patient's consult is the session's consult
    of the file it was read from (example_result), not a fresh one."""
    from spinepath.load.patient import load_patient
    known = [(load_patient(f), example_result(Path(f))) for f in files]
    return lambda patient: next(result for read, result in known if read == patient)


def text_at_80(result, **options) -> str:
    """The text consult as the command prints it into a pipe at COLUMNS=80 (see test_consult_bytes)."""
    import io

    from rich.console import Console

    from spinepath.render.text import render
    buf = io.StringIO()
    render(result, Console(file=buf, width=80, highlight=False, soft_wrap=False), **options)
    return buf.getvalue()


def run_cli(*args: str, env: dict | None = None, input: str | None = None,
            fresh: bool = False) -> subprocess.CompletedProcess:
    """The command as a user runs it. In this process by default (spinepath.commands.main with its
    argv, stdin, stdout and stderr, so exit codes and messages are the real ones, at a tenth of the
    cost); in a fresh process when the test sets the environment or asks for one (fresh=True)."""
    if fresh or (env is not None and not _only_width_and_colour(env)):
        return subprocess.run([sys.executable, "-m", "spinepath", *args], capture_output=True, text=True,
                              env=env, input=input, timeout=120)
    if env is not None:  # COLUMNS / NO_COLOR only: read by the console the command makes for each call
        saved_env = dict(os.environ)
        os.environ.update(env)
        try:
            return _in_process(list(args), input)
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
    return _in_process(list(args), input)


# What a test may set and still run the command in this process: the commands make their console (rich)
# and their help (click) for each call, reading these then, as a fresh process does.
_READ_PER_CALL = {"COLUMNS", "NO_COLOR"}


def _only_width_and_colour(env: dict) -> bool:
    changed = {k for k in set(env) | set(os.environ) if env.get(k) != os.environ.get(k)}
    return changed <= _READ_PER_CALL


def _in_process(args: list[str], input: str | None) -> subprocess.CompletedProcess:
    import contextlib
    import io

    from spinepath import commands
    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv, sys.stdin
    sys.argv, sys.stdin = ["spinepath", *args], io.StringIO(input or "")
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                commands.main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv, sys.stdin = saved
    return subprocess.CompletedProcess(["spinepath", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture
def write(tmp_path):
    def _write(name: str, text: str | bytes) -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text)
        return p
    return _write


def patient_text(**overrides) -> str:
    """A minimal valid patient document as YAML, with top-level keys replaced."""
    import yaml
    doc = {"id": "t", "age": 50, "lesion": {"levels": ["L2"]}, "diagnosis": {"histology": "unknown"}}
    doc.update(overrides)
    return yaml.safe_dump(doc, sort_keys=False)


# ------------------------------------------------------------------ a real browser

CHROMIUM = Path("/usr/bin/chromium")


def chromium(tmp_path: Path, *args: str) -> None:
    profile = tmp_path / "profile"
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", *args]
    subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    shutil.rmtree(profile, ignore_errors=True)


def png_pixels(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, bytes per pixel, unfiltered pixel rows) of an 8-bit RGB/RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert depth == 8 and colour in (2, 6)
    bpp = 3 if colour == 2 else 4
    idat, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw, stride, out, prev = zlib.decompress(idat), width * bpp, bytearray(), bytearray(width * bpp)
    for y in range(height):
        f, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                row[i] = (row[i] + a) & 255
            elif f == 2:
                row[i] = (row[i] + b) & 255
            elif f == 3:
                row[i] = (row[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += row
        prev = row
    return width, height, bpp, bytes(out)


# The tests that take longest (pytest --durations), run first: pytest-xdist hands each worker a share of the
# collected order and the idle worker takes from the others, so a long test started last would run alone
# at the end of the suite. The order of the tests does not change what they check.
RUN_FIRST = ("test_knowledge_base.py::test_every_scenario_passes", "test_mutate.py::test_a_sample_of",
             "test_fhir_round_trip.py::", "test_memory.py::", "test_board.py::test_in_chromium")


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: not any(key in item.nodeid for key in RUN_FIRST))  # stable: the rest keep their order
