"""The patient format additions 2026-12 (../shared/spec/PATIENT.md): every new key is read, typed, refused
with its place and a suggestion when wrong, in the JSON Schema and in the rule vocabulary; a treatment
dated after `as_of` is an error at its date."""
from __future__ import annotations

import pytest

# One patient with every key of the additions (a later-line relapse of osteosarcoma after MAP).
RICH = """\
id: rich
as_of: 2025-03
course: {status: distant_relapse, intent: curative}
age: 70
skeletally_mature: true
reproductive_potential: false
performance: {ecog: 1, lansky: 80, fit_for_chemotherapy: true, lvef_percent: 52, lvef_baseline_percent: 60,
              heart_failure: false, renal_function_adequate: true, ps_limited_by_tumour: false,
              cardio_oncology_assessed: false, cv_risk_factors: [hypertension]}
presentation: {neurology: {deficit: none, progression: stable, sphincter_dysfunction: false}}
lesion:
  levels: [S3, S4]
  wbb: {layers: [B, C]}
  epidural: {escc: "0", circumferential: false}
  resectability: resectable
  vertebra_plana: false
  cartilage_cap_mm: 12
  dens_involved: false
  initial_volume_ml: 150
  transformation_signs: []
  dural_sac_below_s2: false
diagnosis:
  histology: osteosarcoma
  differential: [chondrosarcoma]
  molecular: [IDH1]
  basis: histology
  mdt_confirmed: true
  vertebra_plana_checks: [no_systemic_symptoms]
  biopsy: {done: true}
staging: {workup_done: [mri_local, ct_abdomen_pelvis], metastases: solitary, metastases_resectable: true}
history:
  treatments:
    - {kind: chemotherapy, date: 2023-01, regimen: MAP, line: 1, completed: true, response: response}
    - {kind: surgery, date: 2023-04, extent: wide_en_bloc, margin: R0, emergency: false}
    - {kind: chemotherapy, date: 2025-02, regimen: IE, line: 2, completed: false}
  local_recurrence: false
  local_recurrence_date: 2024-12
  anthracycline_cumulative_mg_m2: 450
  chest_rt_prior: false
"""


def _errors(text: str) -> list[str]:
    from spinepath.load.diagnostics import InputError
    from spinepath.load.patient import parse_patient
    try:
        parse_patient(text, "p.yaml")
    except InputError as exc:
        return [str(d) for d in exc.diagnostics]
    return []


@pytest.mark.parametrize("old, new, expected", [
    ("as_of: 2025-03", "as_of: 2025", "p.yaml:2:8: as_of: expected the date of the decision point as YYYY-MM"),
    ("as_of: 2025-03", "as_of: 2023-02", "p.yaml:34:29: history.treatments[1].date: the surgery of 2023-04 is after as_of (2023-02)"),
    ("status: distant_relapse", "status: relapse", "course.status: expected one of 'untreated'"),
    ("intent: curative", "intnet: curative", "unknown key 'intnet' (did you mean 'intent'?)"),
    ("line: 2, completed: false", "line: 2, complete: false", "did you mean 'completed'"),
    ("line: 2,", "line: 0,", "history.treatments[2].line: expected a number >= 1"),
    ("response: response", "response: responded", "expected one of 'response', 'stable' or 'progression'"),
    ("extent: wide_en_bloc", "extent: stabilisation", "did you mean 'stabilization'"),
    ("cv_risk_factors: [hypertension]", "cv_risk_factors: [hypertensoin]", "did you mean 'hypertension'"),
    ("lvef_percent: 52", "lvef_percent: 152", "performance.lvef_percent: expected a number <= 100"),
    ("cartilage_cap_mm: 12", "cartilage_cap_mm: -1", "lesion.cartilage_cap_mm: expected a number >= 0"),
    ("cartilage_cap_mm: 12", "cartilage_cap_mm: .inf", "lesion.cartilage_cap_mm"),
    ("initial_volume_ml: 150", "initial_volume_ml: 0", "lesion.initial_volume_ml: expected a number > 0"),
    ("differential: [chondrosarcoma]", "differential: [chondrosarcom]", "did you mean 'chondrosarcoma'"),
    ("basis: histology", "basis: biopsy", "expected one of 'histology' or 'imaging'"),
    ("workup_done: [mri_local,", "workup_done: [mri_locale,", "did you mean 'mri_local'"),
    ("dural_sac_below_s2: false", "dural_sac_below_s2: maybe", "expected true or false"),
])
def test_a_wrong_new_key_is_an_error_at_its_place(old, new, expected):
    assert old in RICH
    errors = _errors(RICH.replace(old, new))
    assert any(expected in e for e in errors), errors


@pytest.mark.parametrize("histology, subtype, ok", [
    ("langerhans_cell_histiocytosis", "single_system_unifocal", True),
    ("langerhans_cell_histiocytosis", "multisystem_risk_organ", True),
    ("osteochondroma", "hereditary_multiple", True),
    ("chondrosarcoma", "secondary_peripheral", True),
    ("osteochondroma", "secondary_peripheral", False),
    ("langerhans_cell_histiocytosis", "unifocal", False),
])
def test_new_histologies_and_subtypes(histology, subtype, ok):
    errors = _errors(f"id: x\nage: 9\nlesion: {{levels: [T8]}}\ndiagnosis: {{histology: {histology}, subtype: {subtype}}}\n")
    assert (not errors) is ok, errors


def test_files_with_every_new_key_validate_against_the_json_schema():
    import json

    import jsonschema
    import yaml

    from spinepath.load.patient import json_schema
    validator = jsonschema.Draft7Validator(json.loads(json.dumps(json_schema())))
    assert not list(validator.iter_errors(yaml.safe_load(RICH)))
    for old, new in (("as_of: 2025-03", "as_of: '2025'"), ("status: distant_relapse", "status: relapsed"),
                     ("completed: false", "completed: 'no'")):
        assert list(validator.iter_errors(yaml.safe_load(RICH.replace(old, new)))), new


def test_the_new_keys_are_in_the_rule_vocabulary():
    from spinepath.derive.vocabulary import all_fields
    fields = all_fields()
    for name in ("course.status", "course.intent", "performance.fit_for_chemotherapy", "performance.cv_risk_factors",
                 "lesion.transformation_signs", "diagnosis.differential", "diagnosis.molecular", "skeletally_mature",
                 "staging.metastases_resectable", "history.anthracycline_cumulative_mg_m2", "as_of",
                 "history.local_recurrence_date", "presentation.neurology.sphincter_dysfunction"):
        assert name in fields, name
    assert "langerhans_cell_histiocytosis" in fields["diagnosis.differential"].values
    assert {"mri_local", "ct_abdomen_pelvis", "gynaecological_imaging"} <= set(fields["staging.workup_done"].values)


@pytest.mark.parametrize("a, b, expected", [
    ("2012-02", "2012-01", True), ("2012-01", "2012-01", None), ("2012-01-15", "2012-01", None),
    ("2012-01-10", "2012-01-10", False), ("2011", "2012-01", False), ("2012", "2012-06", None),
    ("2012-02-01", "2012-01", True), ("2024-02", "2024-02-29", False), ("2024-03-01", "2024-02", True),
])
def test_partial_dates_are_ordered_only_when_their_spans_decide(a, b, expected):
    from spinepath.load.dates import after
    assert after(a, b) is expected


def test_a_treatment_in_the_month_of_as_of_is_not_after_it():
    text = RICH.replace("as_of: 2025-03", "as_of: 2025-02-10")  # the running IE course is dated 2025-02
    assert _errors(text) == []


def test_a_stabilisation_is_not_a_resection_nor_an_inappropriate_margin():
    from spinepath.derive import history as hx
    from spinepath.load.patient import Surgery
    stab = [Surgery(kind="surgery", extent="stabilization")]
    assert hx.resection_before_histology(stab, "unknown", None).value is False
    assert hx.prior_enneking_inappropriate(stab, "chordoma", None).value is False
    assert hx.prior_intralesional_surgery(stab).value is False
    assert hx.first_resection(stab) == [] and hx.below_needed_margin(stab) == []
    assert hx.prior_surgery(stab).value is True


def test_the_new_histologies_in_the_existing_groups():
    from spinepath.derive import enneking_stage as en
    from spinepath.derive import histology_groups as hg
    lch, oc = "langerhans_cell_histiocytosis", "osteochondroma"
    assert hg.benign_tumor(oc).value is True and hg.margin_driven(oc, 2).value is False  # STAGING §1.4, D14
    assert en.enneking_stage(oc, "solitary", None, 1, ["B"], "none").value == "S1"
    for group in (hg.malignant_primary, hg.benign_tumor, hg.hematologic, hg.radiosensitive):
        assert group(lch).value is False  # PATHWAYS D13: in none of the groups
    d = en.enneking_stage(lch, "single_system_unifocal", None, None, ["B"], "none")
    assert d.value is None and d.lacked == () and "histiocytic neoplasm" in d.flags[0][1]
    assert en.high_grade(lch, None, None).value is False


def test_no_what_if_can_date_a_treatment_after_as_of():
    from spinepath.derive.vocabulary import all_fields
    from spinepath.explain.whatif import apply
    from spinepath.load.diagnostics import InputError
    from spinepath.load.patient import parse_patient
    patient = parse_patient(RICH)
    with pytest.raises(InputError) as exc:
        apply(patient, ["staging.metastases=none", "as_of=2024-06"], all_fields())
    d = exc.value.diagnostics[0]
    assert (d.file, d.line) == ("--set", 2)
    assert "history.treatments[2].date: the chemotherapy of 2025-02 is after as_of (2024-06)" in d.message
    changed, chosen, _ = apply(patient, ["as_of=2025-02-28", "course.status=local_recurrence"], all_fields())
    assert changed.course.status == "local_recurrence" and chosen["as_of"] == "2025-02-28"
