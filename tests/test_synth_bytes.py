"""1,000 synthetic patients give byte for byte the consult recorded in tests/golden/synth_digests.json
(JSON and Markdown, both passes and the questions): speed work must not change an output."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
sys.path.insert(0, str(GOLDEN))
from record_synth import DIGESTS, digest  # noqa: E402

RECORDED = json.loads(DIGESTS.read_text(encoding="utf-8"))["digests"]
CHUNKS = 8  # so that workers share the thousand consults


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_synthetic_consults_are_byte_identical_to_the_recorded_ones(chunk):
    ids = range(chunk, len(RECORDED), CHUNKS)
    changed = [i for i in ids if digest(i) != RECORDED[i]]
    assert not changed, f"synthetic patients {changed[:10]} changed (of {len(changed)})"
