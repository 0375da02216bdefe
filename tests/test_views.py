"""Readable views: interventions in words, in British spelling, in every human-facing format; the codes
stay in JSON only."""
from __future__ import annotations

import json
import os

import pytest

from conftest import ROOT, example_result, run_cli, text_at_80
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
    result = example_result(SEED)
    for out in (text_at_80(result), markdown(result)):
        said_ = out.split("## References")[0]  # a cited paper keeps its own title ("bone tumor")
        assert "multidisciplinary tumour board" in said_ and "multidisciplinary_tumor_board" not in said_
        assert "staging work-up" in said_ and " tumor " not in said_


def test_json_keeps_the_codes():
    r = run_cli("consult", str(SEED), "--format", "json")
    codes = {rec["intervention"] for rec in json.loads(r.stdout)["recommendations"]}
    assert "multidisciplinary_tumor_board" in codes


def test_cases_fits_80_columns_one_case_a_line_and_long_has_the_descriptions():
    r = run_cli("cases", env={**os.environ, "COLUMNS": "80"})
    lines = r.stdout.splitlines()
    assert r.returncode == 0 and max(len(line) for line in lines) <= 80
    cases = json.loads(run_cli("cases", "--json").stdout)["cases"]
    groups = {c["group"] for c in cases}
    assert "…" not in r.stdout and len(lines) == len(cases) + len(groups) + 2  # one case a line, two of hints
    assert "  cervical-chondrosarcoma-recurrence" in lines
    long = run_cli("cases", "--long", env={**os.environ, "COLUMNS": "120"})
    assert "Teaching point" in long.stdout or "Objective" in long.stdout


def test_every_example_directory_is_in_cases_and_a_wrong_id_points_there():
    """NEWCOMER-2026-12 P10: examples/referral was missing from `cases`, and a wrong id said only
    "cannot read: No such file or directory"."""
    listed = {c["group"] for c in json.loads(run_cli("cases", "--json").stdout)["cases"]}
    folders = {p.name for p in (ROOT / "examples").iterdir() if p.is_dir() and any(p.glob("*.yaml"))}
    assert folders <= listed, folders - listed
    assert run_cli("consult", "cervical-chordoma-referral-letter", "--format", "json").returncode == 0
    r = run_cli("consult", "cervical-chordoma-referal")
    assert r.returncode == 2 and "not a case id; see `spinepath cases`" in r.stderr and "Traceback" not in r.stderr
    assert "cannot read" in run_cli("consult", "no/such.yaml").stderr  # a path is said to be a missing file


@pytest.mark.parametrize("args", [("whatif", "_", "--set", "staging.metastases=none"), ("batch", "_"),
                                  ("export", "fhir", "_"), ("board", "_")])
def test_a_case_id_works_in_every_command_that_reads_a_patient_file(args):
    if args[0] == "export":
        pytest.importorskip("fhir.resources", reason="export fhir needs the optional extra spinepath[fhir]")
    r = run_cli(*[a if a != "_" else "cervical-chordoma-referral-letter" for a in args])
    assert r.returncode == 0, r.stderr


def test_each_command_offers_only_the_formats_it_prints():
    """NEWCOMER P13: `whatif --help` offered markdown and fhir, then refused them."""
    for command, formats in ((("whatif",), "<text|json>"), (("rules", "list"), "<text|json>"),
                             (("consult",), "<text|json|markdown|fhir>")):
        r = run_cli(*command, "--help", env={**os.environ, "COLUMNS": "100"})
        assert formats in r.stdout, (command, r.stdout)
    r = run_cli("whatif", "cervical-chondrosarcoma-recurrence", "--set", "age=50", "--format", "markdown")
    assert r.returncode == 2 and "markdown" in r.stderr


@pytest.mark.parametrize("command", [("consult",), ("explain", "_", "GEN-01a"), ("brief",), ("validate",)])
def test_a_bundled_case_id_works_where_a_patient_file_does(command):
    args = [a if a != "_" else "cervical-chondrosarcoma-recurrence" for a in command]
    if len(args) == 1:
        args.append("cervical-chondrosarcoma-recurrence")
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    teach = run_cli("teach", "osteosarcoma-after-histology", "--answers", "1", "--json")
    assert teach.returncode == 0 and json.loads(teach.stdout)["case"] == "osteosarcoma-after-histology"


def test_validate_takes_folders_and_globs_and_skips_teaching_metadata():
    teaching = ROOT / "examples" / "teaching"
    r = run_cli("validate", str(ROOT / "examples" / "seeds"), str(teaching / "*.yaml"))
    assert r.returncode == 0, r.stderr
    assert "cervical-chondrosarcoma-recurrence.yaml: ok" in r.stdout
    assert ".expect.yaml" not in r.stdout  # a quoted glob, like a folder, never reaches the metadata
    explicit = sorted(str(p) for p in teaching.glob("*.yaml"))  # as a shell expands the glob
    r = run_cli("validate", *explicit)
    assert r.returncode == 0 and "teaching metadata, not a patient file: skipped" in r.stdout, r.stderr


def test_explain_keeps_wrapped_lines_indented():
    r = run_cli("explain", "cervical-chondrosarcoma-recurrence", "CS-05a", env={**os.environ, "COLUMNS": "80"})
    assert r.returncode == 0, r.stderr
    starts = ("CS-05a", "defined at", "Result:", "Data that", "Under the", "Actions:", "Evidence:")
    for line in r.stdout.splitlines():
        assert not line or line.startswith(" ") or line.startswith(starts), f"wrapped back to column 0: {line!r}"
        assert len(line) <= 80


def test_one_more_answer_is_singular():
    from conftest import EXAMPLES
    from spinepath.render import more_answers_text
    texts = [text_at_80(example_result(p)) for p in EXAMPLES]
    assert not any("1 more answers" in t for t in texts)
    assert (more_answers_text(1), more_answers_text(2)) == ("1 more answer changes the plan",
                                                            "2 more answers change the plan")


def _entry(code, phase, details, alternatives=(), strength="consider", rule="R-1"):
    from spinepath.explain.result import Alternative, Entry
    return Entry(code, phase, strength, details, "why", rule, (),
                 alternatives=tuple(Alternative(rule, strength, d, "why", ()) for d in alternatives))


def test_a_minimum_dose_is_said_with_its_unit_never_as_its_key():
    from spinepath.render import details_text
    said_ = details_text({"min_dose_gy": 70, "dose_unit": "Gy(RBE)", "residual": "gross"})
    assert said_.startswith("dose: at least 70 Gy(RBE)") and "min dose" not in said_ and "unit" not in said_
    assert details_text({"min_dose_gy": 60}) == "dose: at least 60 Gy"
    assert "unit" not in details_text({"modality": "photon_imrt", "dose_unit": "Gy"})


def test_alternatives_are_named_by_what_tells_them_apart():
    from spinepath.render import strategy_groups
    regimens = [_entry("neoadjuvant_chemotherapy", "neoadjuvant", {"regimen": "EURO_BOSS", "strategy_group": "g"},
                       [{"regimen": "doxorubicin_cisplatin", "strategy_group": "g"}]),
                _entry("adjuvant_chemotherapy", "adjuvant", {"regimen": "EURO_BOSS", "strategy_group": "g"})]
    assert strategy_groups(regimens) == [("g", ["EURO-B.O.S.S.", "doxorubicin cisplatin"])]
    strategies = [_entry("en_bloc_resection", "local_control", {"strategy_group": "s"}),
                  _entry("adjuvant_radiotherapy", "adjuvant", {"strategy_group": "s"}),
                  _entry("adjuvant_chemotherapy", "adjuvant", {"strategy_group": "s"}, strength="avoid")]
    [(group, names)] = strategy_groups(strategies)
    assert group == "s" and len(names) == 2 and names[0].endswith("(local control)")
    assert strategy_groups(strategies[:1]) == []  # one option is no choice


def test_a_rule_is_never_also_its_own_support():
    for path in ("seeds/cervical-chondrosarcoma-after-subtotal-resection.yaml", "seeds/osteosarcoma-after-histology.yaml"):
        for e in example_result(ROOT / "examples" / path).recommendations:
            assert e.rule not in e.also_by, (path, e.intervention)


def test_an_added_entry_says_which_regimen_it_adds_or_avoids():
    """REVIEW-2026-12 F30: '< 90 → + adjuvant chemotherapy (avoid)' read as 'stop chemotherapy'."""
    from spinepath.explain.result import Change
    from spinepath.render import change_text
    c = Change("added", "adjuvant_chemotherapy", "adjuvant", "avoid", firm=True,
               details={"regimen": "MAPIE", "note": "a long note the consult shows"})
    assert change_text(c) == "+ adjuvant chemotherapy (avoid) [regimen: MAPIE]"
    assert c.to_json()["details"] == {"regimen": "MAPIE", "note": "a long note the consult shows"}
    assert "details" not in Change("added", "adjuvant_chemotherapy", "adjuvant", "avoid", firm=True).to_json()


LMS = ROOT / "examples" / "seeds" / "thoracic-leiomyosarcoma-after-histology.yaml"
RELAPSE = ROOT / "examples" / "seeds" / "pediatric-lumbar-osteosarcoma-recurrence.yaml"


def test_a_provisional_option_carries_its_warnings_in_every_view():
    # RT-05: pre-operative RT "consider; show the complication warning"; CX-01: the complication figures are
    # displayed with every en bloc recommendation. Under presumptions the options printed without them.
    from spinepath.board import brief_html, brief_md
    from spinepath.board.brief import build
    result = example_result(LMS)
    rt05a = next(e for e in result.provisional if e.rule == "RT-05a")
    assert [a.rule for a in rt05a.arguments if a.stance == "against"] == ["RT-05b"]
    warning = rt05a.arguments[0].rationale
    text = " ".join(text_at_80(result).split("Provisional:")[1].split())
    assert "Against: " + " ".join(warning.split()) + " (RT-05b)" in text
    assert "Against: In expert-centre series" in text  # CX-01 with the provisional en bloc (SCS-02g)
    assert f"*against* (RT-05b): {warning}" in markdown(result).split("## Provisional")[1]
    brief = build(result, "2026-12-10")
    assert "(RT-05b)" in brief_md.render(brief).split("## Provisional")[1]
    assert "RT-05b" in brief_html.render(brief).split("Provisional options")[1].split("</section>")[0]


def test_an_argument_against_is_said_in_full_once_and_named_after_that():
    from rich.console import Console
    from spinepath.explain.result import Argument
    from spinepath.render.text import _arguments
    cx01 = Argument("against", "CX-01", "Complications followed en bloc resection in a third to a half.", ())
    eb01c = Argument("for", "EB-01c", "Appropriate margins recur less.", ())
    console, warned = Console(width=80, record=True, color_system=None), set()
    _arguments(console, (eb01c, cx01), False, warned)  # a firm en bloc
    _arguments(console, (cx01,), False, warned)  # the same warning on a second en bloc entry
    first, second = console.export_text().split("Arguments: against")
    assert "Arguments: for EB-01c" in first and "Against: Complications followed" in first
    assert second.strip() == "CX-01 (above)"


def test_surveillance_planned_for_after_treatment_is_not_printed_as_a_current_entry():
    # PED-01 (d): the late-effects plan is "shown as a plan, not as a current surveillance entry, while
    # treatment is active" (fresh review round 5, D1: printed under "Surveillance" it read as current).
    result = example_result(RELAPSE)
    ped = next(e for e in result.recommendations if e.rule == "PED-01d")
    assert ped.phase == "surveillance" and ped.details["starts"] == "after completion of treatment"
    text = text_at_80(result)
    planned = text.split("Planned after treatment (not a current entry)")[1].split("Provisional:")[0]
    assert "survivorship follow-up" in planned
    assert "\nSurveillance\n" not in text.split("Provisional:")[0]
    md = markdown(result)
    assert "### Planned after treatment (not a current entry)" in md
    assert md.index("### Planned after treatment") > md.index("### Supportive care")
