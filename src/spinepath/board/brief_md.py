"""The tumour-board brief (spinepath.board.brief.build) as Markdown."""
from __future__ import annotations

from typing import Iterable

from ..explain.result import Alert, Entry, EvidenceRef
from ..load.interventions import said
from ..render import STRENGTH_WORDS, alternative_text, capped_text, details_text, escaping, presumed_text, words
from .brief import Brief
from .readiness import lines as readiness_lines


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def evidence_refs(evidence: Iterable[EvidenceRef]) -> str:
    """An option's evidence by level and reference number ("OCEBM 4: [12], [14]; OCEBM 5: [33]"): the brief
    lists every cited reference in full once, at the end, so that two pages hold the options."""
    levels: dict[str, list[str]] = {}
    for e in evidence:
        ref = f"[{e.ref_id}]" if e.ref_id else e.ref
        if ref not in levels.setdefault(e.level, []):
            levels[e.level].append(ref)
    return "; ".join(f"{level}: {', '.join(refs)}" for level, refs in levels.items())


def option_label(rec: Entry) -> str:
    """An option as the board reads it: the details said as the consult says them (details_text: doses
    with their unit), and a statement's UNVERIFIED mark as 'not verified', as in the references."""
    text = said(rec.intervention)
    if rec.details:
        text += " (" + details_text(rec.details).replace("UNVERIFIED", "not verified") + ")"
    if rec.also_by:
        text += f" (also {', '.join(rec.also_by)})"
    return text


def alert_line(a: Alert) -> str:
    return f"- **{a.severity.upper()}** {a.message} (`{a.code}`, rule {a.rule})"


def legends(model: Brief) -> list[str]:
    """The HTML brief's three pictures, said in words."""
    p = model.pictures
    return ["**Pictures, in words** (the HTML brief draws them):", "",
            f"- {p.wbb.caption()}", f"- {p.levels.caption()}", f"- {p.timeline.caption()}", ""]


def _case(model: Brief) -> list[str]:
    out = ["## The case", "", *legends(model)]
    for section in model.case:
        out.append(f"**{section.title}:** " + "; ".join(f"{label}: {escaping.markdown(value)}"
                                                          for label, value in section.rows) + ".")
        out.append("")
    out += ["**Treatment so far:**", ""]
    if model.timeline is None:
        out += ["Not given.", ""]
    elif not model.timeline:
        out += ["None.", ""]
    else:
        out += ["| date | treatment | details |", "|---|---|---|"]
        out += [f"| {escaping.markdown(t.date)} | {escaping.markdown(t.kind)} | {escaping.markdown(t.details)} |"
                for t in model.timeline]
        out.append("")
    if model.notes:
        out += ["**Notes:** " + escaping.markdown(model.notes), ""]
    return out


def _staging(model: Brief) -> list[str]:
    out = ["## Derived staging", "", "| value | result | how it was derived |", "|---|---|---|"]
    out += [f"| {r.label} | **{_cell(r.value)}** | {_cell(r.how)} |" for r in model.staging]
    out.append("")
    if model.other_flags:
        out += [f"- {f.message}" for f in model.other_flags]
        out.append("")
    return out


def _options(model: Brief) -> list[str]:
    out = ["## Options", ""]
    if not model.options:
        out += ["No rule made a recommendation for this patient; see the open questions.", ""]
    for phase in model.options:
        out += [f"### {phase.title}", ""]
        for b in phase.blocks:
            names = "; ".join(option_label(r) for r in b.items)
            out.append(f"- **{STRENGTH_WORDS[b.strength]}** {names} — rule {b.rule}")
            if b.blocked:
                out.append(f"  - *Blocked:* {b.blocked}")
            out.append(f"  - *Why:* {b.rationale}")
            out.append(f"  - *Evidence:* {evidence_refs(b.evidence)}")
            for r in b.items:
                for alt in r.alternatives:
                    out.append(f"  - *Or* {alternative_text(alt)}: {alt.rationale} Evidence: "
                               f"{evidence_refs(alt.evidence)}")
            for r in b.items:
                for a in r.arguments:
                    out.append(f"  - *{a.stance.upper()}* {said(r.intervention)} ({a.rule}): "
                               f"{a.rationale} Evidence: {evidence_refs(a.evidence)}")
        out.append("")
    for group, labels in model.alternatives:
        out += [f"*Alternatives, not a sequence* ({escaping.markdown(group)}): {escaping.markdown(' or '.join(labels))}.", ""]
    if model.loose_arguments:
        out += ["### Arguments on options that no rule recommends", ""]
        for a in model.loose_arguments:
            out.append(f"- *{a.stance.upper()}* {said(a.intervention)} ({a.rule}): {a.rationale} "
                       f"Evidence: {evidence_refs(a.evidence)}")
        out.append("")
    return out


def _provisional(model: Brief) -> list[str]:
    if not model.provisional:
        return []
    out = ["## Provisional options: hold if the presumptions are right", ""]
    for group in model.provisional:
        out.append("**Holds if** " + "; ".join(presumed_text(a) for a in group.assumes) + ":")
        out.append("")
        for block in group.blocks:
            r = block[0]
            names = "; ".join(f"{option_label(x)} ({words(x.phase)})" for x in block)
            out.append(f"- **{STRENGTH_WORDS[r.strength]}** {names} — rule "
                       f"{r.rule}: {r.rationale} *Evidence:* {evidence_refs(r.evidence)}")
            if r.capped_by:
                out.append(f"  - *Note:* {capped_text(r)}")
            # An option under presumptions carries its warnings too (CX-01, RT-05), as a firm option does.
            for a in r.arguments:
                out.append(f"  - *{a.stance.upper()}* {said(r.intervention)} ({a.rule}): "
                           f"{a.rationale} Evidence: {evidence_refs(a.evidence)}")
        out.append("")
    return out


def _provisional_alerts(model: Brief) -> list[str]:
    if not model.provisional_alerts and not model.provisional_info:
        return []
    out = ["## Provisional alerts: hold if the presumptions are right", ""]
    for group in model.provisional_alerts:
        out += ["**Raised if** " + "; ".join(presumed_text(a) for a in group.assumes) + ":", ""]
        out += [alert_line(a) for a in group.alerts]
        out.append("")
    if model.provisional_info:
        out += [model.provisional_info, ""]
    return out


def render(model: Brief) -> str:
    rs = model.ruleset
    out = [f"# {model.summary}", "",
           f"{escaping.markdown_code(model.patient_id)} · Board date {model.date} · ruleset {rs.name} {rs.version} "
           f"(sha256 `{rs.sha256[:12]}`)", ""]
    out += ["## For the board", ""] + [f"- **{label}:** {escaping.markdown(text)}"
                                       for label, text in readiness_lines(model.readiness, model.decision)] + [""]
    if model.alerts:
        out += ["## Alerts", ""]
        out += [alert_line(a) for a in model.alerts]
        out.append("")
    out += _options(model) + _provisional(model) + _provisional_alerts(model)
    if model.questions:
        out += ["## Open questions for the board", ""]
        out += [model.questions_first, ""] if model.questions_first else []
        out += [f"{i}. {q.question} ({q.context})" for i, q in enumerate(model.questions, 1)]
        out.append("")
    out += _case(model) + _staging(model)
    if model.references:
        out += ["## References", ""]
        out += [f"- [{r.ref_id}] {r.citation}" + ("" if r.verified else " *(citation not verified)*")
                for r in model.references]
        out.append("")
    out += ["---", "", f"*{model.statement}*", "",
            f"Ruleset {rs.name} {rs.version}, sha256 {rs.sha256}; brief prepared {model.date}.", ""]
    return "\n".join(out)
