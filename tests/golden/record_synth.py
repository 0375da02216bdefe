"""Record the consult of 1,000 synthetic patients (synth seed 7) as SHA-256 digests of the JSON result
and the Markdown consult (synth_digests.json). tests/test_synth_bytes.py reproduces them: work on the
engine and the evaluator must not change one byte. Re-record only after a deliberate change of the
output, and name it in the commit:

    .venv/bin/python tests/golden/record_synth.py
"""
import hashlib
import json
from pathlib import Path

from spinepath.cohort import synth
from spinepath.explain.consult import consult
from spinepath.load.patient import parse_patient
from spinepath.render import to_json
from spinepath.render.markdown import render as markdown

DIGESTS = Path(__file__).parent / "synth_digests.json"
SEED, COUNT = 7, 1000


def digest(i: int) -> str:
    result = consult(parse_patient(synth.patient_text(SEED, i), f"synth-{i}.yaml"))
    out = to_json(result) + markdown(result, trace=True)
    return hashlib.sha256(out.encode("utf-8")).hexdigest()[:20]


def main() -> None:
    DIGESTS.write_text(json.dumps({"seed": SEED, "digests": [digest(i) for i in range(COUNT)]}, indent=0) + "\n",
                       encoding="utf-8")


if __name__ == "__main__":
    main()
