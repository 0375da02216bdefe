"""Generated and mutated patient documents never meet an unhandled exception."""
from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinepath.explain.consult import consult
from spinepath.load.diagnostics import InputError
from spinepath.load.patient import Patient, parse_patient

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=12), st.sampled_from(["chordoma", "unknown", "R0", "2", "1c", "C5", "A", "rapid",
                                                           "bilateral", "surgery", "mechanical", "lytic"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                      max_leaves=12)

SEED = {"id": "f", "age": 40, "lesion": {"levels": ["L2"], "wbb": {"zones": [5, 6], "layers": ["B"]},
                                         "epidural": {"escc": "2"}, "sins": {"location": "mobile"}},
        "diagnosis": {"histology": "chordoma", "grade": 2},
        "presentation": {"neurology": {"deficit": "myelopathy", "progression": "rapid"}},
        "history": {"treatments": [{"kind": "surgery", "extent": "subtotal", "margin": "R2"}]}}

KEYS = sorted(set(Patient.model_fields) | {"lesion", "wbb", "zones", "escc", "sins", "histology", "treatments", "kind"})


def _mutate(doc, path, value):
    cur = doc
    for p in path[:-1]:
        if isinstance(cur, dict):
            cur = cur.setdefault(p, {})
            if not isinstance(cur, (dict, list)):
                return doc
        else:
            return doc
    if isinstance(cur, dict):
        cur[path[-1]] = value
    return doc


def _check(text: str):
    try:
        patient = parse_patient(text, "fuzz.yaml")
    except InputError as exc:
        for d in exc.diagnostics:
            assert d.file == "fuzz.yaml" and d.message
        return
    result = consult(patient)
    assert result.to_json_data()["format"] == "spinepath.consult/1"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.lists(st.sampled_from(KEYS + ["levels", "deficit", "progression", "extent"]), min_size=1, max_size=3),
       value=VALUES)
def test_mutated_documents(path, value):
    import copy
    _check(yaml.safe_dump(_mutate(copy.deepcopy(SEED), path, value)))


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text(text):
    _check(text)


@settings(max_examples=60, deadline=None)
@given(doc=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6))
def test_generated_mappings(doc):
    _check(yaml.safe_dump(doc))


# Numbers at the edges of the rules' thresholds, in every precision a file or an import may give: both
# evaluators read the one number the patient model accepted (evaluate/facts.py), so they agree on every
# rule, true, false and unknown (a disagreement would stop the pass with exit 1: defect B of
# CODE-2026-12, `distance_to_neural_mm: 4.99999`).
def _near(thresholds: list[float]):
    return st.sampled_from(thresholds).flatmap(lambda t: st.one_of(
        st.just(t), st.floats(t - 1, t + 1, allow_nan=False),
        st.sampled_from([t - 1e-9, t + 1e-9, t - 0.00001, t + 0.00001, t - 0.49999, round(t + 0.5, 1)])))


_NUMERIC = {
    ("lesion", "distance_to_neural_mm"): (0, 1000, [5.0, 10.0, 2.0]),
    ("lesion", "size_cm"): (0.0001, 100, [1.5, 2.0, 3.0, 5.0]),
    ("diagnosis", "marrow_plasma_cells_percent"): (0, 100, [10.0, 5.0]),
}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["osteoid_osteoma", "osteoblastoma", "plasmacytoma", "chordoma", "unknown"]),
       st.dictionaries(st.sampled_from(sorted(_NUMERIC)), st.just(None), min_size=1),
       st.data(), st.sampled_from([None, 30.0, 45.0, 50.4, 54.0, 59.99999, 60.0, 70.2]))
def test_numbers_at_every_precision_give_one_verdict_per_rule(histology, fields, data, dose):
    from spinepath.evaluate.knowledge import load_knowledge
    from spinepath.evaluate.passes import evaluate_patient
    doc = {"id": "n", "age": 30, "lesion": {"levels": ["L2"]}, "diagnosis": {"histology": histology}}
    for (section, key) in fields:
        lo, hi, cuts = _NUMERIC[(section, key)]
        value = data.draw(_near(cuts).filter(lambda v: lo <= v <= hi and (v == 0 or abs(v) >= 0.0001)))
        doc[section][key] = value
    if dose is not None:
        doc["history"] = {"treatments": [{"kind": "radiotherapy", "dose_gy": dose}]}
    kb = load_knowledge()
    patient = parse_patient(yaml.safe_dump(doc), "<fuzz>")
    evaluate_patient(patient, kb)  # raises InternalError on any disagreement, true, false or unknown
    evaluate_patient(patient, kb, kb.presumptions)
