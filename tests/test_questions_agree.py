"""The questions agree with a re-consult: for every question and every answer, the changes a question
shows are the diff of a full consult with that answer, the engine deciding every rule of it.

The questions re-evaluate only what an answer reaches (evaluate/incremental.py, through the one
dependency graph) in Python; the re-consult here shares none of that: every pass is decided by
durable-rules alone (`engine_values`) and the plan is compared by the same `diff()` a user sees in
what-if. 0 disagreements, details included.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import EXAMPLES, run_cli
from spinepath.evaluate.facts import prepare
from spinepath.evaluate.knowledge import load_knowledge
from spinepath.evaluate.passes import engine_values, full_pass
from spinepath.explain.pathway import Plan, diff
from spinepath.explain.plan import consultation, plan_of
from spinepath.explain.provisional import uncapped_facts
from spinepath.explain.questions import rank_questions
from spinepath.load.patient import Patient, load_patient, parse_patient

# The property is 300 synthetic patients (0 disagreements when last run in full); the suite's
# two-minute budget on 2 cores takes 6 of them (every 50th of the 300). The whole property:
#   SPINEPATH_SYNTHETIC=300 python -m pytest tests/test_questions_agree.py
SYNTHETIC = 300
STEP = 300 // int(os.environ.get("SPINEPATH_SYNTHETIC", "6") or 300)
CHUNKS = 6  # so that workers share the synthetic patients


def _engine_plan(patient: Patient, answer: dict) -> Plan:
    """The plan of a consult of `patient` with `answer` given, every pass decided by the engine alone."""
    kb = load_knowledge()
    firm = engine_values(kb, prepare(patient, **answer))
    prov_facts = prepare(patient, kb.presumptions, base=firm.facts, **answer)
    provisional = engine_values(kb, prov_facts) if prov_facts.applied else firm
    un_facts = uncapped_facts(patient, kb.presumptions, prov_facts, **answer) if prov_facts.applied else None
    uncapped = engine_values(kb, un_facts) if un_facts is not None else None
    return plan_of(kb, firm, provisional, uncapped)[2]


def disagreements(patient: Patient) -> tuple[int, list[str]]:
    """(pairs tried, the (question, answer) pairs whose changes differ from the re-consult)."""
    kb = load_knowledge()
    c = consultation(kb, patient, full_pass(kb, prepare(patient)).values())
    before = _engine_plan(patient, {})
    assert before == c.plan  # the consult's own plan, decided by the engine alone
    pairs, wrong = 0, []
    for q in rank_questions(kb, patient, c):
        for a in q.answers:
            key = "derived_answers" if q.field.startswith("derived.") else "answers"
            pairs += 1
            if diff(before, _engine_plan(patient, {key: {q.field: a.answer}})).changes != a.changes:
                wrong.append(f"{patient.id}: {q.field} = {a.answer!r}")
    return pairs, wrong


def _not_a_copy(paths):
    """The examples less the teaching files that repeat a seed's data (same facts, another id): the same
    questions and answers, asked twice."""
    def facts(p):
        data = load_patient(p).model_dump(mode="json", exclude_none=True)
        return {k: v for k, v in data.items() if k not in ("id", "notes")}
    seeds = [facts(p) for p in paths if p.parent.name != "teaching"]
    return [p for p in paths if p.parent.name != "teaching" or facts(p) not in seeds]


# Every third example in the suite (its two-minute budget), all of them with SPINEPATH_SYNTHETIC=300.
_EXAMPLES = _not_a_copy(EXAMPLES)
_EXAMPLES = _EXAMPLES if os.environ.get("SPINEPATH_SYNTHETIC") == "300" else _EXAMPLES[::3]


@pytest.mark.parametrize("path", _EXAMPLES, ids=lambda p: p.stem)
def test_every_answer_of_every_example_agrees_with_a_reconsult(path):
    pairs, wrong = disagreements(load_patient(path))
    assert not wrong, wrong


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_every_answer_of_synthetic_patients_agrees_with_a_reconsult(chunk):
    from spinepath.cohort import synth
    wrong: list[str] = []
    for i in range(chunk * STEP, SYNTHETIC, CHUNKS * STEP):
        wrong += disagreements(parse_patient(synth.patient_text(7, i), f"synth-{i}.yaml"))[1]
    assert not wrong, wrong[:10]


def test_spinepath_verify_rechecks_every_answer_through_the_engine():
    """SPINEPATH_VERIFY=1: every incremental evaluation of the questions is checked by the engine at run
    time; the consult is the same."""
    path = EXAMPLES[0]
    env = dict(os.environ, SPINEPATH_VERIFY="1")
    verified = subprocess.run([sys.executable, "-m", "spinepath", "consult", str(path), "--format", "json"],
                              capture_output=True, text=True, env=env, timeout=300)
    # The plain consult in this process: only the verified one needs SPINEPATH_VERIFY set at its start.
    plain = run_cli("consult", str(path), "--format", "json")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout == plain.stdout


def test_a_verified_answer_that_the_engine_contradicts_stops_the_consult(monkeypatch):
    from spinepath.evaluate import incremental
    from spinepath.evaluate.engine import InternalError
    from spinepath.evaluate.facts import Values
    kb = load_knowledge()
    patient = load_patient(EXAMPLES[0])
    firm = full_pass(kb, prepare(patient)).values()
    field = next(f for f in kb.graph.reach if kb.graph.reach[f])
    real = incremental.engine_values

    def contradicting(kb, facts):
        v = real(kb, facts)
        rid = next(iter(v.values))
        return Values(facts, {**v.values, rid: not v.values[rid]}, v.rule_facts)
    monkeypatch.setattr(incremental, "VERIFY", True)
    monkeypatch.setattr(incremental, "engine_values", contradicting)
    with pytest.raises(InternalError, match="incremental re-evaluation disagrees with the rule engine"):
        incremental.reevaluate(kb, firm, firm.facts, kb.graph.reach[field])


def test_a_pass_wrongly_taken_as_unchanged_stops_the_consult_when_verified(monkeypatch):
    """SPINEPATH_VERIFY=1 also checks the answers whose passes are skipped (questions.unchanged_by): a claim
    that an answer wakes no rule, made when it does, is caught."""
    from spinepath.evaluate import incremental
    from spinepath.evaluate.engine import InternalError
    from spinepath.explain import questions
    from spinepath.explain.consult import consult_knowledge
    kb = load_knowledge()
    monkeypatch.setattr(incremental, "VERIFY", True)
    monkeypatch.setattr(questions, "wakes_none", lambda *args: True)
    with pytest.raises(InternalError, match="taken to leave a pass as it is"):
        for path in EXAMPLES:
            consult_knowledge(load_patient(path), kb)
