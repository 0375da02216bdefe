"""Skeletal maturity (PATHWAYS terminology and Appendix 3; STAGING §10.8)."""
from __future__ import annotations

from .base import Derived


def skeletally_mature(recorded: bool | None, age: int) -> Derived:
    """The recorded key `skeletally_mature`; when it is absent, `age >= 18` (Appendix 3: the one definition
    OC-01, LCH-02/04 and RT-01 read). Always known, since age is required."""
    return Derived(recorded if recorded is not None else age >= 18)
