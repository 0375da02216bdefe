"""Staging investigations still missing (PATHWAYS GEN-02; additions 2026-12: the lists of GEN-02's histology
classes and of SCS-01, encoding spec §2.3 D10-D13 and D23)."""
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


# ---- additions 2026-12. Each list is in a fixed order (the order below), so that the same file gives the same
# bytes. A list that is not given lacks every item, with the same flag as `workup_missing`. A condition on
# another field (age, histology, sex, vessels) adds its item only when it is recorded as met: the spec's
# reading convention (§1.1: `== true` needs a recorded true). The lists are always known.

FULL = EVERYTHING + ("ct_abdomen_pelvis", "angiography")
LOCAL = ("mri_local", "ct_local")
LOCAL_CHEST = LOCAL + ("ct_chest",)
SCS = ("ct_chest", "ct_abdomen_pelvis", "pet_ct", "gynaecological_imaging")


def _not_done(items, done: list[str] | None) -> Derived:
    if done is None:
        return Derived(list(items), (), (NOT_RECORDED,))
    return Derived([item for item in items if item not in done])


def workup_missing_full(done: list[str] | None, histology: str, age: int, vertebral_artery: str | None,
                        great_vessels_adherent: bool | None) -> Derived:
    """D10, GEN-02 class (a): `workup_missing`, then `ct_abdomen_pelvis` when the histology is unknown and `age
    >= 40` (NCCN BONE-1 as transcribed [124]: the metastasis/myeloma screen), then `angiography` when vascular
    involvement may affect resection (PATHWAYS GEN-02 line 171), read as the spec does: `lesion.vertebral_artery`
    unilateral or bilateral, or `lesion.great_vessels_adherent == true` (a proxy; the vessels unrecorded add
    nothing). `angiography` is a `staging.workup_done` value added for this (the spec's open point O-6), so
    that it is not asked again once done."""
    base = workup_missing(done)
    extra = []
    if histology == "unknown" and age >= 40:
        extra.append("ct_abdomen_pelvis")
    if vertebral_artery in ("unilateral", "bilateral") or great_vessels_adherent is True:
        extra.append("angiography")
    added = _not_done(extra, done)
    return Derived(base.value + added.value, (), base.flags)


def workup_missing_local(done: list[str] | None) -> Derived:
    """D11, GEN-02 classes (b) and (b′) (and REL-09): local staging only. `mri_local` is missing unless
    `workup_done` has `mri_local` or `mri_whole_spine` (PATHWAYS GEN-02 line 185: "`mri_whole_spine` also
    satisfies it"); `ct_local` unless done."""
    if done is not None and "mri_whole_spine" in done:
        done = list(done) + ["mri_local"]
    return _not_done(LOCAL, done)


def workup_missing_local_chest(done: list[str] | None) -> Derived:
    """D12, GEN-02 class (c), giant cell tumour: local staging and chest CT."""
    local = workup_missing_local(done)
    return Derived(local.value + _not_done(("ct_chest",), done).value, (), local.flags)


def workup_missing_scs(done: list[str] | None, histology: str, sex: str | None) -> Derived:
    """D13, SCS-01 (PATHWAYS line 1238, "prove that the tumour is primary"): `ct_chest`, `ct_abdomen_pelvis`,
    `pet_ct` not done, and `gynaecological_imaging` for a leiomyosarcoma in a woman (`sex == female`
    recorded)."""
    items = SCS if histology == "leiomyosarcoma" and sex == "female" else SCS[:-1]
    return _not_done(items, done)


def complete(missing: Derived) -> Derived:
    """D23: a list above is empty (a rule cannot test a list for emptiness)."""
    return Derived(not missing.value, (), missing.flags)
