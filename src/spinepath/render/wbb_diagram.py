"""The Weinstein–Boriani–Biagini axial diagram (STAGING §2.1–2.4) as inline SVG, drawn from the
recorded zones, layers, pedicles and vertebral artery and from the derived en bloc technique.

A schematic, not an image: zones are angular sectors numbered clockwise as on a clock face with the
midline of the spinous process between 12 and 1, so the posterior arch is at the top and the body at
the bottom; layers A (paravertebral soft tissue) to E (intradural) are rings from the outside in,
around the canal. WBB records zones and layers separately, so the shaded cells are the recorded zones
crossed with the recorded layers, and the zone ring says which zones on its own.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from . import sacrum_diagram as sacrum
from .svg import n, patterns, svg, text

LAYERS = ("A", "B", "C", "D", "E")
# Outer radius of each ring; E is the disc at the centre (the dural sac), the zone numbers ring is outside A.
RADII = {"E": 12.0, "D": 22.0, "C": 38.0, "B": 50.0, "A": 62.0}
BAND = (62.0, 74.0)
CX, CY = 92.0, 92.0
PEDICLE_ZONES = (4, 9)  # STAGING §2.1: zones 4 and 9 are the pedicles
TECHNIQUE_WORDS = {"posterior_arch_resection": "posterior arch resection through both pedicles",
                   "vertebrectomy": "vertebrectomy through the free pedicle",
                   "sagittal_resection": "sagittal resection through the uninvolved side"}


def _point(angle: float, r: float) -> tuple[float, float]:
    """Clockwise from 12 o'clock, in degrees; SVG's y grows downwards."""
    a = math.radians(angle)
    return CX + r * math.sin(a), CY - r * math.cos(a)


def _sector(zone: int, r0: float, r1: float) -> str:
    a0, a1 = (zone - 1) * 30.0, zone * 30.0
    (x0, y0), (x1, y1) = _point(a0, r1), _point(a1, r1)
    outer = f"M{n(x0)} {n(y0)}A{n(r1)} {n(r1)} 0 0 1 {n(x1)} {n(y1)}"
    if r0 == 0:
        return f"{outer}L{n(CX)} {n(CY)}Z"
    (x2, y2), (x3, y3) = _point(a1, r0), _point(a0, r0)
    return f"{outer}L{n(x2)} {n(y2)}A{n(r0)} {n(r0)} 0 0 0 {n(x3)} {n(y3)}Z"


def _inner(layer: str) -> float:
    i = LAYERS.index(layer)
    return 0.0 if layer == "E" else RADII[LAYERS[i + 1]]


def side_zone(side: str | None, zone_1_side: str | None) -> int | None:
    """The pedicle zone (4 or 9) on the patient's `side`: zones 1-6 lie on the side of zone 1 (the file's
    `lesion.wbb.zone_1_side`), 7-12 on the other. None when either is not recorded: the zones alone never
    say which side is the left (STAGING §2.1 has two numbering conventions)."""
    if side is None or zone_1_side is None:
        return None
    return 4 if side == zone_1_side else 9


def sides(zone_1_side: str | None) -> dict[int, str] | None:
    """The patient's side of each pedicle zone, {4: 'left', 9: 'right'}, or None when not recorded."""
    if zone_1_side is None:
        return None
    other = "right" if zone_1_side == "left" else "left"
    return {4: zone_1_side, 9: other}


def pedicle_state(zones: Sequence[int] | None, pedicles: str | None, at: int | None = None) -> dict[int, str]:
    """'involved', 'free' or 'unknown' for the pedicle at zone 4 and at zone 9. A unilateral record names
    its side through `at` (the zone on the recorded side, side_zone) or else through the zones; when
    neither tells, both stay 'unknown'."""
    if pedicles == "none":
        return {4: "free", 9: "free"}
    if pedicles == "bilateral":
        return {4: "involved", 9: "involved"}
    if pedicles == "unilateral" and at is not None:
        return {z: "involved" if z == at else "free" for z in PEDICLE_ZONES}
    if pedicles == "unilateral" and zones is not None:
        hit = [z for z in PEDICLE_ZONES if z in zones]
        if len(hit) == 1:
            return {z: "involved" if z == hit[0] else "free" for z in PEDICLE_ZONES}
    return {4: "unknown", 9: "unknown"}


def _side(zones: Sequence[int]) -> int | None:
    """The pedicle zone on the side the tumour is not: zones 1–6 lie on one half, 7–12 on the other."""
    first = sum(1 for z in zones if 1 <= z <= 6)
    second = len(zones) - first
    if first == second:
        return None
    return 9 if first > second else 4


def osteotomy_lines(technique: str | None, zones: Sequence[int] | None, pedicles: str | None,
                    at: int | None = None) -> tuple[str, ...]:
    """The cuts drawn for a derived technique (STAGING §2.4), as line names:
    posterior arch resection through both pedicles ('pedicle-4', 'pedicle-9'); vertebrectomy through
    the free pedicle(s); sagittal resection as a sagittal plane on the uninvolved side ('sagittal-4' is
    the plane on the zone-4 side). No line when the zones do not say where it would run."""
    if technique is None or not zones:
        return ()
    if technique == "posterior_arch_resection":
        return ("pedicle-4", "pedicle-9")
    if technique == "vertebrectomy":
        state = pedicle_state(zones, pedicles, at)
        free = [z for z in PEDICLE_ZONES if z not in zones and state[z] != "involved"]
        return tuple(f"pedicle-{z}" for z in free)
    if technique == "sagittal_resection":
        side = _side(zones)
        return () if side is None else (f"sagittal-{side}",)
    return ()


def _line(uid: str, name: str) -> str:
    style = 'stroke="#000" stroke-width="2.4" stroke-dasharray="5 2" stroke-linecap="round"'
    if name.startswith("pedicle-"):
        zone = int(name.split("-")[1])
        (x0, y0), (x1, y1) = _point((zone - 0.5) * 30.0, RADII["D"] - 2), _point((zone - 0.5) * 30.0, BAND[0] + 4)
    else:
        dx = 27.0 if name.endswith("-4") else -27.0
        half = math.sqrt(BAND[0] ** 2 - dx ** 2)
        x0 = x1 = CX + dx
        y0, y1 = CY - half, CY + half
    return f'<line id="{uid}-osteotomy-{name}" x1="{n(x0)}" y1="{n(y0)}" x2="{n(x1)}" y2="{n(y1)}" {style}/>'


def _pedicle_mark(uid: str, zone: int, state: str) -> str:
    x, y = _point((zone - 0.5) * 30.0, BAND[1] + 7)
    fill, colour, dash = {"involved": ("#111", "#fff", ""), "free": ("#fff", "#111", ""),
                          "unknown": ("#fff", "#111", ' stroke-dasharray="2 1.5"')}[state]
    label = "P" if state != "unknown" else "P?"
    return (f'<g id="{uid}-pedicle-{zone}" class="pedicle {state}"><circle cx="{n(x)}" cy="{n(y)}" r="6" '
            f'fill="{fill}" stroke="#111" stroke-width=".8"{dash}/>'
            + text(x, y + 2.3, label, 6, weight="bold", fill=colour) + "</g>")


def artery_state(vertebral_artery: str | None, at: int | None = None) -> dict[int, str]:
    """'encased', 'free' or 'unknown' for the vertebral-artery foramen on the zone-4 and zone-9 sides. One
    encased artery whose place is not known (no side, or no zone_1_side) is 'unknown' on both sides: two
    hatched circles looked bilateral at a glance (NEWCOMER-2026-12 P11)."""
    if vertebral_artery == "bilateral":
        return {4: "encased", 9: "encased"}
    if vertebral_artery == "none":
        return {4: "free", 9: "free"}
    if vertebral_artery == "unilateral" and at is not None:
        return {z: "encased" if z == at else "free" for z in PEDICLE_ZONES}
    return {4: "unknown", 9: "unknown"}


def _arteries(uid: str, state: dict[int, str], recorded: bool) -> list[str]:
    out = []
    for side, angle in ((4, 122.0), (9, 238.0)):
        x, y = _point(angle, 55.0)
        fill, colour, dash, label = {"encased": ("#111", "#fff", "", "VA"), "free": ("#fff", "#111", "", "VA"),
                                     "unknown": ("#fff", "#111", ' stroke-dasharray="1.5 1"',
                                                 "VA?" if recorded else "VA")}[state[side]]
        out.append(f'<g id="{uid}-va-{side}" class="artery {state[side]}"><circle cx="{n(x)}" cy="{n(y)}" r="5" '
                   f'fill="{fill}" stroke="#111" stroke-width=".8"{dash}/>'
                   + text(x, y + 1.6, label, 4.2 if label == "VA" else 3.6, weight="bold", fill=colour) + "</g>")
    return out


def _side_labels(zone_1_side: str | None) -> list[str]:
    """The patient's left and right beside the diagram (zones 1-6 are drawn on the right of the picture)."""
    named = sides(zone_1_side)
    if named is None:
        return []
    return [text(178.0, 95.0, named[4][0].upper(), 10, weight="bold", extra=' class="side-label"'),
            text(6.0, 95.0, named[9][0].upper(), 10, weight="bold", extra=' class="side-label"')]


def draw(zones: Sequence[int] | None, layers: Sequence[str] | None, pedicles: str | None, vertebral_artery: str | None,
         cervical: bool, technique: str | None, uid: str, thumbnail: bool = False, zone_1_side: str | None = None,
         pedicle_side: str | None = None, artery_side: str | None = None) -> str:
    """The diagram; `uid` makes its ids unique on the page. A thumbnail leaves out the legend."""
    involved_zones = set(zones or ())
    involved_layers = set(layers or ())
    body = [patterns(uid)]
    for layer in LAYERS:
        r0, r1 = _inner(layer), RADII[layer]
        for z in range(1, 13):
            hit = z in involved_zones and layer in involved_layers
            fill = f"url(#{uid}-hatch)" if hit else "#fff"
            cls = ' class="cell involved"' if hit else ""
            body.append(f'<path id="{uid}-cell-{z}{layer}"{cls} d="{_sector(z, r0, r1)}" fill="{fill}" '
                        'stroke="#777" stroke-width=".35"/>')
    for r in (RADII["D"], RADII["B"], RADII["A"]):  # bone between D and A: drawn a little stronger
        body.append(f'<circle cx="{n(CX)}" cy="{n(CY)}" r="{n(r)}" fill="none" stroke="#333" stroke-width=".8"/>')
    for z in range(1, 13):
        hit = z in involved_zones
        body.append(f'<path id="{uid}-zone-{z}" class="zone{" involved" if hit else ""}" d="{_sector(z, *BAND)}" '
                    f'fill="{"#111" if hit else "#fff"}" stroke="#333" stroke-width=".6"/>')
        x, y = _point((z - 0.5) * 30.0, (BAND[0] + BAND[1]) / 2)
        body.append(text(x, y + 2.4, z, 7, weight="bold" if hit else "normal", fill="#fff" if hit else "#111"))
    midline_top = _point(0.0, BAND[1] + 3)
    body.append(f'<line x1="{n(CX)}" y1="{n(CY - RADII["A"])}" x2="{n(midline_top[0])}" y2="{n(midline_top[1])}" '
                'stroke="#111" stroke-width=".9"/>')
    for layer in LAYERS:  # the ring letters along the midline, on a white ground so the line cannot hide them
        r = (_inner(layer) + RADII[layer]) / 2 if layer != "E" else 0.0
        y = CY - r
        body.append(f'<rect x="{n(CX - 3.4)}" y="{n(y - 3.6)}" width="6.8" height="6.4" rx="1" fill="#fff" '
                    'stroke="none"/>')
        body.append(text(CX, y + 2.2, layer, 5.6, weight="bold" if layer in involved_layers else "normal"))
    if cervical:
        body += _arteries(uid, artery_state(vertebral_artery, side_zone(artery_side, zone_1_side)),
                          vertebral_artery is not None)
    body += _side_labels(zone_1_side)
    state = pedicle_state(zones, pedicles, side_zone(pedicle_side, zone_1_side))
    body += [_pedicle_mark(uid, z, state[z]) for z in PEDICLE_ZONES]
    body += [_line(uid, name) for name in osteotomy_lines(technique, zones, pedicles,
                                                          side_zone(pedicle_side, zone_1_side))]
    if zones is None:
        body.append(f'<rect x="{n(CX - 40)}" y="{n(CY - 8)}" width="80" height="14" fill="#fff" stroke="#111" '
                    'stroke-width=".8"/>')
        body.append(text(CX, CY + 2, "zones not recorded", 7.5, weight="bold"))
    label = "WBB diagram: " + summary(zones, layers)
    if thumbnail:
        return svg(184, 184, body, label, "wbb-thumb")
    body.append(text(CX, 8, "posterior", 6.5))
    body.append(text(CX, 181, "anterior (vertebral body)", 6.5))
    return svg(184, 186, body, label, "wbb")


def summary(zones: Sequence[int] | None, layers: Sequence[str] | None) -> str:
    z = "zones not recorded" if zones is None else "zones " + (", ".join(map(str, sorted(zones))) or "none")
    ly = "layers not recorded" if layers is None else "layers " + (", ".join(sorted(layers)) or "none")
    return f"{z}; {ly}"


def _sides_text(zone_1_side: str | None) -> str:
    if zone_1_side is None:
        return "left and right not recorded (the file does not say on which side zone 1 lies)"
    return f"L and R: the patient's left and right, zone 1 on the patient's {zone_1_side} as recorded"


def note(zones: Sequence[int] | None, layers: Sequence[str] | None, cervical: bool, technique: str | None,
         zone_1_side: str | None = None, artery_unplaced: bool = False) -> str:
    """The caption printed under the picture: the convention and a key to its marks (`caption` says the
    whole picture in words)."""
    out = ("WBB, schematic; from the recorded zones, not from images. Zones 1–12 clockwise as on a clock face, "
           "the midline of the spinous process between 12 and 1, posterior at the top; "
           + _sides_text(zone_1_side) + "; layers A (paravertebral) to E (intradural) outside in. "
           + ("Zones not recorded. " if zones is None else "Black: involved zones; ")
           + ("" if zones is None or layers is None else "hatched: × involved layers; ")
           + ("layers not recorded; " if zones is not None and layers is None else "")
           + "P: pedicle, black involved, white free, dashed unknown")
    if cervical:
        out += "; VA: vertebral-artery foramen, black encased, white not" + (
            ", dashed VA?: one encased, its side not recorded" if artery_unplaced else "")
    if technique is not None:
        out += f"; dashed line: {TECHNIQUE_WORDS[technique]}"
    return out + "."


def caption(zones: Sequence[int] | None, layers: Sequence[str] | None, pedicles: str | None,
            vertebral_artery: str | None, cervical: bool, technique: str | None, zone_1_side: str | None = None,
            pedicle_side: str | None = None, artery_side: str | None = None) -> str:
    """What the picture shows, in words: the figure caption and the Markdown brief's legend."""
    parts = ["WBB axial diagram, schematic; from the recorded zones, not from images. Zones 1–12 run clockwise "
             "as on a clock face, the midline of the spinous process between 12 and 1 (posterior at the top); "
             "layers A (paravertebral soft tissue) to E (intradural) run from the outside in; "
             + _sides_text(zone_1_side) + "."]
    if zones is None:
        parts.append("Zones not recorded: the extent cannot be drawn.")
    else:
        parts.append(f"Involved: {summary(zones, layers)}" + ("" if layers is None else " (shaded: zones × layers)")
                     + ".")
    at = side_zone(pedicle_side, zone_1_side)
    state = pedicle_state(zones, pedicles, at)
    if pedicles is None:
        parts.append("Pedicles: not recorded.")
    elif pedicles == "unilateral":
        side = [z for z in PEDICLE_ZONES if state[z] == "involved"]
        where = (f"the {pedicle_side} one" if pedicle_side is not None else None)
        if where is None:
            where = f"zone {side[0]} side" if side else "side not recorded, nor clear from the zones"
        parts.append(f"Pedicles: one involved ({where}).")
    else:
        parts.append(f"Pedicles: {'both involved' if pedicles == 'bilateral' else 'free'}.")
    if cervical:
        one = ("one encased, the " + artery_side if artery_side is not None else "one encased, side not recorded")
        if artery_side is not None and zone_1_side is None:
            one += " (not placed on the diagram: the zones' side is not recorded)"
        va = {"none": "not encased", "unilateral": one, "bilateral": "both encased",
              None: "not recorded"}[vertebral_artery]
        parts.append(f"Vertebral artery: {va}.")
    lines = osteotomy_lines(technique, zones, pedicles, at)
    if technique is not None:
        where = ", ".join(f"zone {name.split('-')[1]} {'pedicle' if name.startswith('pedicle') else 'side'}"
                          for name in lines)
        parts.append(f"Osteotomy (dashed): {TECHNIQUE_WORDS[technique]}" + (f" ({where})" if where else
                                                                             " (not drawn: the zones do not say where)")
                     + ".")
    return " ".join(parts)


@dataclass(frozen=True)
class Picture:
    """What the diagram draws for one patient: the recorded extent and the derived technique."""

    zones: Sequence[int] | None
    layers: Sequence[str] | None
    pedicles: str | None
    vertebral_artery: str | None
    cervical: bool  # a cervical level: the vertebral-artery foramina are drawn
    technique: str | None  # the derived en bloc technique (derived.en_bloc_technique)
    # Additions (issue 26): the recorded sides (lesion.wbb.zone_1_side, pedicle_side, vertebral_artery_side),
    # and the sacral levels when WBB does not apply (derived.below_s2): then the sacrum is drawn, not a vertebra.
    zone_1_side: str | None = None
    pedicle_side: str | None = None
    artery_side: str | None = None
    sacral_levels: Sequence[str] | None = None

    def draw(self, uid: str, thumbnail: bool = False) -> str:
        if self.sacral_levels is not None:
            return sacrum.draw(self.sacral_levels, self.layers, uid, thumbnail)
        return draw(self.zones, self.layers, self.pedicles, self.vertebral_artery, self.cervical, self.technique,
                    uid, thumbnail, self.zone_1_side, self.pedicle_side, self.artery_side)

    def _artery_unplaced(self) -> bool:
        return self.vertebral_artery == "unilateral" and side_zone(self.artery_side, self.zone_1_side) is None

    def note(self) -> str:
        if self.sacral_levels is not None:
            return sacrum.note(self.layers)
        return note(self.zones, self.layers, self.cervical, self.technique, self.zone_1_side, self._artery_unplaced())

    def caption(self) -> str:
        if self.sacral_levels is not None:
            return sacrum.caption(self.sacral_levels, self.layers)
        return caption(self.zones, self.layers, self.pedicles, self.vertebral_artery, self.cervical, self.technique,
                       self.zone_1_side, self.pedicle_side, self.artery_side)
