"""A patient file from a FHIR R4 Bundle (`spinepath import fhir`): right, or refused with where.

The import reads one patient. It never joins what belongs to different people or different tumours:
- a bundle with several Patients is refused with their list, unless `--patient` names one;
- only resources whose `subject` is that patient are read (others are counted and left out);
- the tumour comes from one Condition: Conditions that describe different tumours (another histology
  or other levels) are refused with both named, unless `--condition` names one;
- an age carries its unit (UCUM a, mo, wk, d, h, min); an age from the birth date needs a date to count to
  (`--as-of`, or the latest date of the patient's resources), and is refused when the dates do not
  give one whole number of years;
- two resources that give different values for one field are refused with both named.
What the bundle does not say stays absent (unknown), never guessed. A code that is not mapped is
listed in the file and on stderr; a diagnosis that could not be read is said so beside
`histology: unknown`.

Every problem is reported at its JSON path in the bundle (`$.entry[3].resource.bodySite[0]`), and the
file is written by the serialiser of load/yaml_writer.py, then read back and compared, so no text in
a bundle can become a key or change a value.
"""
from __future__ import annotations

import datetime
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..load.dates import ISO_DAY, days
from ..load.diagnostics import escaped, shown
from ..load.fields import get_path, patient_paths, set_path
from ..load.patient import LEVELS
from .fhir_patient import (AGE, ECOG, FIELD_SYSTEM, HISTOLOGY_EXTENSION, HISTOLOGY_SYSTEM, ICDO3, ICDO3_CODES,
                           KARNOFSKY, LEVEL_SYSTEM, LOINC, PRIMARY_CANCER, STANDARD, TREATMENT_KEY,
                           TREATMENT_SYSTEM)

# Real bundles run to megabytes: Synthea's sample patients are 0.2 to 4 MB, a full history larger.
MAX_BUNDLE_BYTES = 32 * 1024 * 1024
# FHIR nests about 11 deep (Synthea); an extension inside an extension adds two a level.
MAX_JSON_DEPTH = 64
MAX_DIGITS = 30  # in one JSON number
BUNDLE_TYPES = ("document", "message", "transaction", "transaction-response", "batch", "batch-response", "history",
                "searchset", "collection")
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
MCODE_PROCEDURES = ("mcode-cancer-related-surgical-procedure", "mcode-radiotherapy-course-summary",
                    "mcode-cancer-related-medication")

# SNOMED CT body structures of single vertebrae, from mCODE's TG263 concept map (HL7 fhir-mCODE-ig,
# input/fsh/CM_TG263.fsh, commit 543477b5). The concept map has no code for the coccyx; its line for
# a thirteenth thoracic vertebra is left out (no such level here).
SNOMED_LEVELS = {
    "14806007": "C1", "39976000": "C2", "91116008": "C3", "14705001": "C4", "67479001": "C5", "88298007": "C6",
    "16126006": "C7", "56094003": "T1", "50060007": "T2", "73138009": "T3", "86197001": "T4", "6105006": "T5",
    "32430008": "T6", "71737002": "T7", "77435000": "T8", "33766003": "T9", "48405002": "T10",
    "52120002": "T11", "280849005": "T12", "61032001": "L1", "53983007": "L2", "55492004": "L3",
    "71996003": "L4", "21799000": "L5", "65985001": "S1", "11808007": "S2", "49967005": "S3", "69950008": "S4",
    "21452006": "S5",
}
# The same map's codes for more than one vertebra: a region, not a level (said when they are met).
SNOMED_REGIONS = {"3572006": "body of a vertebra", "73903008": "lumbar vertebrae", "35769007": "thoracic vertebrae",
                  "87141009": "sacral vertebrae", "118645006": "bony pelvis", "1172006": "odontoid process of C2"}


class BundleProblem(Exception):
    """Problems with the bundle, each (JSON path, message); the command prints them as FILE:PATH."""

    def __init__(self, problems: list[tuple[str, str]], unmapped: list[str] | None = None):
        self.problems = problems
        self.unmapped = unmapped or []
        super().__init__("; ".join(f"{at}: {m}" for at, m in problems))


class OptionProblem(Exception):
    """A command-line option that does not fit the bundle (--patient, --condition, --as-of)."""


# --------------------------------------------------------------------------------------- reading JSON

class _TooLong(ValueError):
    pass


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _TooLong(text)
    return int(text)


def _constant(name: str):
    raise ValueError(f"{name} is not JSON")


_DUPLICATE = "\x00duplicate keys"


def _pairs(pairs: list) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            out.setdefault(_DUPLICATE, []).append(k)
        out[k] = v
    return out


def read_json(raw: bytes) -> Any:
    """The JSON value of a bundle file; BundleProblem with a line and column for bad JSON."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise BundleProblem([(f"{line}", "invalid UTF-8 byte: a FHIR JSON bundle is UTF-8 text")]) from None
    try:
        value = json.loads(text, parse_int=_int, parse_constant=_constant, object_pairs_hook=_pairs)
    except json.JSONDecodeError as exc:
        raise BundleProblem([(f"{exc.lineno}:{exc.colno}", f"not JSON: {exc.msg}")]) from None
    except _TooLong as exc:
        raise BundleProblem([("$", f"a number of {len(str(exc).lstrip('-')):,} digits: expected FHIR values")]) \
            from None
    except ValueError as exc:
        raise BundleProblem([("$", f"not JSON: {exc}")]) from None
    except RecursionError:
        raise BundleProblem([("$", f"values are nested more than {MAX_JSON_DEPTH} deep: expected a FHIR "
                                   "bundle")]) from None
    _check_shape(value)
    return value


def _check_shape(value: Any) -> None:
    """Depth and duplicate keys, iteratively, with the JSON path of the first problem."""
    stack = [(value, "$", 0)]
    while stack:
        v, at, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BundleProblem([(_cut(at), f"values are nested more than {MAX_JSON_DEPTH} deep: expected a "
                                            "FHIR bundle (about a dozen levels)")])
        if isinstance(v, dict):
            if _DUPLICATE in v:
                raise BundleProblem([(at, f"key {shown(v[_DUPLICATE][0])} appears twice in this object: JSON "
                                          "readers disagree on which one counts")])
            stack.extend((item, f"{at}.{k}" if _NAME.match(k) else f"{at}[{json.dumps(k)}]", depth + 1)
                         for k, item in v.items())
        elif isinstance(v, list):
            stack.extend((item, f"{at}[{i}]", depth + 1) for i, item in enumerate(v))


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _cut(at: str) -> str:
    return at if len(at) <= 160 else at[:80] + "…" + at[-60:]


# --------------------------------------------------------------------------------------- the R4 check

def check_r4(bundle: Any) -> None:
    """A Bundle that fhir.resources' R4B models accept; BundleProblem at each JSON path otherwise."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise BundleProblem([("$", "expected a FHIR Bundle (resourceType: Bundle) here")])
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError
    problems = []
    if bundle.get("type") not in BUNDLE_TYPES:  # a code R4B's models do not check
        problems.append(("$.type", f"Bundle.type {shown(bundle.get('type'))} is not one of {', '.join(BUNDLE_TYPES)} "
                                   "(FHIR R4)"))
    entries = bundle.get("entry")
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        kind = resource.get("resourceType")
        at = f"$.entry[{i}].resource.resourceType"
        if not isinstance(kind, str):
            problems.append((at, f"expected the name of a resource type; got {shown(kind)}"))
            continue
        try:
            get_fhir_model_class(kind)
        except (KeyError, ValueError):
            problems.append((at, f"{shown(kind)} is not a FHIR R4 resource type"))
    if problems:
        raise BundleProblem(problems[:20])
    try:
        Bundle.model_validate(bundle)
    except ValidationError as exc:
        raise BundleProblem([(_json_path(e["loc"]), f"{e['msg']} (FHIR R4)") for e in exc.errors()[:20]]) from None
    except (RecursionError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise BundleProblem([("$", f"FHIR R4 models refuse the bundle: {escaped(str(exc))[:200]}")]) from None


def _json_path(loc) -> str:
    out = "$"
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and _NAME.match(part):
            out += f".{part}"
        elif isinstance(part, str) and part.isdigit():
            out += f"[{part}]"
        else:
            out += f"[{json.dumps(str(part))}]"
    return out


# --------------------------------------------------------------------------------------- the result

@dataclass
class Imported:
    doc: dict
    sources: dict[str, str] = field(default_factory=dict)  # dotted path -> the resource it came from
    at: dict[str, str] = field(default_factory=dict)  # dotted path -> its JSON path in the bundle
    unmapped: list[tuple[str, str, str]] = field(default_factory=list)  # (JSON path, resource, what was not mapped)
    notes: list[str] = field(default_factory=list)  # what was left out on purpose, for the file's head
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (JSON path, message) for stderr

    def put(self, path: str, value, source: str, at: str) -> None:
        set_path(self.doc, path, value)
        self.sources[path] = source
        self.at[path] = at


@dataclass
class _Entry:
    index: int
    resource: dict

    @property
    def at(self) -> str:
        return f"$.entry[{self.index}].resource"

    @property
    def label(self) -> str:
        return f"{self.resource.get('resourceType')}/{self.resource.get('id', '?')}"


def _codings(concept) -> list[dict]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def _said(c: dict) -> str:
    named = c.get("system")
    system = {SNOMED: "SNOMED", LOINC: "LOINC", ICDO3: "ICD-O-3"}.get(named, named) if isinstance(named, str) else "?"
    display = f" \"{c['display']}\"" if isinstance(c.get("display"), str) else ""
    return escaped(f"{system} {c.get('code')}{display}")[:160]


def _profiles(r: dict) -> list[str]:
    meta = r.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    return [p for p in meta.get("profile") or [] if isinstance(p, str)]


# --------------------------------------------------------------------------------------- whose resources

def _patients(entries: list[_Entry]) -> list[_Entry]:
    return [e for e in entries if e.resource.get("resourceType") == "Patient"]


def _names_of(e: _Entry, full_url: str | None) -> set[str]:
    r = e.resource
    names = {f"Patient/{r.get('id')}"} if r.get("id") else set()
    if full_url:
        names.add(full_url)
        if "/Patient/" in full_url:
            names.add("Patient/" + full_url.rsplit("/Patient/", 1)[1].split("/_history")[0])
    return names


def _identifiers(r: dict) -> list[str]:
    return [i["value"] for i in r.get("identifier") or [] if isinstance(i, dict) and isinstance(i.get("value"), str)]


def choose_patient(bundle: dict, wanted: str | None) -> tuple[_Entry, set[str], list[_Entry]]:
    """The patient entry, the references that name it, and every entry."""
    raw = bundle.get("entry") or []
    entries = [_Entry(i, e["resource"]) for i, e in enumerate(raw) if isinstance(e, dict) and
               isinstance(e.get("resource"), dict)]
    urls = {i: e.get("fullUrl") for i, e in enumerate(raw) if isinstance(e, dict)}
    patients = _patients(entries)
    if not patients:
        raise BundleProblem([("$.entry", "the bundle has no Patient resource")])

    def described(p: _Entry) -> str:
        ids = _identifiers(p.resource)
        return f"{p.label}" + (f" (identifier {', '.join(escaped(i) for i in ids[:3])})" if ids else "")

    if wanted is not None:
        found = [p for p in patients if wanted in ({p.resource.get("id"), urls.get(p.index)} | set(_identifiers(p.resource)))]
        if len(found) != 1:
            listed = "; ".join(described(p) for p in patients[:10])
            raise OptionProblem(f"--patient {shown(wanted)} names {'no' if not found else 'more than one'} "
                                f"Patient of the bundle: {listed}")
        chosen = found[0]
    elif len(patients) > 1:
        listed = "; ".join(f"{described(p)} at {p.at}" for p in patients[:10])
        more = f" and {len(patients) - 10} more" if len(patients) > 10 else ""
        raise BundleProblem([("$.entry", f"the bundle holds {len(patients)} patients: {listed}{more}; name one "
                                         "with --patient ID (a Patient id or identifier)")])
    else:
        chosen = patients[0]
    return chosen, _names_of(chosen, urls.get(chosen.index)), entries


def _subject(r: dict) -> dict | None:
    for key in ("subject", "patient"):
        if isinstance(r.get(key), dict):
            return r[key]
    return None


def _belongs(r: dict, names: set[str], identifiers: set[str]) -> bool | None:
    """True for the chosen patient, False for someone else, None when the resource names nobody."""
    ref = _subject(r)
    if ref is None:
        return None
    target = ref.get("reference")
    if isinstance(target, str):
        if target in names:
            return True
        if "/Patient/" in target and "Patient/" + target.rsplit("/Patient/", 1)[1].split("/_history")[0] in names:
            return True
        return False
    ident = ref.get("identifier")
    if isinstance(ident, dict) and isinstance(ident.get("value"), str):
        return ident["value"] in identifiers
    return None


# --------------------------------------------------------------------------------------- the import

@dataclass
class _Tumour:
    entry: _Entry
    histology: str | None = None
    subtype: str | None = None
    levels: list[str] = field(default_factory=list)
    level_at: str = ""
    histology_at: str = ""
    not_read: list[str] = field(default_factory=list)  # diagnosis codes that could not be mapped

    def key(self) -> tuple:
        return (self.histology, self.subtype, tuple(self.levels))

    def said(self) -> str:
        what = self.histology or "histology not read"
        if self.subtype:
            what += f" ({self.subtype})"
        return f"{self.entry.label} says {what} at {', '.join(self.levels) or 'no vertebral level'}"


def import_bundle(bundle: dict, as_of: datetime.date | None = None, patient: str | None = None,
                  condition: str | None = None) -> Imported:
    """The patient document the bundle describes, with where each value came from.

    Raises BundleProblem (at JSON paths) or OptionProblem (a command-line option that does not fit)."""
    chosen, names, entries = choose_patient(bundle, patient)
    p = chosen.resource
    identifiers = set(_identifiers(p))
    ids = _identifiers(p)
    pid = ids[0] if ids else p.get("id") or "patient"
    out = Imported({"format": "spinepath.patient/1"})
    out.put("id", pid, f"{chosen.label} .identifier" if ids else f"{chosen.label} .id",
            f"{chosen.at}.identifier[0].value" if ids else f"{chosen.at}.id")
    if p.get("gender") in ("male", "female", "other", "unknown"):
        out.put("sex", p["gender"], f"{chosen.label} .gender", f"{chosen.at}.gender")

    mine: list[_Entry] = []
    others: Counter = Counter()
    unread: Counter = Counter()
    for e in entries:
        kind = e.resource.get("resourceType")
        if e is chosen or kind not in ("Condition", "Observation", "Procedure"):
            if e is not chosen and kind != "Patient":
                unread[kind] += 1
            continue
        whose = _belongs(e.resource, names, identifiers)
        if whose is True:
            mine.append(e)
        elif whose is False:
            others[kind] += 1
        else:
            out.warnings.append((f"{e.at}.subject", f"{e.label} names no patient (no subject): left out"))
    if others:
        out.notes.append("Left out, as they belong to another patient: "
                         + ", ".join(f"{n} {k}" for k, n in sorted(others.items())) + ".")
    if unread:
        out.notes.append("Not read (no spinepath field comes from them): "
                         + ", ".join(f"{n} {k}" for k, n in sorted(unread.items(), key=lambda kv: (-kv[1], str(kv[0])))[:12])
                         + ".")

    tumours = []
    fields: dict[str, list[tuple[Any, _Entry, str]]] = {}
    treatments: list[tuple[dict, _Entry]] = []
    cancer_procedures_unmapped: list[_Entry] = []
    ages: list[tuple[int, _Entry, str]] = []
    for e in mine:
        kind = e.resource.get("resourceType")
        if kind == "Condition":
            t = _condition(e, out)
            if t is not None:
                tumours.append(t)
        elif kind == "Observation":
            _observation(e, out, fields, ages)
        else:
            _procedure(e, out, treatments, cancer_procedures_unmapped)
    _tumour(tumours, condition, out)
    _age(p, chosen, out, ages, bundle, mine, as_of)
    for path, given in fields.items():
        values = {json.dumps(v, sort_keys=True) for v, _, _ in given}
        if len(values) > 1:
            listed = "; ".join(f"{e.label} says {shown(v)}" for v, e, _ in given[:4])
            raise BundleProblem([(given[1][2], f"{path} is given twice with different values: {listed}")])
        value, e, at = given[0]
        if value is None:
            continue  # null: not known, which is what an absent key says
        loinc = {"performance.ecog": ECOG, "performance.karnofsky": KARNOFSKY}.get(path)
        out.put(path, value, f"{e.label} (LOINC {loinc})" if loinc else e.label, at)
    if cancer_procedures_unmapped:
        listed = ", ".join(e.label for e in cancer_procedures_unmapped[:5])
        out.warnings.append((cancer_procedures_unmapped[0].at, f"history.treatments left out (not known): {listed} "
                             "is a cancer treatment spinepath cannot map, so the list would be incomplete"))
        out.doc.get("history", {}).pop("treatments", None)
        out.sources.pop("history.treatments", None)
        if out.doc.get("history") == {}:
            del out.doc["history"]
    elif treatments:
        for i, (_, e) in enumerate(treatments):
            out.sources[f"history.treatments.{i}"] = e.label
            out.at[f"history.treatments.{i}"] = e.at
        set_path(out.doc, "history.treatments", [treatment for treatment, _ in treatments])
    return out


def _condition(e: _Entry, out: Imported) -> _Tumour | None:
    r = e.resource
    status = {str(c.get("code")) for c in _codings(r.get("verificationStatus"))}
    if status & {"refuted", "entered-in-error"}:
        out.notes.append(f"{e.label} is marked {'/'.join(sorted(status & {'refuted', 'entered-in-error'}))}: not read.")
        return None
    extensions = [x for x in r.get("extension") or [] if isinstance(x, dict)]
    morph_i = next((i for i, x in enumerate(extensions) if x.get("url") == HISTOLOGY_EXTENSION), None)
    morph = _codings(extensions[morph_i].get("valueCodeableConcept")) if morph_i is not None else []
    code = _codings(r.get("code"))
    t = _Tumour(e)
    own = [c for c in morph + code if c.get("system") == HISTOLOGY_SYSTEM and isinstance(c.get("code"), str)]
    icdo = [c for c in morph + code if c.get("system") == ICDO3 and c.get("code") in ICDO3_CODES]
    from_icdo = {ICDO3_CODES[c["code"]][0] for c in icdo}
    where = f"{e.at}.extension[{morph_i}].valueCodeableConcept" if morph_i is not None else f"{e.at}.code"
    own_h = {c["code"].partition("/")[0] for c in own}
    own_sub = {c["code"].partition("/")[2] for c in own} - {""}
    if len(own_h) > 1 or len(own_sub) > 1 or len(from_icdo) > 1 or (own_h and from_icdo and own_h != from_icdo):
        raise BundleProblem([(where, f"{e.label} codes more than one histology: "
                                     + ", ".join(_said(c) for c in own + icdo))])
    if own:
        t.histology, t.subtype = own_h.pop(), (own_sub.pop() if own_sub else None)
    elif icdo:
        t.histology, t.subtype = ICDO3_CODES[icdo[0]["code"]]
    t.histology_at = where
    if t.histology is None:
        t.not_read = [_said(c) for c in morph + code] + ([escaped(r["code"]["text"])[:120]]
                                                         if isinstance((r.get("code") or {}).get("text"), str) else [])
    for i, site in enumerate(r.get("bodySite") or []):
        level, why = _level(site)
        if level is not None:
            if level not in t.levels:
                t.levels.append(level)
            t.level_at = t.level_at or f"{e.at}.bodySite[{i}]"
        elif why:
            out.unmapped.append((f"{e.at}.bodySite[{i}]", e.label, f"bodySite {why}"))
    is_tumour = (t.histology is not None or t.levels or morph_i is not None or PRIMARY_CANCER in _profiles(r)
                 or any(c.get("system") == ICDO3 for c in morph + code))
    if not is_tumour:
        if code:
            out.unmapped.append((f"{e.at}.code", e.label, _said(code[0])))
        return None
    if t.histology is None and t.not_read:
        out.unmapped.append((where, e.label, f"diagnosis {'; '.join(t.not_read)}"))
    return t


def _level(site) -> tuple[str | None, str]:
    """(level, '') for a body site that names one vertebra, else (None, why it does not)."""
    if not isinstance(site, dict):
        return None, ""
    for c in _codings(site):
        if c.get("system") == LEVEL_SYSTEM and c.get("code") in LEVELS:
            return c["code"], ""
        if c.get("system") == SNOMED and c.get("code") in SNOMED_LEVELS:
            return SNOMED_LEVELS[c["code"]], ""
    text = site.get("text")
    if isinstance(text, str) and text.strip() in LEVELS:
        return text.strip(), ""
    regions = [SNOMED_REGIONS[c["code"]] for c in _codings(site) if c.get("system") == SNOMED and
               c.get("code") in SNOMED_REGIONS]
    if regions:
        return None, f"names a region ({regions[0]}), not a vertebral level"
    said = [_said(c) for c in _codings(site)] + ([f"text {shown(text)}"] if isinstance(text, str) else [])
    return None, f"{'; '.join(said) or 'empty'}: not a vertebral level (C1 ... Co)"


def _tumour(tumours: list[_Tumour], wanted: str | None, out: Imported) -> None:
    if wanted is not None:
        found = [t for t in tumours if t.entry.resource.get("id") == wanted]
        if not found:
            listed = "; ".join(t.said() for t in tumours[:10]) or "none describes a tumour"
            raise OptionProblem(f"--condition {shown(wanted)} is not a Condition of this patient that describes "
                                f"a tumour: {listed}")
        tumours = found
    distinct: dict[tuple, list[_Tumour]] = {}
    for t in tumours:
        distinct.setdefault(t.key(), []).append(t)
    if len(distinct) > 1:
        listed = "; ".join(group[0].said() for group in list(distinct.values())[:6])
        raise BundleProblem([(tumours[1].entry.at, f"the Conditions describe different tumours: {listed}; "
                                                    "spinepath reads one, so name it with --condition ID")])
    if not tumours:
        return
    t = tumours[0]
    also = [x.entry.label for x in tumours[1:]]
    suffix = f" (also {', '.join(also)})" if also else ""
    if t.histology is not None:
        out.put("diagnosis.histology", t.histology, f"{t.entry.label} .extension[histology]{suffix}", t.histology_at)
        if t.subtype:
            out.put("diagnosis.subtype", t.subtype, f"{t.entry.label} .extension[histology]{suffix}", t.histology_at)
    if t.levels:
        out.put("lesion.levels", t.levels, f"{t.entry.label} .bodySite{suffix}", t.level_at)
    elif t.entry.resource.get("bodySite"):
        out.at["lesion.levels"] = f"{t.entry.at}.bodySite"
    else:
        out.at["lesion.levels"] = t.entry.at
    if t.histology is None:
        # No mappable histology: left unknown, which the consult asks about (never a guess); when the
        # bundle names a diagnosis spinepath cannot read, the file says so beside the value.
        said = f"NOT READ: {t.entry.label} says {'; '.join(t.not_read)}, which spinepath does not map; set the " \
               "histology by hand" if t.not_read else f"{t.entry.label} gives no histology: left unknown"
        out.put("diagnosis.histology", "unknown", said, t.histology_at)
        if t.not_read:
            out.warnings.append((t.histology_at, f"the diagnosis was not read: {t.entry.label} says "
                                                 f"{'; '.join(t.not_read)}; the file says histology: unknown"))


def _value_quantity(r: dict) -> dict | None:
    q = r.get("valueQuantity")
    return q if isinstance(q, dict) else None


# FHIR's age-units value set (CommonUCUMCodesForAge): min, h, d, wk, mo, a; and the same units in words
# when a Quantity gives only its `unit` text.
_UCUM_AGE = ("a", "mo", "wk", "d", "h", "min")
_UNITS = {**{u: u for u in _UCUM_AGE}, "year": "a", "years": "a", "yr": "a", "month": "mo", "months": "mo",
          "week": "wk", "weeks": "wk", "day": "d", "days": "d", "hour": "h", "hours": "h", "minute": "min",
          "minutes": "min"}


def _whole_years(value: float, unit: str) -> int | None:
    """Completed years of an age in a unit; None when days or weeks leave the year open (near a
    birthday the count depends on the leap years lived)."""
    if unit == "a":
        return int(value // 1)
    if unit == "mo":
        return int(value // 12)
    days = int(value * {"wk": 7, "d": 1, "h": 1 / 24, "min": 1 / 1440}[unit] // 1)
    # y years last between 365y + y//4 - 2 days (fewest leap days, two century years) and 365y + (y+3)//4.
    for y in range(0, 200):
        low_next = 365 * (y + 1) + (y + 1) // 4 - 2
        if 365 * y + (y + 3) // 4 <= days < low_next:
            return y
        if days < low_next:
            return None
    return None


def _observation(e: _Entry, out: Imported, fields: dict, ages: list) -> None:
    r = e.resource
    if r.get("status") in ("entered-in-error", "cancelled"):
        out.notes.append(f"{e.label} is {r['status']}: not read.")
        return
    codings = _codings(r.get("code"))
    own = next((c.get("code") for c in codings if c.get("system") == FIELD_SYSTEM), None)
    loinc = next((c.get("code") for c in codings if c.get("system") == LOINC), None)
    if own is not None:
        allowed = (set(patient_paths()) | {"notes"}) - (STANDARD - {"history.treatments"})
        if own not in allowed:
            out.unmapped.append((f"{e.at}.code", e.label, f"spinepath field {shown(own)}: not a field of the patient file"))
            return
        if not isinstance(r.get("valueString"), str):
            raise BundleProblem([(f"{e.at}.code", f"{e.label} gives the spinepath field {own} without a valueString")])
        try:
            value = json.loads(r["valueString"], parse_int=_int, parse_constant=_constant)
        except (ValueError, RecursionError) as exc:
            raise BundleProblem([(f"{e.at}.valueString", f"{own}: the value is not JSON ({escaped(str(exc))[:80]})")]) \
                from None
        if own == "history.treatments" and value != []:
            raise BundleProblem([(f"{e.at}.valueString", "history.treatments as a field can only say [] (no "
                                                          "treatment); treatments are Procedures")])
        fields.setdefault(own, []).append((value, e, f"{e.at}.valueString"))
    elif loinc == AGE:
        q = _value_quantity(r)
        if q is None:
            raise BundleProblem([(e.at, f"{e.label}: an age (LOINC {AGE}) without a valueQuantity")])
        value = q.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BundleProblem([(f"{e.at}.valueQuantity", f"{e.label}: an age without a value")])
        code, unit_text = q.get("code"), q.get("unit")
        if code is not None and q.get("system") not in (None, UCUM):
            raise BundleProblem([(f"{e.at}.valueQuantity.system", f"{e.label}: age unit from {shown(q.get('system'))}; "
                                                                  "expected UCUM (a, mo, wk, d, h, min)")])
        unit = _UNITS.get(code) if code is not None else _UNITS.get(str(unit_text).strip().lower()) \
            if unit_text is not None else None
        if unit is None or (code is not None and code not in _UCUM_AGE):
            raise BundleProblem([(f"{e.at}.valueQuantity", f"{e.label}: age unit {shown(code or unit_text)} is not "
                                                           "one of a, mo, wk, d, h, min (UCUM): cannot tell the age "
                                                           "in years")])
        if value < 0:
            raise BundleProblem([(f"{e.at}.valueQuantity.value", f"{e.label}: a negative age ({value})")])
        years = _whole_years(value, unit)
        if years is None:
            raise BundleProblem([(f"{e.at}.valueQuantity", f"{e.label}: {value:g} {unit} is one whole year or the "
                                                           "next depending on the birth date: give the age in years "
                                                           "(a) or months (mo), or a birth date")])
        said = "" if unit == "a" and value == years else f", {value:g} {unit}"
        ages.append((years, e, f"{e.at}.valueQuantity", said))
    elif loinc in (ECOG, KARNOFSKY):
        name = "performance.ecog" if loinc == ECOG else "performance.karnofsky"
        if "valueInteger" not in r:
            raise BundleProblem([(e.at, f"{e.label}: {name} (LOINC {loinc}) without a valueInteger")])
        fields.setdefault(name, []).append((r["valueInteger"], e, f"{e.at}.valueInteger"))
    else:
        out.unmapped.append((f"{e.at}.code", e.label, _said(codings[0]) if codings else "(no code)"))


def _procedure(e: _Entry, out: Imported, treatments: list, unmapped_cancer: list) -> None:
    r = e.resource
    if r.get("status") in ("not-done", "entered-in-error"):
        out.notes.append(f"{e.label} is {r['status']}: not read.")
        return
    codings = _codings(r.get("code"))
    kind = next((c.get("code") for c in codings if c.get("system") == TREATMENT_SYSTEM), None)
    if kind is None:
        if any(p.rsplit("/", 1)[-1] in MCODE_PROCEDURES for p in _profiles(r)):
            unmapped_cancer.append(e)
        out.unmapped.append((f"{e.at}.code", e.label, _said(codings[0]) if codings else "(no code)"))
        return
    treatment: dict = {"kind": kind}
    when = r.get("performedDateTime")
    where = f"{e.at}.performedDateTime"
    if when is None and isinstance(r.get("performedPeriod"), dict):
        when, where = r["performedPeriod"].get("start"), f"{e.at}.performedPeriod.start"
    if isinstance(when, str):
        treatment["date"] = when[:10]  # the day; a patient file has no time of day
        out.at[f"history.treatments.{len(treatments)}.date"] = where
    for j, x in enumerate(r.get("extension") or []):
        url = x.get("url", "") if isinstance(x, dict) else ""
        if not url.startswith(TREATMENT_KEY + ":"):
            continue
        key = url.removeprefix(TREATMENT_KEY + ":")
        at = f"{e.at}.extension[{j}].valueString"
        if not _NAME.match(key) or key in ("kind", "date"):
            raise BundleProblem([(f"{e.at}.extension[{j}].url", f"{e.label}: {shown(key)} is not a treatment key")])
        if not isinstance(x.get("valueString"), str):
            raise BundleProblem([(f"{e.at}.extension[{j}]", f"{e.label}: treatment key {key} without a valueString")])
        try:
            treatment[key] = json.loads(x["valueString"], parse_int=_int, parse_constant=_constant)
        except (ValueError, RecursionError):
            raise BundleProblem([(at, f"{e.label}: treatment key {key}: the value is not JSON")]) from None
        out.at[f"history.treatments.{len(treatments)}.{key}"] = at
    treatments.append((treatment, e))


def _dates(value) -> list[str]:
    """Every date and dateTime in a resource, as written (iterative: depth was checked, but be sure)."""
    found, stack = [], [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            for k, x in v.items():
                if isinstance(x, str) and (k.endswith(("Date", "DateTime", "Instant")) or k in ("start", "end", "issued")):
                    found.append(x)
                else:
                    stack.append(x)
        elif isinstance(v, list):
            stack.extend(v)
    return found


def _age(p: dict, chosen: _Entry, out: Imported, ages: list, bundle: dict, mine: list[_Entry],
         as_of: datetime.date | None) -> None:
    if ages:
        values = {a[0] for a in ages}
        if len(values) > 1:
            listed = "; ".join(f"{e.label} says {y} y{said}" for y, e, _, said in ages[:4])
            raise BundleProblem([(ages[1][2], f"the age is given twice with different values: {listed}")])
        years, e, at, said = ages[0]
        out.put("age", years, f"{e.label} (LOINC {AGE}{said})", at)
        return
    born = p.get("birthDate")
    if not isinstance(born, str):
        out.at["age"] = chosen.at
        return
    born_span = days(born)
    if born_span is None:
        raise BundleProblem([(f"{chosen.at}.birthDate", f"birth date {shown(born)} is not a date")])
    if as_of is not None:
        day_span, said = (as_of, as_of), f"as of {as_of.isoformat()}, --as-of"
    else:
        dated = [(d[:10], e) for e in mine for d in _dates(e.resource) if days(d[:10]) is not None]
        if not dated:
            raise BundleProblem([(f"{chosen.at}.birthDate", "the age needs a date to count to: the bundle's only date "
                                                            "is the birth date; give --as-of YYYY-MM-DD")])
        spans = {d: span for d, _ in dated if (span := days(d)) is not None}  # every date here has one
        latest, e = max(dated, key=lambda de: spans[de[0]][1])
        day_span, said = spans[latest], f"as of {latest}, the latest date of {e.label}"
    youngest = _years_between(born_span[1], day_span[0])
    oldest = _years_between(born_span[0], day_span[1])
    if oldest < 0:
        raise OptionProblem(f"--as-of {day_span[0].isoformat()} is before the birth date {born}") if as_of else \
            BundleProblem([(f"{chosen.at}.birthDate", f"the birth date {born} is after every other date of the patient")])
    if youngest != oldest:
        raise BundleProblem([(f"{chosen.at}.birthDate", f"birth date {born} gives an age of {max(youngest, 0)} or "
                                                         f"{oldest} ({said}): give --as-of a full date, or an age "
                                                         "Observation")])
    out.put("age", oldest, f"{chosen.label} .birthDate ({said})", f"{chosen.at}.birthDate")


def _years_between(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def parse_as_of(text: str | None) -> datetime.date | None:
    """--as-of: a full date YYYY-MM-DD of the calendar, or OptionProblem."""
    if text is None:
        return None
    if not ISO_DAY.match(text) or days(text) is None:
        raise OptionProblem(f"--as-of: expected a date as YYYY-MM-DD; got {shown(text)}")
    return datetime.date.fromisoformat(text)


# --------------------------------------------------------------------------------------- checking and writing

def problems_in_bundle(imported: Imported) -> list[tuple[str, str]]:
    """What the patient model refuses in the imported document, at the bundle's JSON paths."""
    from pydantic import ValidationError

    from ..load.patient import Patient, validation_problems
    from ..load.yamlsafe import Document
    try:
        Patient.model_validate(imported.doc)
    except ValidationError as exc:
        found = []
        for path, message, _ in validation_problems(exc, Document("<bundle>", imported.doc, {}, {})):
            missing = re.match(r"missing required key '([^']+)'", message)
            where = _bundle_path(imported, path + (missing.group(1),) if missing else path)
            found.append((where, _explain(message)))
        no_tumour = _explain("missing required key 'diagnosis'")
        if any(m == no_tumour for _, m in found):  # one sentence, not one per missing key of the tumour
            found = [(w, m) for w, m in found if not m.startswith("no vertebral level")]
        return found
    return []


def _bundle_path(imported: Imported, path: tuple) -> str:
    """Where in the bundle a path of the patient document came from: the path itself, a value under it
    (a missing lesion whose levels were looked for in a bodySite), or the nearest parent."""
    dotted = ".".join(str(p) for p in path)
    under = sorted(k for k in imported.at if k.startswith(dotted + "."))
    if dotted not in imported.at and under:
        return imported.at[under[0]]
    while dotted:
        if dotted in imported.at:
            return imported.at[dotted]
        dotted = dotted.rpartition(".")[0]
    return "$"


def _explain(message: str) -> str:
    if message.startswith("missing required key 'lesion'") or message.startswith("missing required key 'levels'"):
        return ("no vertebral level: lesion.levels comes from the tumour Condition's bodySite (a urn:spinepath:level "
                "coding, a SNOMED vertebra code of docs/fhir.md, or the text C1 ... Co)")
    if message.startswith("missing required key 'age'"):
        return (f"no age: it comes from an Observation LOINC {AGE} (valueQuantity in a, mo, wk, d, h or min) or from "
                "Patient.birthDate with --as-of")
    if message.startswith("missing required key 'diagnosis'"):
        return ("no Condition of this patient describes a primary bone tumour: spinepath reads the histology from "
                "an ICD-O-3 morphology (mCODE histology-morphology-behavior extension) and the levels from bodySite "
                "(docs/fhir.md)")
    return message


def unmapped_groups(imported: Imported) -> list[tuple[str, str, str]]:
    """(JSON path of the first, what, which resources) per distinct unmapped code, in bundle order:
    a real bundle repeats the same vital sign hundreds of times."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for at, label, what in imported.unmapped:
        groups.setdefault(what, []).append((at, label))
    return [(places[0][0], what, places[0][1] if len(places) == 1 else f"{len(places)} resources, first {places[0][1]}")
            for what, places in groups.items()]


def patient_yaml(imported: Imported) -> str:
    """The imported patient as a spinepath.patient/1 file, each key commented with its source."""
    from ..load.yaml_writer import comment, lines
    doc = _ordered(imported.doc)
    head = ["# Imported from a FHIR bundle by `spinepath import fhir`; each key names the resource it came from.",
            "# What the bundle did not say is absent (unknown), never guessed."]
    head += [f"# {comment(n)}" for n in imported.notes]
    body = lines(doc, 0, imported.sources)
    tail = []
    if imported.unmapped:
        grouped = unmapped_groups(imported)
        shown_lines = [f"#   {comment(what)} ({comment(where)})" for _, what, where in grouped[:60]]
        if len(grouped) > 60:
            shown_lines.append(f"#   ... and {len(grouped) - 60} more codes")
        tail = ["", "# Codes in the bundle that spinepath could not map (left out):"] + shown_lines
    return "\n".join(head + body + tail) + "\n"


_ORDER = ("format", "id", "age", "sex", "performance", "care_setting", "presentation", "lesion", "diagnosis",
          "staging", "history", "preferences", "notes")


def _ordered(doc: dict) -> dict:
    return {k: doc[k] for k in sorted(doc, key=lambda k: (_ORDER.index(k) if k in _ORDER else len(_ORDER), k))}
