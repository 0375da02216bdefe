"""The checked, compiled knowledge base kept between runs (the user's cache folder).

Loading and checking the YAML rules is most of a single consult's start-up. The result is kept as
JSON (never pickle: nothing in the cache is executed) in the user's cache folder, keyed by a hash
of every file under the rules folder and of spinepath's own source, and used only from a folder
and file that this user owns and nobody else can write. A stored entry is decoded and compared
with the original before it is written, so an entry can only ever give back an equal result.
Deleting the folder is always safe; SPINEPATH_NO_CACHE=1 turns the cache off.
"""
from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..load.fields import FieldType
from ..load.interventions import Intervention
from ..load.rule_files import Presumption
from ..load.rule_files import (Action, Cap, Cond, Evidence, Fact, Gate, NotAsked, QuestionGroup, QuestionPolicy, Rule,
                               Ruleset, display_path)
from .compile import Compiled
from .dependencies import DependencyGraph

CACHE_FORMAT = "spinepath-knowledge/5"  # 5: the engine's rulesets as the text its core takes
_CACHE_ENTRIES = 8  # most recently written entries kept
_TYPES = {c.__name__: c for c in (Rule, Cond, Action, Evidence, Intervention, FieldType, Ruleset, Compiled,
                                  Presumption, Fact, Gate, Cap, QuestionGroup, NotAsked, QuestionPolicy, DependencyGraph)}


def cache_dir() -> Path | None:
    if os.environ.get("SPINEPATH_NO_CACHE") or not hasattr(os, "getuid"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "spinepath" if os.path.isabs(base) else None  # no home: no cache


def rules_digest(directory: Path) -> str | None:
    """A hash of every file under the rules folder (names and bytes), or None if one cannot be read."""
    digest = hashlib.sha256()
    try:
        files = sorted((p.relative_to(directory).as_posix(), p) for p in directory.rglob("*") if p.is_file())
        for name, p in files:
            digest.update(name.encode() + b"\0" + p.read_bytes() + b"\0")
    except OSError:
        return None
    return digest.hexdigest()


def cache_key(directory: Path, rules: str | None = None) -> str | None:
    """The rules' files and spinepath's own source: any change of either invalidates the entry.
    `rules` is rules_digest(directory) when the caller has just made it (it is read once, not twice)."""
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{sys.version_info[:2]}\0{directory}\0".encode())
    code = Path(__file__).parent.parent
    try:
        for name, p in sorted((p.relative_to(code).as_posix(), p) for p in code.rglob("*.py") if p.is_file()):
            digest.update(name.encode() + b"\0" + p.read_bytes() + b"\0")
    except OSError:  # an unreadable file: no cache, and load_ruleset reports it
        return None
    rules = rules if rules is not None else rules_digest(directory)
    if rules is None:
        return None
    digest.update(rules.encode())
    return digest.hexdigest()


def _private(path: Path) -> bool:
    """Owned by this user and writable by nobody else (a shared cache folder could be poisoned)."""
    st = path.stat()
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def read_entry(cache: Path, key: str, directory: Path) -> tuple[Ruleset, Compiled, DependencyGraph] | None:
    path = cache / f"knowledge-{key[:40]}.json"
    try:
        if not (_private(cache) and _private(path)):
            return None
        entry = _decode_paused(path.read_text(encoding="utf-8"), directory)
        if entry.get("key") != key:
            return None
        return entry["ruleset"], entry["compiled"], entry["graph"]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # no entry, or one that is damaged: load the rules as if there were no cache


def write_entry(cache: Path, key: str, directory: Path, ruleset: Ruleset, compiled: Compiled,
                graph: DependencyGraph) -> None:
    try:
        text = json.dumps({"key": key, "ruleset": _encode(ruleset, directory),
                           "compiled": _encode(compiled, directory), "graph": _encode(graph, directory)},
                          ensure_ascii=True)  # all ASCII: the decoder scans one byte a character, a fifth faster
        back = _decode(text, directory)
        if back["ruleset"] != ruleset or back["compiled"] != compiled or back["graph"] != graph:
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


def _encode(x: Any, directory: Path) -> Any:
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
    if dataclasses.is_dataclass(x) and _TYPES.get(name) is type(x):
        out: dict[str, Any] = {"@": name}
        for f in dataclasses.fields(x):
            out[f.name] = _encode(getattr(x, f.name), directory)
        if isinstance(x, (Rule, Presumption, Fact, Gate, Cap)):  # shown relative to the working folder: recomputed when read
            rel = Path(os.path.abspath(x.file)).relative_to(os.path.abspath(directory))
            out["file"] = {"@display": rel.as_posix()}
        return out
    raise _Uncacheable(name)


def _decode_paused(text: str, directory: Path) -> Any:
    """_decode with the cyclic garbage collector paused, and what it made frozen (gc.freeze).

    The entry is some 40,000 objects that the collector tracks, and they live as long as the process.
    Made with the collector on, each young collection walked them again, and then a full collection
    walked everything: about half the decode, or 60-70 ms later in the consult if the full collection
    came then. Frozen, no collection walks them again (nor what the imports made before them). Memory
    that refcounting frees is still freed, and the collector goes on as before for what comes after."""
    was = gc.isenabled()
    gc.disable()
    try:
        return _decode(text, directory)
    finally:
        gc.freeze()
        if was:
            gc.enable()


def _decode(text: str, directory: Path) -> Any:
    shown: dict[str, str] = {}  # display_path of each rule file, made once per file (not once per rule)

    def hook(d: dict) -> Any:
        if "@" in d:  # made as its class's __init__ would (no class here has a __post_init__), a third faster
            obj = object.__new__(_TYPES[d.pop("@")])
            obj.__dict__.update(d)
            return obj
        if "@tuple" in d:
            return tuple(d["@tuple"])
        if "@frozenset" in d:
            return frozenset(d["@frozenset"])
        if "@path" in d:
            return directory / d["@path"]
        if "@abspath" in d:
            return Path(d["@abspath"])
        if "@display" in d:
            rel = d["@display"]
            if rel not in shown:
                shown[rel] = display_path(directory / rel)
            return shown[rel]
        return d
    return json.loads(text, object_hook=hook)
