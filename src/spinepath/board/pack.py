"""The board pack: one document for a tumour-board meeting, an agenda page and then every patient's
brief on pages of its own.

The agenda is in the order a chair runs a meeting (issue 23): emergencies first, then the cases that need
a full discussion, the standard pathways together, and the cases not ready last with what to chase; within
a group, the order the files were given. Readiness is decided once, in board/readiness.py; the rows here
only carry it. A file that cannot be read keeps its row, last, with the error, so the coordinator sees what
is missing; the pack is still produced. Nothing in the pack depends on the clock but the board date the
caller passes in.
"""
from __future__ import annotations

import datetime
import json
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ..explain.result import ConsultResult
from ..load.diagnostics import InputError, display_path
from ..load.patient import Patient, load_patient
from ..render import escaping
from . import brief_html, brief_md
from .brief import Brief, build
from .readiness import GROUP_TITLES, GROUPS, Readiness, discipline_table

FORMAT = "spinepath.board/1"


@dataclass(frozen=True)
class Row:
    """One agenda line: the patient, the question the board is asked, the critical alerts, readiness."""

    file: str
    summary: str
    question: str
    critical: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    brief: Brief | None = field(default=None, compare=False)
    patient_id: str | None = None

    @property
    def readiness(self) -> Readiness | None:
        return None if self.brief is None else self.brief.readiness

    @property
    def group(self) -> str:
        """The agenda group; a file that could not be read goes with the cases not ready."""
        return "not ready" if self.readiness is None else self.readiness.group


def board_patients(files: list[str], date: str) -> Iterator[tuple[str, Patient | None, tuple[str, ...]]]:
    """(shown path, patient or None, errors) per file, read as of the board date (a treatment after it is an
    error); warnings go to standard error. The pack and the follow-up list both read their files here."""
    day = datetime.date.fromisoformat(date)
    for f in files:
        warnings: list = []
        try:
            patient = load_patient(f, warnings=warnings, day=day, what="the board date")
        except InputError as exc:
            yield display_path(f), None, tuple(str(d) for d in exc.diagnostics)
            continue
        for w in warnings:
            print(str(w), file=sys.stderr)
        yield display_path(f), patient, ()


def rows(files: list[str], consult: Callable[[Patient], ConsultResult], date: str) -> list[Row]:
    """The agenda: a row per file with its brief, in the chair's order (`ordered`); `consult` maps a
    patient to its consult result."""
    out = []
    for shown, patient, errors in board_patients(files, date):
        if patient is None:
            out.append(Row(shown, "could not be read", "fix the file and prepare the pack again", errors=errors))
            continue
        brief = build(consult(patient), date)
        r = brief.readiness
        out.append(Row(shown, brief.summary, r.question, r.critical_alerts, brief=brief,
                       patient_id=brief.patient_id))
    return ordered(out)


def ordered(agenda: list[Row]) -> list[Row]:
    """Emergencies, full discussions, standard pathways, not ready, unreadable files; stable within a group."""
    return sorted(agenda, key=lambda r: (GROUPS.index(r.group), r.readiness is None))


def core_disciplines() -> str:
    table = discipline_table()
    return " and ".join(table["disciplines"][d]["label"] for d in table["core"])


# --------------------------------------------------------------------------------------- JSON

def row_json(position: int, r: Row) -> dict[str, Any]:
    """A row as data, the keys issue 23 names first."""
    rd = r.readiness
    if rd is None:
        return {"position": position, "file": r.file, "patient_id": None, "ready": False,
                "missing": [{"kind": "file", "field": "", "label": "the file could not be read", "text": m}
                            for m in r.errors],
                "standard_pathway": False, "disciplines": [], "question": r.question, "critical_alerts": [],
                "order_reason": "not ready: the file could not be read", "group": r.group, "summary": r.summary,
                "errors": list(r.errors)}
    return {"position": position, "file": r.file, "patient_id": r.patient_id, "ready": rd.ready,
            "missing": [c.to_json() for c in rd.missing], "standard_pathway": rd.standard_pathway,
            "disciplines": [d.to_json() for d in rd.disciplines], "question": rd.question,
            "critical_alerts": list(rd.critical_alerts), "order_reason": rd.order_reason, "group": rd.group,
            "emergency": rd.emergency, "summary": r.summary, "last_decision": _decision_json(r)}


def _decision_json(r: Row) -> dict[str, Any] | None:
    ft = r.brief.decision if r.brief is not None else None
    if ft is None:
        return None
    d = ft.decision
    return {"date": d.date, "interventions": [i.code for i in d.interventions],
            "not_followed": [{"intervention": n.intervention, "reason": n.reason} for n in d.not_followed or []],
            "responsible": d.responsible, "due": d.due, "history": [t.to_json() for t in ft.traces]}


def to_json(title: str, date: str, agenda: list[Row]) -> str:
    data = {"format": FORMAT, "title": title, "date": date,
            "core_disciplines": list(discipline_table()["core"]),
            "agenda": [row_json(i, r) for i, r in enumerate(agenda, 1)]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------------------- HTML

_PACK_CSS = """
.cover h1 { font-size: 1.9em; }
.agenda td:first-child { width: 2.2em; text-align: right; }
.agenda td:nth-child(2) { width: 5.8em; }
.agenda td:nth-child(3) { width: 30%; }
.agenda td:nth-child(4) { width: 24%; }
.agenda .err { color: #b71c1c; font-weight: 700; }
.agenda .crit { color: #b71c1c; }
.agenda tr.group td { background: #eee; font-weight: 700; border-bottom: 2px solid #111; padding-top: .4em; text-align: left; }
.agenda .who, .agenda .chase, .agenda .last { font-size: .85em; }
.b-ready { background: #1b5e20; color: #fff; min-width: 0; }
.b-not-ready { background: #b71c1c; color: #fff; min-width: 0; }
.b-standard { background: #fff; color: #1b5e20; border: 1px solid #1b5e20; min-width: 0; }
.brief { break-before: page; page-break-before: always; }
@media print { .agenda { font-size: .95em; } }
"""


def _status_html(r: Readiness) -> str:
    e = brief_html.e
    badge = ('<span class="badge b-ready">READY</span>' if r.ready else '<span class="badge b-not-ready">NOT READY'
             "</span>")
    if r.standard_pathway:
        badge += '<span class="badge b-standard">STANDARD</span>'
    detail = f"chase: {r.chase_text()}" if r.missing else r.order_reason.split(": ", 1)[-1]
    return f'{badge}<div class="chase">{e(detail)}</div>'


def html(title: str, date: str, agenda: list[Row]) -> str:
    e = brief_html.e
    lines = []
    group = None
    for i, r in enumerate(agenda, 1):
        if r.group != group:
            group = r.group
            lines.append(f'<tr class="group"><td colspan="5">{e(GROUP_TITLES[group])}</td></tr>')
        rd = r.readiness
        if r.errors or rd is None:
            what = '<span class="err">' + "<br>".join(e(m) for m in r.errors) + "</span>"
            status = '<span class="badge b-not-ready">NOT READY</span><div class="chase">fix the file</div>'
            who = ""
        else:
            crit = "".join(f'<div class="crit">CRITICAL: {e(c)}</div>' for c in r.critical)
            what = e(r.question) + crit
            if r.brief is not None and r.brief.decision is not None:
                what += f'<div class="last">{e(r.brief.decision.summary)}</div>'
            status = _status_html(rd)
            who = ('<div class="who">' + e("needs: " + ", ".join(d.label for d in rd.disciplines)) + "</div>"
                   if rd.disciplines else "")
        thumb = brief_html.thumbnail(r.brief, f"p{i}") if r.brief is not None else ""
        lines.append(f"<tr><td>{i}</td><td>{thumb}</td><td><b>{e(r.summary)}</b><br><span class=\"src\">{e(r.file)}"
                     f"</span>{who}</td><td>{status}</td><td>{what}</td></tr>")
    cover = [f'<section class="cover"><h1>{e(title)}</h1>',
             f'<p class="meta">{e(date)} · {len(agenda)} patient{"s" if len(agenda) != 1 else ""} · '
             f"{e(core_disciplines())} review every case</p>",
             '<table class="agenda"><thead><tr><th>#</th><th>WBB</th><th>Patient · disciplines needed</th>'
             "<th>Readiness</th><th>Question for the board · critical alerts</th></tr></thead><tbody>",
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

    out = [f"# {escaping.markdown(title)}", "", f"{date} · {len(agenda)} patient{'s' if len(agenda) != 1 else ''} · "
           f"{core_disciplines()} review every case", ""]
    group = None
    for i, r in enumerate(agenda, 1):
        if r.group != group:
            group = r.group
            out += ([""] if i > 1 else []) + [
                f"## {GROUP_TITLES[group]}", "",
                "| # | Patient · disciplines needed | Readiness | Question for the board · critical alerts |",
                "|---|---|---|---|"]
        rd = r.readiness
        if r.errors or rd is None:
            what, status, who = cell("; ".join(r.errors)), "**not ready**: fix the file", ""
        else:
            what = r.question + "".join(f" · CRITICAL: {c}" for c in r.critical)
            what = cell(what)
            if r.brief is not None and r.brief.decision is not None:  # free text of the file: escaped
                what += f" · {escaping.markdown(r.brief.decision.summary)}"
            status = ("**ready**" if rd.ready else "**not ready**") + (", standard" if rd.standard_pathway else "")
            status += f": chase {rd.chase_text()}" if rd.missing else f" ({rd.order_reason.split(': ', 1)[-1]})"
            who = ("; needs " + ", ".join(d.label for d in rd.disciplines)) if rd.disciplines else ""
        out.append(f"| {i} | **{cell(r.summary)}** ({escaping.markdown(r.file)}){cell(who)} | {cell(status)} | "
                   f"{what} |")
    out.append("")
    for r in agenda:
        if r.brief is not None:
            out += ["---", "", brief_md.render(r.brief)]
    return "\n".join(out) + ("\n" if not out[-1].endswith("\n") else "")
