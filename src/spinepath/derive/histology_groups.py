"""Histology classes used across PATHWAYS.md (terminology section, STAGING §1.4 and §6)."""
from __future__ import annotations

from .base import Derived, unknown

MALIGNANT = frozenset({"chordoma", "chondrosarcoma", "osteosarcoma", "ewing_sarcoma", "leiomyosarcoma",
                       "undifferentiated_pleomorphic_sarcoma", "other_sarcoma"})
BENIGN = frozenset({"giant_cell_tumor", "aneurysmal_bone_cyst", "osteoid_osteoma", "osteoblastoma",
                    "hemangioma", "osteochondroma"})  # osteochondroma: STAGING §1.4 step 1 (2026-12)
HEMATOLOGIC = frozenset({"plasmacytoma", "lymphoma"})
RADIOSENSITIVE = frozenset({"ewing_sarcoma", "plasmacytoma", "lymphoma"})
# Langerhans cell histiocytosis is in none of these groups: a histiocytic neoplasm, not staged by Enneking,
# not margin-driven and not radiosensitive (so that NEU-03 does not propose RT to a child; PATHWAYS D13).
HISTIOCYTIC = frozenset({"langerhans_cell_histiocytosis"})
_HIST = "diagnosis.histology"


def _member(histology: str, group: frozenset) -> Derived:
    return unknown(_HIST) if histology == "unknown" else Derived(histology in group)


def malignant_primary(histology: str) -> Derived:
    return _member(histology, MALIGNANT)


def benign_tumor(histology: str) -> Derived:
    return _member(histology, BENIGN)


def hematologic(histology: str) -> Derived:
    return _member(histology, HEMATOLOGIC)


def radiosensitive(histology: str) -> Derived:
    return _member(histology, RADIOSENSITIVE)


def margin_driven(histology: str, benign_stage: int | None) -> Derived:
    """Malignant primary, GCT, or osteoblastoma / ABC at Enneking S3 (PATHWAYS terminology)."""
    if histology == "unknown":
        return unknown(_HIST)
    if histology in MALIGNANT or histology == "giant_cell_tumor":
        return Derived(True)
    if histology in ("osteoblastoma", "aneurysmal_bone_cyst"):
        return unknown("diagnosis.benign_stage") if benign_stage is None else Derived(benign_stage == 3)
    return Derived(False)
