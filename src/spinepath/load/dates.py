"""Order of the partial dates of a patient file (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, PATIENT.md).

A partial date is a span of days: `2011-02` is any day of February 2011. One date is *after* another
only when every day of its span is later than every day of the other's; two spans that overlap cannot
be ordered, and the answer is then unknown (None), never a guess. The `as_of` check (load) and the
course of disease (derive: COURSE-01 step 2, what was given after a recurrence) both read this, so the
two can never disagree.
"""
from __future__ import annotations

import calendar


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
