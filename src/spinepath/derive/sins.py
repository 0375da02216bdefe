"""Spinal Instability Neoplastic Score (STAGING §4)."""
from __future__ import annotations

from ..load.sins_points import POINTS, sins_from_components
from .base import Derived

def sins_bounds(sins) -> tuple[int, int, tuple[str, ...]]:
    """Lowest and highest achievable totals, and the components still unknown."""
    low = high = 0
    lacking = []
    for name, table in POINTS.items():
        v = getattr(sins, name, None) if sins is not None else None
        if v is None:
            lacking.append(f"lesion.sins.{name}")
            high += max(table.values())
        else:
            low += table[v]
            high += table[v]
    return low, high, tuple(lacking)


def sins_total(sins) -> Derived:
    computed = sins_from_components(sins)
    if computed is not None:
        return Derived(computed)
    if sins is not None and sins.total is not None:
        return Derived(sins.total)
    _, _, lacking = sins_bounds(sins)
    return Derived(None, lacking)


def category(total: int) -> str:
    return "stable" if total <= 6 else "potentially_unstable" if total <= 12 else "unstable"


def sins_category(sins) -> Derived:
    total = sins_total(sins)
    if total.known:
        return Derived(category(total.value))
    low, high, lacking = sins_bounds(sins)
    if category(low) == category(high):  # the unknown components cannot change the band
        return Derived(category(low))
    return Derived(None, lacking)


def _bound(sins, index: int) -> Derived:
    total = sins_total(sins)
    if total.known:
        return total
    bounds = sins_bounds(sins)
    lacking = bounds[2]
    return Derived(bounds[index], lacking) if len(lacking) < 6 else Derived(None, lacking)


def sins_min(sins) -> Derived:
    """Lowest total the unknown components allow (lets a certain >= 7 or >= 13 fire, MECH-04)."""
    return _bound(sins, 0)


def sins_max(sins) -> Derived:
    """Highest total the unknown components allow (a certain <= 6 is stable)."""
    return _bound(sins, 1)
