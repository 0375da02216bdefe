"""How many patients per second `spinepath audit` audits, and what that makes of 10^4 patients.

    python bench/audit_rate.py              # 400 synthetic patients with histories (about a minute)
    python bench/audit_rate.py --patients 2000

Not a test; it asserts nothing. It writes N patients with `synth --histories` into a temporary folder,
runs the `spinepath audit` command on them (one process, JSON to a file) and prints wall and CPU seconds,
patients per second, the time consults took, and the extrapolation to 10,000 patients. The audit's work
is one time-travel consult per distinct treatment or decision date of a patient (about four per synthetic
patient), so its time grows linearly with the patients: the extrapolation multiplies the measured rate, and
says so. On a shared machine the wall time moves with the load; the CPU time much less.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patients", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    exe = [sys.executable, "-m", "spinepath"]
    with tempfile.TemporaryDirectory() as tmp:
        cohort = Path(tmp) / "cohort"
        subprocess.run(exe + ["synth", str(args.patients), "--histories", "--seed", str(args.seed), "-o", str(cohort)],
                       check=True, capture_output=True)
        dates = 0
        for f in cohort.glob("*.yaml"):  # the consults the audit runs: distinct dates of treatments and decisions
            text = f.read_text(encoding="utf-8")
            dates += len({line.split('"')[1] for line in text.splitlines()
                          if line.strip().startswith(("date:", "- date:")) and '"' in line})
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(exe + ["audit", str(cohort), "--date", "2026-12-07", "-o", str(Path(tmp) / "a.json")],
                       check=True, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rate = args.patients / wall
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; Python {sys.version.split()[0]}")
    print(f"audit of {args.patients} patients ({dates} time-travel consults, {dates / args.patients:.1f} per patient): "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU, {rate:.1f} patients/s (wall), {args.patients / cpu:.1f} patients/s (CPU)")
    print(f"10,000 patients, extrapolated linearly from this sample (not measured): about {10_000 / rate / 60:.1f} min "
          f"wall ({10_000 / (args.patients / cpu) / 60:.1f} min CPU), in one process")


if __name__ == "__main__":
    main()
