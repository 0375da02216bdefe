"""The durable-rules wrapper and the rule semantics, on a small fixture knowledge base."""
from __future__ import annotations

from pathlib import Path

import pytest

from spinepath.evaluate.engine import InternalError
from spinepath.evaluate.knowledge import load_knowledge
from spinepath.evaluate.passes import evaluate_patient
from spinepath.explain.consult import consult, consult_knowledge
from spinepath.load.patient import parse_patient

FIXTURE = Path(__file__).parent / "fixtures" / "rules_min"


def run(yaml_text: str) -> tuple[dict, tuple[str, ...]]:
    """The firm consult (its JSON contract) and the rules that fired."""
    kb = load_knowledge(FIXTURE)
    patient = parse_patient(yaml_text)
    ev = evaluate_patient(patient, kb)
    return consult_knowledge(patient, kb, ev, questions=False).to_json_data(), ev.fired


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
        raise engine._core.error(f"Could not assert fact, error code: {code}")
    kb = load_knowledge(FIXTURE)
    monkeypatch.setattr(engine._core, "assert_fact", refuse)
    code = 501
    with pytest.raises(InternalError, match="the rule engine failed: .*501"):
        evaluate_patient(parse_patient(BASE.format(age=40, hist="chordoma")), kb)
    code = 303  # the stack overflows whatever the packing: split down to one rule, then said plainly
    with pytest.raises(InternalError, match="cannot match T-.*too many of its tests are true at once"):
        evaluate_patient(parse_patient(BASE.format(age=40, hist="chordoma")), load_knowledge(FIXTURE))


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
    assert len(result.trace) == 150


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


def test_the_c_core_holds_64_matching_tests_per_fact_and_not_65():
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


def _core_run(rules: dict, fact: dict) -> int | str:
    """Assert one fact into a ruleset made of `rules`: the number of actions queued, or the error code."""
    import json
    from spinepath.evaluate.engine import _core
    rules = dict(rules, __seen__={"pri": 65535, "all": [{"m": {"t": "patient"}}]})
    handle = _core.create_ruleset(f"probe{next(_PROBES)}", json.dumps(rules))
    try:
        _, state = _core.assert_fact(handle, json.dumps(dict(fact, sid="1", t="patient")))
    except _core.error as exc:
        return str(exc)[-3:]
    queued, count = _core.start_action_for_state(handle, state), 0
    message = queued[1]
    while message:
        count += 1
        message = _core.complete_and_start_action(handle, state)
    _core.delete_state(handle, "1")
    return count


_PROBES = __import__("itertools").count()


def _chain(*tests) -> dict:
    return {"all": [{"m": {"$and": [{"t": "patient"}, *tests]}}]}


def test_the_bound_is_64_matching_children_of_one_alpha_node():
    """What error 303 counts, measured on the installed core: the children of one node that match a fact.
    A shared first test with 65 distinct true second tests fails; two parents with 63 each do not; a
    false second test does not save 65 true first tests. fan_out() counts the same."""
    from spinepath.evaluate.compile import fan_out
    shared = {f"r{i}": _chain({"$gte": {"k": 0}}, {"$gte": {"age": i}}) for i in range(65)}
    assert _core_run(shared, {"age": 200, "k": 5}) == "303"
    assert fan_out([r["all"][0]["m"]["$and"][1] if False else {"$and": r["all"][0]["m"]["$and"][1:]}
                    for r in shared.values()]) == 65
    two = {f"r{j}_{i}": _chain({"$gte": {f"k{j}": 0}}, {"$gte": {"age": i}}) for j in range(2) for i in range(63)}
    assert _core_run(two, {"age": 200, "k0": 5, "k1": 5}) == 127
    assert fan_out([{"$and": r["all"][0]["m"]["$and"][1:]} for r in two.values()]) == 63
    first_true = {f"r{i}": _chain({"$gte": {"age": i}}, {"$gte": {"k": 10}}) for i in range(65)}
    assert _core_run(first_true, {"age": 200, "k": 5}) == "303"


def test_fan_out_counts_tests_that_exclude_each_other_once():
    from spinepath.evaluate.compile import fan_out, negative, positive
    from spinepath.load.rule_files import Cond
    one_of = {"$or": [{"diagnosis.histology": v} for v in ("chordoma", "chondrosarcoma", "osteosarcoma")]}
    assert fan_out([one_of]) == 1
    age = Cond("gte", (1, 1), (), "age", 18)
    assert fan_out([positive(age), negative(age)]) == 1  # a rule's two patterns: age >= 18, age < 18
    assert fan_out([{"$or": [{"a": 1}, {"$gte": {"age": 3}}]}]) == 2


def test_a_ruleset_that_still_overflows_is_split_and_gives_the_same_values(tmp_path, monkeypatch):
    """The packing bound is an economy: packed past it, the engine splits the ruleset on error 303 and
    finds the same values."""
    from spinepath.evaluate import compile as comp
    from spinepath.evaluate.knowledge import build, load_knowledge
    _true_rules_file(tmp_path / "rules", 80)
    normal = load_knowledge(tmp_path / "rules")
    monkeypatch.setattr(comp, "PATH_BUDGET", 10_000)
    packed = build(normal.ruleset, comp.compile_ruleset(normal.ruleset))
    assert sum(len(names) for names in packed.compiled.strata) == 1
    patient = parse_patient(BASE.format(age=99, hist="chordoma"))
    assert evaluate_patient(patient, packed).fired == evaluate_patient(patient, normal).fired
    assert len(packed.engine.strata[0]) == 2


@pytest.mark.parametrize("count, rulesets", [(64, 1), (65, 2)])
def test_rules_are_packed_up_to_the_bound_and_all_fire(tmp_path, count, rulesets):
    from spinepath.evaluate.compile import PATH_BUDGET
    assert PATH_BUDGET == 64
    _true_rules_file(tmp_path / "rules", count)
    kb = load_knowledge(tmp_path / "rules")
    assert sum(len(names) for names in kb.compiled.strata) == rulesets
    result = consult(parse_patient(BASE.format(age=99, hist="chordoma")), tmp_path / "rules")
    assert len(result.trace) == count


def test_avoiding_one_regimen_does_not_conflict_with_recommending_another():
    result, fired = run(BASE.format(age=40, hist="osteosarcoma"))
    assert {"T-10", "T-11"} <= set(fired)
    assert not any(a["code"] == "conflicting_recommendations" and "adjuvant_chemotherapy" in a["message"]
                   for a in result["alerts"])


GATED = """gates:
  - id: G-01
    title: Unfit for surgery holds back treatment
    holds_back: [treatment]
    when: {field: performance.fit_for_major_surgery, equals: false}
    exempt: [T-07]
    rationale: A fixture gate.
    evidence: [{ref: "24", level: "OCEBM 5"}]
facts:
  chemo_proposed: {meaning: chemotherapy is proposed (fixture), derived_by: [T-10]}
caps:
  - fact: chordoma_case
    entries_of: chemo_proposed
    at_most: consider
    reason: a fixture cap while the tumour is a chordoma
rules:
  - id: G-T1
    title: Reads nothing but age
    when: {field: age, gte: 18}
    then: [{recommend: observation, strength: consider}]
    rationale: A surveillance-only fixture rule.
    evidence: [{ref: "24", level: "OCEBM 5"}]
"""


def _gated_kb(tmp_path):
    import shutil
    root = tmp_path / "rules"
    shutil.copytree(FIXTURE, root)
    (root / "gated.rules.yaml").write_text(GATED)
    return load_knowledge(root)


def test_a_gate_holds_back_its_rule_classes_while_its_state_is_recorded_and_not_while_unknown(tmp_path):
    """PATHWAYS Global precedence 4, written once: a recorded state holds back every rule of the classes the
    gate names (here treatment), an unknown state holds back nothing, an exempt rule decides for itself,
    and a work-up or surveillance rule is not a treatment rule."""
    from spinepath.load.rule_files import rule_class
    kb = _gated_kb(tmp_path)
    assert rule_class(kb.rules["T-06"]) == "treatment" and rule_class(kb.rules["T-05"]) == "workup"
    assert rule_class(kb.rules["G-T1"]) == "surveillance"
    adult = BASE.format(age=40, hist="chordoma") + "staging: {workup_done: []}\n"
    unfit = evaluate_patient(parse_patient(adult + "performance: {fit_for_major_surgery: false}\n"), kb).fired
    unknown = evaluate_patient(parse_patient(adult), kb).fired
    assert "T-06" in unknown and "T-06" not in unfit
    assert {"T-05", "T-07", "G-T1"} <= set(unfit)  # work-up, exempt, surveillance
    gate_leaves = [leaf for leaf in kb.rules["T-06"].when.leaves() if leaf.gate == "G-01"]
    assert gate_leaves and all(leaf.field == "performance.fit_for_major_surgery" for leaf in gate_leaves)


def test_a_gate_condition_is_not_mutated_per_rule(tmp_path):
    from spinepath.kb.mutate import mutants
    kb = _gated_kb(tmp_path)
    assert not any("fit_for_major_surgery" in m.what for m in mutants(kb.rules["T-06"], kb.ruleset.fields))


def test_a_cap_holds_the_entries_of_the_rules_it_names_and_says_which_rule_holds_them(tmp_path):
    """PATHWAYS Global precedence 5, written once: while the capping fact is true, the entries of the rules
    deriving the named fact are held at `at_most`, with the rule that holds them and why."""
    kb = _gated_kb(tmp_path)
    patient = parse_patient(BASE.format(age=40, hist="osteosarcoma"))
    entry = next(e for e in consult_knowledge(patient, kb, questions=False).recommendations
                 if e.intervention == "adjuvant_chemotherapy" and e.strength != "avoid")
    assert entry.strength == "recommended" and entry.capped_by is None
    from dataclasses import replace
    from spinepath.load.rule_files import Cap
    chordoma_cap = replace(kb.ruleset.caps[0], fact="chemo_proposed")  # capped by its own proposal: always
    from spinepath.evaluate.knowledge import build
    capped_kb = build(replace(kb.ruleset, caps=(chordoma_cap,)), kb.compiled)
    entry = next(e for e in consult_knowledge(patient, capped_kb, questions=False).recommendations
                 if e.intervention == "adjuvant_chemotherapy" and e.strength != "avoid")
    assert entry.strength == "consider" and entry.capped_by == "T-10" and "fixture cap" in entry.capped_reason
    assert isinstance(chordoma_cap, Cap)
