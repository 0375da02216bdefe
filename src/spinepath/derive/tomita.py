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
