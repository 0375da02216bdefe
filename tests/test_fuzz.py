"""Generated and mutated patient documents never meet an unhandled exception."""
from __future__ import annotations

import json

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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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


# ------------------------------------------------------------------ FHIR import (issue 18 / 22)
# Bundles built from the parts real ones are made of: one or two patients, Conditions with ICD-O-3,
# spinepath or SNOMED codes, body sites as text or codes, ages in any unit, spinepath field
# Observations with any JSON, Procedures, subjects that point anywhere, text with newlines and
# control characters. The import either refuses with a JSON path, or its file reads back as exactly
# the document it built, that document is a valid patient, and nothing in it came from another patient.

def _fhir_text():
    return st.one_of(st.sampled_from(["C5", "T12", "S2", "Co", "L3 ", "Sacrum S2-S3", "paravertebral\npreferences:\n  x: 1",
                                      "\x1b[2J", "#", "'", '"', "", "9370/3"]), st.text(max_size=12))


_SUBJECTS = st.sampled_from(["Patient/p1", "Patient/p2", "urn:uuid:00000000-0000-4000-8000-000000000000",
                             "http://x/fhir/Patient/p1", "Group/g", "Patient/nobody"])
_CODINGS = st.one_of(
    st.builds(lambda c: {"system": "http://terminology.hl7.org/CodeSystem/icd-o-3", "code": c},
              st.sampled_from(["9370/3", "9220/3", "9180/3", "9999/3", "9250/1"])),
    st.builds(lambda c: {"system": "urn:spinepath:histology", "code": c},
              st.sampled_from(["chordoma", "chondrosarcoma/conventional", "chordoma/mesenchymal", "bogus"])),
    st.builds(lambda c: {"system": "http://snomed.info/sct", "code": c},
              st.sampled_from(["67479001", "11808007", "73903008", "447951002", "363346000"])),
    st.builds(lambda c: {"system": "urn:spinepath:level", "code": c}, st.sampled_from(["C5", "L9", "S1"])))


def _condition(i, subject, codings, sites, status):
    r = {"resourceType": "Condition", "id": f"c{i}", "subject": {"reference": subject},
         "extension": [{"url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior",
                        "valueCodeableConcept": {"coding": codings}}] if codings else [],
         "bodySite": sites}
    if status:
        r["verificationStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                               "code": status}]}
    return {k: v for k, v in r.items() if v != []}


_CONDITIONS = st.builds(_condition, st.integers(1, 3), _SUBJECTS, st.lists(_CODINGS, max_size=2),
                        st.lists(st.one_of(st.builds(lambda t: {"text": t}, _fhir_text()),
                                           st.builds(lambda c: {"coding": [c]}, _CODINGS)), max_size=3),
                        st.sampled_from([None, "confirmed", "refuted", "entered-in-error"]))
_AGES = st.builds(lambda s, v, u, i: {"resourceType": "Observation", "id": f"a{i}", "status": "final",
                                      "subject": {"reference": s},
                                      "code": {"coding": [{"system": "http://loinc.org", "code": "30525-0"}]},
                                      "valueQuantity": {k: x for k, x in (("value", v), ("code", u)) if x is not None}},
                  _SUBJECTS, st.one_of(st.none(), st.integers(-5, 2000), st.floats(0, 200)),
                  st.sampled_from([None, "a", "mo", "wk", "d", "h", "years"]), st.integers(1, 2))
_JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-5, 300), st.floats(allow_nan=False, allow_infinity=False),
                               _fhir_text()), lambda inner: st.lists(inner, max_size=3), max_leaves=6)
_FIELDS = st.builds(lambda s, path, value, i: {"resourceType": "Observation", "id": f"f{i}", "status": "final",
                                               "subject": {"reference": s},
                                               "code": {"coding": [{"system": "urn:spinepath:field", "code": path}]},
                                               "valueString": value},
                    _SUBJECTS, st.sampled_from(["notes", "staging.metastasis_sites", "lesion.size_cm", "performance.ecog",
                                                "preferences.declines_surgery", "lesion.wbb.zones", "history.treatments",
                                                "age", "nonsense", "diagnosis.histology"]),
                    st.one_of(_JSON.map(json.dumps), _fhir_text()), st.integers(1, 3))
_PROCEDURES = st.builds(lambda s, kind, when, i: {k: v for k, v in {
    "resourceType": "Procedure", "id": f"pr{i}", "status": "completed", "subject": {"reference": s},
    "code": {"coding": [{"system": "urn:spinepath:treatment-kind", "code": kind}]},
    "performedDateTime": when}.items() if v is not None},
    _SUBJECTS, st.sampled_from(["surgery", "radiotherapy", "teleportation"]),
    st.sampled_from([None, "2019", "2019-04-01T10:00:00Z", "2019-02-30"]), st.integers(1, 3))


def _patient(pid, birth, gender):
    r = {"resourceType": "Patient", "id": pid, "identifier": [{"value": pid}], "gender": gender}
    if birth:
        r["birthDate"] = birth
    return r


_BASE = [{"resourceType": "Condition", "id": "c0", "subject": {"reference": "Patient/p1"},
          "extension": [{"url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior",
                         "valueCodeableConcept": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/icd-o-3",
                                                              "code": "9370/3"}]}}],
          "bodySite": [{"text": "L2"}]},
         {"resourceType": "Observation", "id": "a0", "status": "final", "subject": {"reference": "Patient/p1"},
          "code": {"coding": [{"system": "http://loinc.org", "code": "30525-0"}]},
          "valueQuantity": {"value": 58, "code": "a", "system": "http://unitsofmeasure.org"}}]
_BUNDLES = st.builds(
    lambda patients, keep, others: {"resourceType": "Bundle", "type": "collection",
                                    "entry": [{"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{i:012d}", "resource": r}
                                              for i, r in enumerate(patients + _BASE[:keep] + others)]},
    st.lists(st.builds(_patient, st.sampled_from(["p1", "p2"]), st.sampled_from([None, "1970-06-15", "1970", "2030-01-01"]),
                       st.sampled_from(["male", "female", "unknown"])), min_size=1, max_size=2, unique_by=lambda r: r["id"]),
    st.sampled_from([2, 2, 2, 1, 0]),  # mostly a good patient to start from, so that the import succeeds often
    st.lists(st.one_of(_CONDITIONS, _AGES, _FIELDS, _PROCEDURES), max_size=4))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bundle=_BUNDLES, choose=st.sampled_from([None, "p1", "p2"]), as_of=st.sampled_from([None, "2020-01-01"]))
def test_fhir_import_is_right_or_refuses(bundle, choose, as_of):
    import datetime

    from spinepath.interop.fhir_import import (BundleProblem, OptionProblem, check_r4, import_bundle, patient_yaml,
                                               problems_in_bundle, read_json)
    from spinepath.load.yamlsafe import load_text
    try:
        data = read_json(json.dumps(bundle).encode())
        check_r4(data)
        got = import_bundle(data, datetime.date.fromisoformat(as_of) if as_of else None, choose)
        problems = problems_in_bundle(got)
        if problems:
            raise BundleProblem(problems)
    except (BundleProblem, OptionProblem) as exc:
        for at, message in getattr(exc, "problems", [("$", str(exc))]):
            assert message and (at.startswith("$") or at[0].isdigit())
        return
    text = patient_yaml(got)
    again = load_text("<imported>", text)
    assert again.data == got.doc  # nothing in the bundle became a key or another value
    patient = Patient.model_validate(got.doc)
    chosen = choose or next(e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient.id == chosen
    labels = {}  # resource label -> the patients it belongs to (ids may repeat across patients)
    for entry in bundle["entry"]:
        r = entry["resource"]
        if r["resourceType"] != "Patient":
            labels.setdefault(f"{r['resourceType']}/{r['id']}", set()).add(r.get("subject", {}).get("reference"))
    said = " ".join(got.sources.values())
    for label, whose in labels.items():  # every value read came from the chosen patient's resources
        if whose <= {"Patient/p1", "Patient/p2"} - {f"Patient/{chosen}"}:
            assert f"{label} " not in said + " " and not said.endswith(label), (label, said)
