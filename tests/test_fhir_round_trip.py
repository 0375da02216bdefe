"""100 synthetic patients (every second of 200) go YAML -> FHIR -> YAML and come back as the same patient,
so with the same advice (a file of its own, so that pytest-xdist runs it beside the others)."""
from __future__ import annotations

import pytest

pytest.importorskip("fhir.resources")

from spinepath.cohort import synth  # noqa: E402
from test_fhir import _round_trip  # noqa: E402


def test_100_synthetic_patients_round_trip_through_fhir():
    """Each comes back as the same patient; every tenth is also consulted on both sides."""
    for i in range(1, 201, 2):  # 100 of the 200: the suite's two-minute budget
        _round_trip(synth.patient_text(11, i), f"synth-{i}.yaml", advice=i % 10 == 1)
