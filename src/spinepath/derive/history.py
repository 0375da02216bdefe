"""Summaries of `history.treatments` that rules read (STAGING §0.2 and §1.5, PATHWAYS GEN-06)."""
from __future__ import annotations

from .base import Derived, unknown
from .histology_groups import MALIGNANT

_T = "history.treatments"
INTRALESIONAL = frozenset({"decompression", "intralesional", "subtotal", "gross_total_piecemeal"})
# Operations that are not a resection: a decompression (it enters the tumour, so it is intralesional,
# but it does not resect it) and a stabilisation (instrumentation without tumour removal, 2026-12).
NO_TUMOUR_REMOVED = frozenset({"decompression", "stabilization"})
NO_TISSUE_BEFORE = frozenset({"surgical_specimen", "excisional"})


def _any(items, test) -> Derived:
    """Kleene OR over items: test returns True / False / None (unknown)."""
    if items is None:
        return unknown(_T)
    results = [test(i) for i in items]
    if any(r is True for r in results):
        return Derived(True)
    if any(r is None for r in results):
        return unknown(_T)
    return Derived(False)


def _surgeries(treatments):
    return None if treatments is None else [t for t in treatments if t.kind == "surgery"]


def prior_surgery(treatments) -> Derived:
    return unknown(_T) if treatments is None else Derived(bool(_surgeries(treatments)))


def _intralesional(s) -> bool | None:
    return None if s.extent is None else s.extent in INTRALESIONAL


def prior_intralesional_surgery(treatments) -> Derived:
    return _any(_surgeries(treatments), _intralesional)


def prior_surgery_outside_center(treatments) -> Derived:
    return _any(_surgeries(treatments), lambda s: None if s.specialized_center is None else not s.specialized_center)


def _inappropriate_margin(s) -> bool | None:
    """Intralesional, or en bloc that was not R0 (contaminated / marginal at best)."""
    if s.extent is None:
        return None
    if s.extent in INTRALESIONAL:
        return True
    if s.extent == "stabilization":
        return False  # not in GEN-06's list: the tumour was not operated on
    if s.margin is None:
        return None
    return s.margin in ("R1", "R2")


def prior_marginal_resection(treatments) -> Derived:
    """An en bloc resection whose Enneking margin was marginal (microscopic residual): CH-02, CS-02 and
    SCS-02 give adjuvant radiotherapy for it as for R1, whatever the R status."""
    return _any(_surgeries(treatments), lambda s: None if s.extent is None else s.extent == "marginal_en_bloc")


def prior_enneking_inappropriate(treatments, histology: str, benign_stage: int | None) -> Derived:
    """GEN-06: margin below what the tumour needs (malignant, GCT unless S2, benign S3)."""
    if histology == "unknown":
        return unknown("diagnosis.histology")
    if histology in MALIGNANT:
        needs_margin = True
    elif histology == "giant_cell_tumor":
        needs_margin = benign_stage != 2
    elif benign_stage is None and histology in ("osteoblastoma", "aneurysmal_bone_cyst"):
        return unknown("diagnosis.benign_stage")
    else:
        needs_margin = benign_stage == 3
    if treatments is None:
        return unknown(_T)
    if not needs_margin:
        return Derived(False)
    return _any(_surgeries(treatments), _inappropriate_margin)


def resection_before_histology(treatments, histology: str, biopsy_method: str | None) -> Derived:
    """A resection (not a decompression) done without a tissue diagnosis."""
    surgeries = _surgeries(treatments)
    if surgeries is None:
        return unknown(_T)

    def resection(s):
        return None if s.extent is None else s.extent not in NO_TUMOUR_REMOVED
    if histology == "unknown" or biopsy_method in NO_TISSUE_BEFORE:
        return _any(surgeries, resection)
    return Derived(False)


def prior_radiotherapy(treatments) -> Derived:
    return unknown(_T) if treatments is None else Derived(any(t.kind == "radiotherapy" for t in treatments))


def prior_rt_max_dose_gy(treatments) -> Derived:
    if treatments is None:
        return unknown(_T)
    courses = [t for t in treatments if t.kind == "radiotherapy"]
    if any(t.dose_gy is None for t in courses):
        return unknown(_T)
    return Derived(max((t.dose_gy for t in courses), default=0))


def prior_chemotherapy(treatments) -> Derived:
    return unknown(_T) if treatments is None else Derived(any(t.kind == "chemotherapy" for t in treatments))


def prior_denosumab(treatments) -> Derived:
    return unknown(_T) if treatments is None else Derived(any(t.kind == "denosumab" for t in treatments))


def first_resection(treatments) -> list[int]:
    """The position of the first surgery recorded as a resection (any extent but a decompression), the
    one a tissue diagnosis should have preceded: where a resection-before-histology alert belongs."""
    return [i for i, t in enumerate(treatments or [])
            if t.kind == "surgery" and t.extent is not None and t.extent not in NO_TUMOUR_REMOVED][:1]


def below_needed_margin(treatments) -> list[int]:
    """Positions of the surgeries whose margin is intralesional or not R0 (STAGING §0.2): where an
    Enneking-inappropriate alert belongs on a timeline."""
    return [i for i, t in enumerate(treatments or []) if t.kind == "surgery" and _inappropriate_margin(t) is True]


def prior_decompression(treatments) -> Derived:
    """Appendix 3: a surgery with `extent == decompression` (unknown while a surgery's extent is not recorded)."""
    return _any(_surgeries(treatments), lambda s: None if s.extent is None else s.extent == "decompression")
