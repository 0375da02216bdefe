"""A what-if comparison in a terminal: what setting the fields adds, removes or changes."""
from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ..explain.result import Entry
from ..explain.whatif import WhatIf
from ..load.interventions import said
from .escaping import plain
from . import PHASE_TITLES, details_text, words

SIGN_STYLE = {"+": "bold green", "−": "bold red", "~": "bold yellow"}


def _entry(sign: str, r: Entry, before: Entry | None = None) -> Text:
    line = Text(f"  {sign} ", style=SIGN_STYLE[sign])
    line.append(said(r.intervention), style="bold")
    strength = f"{before.strength} → {r.strength}" if before is not None else r.strength
    line.append(f" ({strength}, {PHASE_TITLES[r.phase].lower()})")
    if r.details:
        line.append(f"  [{details_text(r.details)}]")
    line.append(f"  {r.rule}", style="dim")
    return line


def render(w: WhatIf, console: Console) -> None:
    console.print(Text(f"spinepath what-if — {plain(w.patient_id)}", style="bold"))
    console.print("Set: " + ", ".join(f"{k} = {words(v)}" for k, v in w.chosen.items()), markup=False)
    d = w.diff
    for block, title in ((d.firm, "Pathway (on the facts)"), (d.provisional, "Provisional pathway")):
        if block.added or block.removed or block.changed:
            console.print()
            console.print(Text(title, style="bold underline"))
            for r in block.added:
                console.print(_entry("+", r))
            for r in block.removed:
                console.print(_entry("−", r))
            for before, after in block.changed:
                console.print(_entry("~", after, before))
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
            console.print(f"  {field}: {words(before)} → {words(after)}", markup=False)
    if w.unchanged:
        console.print("\nNo change: the consult is the same with these values.")
