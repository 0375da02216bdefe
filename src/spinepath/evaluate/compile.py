"""Rules → durable-rules JSON rulesets.

What the engine note (../shared/notes/durable-rules.md) makes us do here:
- one key per condition object, every pattern starting with t == "patient" (§2, §3.3);
- `not` is pushed down to the leaves (De Morgan), because the engine has no single-fact negation;
  each negated leaf is false on a missing field, so a rule still fires only when it is *true*;
- at most 15 $and/$or per pattern, no empty $and/$or (§5.1);
- few rules per durable ruleset, so that no fact can make more than 64 paths true (§5.2);
- rules that read a derived fact run in a later stratum than the rules deriving it, so chaining is
  bounded and ordered (§4.1).
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..derive.vocabulary import all_fields
from ..load.diagnostics import Diagnostic, InputError
from .presumptions import Presumption, attach as attach_presumptions
from ..load.rule_files import Cond, Rule, Ruleset, default_rules_dir, load_ruleset

MAX_GROUP_OPS = 15
# Simultaneously true alpha paths per durable ruleset. The C core's stack holds 64 (MAX_STACK_SIZE):
# 64 distinct true rules plus the catch-all assert, 65 fail with error 303 (re-measured in
# tests/test_engine.py at the bound). Rules are packed up to it: fewer rulesets, fewer asserts.
PATH_BUDGET = 64


def companion(field: str) -> str:
    """Name of the item count of a list field, needed for `not contains` on an empty list."""
    return "n__" + field.replace(".", "__")


def positive(c: Cond) -> dict:
    if c.op == "all":
        return _group("$and", [positive(ch) for ch in c.children])
    if c.op == "any":
        return _group("$or", [positive(ch) for ch in c.children])
    if c.op == "not":
        return negative(c.children[0])
    f, v = c.field, c.value
    if c.op == "equals":
        return {f: v}
    if c.op == "in":
        return _group("$or", [{f: x} for x in v])
    if c.op in ("lt", "lte", "gt", "gte"):
        return {"$" + c.op: {f: v}}
    if c.op == "contains":
        return {"$iany": {f: {"$i": v}}}
    if c.op == "exists":
        return {"$ex": {f: 1}}
    if c.op == "missing":
        return {"$nex": {f: 1}}
    raise AssertionError(c.op)


_FLIP = {"lt": "$gte", "lte": "$gt", "gt": "$lte", "gte": "$lt"}


def negative(c: Cond) -> dict:
    """A test that is true exactly when c is definitely false (never on a missing field)."""
    if c.op == "all":
        return _group("$or", [negative(ch) for ch in c.children])
    if c.op == "any":
        return _group("$and", [negative(ch) for ch in c.children])
    if c.op == "not":
        return positive(c.children[0])
    f, v = c.field, c.value
    if c.op == "equals":
        return {"$neq": {f: v}}
    if c.op == "in":
        return _group("$and", [{"$neq": {f: x}} for x in v])
    if c.op in _FLIP:
        return {_FLIP[c.op]: {f: v}}
    if c.op == "contains":
        return {"$or": [{"$iall": {f: {"$neq": {"$i": v}}}}, {companion(f): 0}]}
    if c.op == "exists":
        return {"$nex": {f: 1}}
    if c.op == "missing":
        return {"$ex": {f: 1}}
    raise AssertionError(c.op)


def _group(op: str, items: list[dict]) -> dict:
    return items[0] if len(items) == 1 else {op: items}


def count_groups(expr) -> int:
    if isinstance(expr, dict):
        return sum((1 if k in ("$and", "$or") else 0) + count_groups(v) for k, v in expr.items())
    if isinstance(expr, list):
        return sum(count_groups(x) for x in expr)
    return 0


def _equality_field(expr) -> str | None:
    """The field of a plain equality test ({"diagnosis.histology": "chordoma"}), else None."""
    if isinstance(expr, dict) and len(expr) == 1:
        (k, v), = expr.items()
        if not k.startswith("$") and not isinstance(v, (dict, list)):
            return k
    return None


def true_paths(expr) -> int:
    """Upper bound on the alpha paths one fact can make true for this test. Equalities of one field with
    different values (an `in`) exclude each other: a fact makes at most one of them true."""
    if isinstance(expr, dict) and len(expr) == 1:
        (k, v), = expr.items()
        if k == "$or":
            fields = {_equality_field(x) for x in v}
            if len(fields) == 1 and None not in fields:
                return 1
            return sum(true_paths(x) for x in v)
        if k == "$and":
            n = 1
            for x in v:
                n *= true_paths(x)
            return n
    return 1


def pattern(expr: dict) -> dict:
    return {"$and": [{"t": "patient"}, expr]}


@dataclass(frozen=True)
class Compiled:
    """Durable rulesets per stratum plus the maps from action names back to rules."""

    strata: tuple[tuple[str, ...], ...]  # per stratum, the durable ruleset names
    definitions: dict  # durable ruleset name -> JSON rules
    actions: dict  # action name -> (kind "hit" | "neg", rule id)
    order: dict  # rule id -> (stratum, position), the deterministic firing order
    needs_negation: frozenset  # rule ids whose definite falsity is computed (they derive facts)


def stratify(ruleset: Ruleset) -> list[list[Rule]]:
    derivers = ruleset.derived_facts
    level: dict[str, int] = {}
    visiting: set[str] = set()
    by_id = {r.id: r for r in ruleset.rules}

    def depth(rule: Rule, chain: tuple) -> int:
        if rule.id in level:
            return level[rule.id]
        if rule.id in visiting:
            cyc = " -> ".join(chain + (rule.id,))
            raise InputError([Diagnostic(rule.file, *rule.pos, "cycle", f"derived facts depend on each other: {cyc}")])
        visiting.add(rule.id)
        d = 0
        for f in rule.fields():
            fact = f.removeprefix("derived.")
            if f.startswith("derived.") and fact in derivers:
                d = max(d, 1 + max(depth(by_id[rid], chain + (rule.id,)) for rid in derivers[fact]))
        visiting.discard(rule.id)
        level[rule.id] = d
        return d

    for r in ruleset.rules:
        depth(r, ())
    strata: list[list[Rule]] = [[] for _ in range(max(level.values(), default=0) + 1)]
    for r in ruleset.rules:  # keeps file order inside a stratum
        strata[level[r.id]].append(r)
    return strata


def compile_ruleset(ruleset: Ruleset) -> Compiled:
    strata = stratify(ruleset)
    deriving = {rid for ids in ruleset.derived_facts.values() for rid in ids}
    definitions: dict = {}
    actions: dict = {}
    order: dict = {}
    names_per_stratum = []
    diags = []
    for s, rules in enumerate(strata):
        units = []  # (rule, action kind, expr)
        for i, rule in enumerate(rules):
            order[rule.id] = (s, i)
            pos = positive(rule.when)
            units.append((rule, "hit", pos))
            if rule.id in deriving:
                units.append((rule, "neg", negative(rule.when)))
        chunks: list[list] = []
        budget = PATH_BUDGET
        for unit in units:
            rule, _, expr = unit
            full = pattern(expr)
            if count_groups(full) > MAX_GROUP_OPS:
                diags.append(Diagnostic(rule.file, *rule.pos, "too-complex",
                                        f"{rule.id}: more than {MAX_GROUP_OPS - 1} all/any/in groups "
                                        "(a limit of the engine): split the rule"))
                continue
            paths = true_paths(expr)
            if not chunks or budget - paths < 0:
                chunks.append([])
                budget = PATH_BUDGET
            chunks[-1].append(unit)
            budget -= paths
        names = []
        for k, chunk in enumerate(chunks):
            name = f"stratum{s}_{k}"
            rules_json = {}
            for rule, kind, expr in chunk:
                action = f"{kind}:{rule.id}"
                actions[action] = (kind, rule.id)
                rules_json[f"{kind} {rule.id}"] = {"all": [{"m": pattern(expr)}], "run": action}
            # A catch-all in every ruleset: a session in which no action ran crashes delete_state (§3.4).
            rules_json["__seen__"] = {"pri": 65535, "all": [{"m": {"t": "patient"}}], "run": "noop"}
            definitions[name] = rules_json
            names.append(name)
        names_per_stratum.append(tuple(names))
    if diags:
        raise InputError(diags)
    return Compiled(tuple(names_per_stratum), definitions, actions, order, frozenset(deriving))


def fresh_definitions(compiled: Compiled) -> dict:
    return copy.deepcopy(compiled.definitions)  # the engine deletes 'run' keys in place (§8.5)


# ------------------------------------------------------------------ cache of the checked, compiled rules
#
# Loading and checking the YAML rules is most of a single consult's start-up. The result is kept as
# JSON (never pickle: nothing in the cache is executed) in the user's cache folder, keyed by a hash
# of every file under the rules folder and of spinepath's own source, and used only from a folder
# and file that this user owns and nobody else can write. A stored entry is decoded and compared
# with the original before it is written, so an entry can only ever give back an equal result.
# Deleting the folder is always safe; SPINEPATH_NO_CACHE=1 turns the cache off.

CACHE_FORMAT = "spinepath-knowledge/1"
_CACHE_ENTRIES = 8  # most recently written entries kept


def cache_dir() -> Path | None:
    if os.environ.get("SPINEPATH_NO_CACHE") or not hasattr(os, "getuid"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "spinepath" if os.path.isabs(base) else None  # no home: no cache


def load_and_compile(root: str | None) -> tuple[Ruleset, Compiled]:
    """load_ruleset + compile_ruleset, from the cache when neither the rules nor the code changed."""
    directory = Path(root) if root is not None else default_rules_dir()
    cache = cache_dir()
    key = _cache_key(directory) if cache is not None and directory.is_dir() else None
    if key is not None:
        hit = _read_entry(cache, key, directory)
        if hit is not None:
            return hit
    ruleset = attach_presumptions(load_ruleset(all_fields(), root))
    compiled = compile_ruleset(ruleset)
    if key is not None and _cache_key(directory) == key:  # the files did not change while we read them
        _write_entry(cache, key, directory, ruleset, compiled)
    return ruleset, compiled


def _cache_key(directory: Path) -> str | None:
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{sys.version_info[:2]}\0{directory}\0".encode())
    code = Path(__file__).parent.parent  # the whole package: any code change invalidates the cache
    try:
        for folder, pattern in ((code, "*.py"), (directory, "*")):
            files = sorted((p.relative_to(folder).as_posix(), p) for p in folder.rglob(pattern) if p.is_file())
            for name, p in files:
                digest.update(name.encode() + b"\0" + p.read_bytes() + b"\0")
    except OSError:  # an unreadable file: no cache, and load_ruleset reports it
        return None
    return digest.hexdigest()


def _private(path: Path) -> bool:
    """Owned by this user and writable by nobody else (a shared cache folder could be poisoned)."""
    st = path.stat()
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _read_entry(cache: Path, key: str, directory: Path) -> tuple[Ruleset, Compiled] | None:
    path = cache / f"knowledge-{key[:40]}.json"
    try:
        if not (_private(cache) and _private(path)):
            return None
        entry = _decode(path.read_text(encoding="utf-8"), directory)
        if entry.get("key") != key:
            return None
        return entry["ruleset"], entry["compiled"]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # no entry, or one that is damaged: load the rules as if there were no cache


def _write_entry(cache: Path, key: str, directory: Path, ruleset: Ruleset, compiled: Compiled) -> None:
    try:
        text = json.dumps({"key": key, "ruleset": _encode(ruleset, directory),
                           "compiled": _encode(compiled, directory)}, ensure_ascii=False)
        back = _decode(text, directory)
        if back["ruleset"] != ruleset or back["compiled"] != compiled:
            return
        cache.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(cache):
            return
        fd, tmp = tempfile.mkstemp(prefix=".knowledge-", suffix=".tmp", dir=cache)
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, cache / f"knowledge-{key[:40]}.json")
        old = sorted(cache.glob("knowledge-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[_CACHE_ENTRIES:]:
            stale.unlink()
    except (OSError, _Uncacheable, TypeError, ValueError, KeyError):
        pass  # the cache is only a speed-up


class _Uncacheable(Exception):
    pass


def _cacheable_types() -> dict:
    from ..load.fields import FieldType
    from ..load.interventions import Intervention
    from ..load.rule_files import Action, Evidence, Fact
    return {c.__name__: c for c in (Rule, Cond, Action, Evidence, Intervention, FieldType, Ruleset, Compiled,
                                          Presumption, Fact)}


def _encode(x, directory: Path):
    """Plain JSON data with tags for what JSON lacks: tuples, frozensets, paths, the dataclasses."""
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    if isinstance(x, list):
        return [_encode(v, directory) for v in x]
    if isinstance(x, tuple):
        return {"@tuple": [_encode(v, directory) for v in x]}
    if isinstance(x, frozenset):
        return {"@frozenset": [_encode(v, directory) for v in x]}
    if isinstance(x, Path):
        return {"@path": x.relative_to(directory).as_posix()} if x.is_relative_to(directory) else {"@abspath": str(x)}
    if isinstance(x, dict):
        if not all(isinstance(k, str) and not k.startswith("@") for k in x):
            raise _Uncacheable("a mapping key that JSON cannot keep")
        return {k: _encode(v, directory) for k, v in x.items()}
    name = type(x).__name__
    if dataclasses.is_dataclass(x) and _cacheable_types().get(name) is type(x):
        out = {"@": name}
        for f in dataclasses.fields(x):
            out[f.name] = _encode(getattr(x, f.name), directory)
        if isinstance(x, (Rule, Presumption)):  # shown relative to the working folder: recomputed when read
            rel = Path(os.path.abspath(x.file)).relative_to(os.path.abspath(directory))
            out["file"] = {"@display": rel.as_posix()}
        return out
    raise _Uncacheable(name)


def _decode(text: str, directory: Path):
    from ..load.rule_files import display_path
    types = _cacheable_types()

    def hook(d: dict):
        if "@" in d:
            return types[d.pop("@")](**d)
        if "@tuple" in d:
            return tuple(d["@tuple"])
        if "@frozenset" in d:
            return frozenset(d["@frozenset"])
        if "@path" in d:
            return directory / d["@path"]
        if "@abspath" in d:
            return Path(d["@abspath"])
        if "@display" in d:
            return display_path(directory / d["@display"])
        return d
    return json.loads(text, object_hook=hook)
