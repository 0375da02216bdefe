"""Region and level geometry from `lesion.levels` (STAGING §2.3, §9)."""
from __future__ import annotations

from ..load.patient import LEVELS
from .base import Derived

_REGION_OF = {lvl: ("sacral" if lvl == "Co" else "cervical" if lvl[0] == "C" else "thoracic" if lvl[0] == "T"
                    else "lumbar" if lvl[0] == "L" else "sacral") for lvl in LEVELS}


def is_cervical(level: str) -> bool:
    return _REGION_OF[level] == "cervical"  # not level[0] == "C": the coccyx is "Co"
_ORDER = ["cervical", "thoracic", "lumbar", "sacral"]
_PAIRS = {("cervical", "thoracic"): "cervicothoracic", ("thoracic", "lumbar"): "thoracolumbar",
          ("lumbar", "sacral"): "lumbosacral"}


def region(levels: list[str]) -> Derived:
    regions = sorted({_REGION_OF[lvl] for lvl in levels}, key=_ORDER.index)
    if len(regions) == 1:
        return Derived(regions[0])
    if len(regions) == 2 and (regions[0], regions[1]) in _PAIRS:
        return Derived(_PAIRS[(regions[0], regions[1])])
    return Derived("multiregional")


def level_count(levels: list[str]) -> Derived:
    return Derived(len(levels))


def levels_contiguous(levels: list[str]) -> Derived:
    idx = sorted(LEVELS.index(lvl) for lvl in levels)
    return Derived(all(b - a == 1 for a, b in zip(idx, idx[1:])))


def sacral(levels: list[str]) -> Derived:
    return Derived(any(lvl[0] == "S" or lvl == "Co" for lvl in levels))


def upper_cervical(levels: list[str]) -> Derived:
    return Derived(any(lvl in ("C1", "C2") for lvl in levels))


# C1 to L2: the levels of the spinal cord and the conus (encoding spec §2.3 D8).
CORD_LEVELS = frozenset(LEVELS[:LEVELS.index("L2") + 1])


def cord_levels_involved(levels: list[str]) -> Derived:
    """D8: any involved level from C1 to L2. PATHWAYS EW-04 (line 894): "any involved level from C1 to L2 (the
    cord and conus lie in or next to the field; the conus level varies — memory)"; busulfan-melphalan with
    radiotherapy to the cord (EW-04, REL-03). Always known (levels are required)."""
    return Derived(any(lvl in CORD_LEVELS for lvl in levels))
