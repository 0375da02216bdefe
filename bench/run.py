"""spinepath benchmark: prints figures measured in one run on this machine (not a test).

    python bench/run.py                  # cold start, batch throughput on 10,000 patients, ruleset load
    python bench/run.py --memory 100000  # also: RSS after 1,000 and after 100,000 consults in one process
    python bench/run.py --quick --json   # the figures of issues 13 and 25 side by side, one JSON object, < 3 min

See bench/README.md for what each figure means and the targets.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seeds" / "cervical-chondrosarcoma-recurrence.yaml"
FLOOR_IMPORTS = "import typer, rich, yaml, durable_rules_engine; from pydantic import BaseModel, Field"  # what a consult uses
# --quick: synthetic patients for the batch figures (was 600: at ~11/s, twice, it alone took over a minute
# and a half), synthetic patients added to the examples for the consult breakdown, and audited patients.
QUICK_PATIENTS, QUICK_SYNTHETIC, QUICK_AUDIT = 150, 24, 60
QUICK_MEMORY = (100, 300)  # consults: RSS after the first figure, and after the second
TARGETS = {"cold": 1.3, "batch": 0.5, "scaling": 1.8, "memory": 1.10}


def machine() -> list[str]:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), model)
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    from importlib.metadata import version
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    import spinepath
    # Which checkout runs: this process's import, and what the `spinepath` command beside this interpreter
    # imports with the same environment (PYTHONPATH=CHECKOUT/src runs a checkout that is not installed).
    child = subprocess.run([sys.executable, "-c", "import spinepath; print(spinepath.__file__)"],
                           capture_output=True, text=True).stdout.strip()
    return [f"nproc {usable} (cpu_count {os.cpu_count()}), CPU {model}",
            f"Python {platform.python_version()} ({sys.executable}), {platform.platform()}",
            f"spinepath {version('spinepath')}, durable-rules {version('durable-rules')}, "
            f"pydantic {version('pydantic')}, PyYAML {version('PyYAML')}",
            f"code: {Path(spinepath.__file__).parent} in this process; {Path(child).parent} in the commands",
            f"load average at start: {load}"]


def command() -> str:
    """The installed `spinepath` of this interpreter's environment."""
    beside = Path(sys.executable).parent / "spinepath"
    found = str(beside) if beside.exists() else shutil.which("spinepath")
    if not found:
        sys.exit("bench: no installed `spinepath` command (pip install -e . first)")
    return found


def timed(cmd: list[str], env: dict | None = None, stdout=subprocess.DEVNULL) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=stdout, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "MET" if ok else "NOT MET"


def cold_start(exe: str, runs: int) -> dict:
    consult = [exe, "consult", str(SEED), "--format", "json"]
    floor = [sys.executable, "-c", FLOOR_IMPORTS]
    no_cache = dict(os.environ, SPINEPATH_NO_CACHE="1")
    cases = {"consult": (consult, None), "consult, no rules cache": (consult, no_cache), "import floor": (floor, None)}
    for cmd, env in cases.values():  # warm the OS file cache and the rules cache
        timed(cmd, env)
    samples: dict[str, list] = {name: [] for name in cases}
    for _ in range(runs):  # interleaved, so that a busy moment hits every case alike
        for name, (cmd, env) in cases.items():
            samples[name].append(timed(cmd, env))
    return {name: (statistics.median(w for w, _ in s), statistics.median(c for _, c in s))
            for name, s in samples.items()}


def parse_floor(files: list[Path]) -> tuple[float, float]:
    import yaml
    start, cpu = time.perf_counter(), time.process_time()
    for path in files:
        with open(path, "rb") as f:
            yaml.load(f, Loader=yaml.CSafeLoader)
    return time.perf_counter() - start, time.process_time() - cpu


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def machine_scaling(work: int = 2_000_000, repeats: int = 5) -> float:
    """How much faster 2 processes run a pure-Python loop than 1 (median of a few tries): the
    ceiling for --jobs 2 on this machine (two vCPUs that share one core give far less than 2)."""
    import multiprocessing
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    ratios = []
    with ctx.Pool(2) as pool:
        pool.map(_spin, [1000, 1000])  # start the workers outside the timing
        for _ in range(repeats):
            start = time.perf_counter()
            pool.map(_spin, [work])
            one = time.perf_counter() - start
            start = time.perf_counter()
            pool.map(_spin, [work, work], chunksize=1)
            ratios.append(2 * one / (time.perf_counter() - start))
    return statistics.median(ratios)


def batch_run(exe: str, folder: Path, jobs: int, out: Path) -> tuple[float, float, str]:
    wall, cpu = timed([exe, "batch", str(folder), "--jobs", str(jobs), "-o", str(out)])
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    out.unlink()
    return wall, cpu, digest


def ruleset_load(runs: int) -> dict:
    from spinepath.derive.vocabulary import all_fields
    from spinepath.evaluate.compile import compile_ruleset
    from spinepath.evaluate.engine import Engine
    from spinepath.evaluate.knowledge import load_and_compile
    from spinepath.load.rule_files import default_rules_dir, load_ruleset
    times: dict[str, list[float]] = {"load and check the YAML rules": [], "compile to durable-rules JSON": [],
                                     "create the durable rulesets": [], "load + compile from the cache": []}
    load_and_compile(default_rules_dir())  # writes the cache entry if there is none
    for _ in range(runs):
        t0 = time.perf_counter()
        rs = load_ruleset(all_fields(), default_rules_dir())
        t1 = time.perf_counter()
        compiled = compile_ruleset(rs)
        t2 = time.perf_counter()
        Engine(compiled)
        t3 = time.perf_counter()
        load_and_compile(default_rules_dir())
        t4 = time.perf_counter()
        for name, t in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            times[name].append(t)
    return {"rules": len(rs.rules), "rulesets": sum(len(s) for s in compiled.strata),
            **{name: statistics.median(v) for name, v in times.items()}}


MEMORY_SCRIPT = r"""
import json, sys, time
from spinepath.cohort import synth
from spinepath.explain.consult import consult
from spinepath.load.patient import parse_patient

def rss_kib():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))

patients = [parse_patient(synth.patient_text(7, i)) for i in range(1, 25)]
total, base, marks, start = int(sys.argv[1]), int(sys.argv[2]), {}, time.perf_counter()
for n in range(1, total + 1):
    consult(patients[n % len(patients)])
    if n in (base, total) or n % 10000 == 0:
        marks[n] = rss_kib()
        print(json.dumps({"progress": n, "rss_kib": marks[n]}), file=sys.stderr, flush=True)
print(json.dumps({"marks": marks, "seconds": time.perf_counter() - start}))
"""


def memory(total: int, base: int = 1000) -> dict:
    """RSS of one process after `base` and after `total` consults (and every 10,000)."""
    import json
    # stderr is left to the terminal: a 100,000-consult run takes about two hours, and shows its progress.
    r = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(total), str(base)], stdout=subprocess.PIPE,
                       text=True, check=True)
    return json.loads(r.stdout)


def pass_costs(files: list[Path]) -> dict:
    """Per patient, in this process: the firm pass, the provisional pass with its `assumes`, the questions."""
    from spinepath.evaluate.knowledge import load_knowledge
    from spinepath.evaluate.passes import evaluate_patient
    from spinepath.explain.plan import consultation
    from spinepath.explain.provisional import with_assumptions
    from spinepath.explain.questions import rank_questions
    from spinepath.load.patient import load_patient
    kb = load_knowledge()
    times: dict[str, list[float]] = {"firm pass (engine + explain)": [], "provisional pass + assumes": [],
                                     "ranked questions": []}
    counts = []
    for f in files:
        patient = load_patient(f)
        t0 = time.perf_counter()
        firm = evaluate_patient(patient, kb)
        t1 = time.perf_counter()
        c = consultation(kb, patient, firm.values())
        if c.provisional is not c.firm:
            with_assumptions(kb, patient, list(c.plan.provisional), list(c.plan.provisional_alerts), c.provisional)
        t2 = time.perf_counter()
        questions = rank_questions(kb, patient, c)
        t3 = time.perf_counter()
        for name, dt in zip(times, (t1 - t0, t2 - t1, t3 - t2)):
            times[name].append(dt)
        counts.append(len(questions))
    return {"times": times, "questions": counts}


def engine_only(files: list[Path]) -> tuple[float, int]:
    """Seconds to assert the same patients' facts, both passes, every stratum, into the same compiled rules
    with nothing else: the facts are recorded from a real consult first, then replayed."""
    from spinepath.evaluate.knowledge import load_knowledge
    from spinepath.evaluate.passes import evaluate_patient
    from spinepath.load.patient import load_patient
    kb = load_knowledge()
    engine = kb.engine
    recorded: list[list[tuple]] = []
    real_run = engine.run

    def recording(base, fact_for_stratum):
        facts = []

        def keep(s, fired):
            fact = fact_for_stratum(s, fired)
            facts.append(fact)
            return fact
        fired = real_run(base, keep)
        recorded.append([base, *facts])
        return fired
    engine.run = recording
    try:
        for f in files:
            patient = load_patient(f)
            evaluate_patient(patient, kb)
            evaluate_patient(patient, kb, kb.ruleset.presumptions)
    finally:
        del engine.run
    start = time.perf_counter()
    for facts in recorded:
        for s, fact in enumerate(facts):
            engine._assert(s, fact)
    return time.perf_counter() - start, len(recorded) // 2


BREAKDOWN_PARTS = ("parse", "derive", "firm_pass", "provisional_pass", "questions", "assemble", "render")


def consult_breakdown(synthetic: int) -> dict:
    """Milliseconds per patient, in this process, of each part of a consult, over the examples and
    `synthetic` synthetic patients, with the whole consult (parse, consult_knowledge, both views) timed
    on its own beside them. The parts call what a consult calls, in its order (explain/consult.py
    consult_knowledge): parse the YAML into the model; prepare the facts and derived values; the firm pass;
    the provisional pass (plan.consultation) with its `assumes` (provisional.with_assumptions); the ranked
    questions; the parts of the result (derived block, flags, missing, trace, references); render the
    text and JSON views."""
    import io
    from rich.console import Console
    from spinepath.cohort import synth
    from spinepath.evaluate.facts import prepare
    from spinepath.evaluate.passes import full_pass
    from spinepath.explain import consult as consult_mod
    from spinepath.explain.plan import consultation
    from spinepath.explain.provisional import with_assumptions
    from spinepath.explain.questions import rank_questions
    from spinepath.load.patient import parse_patient
    from spinepath.render.text import render as render_text
    kb = consult_mod.load_knowledge(None)
    texts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").rglob("*.yaml"))
             if not p.name.endswith(".expect.yaml")]
    texts += [(f"synth-{i}.yaml", synth.patient_text(2026, i)) for i in range(1, synthetic + 1)]

    def views(result) -> None:  # what `consult` and `consult --format json` write, to memory
        result.to_json()
        render_text(result, Console(file=io.StringIO(), highlight=False, soft_wrap=False, width=100))

    consult_mod.consult_knowledge(parse_patient(texts[0][1], texts[0][0]), kb)  # imports and caches outside the timing
    totals = {group: dict.fromkeys(BREAKDOWN_PARTS, 0.0) for group in ("examples", "synthetic")}
    whole = dict.fromkeys(totals, 0.0)
    clock = time.perf_counter
    examples = len(texts) - synthetic
    for i, (name, text) in enumerate(texts):
        group = "examples" if i < examples else "synthetic"
        t0 = clock()
        patient = parse_patient(text, name)
        t1 = clock()
        facts = prepare(patient)
        t2 = clock()
        firm = full_pass(kb, facts)
        t3 = clock()
        c = consultation(kb, patient, firm.values())
        entries, prov_alerts = list(c.plan.provisional), list(c.plan.provisional_alerts)
        if c.provisional is not c.firm:
            entries, prov_alerts = with_assumptions(kb, patient, entries, prov_alerts, c.provisional)
        t4 = clock()
        rank_questions(kb, patient, c)
        t5 = clock()
        fp = c.firm_pathway
        consult_mod.derived_block(firm), consult_mod.flags(firm), consult_mod.missing(kb, firm)
        consult_mod.trace(kb, firm)
        consult_mod.references(kb, fp.entries + tuple(entries), fp.alerts + tuple(prov_alerts), fp.arguments)
        t6 = clock()
        result = consult_mod.consult_knowledge(patient, kb, firm=firm)  # the result to render, outside the parts
        t7 = clock()
        views(result)
        t8 = clock()
        for part, dt in zip(BREAKDOWN_PARTS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t8 - t7)):
            totals[group][part] += dt
        t0 = clock()  # the whole consult, as `spinepath consult` runs it after start-up, both views
        views(consult_mod.consult_knowledge(parse_patient(text, name), kb))
        whole[group] += clock() - t0

    def per_patient(parts: dict[str, float], whole_s: float, n: int) -> dict:
        return {"patients": n, "ms_per_patient": {part: round(t / n * 1000, 2) for part, t in parts.items()},
                "sum_of_parts": round(sum(parts.values()) / n * 1000, 2), "whole_consult": round(whole_s / n * 1000, 2)}
    both = {part: totals["examples"][part] + totals["synthetic"][part] for part in BREAKDOWN_PARTS}
    # The examples are chosen to exercise the rules (many open questions); synthetic patients are nearer
    # a registry's mix: each group is shown on its own as well.
    return {**per_patient(both, sum(whole.values()), len(texts)),
            "examples": per_patient(totals["examples"], whole["examples"], examples),
            "synthetic": per_patient(totals["synthetic"], whole["synthetic"], synthetic)}


def serve_figures(rounds: int, seconds: float) -> dict:
    """bench/cds_hooks.py's figures (the real `spinepath serve` of this checkout), for --quick."""
    import cds_hooks  # bench/ is this script's folder, so first on sys.path
    return cds_hooks.measure(rounds=rounds, seconds=seconds, clients=2)


def audit_figures(patients: int) -> dict:
    """bench/audit_rate.py's figures, --jobs 1, for --quick."""
    import audit_rate
    return audit_rate.measure(patients, [1], seed=0)


def quick(exe: str, patients: int, memory_n: int, synthetic: int, audit_n: int) -> dict:
    """The figures of issues 13 and 25, measured side by side in one run."""
    import json
    out: dict = {"machine": machine()}
    took: dict[str, float] = {}  # seconds each section of this run took: the whole must stay under ~3 min
    clock = time.perf_counter
    t = clock()
    cold = cold_start(exe, 7)
    out["import_floor_s"] = round(cold["import floor"][0], 4)
    out["cold_start_s"] = round(cold["consult"][0], 4)
    took["cold_start"], t = clock() - t, clock()
    with tempfile.TemporaryDirectory(prefix="spinepath-bench-") as tmp:
        folder = Path(tmp) / "patients"
        timed([exe, "synth", str(patients), "-o", str(folder), "--seed", "2026"])
        files = sorted(folder.glob("*.yaml"))
        pw, _ = parse_floor(files)
        out["parse_per_s"] = round(len(files) / pw, 1)
        seconds, n = engine_only(files)
        out["engine_only_per_s"] = round(n / seconds, 1)
        took["synth_parse_engine_only"], t = clock() - t, clock()
        rates, digests = {}, {}
        for jobs in (1, 2):
            bw, _, digests[jobs] = batch_run(exe, folder, jobs, Path(tmp) / "out.jsonl")
            rates[jobs] = round(len(files) / bw, 1)
        out["batch_patients"] = len(files)
        out["batch_per_s"] = {"jobs1": rates[1], "jobs2": rates[2]}
        out["two_process_python_loop"] = round(machine_scaling(), 2)
        out["batch_jobs_identical"] = digests[1] == digests[2]
        took["batch"], t = clock() - t, clock()
    breakdown = consult_breakdown(synthetic)
    # The same measurement as before (rank_questions, synthetic patients of seed 2026), now on QUICK_SYNTHETIC
    # of them, taken from the breakdown: one timing of the questions, not two.
    out["questions_ms_per_patient"] = breakdown["synthetic"]["ms_per_patient"]["questions"]
    out["consult_ms_breakdown"] = breakdown
    took["consult_breakdown"], t = clock() - t, clock()
    serve = serve_figures(rounds=1, seconds=5)
    out["serve_p50_ms"] = serve["warm_first_visit_ms"]["p50"]
    out["serve_p95_ms"] = serve["warm_first_visit_ms"]["p95"]
    out["serve"] = {"first_visit_ms": serve["warm_first_visit_ms"], "repeat_visit_ms": serve["warm_repeat_visit_ms"],
                    "requests_per_second": serve["requests_per_second"], "clients": serve["clients"],
                    "examples": serve["examples"], "cards_disagree_with_consult": serve["cards_disagree_with_consult"],
                    "target_p95_ms": serve["target_p95_ms"], "target_met": serve["target_met"]}
    took["serve"], t = clock() - t, clock()
    audit = audit_figures(audit_n)
    out["audit_per_s"] = audit["jobs"][1]["per_s"]
    out["audit"] = {"patients": audit["patients"], "time_travel_consults": audit["time_travel_consults"],
                    "jobs1": audit["jobs"][1]}
    took["audit"], t = clock() - t, clock()
    # 1,000 consults take 1.5-3 min here alone, so --quick compares RSS after QUICK_MEMORY[1] consults with
    # RSS after QUICK_MEMORY[0] unless --memory N (>= 1000) asks for the figure of issue 13 (1,000 -> N).
    base, memory_n = (1000, max(memory_n, 1001)) if memory_n else QUICK_MEMORY
    m = memory(memory_n, base)
    marks = {int(k): v for k, v in m["marks"].items()}
    out["rss_growth"] = {"after": memory_n, "base": base, "ratio": round(marks[memory_n] / marks[base], 4),
                         "consults_per_s": round(memory_n / m["seconds"], 1)}
    if base == 1000:
        out["rss_growth"]["ratio_to_1000"] = out["rss_growth"]["ratio"]
    took["memory"] = clock() - t
    out["ratios"] = {"batch_jobs1_over_engine_only": round(rates[1] / out["engine_only_per_s"], 3),
                     "cold_over_floor": round(out["cold_start_s"] / out["import_floor_s"], 3),
                     "jobs2_over_jobs1": round(rates[2] / rates[1], 3)}
    out["bench_seconds"] = {**{k: round(v, 1) for k, v in took.items()}, "total": round(sum(took.values()), 1)}
    print(json.dumps(out, indent=1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=10_000, help="synthetic patients for the batch figures")
    ap.add_argument("--runs", type=int, default=9, help="runs per cold-start case (median)")
    ap.add_argument("--memory", type=int, default=0, metavar="N", help="also measure RSS over N consults (>= 1000)")
    ap.add_argument("--quick", action="store_true", help="only the side-by-side figures of issues 13 and 25 (< 3 min)")
    ap.add_argument("--json", action="store_true", help="with --quick: print one JSON object")
    args = ap.parse_args()
    exe = command()
    if args.quick:
        quick(exe, min(args.patients, QUICK_PATIENTS), args.memory, QUICK_SYNTHETIC, QUICK_AUDIT)
        return
    print("== machine")
    for line in machine():
        print("  " + line)

    print(f"\n== 1. cold start, median of {args.runs} runs (wall s / CPU s)")
    cold = cold_start(exe, args.runs)
    for name, (wall, cpu) in cold.items():
        print(f"  {name:28s} {wall:6.3f} / {cpu:6.3f}")
    ratio, cpu_ratio = (cold["consult"][i] / cold["import floor"][i] for i in (0, 1))
    print(f"  consult / floor: {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU; target <= {TARGETS['cold']}x: "
          f"{verdict(ratio <= TARGETS['cold'])}")

    with tempfile.TemporaryDirectory(prefix="spinepath-bench-") as tmp:
        folder = Path(tmp) / "patients"
        wall, _ = timed([exe, "synth", str(args.patients), "-o", str(folder), "--seed", "2026"])
        files = sorted(folder.glob("*.yaml"))
        print(f"\n== 2. batch throughput, {len(files)} synthetic patients (synth wrote them in {wall:.1f} s)")
        pw, pc = parse_floor(files)
        floor_rate = len(files) / pw
        print(f"  parse only (PyYAML CSafeLoader), 1 core: {floor_rate:8.0f} patients/s  ({pw:.1f} s, CPU {pc:.1f} s)")
        rates, digests = {}, {}
        for jobs in (1, 2):
            bw, bc, digests[jobs] = batch_run(exe, folder, jobs, Path(tmp) / "out.jsonl")
            rates[jobs] = len(files) / bw
            print(f"  spinepath batch --jobs {jobs}:           {rates[jobs]:8.0f} patients/s  ({bw:.1f} s, "
                  f"CPU {bc:.1f} s, {bc / len(files) * 1000:.2f} ms CPU per patient)")
        share = rates[1] / floor_rate
        print(f"  --jobs 1 / parse floor: {share:.3f}; target >= {TARGETS['batch']}: "
              f"{verdict(share >= TARGETS['batch'])}")
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        scaling = rates[2] / rates[1]
        print(f"  --jobs 2 / --jobs 1: {scaling:.2f}x; target >= {TARGETS['scaling']}x: "
              f"{verdict(scaling >= TARGETS['scaling'] if usable >= 2 else None)}")
        if usable >= 2:
            print(f"  (this machine: a pure-Python loop runs {machine_scaling():.2f}x faster on 2 processes than on 1)")
        print(f"  output of --jobs 1 and --jobs 2 identical: {digests[1] == digests[2]}")

    print("\n== 3. knowledge base, in this process (median of 5)")
    kb = ruleset_load(5)
    print(f"  {kb.pop('rules')} rules in {kb.pop('rulesets')} durable rulesets")
    for name, seconds in kb.items():
        print(f"  {name:32s} {seconds * 1000:7.1f} ms")

    files = sorted(p for p in (ROOT / "examples").rglob("*.yaml") if not p.name.endswith(".expect.yaml"))
    costs = pass_costs(files)
    print(f"\n== 5. the two passes and the questions, per patient over the {len(files)} examples (ms)")
    for name, values in costs["times"].items():
        ms = sorted(v * 1000 for v in values)
        print(f"  {name:32s} median {statistics.median(ms):6.1f}  max {ms[-1]:6.1f}")
    print(f"  questions per patient: median {statistics.median(costs['questions'])}, max {max(costs['questions'])}")

    if args.memory:
        total = max(args.memory, 1000)
        print(f"\n== 4. resident memory over {total} consults in one process")
        m = memory(total)
        marks = {int(k): v for k, v in m["marks"].items()}
        for n, kib in sorted(marks.items()):
            print(f"  after {n:>7d} consults: {kib / 1024:7.1f} MiB")
        growth = marks[total] / marks[1000]
        print(f"  {total} / 1000: {growth:.3f}; target <= {TARGETS['memory']}: {verdict(growth <= TARGETS['memory'])}"
              f"  ({total / m['seconds']:.0f} consults/s)")


if __name__ == "__main__":
    main()
