"""The SINS component points (STAGING §4), beside the patient model that names the components: the
model refuses a recorded total its six components contradict. The score's categories and bounds are
calculators of the derive step (derive/sins.py)."""
from __future__ import annotations

POINTS = {
    "location": {"junctional": 3, "mobile": 2, "semirigid": 1, "rigid": 0},
    "pain": {"mechanical": 3, "occasional_non_mechanical": 1, "none": 0},
    "bone_lesion": {"lytic": 2, "mixed": 1, "blastic": 0},
    "alignment": {"subluxation": 4, "de_novo_deformity": 2, "normal": 0},
    "collapse": {"over_50": 3, "under_50": 2, "none_over_50_involved": 1, "none": 0},
    "posterolateral": {"bilateral": 3, "unilateral": 1, "none": 0},
}


def sins_from_components(sins) -> int | None:
    """The total when all six components are given, else None."""
    if sins is None:
        return None
    values = [getattr(sins, name) for name in POINTS]
    if any(v is None for v in values):
        return None
    return sum(POINTS[name][v] for name, v in zip(POINTS, values))
