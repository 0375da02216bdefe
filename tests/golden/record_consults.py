"""Record the consult of every example as the command prints it at 80 columns, in the three output
formats, under tests/golden/consults/ (one file per example and format, e.g.
consults/seeds/cervical-chondrosarcoma-recurrence.json). tests/test_consult_bytes.py reproduces them
byte for byte and shows a diff when one changes, so a review sees what changed. Re-record only after a
deliberate change, and name it in the commit:

    .venv/bin/python tests/golden/record_consults.py
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STORE = Path(__file__).parent / "consults"
FORMATS = {"json": "json", "text": "txt", "markdown": "md"}


def examples() -> list[Path]:
    return sorted(p for p in (ROOT / "examples").rglob("*.yaml") if not p.name.endswith(".expect.yaml"))


def stored(path: Path, fmt: str) -> Path:
    """Where the output of one example in one format is kept."""
    rel = path.relative_to(ROOT / "examples").with_suffix("")
    return STORE / f"{rel.as_posix()}.{FORMATS[fmt]}"


def main() -> None:
    env = dict(os.environ, COLUMNS="80", PYTHONHASHSEED="0")
    env.pop("TERM", None)
    shutil.rmtree(STORE, ignore_errors=True)
    for path in examples():
        for fmt in FORMATS:
            out = subprocess.run([sys.executable, "-m", "spinepath", "consult", str(path), "--format", fmt],
                                 capture_output=True, env=env, check=True).stdout
            target = stored(path, fmt)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(out)


if __name__ == "__main__":
    main()
