"""Order of the partial dates of a patient file (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, PATIENT.md).

A partial date is a span of days: `2011-02` is any day of February 2011. One date is *after* another
only when every day of its span is later than every day of the other's; two spans that overlap cannot
be ordered, and the answer is then unknown (None), never a guess. The `as_of` check (load) and the
course of disease (derive: COURSE-01 step 2, what was given after a recurrence) both read this, so the
two can never disagree.

The views (the brief's treatment table and timeline) and the checks of the treatment list (a treatment
dated after the board date of `brief --date`, a list out of date order) use the same spans, through the
functions below `after`: `days` reads a date that may be malformed, `chronological` sorts a treatment
list, `first_out_of_order` finds the entry that breaks its order.
"""
from __future__ import annotations

import calendar
import datetime
import re
from typing import Sequence


def span(date: str) -> tuple[str, str]:
    """The first and the last day a date can mean, as ISO text (which sorts as time does)."""
    parts = str(date).split("-")
    year = int(parts[0])
    if len(parts) == 1:
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    month = int(parts[1])
    if len(parts) == 2:
        last = calendar.monthrange(year, month)[1]
        return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"
    return (str(date),) * 2


def earliest(dates: list[str]) -> tuple[str, str]:
    """The span of the earliest of several dates (e.g. the start of chemotherapy over its courses): it
    cannot be earlier than the earliest first day, nor later than the earliest last day."""
    spans = [span(d) for d in dates]
    return min(s[0] for s in spans), min(s[1] for s in spans)


def after(a: str | tuple[str, str], b: str | tuple[str, str]) -> bool | None:
    """Is `a` later than `b` (dates or spans)? True or False when the spans decide it; None when they
    overlap. The same day is not after."""
    a_first, a_last = span(a) if isinstance(a, str) else a
    b_first, b_last = span(b) if isinstance(b, str) else b
    if a_first > b_last:
        return True
    if a_last <= b_first:
        return False
    return None


# ---------------------------------------------------------------- the treatment list and its views

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def days(text: object) -> tuple[datetime.date, datetime.date] | None:
    """(first day, last day) of a YYYY, YYYY-MM or YYYY-MM-DD date, or None when it is not one or not a
    day of the calendar (2011-02-30). A year that YAML read as a number is taken as written."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or not _PARTIAL.match(text):
        return None
    try:
        first, last = span(text)
        return datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
    except ValueError:  # month 13, 30 February, year 0
        return None


def after_day(date: object, day: datetime.date) -> bool:
    """True when the date is certainly after that day (its first possible day is later)."""
    return days(date) is not None and after(str(date), day.isoformat()) is True


def _first_day(s: tuple[datetime.date, datetime.date] | None) -> datetime.date:
    assert s is not None  # only dated entries are compared
    return s[0]


def chronological(dates: Sequence[object]) -> list[int]:
    """Indices of the dated entries in date order, then the undated ones, each group keeping the file's
    order wherever the dates do not decide (a year and a month of that year, two equal dates).

    An entry moves up past those it is wholly before, and never past one whose date overlaps its own:
    `2016-03` surgery, `2016` chemotherapy stays in that order."""
    spans = [days(d) for d in dates]
    out: list[int] = []
    for i, s in enumerate(spans):
        if s is None:
            continue
        at = len(out)
        while at > 0 and s[1] < _first_day(spans[out[at - 1]]):
            at -= 1
        out.insert(at, i)
    return out + [i for i, s in enumerate(spans) if s is None]


def first_out_of_order(dates: Sequence[object]) -> tuple[int, int] | None:
    """(i, j) for the first entry i that is wholly before an earlier entry j of the list, or None."""
    spans = [days(d) for d in dates]
    latest: datetime.date | None = None  # the latest first day so far
    for i, s in enumerate(spans):
        if s is None:
            continue
        if latest is not None and s[1] < latest:
            j = next(k for k in range(i) if spans[k] is not None and s[1] < _first_day(spans[k]))
            return i, j
        if latest is None or s[0] > latest:
            latest = s[0]
    return None
