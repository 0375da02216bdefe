"""The treatment history as one axis, inline SVG: each treatment in date order with what a board asks of
it (extent and margin of a surgery, modality and dose of a radiotherapy), then the decision point as the
last mark. Marks that the caller ties to a treatment (an alert about that surgery) sit above it; marks
about the present (a local recurrence, a re-irradiation question) sit at the decision point.

Treatments follow one another down the axis, not to scale: the dates are written beside them, and a
ten-year gap must not squeeze the rest into a corner.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

from ..load.dates import chronological
from ..load.patient import Chemotherapy, Radiotherapy, Surgery, Treatment
from .svg import n, svg, text

KIND_SHAPES = {"surgery": "square", "radiotherapy": "triangle", "chemotherapy": "circle"}
AXIS, LINE, WIDTH = 52.0, 6.6, 80  # the axis's x, a line's height, characters on a detail line
NOTE = "oldest at the top, in date order, not to scale; treatments without a date after them; the decision point last."
UNDATED = "date not given"
SEVERITY_MARK = {"critical": "!!", "warning": "!", "info": "i", "finding": "•"}


@dataclass(frozen=True)
class Mark:
    """A flag on the axis: at a treatment (its index in the history) or at the decision point ("now")."""

    at: int | Literal["now"]
    severity: str  # critical | warning | info | finding (a recorded fact, not a rule's alert)
    label: str
    key: str  # names the mark in the picture's ids


def order(treatments: Sequence[Treatment]) -> list[int]:
    """Indices in date order, the file's order where the dates do not decide (2016 and 2016-03), then
    the treatments without a date, which are drawn as undated rather than placed between dated ones."""
    return chronological([t.date for t in treatments])


def _date(t: Treatment) -> str:
    return t.date if t.date is not None else UNDATED


def _levels(t: Surgery | Radiotherapy) -> list[str]:
    return [f"{t.levels[0]}–{t.levels[-1]}" if len(t.levels) > 1 else t.levels[0]] if t.levels else []


def _words(value: object) -> str:
    return str(value).replace("_", " ")


def describe(t: Treatment) -> list[str]:
    """The words under a mark: the kind, then every recorded detail, what a board asks first leading
    (extent and margin of a surgery, modality and dose of a radiotherapy)."""
    if isinstance(t, Surgery):
        detail = ", ".join(_words(v) for v in (t.extent, t.margin) if v)
        centre = ([] if t.specialized_center is None else
                  ["at a specialised centre" if t.specialized_center else "outside a specialised centre"])
        return ["surgery", detail or "extent not recorded", *centre, *_levels(t)]
    if isinstance(t, Radiotherapy):
        dose = f"{t.dose_gy:g} Gy" if t.dose_gy is not None else "dose not recorded"
        if t.fractions:
            dose += f" in {t.fractions} fractions"
        modality = _words(t.modality if t.modality is not None else "modality not recorded")
        return ["radiotherapy", modality, dose, *_levels(t)]
    if isinstance(t, Chemotherapy):
        detail = ", ".join(_words(v) for v in (t.regimen, t.intent) if v)
        return ["chemotherapy", *([detail] if detail else [])]
    return [_words(t.kind)]


def _wrap(words: str, width: int) -> list[str]:
    lines: list[str] = []
    for w in words.split():
        if lines and len(lines[-1]) + 1 + len(w) <= width:
            lines[-1] += " " + w
        else:
            lines.append(w)
    return lines


def _marker(kind: str, x: float, y: float) -> str:
    shape = KIND_SHAPES.get(kind, "diamond")
    if shape == "square":
        return f'<rect x="{n(x - 3)}" y="{n(y - 3)}" width="6" height="6" fill="#111"/>'
    if shape == "triangle":
        return f'<path d="M{n(x)} {n(y - 3.8)}L{n(x + 3.6)} {n(y + 2.6)}H{n(x - 3.6)}Z" fill="#fff" ' \
               'stroke="#111" stroke-width="1"/>'
    if shape == "circle":
        return f'<circle cx="{n(x)}" cy="{n(y)}" r="3.2" fill="#777" stroke="#111" stroke-width=".8"/>'
    return f'<path d="M{n(x)} {n(y - 3.6)}L{n(x + 3.6)} {n(y)}L{n(x)} {n(y + 3.6)}L{n(x - 3.6)} {n(y)}Z" ' \
           'fill="#fff" stroke="#111" stroke-width=".9"/>'


def _flag_line(x: float, y: float, severity: str, label: str) -> list[str]:
    black = severity == "critical"
    return [f'<rect x="{n(x)}" y="{n(y - 4.9)}" width="8" height="6.2" rx="1.2" fill="{"#111" if black else "#fff"}" '
            'stroke="#111" stroke-width=".7"/>',
            text(x + 4, y, SEVERITY_MARK.get(severity, "!"), 5, weight="bold", fill="#fff" if black else "#111"),
            text(x + 11, y, label, 5.4, anchor="start", weight="bold" if black else "normal")]


def draw(treatments: Sequence[Treatment] | None, marks: Sequence[Mark], decision: str, uid: str) -> str:
    """`decision` labels the last mark. A vertical axis, the oldest treatment at the top, each mark's words
    beside it."""
    steps = order(treatments or [])
    by_place: dict[int | str, list[Mark]] = {}
    for m in marks:
        by_place.setdefault(m.at, []).append(m)
    body: list[str] = []
    y, first_y = 10.0, None
    places: list[int | Literal["now"]] = [*steps, "now"]
    for i in places:
        if first_y is None:
            first_y = y
        if i == "now":
            body.append(f'<g id="{uid}-decision" class="decision">'
                        f'<line x1="{n(AXIS - 5)}" y1="{n(y - 1.6)}" x2="{n(AXIS + 5)}" y2="{n(y - 1.6)}" stroke="#111" '
                        'stroke-width="2.6"/>' + text(AXIS - 9, y, "now", 5.6, anchor="end", weight="bold")
                        + text(AXIS + 9, y, f"{decision}: the decision point", 5.6, anchor="start", weight="bold")
                        + "</g>")
            if treatments is None:
                y += LINE
                body.append(text(AXIS + 9, y, "treatment history not given", 5.4, anchor="start"))
            elif not treatments:
                y += LINE
                body.append(text(AXIS + 9, y, "no treatment so far", 5.4, anchor="start"))
        else:
            assert treatments is not None  # a treatment's place: there is a history
            t = treatments[i]
            words = describe(t)
            body.append(f'<g id="{uid}-treatment-{i}" class="treatment {t.kind}">')
            body.append(text(AXIS - 9, y, t.date, 5.6, anchor="end", weight="bold") if t.date else
                        text(AXIS - 9, y, UNDATED, 5, anchor="end", fill="#555"))
            body.append(_marker(t.kind, AXIS, y - 1.8))
            body.append(text(AXIS + 9, y, words[0] + (f": {words[1]}" if len(words) > 1 else ""), 5.6,
                             anchor="start", weight="bold"))
            for line in _wrap("; ".join(words[2:]), WIDTH):
                y += LINE
                body.append(text(AXIS + 9, y, line, 5.4, anchor="start"))
            body.append("</g>")
        for m in by_place.get(i, []):
            y += LINE
            body.append(f'<g id="{uid}-alert-{m.key}-at-{i}" class="alert {m.severity}">')
            body += _flag_line(AXIS + 9, y, m.severity, m.label)
            body.append("</g>")
        y += LINE + 3
    assert first_y is not None  # the decision point is always drawn
    body.insert(0, f'<line x1="{n(AXIS)}" y1="{n(first_y - 6)}" x2="{n(AXIS)}" y2="{n(y - LINE - 2)}" stroke="#111" '
                'stroke-width="1"/>')
    return svg(320, y - 3, body, caption(treatments, marks, decision), "timeline")


def caption(treatments: Sequence[Treatment] | None, marks: Sequence[Mark], decision: str) -> str:
    """The axis in words: the figure caption and the Markdown brief's legend."""
    if treatments is None:
        history = "treatment history not given"
    elif not treatments:
        history = "no treatment so far"
    else:
        history = " → ".join(f"{_date(treatments[i])} "
                             + ", ".join(p for p in describe(treatments[i]) if p) for i in order(treatments))
    flagged = [f"{m.label} ({_place(m, treatments)}, {m.severity})" for m in marks]
    return (f"Treatment timeline, in date order, not to scale: {history} → {decision}."
            + (f" Marked: {'; '.join(flagged)}." if flagged else "")
            + " Square surgery, triangle radiotherapy, circle chemotherapy, diamond other.")


def _place(m: Mark, treatments: Sequence[Treatment] | None) -> str:
    if m.at == "now" or treatments is None:
        return "now"
    return _date(treatments[m.at])


@dataclass(frozen=True)
class Picture:
    """What the axis draws for one patient: the history (None: not given), the marks, the decision point."""

    treatments: Sequence[Treatment] | None
    marks: tuple[Mark, ...]
    decision: str

    def draw(self, uid: str) -> str:
        return draw(self.treatments, self.marks, self.decision, uid)

    def caption(self) -> str:
        return caption(self.treatments, self.marks, self.decision)
