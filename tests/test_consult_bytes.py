"""Every example's consult, in JSON, text (80 columns) and Markdown, is byte for byte what
tests/golden/record_consults.py stored from the command line under tests/golden/consults/. A change
of layout or wording in the code must not change a result unless on purpose; a failure shows the diff."""
from __future__ import annotations

import difflib
import sys

import pytest

from conftest import EXAMPLES, ROOT, example_result, text_at_80

sys.path.insert(0, str(ROOT / "tests" / "golden"))
from record_consults import FORMATS, STORE, stored  # noqa: E402

DIFF_LINES = 80  # of a changed output, enough to see what changed


def _outputs(path) -> dict[str, str]:
    from spinepath.render.markdown import render as markdown

    result = example_result(path)
    return {"json": result.to_json(), "text": text_at_80(result), "markdown": markdown(result)}


def changed(before: str, after: str, name: str) -> str:
    """The first lines of a unified diff, for a failure message."""
    lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), f"{name} (stored)",
                                      f"{name} (now)", lineterm="", n=2))
    more = f"\n... {len(lines) - DIFF_LINES} more diff lines" if len(lines) > DIFF_LINES else ""
    return "\n".join(lines[:DIFF_LINES]) + more


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_consult_bytes_are_unchanged(path):
    for fmt, out in _outputs(path).items():
        target = stored(path, fmt)
        assert target.exists(), "record it: python tests/golden/record_consults.py"
        before = target.read_text(encoding="utf-8")
        assert out == before, (f"{target.relative_to(ROOT)} changed; if on purpose, re-record with "
                               f"python tests/golden/record_consults.py\n{changed(before, out, target.name)}")


def test_every_example_is_recorded_and_nothing_else():
    kept = sorted(p.relative_to(STORE).as_posix() for p in STORE.rglob("*") if p.is_file())
    assert kept == sorted(stored(p, f).relative_to(STORE).as_posix() for p in EXAMPLES for f in FORMATS)


def test_a_changed_output_shows_what_changed():
    message = changed('{\n "a": 1,\n "b": 2\n}', '{\n "a": 1,\n "b": 3\n}', "x.json")
    assert '- "b": 2' in message and '+ "b": 3' in message
