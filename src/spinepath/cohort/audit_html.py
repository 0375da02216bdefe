"""The audit report as one self-contained HTML page that prints on A4.

Inline CSS and one inline SVG chart (render/indicator_chart.py); nothing is fetched. It shows the figures the
audit computed (cohort/audit.py) and computes none itself. Every text is escaped: a patient file is data.
"""
from __future__ import annotations

from ..render import escaping
from ..render.indicator_chart import chart
from .audit import Audit

CSS = """
@page { size: A4; margin: 10mm 10mm 11mm 10mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; color: #111; background: #fff;
       font-size: 11pt; line-height: 1.35; max-width: 190mm; margin: 0 auto; }
h1 { font-size: 1.5em; margin: 0 0 .2em; }
h2 { font-size: 1.15em; border-bottom: 2px solid #111; margin: 1em 0 .4em; break-after: avoid; }
h3 { font-size: 1em; margin: .8em 0 .2em; break-after: avoid; }
p { margin: .25em 0; }
.meta { color: #333; font-size: .9em; }
svg.indicator-chart { width: 100%; height: auto; display: block; margin: .4em 0; }
table { border-collapse: collapse; width: 100%; font-size: .85em; margin: .2em 0 .6em; }
th, td { border: 1px solid #999; padding: .15em .35em; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; }
.patient { break-inside: avoid; }
.c-recommended { font-weight: 700; }
.c-avoid { font-weight: 700; text-decoration: underline; }
.defs { font-size: .85em; }
@media print { body { max-width: none; } }
"""


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x * 100:.1f}%"


def html(audit: Audit, title: str = "Spine tumour audit") -> str:
    e = escaping.html
    rs = audit.ruleset
    out = ["<!DOCTYPE html>", '<html lang="en-GB"><head><meta charset="utf-8">',
           f"<title>{e(title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{e(title)}</h1>",
           f'<p class="meta">{len(audit.audits)} patients; audit date {e(audit.day)}; ruleset {e(rs["name"])} '
           f'{e(rs["version"])} (sha256 {e(rs["sha256"][:12])}…). Each treatment and decision was checked against '
           "the consult of the file as it stood just before its date. spinepath supports, and does not replace, "
           "the multidisciplinary tumour board.</p>"]
    if audit.errors:
        out.append(f'<p class="meta"><b>{len(audit.errors)} file(s) could not be read</b> and are not counted: '
                   + "; ".join(e(f) for f, _ in audit.errors) + ".</p>")
    out.append("<h2>Indicators</h2>")
    out.append(chart([(i.title, i.numerator, i.denominator, i.rate, i.interval, i.better == "lower")
                      for i in audit.indicators]))
    out.append("<table><tr><th>Indicator</th><th>Unit</th><th>n</th><th>N</th><th>Rate</th><th>95% CI (Wilson)</th>"
               "<th>Not known</th></tr>")
    for i in audit.indicators:
        ci = i.interval
        out.append(f"<tr><td>{e(i.title)}</td><td>{e(i.unit)}</td><td class=num>{i.numerator}</td>"
                   f"<td class=num>{i.denominator}</td><td class=num>{_pct(i.rate)}</td>"
                   f"<td class=num>{'' if ci is None else _pct(ci[0]) + ' – ' + _pct(ci[1])}</td>"
                   f"<td class=num>{len(i.unknown)}</td></tr>")
    out.append("</table>")
    out.append('<p class="defs">Definitions and sources: docs/audit.md. "Not known": patients with an item the files '
               "do not settle; they are in neither the numerator nor the denominator.</p>")
    out.append("<h2>What to look at: the items that did not meet an indicator, or that the files do not settle</h2>")
    out.append('<p class="defs">Every item counted is in the JSON report (<code>items</code>), with its patient.</p>')
    for i in audit.indicators:
        shown = [it for it in i.items if it.met is None or it.met == (i.better == "lower")]
        if not shown:
            continue
        out.append(f"<h3>{e(i.title)} ({i.numerator}/{i.denominator})</h3><table><tr><th>Patient</th>"
                   "<th>Met</th><th>What</th></tr>")
        for it in shown:
            met = "not known" if it.met is None else "yes" if it.met else "no"
            out.append(f"<tr><td>{e(it.patient_id)}</td><td>{met}</td><td>{e(it.detail)}</td></tr>")
        out.append("</table>")
    out.append("<h2>Per patient: what was given and decided, and what the consult of that day said</h2>")
    for a in audit.audits:
        out.append(f'<div class="patient"><h3>{e(a.patient_id)} <span class="meta">{e(a.file)}</span></h3>')
        if not a.events:
            out.append('<p class="meta">No dated treatment or decision.</p></div>')
            continue
        out.append("<table><tr><th>Date</th><th>What</th><th>Given or decided</th><th>Advice that day</th>"
                   "<th>Rule</th></tr>")
        for ev in a.events:
            v = ev.verdict
            cls = v.cls + ("" if v.firm or v.cls in ("not advised", "not classified") else " (provisional)")
            what = {"treatment": "given", "decided": "decided", "declined": "not followed"}[ev.what]
            given = ev.given + (f" — reason: {ev.reason}" if ev.reason else "")
            note = v.why if v.cls == "not classified" else ""
            out.append(f"<tr><td>{e(ev.date or '')}</td><td>{what}</td><td>{e(given)}</td>"
                       f'<td class="c-{e(v.cls.replace(" ", "-"))}">{e(cls)}{(" — " + e(note)) if note else ""}</td>'
                       f"<td>{e(v.rule or '')}</td></tr>")
        out.append("</table></div>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
