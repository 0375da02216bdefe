"""Performance-status bands of PATHWAYS FIT-01 (encoding spec §2.3 D15, D16).

The bands are **this reference's convention**, not a guideline's: PATHWAYS FIT-01 (Evidence, lines 2533-2537)
"No guideline ECOG cut-off for bone-sarcoma chemotherapy was found: ECOG >= 3 as the equivalent of KPS <= 50,
and ECOG >= 2 / KPS or Lansky <= 70 as the relapse-line band, are this reference's conventions" (Appendix 2
item 27: not hard-coded without clinician sign-off; the spec's open point O-3). Kept here, in one place, so
that a clinician's change is one edit.

A band is met when any recorded score is in it; not met when every recorded score is outside it (a score not
recorded does not make it unknown: the scales are alternatives, ECOG or Karnofsky for adults, Lansky for
children under 16); unknown when no score is recorded.
"""
from __future__ import annotations

from .base import Derived, unknown

# (ECOG at or above, Karnofsky at or below, Lansky at or below): this reference's convention (FIT-01).
POOR = (3, 50, 50)  # FIT-01 line 2504: poor performance status
REDUCED = (2, 70, 70)  # FIT-01 line 2516: reduced performance status at relapse

_ECOG, _KPS, _LANSKY = "performance.ecog", "performance.karnofsky", "performance.lansky"


def _band(band: tuple[int, int, int], ecog: int | None, karnofsky: int | None, lansky: int | None,
          age: int) -> Derived:
    ecog_min, kps_max, lansky_max = band
    scores = [(ecog, ecog is not None and ecog >= ecog_min),
              (karnofsky, karnofsky is not None and karnofsky <= kps_max),
              (lansky, lansky is not None and lansky <= lansky_max)]
    if all(value is None for value, _ in scores):
        # Lansky is asked only of a child under 16 (FIT-01: "Lansky for children under 16").
        return unknown(_ECOG, _KPS, *((_LANSKY,) if age < 16 else ()))
    return Derived(any(met for _, met in scores))


def poor_ps(ecog: int | None, karnofsky: int | None, lansky: int | None, age: int) -> Derived:
    """D15: `performance.ecog >= 3`, `karnofsky <= 50` or `lansky <= 50` (PATHWAYS FIT-01, line 2504; this
    reference's convention). A red flag only when not caused by the tumour (`ps_limited_by_tumour`): the
    FIT-01 rules read that, not this value."""
    return _band(POOR, ecog, karnofsky, lansky, age)


def reduced_ps(ecog: int | None, karnofsky: int | None, lansky: int | None, age: int) -> Derived:
    """D16: `performance.ecog >= 2`, `karnofsky <= 70` or `lansky <= 70` (PATHWAYS FIT-01, line 2516; this
    reference's convention): caps a relapse-line entry at consider."""
    return _band(REDUCED, ecog, karnofsky, lansky, age)
