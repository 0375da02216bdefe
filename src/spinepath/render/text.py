"""The consult in a terminal (rich). Strength is a word as well as a colour; NO_COLOR and pipes work."""
from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from . import (DERIVED_LABELS, PHASE_TITLES, STRENGTH_WORDS, answers_with_changes, details_text, evidence_text,
               grouped_by_phase, grouped_missing, grouped_provisional, presumed_text, words)

TOP_QUESTIONS = 5

STRENGTH_STYLE = {"recommended": "bold green", "consider": "bold yellow", "avoid": "bold red"}
SEVERITY_STYLE = {"critical": "bold white on red", "warning": "bold yellow", "info": "cyan"}


def render(result: dict, console: Console, trace: bool = False, patient=None, all_: bool = False) -> None:
    rs = result["ruleset"]
    head = Text()
    head.append(f"spinepath consult — {result['patient_id']}\n", style="bold")
    if patient is not None:
        dx = patient.diagnosis
        head.append(f"{patient.age} y, {patient.sex or 'sex not given'}; histology: {words(dx.histology)}"
                    f"{' (' + dx.subtype + ')' if dx.subtype else ''}"
                    f"{', grade ' + str(dx.grade) if dx.grade else ''}; levels {', '.join(patient.lesion.levels)}\n")
    head.append(f"ruleset {rs['name']} {rs['version']} (sha256 {rs['sha256'][:12]})", style="dim")
    console.print(Panel(head, expand=True))

    if result["alerts"]:
        lines = []
        for a in result["alerts"]:
            t = Text()
            t.append(f" {a['severity'].upper()} ", style=SEVERITY_STYLE[a["severity"]])
            t.append(f" {a['code']}", style="bold")
            t.append(f" ({a['rule']})\n{a['message']}")
            lines.append(t)
        console.print(Panel(Group(*lines), title="ALERTS", border_style="red", title_align="left"))

    console.print()
    console.print(Text("Pathway", style="bold underline"))
    if not result["recommendations"]:
        console.print("  No rule makes a recommendation on the facts alone"
                      + ("; see the provisional pathway and the questions below." if result.get("provisional")
                         or result.get("questions") else "."))
    for phase, recs in grouped_by_phase(result["recommendations"]):
        console.print(Text(f"\n{PHASE_TITLES[phase]}", style="bold"))
        for i, r in enumerate(recs):
            line = Text("  ")
            line.append(f"{STRENGTH_WORDS[r['strength']]:<12}", style=STRENGTH_STYLE[r["strength"]])
            line.append(r["intervention"], style="bold")
            if r["details"]:
                line.append(f"  [{details_text(r['details'])}]")
            line.append(f"  ({r['rule']}{', also ' + ', '.join(r['also_by']) if r.get('also_by') else ''})", style="dim")
            console.print(line)
            if r.get("blocked"):
                console.print(Text(f"{'':14}Blocked: {r['blocked']}", style="red"))
            for arg in r.get("arguments", []):
                console.print(Text(f"{'':14}{arg['stance'].upper()} ({arg['rule']}): {arg['rationale']}"))
            # One rule often gives several entries (e.g. GEN-05): say its reason once, after the last.
            nxt = recs[i + 1] if i + 1 < len(recs) else None
            if nxt is None or nxt["rule"] != r["rule"] or nxt["rationale"] != r["rationale"]:
                console.print(Text(f"{'':14}Why: {r['rationale']}"))
                console.print(Text(f"{'':14}Evidence: {evidence_text(r['evidence'])}", style="dim"))

    _provisional(result, console, all_)
    _questions(result, console, all_)

    console.print()
    table = Table(title="Derived staging", title_justify="left", show_header=False, expand=False)
    table.add_column("value")
    table.add_column("result")
    d = result["derived"]
    for key, label in DERIVED_LABELS.items():
        table.add_row(label, words(d.get(key)))
    console.print(table)
    for f in d.get("flags", []):
        console.print(f"  note [{f['code']}]: {f['message']}", style="dim", markup=False, highlight=False)

    if all_ and result["missing"]:
        console.print()
        mt = Table(title="Missing data that would change the advice", title_justify="left")
        mt.add_column("field")
        mt.add_column("needed for")
        mt.add_column("rules")
        for fields, needed_for, rules in grouped_missing(result["missing"]):
            mt.add_row("\n".join(fields), needed_for, ", ".join(rules))
        console.print(mt)

    if trace:
        console.print()
        tt = Table(title="Trace (rules in firing order)", title_justify="left")
        tt.add_column("#", justify="right")
        tt.add_column("rule")
        tt.add_column("matched")
        tt.add_column("did")
        for t in result["trace"]:
            matched = ", ".join(f"{k}={words(v)}" for k, v in t["matched"].items())
            did = "; ".join(t["actions"] + [f"asserted {a}" for a in t["asserted"]])
            if t.get("superseded_by"):
                did += f" (superseded by {t['superseded_by']})"
            tt.add_row(str(t["step"]), t["rule"], matched, did)
        console.print(tt)
    console.print()
    console.print(Text(result["statement"], style="italic"))


def _provisional(result: dict, console: Console, all_: bool) -> None:
    groups = grouped_provisional(result.get("provisional", []))
    if not groups:
        return
    console.print()
    console.print(Text("Provisional: holds if the presumptions below are right", style="bold underline"))
    for assumes, recs in groups:
        console.print(Text("\nHolds if " + "; ".join(presumed_text(a) for a in assumes), style="bold"))
        for r in recs:
            line = Text("  ")
            line.append(f"{STRENGTH_WORDS[r['strength']]:<12}", style=STRENGTH_STYLE[r["strength"]])
            line.append(r["intervention"], style="bold")
            line.append(f"  {PHASE_TITLES[r['phase']].lower()}")
            if r["details"]:
                line.append(f"  [{details_text(r['details'])}]")
            line.append(f"  ({r['rule']})", style="dim")
            console.print(line)
            if all_:
                console.print(Text(f"{'':14}Why: {r['rationale']}"))
                console.print(Text(f"{'':14}Evidence: {evidence_text(r['evidence'])}", style="dim"))


def _questions(result: dict, console: Console, all_: bool) -> None:
    questions = result.get("questions", [])
    if not questions:
        return
    console.print()
    console.print(Text("Questions that would change the plan", style="bold underline"))
    shown = questions if all_ else questions[:TOP_QUESTIONS]
    for i, q in enumerate(shown, 1):
        console.print(Text(f"{i}. {q['text']}", style="bold"))
        console.print(Text(f"   {q['field']}", style="dim"))
        for label, changes in answers_with_changes(q):
            console.print(Text(f"   {label}: {'; '.join(changes)}"))
    if len(questions) > len(shown):
        console.print(Text(f"{len(questions) - len(shown)} more: --all", style="dim"))
