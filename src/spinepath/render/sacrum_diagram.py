"""The sacrum, drawn by level, in the place of the WBB diagram when WBB does not apply (every level below
S2 with the dural sac not shown below it: derived.below_s2, STAGING §2.4). WBB zones describe a vertebra
of the mobile spine; below S2 the plan is made by level and by the roots to be sacrificed, so a vertebra
with "zones not recorded" and pedicle marks said the wrong thing (NEWCOMER-2026-12 P11). The recorded
layers are said in words under the drawing.
"""
from __future__ import annotations

from typing import Sequence

from .svg import n, svg, text

CX = 92.0
# (level, top y, height, width at the top, width at the bottom): a front view tapering to the coccyx.
SEGMENTS = (("S1", 20.0, 26.0, 124.0, 104.0), ("S2", 46.0, 24.0, 104.0, 84.0), ("S3", 70.0, 22.0, 84.0, 64.0),
            ("S4", 92.0, 20.0, 64.0, 46.0), ("S5", 112.0, 18.0, 46.0, 30.0), ("Co", 134.0, 16.0, 24.0, 10.0))
NOT_WBB = "below S2: levels, not WBB zones"


def _segment(uid: str, level: str, top: float, height: float, w0: float, w1: float, involved: bool) -> str:
    points = [(CX - w0 / 2, top), (CX + w0 / 2, top), (CX + w1 / 2, top + height), (CX - w1 / 2, top + height)]
    d = " ".join(f"{n(x)},{n(y)}" for x, y in points)
    cls = "level involved" if involved else "level"
    return (f'<g id="{uid}-sacrum-{level}" class="{cls}"><polygon points="{d}" fill="{"#111" if involved else "#fff"}" '
            'stroke="#333" stroke-width=".8"/>'
            + text(CX, top + height / 2 + 3, level, 8, weight="bold" if involved else "normal",
                   fill="#fff" if involved else "#111") + "</g>")


def layers_text(layers: Sequence[str] | None) -> str:
    return "layers not recorded" if layers is None else "layers " + (", ".join(sorted(layers)) or "none")


def draw(levels: Sequence[str], layers: Sequence[str] | None, uid: str, thumbnail: bool = False) -> str:
    involved = set(levels)
    body = [_segment(uid, level, top, h, w0, w1, level in involved) for level, top, h, w0, w1 in SEGMENTS]
    # Where WBB stops applying: the line under S2.
    body.append(f'<line x1="{n(CX - 62)}" y1="70" x2="{n(CX + 62)}" y2="70" stroke="#111" stroke-width="1.2" '
                'stroke-dasharray="4 2"/>')
    label = f"Sacrum by level ({', '.join(levels)}); {NOT_WBB}; {layers_text(layers)}"
    if thumbnail:
        return svg(184, 184, body, label, "wbb-thumb")
    body.append(text(CX, 10, "sacrum, front view", 6.5))
    body.append(text(CX, 163, NOT_WBB, 6.5))
    body.append(text(CX, 176, layers_text(layers), 7, weight="bold"))
    return svg(184, 186, body, label, "wbb")


def note(layers: Sequence[str] | None) -> str:
    return ("Sacrum, schematic, from the recorded levels: black, involved levels; dashed line, the foot of S2. "
            f"WBB zones do not apply below S2 (STAGING §2.4); {layers_text(layers)}.")


def caption(levels: Sequence[str], layers: Sequence[str] | None) -> str:
    return (f"Sacrum drawn by level, schematic, from the recorded levels: {', '.join(levels)} involved. The lesion "
            "lies below S2, where WBB zones do not apply (STAGING §2.4): the plan is made by level and by the "
            f"sacral roots to be sacrificed. WBB {layers_text(layers)}.")
