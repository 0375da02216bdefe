"""The reliability probe of ../shared/reviews/RELIABILITY-2026-12.md, again: hostile and careless inputs by
family, each with what a correct answer is, counted the way the report counts them (not a test: it runs
for minutes and starts hundreds of processes).

    python bench/probe_reliability.py            # every family, a table on stdout
    python bench/probe_reliability.py --family 2 # one family (1a ... 9)
    python bench/probe_reliability.py --list     # every probe and its outcome

Outcomes: refused (exit 2 with FILE[:LINE:COL] or a usage message), accepted (exit 0 and the answer is
right), misread (exit 0 and the answer is wrong, or exit 0 where a refusal was due), internal (exit 1),
traceback, hang (over the time limit), misleading (refused, but the message does not say what the probe
expects), data loss (a file changed or vanished that should not have), orphan (a process outlived its
batch). Probes marked `new` are not in the report (the count of our own probes).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
SPINEPATH = [sys.executable, "-m", "spinepath"]
REPRO = ROOT.parent / "shared" / "reviews" / "reliability-2026-12-repro"
BASE = "id: x\nage: 50\nlesion: {levels: [T5]}\ndiagnosis: {histology: chordoma}\n"
FAMILIES = {
    "1a": "Patient YAML: wrong types (every field)", "1b": "out-of-range and odd numbers, dates",
    "1c": "Unicode, control characters, BOMs, line ends, encodings", "1d": "YAML features: tags, merge keys, "
    "duplicates, anchors, documents", "1e": "size and shape: nesting, aliases, big lists, 1 MiB±",
    "1f": "files: empty, binary, folder, FIFO, devices, unreadable, links, odd names",
    "1g": "hostile id/notes in the outputs", "2": "FHIR import", "3": "whatif --set",
    "4": "output paths -o", "5": "batch: jobs, signals, folder walk, names", "6": "determinism",
    "7": "resource limits", "8": "environment and other commands", "9": "valid-input fuzz",
}
OUTCOMES = ("refused", "accepted", "misread", "internal", "traceback", "hang", "misleading", "data loss", "orphan")


@dataclass
class Probe:
    family: str
    name: str
    run: Callable[["Probe"], tuple[str, str]]  # -> (outcome, detail)
    new: bool = False


@dataclass
class Ran:
    probe: Probe
    outcome: str
    detail: str
    seconds: float


@dataclass
class Result:
    code: int | None
    out: str
    err: str
    seconds: float


def sh(args: list[str], cwd: Path, env: dict | None = None, timeout: float = 20, stdin=None, input: str | None = None,
       preexec=None) -> Result:
    full_env = {**os.environ, **(env or {})}
    full_env = {k: v for k, v in full_env.items() if v is not None}
    start = time.monotonic()
    try:
        p = subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, timeout=timeout, stdin=stdin,
                           input=input.encode() if input is not None else None, preexec_fn=preexec)
        return Result(p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"),
                      time.monotonic() - start)
    except subprocess.TimeoutExpired:
        return Result(None, "", "", time.monotonic() - start)


def spinepath(*args: str, cwd: Path, **kw) -> Result:
    return sh([*SPINEPATH, *args], cwd, **kw)


def judge(r: Result, refuse: bool | None, said: str | None = None, ok: Callable[[Result], bool] | None = None,
          where: str | None = None) -> tuple[str, str]:
    """The outcome of a run that should refuse (refuse=True: exit 2 with `said` in the message and the message
    starting at `where`), be accepted (refuse=False and ok(r)), or either (refuse=None: a refusal must be
    clean, an acceptance must satisfy ok)."""
    if r.code is None:
        return "hang", f"over {r.seconds:.0f} s"
    if "Traceback (most recent call last)" in r.err:
        return "traceback", r.err.strip().splitlines()[-1][:160]
    if r.code == 1:
        return "internal", r.err.strip()[:160]
    first = r.err.strip().splitlines()[0] if r.err.strip() else ""
    if r.code in (2, 3):
        if refuse is False:
            return "misread", f"refused a valid input: {first[:160]}"
        if where is not None and not first.startswith(where):
            return "misleading", f"message not at {where}: {first[:160]}"
        if said is not None and said not in r.err:
            return "misleading", f"wanted {said!r}: {first[:160]}"
        return "refused", first[:160]
    if r.code == 0:
        if refuse is True:
            return "misread", f"exit 0 where a refusal was due: {r.out[:120]!r}"
        if ok is not None and not ok(r):
            return "misread", f"accepted with a wrong answer: {r.out[:160]!r}"
        return "accepted", ""
    return "misread", f"exit {r.code}: {first[:160]}"


# --------------------------------------------------------------------------------------- helpers

class Work:
    """A scratch folder per family."""

    def __init__(self, root: Path, family: str):
        self.dir = root / f"f{family}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def file(self, text: str | bytes, name: str | None = None) -> Path:
        self.n += 1
        p = self.dir / (name or f"p{self.n:04d}.yaml")
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8")
        return p


def patient(**top) -> str:
    import yaml
    doc = {"id": "x", "age": 50, "lesion": {"levels": ["T5"]}, "diagnosis": {"histology": "chordoma"}}
    doc.update(top)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def validated(path: Path, cwd: Path) -> dict | None:
    """The patient as spinepath reads it (the model's JSON), or None when it is refused."""
    code = ("import json,sys; from spinepath.load.patient import load_patient\n"
            "print(json.dumps(load_patient(sys.argv[1]).model_dump(mode='json', exclude_none=True)))")
    r = sh([sys.executable, "-c", code, str(path)], cwd)
    if r.code != 0:
        return None
    return json.loads(r.out)


def leaf(doc: dict | None, dotted: str):
    cur = doc
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


# --------------------------------------------------------------------------------------- families

def fam_1a(w: Work) -> list[Probe]:
    """Every field gets values of the wrong shape; an accepted value must be exactly what was written."""
    sys.path.insert(0, str(ROOT / "src"))
    from spinepath.load.fields import patient_paths
    probes = []
    values = {"map": {"a": 1}, "list": [1, 2], "bool": True, "text": "text", "null": None, "int": 7, "float": 1.5}
    for path in patient_paths() + ["id", "notes"]:
        for kind, value in values.items():
            def run(p, path=path, value=value):
                doc = json.loads(json.dumps({"id": "x", "age": 50, "lesion": {"levels": ["T5"]},
                                             "diagnosis": {"histology": "chordoma"}}))
                cur = doc
                parts = path.split(".")
                for part in parts[:-1]:
                    cur = cur.setdefault(part, {})
                cur[parts[-1]] = value
                import yaml
                f = w.file(yaml.safe_dump(doc, sort_keys=False))
                r = spinepath("validate", str(f), cwd=w.dir)
                got = validated(f, w.dir) if r.code == 0 else None
                intended = value
                return judge(r, None, where=str(f), ok=lambda _: got is not None and (
                    leaf(got, path) == intended or (intended is None and leaf(got, path) is None)
                    or (isinstance(intended, int) and not isinstance(intended, bool) and leaf(got, path) == float(intended))))
            probes.append(Probe("1a", f"{path}={kind}", run))
    for section in ("lesion", "diagnosis", "history", "staging", "performance"):
        for kind, value in (("scalar", 5), ("list", [1])):
            def run(p, section=section, value=value):
                import yaml
                doc = {"id": "x", "age": 50, "lesion": {"levels": ["T5"]}, "diagnosis": {"histology": "chordoma"}}
                doc[section] = value
                f = w.file(yaml.safe_dump(doc))
                return judge(spinepath("validate", str(f), cwd=w.dir), True, where=str(f))
            probes.append(Probe("1a", f"section {section}={kind}", run))
    return probes


def fam_1b(w: Work) -> list[Probe]:
    """Numbers and dates written as a person might: each is refused, or read as the decimal it says."""
    cases = [
        # (field, raw text, intended value or None for "must be refused")
        ("age", "020", None), ("age", "041", None), ("age", "0o20", None), ("age", "0x14", None), ("age", "0b101001", None),
        ("age", "1_0", None), ("age", "4_1", None), ("age", "20:11", None), ("age", "+41", 41), ("age", "41", 41),
        ("age", "-0", 0), ("age", "1e2", None), ("age", "41.0", None), ("age", "4" * 4301, None), ("age", "9" * 40, None),
        ("age", ".nan", None), ("age", ".inf", None), ("age", "-1", None), ("age", "121", None), ("age", "٤١", None),
        ("age", "４１", None), ("age", "41 ", 41), ("age", "'41'", None), ("age", "!!int 41", 41), ("age", "!!int forty", None),
        ("lesion.size_cm", "1e2", 100.0), ("lesion.size_cm", "1.5e1", 15.0), ("lesion.size_cm", ".5", 0.5),
        ("lesion.size_cm", "0.00001", 0.00001), ("lesion.size_cm", "1e-400", None), ("lesion.size_cm", "1e999", None),
        ("lesion.size_cm", "030", None), ("lesion.size_cm", "3_0", None), ("lesion.size_cm", "030.5", 30.5),
        ("lesion.size_cm", ".nan", None), ("lesion.size_cm", "-.inf", None), ("lesion.size_cm", "0", None),
        ("diagnosis.grade", "02", None), ("diagnosis.grade", "2", 2), ("diagnosis.grade", "2.0", None),
        ("lesion.wbb.zones", "[01, 2]", None), ("lesion.wbb.zones", "[1, 1, 1]", None), ("lesion.wbb.zones", "[4, 5]", [4, 5]),
        ("lesion.epidural.escc", "2", None), ("lesion.epidural.escc", "'1b'", "1b"), ("lesion.epidural.escc", "1b", "1b"),
        ("lesion.sins.total", "012", None), ("performance.karnofsky", "090", None), ("performance.ecog", "0x1", None),
        ("history.treatments", "[{kind: radiotherapy, dose_gy: 060}]", None),
        ("history.treatments", "[{kind: radiotherapy, dose_gy: 60}]", [{"kind": "radiotherapy", "dose_gy": 60.0}]),
        ("history.treatments", "[{kind: radiotherapy, dose_gy: 1_0}]", None),
        ("history.treatments", "[{kind: surgery, date: 20:11}]", None),
        ("history.treatments", "[{kind: surgery, date: 2011-02-30}]", None),
        ("history.treatments", "[{kind: surgery, date: 2011-13}]", None),
        ("history.treatments", "[{kind: surgery, date: 05/2019}]", None),
        ("history.treatments", "[{kind: surgery, date: 2011}]", [{"kind": "surgery", "date": "2011"}]),
        ("history.treatments", "[{kind: surgery, date: 2011-02}]", [{"kind": "surgery", "date": "2011-02"}]),
        ("history.treatments", "[{kind: surgery, date: 2012-02-29}]", [{"kind": "surgery", "date": "2012-02-29"}]),
        ("history.treatments", "[{kind: surgery, date: 2011-02-29}]", None),
        ("history.treatments", "[{kind: surgery, date: 0000}]", None),
        ("history.treatments", "[{kind: radiotherapy, fractions: 0x10}]", None),
    ]
    probes = []
    for path, raw, intended in cases:
        def run(p, path=path, raw=raw, intended=intended):
            parts = path.split(".")
            if len(parts) == 1:
                text = BASE.replace("age: 50", f"age: {raw}") if path == "age" else BASE + f"{path}: {raw}\n"
            elif parts[0] == "lesion":
                inner = f"{parts[1]}: {raw}" if len(parts) == 2 else f"{parts[1]}: {{{parts[2]}: {raw}}}"
                text = BASE.replace("lesion: {levels: [T5]}", f"lesion: {{levels: [T5], {inner}}}")
            elif parts[0] == "diagnosis":
                text = BASE.replace("diagnosis: {histology: chordoma}", f"diagnosis: {{histology: chordoma, {parts[1]}: {raw}}}")
            else:
                text = BASE + f"{parts[0]}:\n  {parts[1]}: {raw}\n"
            f = w.file(text)
            r = spinepath("validate", str(f), cwd=w.dir)
            got = validated(f, w.dir) if r.code == 0 else None
            if intended is None:
                return judge(r, True, where=str(f))
            return judge(r, False, ok=lambda _: leaf(got, path) == intended)
        probes.append(Probe("1b", f"{path}: {raw[:30]}", run, new=raw in ("030.5", "2012-02-29", "[01, 2]")))
    return probes


def fam_1c(w: Work) -> list[Probe]:
    cases = [
        ("BOM", "\ufeff" + BASE, False), ("BOM twice", "\ufeff\ufeff" + BASE, None),
        ("UTF-16", BASE.encode("utf-16"), True), ("UTF-32", BASE.encode("utf-32"), True),
        ("Latin-1 é", ("notes: caf\xe9\n" + BASE).encode("latin-1"), True), ("CRLF", BASE.replace("\n", "\r\n"), False),
        ("CR only", BASE.replace("\n", "\r"), False), ("mixed line ends", BASE.replace("\n", "\r\n", 2), False),
        ("NEL in notes", BASE + "notes: a\x85b\n", True), ("LS in notes", BASE + "notes: a\u2028b\n", True),
        ("PS in id", BASE.replace("id: x", "id: a\u2029b"), True), ("RTL override in id", BASE.replace("id: x", "id: a\u202eb"), False),
        ("ESC in notes", BASE + "notes: a\x1bb\n", True), ("escaped ESC in notes", BASE + 'notes: "a\\x1bb"\n', False),
        ("C1 in notes", BASE + "notes: a\x9bb\n", True), ("DEL in notes", BASE + "notes: a\x7fb\n", True),
        ("zero-width in histology", BASE.replace("chordoma", "chor\u200bdoma"), True),
        ("Cyrillic o in histology", BASE.replace("chordoma", "ch\u043erdoma"), True),
        ("fullwidth in histology", BASE.replace("chordoma", "ｃｈｏｒｄｏｍａ"), True),
        ("upper case histology", BASE.replace("chordoma", "Chordoma"), True),
        ("trailing space quoted", BASE.replace("chordoma", "'chordoma '"), True),
        ("astral in notes", BASE + "notes: \U0001F600\n", False), ("U+10FFFF escaped", BASE + 'notes: "\\U0010FFFF"\n', False),
        ("lone surrogate escaped", BASE + 'notes: "\\ud800"\n', None), ("NUL escaped", BASE + 'notes: "a\\0b"\n', False),
        ("NUL raw", (BASE + "notes: a").encode() + b"\x00", True), ("NBSP indent", "id: x\nage: 50\nlesion:\n\u00a0 levels: [T5]\n"
                                                                       "diagnosis: {histology: chordoma}\n", True),
        ("tab indent", "id: x\nage: 50\nlesion:\n\tlevels: [T5]\ndiagnosis: {histology: chordoma}\n", True),
        ("NFD key", BASE + "notes: e\u0301\n", False), ("emoji id", BASE.replace("id: x", "id: 🦴"), False),
    ]
    probes = []
    for name, text, refuse in cases:
        def run(p, text=text, refuse=refuse, name=name):
            f = w.file(text)
            r = spinepath("validate", str(f), cwd=w.dir)
            said = "tab" if "tab" in name else "U+00A0" if "NBSP" in name else None
            if refuse is None:
                return judge(r, None, where=str(f))
            return judge(r, refuse, said=said, where=str(f))
        probes.append(Probe("1c", name, run, new=name in ("NFD key", "emoji id", "escaped ESC in notes")))
    return probes


def fam_1d(w: Work) -> list[Probe]:
    tags = ["!!python/object/apply:os.system ['touch PWNED']", "!!python/name:os.system", "!!binary aGVsbG8=",
            "!!set {a, b}", "!!omap [a: 1]", "!!timestamp 2001-12-14", "!foo bar", "!<tag:yaml.org,2002:str> x",
            "!<tag:evil,2000:x> y", "! x", "!!str 41", "!!float 41", "!!bool yes", "!!bool maybe", "!!null x",
            "!!int forty", "!!float abc", "!!seq {a: 1}", "!!map [1]"]
    probes = []
    for t in tags:
        def run(p, t=t):
            f = w.file(BASE + f"notes: {t}\n")
            r = spinepath("validate", str(f), cwd=w.dir)
            if (w.dir / "PWNED").exists():
                return "misread", "code was executed"
            ok_text = t in ("!!str 41", "! x", "!<tag:yaml.org,2002:str> x")
            return judge(r, None if ok_text else True, where=str(f))
        probes.append(Probe("1d", f"tag {t[:30]}", run))
    docs = {
        "merge key": "base: &b {levels: [T5]}\nid: x\nage: 50\nlesion: {<<: *b}\ndiagnosis: {histology: chordoma}\n",
        "merge in list": "id: x\nage: 50\nlesion: {<<: [{levels: [T5]}]}\ndiagnosis: {histology: chordoma}\n",
        "explicit !!merge": "id: x\nage: 50\nlesion: {!!merge <<: {levels: [T5]}}\ndiagnosis: {histology: chordoma}\n",
        "quoted <<": "id: x\nage: 50\nlesion: {'<<': {levels: [T5]}, levels: [T5]}\ndiagnosis: {histology: chordoma}\n",
        "duplicate top": BASE + "age: 51\n", "duplicate nested": BASE.replace("{levels: [T5]}", "{levels: [T5], levels: [T6]}"),
        "duplicate quoted/plain": BASE + "'age': 51\n", "duplicate NFC/NFD": BASE + "notes: a\nnot\u0065s: b\n",
        "1 and true keys": BASE + "notes: {1: a, true: b}\n", "1.0 and 1 keys": BASE + "notes: {1.0: a, 1: b}\n",
        "number key": BASE + "7: seven\n", "null key": BASE + "~: nothing\n",
        "recursive alias seq": BASE + "notes: &r [*r]\n", "recursive alias map": BASE + "notes: &r {a: *r}\n",
        "recursive levels": BASE.replace("lesion: {levels: [T5]}", "lesion: {levels: &lv [T5, *lv]}"),
        "alias as key": BASE + "notes: {? &k a : 1, *k : 2}\n", "undefined alias": BASE + "notes: *nope\n",
        "anchor twice": BASE + "notes: [&a 1, &a 2]\n", "2000 anchors": BASE + "staging: {metastasis_sites: [" + ", ".join(f"&a{i} s{i}" for i in range(2000)) + "]}\n",
        "two documents": BASE + "---\n" + BASE, "directive %YAML 1.1": "%YAML 1.1\n---\n" + BASE,
        "directive %TAG": "%TAG !e! tag:evil,2000:\n---\n" + BASE + "notes: !e!x y\n",
        "block scalar notes": BASE + "notes: |\n  line one\n  line two\n", "folded notes": BASE + "notes: >\n  a\n  b\n",
        "document end": BASE + "...\n", "empty document": "---\n", "comment only": "# nothing\n",
        "flow at top": "{id: x, age: 50, lesion: {levels: [T5]}, diagnosis: {histology: chordoma}}\n",
        "unclosed quote": "id: x\nnotes: \"abc\nage: 50\nlesion: {levels: [T5]}\ndiagnosis: {histology: chordoma}\n",
        "unclosed bracket": "id: x\nage: [50\nlesion: {levels: [T5]}\ndiagnosis: {histology: chordoma}\n",
    }
    expect_ok = {"quoted <<": False, "block scalar notes": True, "folded notes": True, "document end": True,
                 "flow at top": True, "directive %YAML 1.1": True, "2000 anchors": True, "alias as key": None}
    said = {"recursive alias seq": "loop", "recursive alias map": "loop", "recursive levels": "loop",
            "unclosed quote": "never closed", "anchor twice": "second time", "1 and true keys": "must be text",
            "number key": "must be text", "duplicate top": "duplicate key"}
    for name, text in docs.items():
        def run(p, name=name, text=text):
            f = w.file(text)
            r = spinepath("validate", str(f), cwd=w.dir)
            ok = expect_ok.get(name)
            return judge(r, None if ok is None else (not ok), said=said.get(name), where=str(f))
        probes.append(Probe("1d", name, run, new=name in ("null key", "1.0 and 1 keys", "comment only")))
    return probes


def fam_1e(w: Work) -> list[Probe]:
    probes = []
    for depth in (100, 101, 490, 500, 999, 1000, 5000, 200_000):
        for kind in ("seq", "map"):
            def run(p, depth=depth, kind=kind):
                inner = "[" * depth + "]" * depth if kind == "seq" else "{a: " * depth + "1" + "}" * depth
                f = w.file(BASE + f"notes: {inner}\n")
                r = spinepath("validate", str(f), cwd=w.dir)
                return judge(r, True, where=str(f))
            probes.append(Probe("1e", f"{kind} nested {depth}", run))
    bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" \
           "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    lists = {
        "alias bomb 10^5": (bomb, True, "alias"), "alias chain 100": (BASE + "notes: " + "".join(f"&a{i} [" for i in range(100)) + "]" * 100 + "\n", True, None),
        "50,001 plain items": (BASE.replace("{levels: [T5]}", "{levels: [T5]}") + "staging: {workup_done: [" + ", ".join(["ct_chest"] * 50_001) + "]}\n", True, "more than 50,000 values"),
        "30,000 plain items": ((REPRO / "biglist.yaml").read_text() if (REPRO / "biglist.yaml").exists() else BASE, False, None),
        "40,000 aliased sites": (BASE + "x: &s lung\nstaging: {metastasis_sites: [" + ", ".join(["*s"] * 40_000) + "]}\n", True, None),
        "20,000 unknown keys": (BASE + "".join(f"k{i}: 1\n" for i in range(20_000)), True, "unknown key"),
        "20,000 bad levels": (BASE.replace("[T5]", "[" + ", ".join(["T99"] * 20_000) + "]"), True, None),
        "5,000 treatments": (BASE + "history:\n  treatments:\n" + "    - {kind: surgery}\n" * 5000, False, None),
        "20,000 treatments": (BASE + "history:\n  treatments:\n" + "    - {kind: surgery, extent: subtotal}\n" * 20000, True,
                              "more than 50,000 values"),
        "3,200 surgeries": (BASE + "history:\n  treatments:\n" + "    - {kind: surgery, extent: intralesional}\n" * 3200, False, None),
        "exactly 1 MiB": ((BASE + "notes: '").ljust(1024 * 1024 - 2, "x") + "'\n", False, None),
        "1 MiB + 1": ((BASE + "notes: '").ljust(1024 * 1024 - 1, "x") + "'\n", True, "1,048,576 bytes"),
        "10 MiB": ((BASE + "notes: '").ljust(10 * 1024 * 1024, "x") + "'\n", True, "bytes"),
        "1 MiB bad histology": (BASE.replace("chordoma", "x" * (1024 * 1024 - 200)), True, "histology"),
    }
    for name, (text, refuse, said) in lists.items():
        def run(p, text=text, refuse=refuse, said=said, name=name):
            f = w.file(text)
            r = spinepath("validate", str(f), cwd=w.dir, timeout=60)
            outcome = judge(r, refuse, said=said, where=str(f))
            if name == "1 MiB bad histology" and r.seconds > 5:
                return "misleading", f"took {r.seconds:.1f} s"
            if name == "1 MiB bad histology" and len(r.err) > 2000:
                return "misleading", f"message of {len(r.err)} bytes"
            return outcome
        probes.append(Probe("1e", name, run, new=name in ("40,000 aliased sites",)))
    return probes


def fam_1f(w: Work) -> list[Probe]:
    d = w.dir
    probes = []

    def setup_and(cmd: str, make, refuse=True, said=None, where=None, name="", new=False, timeout=10):
        def run(p):
            target = make()
            r = spinepath(cmd, str(target), cwd=d, timeout=timeout)
            return judge(r, refuse, said=said, where=where if where is not None else str(target))
        probes.append(Probe("1f", name, run, new=new))

    def mk(name, text=None):
        def make():
            p = d / name
            if text is not None:
                p.write_bytes(text if isinstance(text, bytes) else text.encode())
            return p
        return make

    setup_and("validate", mk("empty.yaml", ""), said="empty", name="empty file")
    setup_and("validate", mk("blank.yaml", "\n\n  \n"), said="empty", name="blank lines")
    setup_and("validate", mk("png.yaml", b"\x89PNG\r\n\x1a\n\x00\x00"), said="binary", name="binary")

    def folder():
        p = d / "afolder.yaml"
        p.mkdir(exist_ok=True)
        return p
    setup_and("consult", folder, said="directory", name="folder as file")

    def fifo():
        p = d / "fifo.yaml"
        if not p.exists():
            os.mkfifo(p)
        return p
    for cmd in ("validate", "consult", "batch"):
        setup_and(cmd, fifo, said="FIFO", name=f"FIFO ({cmd})")
    for dev in ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/full"):
        setup_and("consult", lambda dev=dev: Path(dev), said="device" if dev != "/dev/null" else None,
                  name=f"{dev}", new=dev == "/dev/full")
    setup_and("consult", lambda: Path("/proc/self/mem"), name="/proc/self/mem")

    def sparse():
        p = d / "sparse.yaml"
        with p.open("wb") as fh:
            fh.truncate(2 * 1024 ** 3)
        return p
    setup_and("validate", sparse, said="bytes", name="sparse 2 GiB")

    def dangling():
        p = d / "dangling.yaml"
        if not p.is_symlink():
            p.symlink_to("nowhere.yaml")
        return p
    setup_and("consult", dangling, said="No such file", name="dangling link")

    def loop():
        a, b = d / "loop-a.yaml", d / "loop-b.yaml"
        if not a.is_symlink():
            a.symlink_to(b.name)
            b.symlink_to(a.name)
        return a
    setup_and("consult", loop, said="symbolic links", name="looping link")
    setup_and("batch", loop, said="symbolic links", name="looping link (batch)", new=True)
    setup_and("validate", mk("new\nline.yaml", BASE.replace("age: 50", "age: x")), said="\\n", name="newline in name",
              where=str(d / "new\\nline.yaml"))
    setup_and("validate", mk("-dash.yaml", BASE), refuse=None, name="leading dash", where="")
    setup_and("validate", lambda: d / ("n" * 300 + ".yaml"), said="too long", name="300-character name")
    setup_and("validate", lambda: d / "empty.yaml" / "x.yaml", said="Not a directory", name="ENOTDIR")

    def unreadable(cmd):
        def run(p):
            f = d / "locked.yaml"
            f.write_text(BASE)
            f.chmod(0)
            r = sh(["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *SPINEPATH, cmd, str(f)], d)
            return judge(r, True, said="Permission denied", where=str(f))
        return run
    for cmd in ("consult", "validate", "batch"):
        probes.append(Probe("1f", f"unreadable file ({cmd})", unreadable(cmd)))

    def no_search(cmd):
        def run(p):
            sub = d / "nosearch"
            sub.mkdir(exist_ok=True)
            (sub / "p.yaml").write_text(BASE)
            sub.chmod(0o600)
            r = sh(["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *SPINEPATH, cmd, str(sub / "p.yaml")], d)
            sub.chmod(0o755)
            return judge(r, True, said="Permission denied", where=str(sub / "p.yaml"))
        return run
    for cmd in ("consult", "validate", "batch"):
        probes.append(Probe("1f", f"folder without search permission ({cmd})", no_search(cmd)))

    def stdin(name, args, feed, refuse, said=None):
        def run(p):
            r = sh([*SPINEPATH, *args], d, input=feed)
            return judge(r, refuse, said=said, ok=lambda r: "chordoma" in r.out or "ok" in r.out)
        probes.append(Probe("1f", name, run, new=True))
    stdin("consult - (stdin)", ["consult", "-", "--format", "json"], BASE, False)
    stdin("validate /dev/stdin (pipe)", ["validate", "/dev/stdin"], BASE, False)
    stdin("consult - with bad input", ["consult", "-"], BASE.replace("age: 50", "age: 020"), True, "leading zero")
    return probes


def fam_1g(w: Work) -> list[Probe]:
    hostile = {
        "ANSI clear in id": ("id", "x\x1b[2J\x1b[31mRED"),
        "OSC in notes": ("notes", "a\x1b]0;title\x07b"),
        "raw HTML in notes": ("notes", "<img src=x onerror=alert(1)></textarea><script>alert(2)</script>"),
        "Markdown heading/link id": ("id", "# H1 | pipe | [x](javascript:alert(1))"),
        "formula id": ("id", '=HYPERLINK("http://x","y")'),
        "plus formula id": ("id", "+1+1"),
        "at formula id": ("id", "@SUM(1)"),
        "NUL in id": ("id", "a\x00b"),
        "backticks in id": ("id", "a`b``c"),
        "bidi override in id": ("id", "safe\u202eexe.yaml"),
        "newline in notes": ("notes", "line\n# Heading"),
        "image markdown notes": ("notes", "![x](http://evil/x.png)"),
        "html entity notes": ("notes", "&lt;script&gt;"),
    }
    probes = []
    for name, (key, value) in hostile.items():
        def run(p, key=key, value=value, name=name):
            import yaml
            doc = {"id": "x", "age": 50, "lesion": {"levels": ["T5"]}, "diagnosis": {"histology": "chordoma"}}
            doc[key] = value
            f = w.file(yaml.safe_dump(doc, allow_unicode=True))
            problems = []
            text = spinepath("consult", str(f), cwd=w.dir)
            md = spinepath("consult", str(f), "--format", "markdown", cwd=w.dir)
            brief_md = spinepath("brief", str(f), "--date", "2026-12-10", cwd=w.dir)
            html_out = w.dir / f"{f.stem}.html"
            brief_html = spinepath("brief", str(f), "--date", "2026-12-10", "-o", str(html_out), cwd=w.dir)
            csv_out = spinepath("batch", str(f), "--format", "csv", cwd=w.dir)
            for r in (text, md, brief_md, brief_html, csv_out):
                if r.code not in (0,):
                    return judge(r, False)
            html = html_out.read_text(encoding="utf-8")
            for label, out in (("text", text.out), ("markdown", md.out), ("brief md", brief_md.out), ("html", html)):
                if "\x1b" in out or "\x00" in out or "\u202e" in out:
                    problems.append(f"control character in {label}")
            for label, out in (("markdown", md.out), ("brief md", brief_md.out)):
                live = re.sub(r"(`+)[^`]*?\1", "", out)  # code spans are literal
                if re.search(r"(?<!\\)<(script|img|/textarea)|(?<!\\)\]\(javascript|(?<!\\)!\[x(?<!\\)\]|^# H1|^# Heading",
                             live, re.M):
                    problems.append(f"live Markdown/HTML in {label}")
            if "<script>" in html or "<img" in html:
                problems.append("raw HTML in the HTML brief")
            import csv
            rows = list(csv.DictReader(io.StringIO(csv_out.out)))
            if any(r["patient_id"][:1] in "=+-@" for r in rows):
                problems.append("formula in CSV")
            return ("misread", "; ".join(problems)) if problems else ("accepted", "")
        probes.append(Probe("1g", name, run, new=name in ("backticks in id", "bidi override in id", "newline in notes",
                                                          "image markdown notes", "html entity notes", "plus formula id",
                                                          "at formula id")))
    return probes


def _bundle(*resources, kind="collection") -> dict:
    return {"resourceType": "Bundle", "type": kind, "entry": [{"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
                                                               "resource": r} for i, r in enumerate(resources)]}


ICDO = "http://terminology.hl7.org/CodeSystem/icd-o-3"
HIST = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"


def _pat(pid="p1", **kw):
    return {"resourceType": "Patient", "id": pid, "identifier": [{"value": pid}], "gender": "male", **kw}


def _cond(cid="c1", subject="Patient/p1", icdo="9370/3", sites=("C5",), **kw):
    r = {"resourceType": "Condition", "id": cid, "subject": {"reference": subject}}
    if icdo:
        r["extension"] = [{"url": HIST, "valueCodeableConcept": {"coding": [{"system": ICDO, "code": icdo}]}}]
    if sites is not None:
        r["bodySite"] = [{"text": s} for s in sites]
    r.update(kw)
    return r


def _age(value=58, code="a", subject="Patient/p1", oid="age", **kw):
    q = {"value": value, "unit": code, "system": "http://unitsofmeasure.org", "code": code}
    if value is None:
        del q["value"]
    r = {"resourceType": "Observation", "id": oid, "status": "final", "subject": {"reference": subject},
         "code": {"coding": [{"system": "http://loinc.org", "code": "30525-0"}]}, "valueQuantity": q}
    r.update(kw)
    return r


def _field(path, value_string, subject="Patient/p1", oid=None):
    return {"resourceType": "Observation", "id": oid or ("f-" + re.sub(r"[^A-Za-z0-9]", "-", path))[:60], "status": "final",
            "subject": {"reference": subject},
            "code": {"coding": [{"system": "urn:spinepath:field", "code": path}]}, "valueString": value_string}


def fam_2(w: Work) -> list[Probe]:
    """FHIR import: each case is refused at a JSON path, or gives exactly the patient the bundle describes."""
    good = _bundle(_pat(), _cond(), _age())
    cases: dict[str, tuple] = {
        # name: (bundle or raw text, args, expectation: None=refuse, dict=fields that must hold, said)
        "good": (good, [], {"id": "p1", "age": 58, "lesion.levels": ["C5"], "diagnosis.histology": "chordoma"}, None),
        "not JSON": ("{not json", [], None, "not JSON"), "empty file": ("", [], None, "not JSON"),
        "JSON array": ("[]", [], None, "Bundle"), "bare Patient": (_pat(), [], None, "Bundle"),
        "YAML": ("resourceType: Bundle\n", [], None, "not JSON"), "truncated": (json.dumps(good)[:-20], [], None, "not JSON"),
        "NaN": (json.dumps(good).replace("58", "NaN"), [], None, "not JSON"),
        "4301-digit number": (json.dumps(good).replace("58", "9" * 4301), [], None, "digits"),
        "deep arrays": ('{"resourceType": "Bundle", "type": "collection", "x": ' + "[" * 3000 + "]" * 3000 + "}", [], None, "nested"),
        "deep extension 400": (_bundle(_pat(extension=json.loads('{"url": "u", "extension": [' * 0 + '{"url": "u"}'))), [], None, None),
        "resourceType 5": (_bundle(_pat(), {"resourceType": 5}), [], None, "resource type"),
        "unknown type Basicc": (_bundle(_pat(), {"resourceType": "Basicc", "id": "x"}), [], None, "not a FHIR R4 resource type"),
        "Bundle type bogus": ({**good, "type": "bogus"}, [], None, "Bundle.type"),
        "no Patient": (_bundle(_cond()), [], None, "no Patient"),
        "two patients": (_bundle(_pat("p0"), _pat("p1"), _cond(), _age()), [], None, "2 patients"),
        "two patients --patient p1": (_bundle(_pat("p0", gender="female"), _pat("p1"), _cond(), _age()), ["--patient", "p1"],
                                      {"id": "p1", "sex": "male", "lesion.levels": ["C5"]}, None),
        "--patient unknown": (_bundle(_pat("p0"), _pat("p1"), _cond(), _age()), ["--patient", "p9"], None, "--patient"),
        "condition of other patient": (_bundle(_pat("p0"), _pat("p1"), _cond(subject="Patient/p0"), _age()), ["--patient", "p1"],
                                       None, "no Condition"),
        "condition without subject": (_bundle(_pat(), {k: v for k, v in _cond().items() if k != "subject"}, _age()), [], None, None),
        "mixup (report)": (json.loads((REPRO / "mixup.json").read_text()) if (REPRO / "mixup.json").exists() else good, [], None, "patients"),
        "conflicting conditions": (_bundle(_pat(), _cond("c1"), _cond("c2", icdo="9220/3", sites=("S1",)), _age()), [], None,
                                   "different tumours"),
        "conflicting --condition c2": (_bundle(_pat(), _cond("c1"), _cond("c2", icdo="9220/3", sites=("S1",)), _age()),
                                       ["--condition", "c2"], {"diagnosis.histology": "chondrosarcoma", "lesion.levels": ["S1"]}, None),
        "histology here, level there": (_bundle(_pat(), _cond("c1", sites=()), _cond("c2", icdo=None, sites=("S1",)), _age()),
                                        [], None, "different tumours"),
        "same tumour twice": (_bundle(_pat(), _cond("c1"), _cond("c2"), _age()), [], {"lesion.levels": ["C5"]}, None),
        "age 30 mo": (_bundle(_pat(), _cond(), _age(30, "mo")), [], {"age": 2}, None),
        "age 100 wk": (_bundle(_pat(), _cond(), _age(100, "wk")), [], {"age": 1}, None),
        "age 730 d (ambiguous)": (_bundle(_pat(), _cond(), _age(730, "d")), [], None, "depending on the birth date"),
        "age 41.9 a": (_bundle(_pat(), _cond(), _age(41.9, "a")), [], {"age": 41}, None),
        "age in h": (_bundle(_pat(), _cond(), _age(30, "h")), [], {"age": 0}, None),
        "age in s": (_bundle(_pat(), _cond(), _age(30, "s")), [], None, "unit"),
        "age without value": (_bundle(_pat(), _cond(), _age(None)), [], None, "without a value"),
        "age negative": (_bundle(_pat(), _cond(), _age(-3)), [], None, "negative"),
        "age 250": (_bundle(_pat(), _cond(), _age(250)), [], None, "120"),
        "two ages disagree": (_bundle(_pat(), _cond(), _age(58), _age(60, oid="age2")), [], None, "twice"),
        "birthDate only": (_bundle(_pat(birthDate="1970-06-15"), _cond()), [], None, "--as-of"),
        "birthDate --as-of 2020-01-01": (_bundle(_pat(birthDate="1970-06-15"), _cond()), ["--as-of", "2020-01-01"], {"age": 49}, None),
        "--as-of 20200101": (_bundle(_pat(birthDate="1970-06-15"), _cond()), ["--as-of", "20200101"], None, "YYYY-MM-DD"),
        "--as-of yesterday": (_bundle(_pat(birthDate="1970-06-15"), _cond()), ["--as-of", "yesterday"], None, "YYYY-MM-DD"),
        "--as-of before birth": (_bundle(_pat(birthDate="1970-06-15"), _cond()), ["--as-of", "1950-01-01"], None, "before the birth"),
        "--as-of 2020-02-30": (_bundle(_pat(birthDate="1970-06-15"), _cond()), ["--as-of", "2020-02-30"], None, "YYYY-MM-DD"),
        "birth year only": (_bundle(_pat(birthDate="1970"), _cond()), ["--as-of", "2020-01-01"], None, "49 or 50"),
        "birthDate + onset": (_bundle(_pat(birthDate="1970-06-15"), _cond(onsetDateTime="2019-04-01T10:00:00Z")), [], {"age": 48}, None),
        "injected bodySite text": (json.loads((REPRO / "inject.json").read_text()) if (REPRO / "inject.json").exists() else good, [],
                                   {"lesion.levels": ["C5"], "preferences": None}, None),
        "multi-line bodySite": (_bundle(_pat(), _cond(sites=("C5", "Vertebral body\nposterior elements")), _age()), [], {"lesion.levels": ["C5"]}, None),
        "ESC in bodySite": (_bundle(_pat(), _cond(sites=("C5", "x\x1b[2Jy")), _age()), [], {"lesion.levels": ["C5"]}, None),
        "bodySite text 'Sacrum S2-S3'": (_bundle(_pat(), _cond(sites=("Sacrum S2-S3",)), _age()), [], None, "vertebral level"),
        "SNOMED level code": (_bundle(_pat(), _cond(sites=None, bodySite=[{"coding": [{"system": "http://snomed.info/sct", "code": "67479001"}]}]), _age()),
                              [], {"lesion.levels": ["C5"]}, None),
        "SNOMED region code": (_bundle(_pat(), _cond(sites=None, bodySite=[{"coding": [{"system": "http://snomed.info/sct", "code": "73903008"}]}]), _age()),
                               [], None, "vertebral level"),
        "SNOMED-coded chordoma (P7)": (_bundle(_pat(), _cond(icdo=None, sites=("S2",), code={"coding": [{"system": "http://snomed.info/sct", "code": "447951002"}],
                                       "text": "Chordoma of sacrum"}, meta={"profile": ["http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition"]}), _age()),
                                       [], {"diagnosis.histology": "unknown", "#": "NOT READ"}, None),
        "two histologies in one": (_bundle(_pat(), _cond(extension=[{"url": HIST, "valueCodeableConcept": {"coding": [{"system": ICDO, "code": "9370/3"}, {"system": ICDO, "code": "9220/3"}]}}]), _age()),
                                   [], None, "more than one histology"),
        "own field null": (json.loads((REPRO / "own-null.json").read_text()) if (REPRO / "own-null.json").exists() else good, [], None, None),
        "own field notes null": (_bundle(_pat(), _cond(), _age(), _field("notes", "null")), [], {"notes": None}, None),
        "own field nested list": (_bundle(_pat(), _cond(), _age(), _field("staging.metastasis_sites", '[["lung"]]')), [], None, "metastasis_sites"),
        "own field list with null": (_bundle(_pat(), _cond(), _age(), _field("staging.metastasis_sites", '["lung", null]')), [], None, None),
        "own field not JSON": (_bundle(_pat(), _cond(), _age(), _field("notes", "{bad")), [], None, "not JSON"),
        "own field treatments mix": (_bundle(_pat(), _cond(), _age(), _field("history.treatments", '[{"kind":"surgery"}, 5]')), [], None, None),
        "own field unknown path": (_bundle(_pat(), _cond(), _age(), _field("preferences:\n  x", "true")), [], None, None),
        "own field not a field": (_bundle(_pat(), _cond(), _age(), _field("preferences.x", "true")), [], {"preferences": None}, None),
        "own field key injection": (_bundle(_pat(), _cond(), _age(), _field("notes", json.dumps("a\npreferences:\n  declines_surgery: true"))),
                                    [], {"preferences": None}, None),
        "own field twice, different": (_bundle(_pat(), _cond(), _age(), _field("notes", '"a"', oid="n1"), _field("notes", '"b"', oid="n2")),
                                       [], None, "twice"),
        "own field size 1e-05": (_bundle(_pat(), _cond(), _age(), _field("lesion.size_cm", "1e-05")), [], {"lesion.size_cm": 1e-05}, None),
        "duplicate JSON key": (json.dumps(good)[:-1] + ', "type": "batch"}', [], None, "twice"),
        "observation entered-in-error": (_bundle(_pat(), _cond(), _age(), _age(99, oid="age2", status="entered-in-error")), [], {"age": 58}, None),
        "procedure not-done": (_bundle(_pat(), _cond(), _age(), {"resourceType": "Procedure", "id": "pr", "status": "not-done",
                               "subject": {"reference": "Patient/p1"}, "code": {"coding": [{"system": "urn:spinepath:treatment-kind", "code": "radiotherapy"}]}}),
                               [], {"history": None}, None),
        "performedDateTime with time": (_bundle(_pat(), _cond(), _age(), {"resourceType": "Procedure", "id": "pr", "status": "completed",
                                        "subject": {"reference": "Patient/p1"}, "performedDateTime": "2019-04-01T10:00:00+02:00",
                                        "code": {"coding": [{"system": "urn:spinepath:treatment-kind", "code": "surgery"}]}}),
                                        [], {"history.treatments": [{"kind": "surgery", "date": "2019-04-01"}]}, None),
        "refuted condition": (_bundle(_pat(), _cond(verificationStatus={"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "refuted"}]}), _age()),
                              [], None, "no Condition"),
        "subject by absolute URL": (_bundle(_pat(), _cond(subject="http://x/fhir/Patient/p1"), _age(subject="http://x/fhir/Patient/p1")), [], {"age": 58, "lesion.levels": ["C5"]}, None),
        "subject by urn:uuid": (_bundle(_pat(), _cond(subject="urn:uuid:00000000-0000-4000-8000-000000000000"),
                                        _age(subject="urn:uuid:00000000-0000-4000-8000-000000000000")), [], {"age": 58}, None),
    }
    new = {"duplicate JSON key", "observation entered-in-error", "procedure not-done", "performedDateTime with time",
           "refuted condition", "subject by absolute URL", "subject by urn:uuid", "own field key injection",
           "own field twice, different", "age 100 wk", "age 730 d (ambiguous)", "age 41.9 a", "age in h", "age in s", "two ages disagree",
           "birth year only", "--as-of 2020-02-30", "histology here, level there", "same tumour twice", "SNOMED level code",
           "SNOMED region code", "two histologies in one", "ESC in bodySite", "own field not a field"}
    probes = []
    for name, (bundle, args, want, said) in cases.items():
        def run(p, bundle=bundle, args=args, want=want, said=said, name=name):
            f = w.dir / f"b{abs(hash(name)) % 10**8}.json"
            f.write_text(bundle if isinstance(bundle, str) else json.dumps(bundle), encoding="utf-8")
            r = spinepath("import", "fhir", str(f), *args, cwd=w.dir)
            if want is None:
                return judge(r, True if said else None, said=said, where=None if args else str(f))
            def ok(r):
                import yaml
                try:
                    doc = yaml.safe_load(r.out)
                except yaml.YAMLError:
                    return False
                for k, v in want.items():
                    if k == "#":
                        if v not in r.out:
                            return False
                    elif leaf(doc, k) != v:
                        return False
                return True
            return judge(r, False, ok=ok)
        probes.append(Probe("2", name, run, new=name in new))
    # real-world bundles, read from where the probe keeps them (not part of the project)
    real = Path(os.environ.get("SPINEPATH_REAL_FHIR", "/tmp/realfhir"))
    for f in sorted(real.rglob("*.json")) if real.exists() else []:
        def run(p, f=f):
            r = spinepath("import", "fhir", str(f), cwd=w.dir, timeout=60)
            return judge(r, None, where=str(f))
        probes.append(Probe("2", f"real: {f.name}", run))

    def fifo(p):
        q = w.dir / "fifo.json"
        if not q.exists():
            os.mkfifo(q)
        return judge(spinepath("import", "fhir", str(q), cwd=w.dir), True, said="FIFO", where=str(q))
    probes.append(Probe("2", "FIFO", fifo))
    return probes


def fam_3(w: Work) -> list[Probe]:
    base = w.file(BASE, "base.yaml")
    sins = ["lesion.sins.total=3", "lesion.sins.location=junctional", "lesion.sins.pain=mechanical",
            "lesion.sins.bone_lesion=lytic", "lesion.sins.alignment=subluxation", "lesion.sins.collapse=over_50",
            "lesion.sins.posterolateral=bilateral"]
    cases = [
        (["age="], True), (["="], True), (["age=4=1"], True), (["notes=a=b"], True), (["age=41"], False),
        (["age=٤١"], None), (["age=４１"], None), (["age=250"], True), (["age=NaN"], True), (["age=inf"], True),
        (["age=1e400"], True), (["age=-0"], False), (["lesion.levels.0=C5"], True), (["lesion.levels[0]=C5"], True),
        (["history.treatments.0.extent=wide_en_bloc"], True), (["derived.pediatric=true"], True), (["id=y"], True),
        (["notes=x"], True), (["format=x"], True), (["preferences.declines_surgery=yes"], None),
        (["preferences.declines_surgery=TRUE"], None), (["preferences.declines_surgery=1"], None),
        (["staging.workup_done=ct_chest,ct_chest"], None), (["age=41", "age=42"], None),
        (["diagnosis.subtype=conventional", "diagnosis.histology=chondrosarcoma"], None),
        (["diagnosis.histology=chondrosarcoma", "diagnosis.subtype=conventional"], False),
        (["lesion.levels=C5,C5"], True), (["lesion.levels=[L1,L2]"], True), (["age=\x1b[31m41"], True),
        (["a\u202eb=1"], True), (["lesion.levels=C5\nT1"], True), (sins, True),
        (["diagnosis.histology=" + "x" * 100_000], True),
    ]
    probes = []
    for sets, refuse in cases:
        def run(p, sets=sets, refuse=refuse):
            args = [a for s in sets for a in ("--set", s)]
            r = spinepath("whatif", str(base), *args, cwd=w.dir, timeout=30)
            out = judge(r, refuse)
            if r.code is not None and r.seconds > 5:
                return "misleading", f"took {r.seconds:.1f} s"
            return out
        probes.append(Probe("3", " ".join(s[:30] for s in sets)[:60], run))
    return probes


def fam_4(w: Work) -> list[Probe]:
    """-o: a failed write leaves the old file whole; an input is never overwritten; batch never reads its output."""
    d = w.dir
    seed = ROOT / "examples" / "seeds" / "cervical-chondrosarcoma-recurrence.yaml"
    probes = []

    def case(name, make, args_of, refuse, check=None, said=None, limit_fsize=None, new=False):
        def run(p):
            ctx = make()
            pre = None
            if limit_fsize is not None:
                import resource
                pre = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit_fsize, limit_fsize))  # noqa: E731
            r = sh([*SPINEPATH, *args_of(ctx)], d, preexec=pre)
            lost = check(ctx) if check else None
            if lost:
                return "data loss", lost
            return judge(r, refuse, said=said)
        probes.append(Probe("4", name, run, new=new))

    def patient_copy(name):
        def make():
            f = d / name
            shutil.copy(seed, f)
            return {"f": f, "before": f.read_bytes()}
        return make

    def kept(ctx):
        return None if ctx["f"].read_bytes() == ctx["before"] else f"{ctx['f'].name} changed"
    case("-o missing folder", lambda: {}, lambda c: ["export", "fhir", str(seed), "-o", str(d / "no/such/x.json")], True, said="folder")
    case("-o a directory", lambda: {}, lambda c: ["export", "fhir", str(seed), "-o", str(d)], True, said="folder")

    def ro():
        q = d / "ro"
        q.mkdir(exist_ok=True)
        q.chmod(0o555)
        return {"q": q}
    case("-o read-only folder", ro, lambda c: ["setpriv", "--bounding-set", "-dac_override"][0:0] + ["export", "fhir", str(seed), "-o", str(c["q"] / "x.json")],
         None)
    case("export -o onto its input", patient_copy("e.yaml"), lambda c: ["export", "fhir", str(c["f"]), "-o", str(c["f"])], True,
         kept, said="also an input")

    def bundle_copy():
        f = d / "b.json"
        r = spinepath("export", "fhir", str(seed), cwd=d)
        f.write_text(r.out)
        return {"f": f, "before": f.read_bytes()}
    case("import -o onto its input", bundle_copy, lambda c: ["import", "fhir", str(c["f"]), "-o", str(c["f"])], True, kept,
         said="also an input")
    case("brief -o onto its input (.md patient)", patient_copy("q.md"), lambda c: ["brief", str(c["f"]), "-o", str(c["f"])], True,
         kept, said="also an input")
    case("batch -o onto an input", patient_copy("in1.yaml"), lambda c: ["batch", str(c["f"]), "-o", str(c["f"])], True, kept,
         said="also an input", new=True)

    def folder_with_output():
        q = d / "cohort"
        shutil.rmtree(q, ignore_errors=True)
        q.mkdir()
        for i in range(3):
            shutil.copy(seed, q / f"p{i}.yaml")
        return {"q": q, "before": {p.name: p.read_bytes() for p in q.iterdir()}}

    def folder_kept(ctx):
        for name, data in ctx["before"].items():
            if (ctx["q"] / name).read_bytes() != data:
                return f"{name} changed"
        return None
    case("batch -o inside the input folder (.yaml)", folder_with_output,
         lambda c: ["batch", str(c["q"]), "-o", str(c["q"] / "p1.yaml")], True, folder_kept, said="also an input")

    def rerun():
        ctx = folder_with_output()
        sh([*SPINEPATH, "batch", str(ctx["q"]), "-o", str(ctx["q"] / "results.yaml")], d)
        ctx["before"] = {p.name: p.read_bytes() for p in ctx["q"].iterdir()}
        return ctx
    case("batch run twice with -o results.yaml in the folder", rerun,
         lambda c: ["batch", str(c["q"]), "-o", str(c["q"] / "results.yaml")], False,
         lambda c: None if all(json.loads(line).get("format") for line in (c["q"] / "results.yaml").read_text().splitlines()) else "results read as a patient")

    def big_existing(name, make_cmd):
        def make():
            f = d / name
            f.write_bytes(b"old content that must survive\n" * 3000)
            return {"f": f, "before": f.read_bytes()}
        return make
    case("brief -o existing under ulimit -f 16 KiB", big_existing("big.html", None),
         lambda c: ["brief", str(seed), "--date", "2026-12-10", "-o", str(c["f"])], True, kept, limit_fsize=16384)
    case("export -o existing under ulimit -f 4 KiB", big_existing("exp.json", None),
         lambda c: ["export", "fhir", str(seed), "-o", str(c["f"])], True, kept, limit_fsize=4096)
    case("batch -o existing under ulimit -f 64 KiB", big_existing("res.jsonl", None),
         lambda c: ["batch", str(ROOT / "examples" / "seeds"), "-o", str(c["f"])], True, kept, limit_fsize=65536)
    case("batch -o /dev/full", lambda: {}, lambda c: ["batch", str(seed), "-o", "/dev/full"], True, said="No space")
    case("export -o /dev/full", lambda: {}, lambda c: ["export", "fhir", str(seed), "-o", "/dev/full"], True, said="No space")
    case("brief -o /dev/null", lambda: {}, lambda c: ["brief", str(seed), "-o", "/dev/null.md"][:2] + ["--date", "2026-12-10"], False, new=True)
    case("export -o /dev/null", lambda: {}, lambda c: ["export", "fhir", str(seed), "-o", "/dev/null"], False,
         lambda c: None if stat.S_ISCHR(os.stat("/dev/null").st_mode) else "/dev/null replaced", new=True)

    def linked():
        real = d / "real-target.json"
        real.write_text("old\n")
        link = d / "link.json"
        if not link.is_symlink():
            link.symlink_to(real.name)
        return {"link": link, "real": real}
    case("export -o through a symlink", linked, lambda c: ["export", "fhir", str(seed), "-o", str(c["link"])], False,
         lambda c: None if c["link"].is_symlink() and c["real"].read_text().startswith("{") else "link replaced", new=True)

    def keeps_mode():
        f = d / "mode.json"
        f.write_text("old\n")
        f.chmod(0o640)
        return {"f": f}
    case("export -o keeps the file's permissions", keeps_mode, lambda c: ["export", "fhir", str(seed), "-o", str(c["f"])], False,
         lambda c: None if stat.S_IMODE(os.stat(c["f"]).st_mode) == 0o640 else "mode changed", new=True)
    case("synth 10^20", lambda: {}, lambda c: ["synth", "99999999999999999999", "-o", str(d / "z")], True,
         lambda c: "files written" if (d / "z").exists() and any((d / "z").iterdir()) else None)
    case("synth 10000000", lambda: {}, lambda c: ["synth", "10000000", "-o", str(d / "z2")], True,
         lambda c: "files written" if (d / "z2").exists() and any((d / "z2").iterdir()) else None)
    case("synth onto a file", lambda: {"f": (d / "afile").write_text("x")}, lambda c: ["synth", "2", "-o", str(d / "afile")], True)
    return probes


def fam_5(w: Work) -> list[Probe]:
    d = w.dir
    probes = []
    big = d / "big"
    if not big.exists():
        sh([*SPINEPATH, "synth", "300", "-o", str(big), "--seed", "7"], d)
    full = d / "full.jsonl"
    if not full.exists():
        sh([*SPINEPATH, "batch", str(big), "--jobs", "2", "-o", str(full)], d, timeout=300)

    def same_jobs(fmt):
        def run(p):
            outs = []
            for jobs in ("1", "2", "0"):
                r = sh([*SPINEPATH, "batch", str(big / "synth-0000*.yaml"), "--format", fmt, "--jobs", jobs], d, timeout=120)
                if r.code != 0:
                    return judge(r, False)
                outs.append(r.out)
            return ("accepted", "") if len(set(outs)) == 1 else ("misread", "outputs differ across --jobs")
        return run
    for fmt in ("jsonl", "csv", "fhir-ndjson"):
        probes.append(Probe("5", f"--jobs 1/2/0 same bytes ({fmt})", same_jobs(fmt)))

    def interrupted(sig_name, twice=False, jobs="2", fmt="jsonl"):
        def run(p):
            out = d / f"part-{sig_name}-{jobs}-{fmt}.out"
            for f in (out, Path(str(out) + ".partial")):
                f.unlink(missing_ok=True)
            sig = getattr(signal, "SIG" + sig_name)
            proc = subprocess.Popen([*SPINEPATH, "batch", str(big), "--jobs", jobs, "--format", fmt, "-o", str(out)],
                                    cwd=d, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
            time.sleep(4)
            proc.send_signal(sig)
            if twice:
                time.sleep(0.05)
                proc.send_signal(sig)
            try:
                err = proc.communicate(timeout=20)[1].decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                proc.kill()
                return "hang", "did not stop"
            time.sleep(1)
            left = subprocess.run(["pgrep", "-f", f"batch {big}"], capture_output=True, text=True).stdout.split()
            if left:
                for pid in left:
                    with contextlib.suppress(OSError):
                        os.kill(int(pid), signal.SIGKILL)
                return "orphan", f"{len(left)} processes left"
            if "Traceback" in err:
                return "traceback", err.strip().splitlines()[-1]
            want = {"INT": 130, "TERM": 143, "KILL": -9}[sig_name]
            if proc.returncode != want:
                return "misread", f"exit {proc.returncode}, wanted {want}"
            if sig_name != "KILL" and "interrupted:" not in err:
                return "misleading", "no 'interrupted: N of M' line"
            partial = Path(str(out) + ".partial")
            if not partial.exists():
                return "data loss", "no partial output kept"
            if fmt == "csv":
                return "accepted", ""
            r = sh([*SPINEPATH, "batch", str(big), "--jobs", jobs, "-o", str(out), "--resume"], d, timeout=300)
            if r.code != 0:
                return judge(r, False)
            return ("accepted", "") if out.read_bytes() == full.read_bytes() else ("data loss", "resumed output differs")
        return run
    for sig_name, twice, jobs, fmt in (("INT", False, "2", "jsonl"), ("INT", True, "2", "jsonl"), ("TERM", False, "2", "jsonl"),
                                       ("KILL", False, "2", "jsonl"), ("INT", False, "1", "jsonl"), ("TERM", False, "1", "jsonl"),
                                       ("KILL", False, "2", "csv"), ("TERM", False, "1", "csv")):
        probes.append(Probe("5", f"SIG{sig_name}{' twice' if twice else ''} --jobs {jobs} {fmt}",
                            interrupted(sig_name, twice, jobs, fmt), new=twice or fmt == "csv"))

    def walk(p):
        c = d / "walk"
        shutil.rmtree(c, ignore_errors=True)
        sh([*SPINEPATH, "synth", "4", "-o", str(c)], d)
        (c / "sub").mkdir()
        shutil.copy(c / "synth-00002.yaml", c / "sub" / "in-sub.yaml")
        (c / "locked").mkdir()
        shutil.copy(c / "synth-00003.yaml", c / "locked" / "in-locked.yaml")
        (c / "locked").chmod(0)
        (c / "selfloop").symlink_to(".")
        (c / "loop-a.yaml").symlink_to("loop-b.yaml")
        (c / "loop-b.yaml").symlink_to("loop-a.yaml")
        (c / "dangling.yaml").symlink_to("nowhere.yaml")
        os.mkfifo(c / "fifo.yaml")
        (c / "zero.yaml").symlink_to("/dev/zero")
        (c / "alias-of-1.yaml").symlink_to("synth-00001.yaml")
        r = sh(["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *SPINEPATH, "batch", str(c)], d, timeout=60)
        (c / "locked").chmod(0o755)
        if r.code is None:
            return "hang", ""
        records = [json.loads(line) for line in r.out.splitlines()]
        ids = [x.get("patient_id") for x in records if "patient_id" in x]
        failed = [x["file"] for x in records if "errors" in x]
        problems = []
        if ids.count("synth-0-1") != 1:
            problems.append(f"synth-00001 consulted {ids.count('synth-0-1')} times")
        if not any("locked" in f for f in failed):
            problems.append("unreadable folder dropped silently")
        for name in ("dangling.yaml", "fifo.yaml", "loop-a.yaml", "zero.yaml"):
            if not any(name in f for f in failed):
                problems.append(f"{name} dropped silently")
        if r.code != 3:
            problems.append(f"exit {r.code}")
        return ("data loss", "; ".join(problems)) if problems else ("accepted", "")
    probes.append(Probe("5", "folder walk: locked, loops, dangling, FIFO, device, alias", walk))

    def latin1(fmt, where):
        def run(p):
            c = d / f"l1-{fmt}-{where}"
            shutil.rmtree(c, ignore_errors=True)
            sh([*SPINEPATH, "synth", "4", "-o", str(c)], d)
            name = os.fsencode(str(c)) + b"/synth-00002-M\xfcller.yaml"
            if where == "good":
                shutil.copy(c / "synth-00003.yaml", os.fsdecode(name))
            else:
                with open(name, "wb") as fh:
                    fh.write(b"x: [")
            if fmt == "board":
                out = c.parent / f"board-{where}.html"
                r = sh([*SPINEPATH, "board", str(c), "-o", str(out), "--date", "2026-12-10"], d, timeout=120)
                if r.code not in (0, 3) or not out.exists() or out.stat().st_size == 0:
                    return judge(r, False)
                return "accepted", ""
            r = sh([*SPINEPATH, "batch", str(c), "--format", fmt], d, timeout=120)
            lines = [line for line in r.out.splitlines() if line.strip()]
            want = 5 + (1 if fmt == "csv" else 0)
            if r.code not in (0, 3):
                return judge(r, False)
            if fmt != "csv" and len(lines) != 5:
                return "data loss", f"{len(lines)} of 5 records"
            if fmt == "csv" and len({line.split(",")[0] for line in lines[1:]}) != 5:
                return "data loss", "a file is missing from the csv"
            return "accepted", ""
        return run
    for fmt in ("jsonl", "csv", "fhir-ndjson", "board"):
        for where in ("bad", "good"):
            probes.append(Probe("5", f"non-UTF-8 name ({where} file) {fmt}", latin1(fmt, where)))

    def deep_tree(p):
        c = d / "deep"
        shutil.rmtree(c, ignore_errors=True)
        c.mkdir()
        q = c
        for _ in range(1100):  # os.makedirs recurses
            q = q / "d"
            q.mkdir()
        shutil.copy(ROOT / "examples" / "seeds" / "cervical-chondrosarcoma-recurrence.yaml", c / "top.yaml")
        r = sh([*SPINEPATH, "validate", str(c)], d, timeout=60)
        while q != c:
            q.rmdir()
            q = q.parent
        return judge(r, False, ok=lambda r: "top.yaml: ok" in r.out)
    probes.append(Probe("5", "1,100-level folder tree", deep_tree))

    def named_thrice(p):
        seed = ROOT / "examples" / "seeds" / "cervical-chondrosarcoma-recurrence.yaml"
        r = sh([*SPINEPATH, "batch", str(seed), str(seed), "./" + os.path.relpath(seed, d)], d)
        return judge(r, False, ok=lambda r: len(r.out.splitlines()) == 1)
    probes.append(Probe("5", "the same file named three ways", named_thrice))

    def resume_changed(p):
        c = d / "rc"
        shutil.rmtree(c, ignore_errors=True)
        sh([*SPINEPATH, "synth", "6", "-o", str(c)], d)
        out = d / "rc.jsonl"
        sh([*SPINEPATH, "batch", str(c), "-o", str(out)], d)
        out.rename(str(out) + ".partial")
        (c / "synth-00002.yaml").write_text((c / "synth-00002.yaml").read_text().replace("id: synth-0-2", "id: other"))
        r = sh([*SPINEPATH, "batch", str(c), "-o", str(out), "--resume"], d)
        return judge(r, True, said="run without --resume")
    probes.append(Probe("5", "--resume after a file changed", resume_changed, new=True))

    def ulimit_n(p):
        import resource
        r = sh([*SPINEPATH, "batch", str(big / "synth-0000*.yaml"), "--jobs", "2"], d,
               preexec=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (8, 8)))
        return judge(r, None)
    probes.append(Probe("5", "ulimit -n 8, --jobs 2", ulimit_n))
    return probes


def fam_6(w: Work) -> list[Probe]:
    seed = ROOT / "examples" / "seeds" / "cervical-chondrosarcoma-recurrence.yaml"
    arts = [["consult", str(seed), "--format", "json"], ["consult", str(seed), "--format", "markdown"],
            ["consult", str(seed), "--all"], ["brief", str(seed), "--date", "2026-12-10"],
            ["whatif", str(seed), "--set", "staging.metastases=none", "--format", "json"], ["export", "fhir", str(seed)]]
    probes = []
    for args in arts:
        def run(p, args=args):
            outs = {sh([*SPINEPATH, *args], w.dir, env={"PYTHONHASHSEED": s, "COLUMNS": "100"}).out
                    for s in ("0", "1", "2", "3", "4242", "random")}
            return ("accepted", "") if len(outs) == 1 else ("misread", f"{len(outs)} different outputs")
        probes.append(Probe("6", " ".join(args[:1] + args[2:])[:50], run))
    return probes


def fam_7(w: Work) -> list[Probe]:
    probes = []
    many = BASE + "history:\n  treatments:\n" + "    - {kind: surgery, extent: intralesional, date: 2011}\n" * 3200
    for name, args, text, limit in (("3,200 surgeries consult", ["consult"], many, 60),
                                    ("3,200 surgeries brief", ["brief", "--date", "2026-12-10"], many, 60),
                                    ("1 MiB bad histology", ["validate"], BASE.replace("chordoma", "x" * (1024 * 1024 - 200)), 5),
                                    ("100k-char subtype", ["validate"], BASE.replace("chordoma", "chordoma, subtype: " + "y" * 100_000), 5)):
        def run(p, args=args, text=text, limit=limit):
            f = w.file(text)
            r = spinepath(args[0], str(f), *args[1:], cwd=w.dir, timeout=120)
            if r.code is None or r.seconds > limit:
                return "hang", f"{r.seconds:.1f} s"
            return judge(r, None)
        probes.append(Probe("7", name, run))
    return probes


def fam_8(w: Work) -> list[Probe]:
    seed = ROOT / "examples" / "seeds" / "cervical-chondrosarcoma-recurrence.yaml"
    probes = []
    envs = [{"NO_COLOR": "1"}, {"TERM": "dumb"}, {"COLUMNS": "0"}, {"COLUMNS": "1"}, {"COLUMNS": "-5"}, {"COLUMNS": "abc"},
            {"COLUMNS": "100000000"}, {"LINES": "0"}, {"LANG": "C"}, {"LC_ALL": "C"}, {"LC_ALL": "POSIX"},
            {"PYTHONIOENCODING": "ascii"}, {"PYTHONIOENCODING": "latin-1"}, {"LC_ALL": "C", "PYTHONUTF8": "0"},
            {"PYTHONWARNINGS": "error"}, {"HOME": None}, {"XDG_CACHE_HOME": "/dev/null"}, {"XDG_CACHE_HOME": ""},
            {"XDG_CACHE_HOME": "relative/path"}, {"SPINEPATH_NO_CACHE": "1"}]
    for env in envs:
        for fmt in ("text", "json"):
            def run(p, env=env, fmt=fmt):
                r = sh([*SPINEPATH, "consult", str(seed), "--format", fmt], w.dir, env=env, timeout=30)
                return judge(r, False, ok=lambda r: "chondrosarcoma" in r.out.lower() or "patient_id" in r.out)
            probes.append(Probe("8", f"{env} {fmt}", run))

    def closed(kind, fmt, expect):
        def run(p):
            redir = {"stdout": ">&-", "stderr": "2>&-", "head": "| head -c 10"}[kind]
            cmd = " ".join([*SPINEPATH, "consult", str(seed), "--format", fmt]) + f" {redir}"
            if kind == "head":
                cmd = "set -o pipefail; " + cmd
            r = sh(["bash", "-c", cmd], w.dir)
            if kind == "head":
                # 141 when the reader left first; 0 when the whole output fitted in the pipe before it left
                return ("accepted", "") if r.code in (0, 141) and r.err == "" else ("misread", f"exit {r.code}, stderr {r.err[:80]!r}")
            return judge(r, expect)
        return run
    for fmt in ("text", "json"):
        probes.append(Probe("8", f"stdout closed {fmt}", closed("stdout", fmt, True)))
        probes.append(Probe("8", f"stderr closed {fmt}", closed("stderr", fmt, False), new=True))
        probes.append(Probe("8", f"| head -c 10 {fmt}", closed("head", fmt, None)))

    def batch_head(p):
        r = sh(["bash", "-c", "set -o pipefail; " + " ".join([*SPINEPATH, "batch", str(ROOT / "examples")]) + " | head -1"], w.dir,
               timeout=120)
        return ("accepted", "") if r.code == 141 and "Traceback" not in r.err else ("misread", f"exit {r.code}")
    probes.append(Probe("8", "batch | head -1", batch_head))
    others = [(["explain", str(seed), "NOPE-1"], True), (["explain", str(seed), "gen-03"], False), (["teach", "nonexistent-case"], True),
              (["teach", "--answers", "x y z", "cervical-chondrosarcoma-recurrence"], None), (["rules", "lint", "/etc"], True),
              (["rules", "test", "/proc/self"], True), (["rules", "list", "/nonexistent"], True), (["schema", "patient"], False),
              (["board", str(seed), "--title", "<script>x</script>", "--date", "2026-12-10"], False),
              (["brief", str(seed), "--date", "20261210"], True), (["brief", str(seed), "--date", "2026-02-30"], True),
              (["batch", str(seed), "--jobs", "1000"], False), (["synth", "0", "-o", str(w.dir / "s0")], True),
              (["consult", "/dev/zero"], True), (["cases"], False), (["--version"], False)]
    for args, refuse in others:
        def run(p, args=args, refuse=refuse):
            r = sh([*SPINEPATH, *args], w.dir, timeout=120)
            if args[0] == "board" and re.search(r"(?<!\\)<script", r.out):
                return "misread", "title not escaped"
            return judge(r, refuse)
        probes.append(Probe("8", " ".join(a if len(a) < 30 else "…" + a[-20:] for a in args), run))

    def future(p):
        f = w.file(BASE + "history:\n  treatments:\n    - {kind: radiotherapy, date: 2027-01, dose_gy: 70}\n"
                          "    - {kind: surgery, date: 2020-01}\n")
        b = sh([*SPINEPATH, "brief", str(f), "--date", "2026-12-10"], w.dir)
        v = sh([*SPINEPATH, "validate", str(f)], w.dir)
        if "warning" not in v.err:
            return "misleading", "no warning for the order"
        return judge(b, True, said="after the board date", where=str(f))
    probes.append(Probe("8", "treatment after --date, out of order (NEWCOMER P2)", future))
    return probes


def fam_9(w: Work) -> list[Probe]:
    probes = []

    def batch_600(p):
        c = w.dir / "fuzz"
        shutil.rmtree(c, ignore_errors=True)
        sh([*SPINEPATH, "synth", "600", "-o", str(c), "--seed", "99"], w.dir, timeout=120)
        r = sh([*SPINEPATH, "batch", str(c), "--jobs", "2"], w.dir, timeout=600)
        return judge(r, False, ok=lambda r: len(r.out.splitlines()) == 600)
    probes.append(Probe("9", "600 random valid patients", batch_600))

    def round_trips(p):
        code = ("from spinepath.cohort import synth\nfrom spinepath.interop.fhir_patient import export_bundle\n"
                "from spinepath.interop.fhir_import import import_bundle\nfrom spinepath.load.yamlsafe import load_text\n"
                "from spinepath.load.patient import Patient\nimport json\nbad=0\n"
                "for i in range(1, 31):\n  doc = load_text('x', synth.patient_text(123, i))\n"
                "  back = import_bundle(json.loads(json.dumps(export_bundle(doc.data))))\n"
                "  bad += Patient.model_validate(back.doc) != Patient.model_validate(doc.data)\nprint(bad)")
        r = sh([sys.executable, "-c", code], w.dir, timeout=300)
        return ("accepted", "") if r.out.strip() == "0" else ("misread", r.out.strip() + r.err[-200:])
    probes.append(Probe("9", "30 export→import round trips", round_trips))
    return probes


MAKERS = {"1a": fam_1a, "1b": fam_1b, "1c": fam_1c, "1d": fam_1d, "1e": fam_1e, "1f": fam_1f, "1g": fam_1g, "2": fam_2,
          "3": fam_3, "4": fam_4, "5": fam_5, "6": fam_6, "7": fam_7, "8": fam_8, "9": fam_9}


def run_all(families: list[str], jobs: int, listing: bool) -> dict[str, list[Ran]]:
    from concurrent.futures import ThreadPoolExecutor
    root = Path(tempfile.mkdtemp(prefix="spinepath-probe-"))
    results: dict[str, list[Ran]] = defaultdict(list)
    try:
        for fam in families:
            w = Work(root, fam)
            probes = MAKERS[fam](w)
            serial = fam in ("5", "4", "1f")  # signals, limits and shared files: one at a time

            def one(p: Probe) -> Ran:
                start = time.monotonic()
                try:
                    outcome, detail = p.run(p)
                except Exception as exc:  # the probe itself broke: count it so that it is seen
                    outcome, detail = "internal", f"probe error {type(exc).__name__}: {exc}"
                return Ran(p, outcome, detail, time.monotonic() - start)
            if serial or jobs <= 1:
                ran = [one(p) for p in probes]
            else:
                with ThreadPoolExecutor(jobs) as pool:
                    ran = list(pool.map(one, probes))
            results[fam] = ran
            if listing:
                for r in ran:
                    print(f"{fam:>3} {'new ' if r.probe.new else '    '}{r.outcome:<10} {r.probe.name[:70]!s:<70} {r.detail[:120]}")
            sys.stdout.flush()
    finally:
        for p in root.rglob("*"):
            with contextlib.suppress(OSError):
                if p.is_dir() and not p.is_symlink():
                    p.chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)
    return results


def table(results: dict[str, list[Ran]]) -> str:
    head = "| family | tried | new | " + " | ".join(OUTCOMES) + " |"
    lines = [head, "|" + "---|" * (len(OUTCOMES) + 3)]
    total = Counter()
    new_total = 0
    for fam, ran in results.items():
        c = Counter(r.outcome for r in ran)
        new = sum(r.probe.new for r in ran)
        new_total += new
        total.update(c)
        total["tried"] += len(ran)
        lines.append(f"| {fam} {FAMILIES[fam]} | {len(ran)} | {new} | " + " | ".join(str(c[o]) for o in OUTCOMES) + " |")
    lines.append(f"| **all** | **{total['tried']}** | **{new_total}** | "
                 + " | ".join(f"**{total[o]}**" for o in OUTCOMES) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--family", action="append", choices=list(MAKERS), help="only these families")
    ap.add_argument("--list", action="store_true", help="print every probe and its outcome")
    ap.add_argument("--jobs", type=int, default=2, help="probes at once in the families that allow it")
    args = ap.parse_args()
    results = run_all(args.family or list(MAKERS), args.jobs, args.list)
    print(table(results))
    bad = [(f, r) for f, ran in results.items() for r in ran if r.outcome not in ("refused", "accepted")]
    for fam, r in bad:
        print(f"- {fam} {r.probe.name[:60]}: {r.outcome}: {r.detail[:200]}")


if __name__ == "__main__":
    main()
