"""Writing a patient document as YAML that a person can read and that yamlsafe reads back unchanged.

Keys keep their order, lists of scalars stay on one line, and text that YAML would read as something
else (no, on, 1e3, a date) is quoted. A comment can follow any key (`comments` maps a dotted path, with
list indexes, to its text), e.g. the FHIR resource a value came from.
"""
from __future__ import annotations

import json
import re

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
_QUOTED_KEYS = {"escc", "date"}  # text that YAML would otherwise read as a number or a date


def scalar(key: str, value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if key in _QUOTED_KEYS or not _PLAIN.match(value) or value.lower() in _YAML_WORDS:
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar
    return value


def lines(doc: dict, indent: int = 0, comments: dict[str, str] | None = None, prefix: str = "") -> list[str]:
    comments = comments or {}
    pad = "  " * indent
    out = []
    for key, value in doc.items():
        path = f"{prefix}{key}"
        note = f"  # {comments[path]}" if path in comments else ""
        if isinstance(value, dict):
            out.append(f"{pad}{key}:{note}")
            out.extend(lines(value, indent + 1, comments, path + "."))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out.append(f"{pad}{key}:{note}")
            for i, item in enumerate(value):
                sub = lines(item, indent + 2, comments, f"{path}.{i}.")
                item_note = f"  # {comments[f'{path}.{i}']}" if f"{path}.{i}" in comments else ""
                out.append(f"{pad}  - {sub[0].lstrip()}" + (item_note if "#" not in sub[0] else ""))
                out.extend(sub[1:])
        elif isinstance(value, list):
            out.append(f"{pad}{key}: [{', '.join(scalar(key, v) for v in value)}]{note}")
        else:
            out.append(f"{pad}{key}: {scalar(key, value)}{note}")
    return out
