"""Malformed rule files are refused with FILE:LINE:COL and a code, like patient files."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from spinepath.evaluate.compile import compile_ruleset
from spinepath.load.diagnostics import InputError
from spinepath.derive.vocabulary import all_fields
from spinepath.load.rule_files import load_ruleset

FIXTURE = Path(__file__).parent / "fixtures" / "rules_min"

RULE = """rules:
  - id: X-01
    title: A rule
    when: {when}
    then: {then}
    rationale: A rationale long enough to read.
    evidence: {evidence}
"""
OK = dict(when="{all: [{field: age, gte: 18}]}", then="[{recommend: observation, strength: consider}]",
          evidence='[{ref: "24", level: "OCEBM 5"}]')


def load_with(tmp_path, text: str, name="x.rules.yaml"):
    root = tmp_path / "rules"
    shutil.copytree(FIXTURE, root)
    (root / name).write_text(text)
    rs = load_ruleset(all_fields(), root)
    compile_ruleset(rs)
    return rs


CASES = {
    "unknown_key": (RULE.format(**OK).replace("title:", "titel:"), "schema", "did you mean 'title'", 3),
    "unknown_field": (RULE.format(**{**OK, "when": "{all: [{field: diagnosis.hystology, equals: chordoma}]}"}),
                      "unknown-field", "did you mean 'diagnosis.histology'", 4),
    "bad_enum_value": (RULE.format(**{**OK, "when": "{all: [{field: diagnosis.histology, equals: chordom}]}"}),
                       "bad-value", "did you mean 'chordoma'", 4),
    "unquoted_escc": (RULE.format(**{**OK, "when": "{all: [{field: lesion.epidural.escc, equals: 2}]}"}),
                      "bad-value", 'quoted', 4),
    "numeric_op_on_text": (RULE.format(**{**OK, "when": "{all: [{field: diagnosis.histology, gt: 3}]}"}),
                           "bad-operator", "compares numbers", 4),
    "two_operators": (RULE.format(**{**OK, "when": "{field: age, gte: 18, lt: 60}"}), "schema", "exactly one operator", 4),
    "empty_all": (RULE.format(**{**OK, "when": "{all: []}"}), "schema", "non-empty", 4),
    "unknown_intervention": (RULE.format(**{**OK, "then": "[{recommend: en_block_resection, strength: recommended}]"}),
                             "unknown-intervention", "did you mean 'en_bloc_resection'", 5),
    "bad_details_key": (RULE.format(**{**OK, "then": "[{recommend: en_bloc_resection, strength: recommended, details: {dose: 3}}]"}),
                        "bad-details", "allowed: technique", 5),
    "bad_phase": (RULE.format(**{**OK, "then": "[{recommend: observation, strength: consider, phase: urgent}]"}),
                  "bad-phase", "takes phase surveillance", 5),
    "ambiguous_phase": (RULE.format(**{**OK, "then": "[{recommend: denosumab, strength: consider}]"}), "bad-phase",
                        "say which", 5),
    "unknown_reference": (RULE.format(**{**OK, "evidence": '[{ref: "999", level: "OCEBM 5"}]'}), "unknown-reference",
                          "not in rules/references.yaml", 7),
    "no_evidence": (RULE.format(**{**OK, "evidence": "[]"}), "schema", "every rule carries its evidence", 7),
    "duplicate_id": (RULE.format(**OK).replace("X-01", "T-01"), "duplicate-id", "already used", 2),
    "python_tag": (RULE.format(**OK).replace("A rule", "!!python/name:os.system"), "tag", "not allowed", 3),
    "derives_computed_value": (RULE.format(**OK) + "facts:\n  en_bloc_feasible: {meaning: m, derived_by: [X-01]}\n",
                               "duplicate-id", "computed by spinepath", 9),
    "derive_action_moved_to_facts": (RULE.format(**{**OK, "then": "[{derive: fact_a}]"}), "schema",
                                     "facts: {fact_a: {meaning: ..., derived_by: [THIS-RULE, ...]}}", 5),
    "fact_of_an_unknown_rule": (RULE.format(**OK) + "facts:\n  fact_a: {meaning: m, derived_by: [X-02]}\n",
                                "unknown-rule", "derived by X-02, which is not a rule", 9),
    "fact_defined_twice": (RULE.format(**OK) + "facts:\n  chordoma_case: {meaning: m, derived_by: [X-01]}\n",
                           "duplicate-id", "fact chordoma_case is already defined", 9),
    "fact_without_meaning": (RULE.format(**OK) + "facts:\n  fact_a: {derived_by: [X-01]}\n", "schema",
                             "missing required key 'meaning'", 9),
    "gate_holding_back_an_unknown_class": (RULE.format(**OK) + """gates:
  - {id: G-1, title: t, holds_back: [surgery], when: {field: age, gte: 1}, rationale: r, evidence: [{ref: "24", level: "OCEBM 5"}]}
""", "bad-value", "holds_back: expected a list of treatment, workup", 9),
    "gate_when_not_one_comparison": (RULE.format(**OK) + """gates:
  - {id: G-1, title: t, holds_back: [treatment], when: {field: age, gte: 1}, rationale: r, evidence: [{ref: "24", level: "OCEBM 5"}]}
""", "schema", "a gate's when is one comparison", 9),
    "cap_of_an_unknown_fact": (RULE.format(**OK) + """caps:
  - {fact: unfit_fact, entries_of: chordoma_case, at_most: avoid, reason: r}
""", "unknown-field", "cap reads unfit_fact", 9),
    "rule_that_does_nothing": (RULE.format(**{**OK, "then": "[]"}), "schema", "X-01 does nothing", 2),
    "or_unknown_on_a_group": (RULE.format(**{**OK, "when": "{all: [{field: age, gte: 18}], or_unknown: true}"}),
                              "schema", "or_unknown: true goes beside a comparison", 4),
    "or_unknown_not_true": (RULE.format(**{**OK, "when": "{field: age, gte: 18, or_unknown: false}"}),
                            "schema", "or_unknown: true goes beside a comparison", 4),
    "cycle": ("""rules:
  - id: C-01
    title: a
    when: {all: [{field: derived.fact_b, equals: true}]}
    then: []
    rationale: Part of a cycle of derived facts.
    evidence: [{ref: "24", level: "OCEBM 5"}]
  - id: C-02
    title: b
    when: {all: [{field: derived.fact_a, equals: true}]}
    then: []
    rationale: Part of a cycle of derived facts.
    evidence: [{ref: "24", level: "OCEBM 5"}]
facts:
  fact_a: {meaning: a, derived_by: [C-01]}
  fact_b: {meaning: b, derived_by: [C-02]}
""", "cycle", "depend on each other", None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_rule_file(tmp_path, name):
    text, code, message, line = CASES[name]
    with pytest.raises(InputError) as exc:
        load_with(tmp_path, text)
    found = [d for d in exc.value.diagnostics if d.code == code and message in d.message]
    assert found, exc.value
    d = found[0]
    assert d.file.endswith(".rules.yaml")
    if line is not None:
        assert d.line == line, str(d)


def test_good_rule_file_loads(tmp_path):
    rs = load_with(tmp_path, RULE.format(**OK))
    assert rs.rule("X-01").evidence[0].ref == "24"


def test_or_unknown_is_the_leaf_or_its_field_not_known(tmp_path):
    """`{field: F, equals: V, or_unknown: true}` is the same condition as `any: [leaf, {field: F, missing: true}]`."""
    rs = load_with(tmp_path, RULE.format(**{**OK, "when": "{field: preferences.declines_surgery, equals: false, "
                                                   "or_unknown: true}"}))
    when = rs.rule("X-01").when
    assert when.op == "any" and [(c.op, c.field, c.value) for c in when.children] == [
        ("equals", "preferences.declines_surgery", False), ("missing", "preferences.declines_surgery", True)]


def test_a_fact_is_defined_once_and_derived_by_the_rules_it_names(tmp_path):
    rs = load_with(tmp_path, RULE.format(**OK) + "facts:\n  older_adult:\n    meaning: The patient is 18 or "
                   "older.\n    derived_by: [X-01]\n")
    assert rs.derived_facts["older_adult"] == ["X-01"] and rs.rule("X-01").derives() == ["older_adult"]
    assert rs.facts["older_adult"].meaning == "The patient is 18 or older."
    assert rs.facts["chordoma_case"].derived_by == ("T-01",)


def test_the_intervention_catalogue_has_the_2026_12_codes_and_details_keys():
    """P0 of the amendment (OUTPUT.md "Codes added 2026-12", "New details keys on existing codes"): the five
    codes with their phases, details and whether they enter the tumour; the new keys on existing codes;
    strategy_group and note on every code, those of rules/interventions.yaml included."""
    iv = load_ruleset(all_fields()).interventions
    added = {"metastasectomy": (("local_control",), ("site", "approach", "setting"), True),
             "clinical_trial_referral": (("systemic", "supportive"), ("setting", "target"), False),
             "cardio_oncology_assessment": (("diagnosis",), ("baseline_risk",), False),
             "external_orthosis": (("urgent", "local_control", "supportive"), ("type",), False),
             "marginal_excision": (("local_control",), ("include",), True)}
    for code, (phases, details, enters) in added.items():
        assert (iv[code].phases, iv[code].enters_tumor) == (phases, enters), code
        assert set(details) <= set(iv[code].details) and iv[code].meaning, code
    assert all({"strategy_group", "note"} <= set(i.details) for i in iv.values())
    keys = {"staging_workup": {"investigations", "setting"},
            "neoadjuvant_chemotherapy": {"regimen", "setting", "line"},
            "adjuvant_chemotherapy": {"regimen", "setting", "line"}, "systemic_therapy": {"regimen", "setting", "line"},
            "multidisciplinary_tumor_board": {"board"}, "spinal_stabilization": {"through_lesion"},
            "adjuvant_radiotherapy": {"setting", "timing", "dose_range", "prescription", "schedule", "dose_unit",
                                      "residual"},
            "definitive_radiotherapy": {"setting", "dose_range", "prescription", "schedule", "dose_unit", "residual"},
            "neoadjuvant_radiotherapy": {"timing", "dose_range", "prescription", "schedule", "dose_unit", "residual"},
            "intralesional_curettage": {"timing"}, "denosumab": {"setting", "timing", "duration"},
            "palliative_care": {"setting"}, "surveillance_imaging": {"schedule", "starts"},
            "palliative_radiotherapy": {"dose_range", "prescription", "schedule"},
            "survivorship_follow_up": {"starts", "exposures"}}
    for code, wanted in keys.items():
        assert wanted <= set(iv[code].details), (code, wanted - set(iv[code].details))


def test_the_references_of_the_amendment_keep_their_verification_tag_in_the_citation():
    """[119]-[157] (REFERENCES.md sections O and P): a consult prints the citation, so the tag is in it."""
    refs = load_ruleset(all_fields()).references
    assert all(str(n) in refs for n in range(119, 158))
    for n in range(119, 158):
        citation = refs[str(n)]["citation"]
        assert "[checked" in citation or "[secondary" in citation or "[memory" in citation, n
    assert "[secondary: transcription]" in refs["124"]["citation"] and "UNVERIFIED" in refs["124"]["citation"]
    assert "[memory]" in refs["136"]["citation"] and "UNVERIFIED" in refs["134"]["citation"]
