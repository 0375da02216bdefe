"""The README's figures, generated rather than typed (issue 26 part 3: the README said 1,503 tests and 174
rules when the suite had 1,589 and the knowledge base 175, NEWCOMER-2026-12 P13).

    .venv/bin/python tests/readme_figures.py          # rewrite the test and rule counts
    .venv/bin/python tests/readme_figures.py --time   # also run the whole suite and write its time

The figures sit between `<!-- figures -->` and `<!-- /figures -->` in README.md. tests/test_readme.py
checks the counts on every whole-suite run, so a change that adds tests or rules says where to update.
The run time depends on the machine and its load: it is written, with its date, only by --time.
"""
from __future__ import annotations

import datetime
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"<!-- figures -->(?P<body>.*?)<!-- /figures -->", re.S)
TESTS = re.compile(r"\*\*(?P<n>[\d,]+) tests\*\*")
RULES = re.compile(r"\*\*(?P<n>[\d,]+) rules\*\*")
TIME = re.compile(r"\*\*(?P<s>[\d]+) s\*\* on the reference machine \((?P<date>[\d-]+)\)")


def stated(text: str | None = None) -> dict[str, int]:
    """The counts the README states: {'tests': N, 'rules': N}."""
    m = BLOCK.search(README.read_text(encoding="utf-8") if text is None else text)
    if m is None:
        raise ValueError("README.md has no <!-- figures --> block")
    body = m.group("body")
    return {"tests": int(TESTS.search(body)["n"].replace(",", "")),  # type: ignore[index]
            "rules": int(RULES.search(body)["n"].replace(",", ""))}  # type: ignore[index]


def rule_count() -> int:
    from spinepath.evaluate.knowledge import load_knowledge
    return len(load_knowledge(None).ruleset.rules)


def test_count() -> int:
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-n0", "-p", "no:cacheprovider"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^(\d+) tests? collected", out, re.M)[1])  # type: ignore[index]


def main() -> None:
    text = README.read_text(encoding="utf-8")
    m = BLOCK.search(text)
    if m is None:
        sys.exit("README.md has no <!-- figures --> block")
    body = TESTS.sub(f"**{test_count():,} tests**", m.group("body"))
    body = RULES.sub(f"**{rule_count():,} rules**", body)
    if "--time" in sys.argv[1:]:
        start = time.monotonic()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=ROOT, check=False)
        seconds = round(time.monotonic() - start)
        body = TIME.sub(f"**{seconds} s** on the reference machine ({datetime.date.today().isoformat()})", body)
    README.write_text(text[:m.start("body")] + body + text[m.end("body"):], encoding="utf-8")
    print(f"README.md: {stated()}")


if __name__ == "__main__":
    main()
