"""Readiness on the board's agenda (issue 23, item 1): ready or not and what to chase, standard pathway,
disciplines, the chair's order, and the agenda as JSON."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES, ROOT, example_result, run_cli
from spinepath.board import pack
from spinepath.board.brief import build
from spinepath.board.readiness import GROUPS, assess, discipline_table
from spinepath.explain.consult import consult
from spinepath.load.interventions import CONTRACT
from spinepath.load.patient import load_patient

DATE = "2026-12-10"
HISTOLOGY = ROOT / "examples" / "histology"
SEEDS = ROOT / "examples" / "seeds"
COMPLETE = {"course": {"status": "untreated"},
            "staging": {"workup_done": ["mri_whole_spine", "ct_local", "ct_chest", "pet_ct"], "metastases": "none"}}


def variant(tmp_path: Path, example: Path, name: str, patch: dict) -> Path:
    """An example with some keys added (the examples predate course.status, which the consult asks)."""
    data = yaml.safe_load(example.read_text(encoding="utf-8"))
    for key, value in patch.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) and isinstance(data.get(key), dict) else value
    out = tmp_path / f"{name}.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return out


@pytest.fixture
def standard(tmp_path):
    """A chordoma whose informed patient declines surgery: definitive particle RT, nothing else to decide."""
    return variant(tmp_path, HISTOLOGY / "chordoma-lumbar-declines-surgery.yaml", "standard",
                   {"course": {"status": "untreated"}})


@pytest.fixture
def full_discussion(tmp_path):
    """An osteoid osteoma with the data complete: ablation, curettage or an NSAID trial to weigh."""
    return variant(tmp_path, HISTOLOGY / "osteoid_osteoma-thoracic-near-cord.yaml", "discussion", COMPLETE)


def readiness(path: Path):
    # An example is consulted once a session (conftest.example_result); a variant written here is not.
    result = example_result(path) if path in EXAMPLES else consult(load_patient(path))
    return build(result, DATE).readiness


def test_a_case_with_pending_histology_is_not_ready_and_says_what_to_chase():
    r = readiness(SEEDS / "thoracic-leiomyosarcoma-after-inconclusive-biopsy.yaml")
    assert not r.ready and not r.standard_pathway and r.group == "not ready"
    pathology = [c for c in r.missing if c.kind == "pathology"]
    assert [c.label for c in pathology] == ["histology (biopsy report awaited)"]
    # The emergency to exclude comes first, as the consult ranks it.
    assert r.missing[0].kind == "emergency" and r.missing[0].field == "presentation.neurology.progression"
    before_biopsy = readiness(SEEDS / "thoracic-leiomyosarcoma-first-presentation.yaml")
    assert "histology (no tissue diagnosis yet)" in [c.label for c in before_biopsy.missing]


def test_a_standard_case_is_marked_standard(standard):
    r = readiness(standard)
    assert r.ready and r.standard_pathway and r.group == "standard pathway" and not r.missing
    assert r.question == "Confirm: definitive radiotherapy (recommended)"
    assert [d.label for d in r.disciplines] == ["radiation oncology"]


def test_a_ready_case_with_options_to_weigh_is_a_full_discussion_not_standard(full_discussion):
    r = readiness(full_discussion)
    assert r.ready and not r.standard_pathway and r.group == "full discussion"
    assert r.order_reason.startswith("full discussion: options to weigh (")
    assert "radiofrequency ablation" in r.order_reason


def test_the_missing_come_from_the_consult_not_from_the_renderer(standard):
    """A treatment-changing question the consult asks makes a case not ready; remove the answer and the
    same question is the item to chase."""
    result = example_result(HISTOLOGY / "chordoma-lumbar-declines-surgery.yaml")
    r = assess(result)
    asked = [q.field for q in result.questions if q.changes_treatment]
    assert asked == ["course.status"] and [c.field for c in r.missing] == asked and not r.ready


def test_staging_is_chased_only_when_the_consult_recommends_the_work_up(tmp_path):
    oo = variant(tmp_path, HISTOLOGY / "osteoid_osteoma-thoracic-near-cord.yaml", "oo", {"course": {"status": "untreated"}})
    assert [c.label for c in readiness(oo).missing if c.kind == "staging"] == [
        "staging: whole-spine MRI, chest CT, whole-body staging"]
    abc = variant(tmp_path, HISTOLOGY / "aneurysmal_bone_cyst-lumbar-paediatric.yaml", "abc", {"course": {"status": "untreated"}})
    assert not [c for c in readiness(abc).missing if c.kind == "staging"]  # the consult avoids the work-up there


def test_emergencies_lead_whether_ready_or_not():
    r = readiness(HISTOLOGY / "hemangioma-thoracic-aggressive-compression.yaml")
    assert r.emergency and r.group == "emergency" and not r.ready
    assert r.order_reason == "emergency: urgent treatment recommended (corticosteroids, urgent decompression)"


@pytest.mark.parametrize("name, wanted, not_wanted", [
    ("lymphoma-thoracic-dlbcl-compression", {"haemato-oncology", "radiation oncology"}, {"medical oncology"}),
    ("osteosarcoma-thoracic-paediatric-localised", {"paediatric oncology", "spine surgery"}, {"medical oncology"}),
    ("undifferentiated_pleomorphic_sarcoma-lumbar-bilateral-pedicles", {"medical oncology", "radiation oncology"},
     {"paediatric oncology"}),
])
def test_disciplines_follow_the_codes_in_play_and_who_gives_systemic_treatment(name, wanted, not_wanted):
    labels = {d.label for d in readiness(HISTOLOGY / f"{name}.yaml").disciplines}
    assert wanted <= labels and not labels & not_wanted, labels


def test_the_discipline_table_covers_every_intervention_code():
    from spinepath.evaluate.knowledge import load_knowledge
    table = discipline_table()
    codes = set(load_knowledge().ruleset.interventions) | set(CONTRACT)
    assert codes <= set(table["codes"]), sorted(codes - set(table["codes"]))
    known = set(table["disciplines"]) | {"systemic_oncology"}
    for code, row in table["codes"].items():
        assert set(row["disciplines"]) <= known, code
        assert row["why"], code
        for values in (row.get("by_details") or {}).values():
            assert all(set(v) <= known for v in values.values()), code
    assert set(table["core"]) <= set(table["disciplines"])
    assert all(d["source"] for d in table["disciplines"].values())


def test_the_agenda_runs_emergencies_full_discussions_standard_then_not_ready(write, standard, full_discussion):
    bad = write("broken.yaml", "id: x\nage: fifty\nlesion: {levels: [L2]}\ndiagnosis: {histology: chordoma}\n")
    not_ready = SEEDS / "osteosarcoma-after-histology.yaml"
    emergency = HISTOLOGY / "hemangioma-thoracic-aggressive-compression.yaml"
    given = [str(p) for p in (bad, not_ready, standard, emergency, full_discussion)]
    agenda = pack.rows(given, consult, DATE)
    assert [r.group for r in agenda] == ["emergency", "full discussion", "standard pathway", "not ready", "not ready"]
    assert agenda[-1].errors and agenda[3].patient_id == "osteosarcoma-after-histology"
    assert [GROUPS.index(r.group) for r in agenda] == sorted(GROUPS.index(r.group) for r in agenda)


def test_board_json_holds_the_agenda_as_data(write, standard):
    bad = write("broken.yaml", "id: x\nage: fifty\nlesion: {levels: [L2]}\ndiagnosis: {histology: chordoma}\n")
    seed = SEEDS / "thoracic-leiomyosarcoma-after-inconclusive-biopsy.yaml"
    r = run_cli("board", str(seed), str(bad), str(standard), "--date", DATE, "--format", "json")
    assert r.returncode == 3, r.stderr
    data = json.loads(r.stdout)
    assert data["format"] == "spinepath.board/1" and data["date"] == DATE
    keys = {"file", "patient_id", "ready", "missing", "standard_pathway", "disciplines", "question",
            "critical_alerts", "order_reason"}
    rows = data["agenda"]
    assert all(keys <= set(row) for row in rows)
    assert [row["position"] for row in rows] == [1, 2, 3]
    first, pending, unreadable = rows
    assert first["patient_id"] == "chordoma-lumbar-declines-surgery" and first["ready"] and first["standard_pathway"]
    assert first["disciplines"] == [{"discipline": "radiation_oncology", "label": "radiation oncology",
                                     "for": ["definitive_radiotherapy"]}]
    assert not pending["ready"] and any(m["kind"] == "pathology" and m["label"] == "histology (biopsy report awaited)"
                                        for m in pending["missing"])
    assert pending["order_reason"].startswith("not ready: ")
    assert unreadable["patient_id"] is None and not unreadable["ready"] and "expected an integer" in unreadable["missing"][0]["text"]
    out = Path(str(bad)).with_name("agenda.json")
    again = run_cli("board", str(seed), str(bad), str(standard), "--date", DATE, "-o", str(out))
    assert again.returncode == 3 and out.read_text(encoding="utf-8") == r.stdout


def test_the_brief_says_readiness_first(standard):
    r = run_cli("brief", str(standard), "--date", DATE)
    assert r.returncode == 0, r.stderr
    head = r.stdout.split("## Options")[0]
    assert ("- **Readiness:** Ready; standard pathway, a short confirmation (the firm plan decides every treatment "
            "phase)\n") in head
    assert "- **Disciplines:** radiation oncology\n" in head
    assert "- **Question for the board:** Confirm: definitive radiotherapy (recommended)" in head
