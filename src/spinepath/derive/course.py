"""Where the patient stands in the course of disease (PATHWAYS section M, COURSE-01; STAGING §11).

`disease_state` follows COURSE-01 step by step, in its stated order: the first step that applies gives
the value, and a step that gives None ends the derivation (the state is then asked: `course.status` is
what it lacked). The state is never presumed (QP-02); while it is unknown and prior treatment is
recorded, COURSE-08 applies (a rule, not this module). The values that read the state (`relapse`,
`relapse_or_progression`, `active_treatment`) and the line count (`chemo_lines`) are here too.
"""
from __future__ import annotations

from ..load.dates import after, earliest, span
from .base import Derived, unknown
from .kleene import any_

STATES = ("untreated", "in_first_line_treatment", "after_local_control", "no_evidence_of_disease",
          "residual_or_progressive", "local_recurrence", "distant_relapse", "suspected_recurrence")
FIRST_LINE_STATES = frozenset({"in_first_line_treatment", "after_local_control"})
RELAPSE = frozenset({"local_recurrence", "distant_relapse"})
# Appendix 3: `suspected_recurrence` is not a relapse or progression (nothing is treated as a relapse
# before it is confirmed, COURSE-09).
RELAPSE_OR_PROGRESSION = RELAPSE | {"residual_or_progressive"}
ACTIVE = frozenset({"in_first_line_treatment", "after_local_control", "residual_or_progressive"})

# COURSE-01 step 1: an emergency operation before the oncological treatment does not make the tumour
# "treated" (extent decompression or stabilisation).
NOT_ONCOLOGICAL = frozenset({"decompression", "stabilization"})
# COURSE-01 step 2: what counts as "surgery, RT or a systemic course" started after a recurrence.
_AFTER_RECURRENCE = frozenset({"surgery", "radiotherapy", "chemotherapy", "denosumab"})
# COURSE-01 step 5b: "for an intralesional operation, extent" (PATIENT.md extents that remove tumour
# inside its capsule; a decompression or stabilisation is not local control).
_INTRALESIONAL_REMOVAL = frozenset({"intralesional", "subtotal", "gross_total_piecemeal"})

_STATUS = "course.status"
_TX = "history.treatments"
CONFLICT = "course_status_conflicts_with_history"
UNCHECKED = "course_status_unchecked"


def _flag(code: str, message: str) -> tuple[tuple[str, str], ...]:
    return ((code, message),)


def _chemo(treatments) -> list:
    return [t for t in treatments if t.kind == "chemotherapy"]


def _contradiction(status: str, treatments) -> str | None:
    """COURSE-01 step 1: the history facts that contradict a recorded `course.status`."""
    for i, t in enumerate(treatments or []):
        if status == "untreated":
            if t.kind in ("chemotherapy", "radiotherapy", "denosumab", "embolization", "ablation"):
                return f"course.status is untreated, but a {t.kind} is recorded (history.treatments[{i}])"
            if t.kind == "surgery" and t.extent is not None and t.extent not in NOT_ONCOLOGICAL:
                return (f"course.status is untreated, but a surgery of extent {t.extent} is recorded "
                        f"(history.treatments[{i}]); only a decompression or stabilisation leaves it untreated")
        if status in FIRST_LINE_STATES and t.kind == "chemotherapy" and t.line is not None and t.line >= 2:
            return (f"course.status is {status}, but a chemotherapy course of line {t.line} is recorded "
                    f"(history.treatments[{i}])")
    return None


def _unchecked(status: str, treatments) -> str | None:
    """A contradiction of step 1 that the file cannot exclude, because the field that would show it is absent:
    `untreated` with a surgery whose extent is not recorded (it may be a resection), or a first-line status
    with a chemotherapy course whose line is not recorded (it may be line 2 or more). Step 1 then needs an
    absent field, so it is unknown (PATHWAYS "How to read"), not a recorded state that stands. One chemotherapy
    course without its line is first line, as COURSE-01 step 5 and `chemo_lines` read it: nothing to check."""
    treatments = treatments or []
    for i, t in enumerate(treatments):
        if status == "untreated" and t.kind == "surgery" and t.extent is None:
            return (f"course.status is untreated, but a surgery is recorded without its extent "
                    f"(history.treatments[{i}]): only a decompression or stabilisation leaves the tumour untreated")
    chemo = _chemo(treatments)
    if status in FIRST_LINE_STATES and len(chemo) > 1:
        for i, t in enumerate(treatments):
            if t.kind == "chemotherapy" and t.line is None:
                return (f"course.status is {status}, but a chemotherapy course is recorded without its line "
                        f"(history.treatments[{i}]): a course of line 2 or more would contradict it")
    return None


def since_recurrence(treated: str | None, recurrence: str) -> bool | None:
    """Did a treatment dated `treated` start after the local recurrence of `recurrence`? Unknown when either
    can fall on the day of the other: the dates overlap, or the treatment's last possible day is the
    recurrence's first (the same day: which came first is not recorded; second reading, A1). The one home of
"given since the recurrence": COURSE-01 step 2, `active_treatment`, `salvage_surgery_done`."""
    if treated is None:
        return None
    later = after(treated, recurrence)
    if later is False and span(treated)[1] == span(recurrence)[0]:
        return None
    return later


def _recurrence_step(date: str | None, treatments) -> Derived:
    """COURSE-01 step 2 (`history.local_recurrence == true`)."""
    if date is None:
        # 2'': the flag keeps its recorded meaning, "a local recurrence is present now". PATHWAYS lists the
        # date under `missing`: that is for the rule that reads it (no note here, so that files written
        # before this addition read as before).
        return Derived("local_recurrence")
    later = [(i, t, since_recurrence(t.date, date)) for i, t in enumerate(treatments or []) if t.kind in _AFTER_RECURRENCE]
    treated = [(i, t) for i, t, a in later if a is True]
    if treated:
        i, t = treated[0]
        return Derived(None, (_STATUS,), _flag(
            "treated_after_recurrence", f"a {t.kind} of {t.date} (history.treatments[{i}]) started after the "
            f"local recurrence of {date}: under treatment for the recurrence, no evidence of disease, or "
            "progressing? (COURSE-01 step 2)"))
    undecided = [(i, t) for i, t, a in later if a is None]
    if undecided:
        i, t = undecided[0]
        when = f"of {t.date}" if t.date else "without a date"
        return Derived(None, (_STATUS,), _flag(
            "treated_after_recurrence", f"the {t.kind} {when} (history.treatments[{i}]) may have started after "
            f"the local recurrence of {date}: under treatment for the recurrence, no evidence of disease, or "
            "progressing? (COURSE-01 step 2)"))
    return Derived("local_recurrence")


def _later_line_step(chemo: list, metastases: str | None) -> Derived | None:
    """COURSE-01 step 3: a chemotherapy course of line >= 2."""
    later = [c for c in chemo if c.line is not None and c.line >= 2]
    if not later:
        return None
    if all(c.completed is True for c in later):
        return Derived(None, (_STATUS,), _flag(
            "later_line_completed", "every chemotherapy course of line 2 or more is completed: the patient may "
            "be in a second remission (COURSE-01 step 3)"))
    if metastases in ("solitary", "multiple"):
        return Derived("distant_relapse")
    if metastases == "none":
        return Derived("residual_or_progressive")
    # PATHWAYS reads "else residual_or_progressive"; distant disease that is not recorded is unknown, not
    # absent, so the step cannot choose between the two states: it is one of them (D3), and what they agree
    # on is known.
    return Derived(None, (_STATUS, "staging.metastases"), among=("distant_relapse", "residual_or_progressive"))


def _myeloma_step(histology: str, treatments, marrow: float | None, metastases: str | None) -> Derived | None:
    """COURSE-01 step 3b: a solitary plasmacytoma after radiotherapy that has progressed to myeloma."""
    if histology != "plasmacytoma" or not any(t.kind == "radiotherapy" for t in treatments):
        return None
    progressed = any_((None if marrow is None else marrow >= 10,
                       None if metastases is None else metastases in ("solitary", "multiple")))
    if progressed is True:
        return Derived("distant_relapse")
    if progressed is None:
        # Not known whether step 3b applies, so no later step may give the state.
        return unknown(_STATUS, "diagnosis.marrow_plasma_cells_percent", "staging.metastases")
    return None


def _local_control(t) -> bool:
    """COURSE-01 step 5b: a surgery whose margin (or, when it was intralesional, its extent) is recorded."""
    if t.kind != "surgery" or t.extent in NOT_ONCOLOGICAL:
        return False
    return t.margin is not None or t.extent in _INTRALESIONAL_REMOVAL


def _first_line_step(treatments, chemo: list) -> Derived | None:
    """COURSE-01 steps 5 and 5b: only first-line chemotherapy, a course under way."""
    if not chemo:
        return None
    only_first_line = all(c.line == 1 for c in chemo) or (len(chemo) == 1 and chemo[0].line is None)
    if not only_first_line or not any(c.completed is False for c in chemo):
        return None
    local = [t for t in treatments if t.kind in ("surgery", "radiotherapy")]
    if not local:
        return Derived("in_first_line_treatment")
    if any(c.date is None for c in chemo):
        return None  # the start of chemotherapy is not known: nothing can be placed after it
    start = earliest([c.date for c in chemo])
    placed = [(t, None if t.date is None else after(t.date, start)) for t in local]
    if all(a is False for _, a in placed):
        return Derived("in_first_line_treatment")
    if any(a is True and _local_control(t) for t, a in placed):
        return Derived("after_local_control")  # whatever the margin, R2 included (5b)
    return None


def disease_state(status: str | None, treatments, local_recurrence: bool | None,
                  local_recurrence_date: str | None, metastases: str | None, histology: str,
                  marrow_plasma_cells_percent: float | None) -> Derived:
    """COURSE-01, steps 1-6 in order. `suspected_recurrence` comes only from `course.status`."""
    if status is not None:  # step 1
        conflict = _contradiction(status, treatments)
        if conflict:
            return Derived(None, (_STATUS,), _flag(CONFLICT, conflict + ": record course.status again "
                                                   "(COURSE-01 step 1)"))
        unchecked = _unchecked(status, treatments)
        if unchecked:
            return Derived(None, (_STATUS, _TX), _flag(UNCHECKED, unchecked + " (COURSE-01 step 1)"))
        return Derived(status)
    if local_recurrence is True:  # step 2
        return _recurrence_step(local_recurrence_date, treatments)
    if treatments is None:
        return unknown(_STATUS)
    chemo = _chemo(treatments)
    for step in (_later_line_step(chemo, metastases),  # step 3
                 _myeloma_step(histology, treatments, marrow_plasma_cells_percent, metastases)):  # 3b
        if step is not None:
            return step
    if not treatments:  # step 4
        return Derived("untreated")
    return _first_line_step(treatments, chemo) or unknown(_STATUS)  # steps 5, 5b, 6


def _agreed(state: Derived, read) -> Derived:
    """A value read from the state: read from it when it is known; when it is unknown but can only be one of
    `state.among`, the value every candidate gives if they all give the same known one (D3); else unknown."""
    if state.value is not None:
        return read(state)
    values = [read(Derived(c)) for c in state.among]
    if values and values[0].value is not None and all(v.value == values[0].value for v in values):
        return Derived(values[0].value)
    return Derived(None, tuple(dict.fromkeys(f for d in (state, *values) for f in d.lacked)))


def _from_state(state: Derived, members: frozenset[str]) -> Derived:
    return _agreed(state, lambda s: Derived(s.value in members))


def relapse(state: Derived) -> Derived:
    """Appendix 3: `disease_state` in {local_recurrence, distant_relapse}."""
    return _from_state(state, RELAPSE)


def relapse_or_progression(state: Derived) -> Derived:
    """Appendix 3: `disease_state` in {local_recurrence, distant_relapse, residual_or_progressive}."""
    return _from_state(state, RELAPSE_OR_PROGRESSION)


def active_treatment(state: Derived, treatments, local_recurrence_date: str | None) -> Derived:
    """Appendix 3: `disease_state` in {in_first_line_treatment, after_local_control, residual_or_progressive},
    or a relapse under treatment.

    A relapse is *under treatment* when a chemotherapy course is recorded as under way (`completed: false`)
    or a treatment is dated after `history.local_recurrence_date`; it is *not* when that date is recorded,
    every treatment is dated before it and no course is under way (COURSE-01 step 2: a recurrence with
    nothing given since). Otherwise it is unknown. Untreated, no evidence of disease and a suspected
    recurrence (work-up only, COURSE-09) are not active treatment.
    """
    if state.value is None:
        return _agreed(state, lambda s: active_treatment(s, treatments, local_recurrence_date))
    if state.value not in RELAPSE:
        return Derived(state.value in ACTIVE)
    treatments = treatments or []
    if any(t.kind == "chemotherapy" and t.completed is False for t in treatments):
        return Derived(True)
    if local_recurrence_date is not None:
        placed = [since_recurrence(t.date, local_recurrence_date) for t in treatments if t.kind in _AFTER_RECURRENCE]
        if any(a is True for a in placed):
            return Derived(True)
        if all(a is False for a in placed):
            return Derived(False)
    elif state.value == "local_recurrence":
        return unknown("history.local_recurrence_date")
    return unknown(_TX)


def chemo_lines(treatments) -> Derived:
    """Appendix 3: the highest recorded `line` (0 when no chemotherapy is recorded). One course without
    `line` counts as line 1, as COURSE-01 step 5 reads it; with several courses and a line missing the
    count is unknown (the course could be a later line)."""
    if treatments is None:
        return unknown(_TX)
    chemo = _chemo(treatments)
    if len(chemo) == 1 and chemo[0].line is None:
        return Derived(1)
    if any(c.line is None for c in chemo):
        return unknown(_TX)
    return Derived(max((c.line for c in chemo), default=0))


def course_status_conflict(state: Derived) -> Derived:
    """D17: `course.status` is recorded and contradicts the history (COURSE-01 step 1, PATHWAYS line 2075;
    STAGING §11 row 1′): the COURSE-01 alert `course_status_conflicts_with_history` reads it. Read from the
    state's own derivation (one home for the contradictions): true when `disease_state` gave None for that
    reason; false otherwise, also when `course.status` is not recorded (nothing recorded to contradict) and
    when the history is not given (the recorded status then stands, as in `disease_state`)."""
    return Derived(any(code == CONFLICT for code, _ in state.flags))


# Encoding spec §2.3 D18: the `details.setting` of a staging entry (GEN-02, SCS-01, COURSE-03, COURSE-09).
BASELINE_STATES = frozenset({"untreated"})
RESTAGING_STATES = frozenset({"in_first_line_treatment", "local_recurrence", "distant_relapse",
                              "residual_or_progressive", "suspected_recurrence"})


def staging_setting(state: Derived) -> Derived:
    """D18: `baseline` when untreated; `restaging` in first-line treatment (COURSE-03), at a local recurrence,
    a distant relapse, with residual or progressive disease, or a suspected recurrence; None otherwise (after
    local control and with no evidence of disease no staging entry is emitted; while the state is unknown the
    setting is too, and the key is left out of `details`: the spec's reading of its open point O-27)."""
    if state.value is None:
        return Derived(None, state.lacked)
    if state.value in BASELINE_STATES:
        return Derived("baseline")
    return Derived("restaging" if state.value in RESTAGING_STATES else None)
