"""One diagnostic type for every error and lint finding, patient files and rule files alike, and
the few text helpers every message needs: a file name as it can be printed, a value shown short, and
text with its control characters made visible (a file name or a value can never forge a line of
output or send a terminal escape)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators; tab and newline are
# handled by each caller (a message keeps neither; a text view keeps newlines).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escaped(text: str) -> str:
    """Control characters as visible escapes (ESC -> \\x1b, newline -> \\n): for one-line messages."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1] if m.group() not in "\u2028\u2029"
                        else f"\\u{ord(m.group()):04x}", text)


def display_path(path) -> str:
    """A path as a message or a record can hold it: bytes that are not UTF-8 (a Latin-1 name from a
    zip or a share) as \\xNN escapes, control characters visible. Opening uses the real path."""
    text = os.fsdecode(path) if not isinstance(path, str) else path
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    return escaped(text)


def shown(value, limit: int = 60) -> str:
    """repr of a value a person wrote, cut to `limit` characters with the full length said."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value):,} characters" if isinstance(value, str) else f"{len(text):,} characters written"
    return f"{text[:limit]}… ({size})"


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int  # 1-based; 0 when the problem has no place in the file (e.g. it is empty)
    column: int
    code: str
    message: str
    severity: str = field(default="error", compare=False)
    # Where in a JSON document (a FHIR bundle) the problem is, as a JSON path: `$.entry[3].resource`;
    # printed in place of LINE:COL.
    at: str = field(default="", compare=True)

    def __str__(self) -> str:
        file = display_path(self.file)
        where = f"{file}:{self.at}" if self.at else f"{file}:{self.line}:{self.column}" if self.line else file
        kind = "warning: " if self.severity == "warning" else ""
        return f"{where}: {kind}{escaped(self.message)} [{self.code}]"

    def as_dict(self) -> dict:
        out = {"file": display_path(self.file), "line": self.line, "column": self.column,
               "code": self.code, "message": escaped(self.message), "severity": self.severity}
        if self.at:
            out["at"] = self.at
        return out


class InputError(Exception):
    """Bad input (a patient file, a rule file, the command line): exit status 2."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def likely_typo(word: str, choices) -> str | None:
    """The choice the user most likely meant to type, or None.

    A suggestion must look like a slip of the keyboard, never like another meaning: the same word in
    other capitals, or one or two edits away (one for words of five letters or fewer), so that a
    value that merely contains what was typed is not offered ('total' is three letters from
    'subtotal'), and never a different number ('T13' is not 'T3', 'C8' is not 'C7')."""
    word = str(word)
    low = word.lower()
    choices = sorted(str(c) for c in choices)
    for c in choices:
        if c.lower() == low:
            return c
    digits = "".join(ch for ch in low if ch.isdigit())
    best: tuple[int, str] | None = None
    for c in choices:
        cl = c.lower()
        # Two edits change the length by at most two: longer or shorter words are never compared, so a
        # megabyte of text costs nothing here.
        if abs(len(cl) - len(low)) > 2 or "".join(ch for ch in cl if ch.isdigit()) != digits:
            continue
        d = edit_distance(low, cl)
        if d <= (1 if len(low) <= 5 else 2) and (best is None or d < best[0]):
            best = (d, c)
    return best[1] if best else None


def did_you_mean(word: str, choices) -> str:
    """A ' (did you mean X?)' suffix when the word looks like a slip for one choice, else ''."""
    close = likely_typo(word, choices)
    return f" (did you mean '{close}'?)" if close else ""
