"""The board pack: one document for a tumour-board meeting, an agenda page and then every patient's
brief on pages of its own.

A file that cannot be read keeps its row on the agenda with the error, so the coordinator sees what is
missing; the pack is still produced. The order is the order the files were given, and nothing in the
pack depends on the clock but the board date the caller passes in.
"""
from __future__ import annotations

import datetime
import sys
from dataclasses import dataclass, field
from typing import Callable

from ..explain.result import ConsultResult
from ..load.diagnostics import InputError, display_path
from ..load.interventions import said
from ..load.patient import Patient, load_patient
from ..render import REASON_WORDS, escaping
from . import brief_html, brief_md
from .brief import Brief, build


@dataclass(frozen=True)
class Row:
    """One agenda line: the patient, the question the board is asked, the critical alerts."""

    file: str
    summary: str
    question: str
    critical: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    brief: Brief | None = field(default=None, compare=False)


def main_question(result: ConsultResult) -> str:
    """What the board decides: the question that would change treatment most, or the firmest option."""
    q = result.question_for_the_board
    if q is not None:
        return f"{q.text} ({REASON_WORDS.get(q.reason, q.reason)})"
    recs = [r for r in result.recommendations if r.strength != "avoid"]
    if recs:
        top = next((r for r in recs if r.strength == "recommended"), recs[0])
        return f"Confirm: {said(top.intervention)} ({top.strength})"
    return "No option on the facts alone: complete the data listed in the brief"


def rows(files: list[str], consult: Callable[[Patient], ConsultResult], date: str) -> list[Row]:
    """An agenda row per file, with its brief; `consult` maps a patient to its consult result."""
    out = []
    day = datetime.date.fromisoformat(date)
    for f in files:
        warnings: list = []
        try:
            patient = load_patient(f, warnings=warnings, day=day, what="the board date")
        except InputError as exc:
            out.append(Row(display_path(f), "could not be read", "fix the file and prepare the pack again",
                           errors=tuple(str(d) for d in exc.diagnostics)))
            continue
        for w in warnings:
            print(str(w), file=sys.stderr)
        result = consult(patient)
        critical = tuple(a.message.split(". ")[0].rstrip(".") for a in result.alerts if a.severity == "critical")
        brief = build(result, date)
        out.append(Row(display_path(f), brief.summary, main_question(result), critical, brief=brief))
    return out


# --------------------------------------------------------------------------------------- HTML

_PACK_CSS = """
.cover h1 { font-size: 1.9em; }
.agenda td:first-child { width: 2.2em; text-align: right; }
.agenda td:nth-child(2) { width: 5.8em; }
.agenda td:nth-child(3) { width: 34%; }
.agenda .err { color: #b71c1c; font-weight: 700; }
.agenda .crit { color: #b71c1c; }
.brief { break-before: page; page-break-before: always; }
@media print { .agenda { font-size: .95em; } }
"""


def html(title: str, date: str, agenda: list[Row]) -> str:
    e = brief_html.e
    lines = []
    for i, r in enumerate(agenda, 1):
        if r.errors:
            what = '<span class="err">' + "<br>".join(e(m) for m in r.errors) + "</span>"
        else:
            crit = "".join(f'<div class="crit">CRITICAL: {e(c)}</div>' for c in r.critical)
            what = e(r.question) + crit
        thumb = brief_html.thumbnail(r.brief, f"p{i}") if r.brief is not None else ""
        lines.append(f"<tr><td>{i}</td><td>{thumb}</td><td><b>{e(r.summary)}</b><br><span class=\"src\">{e(r.file)}"
                     f"</span></td><td>{what}</td></tr>")
    cover = [f'<section class="cover"><h1>{e(title)}</h1>',
             f'<p class="meta">{e(date)} · {len(agenda)} patient{"s" if len(agenda) != 1 else ""}</p>',
             '<table class="agenda"><thead><tr><th>#</th><th>WBB</th><th>Patient</th>'
             "<th>Question for the board · critical alerts</th></tr></thead><tbody>",
             *lines, "</tbody></table></section>"]
    parts = list(cover)
    for i, r in enumerate(agenda, 1):
        if r.brief is not None:
            parts += ['<section class="brief">', *brief_html.body(r.brief, f"p{i}"), "</section>"]
    return brief_html.document(f"{title} {date}", parts, _PACK_CSS)


# --------------------------------------------------------------------------------------- Markdown

def markdown(title: str, date: str, agenda: list[Row]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = [f"# {escaping.markdown(title)}", "", f"{date} · {len(agenda)} patient{'s' if len(agenda) != 1 else ''}", "",
           "| # | Patient | Question for the board · critical alerts |", "|---|---|---|"]
    for i, r in enumerate(agenda, 1):
        what = "; ".join(r.errors) if r.errors else r.question + "".join(f" · CRITICAL: {c}" for c in r.critical)
        out.append(f"| {i} | **{cell(r.summary)}** ({escaping.markdown(r.file)}) | {cell(what)} |")
    out.append("")
    for r in agenda:
        if r.brief is not None:
            out += ["---", "", brief_md.render(r.brief)]
    return "\n".join(out) + ("\n" if not out[-1].endswith("\n") else "")
