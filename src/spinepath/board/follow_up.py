"""Follow-up for the next meeting (issue 23, item 3): the board's decisions that are due or overdue and
not yet seen in the treatment history, those carried out differently, and those still open without a due
date, with each case's readiness now (board/readiness.py, the same logic as the agenda). Every recorded
decision is read, not only the last: an intervention stands until a later decision names it again.

What the history shows of a decision is decided once, in board/decisions.py (`trace`); a decided
intervention the history format cannot show (a referral, a work-up, a board discussion) is never listed
as missing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from ..explain.result import ConsultResult
from ..load.dates import chronological
from ..load.patient import Decision, Patient
from ..render import escaping
from . import brief_html
from .brief import LABELS, summary_line
from .decisions import Trace, trace
from .pack import board_patients
from .readiness import Readiness, assess

FORMAT = "spinepath.follow-up/1"
# What is listed, in the order the chair reads it.
STATES = ("overdue", "due", "different", "open")
STATE_WORDS = {"overdue": "overdue", "due": "due today", "different": "carried out differently",
               "open": "not in the history, no due date"}


@dataclass(frozen=True)
class Item:
    file: str
    patient_id: str | None
    summary: str
    decision: Decision | None
    trace: Trace | None
    state: str  # one of STATES, or "error"
    readiness: Readiness | None
    errors: tuple[str, ...] = ()


def _state(decision: Decision, t: Trace) -> str | None:
    if t.state in ("overdue", "due", "different"):
        return t.state
    if t.state == "pending" and decision.due is None:
        return "open"
    return None  # done, not yet due, or not traceable


def _named(d: Decision) -> set[str]:
    return {x.code for x in d.interventions} | {x.intervention for x in d.not_followed or []}


def items_of(path: str, patient: Patient, result: ConsultResult, date: str) -> list[Item]:
    decisions = (patient.board.decisions or []) if patient.board is not None else []
    readiness = assess(result, LABELS)
    out = []
    order = chronological([d.date for d in decisions])
    for n, i in enumerate(order):
        d = decisions[i]
        # A later decision that names the same intervention (decided again, or declined) replaces this one;
        # one that does not name it leaves it standing, so an overdue treatment is never hidden by a later
        # decision about something else.
        later = {c for j in order[n + 1:] for c in _named(decisions[j])}
        for code in (x.code for x in d.interventions if x.code not in later):
            t = trace(d, code, patient, date)
            state = _state(d, t)
            if state is not None:
                out.append(Item(path, patient.id, summary_line(patient), d, t, state, readiness))
    return out


def items(files: list[str], consult: Callable[[Patient], ConsultResult], date: str) -> list[Item]:
    """Every listed decision of every file, overdue first; within a state, the files' order and the
    decisions' dates. A file that cannot be read is listed last with its error."""
    out: list[Item] = []
    bad: list[Item] = []
    for shown, patient, errors in board_patients(files, date):
        if patient is None:
            bad.append(Item(shown, None, "could not be read", None, None, "error", None, errors))
            continue
        if patient.board is None or not patient.board.decisions:
            continue  # no decision recorded: nothing to follow up (and no consult run for it)
        out += items_of(shown, patient, consult(patient), date)
    return sorted(out, key=lambda it: STATES.index(it.state)) + bad


def _what(it: Item) -> str:
    assert it.decision is not None and it.trace is not None
    d = it.decision
    who = ", ".join(p for p in ((f"by {d.responsible.replace('_', ' ')}" if d.responsible else ""),
                                (f"due {d.due}" if d.due else "")) if p)
    return f"decided {d.date}" + (f" ({who})" if who else "") + f": {it.trace.text}"


def _ready(r: Readiness | None) -> str:
    if r is None:
        return ""
    return ("ready" if r.ready else f"not ready: chase {r.chase_text()}") + (", standard" if r.standard_pathway else "")


def to_json(title: str, date: str, listed: list[Item]) -> str:
    rows: list[dict[str, Any]] = []
    for it in listed:
        if it.state == "error":
            rows.append({"file": it.file, "patient_id": None, "state": "error", "errors": list(it.errors)})
            continue
        assert it.decision is not None and it.trace is not None and it.readiness is not None
        rows.append({"file": it.file, "patient_id": it.patient_id, "state": it.state,
                     "decision_date": it.decision.date, "due": it.decision.due,
                     "responsible": it.decision.responsible, "intervention": it.trace.code, "history": it.trace.text,
                     "ready": it.readiness.ready, "standard_pathway": it.readiness.standard_pathway,
                     "missing": [c.to_json() for c in it.readiness.missing], "order_reason": it.readiness.order_reason})
    return json.dumps({"format": FORMAT, "title": title, "date": date, "follow_up": rows}, indent=2,
                      ensure_ascii=False) + "\n"


def markdown(title: str, date: str, listed: list[Item]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = [f"# {escaping.markdown(title)}: follow-up", "",
           f"{date} · {len(listed)} decision{'s' if len(listed) != 1 else ''} to follow up", ""]
    if not listed:
        out += ["Every recorded decision is carried out, not yet due, or not traceable in the history.", ""]
        return "\n".join(out)
    out += ["| # | State | Patient | Decision and history | Readiness now |", "|---|---|---|---|---|"]
    for i, it in enumerate(listed, 1):
        if it.state == "error":
            out.append(f"| {i} | **could not be read** | {escaping.markdown(it.file)} | {cell('; '.join(it.errors))} | |")
            continue
        out.append(f"| {i} | **{STATE_WORDS[it.state]}** | **{cell(it.summary)}** ({escaping.markdown(it.file)}) | "
                   f"{cell(_what(it))} | {cell(_ready(it.readiness))} |")
    return "\n".join(out) + "\n"


def html(title: str, date: str, listed: list[Item]) -> str:
    e = brief_html.e
    rows = []
    for i, it in enumerate(listed, 1):
        if it.state == "error":
            rows.append(f'<tr><td>{i}</td><td class="crit">could not be read</td><td>{e(it.file)}</td>'
                        f'<td>{"<br>".join(e(m) for m in it.errors)}</td><td></td></tr>')
            continue
        rows.append(f"<tr><td>{i}</td><td><b>{e(STATE_WORDS[it.state])}</b></td><td><b>{e(it.summary)}</b><br>"
                    f'<span class="src">{e(it.file)}</span></td><td>{e(_what(it))}</td><td>{e(_ready(it.readiness))}'
                    "</td></tr>")
    body = [f"<h1>{e(title)}: follow-up</h1>",
            f'<p class="meta">{e(date)} · {len(listed)} decision{"s" if len(listed) != 1 else ""} to follow up</p>',
            "<table><thead><tr><th>#</th><th>State</th><th>Patient</th><th>Decision and history</th>"
            "<th>Readiness now</th></tr></thead><tbody>", *rows, "</tbody></table>"]
    return brief_html.document(f"{title} follow-up {date}", body)
