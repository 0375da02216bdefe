"""Anthracycline exposure as FIT-02 reads it: the time of scoring and earlier programmes (Appendix 3).

`anthracycline_timing` says whether an anthracycline programme is under way (`on_treatment`: monitor,
do not re-score HFA-ICOS) or not yet started (`baseline`: score once before the first dose).
`prior_anthracycline` counts only courses that ended before the current programme started: the cycles
being delivered are never "previous anthracycline exposure" (FIT-02, second reading).
"""
from __future__ import annotations

from .base import Derived
from .course import FIRST_LINE_STATES
from .kleene import and_, any_, or_
from .regimens import UNLISTED, anthracycline
from .regimens import contains_anthracycline as _contains  # the callers have already reported an unlisted one

_TX = "history.treatments"
_STATUS = "course.status"
_CUMULATIVE = "history.anthracycline_cumulative_mg_m2"
UNLISTED_FLAG = "regimen_not_classified"


def _courses(treatments) -> list:
    return [t for t in treatments if t.kind == "chemotherapy"]


def _current(course, first_line_state: bool | None) -> bool | None:
    """Appendix 3: an anthracycline course of the current programme: `completed == false`, or, in a
    first-line state, a first-line course (`line == 1` or absent)."""
    return and_(_contains(course.regimen),
                or_(None if course.completed is None else course.completed is False,
                    and_(first_line_state, course.line in (1, None))))


def _unlisted(treatments) -> Derived | None:
    names = sorted({c.regimen for c in _courses(treatments) if anthracycline(c.regimen) == UNLISTED})
    if not names:
        return None
    return Derived(None, (_TX,), ((UNLISTED_FLAG, f"regimen {', '.join(names)} is in neither regimen list of "
                                   "PATHWAYS (anthracycline or anthracycline-free): whether it contained an "
                                   "anthracycline is not known"),))


def anthracycline_timing(treatments, state: Derived) -> Derived:
    """`on_treatment`, `baseline`, or None (a regimen in neither list; a course whose regimen, `completed`
    or course state would decide it is not recorded)."""
    if treatments is None:
        return Derived(None, (_TX,))
    unlisted = _unlisted(treatments)
    if unlisted:
        return unlisted
    first_line_state = None if state.value is None else state.value in FIRST_LINE_STATES
    current = any_(_current(c, first_line_state) for c in _courses(treatments))
    if current is None:
        return Derived(None, (_TX,) + ((_STATUS,) if state.value is None else ()))
    return Derived("on_treatment" if current else "baseline")


def prior_anthracycline(treatments, cumulative_mg_m2: float | None, timing: Derived, state: Derived) -> Derived:
    """Appendix 3. At `baseline`: any recorded anthracycline course, or `history.anthracycline_cumulative_mg_m2
    > 0` (anthracycline given for an earlier cancer is recorded this way). That term needs the dose: with it
    absent and no anthracycline course recorded, the value is unknown and the dose is what it lacked
    (PATHWAYS "How to read": a term needing an absent field is unknown, never false). `on_treatment`: only an
    anthracycline course of a lower line than the running one, recorded `completed: true` (the cumulative
    dose then includes the running cycles, so it is not read); an earlier anthracycline course whose
    `completed` is absent may have ended before the running one started: unknown."""
    if timing.value is None:
        return Derived(None, timing.lacked)
    courses = _courses(treatments)
    if timing.value == "baseline":
        by_course = any_(_contains(c.regimen) for c in courses)
        by_dose = None if cumulative_mg_m2 is None else cumulative_mg_m2 > 0
        given = any_((by_course, by_dose))
        if given is not None:
            return Derived(given)
        return Derived(None, ((_TX,) if by_course is None else ()) + ((_CUMULATIVE,) if by_dose is None else ()))
    first_line_state = None if state.value is None else state.value in FIRST_LINE_STATES
    running = {id(c): c for c in courses if _current(c, first_line_state) is True}
    lines = [c.line for c in running.values()]
    line = None if None in lines else max(lines)

    def earlier(c) -> bool | None:
        if id(c) in running:
            return False
        lower = None if line is None or c.line is None else c.line < line
        return and_(_contains(c.regimen), lower, c.completed)
    given = any_(earlier(c) for c in courses)
    return Derived(None, (_TX,)) if given is None else Derived(given)


def non_anthracycline_chemotherapy(treatments) -> bool | None:
    """HFA-ICOS factor "previous non-anthracycline chemotherapy" (STAGING §8.4): a recorded chemotherapy
    course without an anthracycline; None when a course's regimen is absent or in neither list."""
    if treatments is None:
        return None
    kinds = [anthracycline(c.regimen) for c in _courses(treatments)]
    return any_(None if k in (None, UNLISTED) else not k for k in kinds)
