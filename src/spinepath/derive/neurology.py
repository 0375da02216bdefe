"""Neurological status as the NEU decision points read it (PATHWAYS NEU-01)."""
from __future__ import annotations

from .base import Derived, unknown

_DEFICIT = "presentation.neurology.deficit"
_PROGRESSION = "presentation.neurology.progression"
_ESCC = "lesion.epidural.escc"


def neuro_deficit(deficit: str | None) -> Derived:
    return unknown(_DEFICIT) if deficit is None else Derived(deficit != "none")


def _and(*vals):
    if any(v is False for v in vals):
        return False
    return None if any(v is None for v in vals) else True


def _or(*vals):
    if any(v is True for v in vals):
        return True
    return None if any(v is None for v in vals) else False


def _eq(value, target):
    return None if value is None else value == target


def _in(value, targets):
    return None if value is None else value in targets


def neuro_emergency(deficit: str | None, progression: str | None, escc: str | None) -> Derived:
    """Rapid (or progressive motor) deterioration with high-grade compression (or 1c + myelopathy)."""
    worsening = _or(_eq(progression, "rapid"),
                    _and(_eq(progression, "progressive"), _in(deficit, ("motor_deficit", "plegia"))))
    compression = _or(_in(escc, ("2", "3")), _and(_eq(escc, "1c"), _eq(deficit, "myelopathy")))
    value = _and(worsening, compression)
    if value is not None:
        return Derived(value)
    lacked = [f for f, v in ((_PROGRESSION, progression), (_DEFICIT, deficit), (_ESCC, escc)) if v is None]
    return unknown(*lacked)
