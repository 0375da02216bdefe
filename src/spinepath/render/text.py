"""The consult in a terminal (rich). Strength is a word as well as a colour; NO_COLOR and pipes work."""
from __future__ import annotations

import textwrap

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from ..explain.result import ConsultResult, Entry, Argument
from ..load.interventions import said
from .escaping import plain
from . import (PHASE_TITLES, wrap, STRENGTH_WORDS, alternative_text, answers_with_changes, capped_text,
               compact_answers, details_text, evidence_by_level, evidence_short, grouped_by_phase, grouped_missing,
               grouped_provisional, more_answers_text, patient_summary, presumed_text, question_head, questions_first,
               questions_to_show, strategy_groups, words, HIDDEN_TREATMENT_SHOWN, hidden_questions_line,
               hidden_treatment_questions)

TOP_QUESTIONS = 5
QUESTION_LINES = 6  # at most, a question with its answers, without --all
ANSWERS_SHOWN = 2  # per question, the answers that change treatment most; --all shows them all
ANSWER_CHANGES = 3  # per answer, the changes shown before "+N more"

STRENGTH_STYLE = {"recommended": "bold green", "consider": "bold yellow", "avoid": "bold red"}
SEVERITY_STYLE = {"critical": "bold white on red", "warning": "bold yellow", "info": "cyan"}


def render(result: ConsultResult, console: Console, trace: bool = False, all_: bool = False) -> None:
    rs = result.ruleset
    patient = result.patient
    # Each head line wrapped at spaces, continuation lines indented (a long id wrapped to column 0).
    for text_, style in ((f"spinepath consult — {plain(result.patient_id)}", "bold"), (patient_summary(patient), ""),
                         (f"ruleset {rs.name} {rs.version} (sha256 {rs.sha256[:12]})", "dim")):
        for line in wrap(text_, console.width, subsequent_indent="  "):
            console.print(Text(line, style=style))

    if result.alerts:
        lines = []
        for a in result.alerts:
            t = Text()
            t.append(f" {a.severity.upper()} ", style=SEVERITY_STYLE[a.severity])
            t.append(f" {a.code}", style="bold")
            t.append(f" ({a.rule})")
            # Critical and warning alerts are read in full; an info alert's text waits for --all.
            if all_ or a.severity != "info":
                t.append(f"\n{a.message}")
            lines.append(t)
        console.print(Panel(Group(*lines), title="ALERTS", border_style="red", title_align="left"))

    console.print()
    console.print(Text("Pathway", style="bold underline"))
    if not result.recommendations:
        console.print("  No rule makes a recommendation on the facts alone"
                      + ("; see the provisional pathway and the questions below." if result.provisional
                         or result.questions else "."))
    # Every entry has its own Why (NEWCOMER-2026-12 P14: entries of one rule shared one Why printed after
    # the last, and a later entry of the same rule had none). A reason is said in full where it first
    # appears; an entry with the same reason points back to it in one line (--all says each in full).
    explained: dict[tuple[str, str], str] = {}
    warned: set[str] = set()  # the arguments against already said in full
    for phase, recs in grouped_by_phase(result.recommendations):
        console.print(Text(PHASE_TITLES[phase], style="bold"))
        for r in recs:
            rule = f"({r.rule}{', also ' + ', '.join(r.also_by) if r.also_by else ''})"
            _entry(console, r, rule)
            if r.blocked:
                _say(console, "Blocked: ", r.blocked, style="red")
            for alt in r.alternatives:
                _say(console, "Or: ", alternative_text(alt))
            _arguments(console, r.arguments, all_, warned)
            first = explained.get((r.rule, r.rationale))
            if first is None or all_:
                _why(console, r, all_)
                explained.setdefault((r.rule, r.rationale), said(r.intervention))
            else:
                _say(console, "Why: ", f"as for {first} above ({r.rule}).")

    for group, labels in strategy_groups(result.recommendations):
        _say(console, "Alternatives, not a sequence: ", f"{words(group)}: " + " or ".join(labels) + ".")

    _provisional(result, console, all_, warned)
    _questions(result, console, all_)

    console.print()
    console.print(Text("Derived staging", style="bold underline"))
    v = result.value
    technique = f" ({words(v('en_bloc_technique'))})" if v("en_bloc_technique") else ""
    items = [f"Region: {words(v('region'))}", f"Paediatric: {words(v('pediatric'))}",
             f"Enneking stage: {words(v('enneking_stage'))}", f"ESCC 2-3: {words(v('escc_high_grade'))}",
             "SINS: " + " ".join(dict.fromkeys([words(v("sins_total")) if v("sins_total") is not None else "",
                                                words(v("sins_category"))]).keys()).strip(),
             f"En bloc feasible (anatomy): {words(v('en_bloc_feasible'))}{technique}"]
    for line in _wrap_items(items, console.width - 2, sep=" ·"):
        console.print(Text("  " + line))
    for f in result.flags:
        for i, line in enumerate(wrap(f"note [{f.code}]: {f.message}", console.width - 2,
                                               subsequent_indent="  ")):
            console.print(Text("  " + line, style="dim"))

    if all_ and result.missing:
        # Stacked, not a table: at 80 columns a three-column table cut the field names and ran each
        # "needed for" cell to 60 lines (NEWCOMER-2026-12 P8). Each row: the fields, then what they decide.
        console.print()
        console.print(Text("Missing data that would change the advice", style="bold underline"))
        for fields, needed_for, rules in grouped_missing(result.missing):
            for field in fields:
                console.print(Text("  " + field, style="bold"))
            _say(console, "rules: ", ", ".join(rules), indent=6)
            _say(console, "needed for: ", needed_for, indent=6, style="dim")

    if trace:
        # One step a paragraph: the rule and what it did, then the facts it matched with their values,
        # wrapped whole (a table cut the yes/no that is the point of a trace).
        console.print()
        console.print(Text("Trace (rules in firing order)", style="bold underline"))
        for step in result.trace:
            did = "; ".join(list(step.actions) + [f"asserted {a}" for a in step.asserted])
            if step.superseded_by:
                did += f" (superseded by {step.superseded_by})"
            head = f"{step.step:>4}  {step.rule}  "
            for i, line in enumerate(_lines(head + did, console.width, len(head))):
                console.print(Text(line, style="bold" if i == 0 else ""))
            matched = "; ".join(f"{k}={words(v)}" for k, v in step.matched.items())  # a value may be a list
            if matched:
                _say(console, "matched: ", matched, indent=6)
    console.print()
    console.print(Text(result.statement, style="italic"))


def _provisional(result: ConsultResult, console: Console, all_: bool, warned: set[str]) -> None:
    groups = grouped_provisional(result.provisional)
    if not groups and not result.provisional_alerts:
        return
    console.print()
    console.print(Text("Provisional: holds if the presumptions below are right", style="bold underline"))
    for assumes, recs in groups:
        for line in wrap("Holds if " + "; ".join(presumed_text(a) for a in assumes), console.width,
                                  subsequent_indent="  "):
            console.print(Text(line, style="bold"))
        for r in recs:
            _entry(console, r, f"({r.rule})", PHASE_TITLES[r.phase].lower())
            # An option under presumptions carries its warnings too (CX-01 "display with every en bloc
            # recommendation"; RT-05 "show the complication warning").
            _arguments(console, r.arguments, all_, warned)
            if r.capped_by:
                _say(console, "Note: ", capped_text(r))
            if all_:
                _why(console, r)
    _provisional_alerts(result, console, all_)


def _provisional_alerts(result: ConsultResult, console: Console, all_: bool) -> None:
    """Alerts that hold only under the presumptions, each under what it rests on. An info alert is named
    on one line, as in the alert panel; --all shows each with its presumptions and text."""
    shown = [a for a in result.provisional_alerts if all_ or a.severity != "info"]
    quiet = [a for a in result.provisional_alerts if a not in shown]
    groups: dict[tuple, list] = {}
    for a in shown:
        groups.setdefault(tuple(x.field for x in a.assumes), []).append(a)
    for alerts in groups.values():
        for line in wrap("Alerts if " + "; ".join(presumed_text(x) for x in alerts[0].assumes),
                                  console.width, subsequent_indent="  "):
            console.print(Text(line, style="bold"))
        for a in alerts:
            t = Text("  ")
            t.append(f"{a.severity.upper():<12}", style=SEVERITY_STYLE[a.severity])
            t.append(a.code, style="bold")
            t.append(f" ({a.rule})")
            console.print(t)
            _say(console, "", a.message)
    if quiet:
        text = "Info alerts under the presumptions (--all): " + ", ".join(f"{a.code} ({a.rule})" for a in quiet)
        for line in wrap(text, max(console.width - SAY_INDENT, 30), subsequent_indent="  "):
            console.print(Text(" " * SAY_INDENT + line, style="dim"))


def _questions(result: ConsultResult, console: Console, all_: bool) -> None:
    questions = result.questions
    if not questions:
        return
    console.print()
    console.print(Text("Questions that would change the plan", style="bold underline"))
    shown = questions if all_ else questions_to_show(questions, TOP_QUESTIONS)
    if not all_ and questions_first(shown):  # with --all each question says why it ranks where it does
        for line in wrap(questions_first(shown), console.width):
            console.print(Text(line, style="dim"))
    for i, q in enumerate(shown, 1):
        for line in wrap(f"{i}. {question_head(q)}", console.width, subsequent_indent="   "):
            console.print(Text(line, style="bold"))
        if all_:
            if q.why:
                _say(console, "Why here: ", q.why)
            for label, changes in answers_with_changes(q):
                lead = f"   {label} → "
                if len(lead) > 28:  # a long answer (a histology) gets its own line
                    console.print(Text(lead.rstrip()))
                    lead = "      "
                body = _wrap_items(changes, max(console.width - len(lead), 20))
                console.print(Text(lead + body[0]))
                for more in body[1:]:
                    console.print(Text(" " * len(lead) + more))
            continue
        # At most six lines a question (issue 21): the answers that change treatment most.
        head = len(wrap(f"{i}. {question_head(q)}", console.width, subsequent_indent="   "))
        lines, hidden = compact_answers(q, max(console.width - 3, 40), QUESTION_LINES - head)
        for line in lines:
            console.print(Text("   " + line))
        if hidden:
            console.print(Text(f"   {more_answers_text(hidden)} (--all)", style="dim"))
    if len(questions) > len(shown):
        console.print(Text(hidden_questions_line(questions, shown, "--all"), style="dim"))
        treating = hidden_treatment_questions(questions, shown)
        for i, q in treating[:HIDDEN_TREATMENT_SHOWN]:
            for line in wrap(f"{i}. {q.text} [{q.field}]", console.width, initial_indent="   ",
                             subsequent_indent="      "):  # the line above says why they are named
                console.print(Text(line, style="dim"))
        if len(treating) > HIDDEN_TREATMENT_SHOWN:
            console.print(Text(f"   and {len(treating) - HIDDEN_TREATMENT_SHOWN} more (--all)", style="dim"))


def _wrap_items(items: list[str], width: int, sep: str = ";") -> list[str]:
    """Join items with a separator, breaking lines between items (an item is split only when too long)."""
    lines: list[str] = []
    for i, item in enumerate(items):
        piece = item + (sep if i < len(items) - 1 else "")
        if lines and len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += " " + piece
        else:
            lines.extend(wrap(piece, width) or [piece])
    return lines


INDENT = 14  # where an entry's intervention starts, after the strength word
SAY_INDENT = 4  # where its reasons start: most of the line is left for them


def _say(console: Console, label: str, text: str, style: str = "", indent: int = SAY_INDENT) -> None:
    """A labelled paragraph under an entry, wrapped with a hanging indent under its label."""
    width = max(console.width - indent, 30)
    lines = wrap(label + text, width, subsequent_indent=" " * len(label))
    for line in lines:
        console.print(Text(" " * indent + line, style=style))


def _lines(text: str, width: int, hang: int) -> list[str]:
    """Text wrapped at spaces only, continuation lines indented by `hang`: an identifier (a rule id, a
    field name) is never split at its hyphen."""
    return wrap(text, max(width, hang + 30), subsequent_indent=" " * hang,
                         break_long_words=False) or [text]


def _why(console: Console, r: Entry, all_: bool = False) -> None:
    """The reason, then its evidence in the same paragraph (dimmed), wrapped under "Why:"."""
    label = "Why: "
    reason = label + r.rationale
    text = f"{reason} Evidence: {evidence_by_level(r.evidence) if all_ else evidence_short(r.evidence)}"
    width = max(console.width - SAY_INDENT, 30)
    done = 0
    for line in wrap(text, width, subsequent_indent=" " * len(label)):
        body = line.lstrip() if done else line
        pad = line[:len(line) - len(body)]
        out = Text(" " * SAY_INDENT + pad)
        plain = max(min(len(reason) - done, len(body)), 0)  # how much of this line is still the reason
        out.append(body[:plain])
        out.append(body[plain:], style="dim")
        console.print(out)
        done += len(body) + 1


def _arguments(console: Console, arguments: tuple[Argument, ...], all_: bool, warned: set[str]) -> None:
    """An entry's arguments. --all says each in full. Otherwise an argument against (a complication or risk
    warning, CX-01, CX-02, RT-05) is said in full where it first appears and named after that, and the
    arguments for are named."""
    if all_:
        for arg in arguments:
            _say(console, f"{arg.stance.upper()} ({arg.rule}): ", arg.rationale)
        return
    named = [a for a in arguments if a.stance == "for" or a.rule in warned]
    sides = [(stance, [a.rule for a in named if a.stance == stance]) for stance in ("for", "against")]
    said_ = [f"{stance} {', '.join(rules)}" + (" (above)" if stance == "against" else "") for stance, rules in sides if rules]
    if said_:
        _say(console, "Arguments: ", "; ".join(said_))
    for arg in arguments:
        if arg.stance == "against" and arg.rule not in warned:
            _say(console, "Against: ", f"{arg.rationale} ({arg.rule})")
            warned.add(arg.rule)


def _entry(console: Console, r: Entry, rule: str, phase: str = "") -> None:
    """An entry's first line (strength, intervention, details, rule), wrapped under the intervention."""
    rest = said(r.intervention) + (f"  {phase}" if phase else "") + (
        f"  [{details_text(r.details)}]" if r.details else "") + f"  {rule}"
    lines = wrap(rest, max(console.width - INDENT, 30), subsequent_indent="")
    first = Text("  ")
    first.append(f"{STRENGTH_WORDS[r.strength]:<12}", style=STRENGTH_STYLE[r.strength])
    name = said(r.intervention)
    if lines[0].startswith(name):  # the intervention in bold, however many words it has
        first.append(name, style="bold")
        first.append(lines[0][len(name):])
    else:
        head, _, tail = lines[0].partition(" ")
        first.append(head, style="bold")
        if tail:
            first.append(" " + tail)
    console.print(first)
    for line in lines[1:]:
        console.print(Text(" " * INDENT + line))
