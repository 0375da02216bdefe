"""Bilsky epidural spinal cord compression grade (STAGING §5)."""
from __future__ import annotations

from .base import Derived, unknown

_FIELD = "lesion.epidural.escc"
BORDERLINE_FLAG = ("escc_1c_borderline",
                   "ESCC 1c: cord abutted but not compressed; surgery versus high-dose RT is for the MDT")


def escc_high_grade(escc: str | None) -> Derived:
    if escc is None:
        return unknown(_FIELD)
    return Derived(escc in ("2", "3"), (), (BORDERLINE_FLAG,) if escc == "1c" else ())


def escc_borderline(escc: str | None) -> Derived:
    return unknown(_FIELD) if escc is None else Derived(escc == "1c")
