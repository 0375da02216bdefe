"""The tumour-board brief (spinepath.board.brief.build) as one self-contained HTML page.

Inline CSS only: no external font, script, image or stylesheet, so the file opens offline and
leaks nothing. Large high-contrast type on screen (projected at the board), A4 layout in print.
Strength is always a word as well as a colour. Every text is escaped: a patient file is data and
can never add markup.
"""
from __future__ import annotations

from typing import Iterable

from ..explain.result import Alert, Argument, Assumption, Entry
from ..load.interventions import said
from ..render import STRENGTH_WORDS, alternative_text, capped_text, escaping, presumed_text
from ..render import spine_levels, treatment_timeline
from .brief import Brief, CaseSection, OptionBlock
from .brief_md import evidence_refs, option_label
from .readiness import lines as readiness_lines

CSS = """
@page { size: A4; margin: 8mm 9mm 9mm 9mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; color: #111; background: #fff;
       font-size: 20px; line-height: 1.4; max-width: 1200px; margin: 0 auto; padding: 24px 32px; }
h1 { font-size: 1.55em; margin: 0; }
h2 { font-size: 1.2em; border-bottom: 3px solid #111; margin: 1em 0 .4em; padding-bottom: .1em; break-after: avoid; }
h3 { font-size: 1.02em; margin: .7em 0 .25em; break-after: avoid; }
p { margin: .25em 0; }
.meta { color: #333; }
.mono { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: .75em; overflow-wrap: anywhere; }
.badge { display: inline-block; min-width: 8.2em; text-align: center; font-weight: 700; letter-spacing: .04em;
         padding: .05em .4em; border-radius: .2em; margin-right: .4em; }
.b-recommended { background: #1b5e20; color: #fff; }
.b-consider { background: #f9a825; color: #000; }
.b-avoid { background: #b71c1c; color: #fff; }
.b-critical { background: #b71c1c; color: #fff; }
.b-warning { background: #f9a825; color: #000; }
.b-info { background: #0d47a1; color: #fff; }
.alerts { list-style: none; padding: 0; margin: 0; }
.alerts li { margin: .3em 0; padding: .25em .5em; border-left: 8px solid #888; break-inside: avoid; }
.alerts li.a-critical { border-color: #b71c1c; background: #fdecea; }
.alerts li.a-warning { border-color: #f9a825; background: #fff8e1; }
.alerts li.a-info { border-color: #0d47a1; background: #e8eef8; }
.src { color: #444; font-size: .85em; }
.facts { column-count: 2; column-gap: 1.6em; }
.facts h3 { margin-top: .3em; }
.facts > div { break-inside: avoid; }
.facts > div:first-child h3 { margin-top: 0; }
dl { margin: 0; }
dl div { break-inside: avoid; }
dt { display: inline; font-weight: 700; }
dt::after { content: ": "; }
dd { display: inline; margin: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #999; padding: .2em .4em; }
th { border-bottom: 2px solid #111; }
tr { break-inside: avoid; }
.staging td:nth-child(1) { width: 24%; }
.staging td:nth-child(2) { width: 17%; font-weight: 700; }
.notes { white-space: pre-wrap; }
.option { border-left: 8px solid #888; background: #f7f7f7; padding: .3em .6em; margin: .35em 0; }
.core, .args li { break-inside: avoid; page-break-inside: avoid; }
.o-recommended { border-color: #1b5e20; }
.o-consider { border-color: #f9a825; }
.o-avoid { border-color: #b71c1c; }
.names { font-weight: 700; }
.blocked { color: #b71c1c; font-weight: 700; }
.args { margin: .2em 0 0 1.2em; padding: 0; }
.stance { font-weight: 700; }
.questions li { margin: .2em 0; break-inside: avoid; }
.holds { font-weight: bold; margin: .4em 0 .2em; }
.refs { font-size: .8em; list-style: none; padding: 0; }
.refs li { margin: .1em 0; padding-left: 2.2em; text-indent: -2.2em; }
.ready { border: 2px solid #111; padding: .2em .6em; margin: .4em 0; font-size: .85em; }
.ready p { margin: .1em 0; }
.ready.not-ready { border-color: #b71c1c; }
.statement { font-weight: 700; border: 3px solid #111; padding: .3em .6em; margin: .6em 0; }
.pictures { display: flex; gap: 1.2em; align-items: flex-start; margin: .3em 0 .5em; break-inside: avoid; }
.pictures svg { display: block; height: auto; width: 100%; }
.pictures svg.wbb { flex: 0 0 24%; width: 24%; }
.pictures svg.levels { flex: 0 0 15%; width: 15%; }
.pictures .side { flex: 1 1 55%; min-width: 0; }
.key { font-size: .72em; color: #222; line-height: 1.25; margin-top: .3em; }
svg.wbb-thumb { width: 5.4em; height: 5.4em; display: block; }
@media print {
  body { font-size: 6.9pt; line-height: 1.15; max-width: none; padding: 0; }
  h1 { font-size: 1.45em; }
  h2 { border-bottom-width: 2px; margin: .7em 0 .3em; }
  h3 { margin: .5em 0 .15em; }
  .facts { column-count: 3; }
  .option, .alerts li { border-left-width: 5px; margin: .25em 0; padding: .15em .5em; }
  .refs { column-count: 3; column-gap: 1.1em; font-size: .64em; line-height: 1.08; }
  .refs li { margin: 0; }
  .statement { border-width: 2px; padding: .1em .5em; margin: .3em 0; }
  .ready { padding: .1em .5em; margin: .25em 0; }
  .staging td:nth-child(3), .questions .src { font-size: .85em; }
  .staging { font-size: .92em; }
  .staging td { padding: .05em .3em; }
  .refs li { break-inside: avoid; }
  .pictures { margin: .15em 0 .3em; }
  .pictures svg.wbb { flex-basis: 20%; width: 20%; }
  .pictures svg.levels { flex-basis: 14%; width: 14%; }
  .key { font-size: .8em; line-height: 1.12; }
}
"""


def e(text: object) -> str:
    return escaping.html(text)


def _alert_items(alerts: Iterable[Alert]) -> list[str]:
    return [f'<li class="a-{e(a.severity)}"><span class="badge b-{e(a.severity)}">{e(a.severity.upper())}</span>'
            f'{e(a.message)} <span class="src">({e(a.code)}, rule {e(a.rule)})</span></li>' for a in alerts]


def _alerts(alerts: tuple[Alert, ...]) -> list[str]:
    if not alerts:
        return []
    # Critical alerts and warnings are read in full; information alerts are named on one line (their texts
    # are in the consult), as the text consult does: two pages hold the options.
    read = [a for a in alerts if a.severity != "info"]
    info = [a for a in alerts if a.severity == "info"]
    named = ("" if not info else '<li class="a-info"><span class="badge b-info">INFO</span>'
             + e("; ".join(f"{said(a.code)} ({a.rule})" for a in info)) + ' <span class="src">(texts in the '
             "consult)</span></li>")
    return ['<section><h2>Alerts</h2><ul class="alerts">', *_alert_items(read), named, "</ul></section>"]


def _facts(section: CaseSection) -> str:
    items = "".join(f"<div><dt>{e(label)}</dt><dd>{e(value)}</dd></div>" for label, value in section.rows)
    return f"<div><h3>{e(section.title)}</h3><dl>{items}</dl></div>"


def pictures(model: Brief, uid: str) -> str:
    """The WBB diagram, the spine's levels and the treatment timeline side by side, one caption for the
    three; each picture also says itself in words to a screen reader (its title)."""
    p = model.pictures
    key = (f"Left: {p.wbb.note()} "
           f"Middle: spine levels, {spine_levels.NOTE} Right: treatments, {treatment_timeline.NOTE}")
    # The key sits under the timeline, in the room the taller diagram leaves there.
    return ('<div class="pictures">' + p.wbb.draw(uid=f"{uid}-wbb")
            + p.levels.draw(uid=f"{uid}-levels")
            + '<div class="side">' + p.timeline.draw(uid=f"{uid}-time")
            + f'<p class="key">{e(key)}</p></div></div>')


def thumbnail(model: Brief, uid: str) -> str:
    return model.pictures.wbb.draw(uid=f"{uid}-thumb", thumbnail=True)


def _case(model: Brief, uid: str) -> list[str]:
    out = ['<section><h2>The case</h2>', pictures(model, uid), '<div class="facts">']
    out += [_facts(section) for section in model.case]
    out.append("</div>")  # the treatment history is the timeline above, every recorded detail under its mark
    if model.notes:
        out.append(f'<h3>Notes</h3><p class="notes">{e(" ".join(model.notes.split()))}</p>')
    out.append("</section>")
    return out


def _staging(model: Brief) -> list[str]:
    out = ['<section><h2>Derived staging</h2><table class="staging">',
           "<tr><th>Value</th><th>Result</th><th>How it was derived</th></tr>"]
    out += [f"<tr><td>{e(r.label)}</td><td>{e(r.value)}</td><td>{e(r.how)}</td></tr>" for r in model.staging]
    out.append("</table>")
    out += [f"<p>{e(f.message)}</p>" for f in model.other_flags]
    out.append("</section>")
    return out


def _argument(a: Argument, intervention: str) -> str:
    return (f'<li><span class="stance">{e(a.stance.upper())}</span> {e(said(intervention))} ({e(a.rule)}): '
            f'{e(a.rationale)} <span class="src">Evidence: {e(evidence_refs(a.evidence))}</span></li>')


def _block(b: OptionBlock) -> str:
    s = b.strength
    names = "; ".join(option_label(r) for r in b.items)
    parts = [f'<div class="option o-{e(s)}"><div class="core"><p><span class="badge b-{e(s)}">{e(STRENGTH_WORDS[s])}'
             f'</span><span class="names">{e(names)}</span> <span class="src">rule {e(b.rule)}</span></p>']
    if b.blocked:
        parts.append(f'<p class="blocked">Blocked: {e(b.blocked)}</p>')
    parts.append(f"<p>{e(b.rationale)}</p>")
    parts.append(f'<p class="src">Evidence: {e(evidence_refs(b.evidence))}</p>')
    for r in b.items:
        for alt in r.alternatives:
            # The same rule's other option (another regimen or modality) has the reason just read above.
            said_ = "" if alt.rationale == b.rationale else (
                f': {e(alt.rationale)} <span class="src">Evidence: {e(evidence_refs(alt.evidence))}</span>')
            parts.append(f'<p><em>Or</em> {e(alternative_text(alt))}{said_}</p>')
    parts.append("</div>")
    args = [_argument(a, r.intervention) for r in b.items for a in r.arguments]
    if args:
        parts.append(f'<ul class="args">{"".join(args)}</ul>')
    parts.append("</div>")
    return "".join(parts)


def _options(model: Brief) -> list[str]:
    out = ["<section><h2>Options by phase</h2>"]
    if not model.options:
        out.append("<p>No rule made a recommendation for this patient; see the open questions.</p>")
    for phase in model.options:
        out.append(f"<h3>{e(phase.title)}</h3>")
        out += [_block(b) for b in phase.blocks]
    for group, labels in model.alternatives:
        out.append(f"<p><b>Alternatives, not a sequence</b> ({e(group)}): {e(' or '.join(labels))}.</p>")
    if model.loose_arguments:
        out.append("<h3>Arguments on options that no rule recommends</h3>")
        out.append('<ul class="args">' + "".join(_argument(a, a.intervention) for a in model.loose_arguments)
                   + "</ul>")
    out.append("</section>")
    return out


def _presumed(assumes: tuple[Assumption, ...]) -> str:
    return e("; ".join(presumed_text(a) for a in assumes))


def _warnings(r: Entry) -> str:
    """An option's arguments against, one small paragraph (the reasons, then the rules): the brief must stay
    within two A4 pages, and the firm options above show their arguments in full with evidence."""
    against = [a for a in r.arguments if a.stance == "against"]
    if not against:
        return ""
    return (f'<p class="src"><b>Against</b>: {e(" ".join(a.rationale for a in against))} '
            f'({e(", ".join(a.rule for a in against))})</p>')


def _provisional(model: Brief) -> list[str]:
    if not model.provisional:
        return []
    out = ['<section class="provisional"><h2>Provisional options: hold if the presumptions are right</h2>']
    for group in model.provisional:
        out.append(f'<p class="holds">Holds if {_presumed(group.assumes)}:</p>')
        for block in group.blocks:
            r = block[0]
            s = r.strength
            names = "; ".join(option_label(x) for x in block)
            out.append(f'<div class="option o-{e(s)}"><div class="core"><p><span class="badge b-{e(s)}">'
                       f'{e(STRENGTH_WORDS[s])}</span><span class="names">{e(names)}</span> '
                       f'<span class="src">rule {e(r.rule)}</span></p><p>{e(r.rationale)}</p>'
                       + (f'<p class="src">Note: {e(capped_text(r))}</p>' if r.capped_by else "")
                       + f'<p class="src">Evidence: {e(evidence_refs(r.evidence))}</p></div>'
                       # An option under presumptions carries its warnings too (CX-01: the figures shown at the
                       # board with every en bloc recommendation; RT-05: the complication warning).
                       + _warnings(r) + '</div>')
    out.append("</section>")
    return out


def _provisional_alerts(model: Brief) -> list[str]:
    if not model.provisional_alerts and not model.provisional_info:
        return []
    out = ['<section class="provisional"><h2>Provisional alerts: hold if the presumptions are right</h2>']
    for group in model.provisional_alerts:
        out.append(f'<p class="holds">Raised if {_presumed(group.assumes)}:</p>')
        out += ['<ul class="alerts">', *_alert_items(group.alerts), "</ul>"]
    if model.provisional_info:
        out.append(f'<p class="src">{e(model.provisional_info)}</p>')
    out.append("</section>")
    return out


def _questions(model: Brief) -> list[str]:
    if not model.questions:
        return []
    items = "".join(f'<li>{e(q.question)} <span class="src">({e(q.context)})</span></li>' for q in model.questions)
    lead = f'<p class="src">{e(model.questions_first)}</p>' if model.questions_first else ""
    return [f'<section class="questions"><h2>Open questions for the board</h2>{lead}<ol>{items}</ol></section>']


def _references(model: Brief) -> list[str]:
    if not model.references:
        return []
    # Two printed pages hold the options, not forty full citations: author, year and journal here; the
    # full citations are in the Markdown brief and in the consult (--format markdown or json).
    items = "".join(f"<li>[{e(r.ref_id)}] {e(r.short or r.citation)}"
                    + ("" if r.verified else ' <span class="src">(citation not verified)</span>') + "</li>"
                    for r in model.references)
    return [f'<section><h2>References</h2><p class="src">Short form; the full citations are in the Markdown '
            f'brief and the consult.</p><ul class="refs">{items}</ul></section>']


def _readiness(model: Brief) -> list[str]:
    r = model.readiness
    # One paragraph: the box must not push a brief onto a third printed page.
    items = "<p>" + " · ".join(f"<b>{e(label)}:</b> {e(text)}" for label, text in readiness_lines(r, model.decision)) + "</p>"
    return [f'<section class="ready{"" if r.ready else " not-ready"}">{items}</section>']


def body(model: Brief, uid: str = "b") -> list[str]:
    """One patient's brief as HTML parts, for a page of its own or a section of a board pack; `uid` keeps
    the ids of its pictures apart from the other briefs' on the same page."""
    rs = model.ruleset
    ruleset = f"ruleset {rs.name} {rs.version}"
    head = [f"<header><h1>{e(model.summary)}</h1>",
            f'<p class="meta">{e(model.patient_id)} · Board date {e(model.date)} · {e(ruleset)} '
            f'<span class="mono">sha256 {e(rs.sha256)}</span></p>',
            f'<p class="statement">{e(model.statement)}</p></header>']
    # Page 1 is what the board decides on and about whom: the readiness box, the alerts, the case with its
    # three pictures, then the options by phase and the questions; the derivation and references follow. (The
    # case came after the questions and fell to page 2 in 6 of 9 briefs: NEWCOMER-2026-12 P11.)
    return (head + _readiness(model) + _alerts(model.alerts) + _case(model, uid) + _options(model)
            + _provisional(model) + _provisional_alerts(model) + _questions(model) + _staging(model)
            + _references(model))


def document(title: str, parts: list[str], css: str = "") -> str:
    """A self-contained HTML page: no external resource, the print layout in its own style sheet."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{e(title)}</title>\n<style>{CSS}{css}</style>\n</head>\n<body>\n"
            + "\n".join(parts) + "\n</body>\n</html>\n")


def render(model: Brief) -> str:
    return document(f"Tumour board brief: {model.patient_id}", body(model))
