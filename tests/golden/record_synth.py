"""Record the consult of 1,000 synthetic patients (synth seed 7) in synth.jsonl: per patient a SHA-256
digest of the JSON result and the Markdown consult with its trace, and the plan in a few readable lines
(firm and provisional entries with their details, alerts, the questions asked). tests/test_synth_bytes.py
reproduces the digests; when one changes it shows how the plan changed, or says that only the wording or
layout did (the examples' stored outputs, tests/golden/consults/, show those). Re-record only after a
deliberate change of the output, and name it in the commit:

    .venv/bin/python tests/golden/record_synth.py
"""
import hashlib
import json
from pathlib import Path

from spinepath.cohort import synth
from spinepath.explain.consult import consult
from spinepath.load.patient import parse_patient
from spinepath.render.markdown import render as markdown

STORE = Path(__file__).parent / "synth.jsonl"
SEED, COUNT = 7, 1000


def _entry(prefix: str, e) -> str:
    details = json.dumps(e.details, sort_keys=True, ensure_ascii=False) if e.details else ""
    return f"{prefix} {e.phase} {e.strength} {e.intervention} {details} ({e.rule})".replace("  ", " ")


def record(i: int) -> dict:
    """The digest of patient i's outputs and its plan in readable lines."""
    result = consult(parse_patient(synth.patient_text(SEED, i), f"synth-{i}.yaml"))
    out = result.to_json() + markdown(result, trace=True)
    plan = [_entry("firm", e) for e in result.recommendations]
    plan += [_entry("provisional", e) for e in result.provisional]
    plan += [f"alert {a.severity} {a.code} ({a.rule})" for a in result.alerts]
    plan += [f"provisional alert {a.severity} {a.code} ({a.rule})" for a in result.provisional_alerts]
    plan += [f"question {q.field}" for q in result.questions]
    return {"i": i, "digest": hashlib.sha256(out.encode("utf-8")).hexdigest()[:20], "plan": plan}


def main() -> None:
    with STORE.open("w", encoding="utf-8") as fh:
        for i in range(COUNT):
            fh.write(json.dumps(record(i), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
