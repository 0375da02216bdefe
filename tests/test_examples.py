"""Every example consults in every format; JSON meets the contract; bytes are stable."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import EXAMPLES, SHARED, run_cli
from spinepath.explain.consult import evaluate_patient, load_knowledge
from spinepath.load.patient import load_patient

pytestmark = pytest.mark.skipif(not EXAMPLES, reason="no examples")


def test_there_are_examples_for_each_seed_case():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_consult_json_meets_the_contract(path, tmp_path):
    r = run_cli("consult", str(path), "--format", "json")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "r.json"
    out.write_text(r.stdout)
    check = subprocess.run([sys.executable, str(SHARED / "tools" / "check_contract.py"), str(out)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    doc = json.loads(r.stdout)
    for rec in doc["recommendations"]:
        assert rec["rule"] and rec["evidence"], rec
    for alert in doc["alerts"]:
        assert alert["rule"], alert


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_consult_text_and_markdown(path, fmt):
    r = run_cli("consult", str(path), "--format", fmt, "--trace")
    assert r.returncode == 0, r.stderr
    assert "does not replace" in r.stdout
    assert "\x1b[" not in r.stdout  # piped output carries no colour codes


@pytest.mark.parametrize("path", EXAMPLES[:4], ids=lambda p: p.stem)
def test_same_bytes_whatever_the_hash_seed(path):
    outs = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        r = run_cli("consult", str(path), "--format", "json", env=env)
        assert r.returncode == 0, r.stderr
        outs.add(r.stdout)
    assert len(outs) == 1


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_engine_and_three_valued_evaluation_agree(path):
    kb = load_knowledge()
    ev = evaluate_patient(load_patient(path), kb)  # raises InternalError on any disagreement
    three_valued = {rid for rid, o in ev.outcomes.items() if o.value is True}
    assert three_valued == set(ev.fired)
