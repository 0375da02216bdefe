"""The treatment history against the calendar: a treatment dated after the day the patient is seen
is an error, and a list out of date order gets a warning (PATIENT.md: "list, chronological").

The day comes from the caller: the board's date of `brief --date` and `board --date`. Dates are compared
as spans (load/dates.py, the same `after` that checks the patient's `as_of` on the issue-20 branch), so
`2026` is not after 2026-06-01.
"""
from __future__ import annotations

import datetime

from .dates import after_day, first_out_of_order
from .diagnostics import Diagnostic
from .yamlsafe import Document

_PATH = ("history", "treatments")


def _treatments(doc: Document) -> list:
    history = doc.data.get("history") if isinstance(doc.data, dict) else None
    treatments = history.get("treatments") if isinstance(history, dict) else None
    return treatments if isinstance(treatments, list) else []


def _date(t):
    return t.get("date") if isinstance(t, dict) else None


def treatments_after(doc: Document, day: datetime.date, what: str) -> list[Diagnostic]:
    """An error for each treatment dated after `day`, which `what` names ("the board date (--date)")."""
    out = []
    for i, t in enumerate(_treatments(doc)):
        if after_day(_date(t), day):
            line, col = doc.value_at(_PATH + (i, "date"))
            out.append(Diagnostic(doc.file, line, col, "chronology",
                                  f"history.treatments[{i}] is dated {_date(t)}, after {what} {day.isoformat()}: "
                                  "a treatment cannot come after the day the patient is discussed; correct the "
                                  "date, or the day"))
    return out


def order_warnings(doc: Document) -> list[Diagnostic]:
    """A warning when a treatment is listed after one it wholly precedes (views sort by date)."""
    treatments = _treatments(doc)
    found = first_out_of_order([_date(t) for t in treatments])
    if found is None:
        return []
    i, j = found
    line, col = doc.value_at(_PATH + (i, "date"))
    return [Diagnostic(doc.file, line, col, "chronology",
                       f"history.treatments[{i}] ({_date(treatments[i])}) is listed after history.treatments[{j}] "
                       f"({_date(treatments[j])}): the list should be in date order, oldest first (views show it "
                       "sorted by date)", severity="warning")]
