"""Dates as a patient file writes them (YYYY, YYYY-MM or YYYY-MM-DD) and how two of them compare.

A date with fewer parts is a span, not a day: `2016` is any day of 2016, so it is neither before nor
after `2016-03`. Every comparison here says "before" or "after" only when the spans do not overlap,
and None when the file does not say; nothing is ever decided by padding a partial date with a day.
The checks that a treatment is not after the board's date (`brief --date`) and that the list is in
date order use these functions, as will the check against the patient's `as_of`.
"""
from __future__ import annotations

import calendar
import datetime
import re

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def span(text) -> tuple[datetime.date, datetime.date] | None:
    """(first day, last day) of a YYYY, YYYY-MM or YYYY-MM-DD date; None if it is not one (or not a
    day of the calendar, such as 2011-02-30). A bare year written as a YAML number is accepted."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        return None
    m = _PARTIAL.match(text)
    if not m:
        return None
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        if day is None:
            last = calendar.monthrange(year, int(month))[1]
            return datetime.date(year, int(month), 1), datetime.date(year, int(month), last)
        one = datetime.date(year, int(month), int(day))
        return one, one
    except ValueError:  # month 13, 30 February, year 0
        return None


def compare(a, b) -> int | None:
    """-1 if date a is wholly before date b, 1 if wholly after, 0 if both are the same single day,
    None when their spans overlap (2016 and 2016-03) or either is missing or not a date."""
    sa, sb = span(a), span(b)
    if sa is None or sb is None:
        return None
    if sa[1] < sb[0]:
        return -1
    if sa[0] > sb[1]:
        return 1
    if sa[0] == sa[1] == sb[0] == sb[1]:
        return 0
    return None


def after(date, day: datetime.date) -> bool:
    """True when the date is certainly after that day (its first possible day is later)."""
    s = span(date)
    return s is not None and s[0] > day


def chronological(dates: list) -> list[int]:
    """Indices of the dated entries in date order, then the undated ones, each group keeping the file's
    order wherever the dates do not decide (a year and a month of that year, two equal dates).

    An entry moves up past those it is wholly before, and never past one whose date overlaps its own:
    `2016-03` surgery, `2016` chemotherapy stays in that order."""
    spans = [span(d) for d in dates]
    out: list[int] = []
    for i, s in enumerate(spans):
        if s is None:
            continue
        at = len(out)
        while at > 0 and s[1] < spans[out[at - 1]][0]:
            at -= 1
        out.insert(at, i)
    return out + [i for i, s in enumerate(spans) if s is None]


def first_out_of_order(dates: list) -> tuple[int, int] | None:
    """(i, j) for the first entry i that is wholly before an earlier entry j of the list, or None."""
    spans = [span(d) for d in dates]
    latest: tuple[datetime.date, int] | None = None  # the latest first day so far, and where
    for i, s in enumerate(spans):
        if s is None:
            continue
        if latest is not None and s[1] < latest[0]:
            j = next(k for k in range(i) if spans[k] is not None and s[1] < spans[k][0])
            return i, j
        if latest is None or s[0] > latest[0]:
            latest = (s[0], i)
    return None
