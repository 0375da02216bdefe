"""Text a person wrote (a patient id, notes, a regimen) made safe for the view it is shown in.

A patient file is data: nothing in it may clear a terminal, add a heading or a link to a Markdown
note, run a script in a browser or a formula in a spreadsheet. Every renderer passes patient text
through one of these functions where it emits it; text of the knowledge base is trusted and kept.
(The CSV of `batch` neutralises formulas in cohort/batch.py, spreadsheet_cell.)
"""
from __future__ import annotations

import re
from html import escape

# C0 controls but tab and newline, DEL, C1 controls, the Unicode line separators, and the
# bidirectional overrides that make a terminal or a page show text in another order than it is.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Markdown that could start structure or markup inside a line: emphasis, code, links and images,
# raw HTML and entities, tables, headings, strikethrough, escapes.
_MARKDOWN = re.compile(r"([\\`*\[\]<>|#~&])")
_LONE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # intraword _ is never emphasis


def plain(text: object) -> str:
    """For a terminal: control characters removed (an ESC would move the cursor or clear the screen)."""
    return _CONTROL.sub("", str(text))


def one_line(text: object) -> str:
    """Plain text on one line: runs of white space, newlines included, as one space."""
    return " ".join(plain(text).split())


def markdown(text: object) -> str:
    """Literal text inside a Markdown line: no heading, list, link, image, emphasis, table cell or
    raw HTML can come of it (CommonMark backslash escapes; an underscore inside a word stays as is)."""
    escaped = _MARKDOWN.sub(r"\\\1", one_line(text))
    return _LONE_UNDERSCORE.sub(r"\\_", escaped)


def markdown_code(text: object) -> str:
    """Text as a Markdown code span whose fence no backtick inside it can close."""
    body = one_line(text)
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def html(text: object) -> str:
    """For HTML text and attribute values: escaped, and without control characters (a NUL is not
    allowed in an HTML document)."""
    return escape(plain(text), quote=True)
