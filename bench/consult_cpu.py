"""CPU milliseconds per consult in one process (the examples and 200 synthetic patients, questions
included), for comparing two checkouts side by side on a busy machine: CPU time, not wall time.

    python bench/consult_cpu.py            # this checkout
    PYTHONPATH=OTHER/src python bench/consult_cpu.py   # another checkout, same interpreter

Run the two alternately a few times and compare the medians (README, "Figures").
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import spinepath
from spinepath.cohort import synth
from spinepath.explain.consult import consult
from spinepath.load.patient import load_patient, parse_patient

ROOT = Path(spinepath.__file__).resolve().parents[2]  # the checkout whose code runs, with its own examples


def main() -> None:
    patients = [load_patient(p) for p in sorted((ROOT / "examples").rglob("*.yaml"))
                if not p.name.endswith(".expect.yaml")]
    patients += [parse_patient(synth.patient_text(7, i), f"synth-{i}.yaml") for i in range(200)]
    patients = patients[:int(os.environ.get("SPINEPATH_BENCH_PATIENTS", len(patients)))]
    consult(patients[0])  # load the knowledge base outside the timing
    start = time.process_time()
    for p in patients:
        consult(p)
    ms = (time.process_time() - start) / len(patients) * 1000
    print(json.dumps({"consult_cpu_ms": round(ms, 2), "patients": len(patients), "code": str(ROOT)}))


if __name__ == "__main__":
    main()
