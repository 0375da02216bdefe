"""What a calculator returns: a value, or None with the patient fields it lacked."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Derived:
    value: Any = None
    lacked: tuple[str, ...] = ()  # patient fields that would let the value be computed
    flags: tuple[tuple[str, str], ...] = field(default=())  # (code, message) for the reader
    # When the value is unknown but can only be one of these (COURSE-01 step 3 with distant disease not
    # recorded), a value read from it that is the same for each of them is known (second reading, D3).
    among: tuple[Any, ...] = ()

    @property
    def known(self) -> bool:
        return self.value is not None


def unknown(*fields: str) -> Derived:
    return Derived(None, tuple(dict.fromkeys(fields)))


def get(obj: Any, dotted: str) -> Any:
    """Attribute path on the patient model; None when any step is absent."""
    for part in dotted.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj
