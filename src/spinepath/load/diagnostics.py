"""One diagnostic type for every error and lint finding, patient files and rule files alike."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int  # 1-based; 0 when the problem has no place in the file (e.g. it is empty)
    column: int
    code: str
    message: str
    severity: str = field(default="error", compare=False)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else f"{self.file}"
        return f"{where}: {self.message} [{self.code}]"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column,
                "code": self.code, "message": self.message, "severity": self.severity}


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
        if "".join(ch for ch in cl if ch.isdigit()) != digits:
            continue
        d = edit_distance(low, cl)
        if d <= (1 if len(low) <= 5 else 2) and (best is None or d < best[0]):
            best = (d, c)
    return best[1] if best else None


def did_you_mean(word: str, choices) -> str:
    """A ' (did you mean X?)' suffix when the word looks like a slip for one choice, else ''."""
    close = likely_typo(word, choices)
    return f" (did you mean '{close}'?)" if close else ""
