"""Three-valued AND / OR (True, False, None = unknown), for derived values whose terms may be unknown."""
from __future__ import annotations

from typing import Iterable


def and_(*values: bool | None) -> bool | None:
    return all_(values)


def or_(*values: bool | None) -> bool | None:
    return any_(values)


def all_(values: Iterable[bool | None]) -> bool | None:
    values = list(values)
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def any_(values: Iterable[bool | None]) -> bool | None:
    values = list(values)
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def eq(value, target) -> bool | None:
    return None if value is None else value == target


def in_(value, targets) -> bool | None:
    return None if value is None else value in targets
