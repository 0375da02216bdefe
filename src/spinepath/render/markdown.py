"""The consult as Markdown (for notes, tickets and tumour-board preparation)."""
from __future__ import annotations

from ..explain.result import ConsultResult
from ..load.interventions import said
from . import escaping
from . import (REASON_WORDS, DERIVED_LABELS, PHASE_TITLES, STRENGTH_WORDS, alternative_text, capped_text, answers_with_changes, details_text, evidence_text, questions_to_show, strategy_groups,
               grouped_by_phase, grouped_missing, grouped_provisional, patient_summary, presumed_text, words,
               HIDDEN_TREATMENT_SHOWN, hidden_questions_line, hidden_treatment_questions)

TOP_QUESTIONS = 5


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(result: ConsultResult, trace: bool = False, all_: bool = False) -> str:
    rs = result.ruleset
    out = [f"# spinepath consult: {escaping.markdown(result.patient_id)}", "",
           # The summary line the text view opens with (NEWCOMER-2026-12 P14).
           escaping.markdown(patient_summary(result.patient)), "",
           f"Ruleset **{rs.name} {rs.version}** (sha256 `{rs.sha256[:12]}`)", ""]
    if result.alerts:
        out += ["## Alerts", ""]
        for a in result.alerts:
            out.append(f"- **{a.severity.upper()}** `{a.code}`: {a.message} (rule {a.rule})")
        out.append("")
    out += ["## Pathway", ""]
    if not result.recommendations:
        out += ["No rule makes a recommendation on the facts alone; see the provisional pathway and the questions.", ""]
    for phase, recs in grouped_by_phase(result.recommendations):
        out += [f"### {PHASE_TITLES[phase]}", "", "| strength | intervention | details | rule | evidence |",
                "|---|---|---|---|---|"]
        for r in recs:
            rule = r.rule + (f" (also {', '.join(r.also_by)})" if r.also_by else "")
            out.append(f"| **{STRENGTH_WORDS[r.strength]}** | {said(r.intervention)} | {_cell(details_text(r.details))} "
                       f"| {rule} | {_cell(evidence_text(r.evidence))} |")
        out.append("")
        for r in recs:
            out.append(f"- **{said(r.intervention)}** ({r.rule}): {r.rationale}")
            if r.blocked:
                out.append(f"  - *Blocked:* {r.blocked}")
            for alt in r.alternatives:
                out.append(f"  - *Or* {alternative_text(alt)}: {alt.rationale}")
            for arg in r.arguments:
                out.append(f"  - *{arg.stance}* ({arg.rule}): {arg.rationale}")
        out.append("")
    for group, labels in strategy_groups(result.recommendations):
        out += [f"*Alternatives, not a sequence* ({words(group)}): {' or '.join(labels)}.", ""]
    out += _provisional(result, all_) + _questions(result, all_)
    out += ["## Derived staging", "", "| value | result |", "|---|---|"]
    for key, label in DERIVED_LABELS.items():
        out.append(f"| {label} | {_cell(words(result.value(key)))} |")
    out.append("")
    if result.flags:
        out += ["Notes on the derivation:", ""]
        out += [f"- `{f.code}`: {f.message}" for f in result.flags]
        out.append("")
    if all_ and result.missing:
        out += ["## Missing data that would change the advice", "", "| field | needed for | rules |", "|---|---|---|"]
        for fields, needed_for, rules in grouped_missing(result.missing):
            out.append(f"| {', '.join(f'`{f}`' for f in fields)} | {_cell(needed_for)} | {', '.join(rules)} |")
        out.append("")
    if trace:
        out += ["## Trace", ""]
        for t in result.trace:
            matched = ", ".join(f"{k}={words(v)}" for k, v in t.matched.items())
            extra = f" — superseded by {t.superseded_by}" if t.superseded_by else ""
            out.append(f"{t.step}. **{t.rule}** {t.title}{extra}  \n   matched: {matched or '—'}")
        out.append("")
    if result.references:
        out += ["## References", ""]
        out += [f"- [{r.ref_id}] {r.citation}" for r in result.references]
        out.append("")
    out += ["---", "", f"*{result.statement}*", ""]
    return "\n".join(out)


def _provisional(result: ConsultResult, all_: bool) -> list[str]:
    groups = grouped_provisional(result.provisional)
    if not groups and not result.provisional_alerts:
        return []
    out = ["## Provisional: holds if the presumptions are right", ""]
    for assumes, recs in groups:
        out += ["**Holds if** " + "; ".join(presumed_text(a) for a in assumes) + ":", ""]
        for r in recs:
            details = f" [{details_text(r.details)}]" if r.details else ""
            out.append(f"- **{STRENGTH_WORDS[r.strength]}** {said(r.intervention)} "
                       f"({PHASE_TITLES[r.phase].lower()}){_cell(details)} — {r.rule}")
            if r.capped_by:
                out.append(f"  - *Note:* {capped_text(r)}")
            if all_:
                out.append(f"  - {r.rationale} ({_cell(evidence_text(r.evidence))})")
            # An option under presumptions carries its warnings too (CX-01, RT-05), as a firm entry does.
            for arg in r.arguments:
                out.append(f"  - *{arg.stance}* ({arg.rule}): {arg.rationale}")
        out.append("")
    for a in result.provisional_alerts:
        out.append(f"- **{a.severity.upper()}** `{a.code}`: {a.message} (rule {a.rule}; if "
                   + "; ".join(presumed_text(x) for x in a.assumes) + ")")
    if result.provisional_alerts:
        out.append("")
    return out


def _questions(result: ConsultResult, all_: bool) -> list[str]:
    questions = result.questions
    if not questions:
        return []
    shown = questions if all_ else questions_to_show(questions, TOP_QUESTIONS)
    out = ["## Questions that would change the plan", ""]
    for i, q in enumerate(shown, 1):
        reason = REASON_WORDS.get(q.reason, q.reason)
        out.append(f"{i}. {q.text} (`{q.field}`; *{reason}*)")
        for label, changes in answers_with_changes(q):
            out.append(f"   - *{label}*: {'; '.join(changes)}")
    if len(questions) > len(shown):
        out += ["", hidden_questions_line(questions, shown, "`--all`")]
        treating = hidden_treatment_questions(questions, shown)
        out += [f"- {i}. {q.text} (`{q.field}`)" for i, q in treating[:HIDDEN_TREATMENT_SHOWN]]
        if len(treating) > HIDDEN_TREATMENT_SHOWN:
            out.append(f"- and {len(treating) - HIDDEN_TREATMENT_SHOWN} more (`--all`)")
    out.append("")
    return out
