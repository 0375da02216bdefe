"""200 synthetic patients go YAML -> FHIR -> YAML and get the same advice (a file of its own, so that
pytest-xdist runs this long check beside the others)."""
from __future__ import annotations

import pytest

pytest.importorskip("fhir.resources")

from spinepath.cohort import synth  # noqa: E402
from test_fhir import _round_trip  # noqa: E402


def test_200_synthetic_patients_round_trip_through_fhir():
    for i in range(1, 201):
        _round_trip(synth.patient_text(11, i), f"synth-{i}.yaml")
