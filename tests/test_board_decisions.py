"""Board decisions in the patient file (issue 23, item 2): board.decisions, `spinepath decide`, validation with
positions, the JSON Schema, and the brief showing the last decision and whether it was carried out."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import ROOT, run_cli
from spinepath.board.decisions import last
from spinepath.board.readiness import discipline_table
from spinepath.load.non_adherence import CATEGORIES, CODES
from spinepath.load.patient import DISCIPLINES, load_patient

DATE = "2026-12-10"
CHORDOMA = ROOT / "examples" / "histology" / "chordoma-lumbar-declines-surgery.yaml"
DECISION = """board:
  decisions:
    - date: "2026-11-03"
      interventions:
        - code: definitive_radiotherapy
          details: {modality: proton, min_dose_gy: 74}
      not_followed:
        - {intervention: en_bloc_resection, reason: patient-refuses, text: declines any open surgery}
      responsible: radiation_oncology
      due: "2026-12-01"
"""


@pytest.fixture
def chordoma(tmp_path) -> Path:
    out = tmp_path / "chordoma.yaml"
    out.write_text(CHORDOMA.read_text(encoding="utf-8"), encoding="utf-8")
    return out


def test_decide_appends_the_decision_and_keeps_every_line_and_comment(chordoma):
    before = chordoma.read_text(encoding="utf-8")
    r = run_cli("decide", str(chordoma), "--date", "2026-11-03", "--accept",
                "definitive_radiotherapy:modality=proton,min_dose_gy=74", "--decline",
                "en_bloc_resection:patient-refuses:declines any open surgery", "--responsible", "radiation_oncology",
                "--due", "2026-12-01")
    assert r.returncode == 0, r.stderr
    assert "appended at the end of the file" in r.stderr and "comments not kept" not in r.stderr
    after = chordoma.read_text(encoding="utf-8")
    assert after.startswith(before) and "# Teaching point" in after
    again = run_cli("decide", str(chordoma), "--date", "2026-12-10", "--accept", "surveillance_imaging")
    assert again.returncode == 0, again.stderr
    final = chordoma.read_text(encoding="utf-8")
    assert final.startswith(after)
    patient = load_patient(chordoma)
    decisions = patient.board.decisions
    assert [d.date for d in decisions] == ["2026-11-03", "2026-12-10"]
    first = decisions[0]
    assert first.interventions[0].code == "definitive_radiotherapy"
    assert first.interventions[0].details == {"modality": "proton", "min_dose_gy": 74}
    assert (first.not_followed[0].intervention, first.not_followed[0].reason, first.not_followed[0].text) == (
        "en_bloc_resection", "patient-refuses", "declines any open surgery")
    assert first.responsible == "radiation_oncology" and first.due == "2026-12-01"
    # Round trip: the patient is the old one plus the decisions, nothing lost.
    old = load_patient(CHORDOMA).model_dump(mode="json", exclude={"board"})
    assert patient.model_dump(mode="json", exclude={"board"}) == old


def test_decide_rewrites_through_the_yaml_writer_and_says_the_comments_were_not_kept(chordoma):
    text = chordoma.read_text(encoding="utf-8")
    notes = text.index("notes:")
    chordoma.write_text(text[:notes] + DECISION + text[notes:], encoding="utf-8")  # board is not the last key
    r = run_cli("decide", str(chordoma), "--date", DATE, "--accept", "surveillance_imaging")
    assert r.returncode == 0, r.stderr
    assert "written again by the YAML writer" in r.stderr and "comments not kept" in r.stderr
    patient = load_patient(chordoma)
    assert [d.date for d in patient.board.decisions] == ["2026-11-03", DATE]
    assert patient.model_dump(mode="json", exclude={"board"}) == load_patient(CHORDOMA).model_dump(
        mode="json", exclude={"board"})


@pytest.mark.parametrize("args, message", [
    (["--accept", "definitiv_radiotherapy"], "unknown intervention code 'definitiv_radiotherapy' (did you mean "
                                             "'definitive_radiotherapy'?)"),
    (["--decline", "en_bloc_resection:patient-declines"], "is not a CDS Hooks non-adherence reason code"),
    (["--decline", "en_bloc_resection"], "expected CODE:REASON[:TEXT]"),
    (["--accept", "observation", "--responsible", "radiotherapy"], "--responsible: expected one of"),
    ([], "expected at least one --accept or --decline"),
])
def test_decide_refuses_a_bad_command_line_and_leaves_the_file(chordoma, args, message):
    before = chordoma.read_bytes()
    r = run_cli("decide", str(chordoma), "--date", DATE, *args)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert chordoma.read_bytes() == before


def test_validate_checks_board_decisions_with_positions(chordoma):
    chordoma.write_text(chordoma.read_text(encoding="utf-8") + """board:
  decisions:
    - date: 2026-11-3
      interventions:
        - code: definitiv_radiotherapy
      not_followed:
        - {intervention: en_bloc_resection, reason: patient-declines}
      responsible: radiotherapy
""", encoding="utf-8")
    r = run_cli("validate", str(chordoma))
    assert r.returncode == 3
    errors = r.stderr.splitlines()
    n = len(CHORDOMA.read_text(encoding="utf-8").splitlines())
    assert errors[0].startswith(f"{chordoma}:{n + 3}:13: board.decisions[0].date: expected a day as YYYY-MM-DD")
    assert errors[1].startswith(f"{chordoma}:{n + 5}:17: board.decisions[0].interventions[0].code: unknown "
                                "intervention code 'definitiv_radiotherapy'")
    assert errors[2].startswith(f"{chordoma}:{n + 7}:53: board.decisions[0].not_followed[0].reason: expected one of")
    assert errors[3].startswith(f"{chordoma}:{n + 8}:20: board.decisions[0].responsible: expected one of")


def test_the_json_schema_describes_board_decisions():
    r = run_cli("schema", "patient")
    schema = json.loads(r.stdout)
    data = yaml.safe_load(CHORDOMA.read_text(encoding="utf-8") + DECISION)
    jsonschema.validate(data, schema)
    data["board"]["decisions"][0]["not_followed"][0]["reason"] = "patient-declines"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_the_reason_codes_are_the_cds_hooks_list_and_the_disciplines_the_boards():
    assert len(CODES) == 35 and len(CATEGORIES) == 6 and "patient-refuses" in CODES and "need-more-info" in CODES
    assert set(DISCIPLINES) == set(discipline_table()["disciplines"])


def _with_history(tmp_path, treatments: str, decision: str = DECISION) -> Path:
    text = CHORDOMA.read_text(encoding="utf-8").replace("  treatments: []\n", treatments)
    out = tmp_path / "p.yaml"
    out.write_text(text + decision, encoding="utf-8")
    return out


def test_the_history_shows_whether_the_decision_was_carried_out(tmp_path):
    done = _with_history(tmp_path, "  treatments:\n    - {kind: radiotherapy, date: 2026-11-20, modality: proton}\n")
    ft = last(load_patient(done), DATE)
    assert [t.state for t in ft.traces] == ["done"]
    assert ft.carried_out == "done: definitive radiotherapy (radiotherapy of 2026-11-20)."
    before = _with_history(tmp_path, "  treatments:\n    - {kind: radiotherapy, date: 2026-10-01}\n")
    assert [t.state for t in last(load_patient(before), DATE).traces] == ["overdue"]  # due 2026-12-01
    assert [t.state for t in last(load_patient(before), "2026-11-15").traces] == ["pending"]
    en_bloc = DECISION.replace("definitive_radiotherapy", "en_bloc_resection").replace(
        "details: {modality: proton, min_dose_gy: 74}", "details: {technique: vertebrectomy}")
    other = _with_history(tmp_path, "  treatments:\n    - {kind: surgery, date: 2026-11-20, extent: intralesional}\n",
                          en_bloc)
    assert [t.state for t in last(load_patient(other), DATE).traces] == ["different"]


def test_the_brief_and_the_pack_show_the_last_decision(tmp_path):
    p = _with_history(tmp_path, "  treatments:\n    - {kind: radiotherapy, date: 2026-11-20, modality: proton}\n")
    r = run_cli("brief", str(p), "--date", DATE)
    assert r.returncode == 0, r.stderr
    assert ("- **Last decision:** 2026-11-03: definitive radiotherapy; advice not "
            "followed: en bloc resection (patient declines (no reason given): declines any open surgery); by radiation "
            "oncology due 2026-12-01.") in r.stdout
    assert "- **In the history:** done: definitive radiotherapy (radiotherapy of 2026-11-20)." in r.stdout
    j = json.loads(run_cli("board", str(p), "--date", DATE, "--format", "json").stdout)
    last_ = j["agenda"][0]["last_decision"]
    assert last_["date"] == "2026-11-03" and last_["history"][0]["state"] == "done"
    assert "Last board decision 2026-11-03" in run_cli("board", str(p), "--date", DATE).stdout


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="chromium is not installed")
def test_in_chromium_a_long_brief_with_a_decision_still_prints_on_two_a4_pages(tmp_path):
    from test_board import _pdf_pages
    longest = ROOT / "examples" / "histology" / "undifferentiated_pleomorphic_sarcoma-lumbar-bilateral-pedicles.yaml"
    p = tmp_path / "ups.yaml"
    p.write_text(longest.read_text(encoding="utf-8"), encoding="utf-8")
    r = run_cli("decide", str(p), "--date", "2026-11-03", "--accept", "neoadjuvant_radiotherapy:dose_gy=50",
                "--accept", "en_bloc_resection:technique=vertebrectomy", "--decline",
                "adjuvant_chemotherapy:risk-benefit-ratio:age and comorbidity", "--responsible", "spine_surgery",
                "--due", "2026-12-01")
    assert r.returncode == 0, r.stderr
    html = tmp_path / "ups.html"
    assert run_cli("brief", str(p), "--date", DATE, "-o", str(html)).returncode == 0
    assert "Last decision:</b> 2026-11-03" in html.read_text(encoding="utf-8")
    assert _pdf_pages(tmp_path, html.read_text(encoding="utf-8"), "ups") == 2


def test_decide_never_writes_into_a_bundled_case_and_refuses_an_invalid_file(tmp_path):
    r = run_cli("decide", "chordoma-lumbar-declines-surgery", "--date", DATE, "--accept", "observation")
    assert r.returncode == 2 and "no such file" in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nage: fifty\nlesion: {levels: [L2]}\ndiagnosis: {histology: chordoma}\n", encoding="utf-8")
    r = run_cli("decide", str(bad), "--date", DATE, "--accept", "observation")
    assert r.returncode == 2 and f"{bad}:2:6: age: expected an integer" in r.stderr
    assert "board" not in bad.read_text(encoding="utf-8")
