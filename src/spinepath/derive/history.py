"""Summaries of `history.treatments` that rules read (STAGING §0.2 and §1.5, PATHWAYS GEN-06; additions 2026-12:
PATHWAYS Appendix 3 and the encoding spec's §2.3, D1, D6, D7, D9, D19, D20)."""
from __future__ import annotations

from .base import Derived, unknown
from .course import since_recurrence
from .histology_groups import MALIGNANT
from .kleene import all_, and_, any_, eq

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


def _needs_margin(histology: str, benign_stage: int | None) -> Derived:
    """GEN-06 / STAGING §1.5: the tumour needs an en bloc margin (malignant, GCT unless S2, benign S3)."""
    if histology == "unknown":
        return unknown("diagnosis.histology")
    if histology in MALIGNANT:
        return Derived(True)
    if histology == "giant_cell_tumor":
        return Derived(benign_stage != 2)
    if benign_stage is None and histology in ("osteoblastoma", "aneurysmal_bone_cyst"):
        return unknown("diagnosis.benign_stage")
    return Derived(benign_stage == 3)


def prior_enneking_inappropriate(treatments, histology: str, benign_stage: int | None) -> Derived:
    """GEN-06: margin below what the tumour needs (malignant, GCT unless S2, benign S3)."""
    needs_margin = _needs_margin(histology, benign_stage)
    if needs_margin.value is None:
        return needs_margin
    if treatments is None:
        return unknown(_T)
    if not needs_margin.value:
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


# ---- additions 2026-12: summaries the amended rules read (encoding spec §2.3; its open point O-5: engine
# summaries of the history, which rules cannot read, with no clinical threshold of their own)

RESIDUAL = ("unresected", "none", "microscopic", "gross")
_GROSS_EXTENTS = frozenset({"decompression", "subtotal"})
_MICROSCOPIC_EXTENTS = frozenset({"gross_total_piecemeal", "intralesional", "marginal_en_bloc"})


def residual_disease(treatments) -> Derived:
    """D1: the disease left by the last operation on the tumour, the column of PATHWAYS RT-01 (line 1525:
    "microscopic (R1, marginal, gross-total piecemeal) vs gross (R2, subtotal, decompression only,
    unresected)"). From the last surgery in `history.treatments` (the list is chronological) whose extent is
    not `stabilization`, in this order: `margin == R2` -> gross; `extent` decompression or subtotal -> gross;
    `margin == R1` -> microscopic; `extent` gross_total_piecemeal, intralesional or marginal_en_bloc ->
    microscopic; `extent == wide_en_bloc` with `margin == R0` -> none; otherwise None (extent or margin
    lacked). No surgery but stabilisations recorded -> unresected. `intralesional` is microscopic by the
    table header "R1 / marginal / intralesional" (the spec's reading of its open point O-12: the text's
    lists do not name it). A surgery whose extent is absent is taken as an operation on the tumour (only a
    recorded `stabilization` is skipped), so its margin decides if it is R1 or R2."""
    surgeries = _surgeries(treatments)
    if surgeries is None:
        return unknown(_T)
    s = _last_on_tumour(surgeries)
    if s is None:
        return Derived("unresected")
    if s.margin == "R2" or s.extent in _GROSS_EXTENTS:
        return Derived("gross")
    if s.margin == "R1" or s.extent in _MICROSCOPIC_EXTENTS:
        return Derived("microscopic")
    if s.extent == "wide_en_bloc" and s.margin == "R0":
        return Derived("none")
    return unknown(_T)


def _last_on_tumour(surgeries):
    """The last operation on the tumour: the last surgery (the list is chronological) whose extent is not
    `stabilization` (a surgery whose extent is absent counts as one); None when there is none. The one
    selection behind residual_disease and last_surgery_extent."""
    on_tumour = [s for s in surgeries if s.extent != "stabilization"]
    return on_tumour[-1] if on_tumour else None


SURGERY_EXTENTS = ("decompression", "intralesional", "subtotal", "gross_total_piecemeal", "marginal_en_bloc",
                   "wide_en_bloc")


def last_surgery_extent(treatments) -> Derived:
    """The extent of the last operation on the tumour (the surgery residual_disease reads). OS-03c reads it:
    a high-grade ESCC recorded after an en bloc or a gross-total piecemeal resection is the pre-operative
    grade or a recurrence, not OS-03's "gross epidural tumour" (second reading round 3 of s5-enc). None while
    the history is not given or the extent is absent (history.treatments lacked), and when no operation on
    the tumour is recorded (nothing lacked)."""
    surgeries = _surgeries(treatments)
    if surgeries is None:
        return unknown(_T)
    s = _last_on_tumour(surgeries)
    if s is None:
        return Derived(None)  # nothing to ask: residual_disease is then `unresected`
    return unknown(_T) if s.extent is None else Derived(s.extent)


def en_bloc_setting(treatments, local_recurrence: bool | None) -> Derived:
    """D6: the `details.setting` of an `en_bloc_resection` entry, whichever DP emits it. PATHWAYS REC-02 (line
    1755): "the setting is `salvage` whenever `derived.prior_surgery == true` at the site or
    `history.local_recurrence == true`". `salvage` when a surgery other than a stabilisation is recorded (a
    stabilisation removes no tumour) or `history.local_recurrence == true`; `primary` when the history
    records no such surgery and `history.local_recurrence` is not true (absent included, as the spec reads
    "!= true"); None while the history is not given, or a surgery's extent is absent (it may be a
    stabilisation), and no recurrence is recorded."""
    if local_recurrence is True:
        return Derived("salvage")
    surgeries = _surgeries(treatments)
    if surgeries is None:
        return unknown(_T)
    operated = any_(None if s.extent is None else s.extent != "stabilization" for s in surgeries)
    return unknown(_T) if operated is None else Derived("salvage" if operated else "primary")


def salvage_surgery_done(treatments, local_recurrence_date: str | None) -> Derived:
    """D7: a surgery dated after `history.local_recurrence_date` (REL-04 a/b: margins after the salvage
    resection). Any surgery, as the spec writes it (a stabilisation or decompression after the recurrence
    counts too). Partial dates are spans (load/dates.py): a surgery in the same month or on the same day as
    the recurrence, or undated, may be after it -> None (course.since_recurrence, as COURSE-01 step 2 reads
    it). None while the recurrence date or the history is not recorded."""
    if local_recurrence_date is None:
        return unknown("history.local_recurrence_date")
    surgeries = _surgeries(treatments)
    if surgeries is None:
        return unknown(_T)
    later = any_(since_recurrence(s.date, local_recurrence_date) for s in surgeries)
    return unknown(_T) if later is None else Derived(later)


def prior_sacral_rt(prior_rt: Derived, sacral: Derived) -> Derived:
    """D9: radiotherapy recorded for a sacral lesion, FERT-01 (a) "no RT to sacral levels recorded" (line 1908).
    A proxy, the spec's reading of its open point O-13: a radiotherapy course records no target levels in
    PATIENT.md, so prior radiotherapy (`derived.prior_radiotherapy`) to a lesion with a sacral level
    (`derived.sacral`) is read as RT to sacral levels."""
    value = and_(prior_rt.value, sacral.value)
    return unknown(*prior_rt.lacked, *sacral.lacked) if value is None else Derived(value)


def _emergency_decompression(s) -> bool | None:
    return and_(eq(s.extent, "decompression"), eq(s.emergency, True))


def ei_emergency_only(treatments, histology: str, benign_stage: int | None) -> Derived:
    """D19: every Enneking-inappropriate surgery (STAGING §1.5, as `prior_enneking_inappropriate` reads it: the
    tumour needs a margin, and the surgery was intralesional or en bloc with R1/R2; a stabilisation is not
    one) was a recorded emergency decompression: GEN-06 nuance (a), the softer alert
    `emergency_decompression_before_histology`. True when each such surgery is a `decompression` with
    `emergency == true`; false when one is not; None when a decompression's `emergency` (or what decides
    whether a surgery is Enneking-inappropriate) is absent. None with nothing lacked when no surgery is
    Enneking-inappropriate (nothing to qualify)."""
    needs_margin = _needs_margin(histology, benign_stage)
    if needs_margin.value is False:
        return Derived(None)
    surgeries = _surgeries(treatments)
    if surgeries is None:
        return unknown(*needs_margin.lacked, _T)
    marked = [(_inappropriate_margin(s), s) for s in surgeries]
    if all(m is False for m, _ in marked):
        return Derived(None)
    value = all_(any_((None if m is None else not m, _emergency_decompression(s))) for m, s in marked)
    if value is None:
        return unknown(_T, *needs_margin.lacked)
    if value is False and needs_margin.value is None:
        return unknown(*needs_margin.lacked)  # not an emergency decompression, but Enneking-inappropriate?
    return Derived(value)


SALVAGE_GROUP = "residual_after_first_surgery"


def salvage_group(enneking_inappropriate: Derived, local_recurrence: bool | None) -> Derived:
    """D20: the `details.strategy_group` shared by the salvage en bloc and the radiotherapy to the residual
    after an Enneking-inappropriate first operation (GEN-06: "alternative strategies, not a sequence";
    COURSE-04; F21): `residual_after_first_surgery` when `prior_enneking_inappropriate == true` and
    `history.local_recurrence` is not true; None otherwise (nothing lacked), or while
    `prior_enneking_inappropriate` is unknown (its lacked fields)."""
    if local_recurrence is True:
        return Derived(None)
    if enneking_inappropriate.value is None:
        return Derived(None, enneking_inappropriate.lacked)
    return Derived(SALVAGE_GROUP if enneking_inappropriate.value else None)
