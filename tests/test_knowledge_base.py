"""The shipped knowledge base: every scenario passes, every rule is fired by one, lint is clean."""
from __future__ import annotations


import pytest

from conftest import run_cli
from spinepath.explain.consult import load_knowledge
from spinepath.kb.lint import lint
from spinepath.kb.scenarios import load_scenarios, run_all, run_scenario

KB = load_knowledge()


def test_every_scenario_passes_every_rule_fires_in_one_and_is_spared_in_another_lint_is_clean_and_the_doc_maps_them():
    """One run over the ~2,000 scenarios (kb.scenarios.run_all, once per process), so that the workers do
    not each run them all: a failure lists every failing scenario as `rules test` does, FILE:LINE first."""
    results, covered = run_all(KB)
    failed = [f"{r.file}:{r.line}: {r.name}: " + "; ".join(r.failures) for r in results if not r.ok]
    assert failed == [], "\n".join(failed[:20])
    # One result per scenario written: counted in the files' plain YAML, here rather than at import (every
    # xdist worker imports this file to collect it; load_scenarios of every file there was 1.8 s each).
    import yaml
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    written = sum(len((yaml.load(p.read_text(encoding="utf-8"), Loader=loader) or {}).get("scenarios") or [])
                  for p in KB.ruleset.scenario_files)
    assert len(results) == written
    assert sorted(r.id for r in KB.ruleset.rules if r.id not in covered) == []
    spared = {rid for res in results for rid in (r.id for r in KB.ruleset.rules) if rid not in res.fired}
    assert sorted(r.id for r in KB.ruleset.rules if r.id not in spared) == []
    assert [str(d) for d in lint(KB.ruleset, covered)] == []
    # The rules commands, in process so that they share the run above; the command line itself is run by .ci.
    from typer.testing import CliRunner

    from spinepath.commands import app
    for args in (("rules", "lint"), ("rules", "list", "--format", "json")):  # `rules test`: the run above
        r = CliRunner().invoke(app, list(args))
        assert r.exit_code == 0, r.output
    assert run_cli("rules", "list", "--format", "json").returncode == 0
    _the_doc_maps_every_decision_point()


def _the_doc_maps_every_decision_point():
    """docs/knowledge-base.md maps every decision point of PATHWAYS to its rules and scenario files. The map
    is made from the scenario run above: in the same test, so that no second worker runs all the scenarios
    again for it (17 s)."""
    import re

    from conftest import ROOT, SHARED
    from spinepath.kb.decision_points import decision_point_map, markdown_table
    doc = (ROOT / "docs" / "knowledge-base.md").read_text()
    table = doc.split("<!-- map:start -->\n")[1].split("<!-- map:end -->")[0]
    assert table == markdown_table(decision_point_map(KB)), "regenerate with: spinepath rules map"
    pathways = SHARED / "clinical" / "PATHWAYS.md"
    if pathways.exists():
        dps = re.findall(r"^#{3,4} ([A-Z]+-\d\d) ", pathways.read_text(), re.M)
        mapped = {row.split(" | ")[0].strip("| ") for row in table.splitlines()[2:]}
        # PATHWAYS 2026-12: 138 decision points, section P (QP) included, every one mapped to rules (issue 20).
        assert len(dps) == 138 and sorted(set(dps) - mapped) == []


BASED = """base:
  id: chordoma-base
  age: 60
  lesion: {levels: [L2], wbb: {zones: [4, 5, 6], layers: [A, B, C]}}
  diagnosis: {histology: chordoma}
  staging: {metastases: none}
scenarios:
  - name: the base as it is
    patient: {id: a}
    expect: {fired: [CH-01a]}
  - name: a key removed with null and one value changed
    patient: {id: b, staging: null, age: 70}
    expect: {not_fired: [CH-01a]}
  - name: a bad value written in the scenario
    patient: {id: c, age: old}
    expect: {}
"""


def test_scenarios_share_a_base_patient(tmp_path):
    """A scenarios file may give a `base:` patient; each scenario's patient is written over it (null removes
    a key), and a problem is reported where it was written."""
    from spinepath.kb.scenarios import merged
    path = tmp_path / "x.scenarios.yaml"
    path.write_text(BASED)
    (a, _, pa, _), (b, _, pb, _), (_, _, pc, _) = load_scenarios(path)
    assert pa.data["staging"] == {"metastases": "none"} and pa.data["id"] == "a"
    assert "staging" not in pb.data and pb.data["age"] == 70 and pb.data["lesion"]["levels"] == ["L2"]
    assert pb.value_at(("age",))[0] == 12 and pb.value_at(("lesion", "levels", 0))[0] == 4
    kb = load_knowledge()
    from spinepath.kb.scenarios import Expect
    bad = run_scenario(kb, pc.file, "c", 14, pc, Expect())
    assert any(":15:" in f and "age" in f for f in bad.failures), bad.failures
    assert merged({"a": {"b": 1, "c": 2}}, {"a": {"c": None, "d": [1]}}) == {"a": {"b": 1, "d": [1]}}


def test_rules_list_shows_each_fact_with_its_meaning_its_derivers_and_its_readers():
    import json
    r = run_cli("rules", "list", "--format", "json")
    assert r.returncode == 0, r.stderr
    facts = {f["fact"]: f for f in json.loads(r.stdout)["facts"]}
    curative = facts["derived.curative_treatment_planned"]
    assert curative["meaning"] and "CH-01a" in curative["derived_by"] and {"FU-01b", "FU-02b"} <= set(curative["read_by"])
    assert facts["derived.salvage_setting"]["read_by"] == []  # derived, read by no rule: shown as such
    computed = {c["value"]: c for c in json.loads(r.stdout)["computed"]}
    assert "lesion.levels" in computed["derived.region"]["computed_from"]
    text = run_cli("rules", "list", env={**__import__("os").environ, "COLUMNS": "160"}).stdout
    assert "Facts the rules derive" in text and "no rule" in text


DETAILED = """scenarios:
  - name: a dose and an absent alert
    patient: {id: d, age: 60, lesion: {levels: [L2]}, diagnosis: {histology: chordoma},
              history: {treatments: [{kind: surgery, extent: subtotal, margin: R2}]}}
    expect:
      alerts_absent: [resection_before_histology_blocked]
      details:
        - {intervention: adjuvant_radiotherapy, key: modality, value: particle}
  - name: the same, wrongly expected
    patient: {id: e, age: 60, lesion: {levels: [L2]}, diagnosis: {histology: chordoma},
              history: {treatments: [{kind: surgery, extent: subtotal, margin: R2}]}}
    expect:
      alerts_absent: [enneking_inappropriate_prior_surgery]
      details:
        - {intervention: adjuvant_radiotherapy, key: modality, value: photon_imrt, strength: recommended}
"""


def test_scenarios_can_expect_a_details_value_and_an_absent_alert(tmp_path):
    path = tmp_path / "d.scenarios.yaml"
    path.write_text(DETAILED)
    kb = load_knowledge()
    (n1, l1, p1, e1), (n2, l2, p2, e2) = load_scenarios(path)
    assert run_scenario(kb, p1.file, n1, l1, p1, e1).ok
    bad = run_scenario(kb, p2.file, n2, l2, p2, e2).failures
    assert any("enneking_inappropriate_prior_surgery should not be raised" in f for f in bad)
    assert any("recommended adjuvant_radiotherapy with modality = 'photon_imrt'" in f for f in bad)
    path.write_text(DETAILED.replace("key: modality, value: particle", "dose: 70"))
    with pytest.raises(Exception, match="each item is"):
        load_scenarios(path)
