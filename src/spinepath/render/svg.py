"""Small helpers for the inline SVG pictures of the brief: fixed number formatting (the same bytes on
every run), escaping, and the grey patterns that mark a shaded area without relying on colour."""
from __future__ import annotations

from .escaping import html


def n(x: float) -> str:
    """A coordinate with one decimal and no trailing '.0', so the bytes never depend on float noise."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def esc(text: object) -> str:
    return html(text)


def patterns(uid: str) -> str:
    """Hatched fills, each with its own grey ground, named per picture so that several inline SVGs on one
    page never share an id."""
    return (f'<defs><pattern id="{uid}-hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="4" height="4" fill="#c4c4c4"/>'
            '<line x1="0" y1="0" x2="0" y2="4" stroke="#111" stroke-width="1.4"/></pattern>'
            f'<pattern id="{uid}-cross" width="4" height="4" patternUnits="userSpaceOnUse">'
            '<rect width="4" height="4" fill="#fff"/><path d="M0 0L4 4M4 0L0 4" stroke="#333" stroke-width=".7"/>'
            f'</pattern><pattern id="{uid}-dots" width="3.5" height="3.5" patternUnits="userSpaceOnUse">'
            '<rect width="3.5" height="3.5" fill="#fff"/><circle cx="1.75" cy="1.75" r=".9" fill="#222"/>'
            "</pattern></defs>")


def text(x: float, y: float, content: object, size: float = 7, anchor: str = "middle", weight: str = "normal",
         fill: str = "#111", extra: str = "") -> str:
    bold = ' font-weight="700"' if weight == "bold" else ""
    return (f'<text x="{n(x)}" y="{n(y)}" font-size="{n(size)}" text-anchor="{anchor}"{bold} fill="{fill}"'
            f'{extra}>{esc(content)}</text>')


def svg(width: float, height: float, body: list[str], label: str, css_class: str) -> str:
    """The outer element: a view box, a title for screen readers, and no external reference."""
    return (f'<svg viewBox="0 0 {n(width)} {n(height)}" class="{css_class}" '
            f'role="img" aria-label="{esc(label)}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif">'
            f"<title>{esc(label)}</title>" + "".join(body) + "</svg>")

