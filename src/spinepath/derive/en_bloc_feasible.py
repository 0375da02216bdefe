"""Anatomical feasibility of a tumour-free en bloc resection and its technique (STAGING §2.4).

Patient-level criteria (fitness, refusal of root sacrifice, declining surgery) are left to the
rules on purpose: the board needs the anatomical answer even when the patient says no.
"""
from __future__ import annotations

from .base import Derived
from .region import is_cervical, levels_contiguous

ARCH = frozenset({10, 11, 12, 1, 2, 3})
BODY = frozenset({5, 6, 7, 8})
PEDICLES = frozenset({4, 9})

# Tested top to bottom, least to most extensive; the first match is the technique.
TECHNIQUES = (
    ("posterior_arch_resection", (ARCH,)),
    ("sagittal_resection", (frozenset({3, 4, 5}), frozenset({8, 9, 10}))),
    ("vertebrectomy", (frozenset({4, 5, 6, 7, 8}), frozenset({5, 6, 7, 8, 9}))),
)


def matching_techniques(zones: set[int]) -> list[str]:
    return [name for name, allowed in TECHNIQUES if any(zones <= a for a in allowed)]


def extended_sagittal(zones: set[int]) -> bool:
    """One pedicle plus its ipsilateral arch and the body, the other side free (STAGING §2.4)."""
    right = zones <= {5, 6, 7, 8, 9, 10, 11} and {9, 10} <= zones
    left = zones <= {2, 3, 4, 5, 6, 7, 8} and {3, 4} <= zones
    return right or left


def infeasibility_reasons(zones, layers, pedicles, levels, vertebral_artery, circumferential,
                          tomita_type) -> list[str]:
    reasons = []
    if pedicles == "bilateral":
        reasons.append("both pedicles involved: no standard technique leaves one pedicle free")
    if zones is not None:
        z = set(zones)
        if PEDICLES <= z and z & ARCH and z & BODY:
            reasons.append("circumferential involvement of body, both pedicles and arch")
    if circumferential:
        reasons.append("circumferential epidural tumour around the dural sac")
    if layers is not None and "E" in layers:
        reasons.append("intradural extension (layer E)")
    if vertebral_artery == "bilateral" and any(is_cervical(lvl) for lvl in levels):
        reasons.append("both vertebral arteries encased")
    if not levels_contiguous(levels).value:
        reasons.append("skip (non-contiguous) levels")
    if tomita_type == 7:
        reasons.append("Tomita type 7 (multiple / skip lesions)")
    return reasons


def _assess(zones, layers, pedicles, levels, vertebral_artery, circumferential, tomita_type,
            great_vessels_adherent):
    """(feasible, technique, lacked, flags)."""
    flags = []
    reasons = infeasibility_reasons(zones, layers, pedicles, levels, vertebral_artery,
                                    circumferential, tomita_type)
    if len(levels) > 3 and levels_contiguous(levels).value:
        flags.append(("multilevel_en_bloc", f"{len(levels)} contiguous levels: multilevel en bloc is a relative "
                      "indication, for the MDT (no validated maximum)"))
    if great_vessels_adherent:
        flags.append(("great_vessels_adherent", "aorta / vena cava adherent: vascular surgery and a possible graft"))
    if vertebral_artery == "unilateral" and any(is_cervical(lvl) for lvl in levels):
        flags.append(("vertebral_artery_sacrifice", "unilateral vertebral artery encasement: en bloc only with "
                      "planned sacrifice after assessment of collateral flow (balloon occlusion)"))
    if zones is not None and pedicles is not None:
        z = set(zones)
        if PEDICLES <= z and pedicles != "bilateral" or not (z & PEDICLES) and pedicles != "none":
            flags.append(("zone_pedicle_conflict", f"WBB zones {sorted(z)} and pedicles_involved={pedicles} "
                          "disagree: please check"))
    if reasons:
        flags.extend(("en_bloc_not_feasible", r) for r in reasons)
        return False, None, (), flags
    if any(lvl in ("C1", "C2") or lvl[0] == "S" or lvl == "Co" for lvl in levels):
        flags.append(("wbb_rules_not_defined", "WBB technique rules are not defined for C1-C2 or the sacrum: "
                      "feasibility is for the MDT"))
        return None, None, (), flags
    lacked = [f for f, v in (("lesion.wbb.zones", zones), ("lesion.pedicles_involved", pedicles),
                             ("lesion.wbb.layers", layers)) if v is None]
    if any(is_cervical(lvl) for lvl in levels) and vertebral_artery is None:
        lacked.append("lesion.vertebral_artery")
    if lacked:
        return None, None, tuple(lacked), flags
    z = set(zones)
    matches = matching_techniques(z)
    if matches:
        if len(matches) > 1:
            flags.append(("alternative_technique", f"alternative technique: {', '.join(matches[1:])}"))
        return True, matches[0], (), flags
    if extended_sagittal(z):
        flags.append(("outside_canonical_wbb_zones", "sagittal resection by the extended rule (one pedicle, "
                      "its arch and the body; the other side free), outside the canonical WBB zones"))
        return True, "sagittal_resection", (), flags
    flags.append(("wbb_pattern_unusual", "zone pattern outside the standard WBB techniques: surgeon to decide"))
    return None, None, (), flags


def en_bloc_feasible(*args) -> Derived:
    feasible, _, lacked, flags = _assess(*args)
    return Derived(feasible, lacked, tuple(flags))


def en_bloc_technique(*args) -> Derived:
    feasible, technique, lacked, _ = _assess(*args)
    if feasible is False:
        return Derived(None, ())
    return Derived(technique, lacked)
