"""Record the consult of every example in the three output formats, as the command prints them at 80
columns, as SHA-256 digests (consult_digests.json). tests/test_consult_bytes.py reproduces them byte
for byte: a refactoring must not change them. Re-record only after a deliberate change, and name it
in the commit. `--write DIR` also keeps the outputs themselves, to diff before and after:

    .venv/bin/python tests/golden/record_consults.py [--write DIR]
"""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIGESTS = Path(__file__).parent / "consult_digests.json"
FORMATS = ("json", "text", "markdown")


def main(argv: list[str]) -> None:
    keep = Path(argv[argv.index("--write") + 1]) if "--write" in argv else None
    env = dict(os.environ, COLUMNS="80", PYTHONHASHSEED="0")
    env.pop("TERM", None)
    digests: dict[str, dict[str, str]] = {}
    paths = sorted(p for p in (ROOT / "examples").rglob("*.yaml") if not p.name.endswith(".expect.yaml"))
    for path in paths:
        name = path.relative_to(ROOT).as_posix()
        digests[name] = {}
        for fmt in FORMATS:
            out = subprocess.run([sys.executable, "-m", "spinepath", "consult", str(path), "--format", fmt],
                                 capture_output=True, env=env, check=True).stdout
            digests[name][fmt] = hashlib.sha256(out).hexdigest()
            if keep:
                target = keep / f"{name}.{fmt}"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(out)
    DIGESTS.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
