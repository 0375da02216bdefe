"""One diagnostic type for every error and lint finding, patient files and rule files alike."""
from __future__ import annotations

from dataclasses import dataclass, field
import difflib


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


def did_you_mean(word: str, choices) -> str:
    """A ' (did you mean X?)' suffix when a close valid choice exists, else ''."""
    close = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
