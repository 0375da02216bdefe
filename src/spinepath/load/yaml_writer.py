"""Writing a patient document as YAML that a person can read and that yamlsafe reads back unchanged.

A serialiser, not a template: every key is checked to be a plain name, every scalar is written by one
function that quotes and escapes whatever YAML would read differently (no, on, 1e3, a date, a
leading zero, a newline, a control character), and a comment can never end its line early. So no text
from another system (a FHIR bundle) can become a key or a value it was not. Keys keep their order,
lists of scalars stay on one line, and nested values that a patient file does not hold (lists in lists)
are written in flow style, for the patient model to refuse with a position.

A comment can follow any key (`comments` maps a dotted path, with list indexes, to its text), e.g.
the FHIR resource a value came from.
"""
from __future__ import annotations

import json
import math
import re

from .diagnostics import escaped

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
_QUOTED_KEYS = {"escc", "date"}  # text that YAML would otherwise read as a number or a date
# Characters json.dumps leaves raw that YAML would read as a line break, or refuse as unprintable.
_RAW = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")


def _key(key) -> str:
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError(f"not a key a patient file can hold: {escaped(repr(key))}")
    return key


def quoted(text: str) -> str:
    """A double-quoted YAML scalar that reads back as exactly `text` (a JSON string is one, once the
    characters YAML treats as line breaks are escaped too)."""
    return _RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def scalar(key: str, value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        if e and "." not in mantissa:  # 1e-05 is text to a YAML 1.1 reader; 1.0e-05 is a number to both
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, (list, dict)):
        return flow(key, value)
    if not isinstance(value, str):
        raise ValueError(f"not a value a patient file can hold: {type(value).__name__}")
    if key in _QUOTED_KEYS or not _PLAIN.match(value) or value.lower() in _YAML_WORDS:
        return quoted(value)
    return value


def flow(key: str, value) -> str:
    """A value in flow style: [a, b] and {k: v}, nested as deep as the value is."""
    if isinstance(value, list):
        return "[" + ", ".join(flow(key, v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {flow(k, v)}" for k, v in value.items()) + "}"
    return scalar(key, value)


def comment(text: str) -> str:
    """Comment text on one line: control characters and line breaks shown as escapes."""
    return escaped(text).replace("\t", " ")


def lines(doc: dict, indent: int = 0, comments: dict[str, str] | None = None, prefix: str = "") -> list[str]:
    comments = comments or {}
    pad = "  " * indent
    out = []
    for key, value in doc.items():
        key = _key(key)
        path = f"{prefix}{key}"
        note = f"  # {comment(comments[path])}" if path in comments else ""
        if isinstance(value, dict) and value:
            out.append(f"{pad}{key}:{note}")
            out.extend(lines(value, indent + 1, comments, path + "."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) and v for v in value):
            out.append(f"{pad}{key}:{note}")
            for i, item in enumerate(value):
                sub = lines(item, indent + 2, comments, f"{path}.{i}.")
                item_note = f"  # {comment(comments[f'{path}.{i}'])}" if f"{path}.{i}" in comments else ""
                out.append(f"{pad}  - {sub[0].lstrip()}" + (item_note if "#" not in sub[0] else ""))
                out.extend(sub[1:])
        elif isinstance(value, list):
            out.append(f"{pad}{key}: [{', '.join(flow(key, v) for v in value)}]{note}")
        else:
            out.append(f"{pad}{key}: {scalar(key, value)}{note}")
    return out
