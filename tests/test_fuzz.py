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
