"""The small things of issue 26 part 5 (NEWCOMER-2026-12 P11, P14), each settled here."""
from __future__ import annotations

import re

import pytest

from conftest import EXAMPLES, ROOT, example_result, run_cli, text_at_80
from spinepath.render.markdown import render as markdown


def _detail_keys() -> set[str]:
    from spinepath.evaluate.knowledge import load_knowledge
    return {k for r in load_knowledge(None).ruleset.rules for a in r.then
            for k, _ in (getattr(a, "details", None) or ()) if "_" in k}


def test_detail_keys_are_said_in_words_in_every_human_view():
    """`[min dose gy: 70; modality: particle]`: a key is said as words, never as its code, and a minimum
    dose with its unit ("dose: at least 70 Gy(RBE)")."""
    keys = _detail_keys()
    assert "min_dose_gy" in keys
    raw = re.compile(r"\b(" + "|".join(sorted(keys)) + r"):")
    for path in EXAMPLES[::4]:
        result = example_result(path)
        for view in (text_at_80(result, all_=True), markdown(result, all_=True)):
            assert raw.search(view) is None, (path.stem, raw.search(view))
            assert "min dose" not in view


def test_each_entry_has_its_own_why_and_a_repeated_reason_points_back():
    """Two AVOID entries of CH-04c: one Why after the last, and none for the second."""
    text = text_at_80(example_result(ROOT / "examples" / "histology" / "chordoma-sacral-localised.yaml"))
    pathway = text.split("\nPathway\n")[1].split("\nProvisional")[0].split("\nQuestions")[0]
    entries = re.split(r"\n  (?=RECOMMENDED|CONSIDER|AVOID)", "\n" + pathway)[1:]
    assert entries and all("Why:" in e for e in entries), [e.splitlines()[0] for e in entries if "Why:" not in e]
    adjuvant = next(e for e in entries if e.startswith("AVOID       adjuvant chemotherapy"))
    assert "Why: as for neoadjuvant chemotherapy above (CH-04c)." in adjuvant


def test_every_entry_of_every_example_has_a_why():
    for path in EXAMPLES[::3]:
        text = text_at_80(example_result(path))
        pathway = text.split("\nPathway\n")[1].split("\nProvisional:")[0].split("\nQuestions that")[0]
        entries = re.split(r"\n  (?=RECOMMENDED|CONSIDER|AVOID)", "\n" + pathway.split("\nDerived staging")[0])[1:]
        assert all("Why:" in e for e in entries), path.stem


def test_markdown_opens_with_the_summary_line_of_the_text_view():
    result = example_result(ROOT / "examples" / "histology" / "chordoma-sacral-localised.yaml")
    summary = text_at_80(result).splitlines()[1]
    assert summary.startswith("72 y") or " y, " in summary
    assert markdown(result).splitlines()[2] == summary


@pytest.mark.parametrize("code, words", [("ewing_sarcoma", "Ewing sarcoma"),
                                         ("langerhans_cell_histiocytosis", "Langerhans cell histiocytosis"),
                                         ("chordoma", "chordoma")])
def test_eponyms_keep_their_capital(code, words):
    from spinepath.render import words as said
    assert said(code) == words


def test_the_brief_title_says_ewing_sarcoma_with_its_capital():
    r = run_cli("brief", "ewing_sarcoma-thoracic-paediatric-cord-compression", "--date", "2026-12-10")
    assert r.returncode == 0, r.stderr
    assert "Ewing sarcoma" in r.stdout and "ewing sarcoma" not in r.stdout


def test_validate_ends_with_a_summary(write):
    good = ROOT / "examples" / "seeds" / "cervical-chondrosarcoma-recurrence.yaml"
    bad = write("bad.yaml", "id: x\nage: 250\n")
    r = run_cli("validate", str(good), "osteosarcoma-after-histology")
    assert r.returncode == 0 and r.stderr.splitlines()[-1] == "spinepath validate: 2 files, 2 valid, 0 invalid"
    r = run_cli("validate", str(good), str(bad))
    assert r.returncode == 3 and r.stderr.splitlines()[-1] == "spinepath validate: 2 files, 1 valid, 1 invalid"
    assert r.stdout.count(": ok") == 1  # standard output stays one line a file
