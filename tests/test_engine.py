"""The durable-rules wrapper and the rule semantics, on a small fixture knowledge base."""
from __future__ import annotations

from pathlib import Path

import pytest

from spinepath.explain.consult import consult, evaluate_patient, explain, load_knowledge
from spinepath.evaluate.engine import InternalError
from spinepath.load.patient import parse_patient

FIXTURE = Path(__file__).parent / "fixtures" / "rules_min"


def run(yaml_text: str) -> tuple[dict, list[str]]:
    kb = load_knowledge(FIXTURE)
    ev = evaluate_patient(parse_patient(yaml_text), kb)
    return explain(ev), ev.fired


BASE = "id: x\nage: {age}\nlesion: {{levels: [L2], wbb: {{zones: [5, 6, 7], layers: [B, C]}}, pedicles_involved: none}}\n" \
       "diagnosis: {{histology: {hist}}}\n"


def test_forward_chaining_true_false_unknown():
    result, fired = run(BASE.format(age=40, hist="chordoma"))
    assert "T-01" in fired and "T-02" in fired and "T-03" not in fired
    en_bloc = next(r for r in result["recommendations"] if r["intervention"] == "en_bloc_resection")
    assert en_bloc["details"] == {"technique": "vertebrectomy", "setting": "primary"}
    assert result["derived"]["chordoma_case"] is True
    step = next(t for t in result["trace"] if t["rule"] == "T-01")
    assert step["asserted"] == ["derived.chordoma_case"]
    result, fired = run(BASE.format(age=40, hist="osteosarcoma"))
    assert "T-03" in fired and "T-02" not in fired
    assert result["derived"]["chordoma_case"] is False


def test_unknown_is_not_no_under_negation():
    result, fired = run(BASE.format(age=40, hist="chordoma"))
    assert "T-04" not in fired  # fitness is not known: `not fit` must not fire
    missing = {m["field"]: m for m in result["missing"]}
    assert missing["performance.fit_for_major_surgery"]["rules"] == ["T-04"]
    _, fired = run(BASE.format(age=40, hist="chordoma") + "performance: {fit_for_major_surgery: false}\n")
    assert "T-04" in fired


@pytest.mark.parametrize("workup, fires", [(None, False), ("[]", True), ("[ct_local]", True), ("[ct_chest]", False)])
def test_not_contains_with_empty_and_missing_lists(workup, fires):
    text = BASE.format(age=40, hist="chordoma") + (f"staging: {{workup_done: {workup}}}\n" if workup else "")
    assert ("T-05" in run(text)[1]) is fires


def test_no_resection_while_histology_unknown():
    result, fired = run(BASE.format(age=40, hist="unknown"))
    assert "T-06" in fired
    rec = next(r for r in result["recommendations"] if r["intervention"] == "intralesional_curettage")
    assert rec["strength"] == "avoid" and "histology unknown" in rec["blocked"]
    alert = next(a for a in result["alerts"] if a["code"] == "resection_before_histology_blocked")
    assert alert["severity"] == "critical" and alert["rule"] == "T-06"


def test_conflict_shows_both_sides_with_an_alert():
    result, _ = run(BASE.format(age=40, hist="chordoma"))
    strengths = sorted(r["strength"] for r in result["recommendations"] if r["intervention"] == "intralesional_curettage")
    assert strengths == ["avoid", "recommended"]
    conflict = next(a for a in result["alerts"] if a["code"] == "conflicting_recommendations")
    assert "T-06" in conflict["message"] and "T-07" in conflict["message"]


def test_supersession_is_traced():
    result, fired = run(BASE.format(age=12, hist="osteosarcoma"))
    assert "T-09" in fired and "T-08" in fired
    assert not any(r["rule"] == "T-09" for r in result["recommendations"])
    step = next(t for t in result["trace"] if t["rule"] == "T-09")
    assert step["superseded_by"] == "T-08"


def test_action_errors_inside_the_engine_surface(monkeypatch):
    kb = load_knowledge(FIXTURE)

    class Exploding(dict):
        def setdefault(self, *a):
            raise RuntimeError("boom")
    monkeypatch.setattr(kb.engine.host, "_fired", Exploding())
    with pytest.raises(InternalError, match="boom"):
        evaluate_patient(parse_patient(BASE.format(age=40, hist="chordoma")), kb)


def test_sessions_are_cleaned_up_beyond_the_engine_limit():
    kb = load_knowledge(FIXTURE)
    patient = parse_patient(BASE.format(age=40, hist="chordoma"))
    for _ in range(1100):  # the engine holds at most 1024 live sessions per ruleset
        evaluate_patient(patient, kb)


def test_many_simultaneously_true_rules_do_not_hit_the_engine_stack(tmp_path):
    """The C core fails with error 303 past 64 true paths per fact; the compiler splits rulesets."""
    root = tmp_path / "rules"
    root.mkdir()
    (root / "ruleset.yaml").write_text((FIXTURE / "ruleset.yaml").read_text())
    (root / "references.yaml").write_text((FIXTURE / "references.yaml").read_text())
    rules = ["rules:"]
    for i in range(150):
        rules.append(f"""  - id: M-{i:03d}
    title: Always true {i}
    when: {{all: [{{field: age, gte: 1}}, {{field: diagnosis.histology, in: [chordoma, unknown]}}]}}
    then: [{{alert: a{i}, severity: info, message: m}}]
    rationale: Fixture rule that is true for every adult patient.
    evidence: [{{ref: "24", level: "OCEBM 5"}}]""")
    (root / "many.rules.yaml").write_text("\n".join(rules) + "\n")
    result = consult(parse_patient(BASE.format(age=40, hist="chordoma")), root)
    assert len(result["trace"]) == 150


def test_avoiding_one_regimen_does_not_conflict_with_recommending_another():
    result, fired = run(BASE.format(age=40, hist="osteosarcoma"))
    assert {"T-10", "T-11"} <= set(fired)
    assert not any(a["code"] == "conflicting_recommendations" and "adjuvant_chemotherapy" in a["message"]
                   for a in result["alerts"])
