"""Every example consults in every format; JSON meets the contract; bytes are stable."""
from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from conftest import EXAMPLES, SHARED, example_consult, run_cli
from spinepath.explain.consult import evaluate_patient, load_knowledge
from spinepath.load.patient import load_patient
from spinepath.render import to_json

pytestmark = pytest.mark.skipif(not EXAMPLES, reason="no examples")


def test_there_are_examples_for_each_seed_case():
    assert len(EXAMPLES) >= 8


@pytest.fixture(scope="module")
def results() -> dict:
    """The consult of every example, in process (test_consult_bytes shows it is what the command prints)."""
    return {path: example_consult(path) for path in EXAMPLES}


def test_every_consult_meets_the_contract(results, tmp_path):
    tool = SHARED / "tools" / "check_contract.py"
    if not tool.exists():
        pytest.skip(f"{tool} is not beside this checkout")
    files = []
    for i, (path, result) in enumerate(results.items()):
        out = tmp_path / f"{i:02d}-{path.stem}.json"
        out.write_text(to_json(result), encoding="utf-8")
        files.append(str(out))
        for rec in result["recommendations"]:
            assert rec["rule"] and rec["evidence"], (path.name, rec)
        for alert in result["alerts"]:
            assert alert["rule"], (path.name, alert)
    check = subprocess.run([sys.executable, str(tool), *files],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_text_and_markdown_with_the_trace(path, results):
    from rich.console import Console

    from spinepath.render.markdown import render as markdown
    from spinepath.render.text import render as text
    buf = io.StringIO()
    text(results[path], Console(file=buf, width=80, highlight=False, soft_wrap=False), trace=True)
    for out in (buf.getvalue(), markdown(results[path], trace=True)):
        assert "does not replace" in out


def test_the_command_prints_no_colour_codes_into_a_pipe():
    r = run_cli("consult", str(EXAMPLES[0]), "--format", "text", "--trace")
    assert r.returncode == 0, r.stderr
    assert "does not replace" in r.stdout and "\x1b[" not in r.stdout


HASH_SEED_SCRIPT = """
import hashlib, io, sys
from rich.console import Console
from spinepath.explain.consult import consult
from spinepath.load.patient import load_patient
from spinepath.board import brief_html, brief_md
from spinepath.board.brief import build
from spinepath.render import to_json
from spinepath.render.markdown import render as markdown
from spinepath.render.text import render as text
for path in sys.argv[1:]:
    patient = load_patient(path)
    result = consult(patient)
    buf = io.StringIO()
    text(result, Console(file=buf, width=80, highlight=False, soft_wrap=False), trace=True, patient=patient)
    brief = build(result, patient, "2026-12-10")
    out = (to_json(result) + buf.getvalue() + markdown(result, trace=True) + brief_html.render(brief)
           + brief_md.render(brief))
    print(path, hashlib.sha256(out.encode()).hexdigest())
"""


def test_same_bytes_whatever_the_hash_seed():
    """Every example, in all three formats and as a brief (HTML with its pictures, Markdown), in one fresh
    process per seed."""
    runs = [subprocess.Popen([sys.executable, "-c", HASH_SEED_SCRIPT, *map(str, EXAMPLES)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONHASHSEED=seed))
            for seed in ("0", "1", "12345")]
    outs = set()
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        assert len(out.splitlines()) == len(EXAMPLES)
        outs.add(out)
    assert len(outs) == 1


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_engine_and_three_valued_evaluation_agree(path):
    kb = load_knowledge()
    ev = evaluate_patient(load_patient(path), kb)  # raises InternalError on any disagreement
    three_valued = {rid for rid, o in ev.outcomes.items() if o.value is True}
    assert three_valued == set(ev.fired)
