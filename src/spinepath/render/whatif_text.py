"""A what-if comparison in a terminal: what setting the fields adds, removes or changes."""
from __future__ import annotations

import textwrap

from rich.console import Console
from rich.text import Text

from ..explain.result import Entry
from ..explain.whatif import WhatIf
from ..load.interventions import said
from .escaping import plain
from . import PHASE_TITLES, details_text, words

SIGN_STYLE = {"+": "bold green", "−": "bold red", "~": "bold yellow"}


HANG = 4  # continuation lines start under the intervention, as in the consult (never at column 0)


def _entry(console: Console, sign: str, r: Entry, before: Entry | None = None) -> None:
    """One changed entry as the consult writes it: the intervention with its strength and phase, then its
    details and rule, wrapped at spaces with continuation lines indented (NEWCOMER-2026-12 P8)."""
    strength = f"{before.strength} → {r.strength}" if before is not None else r.strength
    name = said(r.intervention)
    text = f"{sign} {name} ({strength}, {PHASE_TITLES[r.phase].lower()})" + (
        f"  [{details_text(r.details)}]" if r.details else "") + f"  ({r.rule})"
    lines = textwrap.wrap(text, max(console.width - 2, 30), subsequent_indent=" " * HANG,
                          break_on_hyphens=False, break_long_words=False)
    first = Text("  ")
    first.append(sign, style=SIGN_STYLE[sign])
    first.append(" ")
    first.append(name, style="bold")
    first.append(lines[0][len(sign) + 1 + len(name):])
    console.print(first)
    for line in lines[1:]:
        console.print(Text("  " + line))


def _para(console: Console, text: str, indent: int = 0, hang: int = 2, style: str = "") -> None:
    for line in textwrap.wrap(text, max(console.width - indent, 30), subsequent_indent=" " * hang,
                              break_on_hyphens=False, break_long_words=False):
        console.print(Text(" " * indent + line, style=style))


def render(w: WhatIf, console: Console) -> None:
    _para(console, f"spinepath what-if — {plain(w.patient_id)}", style="bold")
    _para(console, "Set: " + "; ".join(f"{k} = {words(v)}" for k, v in w.chosen.items()), hang=5)
    d = w.diff
    for block, title in ((d.firm, "Pathway (on the facts)"), (d.provisional, "Provisional pathway")):
        if block.added or block.removed or block.changed:
            console.print()
            console.print(Text(title, style="bold underline"))
            for r in block.added:
                _entry(console, "+", r)
            for r in block.removed:
                _entry(console, "−", r)
            for before, after in block.changed:
                _entry(console, "~", after, before)
    if d.alerts_added or d.alerts_removed:
        console.print()
        console.print(Text("Alerts", style="bold underline"))
        for sign, items in (("+", d.alerts_added), ("−", d.alerts_removed)):
            for a in items:
                line = Text(f"  {sign} ", style=SIGN_STYLE[sign])
                line.append(f"{a.code} ({a.severity}, {a.rule})", style="bold")
                console.print(line)
    if d.derived:
        console.print()
        console.print(Text("Derived values", style="bold underline"))
        for field, before, after in d.derived:
            _para(console, f"{field}: {words(before)} → {words(after)}", indent=2, hang=4)
    if w.unchanged:
        console.print("\nNo change: the consult is the same with these values.")
