"""A what-if comparison in a terminal: what setting the fields adds, removes or changes."""
from __future__ import annotations

from rich.console import Console
from rich.text import Text

from .escaping import plain
from ..load.interventions import said
from . import PHASE_TITLES, details_text, words

SIGN_STYLE = {"+": "bold green", "−": "bold red", "~": "bold yellow"}


def _entry(sign: str, r: dict) -> Text:
    line = Text(f"  {sign} ", style=SIGN_STYLE[sign])
    line.append(said(r["intervention"]), style="bold")
    strength = f"{r['from']} → {r['strength']}" if sign == "~" else r["strength"]
    line.append(f" ({strength}, {PHASE_TITLES[r['phase']].lower()})")
    if r.get("details"):
        line.append(f"  [{details_text(r['details'])}]")
    line.append(f"  {r['rule']}", style="dim")
    return line


def render(d: dict, console: Console) -> None:
    console.print(Text(f"spinepath what-if — {plain(d['patient_id'])}", style="bold"))
    console.print("Set: " + ", ".join(f"{k} = {words(v)}" for k, v in d["set"].items()), markup=False)
    empty = True
    for key, title in (("recommendations", "Pathway (on the facts)"), ("provisional", "Provisional pathway")):
        block = d[key]
        if any(block[x] for x in ("added", "removed", "changed")):
            empty = False
            console.print()
            console.print(Text(title, style="bold underline"))
            for r in block["added"]:
                console.print(_entry("+", r))
            for r in block["removed"]:
                console.print(_entry("−", r))
            for r in block["changed"]:
                console.print(_entry("~", r))
    if d["alerts"]["added"] or d["alerts"]["removed"]:
        empty = False
        console.print()
        console.print(Text("Alerts", style="bold underline"))
        for sign, items in (("+", d["alerts"]["added"]), ("−", d["alerts"]["removed"])):
            for a in items:
                line = Text(f"  {sign} ", style=SIGN_STYLE[sign])
                line.append(f"{a['code']} ({a['severity']}, {a['rule']})", style="bold")
                console.print(line)
    if d["derived"]:
        empty = False
        console.print()
        console.print(Text("Derived values", style="bold underline"))
        for c in d["derived"]:
            console.print(f"  {c['field']}: {words(c['before'])} → {words(c['after'])}", markup=False)
    if empty:
        console.print("\nNo change: the consult is the same with these values.")
