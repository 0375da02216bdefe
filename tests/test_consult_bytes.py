"""Every example's consult, in JSON, text (80 columns) and Markdown, is byte for byte what
tests/golden/record_consults.py recorded from the command line. A change of layout or of wording in
the code must not change a result; re-record only after a deliberate change."""
from __future__ import annotations

import hashlib
import io
import json

import pytest

from conftest import EXAMPLES, ROOT, example_consult

DIGESTS = json.loads((ROOT / "tests" / "golden" / "consult_digests.json").read_text(encoding="utf-8"))


def _outputs(path) -> dict[str, bytes]:
    from rich.console import Console

    from spinepath.load.patient import load_patient
    from spinepath.render import to_json
    from spinepath.render.markdown import render as markdown
    from spinepath.render.text import render as text

    patient = load_patient(path)
    result = example_consult(path)
    buf = io.StringIO()
    text(result, Console(file=buf, width=80, highlight=False, soft_wrap=False), patient=patient)
    return {"json": to_json(result).encode(), "text": buf.getvalue().encode(),
            "markdown": markdown(result).encode()}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_consult_bytes_are_unchanged(path):
    name = path.relative_to(ROOT).as_posix()
    assert name in DIGESTS, "record it: python tests/golden/record_consults.py"
    for fmt, out in _outputs(path).items():
        assert hashlib.sha256(out).hexdigest() == DIGESTS[name][fmt], (
            f"{name} --format {fmt} changed; if on purpose: python tests/golden/record_consults.py")


def test_every_example_is_recorded():
    assert sorted(DIGESTS) == sorted(p.relative_to(ROOT).as_posix() for p in EXAMPLES)
