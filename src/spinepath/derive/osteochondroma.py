"""Osteochondroma red flag for transformation to secondary peripheral chondrosarcoma (PATHWAYS OC-01,
Appendix 3 `oc_red_flag`; the same definition as STAGING §1.1 and §9)."""
from __future__ import annotations

from .base import Derived, unknown

# OC-01: cap > 2 cm in the skeletally mature, > 3 cm in the immature (the primary thresholds of [137]).
CAP_LIMIT_MATURE_MM, CAP_LIMIT_IMMATURE_MM = 20, 30
_CAP, _SIGNS = "lesion.cartilage_cap_mm", "lesion.transformation_signs"


def oc_red_flag(cap_mm: float | None, signs: list[str] | None, mature: bool) -> Derived:
    """True: the cap is above the limit for the patient's maturity, or any transformation sign is recorded.
    False: the cap is recorded at or below the limit and the signs are recorded as none (empty list).
    None otherwise (cap not measured, or signs not looked for).

    Appendix 3 reads "`transformation_signs` contains any value": a sign named "after maturity" recorded
    for a patient recorded as immature is a red flag too (the definition is followed as written; such a
    record contradicts itself and is for the MDT). The 15-20 mm grey zone of OC-01 is not a red flag and is
    left to the rules (it reads the cap directly)."""
    limit = CAP_LIMIT_MATURE_MM if mature else CAP_LIMIT_IMMATURE_MM
    if signs:
        return Derived(True)
    if cap_mm is not None and cap_mm > limit:
        return Derived(True)
    lacked = [f for f, v in ((_CAP, cap_mm), (_SIGNS, signs)) if v is None]
    return unknown(*lacked) if lacked else Derived(False)
