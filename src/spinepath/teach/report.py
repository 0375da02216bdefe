"""The report a resident hands in after a series (or one stage): the score per learning objective, each
key decision missed and each wrong pick, with the rules' reason and evidence (Markdown).

It reads only the scores (session.Score): what was chosen, the roles the teacher gave the options, and
the feedback already written in clinical words. The same scores give the same bytes (no date, no clock).
"""
from __future__ import annotations

from ..load.interventions import said
from .session import Score, ScoredOption, SeriesScore


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _md(text: str) -> str:
    """Teaching and rule text in Markdown prose: the characters Markdown would read as markup escaped."""
    out = " ".join(text.split())
    for ch in "\\`*_[]<>|":
        out = out.replace(ch, "\\" + ch)
    return out


def _explained(row: ScoredOption, label: str) -> list[str]:
    lines = [f"- **{_md(said(row.intervention))}** ({label})"]
    for p in row.feedback:
        if p.kind in ("role", "pointer"):  # the stage's key decisions are listed under "Stage by stage"
            continue
        lines.append(f"  - {_md(p.said())}" if p.kind != "evidence" else f"  - *{_md(p.said())}*")
    return lines


def _weights_line(s: Score) -> str:
    w = s.weights
    if w is None:
        return ""
    n = lambda x: f"{x:g}"  # noqa: E731 - a number as the teacher wrote it
    return (f"key decision {n(w.key_decision)}, supportive {n(w.supportive)}; penalties: the tempting wrong "
            f"answer {n(w.tempting_picked)}, an avoid {n(w.avoid_picked)}, an option not proposed "
            f"{n(w.not_proposed_picked)}")


def markdown(played: SeriesScore, resident: str | None = None) -> str:
    stages = played.stages
    first = stages[0]
    rs = first.ruleset
    out = [f"# Teaching report: {_md(played.series)}", ""]
    if resident:
        out.append(f"- Resident: {_md(resident)}")
    out += [f"- Overall score: **{played.score_percent}%** over {len(stages)} stage(s)",
            f"- Ruleset: {_md(rs.name)} {_md(rs.version)} (sha256 {rs.sha256})", ""]
    out += ["## Score per learning objective", "", "| stage | case | learning objective | score |", "|---:|---|---|---:|"]
    for i, s in enumerate(stages, 1):
        out.append(f"| {i} | {_cell(s.title)} | {_cell(s.objective or 'none given')} | {s.score_percent}% |")
    out.append("")
    by_objective = played.by_objective()
    if len(by_objective) < len(stages):
        out += ["Objectives met in more than one stage, averaged:", ""]
        out += [f"- {p}%: {_md(o)}" for o, p in by_objective]
        out.append("")
    out += ["## Key decisions missed", ""]
    missed = [(i, s) for i, s in enumerate(stages, 1) if s.key_missed]
    if not missed:
        out += ["Every key decision was taken.", ""]
    for i, s in missed:
        out += [f"### Stage {i}: {_md(s.title)}", ""]
        for row in s.key_missed:
            out += _explained(row, "a key decision, not chosen")
        out.append("")
    out += ["## Wrong picks", ""]
    wrong = [(i, s, [o for o in s.options if o.verdict == "wrong_pick"]) for i, s in enumerate(stages, 1)]
    wrong = [w for w in wrong if w[2]]
    if not wrong:
        out += ["No wrong pick.", ""]
    for i, s, rows in wrong:
        out += [f"### Stage {i}: {_md(s.title)}", ""]
        for row in sorted(rows, key=lambda r: (r.role != "tempting", r.number)):
            label = {"tempting": "the tempting wrong answer of this stage", "avoid": "the rules say to avoid it"}.get(
                row.role, "no rule proposes it at this point")
            out += _explained(row, label)
        out.append("")
    out += ["## Stage by stage", ""]
    for i, s in enumerate(stages, 1):
        chosen = [said(o.intervention) for o in s.options if o.chosen]
        keys = [said(k) for k in s.key_decisions]
        out += [f"{i}. {_md(s.title)} ({_md(s.case)}): {s.score_percent}%. Chosen: {_md(', '.join(chosen))}."
                + (f" Key decision(s): {_md(', '.join(keys))}." if keys else "")]
    out.append("")
    line = _weights_line(first)
    if line:
        out += [f"Scoring: {line}. Score = (what the key decisions and supportive options chosen are worth, less "
                "the penalties) / (what all of them are worth), never below 0.", ""]
    out += [f"*{_md(first.statement)}*", ""]
    return "\n".join(out)

