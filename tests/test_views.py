"""Readable views: interventions in words, in British spelling, in every human-facing format; the codes
stay in JSON only."""
from __future__ import annotations

import json

import pytest

from conftest import ROOT, example_consult, run_cli, text_at_80
from spinepath.load.interventions import said
from spinepath.render.markdown import render as markdown

SEED = ROOT / "examples" / "seeds" / "cervical-chondrosarcoma-recurrence.yaml"


@pytest.mark.parametrize("code, words", [
    ("multidisciplinary_tumor_board", "multidisciplinary tumour board"),
    ("refer_specialized_center", "referral to a specialised centre"),
    ("selective_arterial_embolization", "selective arterial embolisation"),
    ("spinal_stabilization", "spinal stabilisation"),
    ("staging_workup", "staging work-up"),
    ("en_bloc_resection", "en bloc resection"),
    ("sclerotherapy", "sclerotherapy"),
])
def test_codes_in_words(code, words):
    assert said(code) == words


def test_the_text_and_markdown_consults_say_interventions_in_words():
    result = example_consult(SEED)
    for out in (text_at_80(result), markdown(result)):
        assert "multidisciplinary tumour board" in out and "multidisciplinary_tumor_board" not in out
        assert "staging work-up" in out and " tumor " not in out


def test_json_keeps_the_codes():
    r = run_cli("consult", str(SEED), "--format", "json")
    codes = {rec["intervention"] for rec in json.loads(r.stdout)["recommendations"]}
    assert "multidisciplinary_tumor_board" in codes
