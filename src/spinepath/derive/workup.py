"""Staging investigations still missing (PATHWAYS GEN-02)."""
from __future__ import annotations

from .base import Derived

REQUIRED = ("mri_whole_spine", "ct_local", "ct_chest")
EVERYTHING = REQUIRED + ("whole_body",)
# GEN-02 asks for staging when workup_done "lacks any of" the investigations: a list that is not
# given lacks them all. Said in a flag, so the reader sees it was not recorded rather than not done.
NOT_RECORDED = ("workup_not_recorded", "no staging investigations recorded: all are listed as still to do "
                "(GEN-02 reads a list that is not given as lacking them all)")


def workup_missing(done: list[str] | None) -> Derived:
    if done is None:
        return Derived(list(EVERYTHING), (), (NOT_RECORDED,))
    missing = [item for item in REQUIRED if item not in done]
    if "pet_ct" not in done and "bone_scan" not in done:
        missing.append("whole_body")
    return Derived(missing)


def workup_complete(done: list[str] | None) -> Derived:
    missing = workup_missing(done)
    return Derived(not missing.value, (), missing.flags)
