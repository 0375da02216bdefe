from __future__ import annotations

import json

from conftest import patient_text, run_cli

EMERGENCY = patient_text(
    presentation={"neurology": {"deficit": "myelopathy", "progression": "rapid"}},
    lesion={"levels": ["T8"], "epidural": {"escc": "3"}},
    diagnosis={"histology": "unknown", "imaging_suspicion": "malignant"})


def test_histology_unknown_never_gets_a_resection(write):
    r = run_cli("consult", str(write("p.yaml", EMERGENCY)), "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    by_code = {(x["intervention"], x["strength"]) for x in doc["recommendations"]}
    assert ("urgent_decompression", "recommended") in by_code
    assert ("image_guided_core_biopsy", "recommended") not in by_code  # tissue is taken at the operation
    for code in ("en_bloc_resection", "intralesional_curettage", "separation_surgery", "vertebroplasty"):
        assert (code, "avoid") in by_code
        assert (code, "recommended") not in by_code and (code, "consider") not in by_code
    assert any(a["code"] == "emergency_decompression_before_histology" for a in doc["alerts"])


def test_text_view_shows_alerts_first_and_strength_words(write):
    r = run_cli("consult", str(write("p.yaml", EMERGENCY)), env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.index("ALERTS") < out.index("Pathway") < out.index("Derived staging")
    assert "RECOMMENDED" in out and "AVOID" in out
    assert "does not replace" in out


def test_explain_a_rule_condition_by_condition(write):
    path = write("p.yaml", EMERGENCY)
    r = run_cli("explain", str(path), "NEU-01")
    assert r.returncode == 0, r.stderr
    assert "Result: FIRED" in r.stdout and "derived.neuro_emergency = true" in r.stdout
    r = run_cli("explain", str(path), "MET-01a")
    assert "blocked only by unknown data" in r.stdout and "staging.metastases" in r.stdout
    # PATHWAYS writes specialized_center != true: a care setting not recorded satisfies it.
    r = run_cli("explain", str(path), "GEN-01a")
    assert "Result: FIRED" in r.stdout and "care_setting.specialized_center is not known" in r.stdout
    r = run_cli("explain", str(path), "GEN-99")
    assert r.returncode == 2 and "no rule 'GEN-99'" in r.stderr


def test_schema_is_draft7_and_validates_a_patient():
    import jsonschema
    import yaml
    r = run_cli("schema", "patient")
    schema = json.loads(r.stdout)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    assert not list(validator.iter_errors(yaml.safe_load(EMERGENCY)))
    bad = yaml.safe_load(EMERGENCY)
    bad["diagnosis"]["hystology"] = "x"
    assert list(validator.iter_errors(bad))


def test_markdown_has_every_section(write):
    r = run_cli("consult", str(write("p.yaml", EMERGENCY)), "--format", "markdown", "--trace", "--all")
    headings = ("## Alerts", "## Pathway", "## Derived staging", "## Missing data", "## Trace", "## References")
    positions = [r.stdout.index(h) for h in headings]
    assert positions == sorted(positions)
    short = run_cli("consult", str(write("p.yaml", EMERGENCY)), "--format", "markdown").stdout
    assert "## Missing data" not in short and "## Trace" not in short


def test_an_engine_failure_is_an_internal_error_with_exit_1(write, monkeypatch, capsys):
    import sys

    import pytest

    from spinepath import commands
    from spinepath.evaluate.engine import InternalError
    from spinepath.explain import consult

    def broken(*a, **k):
        raise InternalError("a rule action failed inside the engine: boom")
    monkeypatch.setattr(consult, "consult", broken)
    monkeypatch.setattr(sys, "argv", ["spinepath", "consult", str(write("p.yaml", EMERGENCY))])
    with pytest.raises(SystemExit) as exc:
        commands.main()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "internal error" in err and "boom" in err and "Traceback" not in err
