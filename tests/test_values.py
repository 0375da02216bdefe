"""What a pathway reads of one pass besides the fired rules: `Values.resolve`, for the values a rule's
details copy (`from:`). The rules loader accepts a patient field there as well as a derived value."""
from __future__ import annotations

from pathlib import Path

from spinepath.evaluate.knowledge import load_knowledge
from spinepath.evaluate.passes import evaluate_patient
from spinepath.load.patient import load_patient

SEED = sorted((Path(__file__).resolve().parent.parent / "examples" / "seeds").glob("*.yaml"))[0]


def test_resolve_reads_patient_fields_from_the_data_and_derived_values_from_the_derived():
    values = evaluate_patient(load_patient(SEED), load_knowledge()).values()
    assert values.resolve("lesion.levels") == values.facts.flat["lesion.levels"] != None  # noqa: E711
    assert values.resolve("diagnosis.histology") == values.facts.flat["diagnosis.histology"]
    for name, d in values.facts.derived.items():
        assert values.resolve(f"derived.{name}") == d.value
    for fact, (value, _) in values.rule_facts.items():
        if fact not in values.facts.derived:
            assert values.resolve(f"derived.{fact}") == value
    assert values.resolve("presentation.not_a_field") is None
