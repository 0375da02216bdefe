"""Lines of chemotherapy: which recorded course is the first line, whether it is still running, which later
line is running, under which regimen the tumour progressed, and the line a relapse regimen would be (encoding
spec §2.3, D2-D5, D14, D21, D22, first_line_running; its open point O-5: summaries of `history.treatments`,
which rules cannot read, with no clinical threshold of their own).

*Line* is PATHWAYS' terminology (a new line is a new regimen given because of progression or relapse; a
change for toxicity, or the planned parts of one regimen such as VDC and IE, does not start one). A course
whose line, regimen or response is not recorded makes the value unknown whenever it could change it: the
value is then None with `history.treatments` lacked, never a guess.
"""
from __future__ import annotations

from typing import Callable

from .base import Derived, unknown
from .course import chemo_lines
from .regimens import agents, canonical, contains_anthracycline, renal_agents

_TX = "history.treatments"
NOT_APPLICABLE = Derived(None)  # nothing to name (no such course): None with nothing lacked


def _chemo(treatments) -> list:
    return [t for t in treatments if t.kind == "chemotherapy"]


def first_line_courses(treatments) -> list | None:
    """The first-line courses (`line == 1`, or the only chemotherapy course when its `line` is absent, as
    COURSE-01 step 5 reads it); [] when no chemotherapy is recorded; None when chemotherapy is recorded but
    no course can be told to be the first line (several courses without line 1; only later lines recorded,
    so the first line was given but is not in the file)."""
    chemo = _chemo(treatments)
    if len(chemo) == 1 and chemo[0].line is None:
        return chemo
    first = [c for c in chemo if c.line == 1]
    return first if first or not chemo else None


def _same(value):
    """What makes two recorded values the same: a regimen in any spelling (`VDC/IE` = `VDC_IE`)."""
    return agents(value) if isinstance(value, str) else value


def _one(courses: list, attribute: Callable) -> Derived:
    """The value the courses agree on (the planned parts of one line recorded as separate courses must name
    the same thing); None with the history lacked when one is not recorded or they differ."""
    values = [attribute(c) for c in courses]
    if any(v is None for v in values) or len({_same(v) for v in values}) != 1:
        return unknown(_TX)
    return Derived(values[0])


def _regimen(c) -> str | None:
    """A course's regimen in the regimen table's spelling (rules compare it with `equals: MAP`)."""
    return None if c.regimen is None else canonical(c.regimen)


def _of_courses(courses_of: Callable, treatments, attribute: Callable) -> Derived:
    """One attribute of the courses `courses_of` picks: unknown while the history (or which courses they
    are) is not known, not applicable when there is none."""
    if treatments is None:
        return unknown(_TX)
    courses = courses_of(treatments)
    if courses is None:
        return unknown(_TX)
    if not courses:
        return NOT_APPLICABLE
    return _one(courses, attribute)


def _of_first_line(treatments, attribute: Callable) -> Derived:
    return _of_courses(first_line_courses, treatments, attribute)


def first_line_regimen(treatments) -> Derived:
    """D2: the `regimen` of the first-line chemotherapy course (`line == 1`, or the only chemotherapy course
    when its `line` is absent). None with nothing lacked when no chemotherapy is recorded; None with the
    history lacked when the first-line course cannot be told, its regimen is not recorded, or first-line
    courses name different regimens (spec: "the first-line course", one; VDC and IE recorded as two line-1
    courses are asked as one regimen, `VDC_IE`). In the regimen table's spelling when it has a row (`VDC/IE`
    -> `VDC_IE`), else as recorded. Read by S-FL-CONT, COURSE-02/03, OS-05."""
    return _of_first_line(treatments, _regimen)


def first_line_running(treatments) -> Derived:
    """A first-line chemotherapy course (as `first_line_regimen` finds it) is recorded with `completed: false`:
    the first line is still under way, so COURSE-03 b may propose continuing it; a completed first line is not
    continued. False when no chemotherapy is recorded or every first-line course is recorded `completed: true`;
    None with the history lacked when the first line cannot be told, or a first-line course's `completed` is
    absent and none is recorded running (it may still be under way). Read by COURSE-03b1/b2."""
    if treatments is None:
        return unknown(_TX)
    courses = first_line_courses(treatments)
    if courses is None:
        return unknown(_TX)
    if any(c.completed is False for c in courses):
        return Derived(True)
    if any(c.completed is None for c in courses):
        return unknown(_TX)
    return Derived(False)


def induction_response(treatments) -> Derived:
    """D21: the `response` (`response` `stable` `progression`) of the first-line chemotherapy course, as
    `first_line_regimen` finds it. Read by EW-04 (PATHWAYS EW-04: "`response == stable`", Appendix 2 item 22)."""
    return _of_first_line(treatments, lambda c: c.response)


def _running_later_line(treatments) -> list | None:
    """D3: the chemotherapy courses with `completed == false` and the highest line, that line being >= 2; []
    when there is none; None when a course whose `completed` or `line` is absent could be one of them."""
    chemo = _chemo(treatments)
    running = [c for c in chemo if c.completed is False and c.line is not None and c.line >= 2]
    top = max((c.line for c in running), default=2)
    # A course that may be running (`completed` absent) or may be of a later line (`line` absent), at a line
    # that may be the highest: it could be the course named, or one beside it.
    maybe = [c for c in chemo if all(c is not r for r in running) and c.completed is not True
             and (c.line is None or c.line >= top)]
    if maybe:
        return None
    return [c for c in running if c.line == top]


def _of_running(treatments, attribute: Callable) -> Derived:
    return _of_courses(_running_later_line, treatments, attribute)


def running_regimen(treatments) -> Derived:
    """D3: the `regimen` (in the table's spelling) of the chemotherapy course with `completed == false` and the
    highest `line` (`line >= 2`); None when there is none (nothing lacked) or a value is absent (the history
    lacked). Read by REL-02 b and REL-03 (continuation of a second line that is working)."""
    return _of_running(treatments, _regimen)


def running_line(treatments) -> Derived:
    """D3: the `line` of that course (an integer >= 2)."""
    return _of_running(treatments, lambda c: c.line)


def running_response(treatments) -> Derived:
    """D3: the `response` of that course (`response` `stable` `progression`)."""
    return _of_running(treatments, lambda c: c.response)


def progression_regimen(treatments) -> Derived:
    """D4: the `regimen` of the last chemotherapy course (the list is chronological) with `response ==
    progression`: the regimen COURSE-05 does not continue by default. None with nothing lacked when no course
    progressed; None with the history lacked when a later course's response is not recorded (it may be the
    last that progressed) or that course's regimen is not recorded."""
    if treatments is None:
        return unknown(_TX)
    for c in reversed(_chemo(treatments)):
        if c.response is None:
            return unknown(_TX)
        if c.response == "progression":
            return unknown(_TX) if c.regimen is None else Derived(canonical(c.regimen))
    return NOT_APPLICABLE


def relapse_line(treatments) -> Derived:
    """D5: the line of a relapse regimen, `max(2, chemo_lines + 1)` (REL `details.line`); None while
    `chemo_lines` is unknown."""
    lines = chemo_lines(treatments)
    return lines if lines.value is None else Derived(max(2, lines.value + 1))


def regimen_renal_agents(first_line: Derived) -> Derived:
    """D14: the first-line regimen is named under cisplatin, high-dose methotrexate or ifosfamide by FIT-03
    (the regimen table's FIT-03 column, literally: VIDE and the osteosarcoma-type value are not named there,
    so false; the spec's open point O-11). None when the first-line regimen is unknown, or is a string
    PATHWAYS says nothing of (`per_*`, or no row). Read by the fitness caps for continuation entries."""
    if first_line.value is None:
        return first_line
    named = renal_agents(first_line.value)
    return unknown(_TX) if named is None else Derived(bool(named))


def regimen_anthracycline(first_line: Derived) -> Derived:
    """D22: the first-line regimen is in the terminology's anthracycline list (true), in its anthracycline-free
    list (false); None otherwise, as for the anthracycline values (a recorded string in neither list is
    unknown). Read by COURSE-03 b (which continuation derives `anthracycline_proposed`)."""
    if first_line.value is None:
        return first_line
    found = contains_anthracycline(first_line.value)
    return unknown(_TX) if found is None else Derived(found)
