from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*.yaml") if not p.name.endswith(".expect.yaml"))
SHARED = ROOT.parent / "shared"


@functools.cache
def _example_consult(path: Path) -> str:
    from spinepath.explain.consult import consult
    from spinepath.load.patient import load_patient
    return json.dumps(consult(load_patient(path)))


def example_consult(path: Path) -> dict:
    """The consult of an example, computed once per test session (a fresh copy for each caller)."""
    return json.loads(_example_consult(path))


def text_at_80(result: dict, patient=None, **options) -> str:
    """The text consult as the command prints it into a pipe at COLUMNS=80 (see test_consult_bytes)."""
    import io

    from rich.console import Console

    from spinepath.render.text import render
    buf = io.StringIO()
    render(result, Console(file=buf, width=80, highlight=False, soft_wrap=False), patient=patient, **options)
    return buf.getvalue()


def run_cli(*args: str, env: dict | None = None, input: str | None = None,
            fresh: bool = False) -> subprocess.CompletedProcess:
    """The command as a user runs it. In this process by default (spinepath.commands.main with its
    argv, stdin, stdout and stderr, so exit codes and messages are the real ones, at a tenth of the
    cost); in a fresh process when the test sets the environment or asks for one (fresh=True)."""
    if env is not None or fresh:
        return subprocess.run([sys.executable, "-m", "spinepath", *args], capture_output=True, text=True,
                              env=env, input=input, timeout=120)
    return _in_process(list(args), input)


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

