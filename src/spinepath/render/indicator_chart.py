"""The audit's chart: each indicator's rate as a dot on a 0-100% scale, its Wilson 95% interval as a line.

Small inline SVG, as the brief's pictures are, and not a charting library: the report must be one file that
opens offline and prints the same bytes on every run, and a chart of ten dots and whiskers needs no more than
the helpers of render/svg.py (a library would add a dependency and scripts to a page that must carry none).
It draws only the figures it is given. In greyscale: a dot, a line and the figures as text, never a colour
alone; an indicator where lower is better says so in its label.
"""
from __future__ import annotations

from typing import Sequence

from .svg import n, svg, text

ROW, LABEL_W, PLOT_W, FIG_W, TOP = 17.0, 215.0, 200.0, 112.0, 22.0


def chart(rows: Sequence[tuple[str, int, int, float | None, tuple[float, float] | None, bool]],
          label: str = "Quality indicators with Wilson 95% intervals") -> str:
    """rows: (title, numerator, denominator, rate, interval, lower_is_better)."""
    width = LABEL_W + PLOT_W + FIG_W + 10
    height = TOP + ROW * len(rows) + 8
    x0 = LABEL_W

    def x(v: float) -> float:
        return x0 + v * PLOT_W

    body: list[str] = []
    for tick in (0, .25, .5, .75, 1):
        dash = "" if tick in (0, 1) else ' stroke-dasharray="2 2"'
        body.append(f'<line x1="{n(x(tick))}" y1="{n(TOP - 4)}" x2="{n(x(tick))}" y2="{n(height - 6)}" '
                    f'stroke="#bbb" stroke-width=".5"{dash}/>')
        body.append(text(x(tick), TOP - 8, f"{int(tick * 100)}%", size=7))
    body.append(text(x0 + PLOT_W + 12, TOP - 8, "n/N, rate (95% CI)", size=7, anchor="start", weight="bold"))
    for i, (title, num, den, rate, ci, lower) in enumerate(rows):
        y = TOP + ROW * i + ROW / 2
        body.append(text(x0 - 6, y + 2.5, title + (" (lower is better)" if lower else ""), size=7.5, anchor="end"))
        if rate is None or ci is None:
            body.append(text(x0 + 4, y + 2.5, "no case to count", size=7, anchor="start", fill="#555"))
            figures = "0/0"
        else:
            body.append(f'<line x1="{n(x(ci[0]))}" y1="{n(y)}" x2="{n(x(ci[1]))}" y2="{n(y)}" stroke="#111" '
                        'stroke-width="1.4"/>')
            for end in ci:
                body.append(f'<line x1="{n(x(end))}" y1="{n(y - 4)}" x2="{n(x(end))}" y2="{n(y + 4)}" stroke="#111" '
                            'stroke-width="1.2"/>')
            body.append(f'<circle cx="{n(x(rate))}" cy="{n(y)}" r="3.2" fill="#111"/>')
            figures = f"{num}/{den}, {rate * 100:.0f}% ({ci[0] * 100:.0f}-{ci[1] * 100:.0f}%)"
        body.append(text(x0 + PLOT_W + 12, y + 2.5, figures, size=7.5, anchor="start"))
    return svg(width, height, body, label, "indicator-chart")
