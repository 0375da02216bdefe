"""The patient file (`spinepath.patient/1`, ../shared/spec/PATIENT.md) as one strict pydantic model.

The same model validates files and generates the JSON Schema that editors use, so the two can
never disagree. Absent optional keys stay `None`: unknown is not no.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError,
                      WithJsonSchema, model_validator)

from .chronology import order_warnings, treatments_after
from .sins_points import sins_from_components
from .dates import days
from .diagnostics import Diagnostic, InputError, did_you_mean, shown
from .yamlsafe import Document, load_path, load_text

FORMAT = "spinepath.patient/1"

LEVELS = ([f"C{i}" for i in range(1, 8)] + [f"T{i}" for i in range(1, 13)]
          + [f"L{i}" for i in range(1, 6)] + [f"S{i}" for i in range(1, 6)] + ["Co"])
LEVEL_RANGES = "C1–C7, T1–T12, L1–L5, S1–S5 or Co"

Histology = Literal[
    "chordoma", "chondrosarcoma", "osteosarcoma", "ewing_sarcoma", "giant_cell_tumor",
    "aneurysmal_bone_cyst", "osteoid_osteoma", "osteoblastoma", "hemangioma", "plasmacytoma",
    "lymphoma", "leiomyosarcoma", "undifferentiated_pleomorphic_sarcoma", "other_sarcoma",
    "unknown"]

# PATIENT.md: "string from a per-histology list"; the lists name the subtypes that change
# management (staging or pathway), so a typo cannot silently drop one.
SUBTYPES: dict[str, tuple[str, ...]] = {
    "chordoma": ("conventional", "chondroid", "dedifferentiated", "poorly_differentiated"),
    "chondrosarcoma": ("conventional", "dedifferentiated", "mesenchymal", "clear_cell", "periosteal"),
    "osteosarcoma": ("conventional", "telangiectatic", "small_cell", "low_grade_central",
                     "parosteal", "periosteal", "secondary"),
    "ewing_sarcoma": ("conventional",),
    "giant_cell_tumor": ("conventional", "malignant"),
    "aneurysmal_bone_cyst": ("primary", "secondary", "solid"),
    "osteoid_osteoma": ("conventional",),
    "osteoblastoma": ("conventional", "epithelioid"),
    "hemangioma": ("typical", "atypical", "aggressive"),
    "plasmacytoma": ("solitary_bone",),
    "lymphoma": ("diffuse_large_b_cell", "follicular", "other"),
    "leiomyosarcoma": ("conventional",),
    "undifferentiated_pleomorphic_sarcoma": ("conventional",),
    "other_sarcoma": ("fibrosarcoma", "angiosarcoma", "other"),
    "unknown": (),
}

_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def _date(value: Any) -> Any:
    # YAML reads `date: 2011` as a number; a year alone is a valid date here.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and not _DATE.match(value):
        raise ValueError(f"expected a date as YYYY, YYYY-MM or YYYY-MM-DD; got {shown(value)}")
    if isinstance(value, str) and len(value) == 10 and not _calendar_day(value):
        raise ValueError(f"{value} is not a day of the calendar: expected a date as YYYY, YYYY-MM or YYYY-MM-DD")
    return value


@functools.lru_cache(maxsize=4096)
def _calendar_day(text: str) -> bool:
    """2011-02-30 passes the pattern but not the calendar (cached: a what-if validates the file again)."""
    return days(text) is not None


DateStr = Annotated[str, BeforeValidator(_date), WithJsonSchema({
    "anyOf": [{"type": "string", "pattern": _DATE.pattern}, {"type": "integer"}],
    "description": "YYYY, YYYY-MM or YYYY-MM-DD"})]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Performance(Strict):
    karnofsky: Annotated[int, Field(ge=0, le=100)] | None = None
    ecog: Annotated[int, Field(ge=0, le=5)] | None = None
    fit_for_major_surgery: bool | None = None


class CareSetting(Strict):
    specialized_center: bool | None = None
    tumor_board_reviewed: bool | None = None


class Neurology(Strict):
    deficit: Literal["none", "radiculopathy", "myelopathy", "motor_deficit", "plegia"] | None = None
    progression: Literal["stable", "progressive", "rapid"] | None = None
    asia: Literal["A", "B", "C", "D", "E"] | None = None


class Presentation(Strict):
    pain: Literal["none", "mechanical", "non_mechanical"] | None = None
    neurology: Neurology | None = None


class Wbb(Strict):
    zones: Annotated[list[Annotated[int, Field(ge=1, le=12)]], Field(min_length=1)] | None = None
    layers: Annotated[list[Literal["A", "B", "C", "D", "E"]], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _each_once(self):
        for name in ("zones", "layers"):
            values = getattr(self, name) or []
            twice = next((v for i, v in enumerate(values) if v in values[:i]), None)
            if twice is not None:
                raise ValueError(f"{name[:-1]} {twice} is listed twice")
        return self


class Epidural(Strict):
    escc: Literal["0", "1a", "1b", "1c", "2", "3"] | None = Field(
        None, description='Bilsky grade; quote it ("0", "1b") so YAML keeps it as text')
    circumferential: bool | None = None


class Sins(Strict):
    total: Annotated[int, Field(ge=0, le=18)] | None = None
    location: Literal["junctional", "mobile", "semirigid", "rigid"] | None = None
    pain: Literal["mechanical", "occasional_non_mechanical", "none"] | None = None
    bone_lesion: Literal["lytic", "mixed", "blastic"] | None = None
    alignment: Literal["subluxation", "de_novo_deformity", "normal"] | None = None
    collapse: Literal["over_50", "under_50", "none_over_50_involved", "none"] | None = None
    posterolateral: Literal["bilateral", "unilateral", "none"] | None = None


class Lesion(Strict):
    levels: Annotated[list[Literal[tuple(LEVELS)]], Field(min_length=1)]  # type: ignore[valid-type]
    wbb: Wbb | None = None
    tomita_type: Annotated[int, Field(ge=1, le=7)] | None = None
    pedicles_involved: Literal["none", "unilateral", "bilateral"] | None = None
    vertebral_artery: Literal["none", "unilateral", "bilateral"] | None = None
    great_vessels_adherent: bool | None = None
    size_cm: Annotated[float, Field(gt=0, le=100)] | None = None
    distance_to_neural_mm: Annotated[float, Field(ge=0, le=1000)] | None = None
    epidural: Epidural | None = None
    sins: Sins | None = None

    @model_validator(mode="after")
    def _levels_once(self):
        # Here, not after loading, so that whatif --set meets the same check as a file.
        sins = self.sins
        if sins is not None and sins.total is not None:
            computed = sins_from_components(sins)
            if computed is not None and computed != sins.total:
                raise _PlacedError(("lesion", "sins", "total"),
                                   f"lesion.sins.total is {sins.total} but the six components add up to "
                                   f"{computed}: correct the total or the components")
        seen = set()
        for level in self.levels:
            if level in seen:
                raise ValueError(f"level {level} is listed twice")
            seen.add(level)
        return self


class Biopsy(Strict):
    done: bool | None = None
    method: Literal["ct_guided_core", "open_incisional", "fine_needle", "excisional",
                    "surgical_specimen"] | None = None
    at_specialized_center: bool | None = None


class Diagnosis(Strict):
    histology: Histology
    subtype: str | None = None
    grade: Annotated[int, Field(ge=1, le=3)] | None = None
    benign_stage: Annotated[int, Field(ge=1, le=3)] | None = None
    necrosis_percent: Annotated[int, Field(ge=0, le=100)] | None = None
    marrow_plasma_cells_percent: Annotated[float, Field(ge=0, le=100)] | None = None
    imaging_suspicion: Literal["benign", "malignant", "indeterminate"] | None = None
    biopsy: Biopsy | None = None


class Staging(Strict):
    workup_done: list[Literal["mri_whole_spine", "ct_local", "ct_chest", "pet_ct", "bone_scan"]] | None = None
    metastases: Literal["none", "solitary", "multiple"] | None = None
    metastasis_sites: list[str] | None = None


class Surgery(Strict):
    kind: Literal["surgery"]
    date: DateStr | None = None
    extent: Literal["decompression", "intralesional", "subtotal", "gross_total_piecemeal",
                    "marginal_en_bloc", "wide_en_bloc"] | None = None
    margin: Literal["R0", "R1", "R2"] | None = None
    specialized_center: bool | None = None
    levels: list[Literal[tuple(LEVELS)]] | None = None  # type: ignore[valid-type]


class Radiotherapy(Strict):
    kind: Literal["radiotherapy"]
    date: DateStr | None = None
    modality: Literal["photon_conventional", "photon_imrt", "sbrt", "proton", "carbon_ion"] | None = None
    dose_gy: Annotated[float, Field(gt=0, le=200)] | None = None
    fractions: Annotated[int, Field(ge=1, le=100)] | None = None
    # Not in PATIENT.md v1 (an addition, README): the levels in the field, for the board's spine picture.
    levels: list[Literal[tuple(LEVELS)]] | None = None  # type: ignore[valid-type]


class Chemotherapy(Strict):
    kind: Literal["chemotherapy"]
    date: DateStr | None = None
    regimen: str | None = None
    intent: Literal["neoadjuvant", "adjuvant", "definitive", "palliative"] | None = None


class Denosumab(Strict):
    kind: Literal["denosumab"]
    date: DateStr | None = None


class Embolization(Strict):
    kind: Literal["embolization"]
    date: DateStr | None = None


class Ablation(Strict):
    kind: Literal["ablation"]
    date: DateStr | None = None


Treatment = Annotated[Union[Surgery, Radiotherapy, Chemotherapy, Denosumab, Embolization, Ablation],
                      Field(discriminator="kind")]
TREATMENT_KINDS = ("surgery", "radiotherapy", "chemotherapy", "denosumab", "embolization", "ablation")


class History(Strict):
    treatments: list[Treatment] | None = None
    local_recurrence: bool | None = None


class Preferences(Strict):
    accepts_root_sacrifice: bool | None = None
    declines_surgery: bool | None = None


class Patient(Strict):
    """One patient with a (suspected) primary bone tumour of the spine."""

    format: Literal["spinepath.patient/1"] | None = None
    id: Annotated[str, Field(min_length=1, max_length=200)]
    age: Annotated[int, Field(ge=0, le=120)]
    sex: Literal["male", "female", "other", "unknown"] | None = None
    performance: Performance | None = None
    care_setting: CareSetting | None = None
    presentation: Presentation | None = None
    lesion: Lesion
    diagnosis: Diagnosis
    staging: Staging | None = None
    history: History | None = None
    preferences: Preferences | None = None
    notes: str | None = Field(None, description="free text, shown in reports, never read by rules")

    @model_validator(mode="after")
    def _subtype_of_histology(self):
        subtype = self.diagnosis.subtype
        if subtype is not None:
            allowed = SUBTYPES[self.diagnosis.histology]
            if subtype not in allowed:
                choices = ", ".join(allowed) if allowed else "none (histology unknown)"
                raise _PlacedError(("diagnosis", "subtype"),
                                   f"subtype {shown(subtype)} is not a subtype of {self.diagnosis.histology}: "
                                   f"expected one of {choices}{did_you_mean(subtype, allowed)}")
        return self


class _PlacedError(ValueError):
    """A cross-field check that knows which key it is about."""

    def __init__(self, path: tuple, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


# ---------------------------------------------------------------- errors with positions

def _model_at(loc: tuple):
    """The pydantic model class that owns the key at the end of loc (for 'did you mean')."""
    model: Any = Patient
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        if part in TREATMENT_KINDS:
            model = {"surgery": Surgery, "radiotherapy": Radiotherapy, "chemotherapy": Chemotherapy,
                     "denosumab": Denosumab, "embolization": Embolization, "ablation": Ablation}[part]
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model


def _inner_model(annotation):
    from typing import get_args
    stack = [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
        stack.extend(get_args(a))
    return None


def _data_path(data: Any, loc: tuple) -> tuple:
    """Drop the parts of a pydantic loc that are not in the data (union tags, validator names)."""
    out, cur = [], data
    for part in loc:
        if isinstance(cur, dict) and part in cur:
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, dict) and not isinstance(part, int) and part not in TREATMENT_KINDS \
                and not str(part).startswith(("function-", "literal[", "list[", "int", "float", "str")):
            out.append(part)  # a missing key: point at its parent, name it in the message
            break
    return tuple(out)


def _describe(err: dict, doc: Document) -> tuple[tuple, str, bool]:
    """(path, message, point at key?) for one pydantic error."""
    loc = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    path = _data_path(doc.data, loc)
    name = _name(path)
    got = err.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc)  # loc keeps a treatment's kind, so its keys are the keys of that kind
        choices = list(getattr(model, "model_fields", {})) if model else []
        hint = did_you_mean(path[-1], choices)
        kind_of_treatment = next((p for p in loc if p in TREATMENT_KINDS), None)
        where = ".".join(str(p) for p in path[:-1] if not isinstance(p, int))
        owner = f" for a {kind_of_treatment} in {where}" if kind_of_treatment else (f" under {where}" if where else "")
        valid = f"; valid keys{owner}: {', '.join(choices)}" if choices and not hint else ""
        return path, f"unknown key {shown(path[-1])}{hint}{valid}", True
    if kind == "missing":
        key = loc[-1]
        parent = path[:-1] if path and path[-1] == key else path
        pname = ".".join(str(p) for p in parent if not isinstance(p, int))
        return parent, f"missing required key {key!r}{' under ' + pname if pname else ''}", True
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        choices = re.findall(r"'([^']*)'", expected)
        if set(choices) == set(LEVELS):
            expected = f"a level {LEVEL_RANGES}"
        else:
            expected = f"one of {expected}"
        hint = did_you_mean(got, choices) if isinstance(got, str) else ""
        extra = _read_as(doc, path, got)
        if not extra and isinstance(got, (int, float)) and not isinstance(got, bool) and str(got) in choices:
            extra = f' (write it quoted: "{got}")'
        if not extra and set(choices) == set(LEVELS) and isinstance(got, str):
            extra = _level_range_hint(got)
        return path, f"{name}: expected {expected}; got {shown(got)}{hint}{extra}", False
    if kind == "union_tag_invalid":
        return path, f"{name}: treatment kind must be one of {', '.join(TREATMENT_KINDS)}; got {shown(ctx.get('tag'))}{did_you_mean(ctx.get('tag'), TREATMENT_KINDS)}", False
    if kind == "union_tag_not_found":
        return path, f"{name}: each treatment needs a 'kind' ({', '.join(TREATMENT_KINDS)})", False
    type_words = {"int_type": "an integer", "int_from_float": "an integer", "bool_type": "true or false",
                  "string_type": "text", "float_type": "a number", "list_type": "a list",
                  "model_type": "a mapping (key: value pairs)", "dict_type": "a mapping",
                  "model_attributes_type": "a mapping (key: value pairs)"}
    if kind in type_words:
        extra = _read_as(doc, path, got)
        if not extra and kind == "list_type" and isinstance(got, str) and got in LEVELS:
            extra = f" (write a list: [{got}])"
        return path, f"{name}: expected {type_words[kind]}; got {shown(got)}{extra}", False
    bounds = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
    if kind in bounds:
        limit = next(iter(ctx.values())) if ctx else "?"
        return path, f"{name}: expected a number {bounds[kind]} {limit}; got {shown(got)}", False
    if kind == "too_short":
        return path, f"{name}: expected at least {ctx.get('min_length', 1)} item(s)", False
    if kind == "string_too_long":
        return path, f"{name}: text is too long (at most {ctx.get('max_length')} characters)", False
    if kind == "value_error":
        original = ctx.get("error")
        if isinstance(original, _PlacedError):
            return original.path, original.message, False
        return path, f"{name}: {str(err['msg']).removeprefix('Value error, ')}", False
    return path, f"{name}: {err['msg']}", False


def _name(path: tuple) -> str:
    """A path as a person names it: history.treatments[0].date (an index only where the item is a
    mapping; a list of values is named as a whole)."""
    out = ""
    for i, p in enumerate(path):
        if isinstance(p, int):
            if i + 1 < len(path):
                out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "the file"


_RANGE = re.compile(r"^([CTLS])(\d+)\s*[-–]\s*([CTLS]?)(\d+)$")


def _level_range_hint(got: str) -> str:
    """T10-T12 is a range: say how to write it as the list of levels."""
    m = _RANGE.match(got.strip())
    if not m or (m.group(3) and m.group(3) != m.group(1)):
        return ""
    first, last = f"{m.group(1)}{m.group(2)}", f"{m.group(1)}{m.group(4)}"
    if first not in LEVELS or last not in LEVELS or LEVELS.index(first) > LEVELS.index(last):
        return ""
    return f" (a range is written as a list: [{', '.join(LEVELS[LEVELS.index(first):LEVELS.index(last) + 1])}])"


def _read_as(doc: Document, path: tuple, got) -> str:
    """What YAML made of an unquoted word, when that is why the value is refused (no -> false)."""
    written = doc.plain.get(tuple(path))
    if written is None or isinstance(got, str) or str(got) == written:
        return ""
    if isinstance(got, bool):
        as_read = "true" if got else "false"
    elif got is None:
        as_read = "nothing (null)"
    elif isinstance(got, (int, float)):
        as_read = f"the number {got!r}"
    else:
        as_read = repr(got)
    return f' (YAML reads the unquoted {written} as {as_read}; to mean the text, write it in quotes: "{written}")'


def validation_problems(exc: ValidationError, doc: Document) -> list[tuple[tuple, str, bool]]:
    """(path in the data, message, about the key?) for each problem; a missing key is left out when an
    unknown key beside it looks like its misspelling (that message already says 'did you mean')."""
    found = [_describe(err, doc) for err in exc.errors()]
    typos = {(path[:-1], m.group(1)) for path, message, _ in found
             if (m := re.search(r"\(did you mean '([^']+)'\?\)", message)) and message.startswith("unknown key")}
    return [(path, message, at_key) for path, message, at_key in found
            if not ((path, m.group(1)) in typos if (m := re.match(r"missing required key '([^']+)'", message))
                    else False)]


def validation_diagnostics(exc: ValidationError, doc: Document) -> list[Diagnostic]:
    out = []
    for path, message, at_key in validation_problems(exc, doc):
        line, col = doc.where(path) if at_key else doc.value_at(path)
        out.append(Diagnostic(doc.file, line, col, "schema", message))
    return sorted(set(out))


def from_document(doc: Document) -> Patient:
    if not isinstance(doc.data, dict):
        kind = type(doc.data).__name__.replace("NoneType", "nothing")
        raise InputError([Diagnostic(doc.file, 1, 1, "schema",
                                     f"expected a mapping (id:, age:, lesion:, diagnosis: ...) at the top; got a {kind}")])
    try:
        patient = Patient.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(validation_diagnostics(exc, doc)) from None
    return patient


def load_patient(path: str | Path, warnings: list | None = None, day=None, what: str = "") -> Patient:
    """The patient of a file. `warnings` collects warnings (treatments out of date order); with `day`,
    a treatment dated after it is an error (`what` names the day, e.g. the board date)."""
    doc = load_path(path)
    patient = from_document(doc)
    if day is not None:
        errors = treatments_after(doc, day, what)
        if errors:
            raise InputError(errors)
    if warnings is not None:
        warnings.extend(order_warnings(doc))
    return patient


def parse_patient(text: str, file: str = "<patient>") -> Patient:
    return from_document(load_text(file, text))


def json_schema() -> dict:
    """Draft-7 JSON Schema of the patient file, as the YAML language server reads it."""
    schema = Patient.model_json_schema(ref_template="#/definitions/{model}")
    schema["definitions"] = schema.pop("$defs", {})
    schema = {"$schema": "http://json-schema.org/draft-07/schema#",
              "$id": "https://spinepath.invalid/schema/patient-1.json",
              "title": "spinepath patient file (spinepath.patient/1)", **schema}
    return _draft7(schema)


def _draft7(node):
    # pydantic emits 2020-12 idioms; draft 7 has no `const` with a sibling enum issue, but
    # it does not know `discriminator` and needs `definitions` refs, which is what we fix here.
    if isinstance(node, dict):
        node = {k: _draft7(v) for k, v in node.items() if k != "discriminator"}
    elif isinstance(node, list):
        node = [_draft7(v) for v in node]
    return node
