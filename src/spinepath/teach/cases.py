"""The example and teaching cases installed with spinepath, found without the current directory.

`examples/` ships inside the package (src/spinepath/examples links to it), like the rules. A
teaching case is a plain patient file `teaching/<case>.yaml` (so `spinepath consult` works on it)
with its teaching metadata beside it in `teaching/<case>.expect.yaml`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..load.diagnostics import Diagnostic, InputError, did_you_mean
from ..load.yamlsafe import load_path

# Every folder of examples/ (NEWCOMER-2026-12 P10: the referrals were missing); teaching last, with its metadata.
GROUPS = ("seeds", "histology", "course", "referral", "teaching")
META_SUFFIX = ".expect.yaml"
META_KEYS = ("title", "objective", "difficulty", "decision_point", "source")
DIFFICULTIES = ("beginner", "intermediate", "advanced")


@dataclass(frozen=True)
class TeachingMeta:
    title: str
    objective: str
    difficulty: str
    decision_point: str
    source: str


@dataclass(frozen=True)
class Case:
    group: str
    id: str
    path: Path
    description: str
    meta: TeachingMeta | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"group": self.group, "id": self.id, "path": str(self.path), "description": self.description}
        if self.meta is not None:
            out.update(title=self.meta.title, difficulty=self.meta.difficulty)
        return out


def examples_root() -> Path:
    return Path(str(resources.files("spinepath") / "examples"))


def teaching_dir() -> Path:
    return examples_root() / "teaching"


def meta_path(patient_path: Path) -> Path:
    return patient_path.with_name(patient_path.name.removesuffix(".yaml") + META_SUFFIX)


def load_meta(path: Path) -> TeachingMeta:
    """Read a teaching metadata file strictly: every key required, no other key, text values."""
    doc = load_path(path)
    data = doc.data
    if not isinstance(data, dict):
        raise InputError([Diagnostic(doc.file, 1, 1, "schema", "expected a mapping with the keys "
                                     + ", ".join(META_KEYS))])
    diags = []
    for key in data:
        if key not in META_KEYS:
            diags.append(Diagnostic(doc.file, *doc.where((key,)), "schema",
                                    f"unknown key {key!r}{did_you_mean(key, META_KEYS)}; valid keys: {', '.join(META_KEYS)}"))
    for key in META_KEYS:
        if key not in data:
            diags.append(Diagnostic(doc.file, 1, 1, "schema", f"missing required key {key!r}"))
        elif not isinstance(data[key], str) or not data[key].strip():
            diags.append(Diagnostic(doc.file, *doc.value_at((key,)), "schema", f"{key}: expected non-empty text"))
    if isinstance(data.get("difficulty"), str) and data["difficulty"] not in DIFFICULTIES:
        diags.append(Diagnostic(doc.file, *doc.value_at(("difficulty",)), "schema",
                                f"difficulty: expected one of {', '.join(DIFFICULTIES)}; got {data['difficulty']!r}"
                                f"{did_you_mean(data['difficulty'], DIFFICULTIES)}"))
    if diags:
        raise InputError(diags)
    return TeachingMeta(**{k: " ".join(data[k].split()) for k in META_KEYS})


def header_description(path: Path) -> str:
    """What a file's header comment says it is: its 'Decision point:' entry if it has one, else its first entry."""
    entries: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        body = line[1:]
        text = body.strip()
        if not text or text.startswith("yaml-language-server:"):
            continue
        if body[:2].isspace() and entries:
            entries[-1] += " " + text  # an indented comment line continues the entry above
        else:
            entries.append(text)
    for entry in entries:
        if entry.startswith("Decision point:"):
            return entry.removeprefix("Decision point:").strip()
    return entries[0] if entries else ""


def _patient_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.yaml") if not p.name.endswith(META_SUFFIX))


def teaching_cases(directory: Path | None = None) -> list[Case]:
    directory = teaching_dir() if directory is None else directory
    out = []
    for p in _patient_files(directory):
        meta = load_meta(meta_path(p)) if meta_path(p).exists() else None
        if meta is None:
            raise InputError([Diagnostic(str(p), 0, 0, "io", f"teaching case without its metadata file {meta_path(p).name}")])
        out.append(Case("teaching", p.name.removesuffix(".yaml"), p, meta.objective, meta))
    return out


_STAGE = re.compile(r"^(?P<series>.+?)-(?P<stage>\d+)-")


def series_of(case_id: str) -> tuple[str, int] | None:
    """('osteosarcoma-t1', 2) for 'osteosarcoma-t1-2-stable-compression': a case series is the
    teaching cases whose ids share the part before their stage number."""
    m = _STAGE.match(case_id)
    return (m.group("series"), int(m.group("stage"))) if m else None


def series(directory: Path | None = None) -> dict[str, list[Case]]:
    """Every case series, its stages in order."""
    out: dict[str, list[tuple[int, Case]]] = {}
    for c in teaching_cases(directory):
        found = series_of(c.id)
        if found:
            out.setdefault(found[0], []).append((found[1], c))
    return {name: [c for _, c in sorted(stages, key=lambda x: x[0])] for name, stages in sorted(out.items())}


def next_stage(case_id: str, directory: Path | None = None) -> Case | None:
    """The stage after this one in its series, or None."""
    found = series_of(case_id)
    if not found:
        return None
    stages = series(directory).get(found[0], [])
    ids = [c.id for c in stages]
    i = ids.index(case_id) + 1 if case_id in ids else len(ids)
    return stages[i] if i < len(stages) else None


def all_cases() -> list[Case]:
    root = examples_root()
    out = []
    for group in GROUPS:
        if group == "teaching":
            out.extend(teaching_cases(root / group))
        else:
            out.extend(Case(group, p.name.removesuffix(".yaml"), p, header_description(p))
                       for p in _patient_files(root / group))
    return out
