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

from ..derive.course import STATES
from ..load.diagnostics import Diagnostic, InputError, did_you_mean
from ..load.yamlsafe import Document, load_path

# Every folder of examples/ (NEWCOMER-2026-12 P10: the referrals were missing); teaching last, with its metadata.
GROUPS = ("seeds", "histology", "course", "referral", "teaching")
META_SUFFIX = ".expect.yaml"
TEXT_KEYS = ("title", "objective", "difficulty", "decision_point", "source")
# What a stage teaches, in the teacher's data (docs/board-and-teaching.md, "Writing a teaching case"):
# where the patient stands in the course, the decisive option(s), and the tempting wrong answer.
STAGE_KEYS = ("course_state", "key_decisions", "tempting")
OPTIONAL_KEYS = ("contrast_to", "weights")
META_KEYS = TEXT_KEYS + STAGE_KEYS + OPTIONAL_KEYS
DIFFICULTIES = ("beginner", "intermediate", "advanced")
TEMPTING_KEYS = ("option", "because")
# The teaching library's weights, beside the cases (".expect.yaml", so that no command reads it as a patient).
WEIGHTS_FILE = "scoring" + META_SUFFIX
WEIGHT_KEYS = ("key_decision", "supportive", "tempting_picked", "avoid_picked", "not_proposed_picked")


@dataclass(frozen=True)
class Weights:
    """How much each kind of option counts (the teacher's scoring file; checked in load_weights)."""

    key_decision: float  # a key decision taken
    supportive: float  # another recommended option taken
    tempting_picked: float  # the stage's tempting wrong answer chosen (a penalty)
    avoid_picked: float  # an option the rules say to avoid chosen (a penalty)
    not_proposed_picked: float  # an option no rule proposes here chosen (a penalty)

    def to_json(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in WEIGHT_KEYS}


@dataclass(frozen=True)
class Tempting:
    option: str  # an intervention code
    because: tuple[str, ...] = ()  # rules whose rationale says why it is wrong here


@dataclass(frozen=True)
class TeachingMeta:
    title: str
    objective: str
    difficulty: str
    decision_point: str
    source: str
    course_state: str = ""
    key_decisions: tuple[str, ...] = ()
    tempting: Tempting | None = None
    contrast_to: str | None = None  # a variant of that stage on the same day, not a later point in the course
    weights: Weights | None = None  # this stage's own weights, else the library's
    file: str = ""
    where: tuple[tuple[str, tuple[int, int]], ...] = ()  # ("key_decisions.0", (line, col)), for errors

    def position(self, key: str) -> tuple[int, int]:
        return dict(self.where).get(key, (1, 1))


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


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def load_meta(path: Path) -> TeachingMeta:
    """Read a teaching metadata file strictly: every required key, no other key, each of its type. The
    intervention codes and rule ids are checked against the ruleset when the stage is played
    (session.check_meta), since --rules may name another ruleset."""
    doc = load_path(path)
    if not isinstance(doc.data, dict):
        raise InputError([Diagnostic(doc.file, 1, 1, "schema", "expected a mapping with the keys "
                                     + ", ".join(TEXT_KEYS + STAGE_KEYS))])
    data: dict[str, Any] = doc.data
    diags = []

    def bad(where: tuple, message: str) -> None:
        diags.append(Diagnostic(doc.file, *doc.value_at(where), "schema", message))
    for key in data:
        if key not in META_KEYS:
            diags.append(Diagnostic(doc.file, *doc.where((key,)), "schema",
                                    f"unknown key {key!r}{did_you_mean(key, META_KEYS)}; valid keys: {', '.join(META_KEYS)}"))
    for key in TEXT_KEYS + STAGE_KEYS:
        if key not in data:
            diags.append(Diagnostic(doc.file, 1, 1, "schema", f"missing required key {key!r}"))
    for key in TEXT_KEYS + ("course_state", "contrast_to"):
        if key in data and not _is_text(data[key]):
            bad((key,), f"{key}: expected non-empty text")
    if isinstance(data.get("difficulty"), str) and data["difficulty"] not in DIFFICULTIES:
        bad(("difficulty",), f"difficulty: expected one of {', '.join(DIFFICULTIES)}; got {data['difficulty']!r}"
                             f"{did_you_mean(data['difficulty'], DIFFICULTIES)}")
    state: Any = data.get("course_state")
    if _is_text(state) and state not in STATES:
        bad(("course_state",), f"course_state: expected one of {', '.join(STATES)}; got {state!r}{did_you_mean(state, STATES)}")
    keys: Any = data.get("key_decisions")
    if "key_decisions" in data and (not isinstance(keys, list) or not keys or not all(_is_text(k) for k in keys)):
        bad(("key_decisions",), "key_decisions: expected a list of one or more intervention codes")
    tempting: Any = data.get("tempting")
    if "tempting" in data:
        if not isinstance(tempting, dict) or not _is_text(tempting.get("option")):
            bad(("tempting",), "tempting: expected a mapping with 'option' (an intervention code) and, optionally, "
                               "'because' (a list of rule ids)")
        else:
            for k in tempting:
                if k not in TEMPTING_KEYS:
                    diags.append(Diagnostic(doc.file, *doc.where(("tempting", k)), "schema",
                                            f"tempting: unknown key {k!r}{did_you_mean(k, TEMPTING_KEYS)}; valid "
                                            f"keys: {', '.join(TEMPTING_KEYS)}"))
            because = tempting.get("because", [])
            if not isinstance(because, list) or not all(_is_text(b) for b in because):
                bad(("tempting", "because"), "tempting.because: expected a list of rule ids")
    weights = None
    if "weights" in data:
        try:
            weights = weights_from(data["weights"], doc, ("weights",))
        except InputError as exc:
            diags.extend(exc.diagnostics)
    if diags:
        raise InputError(diags)
    where = [(f"key_decisions.{i}", doc.value_at(("key_decisions", i))) for i in range(len(keys))]
    where += [("tempting.option", doc.value_at(("tempting", "option")))]
    where += [(f"tempting.because.{i}", doc.value_at(("tempting", "because", i)))
              for i in range(len(tempting.get("because", [])))]
    where += [(k, doc.value_at((k,))) for k in ("course_state", "contrast_to")]
    return TeachingMeta(**{k: " ".join(data[k].split()) for k in TEXT_KEYS}, course_state=state,
                        key_decisions=tuple(keys),
                        tempting=Tempting(tempting["option"], tuple(tempting.get("because", []))),
                        contrast_to=data.get("contrast_to"), weights=weights, file=doc.file, where=tuple(where))


def weights_from(data: Any, doc: Document, at: tuple) -> Weights:
    """Weights from a mapping of WEIGHT_KEYS to positive numbers, checked for what the scoring promises: a key
    decision outweighs a supportive item, and an avoid chosen costs more than a supportive item missed."""
    def bad(where: tuple, message: str) -> InputError:
        return InputError([Diagnostic(doc.file, *doc.value_at(where), "schema", message)])
    if not isinstance(data, dict):
        raise bad(at, f"expected a mapping with the keys {', '.join(WEIGHT_KEYS)}")
    diags = []
    for k in data:
        if k not in WEIGHT_KEYS:
            diags.append(Diagnostic(doc.file, *doc.where((*at, k)), "schema",
                                    f"unknown weight {k!r}{did_you_mean(k, WEIGHT_KEYS)}; weights: {', '.join(WEIGHT_KEYS)}"))
    for k in WEIGHT_KEYS:
        v = data.get(k)
        if k not in data:
            diags.append(Diagnostic(doc.file, *doc.value_at(at), "schema", f"missing weight {k!r}"))
        elif isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
            diags.append(Diagnostic(doc.file, *doc.value_at((*at, k)), "schema", f"{k}: expected a number above 0"))
    if diags:
        raise InputError(diags)
    w = Weights(**{k: float(data[k]) for k in WEIGHT_KEYS})
    if w.key_decision <= w.supportive:
        raise bad((*at, "key_decision"), "key_decision: must weigh more than supportive (the decisive option "
                                         "carries most of the score)")
    if w.avoid_picked <= w.supportive:
        raise bad((*at, "avoid_picked"), "avoid_picked: must weigh more than supportive (an avoid chosen costs "
                                         "more than a supportive item missed)")
    return w


def load_weights(directory: Path | None = None) -> Weights:
    """The teaching library's weights: `scoring.expect.yaml` in the cases' folder, else the bundled one."""
    path = (directory or teaching_dir()) / WEIGHTS_FILE
    if not path.exists():
        path = teaching_dir() / WEIGHTS_FILE
    doc = load_path(path)
    return weights_from(doc.data, doc, ())


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
    """Every case series, its stages in order: the real course, so a stage that is a variant of another on the
    same day (`contrast_to`) is not one of them."""
    out: dict[str, list[tuple[int, Case]]] = {}
    for c in teaching_cases(directory):
        found = series_of(c.id)
        if found and not (c.meta and c.meta.contrast_to):  # a same-day variant is not a later stage
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
