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


def test_a_firing_the_wrapper_cannot_name_surfaces(monkeypatch):
    """The firings are read from the C core: one that maps to no compiled action is an internal error."""
    kb = load_knowledge(FIXTURE)
    name = next(iter(kb.engine.actions))
    monkeypatch.setitem(kb.engine.actions, name, {})
    with pytest.raises(InternalError, match="unknown firing"):
        evaluate_patient(parse_patient(BASE.format(age=40, hist="chordoma")), kb)


def test_an_engine_error_surfaces_as_an_internal_error(monkeypatch):
    from spinepath.evaluate import engine

    def refuse(handle, text):
        raise engine._core.error("Could not assert fact, error code: 303")
    kb = load_knowledge(FIXTURE)
    monkeypatch.setattr(engine._core, "assert_fact", refuse)
    with pytest.raises(InternalError, match="the rule engine failed: .*303"):
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


def _true_rules_file(root: Path, count: int) -> None:
    """`count` rules with distinct tests (distinct alpha paths), all true for a 40-year-old."""
    root.mkdir()
    (root / "ruleset.yaml").write_text((FIXTURE / "ruleset.yaml").read_text())
    (root / "references.yaml").write_text((FIXTURE / "references.yaml").read_text())
    rules = ["rules:"] + [f"""  - id: B-{i:03d}
    title: True at age {i} or more
    when: {{field: age, gte: {i}}}
    then: [{{alert: b{i}, severity: info, message: m}}]
    rationale: Fixture rule with a test of its own.
    evidence: [{{ref: "24", level: "OCEBM 5"}}]""" for i in range(count)]
    (root / "bound.rules.yaml").write_text("\n".join(rules) + "\n")


def test_the_c_core_holds_64_true_paths_per_fact_and_not_65():
    """../shared/notes/durable-rules.md §5.2, measured again on the installed core: the packing bound."""
    import json
    from spinepath.evaluate.engine import _core
    for n, ok in ((64, True), (65, False)):
        rules = {f"r{i}": {"all": [{"m": {"$and": [{"t": "patient"}, {"$gte": {"age": i}}]}}]} for i in range(n)}
        rules["__seen__"] = {"pri": 65535, "all": [{"m": {"t": "patient"}}]}
        handle = _core.create_ruleset(f"bound{n}", json.dumps(rules))
        fact = json.dumps({"sid": "1", "t": "patient", "age": 100})
        if ok:
            _, state = _core.assert_fact(handle, fact)
            queued, count = _core.start_action_for_state(handle, state), 0
            message = queued[1]
            while message:
                count += 1
                message = _core.complete_and_start_action(handle, state)
            assert count == n + 1  # every rule and the catch-all
            _core.delete_state(handle, "1")
        else:
            with pytest.raises(_core.error, match="303"):
                _core.assert_fact(handle, fact)


def test_an_in_makes_one_path_true_not_one_per_value():
    """The packing counts an `in` (an $or of equalities on one field) as one true path: 64 such rules,
    each also with a test of its own, all true at once, stay within the core's bound."""
    import json
    from spinepath.evaluate.compile import true_paths
    from spinepath.evaluate.engine import _core
    one_of = {"$or": [{"diagnosis.histology": v} for v in ("chordoma", "chondrosarcoma", "osteosarcoma")]}
    assert true_paths(one_of) == 1
    assert true_paths({"$or": [{"a": 1}, {"$gte": {"age": 3}}]}) == 2
    assert true_paths({"$and": [{"$or": [{"a": 1}, {"b": 1}]}, {"$or": [{"c": 1}, {"d": 1}]}]}) == 4
    rules = {f"r{i}": {"all": [{"m": {"$and": [{"t": "patient"}, {"$gte": {"age": i}}, one_of]}}]} for i in range(64)}
    rules["__seen__"] = {"pri": 65535, "all": [{"m": {"t": "patient"}}]}
    handle = _core.create_ruleset("bound-in", json.dumps(rules))
    _, state = _core.assert_fact(handle, json.dumps({"sid": "1", "t": "patient", "age": 100,
                                                     "diagnosis": {"histology": "chordoma"}}))
    queued, count = _core.start_action_for_state(handle, state), 0
    message = queued[1]
    while message:
        count += 1
        message = _core.complete_and_start_action(handle, state)
    assert count == 65
    _core.delete_state(handle, "1")


@pytest.mark.parametrize("count, rulesets", [(64, 1), (65, 2)])
def test_rules_are_packed_up_to_the_bound_and_all_fire(tmp_path, count, rulesets):
    from spinepath.evaluate.compile import PATH_BUDGET
    assert PATH_BUDGET == 64
    _true_rules_file(tmp_path / "rules", count)
    kb = load_knowledge(tmp_path / "rules")
    assert sum(len(names) for names in kb.compiled.strata) == rulesets
    result = consult(parse_patient(BASE.format(age=99, hist="chordoma")), tmp_path / "rules")
    assert len(result["trace"]) == count


def test_avoiding_one_regimen_does_not_conflict_with_recommending_another():
    result, fired = run(BASE.format(age=40, hist="osteosarcoma"))
    assert {"T-10", "T-11"} <= set(fired)
    assert not any(a["code"] == "conflicting_recommendations" and "adjuvant_chemotherapy" in a["message"]
                   for a in result["alerts"])
