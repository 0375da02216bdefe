"""spinepath board --follow-up (issue 23, item 3): decisions due or overdue and not yet in the history,
carried out differently, or open without a due date, with the readiness of each case now."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT, run_cli
from spinepath.board.follow_up import items
from spinepath.explain.consult import consult

DATE = "2026-12-10"
CHORDOMA = ROOT / "examples" / "histology" / "chordoma-lumbar-declines-surgery.yaml"


def patient(folder: Path, name: str, treatments: str, decisions: str) -> Path:
    text = CHORDOMA.read_text(encoding="utf-8").replace("id: chordoma-lumbar-declines-surgery", f"id: {name}")
    out = folder / f"{name}.yaml"
    out.write_text(text.replace("  treatments: []\n", treatments) + "board:\n  decisions:\n" + decisions,
                   encoding="utf-8")
    return out


def decision(date: str, code: str, due: str | None = None) -> str:
    return (f'    - date: "{date}"\n      interventions:\n        - code: {code}\n'
            + (f'      due: "{due}"\n' if due else ""))


NONE = "  treatments: []\n"


def test_follow_up_lists_what_is_overdue_due_different_or_open_and_not_what_is_done(tmp_path):
    made = [
        patient(tmp_path, "a-done", "  treatments:\n    - {kind: radiotherapy, date: 2026-11-20}\n",
                decision("2026-11-03", "definitive_radiotherapy", "2026-12-01")),
        patient(tmp_path, "b-overdue", NONE, decision("2026-11-03", "definitive_radiotherapy", "2026-12-01")),
        patient(tmp_path, "c-not-yet-due", NONE, decision("2026-11-03", "definitive_radiotherapy", "2027-01-15")),
        patient(tmp_path, "d-different", "  treatments:\n    - {kind: surgery, date: 2026-11-20, extent: intralesional}\n",
                decision("2026-11-03", "en_bloc_resection")),
        patient(tmp_path, "e-open", NONE, decision("2026-11-03", "definitive_radiotherapy")),
        patient(tmp_path, "f-untraceable", NONE, decision("2026-11-03", "staging_workup", "2026-11-10")),
        patient(tmp_path, "g-due-today", NONE, decision("2026-11-03", "definitive_radiotherapy", DATE)),
        # A later decision about something else does not hide the overdue radiotherapy; one that names it again does.
        patient(tmp_path, "h-still-overdue", NONE, decision("2026-10-01", "definitive_radiotherapy", "2026-11-01")
                + decision("2026-11-03", "surveillance_imaging")),
        patient(tmp_path, "i-replaced", NONE, decision("2026-10-01", "definitive_radiotherapy", "2026-11-01")
                + decision("2026-11-03", "definitive_radiotherapy", "2027-01-15")),
    ]
    listed = items([str(p) for p in made], consult, DATE)
    got = [(it.patient_id, it.state) for it in listed]
    assert got == [("b-overdue", "overdue"), ("h-still-overdue", "overdue"), ("g-due-today", "due"),
                   ("d-different", "different"), ("e-open", "open")]
    assert all(it.readiness is not None and it.readiness.missing for it in listed)  # the agenda's readiness


def test_follow_up_as_markdown_and_json_with_an_unreadable_file(tmp_path, write):
    patient(tmp_path, "b-overdue", NONE, decision("2026-11-03", "definitive_radiotherapy", "2026-12-01"))
    (tmp_path / "broken.yaml").write_text("id: x\nage: fifty\nlesion: {levels: [L2]}\ndiagnosis: {histology: chordoma}\n")
    r = run_cli("board", str(tmp_path), "--follow-up", "--date", DATE)
    assert r.returncode == 3
    assert "| 1 | **overdue** | **72 y male · chordoma L3**" in r.stdout and "| 2 | **could not be read** |" in r.stdout
    assert "decided 2026-11-03 (due 2026-12-01): definitive radiotherapy: not in the history" in r.stdout
    data = json.loads(run_cli("board", str(tmp_path), "--follow-up", "--date", DATE, "--format", "json").stdout)
    assert data["format"] == "spinepath.follow-up/1"
    first, bad = data["follow_up"]
    assert (first["patient_id"], first["state"], first["intervention"], first["due"]) == (
        "b-overdue", "overdue", "definitive_radiotherapy", "2026-12-01")
    assert first["ready"] is False and first["missing"][0]["field"] == "course.status"
    assert bad["state"] == "error" and "expected an integer" in bad["errors"][0]
