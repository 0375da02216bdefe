"""How many patients per second `spinepath audit` audits, and what that makes of 10^4 patients.

    python bench/audit_rate.py              # 400 synthetic patients with histories (about a minute)
    python bench/audit_rate.py --patients 2000

Not a test; it asserts nothing. It writes N patients with `synth --histories` into a temporary folder,
runs `spinepath audit` on them with --jobs 1 and 2 (JSON to a file; the reports must be the same bytes) and
prints wall and CPU seconds, patients per second, and the extrapolation to 10,000 patients. The audit's work
is one time-travel consult per distinct treatment or decision date of a patient (3.3 per synthetic patient),
so its time grows linearly with the patients: the extrapolation multiplies the measured rate, and says so.
On a shared machine the wall time moves with the load; the CPU time much less.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(patients: int, jobs: list[int], seed: int = 0) -> dict:
    """Write `patients` with `synth --histories`, audit them with each --jobs value, and return the figures
    (bench/run.py --quick takes its `audit_per_s` from here). The child runs this interpreter's spinepath:
    the code on PYTHONPATH first, as for any `python -m`."""
    exe = [sys.executable, "-m", "spinepath"]
    with tempfile.TemporaryDirectory() as tmp:
        cohort = Path(tmp) / "cohort"
        subprocess.run(exe + ["synth", str(patients), "--histories", "--seed", str(seed), "-o", str(cohort)],
                       check=True, capture_output=True)
        dates = 0
        for f in cohort.glob("*.yaml"):  # the consults the audit runs: distinct dates of treatments and decisions
            text = f.read_text(encoding="utf-8")
            dates += len({line.split('"')[1] for line in text.splitlines()
                          if line.strip().startswith(("date:", "- date:")) and '"' in line})
        runs, outputs = {}, []
        for j in jobs:
            out = Path(tmp) / f"a{j}.json"
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(exe + ["audit", str(cohort), "--date", "2026-12-07", "-o", str(out), "--jobs", str(j)],
                           check=True, capture_output=True)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            runs[j] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "per_s": round(patients / wall, 1)}
            outputs.append(out.read_bytes())
    return {"patients": patients, "time_travel_consults": dates, "jobs": runs,
            "reports_identical": all(o == outputs[0] for o in outputs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patients", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="the --jobs values to time (default 1 2)")
    args = ap.parse_args()
    m = measure(args.patients, args.jobs, args.seed)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; Python {sys.version.split()[0]}")
    print(f"cohort: {args.patients} patients, about {m['time_travel_consults']} time-travel consults "
          f"({m['time_travel_consults'] / args.patients:.1f} per patient)")
    for jobs, r in m["jobs"].items():
        print(f"--jobs {jobs}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU, {r['per_s']:.1f} patients/s; 10,000 "
              f"patients extrapolated linearly from this sample (not measured): about {10_000 / r['per_s'] / 60:.1f} min")
    print("reports identical for every --jobs:", m["reports_identical"])


if __name__ == "__main__":
    main()
