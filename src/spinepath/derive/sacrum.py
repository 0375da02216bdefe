"""Sacral levels caudal to S2 (Appendix 3 `below_s2`; STAGING §2.4; PATHWAYS QP-03)."""
from __future__ import annotations

from .base import Derived

BELOW_S2 = frozenset({"S3", "S4", "S5", "Co"})


def below_s2(levels: list[str], dural_sac_below_s2: bool | None) -> Derived:
    """Every level in S3-S5 or Co, and the dural sac not shown below S2. When MRI shows the sac extending
    below S2 the lesion is treated as S1-S2 (false). With that key absent the levels decide: the sac
    usually ends around S2 (memory, STAGING §2.4), and the sacral-root, bowel and sphincter questions that
    matter below S2 are kept anyway (QP-03). Always known (levels are required)."""
    return Derived(all(lvl in BELOW_S2 for lvl in levels) and dural_sac_below_s2 is not True)
