"""Warm latency and throughput of `spinepath serve` (CDS Hooks patient-view) over every example.

    python bench/cds_hooks.py              # about a minute on 2 cores
    python bench/cds_hooks.py --rounds 5 --seconds 20 --clients 4

Starts the real command on a free loopback port (development mode, a temporary feedback database),
builds a patient-view request from each example's `export fhir` bundle (serve/prefetch.py,
hook_request), and:
1. checks every example once: the response passes the CDS Hooks models, and its cards agree with
   `spinepath consult` of the same file (the firm plan's entries and the critical alerts). These
   first visits, each a patient the service has not seen, give the warm latency of a first visit
   (the server warmed by one request before; the consult runs);
2. then `--rounds` passes over the examples, one request at a time, each with a new hookInstance:
   the latency of a chart opened again (the consult comes from the service's cache, --consult-cache);
3. throughput: `--clients` threads posting for `--seconds` (repeat visits); requests per second.
Latencies are the wall time seen by the client: p50, p95 and max.
Prints one JSON object. Like bench/run.py it asserts nothing about speed: it says whether the target
(p95 <= 100 ms warm) is met on this machine, with the machine's load.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx

import spinepath
from spinepath.explain.consult import consult_knowledge, load_knowledge
from spinepath.interop.fhir_patient import export_bundle
from spinepath.load.patient import load_patient
from spinepath.load.yamlsafe import load_path
from spinepath.serve.models import HookResponse
from spinepath.serve.prefetch import hook_request

ROOT = Path(spinepath.__file__).resolve().parents[2]
PV = "/cds-services/spinepath-patient-view"
TARGET_P95_MS = 100


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def figures(values: list[float]) -> dict:
    return {"n": len(values), "p50": round(statistics.median(values), 1),
            "p95": round(percentile(values, 0.95), 1), "max": round(max(values), 1)}


def example_requests() -> list[tuple[Path, dict]]:
    """A patient-view request for every example, made from its `export fhir` bundle."""
    files = sorted(p for p in (ROOT / "examples").rglob("*.yaml") if not p.name.endswith(".expect.yaml"))
    return [(f, hook_request(export_bundle(load_path(f).data))) for f in files]


@contextmanager
def serving():
    """The real `spinepath serve` of this checkout on a free loopback port (development mode, a temporary
    feedback database), and a client of it once it answers; the server is stopped on the way out."""
    tmp = Path(tempfile.mkdtemp(prefix="spinepath-bench-serve-"))
    port = _free_port()
    # The child runs the code this process imports (ROOT/src), not whatever spinepath is installed.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log = (tmp / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "spinepath", "serve", "--port", str(port),
                             "--feedback-db", str(tmp / "feedback.sqlite3")], stdout=subprocess.DEVNULL,
                            stderr=log, env=env)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    try:
        while True:
            try:
                client.get("/cds-services")
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise SystemExit((tmp / "server.log").read_text())
                time.sleep(0.1)
        yield port, client
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def first_visits(client: httpx.Client, requests: list[tuple[Path, dict]]) -> tuple[list[float], list[str]]:
    """Each example once, a patient the service has not seen (the consult runs): the latencies (ms) of all
    but the warming request, and the examples whose cards disagree with `spinepath consult`."""
    kb = load_knowledge(None)
    disagree = []
    first: list[float] = []
    client.post(PV, json={**requests[0][1], "hookInstance": str(uuid.uuid4())}).raise_for_status()
    for f, body in requests[1:] + requests[:1]:
        start = time.perf_counter()
        r = client.post(PV, json=body)
        first.append((time.perf_counter() - start) * 1000)
        cards = HookResponse.model_validate(r.json()).cards
        result = consult_knowledge(load_patient(f), kb)
        ext = [c.extension["org.spinepath"] for c in cards if c.extension]
        firm = [[(e["intervention"], e["phase"], e["strength"]) for e in x["entries"]] for x in ext
                if x["kind"] == "firm"]
        critical = [x["alerts"][0]["code"] for x in ext if x["kind"] == "alert"]
        if firm != [[(e.intervention, e.phase, e.strength) for e in result.recommendations]] or \
                critical != [a.code for a in result.alerts if a.severity == "critical"]:
            disagree.append(str(f.relative_to(ROOT)))
    return first[:-1], disagree  # the last is the warming example again: seen already, from the cache


def repeat_visits(client: httpx.Client, requests: list[tuple[Path, dict]], rounds: int) -> list[float]:
    """`rounds` passes over the examples, one request at a time, each with a new hookInstance (ms)."""
    latencies = []
    for _ in range(rounds):
        for _, body in requests:
            body = {**body, "hookInstance": str(uuid.uuid4())}
            start = time.perf_counter()
            r = client.post(PV, json=body)
            latencies.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200, r.text
    return latencies


def throughput(port: int, requests: list[tuple[Path, dict]], clients: int, seconds: float) -> float:
    """Requests per second answered 200 by `clients` threads posting repeat visits for `seconds`."""
    done = [0]
    stop = time.monotonic() + seconds

    def worker(k: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as c:
            i = k
            while time.monotonic() < stop:
                body = {**requests[i % len(requests)][1], "hookInstance": str(uuid.uuid4())}
                if c.post(PV, json=body).status_code == 200:
                    done[0] += 1
                i += clients
    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / (time.monotonic() - started)


def measure(rounds: int, seconds: float, clients: int) -> dict:
    """Every figure of this bench, in one object (bench/run.py --quick takes its serve fields from here)."""
    requests = example_requests()
    with serving() as (port, client):
        first, disagree = first_visits(client, requests)
        latencies = repeat_visits(client, requests, rounds)
        rps = throughput(port, requests, clients, seconds)
    return {
        "examples": len(requests), "cards_disagree_with_consult": disagree,
        "warm_first_visit_ms": figures(first), "warm_repeat_visit_ms": figures(latencies),
        "target_p95_ms": TARGET_P95_MS, "target_met": {"first_visit": percentile(first, 0.95) <= TARGET_P95_MS,
                                                      "repeat_visit": percentile(latencies, 0.95) <= TARGET_P95_MS},
        "requests_per_second": round(rps, 1), "clients": clients,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--clients", type=int, default=2)
    args = ap.parse_args()
    out = measure(args.rounds, args.seconds, args.clients)
    out["machine"] = {"nproc": os.cpu_count(), "python": platform.python_version(),
                      "loadavg": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
