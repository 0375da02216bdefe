"""Every view of every example at 80 columns: nothing cut with "…", no line wider than the terminal, no
identifier split at its hyphen, continuation lines indented (issue 26 part 2; NEWCOMER-2026-12 P8)."""
from __future__ import annotations

import io
import re

import pytest

from conftest import EXAMPLES, ROOT, example_result, run_cli, text_at_80

WIDTH = 80
# A rule id (GEN-05, COURSE-01b) or a case id broken after its hyphen: "GEN-" at the end of one line.
_SPLIT_ID = re.compile(r"\b[A-Z]{2,}-\n\s*\w")


def assert_fits(text: str, what: str) -> None:
    lines = text.splitlines()
    cut = [line for line in lines if "…" in line]
    assert not cut, f"{what}: cut with '…': {cut[:3]}"
    wide = [line for line in lines if len(line) > WIDTH]
    assert not wide, f"{what}: wider than {WIDTH} columns: {wide[:3]}"
    assert not _SPLIT_ID.search(text), f"{what}: an id split at its hyphen: {_SPLIT_ID.search(text)!r}"


def _whatif_text(path) -> str:
    from rich.console import Console

    from spinepath.evaluate.knowledge import load_knowledge
    from spinepath.explain.whatif import whatif
    from spinepath.load.patient import load_patient
    from spinepath.render.whatif_text import render
    buf = io.StringIO()
    render(whatif(load_knowledge(None), load_patient(path), ["staging.metastases=none"]),
           Console(file=buf, width=WIDTH, highlight=False, soft_wrap=False))
    return buf.getvalue()


WHATIF_HEADS = ("spinepath what-if", "Set:", "Pathway (on the facts)", "Provisional pathway", "Alerts",
                "Derived values", "No change")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_view_of_every_example_fits_80_columns_without_cutting(path):
    result = example_result(path)
    assert_fits(text_at_80(result), f"consult {path.stem}")
    full = text_at_80(result, trace=True, all_=True)
    assert_fits(full, f"consult --trace --all {path.stem}")
    # The trace keeps every matched value: each step's facts end in their value, never in a cut name.
    for step in result.trace:
        for key, value in step.matched.items():
            assert f"{key}=" in full.replace("\n", " "), (step.rule, key)
    whatif = _whatif_text(path)
    assert_fits(whatif, f"whatif {path.stem}")
    for line in whatif.splitlines():  # continuation lines are indented, as in the consult
        assert not line or line.startswith(" ") or line.startswith(WHATIF_HEADS), f"column 0: {line!r}"


def test_the_trace_shows_each_matched_fact_with_its_yes_or_no():
    """NEWCOMER P8: the trace's 'matched' column ended in `performance.fit_for_major_su…`."""
    text = text_at_80(example_result(ROOT / "examples" / "histology" / "chordoma-sacral-localised.yaml"), trace=True)
    flat = " ".join(text.split())
    assert "performance.fit_for_major_surgery=yes" in flat and "preferences.declines_surgery=no" in flat


def test_the_missing_data_list_names_every_field_whole():
    result = example_result(ROOT / "examples" / "referral" / "ewing-t8-progressive-weakness-referral.yaml")
    text = text_at_80(result, all_=True)
    lines = {line.strip() for line in text.splitlines()}
    for m in result.missing:
        assert m.field in lines, m.field


@pytest.fixture
def at_80(monkeypatch):
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    monkeypatch.delenv("TERMINAL_WIDTH", raising=False)


def test_cases_short_and_long_fit_80_columns(at_80):
    for args in (("cases",), ("cases", "--long")):
        r = run_cli(*args)
        assert r.returncode == 0, r.stderr
        assert_fits(r.stdout, " ".join(args))
    long = run_cli("cases", "--long").stdout
    # The description is read in lines of more than a word or two (it had a 13-character column).
    described = [line for line in long.splitlines() if line.startswith("      ")]
    assert described and sum(len(line) for line in described) / len(described) > 50


COMMANDS = [("consult",), ("whatif",), ("validate",), ("explain",), ("brief",), ("board",), ("teach",), ("cases",),
            ("batch",), ("synth",), ("rules", "lint"), ("rules", "test"), ("rules", "list"), ("rules", "mutate"),
            ("rules", "map"), ("schema", "patient"), ("import", "fhir"), ("export", "fhir"), ()]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "spinepath")
def test_help_fits_80_columns_and_a_flag_shows_no_value(command, at_80):
    r = run_cli(*command, "--help")
    assert r.returncode == 0, r.stderr
    assert_fits(r.stdout, f"{' '.join(command)} --help")
    assert "<bool>" not in r.stdout and "{" not in r.stdout.split("\n\n")[0] + r.stdout.split("Usage:")[-1][:80]


def test_rules_list_fits_80_columns(at_80):
    r = run_cli("rules", "list")
    assert r.returncode == 0, r.stderr
    assert_fits(r.stdout, "rules list")
    assert "Facts the rules derive" in r.stdout and "\n    read by: no rule" in r.stdout


def test_the_consult_head_wraps_a_long_id_with_an_indent():
    path = ROOT / "examples" / "histology" / "undifferentiated_pleomorphic_sarcoma-lumbar-bilateral-pedicles.yaml"
    head = text_at_80(example_result(path)).splitlines()[:5]
    assert head[0] == "spinepath consult —" and head[1] == "  " + path.stem
    assert head[2].startswith("51 y") and head[3].startswith("  ") and head[4].startswith("ruleset")
    assert all(line == line.rstrip() for line in head)


def test_the_teach_picker_fits_80_columns_with_whole_ids_and_readable_titles():
    """The picker had a table whose title column got 7-13 characters beside 50-character ids (NEWCOMER P8)."""
    from rich.console import Console

    from spinepath.teach.cases import all_cases
    from spinepath.teach.session import case_list
    cases = [c for c in all_cases() if c.meta]
    buf = io.StringIO()
    console = Console(file=buf, width=WIDTH, highlight=False, soft_wrap=False)
    for line in case_list(cases, WIDTH):
        console.print(line)
    text = buf.getvalue()
    assert_fits(text, "teach picker")
    for c in cases:
        assert any(line.strip().endswith(c.id) for line in text.splitlines()), c.id  # the id whole, typed back
    titles = [line for line in text.splitlines() if line.startswith("       ")]
    assert titles and sum(len(line) for line in titles) / len(titles) > 30
