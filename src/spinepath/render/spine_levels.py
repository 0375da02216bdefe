"""The spine's levels as one sagittal strip from C1 to the coccyx, inline SVG: the tumour's levels
shaded, its separate groups (skip lesions) bracketed apart, operated levels hatched and irradiated levels
dotted in columns of their own, so each mark reads in greyscale. Only recorded levels are drawn; a treatment whose
levels were not recorded is named as such, never guessed from the tumour's levels."""
from __future__ import annotations

from dataclasses import dataclass

from ..load.patient import LEVELS
from .svg import n, patterns, svg, text

NOTE = "C1 at the top to the coccyx, schematic, from the recorded levels."
REGIONS = (("cervical", "C1", "C7"), ("thoracic", "T1", "T12"), ("lumbar", "L1", "L5"), ("sacrum", "S1", "Co"))
TOP, H = 13.0, 5.4  # first row, row height: 30 levels fill the height of the WBB diagram beside it
COLUMNS = (("tumour", 30.0), ("operated", 55.0), ("irradiated", 80.0))
CW = 22.0


def runs(levels: list[str]) -> list[list[str]]:
    """The levels as groups of neighbours, top to bottom: [[C5, C6], [T2]]."""
    idx = sorted({LEVELS.index(v) for v in levels})
    out: list[list[int]] = []
    for i in idx:
        if out and i == out[-1][-1] + 1:
            out[-1].append(i)
        else:
            out.append([i])
    return [[LEVELS[i] for i in r] for r in out]


def span(group: list[str]) -> str:
    return group[0] if len(group) == 1 else f"{group[0]}–{group[-1]}"


def _y(level: str) -> float:
    return TOP + LEVELS.index(level) * H


def _column(uid: str, name: str, x: float, marked: set[str], fill: str) -> list[str]:
    out = [text(x + CW / 2, 9, name, 5)]
    for level in LEVELS:
        hit = level in marked
        cls = ' class="marked"' if hit else ""
        out.append(f'<rect id="{uid}-{name}-{level}"{cls} x="{n(x)}" y="{n(_y(level) + .35)}" width="{n(CW)}" '
                   f'height="{n(H - .7)}" rx="1" fill="{fill if hit else "#fff"}" '
                   f'stroke="{"#111" if hit else "#bbb"}" stroke-width="{".7" if hit else ".4"}"/>')
    return out


def draw(levels: list[str], operated: list[tuple[str, list[str] | None]] | None,
         irradiated: list[tuple[str, list[str] | None]] | None, uid: str) -> str:
    """`operated` and `irradiated` are (date, levels or None) per treatment; None when the history is not given.
    A sagittal strip, C1 at the top, one column per mark so each reads without colour."""
    body = [patterns(uid)]
    for name, first, last in REGIONS:
        y0, y1 = _y(first) + .6, _y(last) + H - .6
        body.append(f'<line x1="3" y1="{n(y0)}" x2="3" y2="{n(y1)}" stroke="#555" stroke-width=".8"/>')
        body.append(text(9, (y0 + y1) / 2, name, 4.6, extra=f' transform="rotate(-90 9 {n((y0 + y1) / 2)})"'
                         ' dominant-baseline="middle"'))
    tumour = set(levels)
    for level in LEVELS:  # printed small, so only the tumour's levels and each region's first are named
        if level in tumour or level in ("C1", "T1", "L1", "S1"):
            body.append(text(26, _y(level) + H / 2 + 1.9, level, 5.4, anchor="end",
                             weight="bold" if level in tumour else "normal"))
    (_, x_t), (_, x_o), (_, x_r) = COLUMNS
    body += _column(uid, "tumour", x_t, tumour, f"url(#{uid}-hatch)")
    for name, x, given, fill in (("operated", x_o, operated, f"url(#{uid}-cross)"),
                                 ("irradiated", x_r, irradiated, f"url(#{uid}-dots)")):
        marked = {lv for _, lvs in (given or []) for lv in (lvs or [])}
        body += _column(uid, name, x, marked, fill)
        note = _unplaced(name, given)
        if note and not marked:  # written down the empty column, so the gap reads as a gap
            cx, cy = x + CW / 2, TOP + 15 * H
            body.append(text(cx, cy, note, 5, extra=f' transform="rotate(-90 {n(cx)} {n(cy)})" '
                             'dominant-baseline="middle"'))
    groups = runs(levels)
    if len(groups) > 1:
        for i, g in enumerate(groups):
            y0, y1 = _y(g[0]) + .5, _y(g[-1]) + H - .5
            body.append(f'<path id="{uid}-group-{i + 1}" class="group" d="M104 {n(y0)}H107V{n(y1)}H104" fill="none" '
                        'stroke="#111" stroke-width=".8"/>')
            body.append(text(109, (y0 + y1) / 2 + 1.6, str(i + 1) + (" skip" if i else ""), 4.6, anchor="start",
                             weight="bold"))
    return svg(126, TOP + len(LEVELS) * H + 2, body, caption(levels, operated, irradiated), "levels")


def _unplaced(name: str, given: list[tuple[str, list[str] | None]] | None) -> str:
    if given is None:
        return "treatment history not given"
    unplaced = [date for date, lvs in given if not lvs]
    if not unplaced:
        return ""
    kind = "surgery" if name == "operated" else "radiotherapy"
    return f"{kind} {', '.join(unplaced)}: levels not recorded"


def caption(levels: list[str], operated: list[tuple[str, list[str] | None]] | None,
            irradiated: list[tuple[str, list[str] | None]] | None) -> str:
    """The strip in words: the figure caption and the Markdown brief's legend."""
    groups = runs(levels)
    parts = ["Spine levels, C1 at the top to the coccyx; schematic, from the recorded levels.",
             f"Tumour: {', '.join(span(g) for g in groups)}"
             + (f" ({len(groups)} separate groups: skip lesions)." if len(groups) > 1 else ".")]
    for label, given in (("Operated", operated), ("Irradiated", irradiated)):
        if given is None:
            parts.append(f"{label}: treatment history not given.")
            continue
        if not given:
            parts.append(f"{label}: none.")
            continue
        said = [f"{', '.join(span(g) for g in runs(lvs))} ({date})" if lvs else f"levels not recorded ({date})"
                for date, lvs in given]
        parts.append(f"{label}: {'; '.join(said)}.")
    return " ".join(parts)


@dataclass(frozen=True)
class Picture:
    """What the strip draws for one patient: the tumour's levels, and per surgery and radiotherapy course
    (date, levels or None); `operated` and `irradiated` are None when the treatment history is not given."""

    levels: list[str]
    operated: list[tuple[str, list[str] | None]] | None
    irradiated: list[tuple[str, list[str] | None]] | None

    def draw(self, uid: str) -> str:
        return draw(self.levels, self.operated, self.irradiated, uid)

    def caption(self) -> str:
        return caption(self.levels, self.operated, self.irradiated)
