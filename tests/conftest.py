from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*.yaml") if not p.name.endswith(".expect.yaml"))
SHARED = ROOT.parent / "shared"


def run_cli(*args: str, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """The installed command as a user runs it (a fresh process each time)."""
    return subprocess.run([sys.executable, "-m", "spinepath", *args], capture_output=True, text=True,
                          env=env, input=input, timeout=120)


@pytest.fixture
def write(tmp_path):
    def _write(name: str, text: str | bytes) -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text)
        return p
    return _write


def patient_text(**overrides) -> str:
    """A minimal valid patient document as YAML, with top-level keys replaced."""
    import yaml
    doc = {"id": "t", "age": 50, "lesion": {"levels": ["L2"]}, "diagnosis": {"histology": "unknown"}}
    doc.update(overrides)
    return yaml.safe_dump(doc, sort_keys=False)
