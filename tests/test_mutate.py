"""`spinepath rules mutate`: each mutation kind, killing through forward chaining, and the bundled score."""
from __future__ import annotations

import shutil

import pytest

from spinepath.explain.consult import load_knowledge
from spinepath.kb.mutate import mutants, run, suggest

from conftest import ROOT, run_cli

FIXTURE = ROOT / "tests" / "fixtures" / "rules_min"


@pytest.fixture(scope="module")
def fixture_kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("mut") / "rules"
    shutil.copytree(FIXTURE, root)
    with (root / "chain.rules.yaml").open("a") as rules:
        rules.write("""  - id: T-90
    title: Reads a value derived from the patient's levels
    when: {all: [{field: derived.region, in: [thoracolumbar, lumbar]}]}
    then: [{alert: low_back, severity: info, message: "Thoracolumbar or lumbar."}]
    rationale: Fixture rule for boundary scenarios over a derived value.
    evidence: [{ref: "24", level: "OCEBM 3"}]
""")
    (root / "chain.scenarios.yaml").write_text("""scenarios:
  - name: an adult chordoma gets en bloc (T-01 derives, T-02 reads)
    patient: {id: a, age: 40, lesion: {levels: [L2]}, diagnosis: {histology: chordoma}}
    expect: {fired: [T-01, T-02], recommended: [en_bloc_resection]}
  - name: a child with chordoma does not
    patient: {id: b, age: 12, lesion: {levels: [L2]}, diagnosis: {histology: chordoma}}
    expect: {not_fired: [T-02]}
""")
    return load_knowledge(root)


def _whats(kb, rule_id):
    return [m.what for m in mutants(kb.ruleset.rule(rule_id), kb.ruleset.fields)]


def test_each_kind_of_mutant_is_made(fixture_kb):
    whats = _whats(fixture_kb, "T-02")
    assert "dropped: age >= 18" in whats and "negated: age >= 18" in whats
    assert "age >= 18 -> age > 18" in whats
    assert "age >= 18 -> age >= 17" in whats and "age >= 18 -> age >= 19" in whats
    assert "derived.chordoma_case = True -> derived.chordoma_case = False" in whats
    t01 = _whats(fixture_kb, "T-01")
    assert "diagnosis.histology = chordoma -> diagnosis.histology = chondrosarcoma" in t01


def test_a_mutant_is_killed_through_the_facts_it_derives(fixture_kb):
    report = run(fixture_kb, "T-01")
    survived = {m.what for m in report.survivors}
    # T-01's own file has no scenario; the chordoma scenarios beside T-02 notice a broken derivation.
    assert "dropped: diagnosis.histology = chordoma" in survived  # no scenario has another histology
    assert "negated: diagnosis.histology = chordoma" not in survived
    report = run(fixture_kb, "T-02")
    survived = {m.what for m in report.survivors}
    assert "dropped: age >= 18" not in survived  # the child scenario kills it
    assert "age >= 18 -> age >= 19" in survived  # no scenario at 18: a survivor to report


def test_the_command_reports_survivors_at_their_condition_and_the_score(fixture_kb, tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(FIXTURE, root)
    r = run_cli("rules", "mutate", str(root), "--rule", "T-02")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[-1].startswith("mutation score: ") and "killed (" in lines[-1]
    assert all(":" in ln.split(" ")[0] for ln in lines[:-1])
    assert run_cli("rules", "mutate", str(root), "--rule", "T-99").returncode == 2
    assert run_cli("rules", "mutate", str(root), "--fail-under", "100").returncode == 3


# The whole knowledge base (369 rules, about 12,000 mutants) takes about 7 CPU minutes: `spinepath rules
# mutate` measures it (the score is in docs/knowledge-base.md). The suite mutates every 48th rule (one
# sample, about 15 rules across the files), so that a lost scenario shows without the suite's two minutes.
PARTS = 48
FLOOR = {24: 0.91}  # 2026-12-07: 219/240 (91.3 %); the whole knowledge base 10,998/11,519 (95.5 %)


@pytest.mark.parametrize("part", [24])
def test_a_sample_of_the_bundled_knowledge_base_keeps_its_mutation_score(part):
    report = run(load_knowledge(), part=(part, PARTS))
    score = report.killed / report.total
    # 80.8% when the command was added, 98.4% once --suggest varied the inputs of derived values; issue 20's
    # bar is 95% for the whole knowledge base. A sample is held just under what it scores today.
    assert report.total > 150 and score >= FLOOR[part], f"{report.killed}/{report.total}"


def test_suggest_varies_a_field_and_the_inputs_of_a_derived_value(fixture_kb):
    found = {s.name: s for s in suggest(fixture_kb, "T-02")}
    # The threshold 18 is never met exactly by a scenario: the suggestion pins it at 18.
    assert any(n.startswith("T-02 boundary: age = 18 - fires") for n in found), sorted(found)
    # derived.region has no patient field of its own; a junctional pair of levels tells
    # "without thoracolumbar" apart, and the suggestion names the field it varied.
    names = [s.name for s in suggest(fixture_kb, "T-90")]
    assert any("lesion.levels (for derived.region)" in n and "'T12', 'L1'" in n and n.endswith("- fires")
               for n in names), names
