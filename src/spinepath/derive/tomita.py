"""Tomita types that are candidates for total en bloc spondylectomy (STAGING §3)."""
from __future__ import annotations

from .base import Derived, unknown

RELATIVE_FLAG = ("tes_relative_indication",
                 "Tomita type {t}: a relative indication for total en bloc spondylectomy (MDT)")


def tes_candidate(tomita_type: int | None) -> Derived:
    if tomita_type is None:
        return unknown("lesion.tomita_type")
    if tomita_type == 7:
        return Derived(False)
    flags = ((RELATIVE_FLAG[0], RELATIVE_FLAG[1].format(t=tomita_type)),) if tomita_type in (1, 6) else ()
    return Derived(True, (), flags)


def tomita_type_possible(levels: list[str], contiguous: bool) -> Derived:
    """The Tomita types the levels allow (STAGING §3 amended 2026-12; PATHWAYS QP-03): one level -> 1-5;
    2-3 contiguous levels -> 6; non-contiguous (skip) levels -> 7. STAGING's table glosses type 6 ("extension
    to adjacent vertebrae") as 2-3 contiguous levels and says nothing of more; for 4 or more contiguous
    levels 6 is still the only type the levels leave (not 7, which QP-03 excludes for contiguous levels, and
    not 1-5, which are confined to one vertebra). Such a tumour already carries the `multilevel_en_bloc`
    note for the MDT (en_bloc_feasible), so no second note is added here."""
    if not contiguous:
        return Derived([7])
    if len(levels) == 1:
        return Derived([1, 2, 3, 4, 5])
    return Derived([6])
