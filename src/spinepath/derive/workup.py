"""Staging investigations still missing (PATHWAYS GEN-02)."""
from __future__ import annotations

from .base import Derived, unknown

REQUIRED = ("mri_whole_spine", "ct_local", "ct_chest")


def workup_missing(done: list[str] | None) -> Derived:
    if done is None:
        return unknown("staging.workup_done")
    missing = [item for item in REQUIRED if item not in done]
    if "pet_ct" not in done and "bone_scan" not in done:
        missing.append("whole_body")
    return Derived(missing)


def workup_complete(done: list[str] | None) -> Derived:
    missing = workup_missing(done)
    return missing if not missing.known else Derived(not missing.value)
