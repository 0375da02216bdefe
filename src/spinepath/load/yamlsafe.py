"""Reading YAML that a person wrote, without trusting it.

Only plain data is built: any tag beyond the YAML core types is refused, so a file can never
construct a Python object. Duplicate keys, merge keys, oversized files and alias bombs are
refused with a position. Every key and value keeps its line and column so that later checks
(the patient model, the rule compiler) can point at the exact place of a problem.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, InputError

try:  # the C parser is several times faster; the pure-Python one behaves the same
    from yaml._yaml import CParser as _Parser
    _HAVE_LIBYAML = True
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _HAVE_LIBYAML = False

MAX_BYTES = 1024 * 1024
# A document expanded through its aliases may not exceed this many nodes; an honest patient
# or rule file has a few hundred, a "billion laughs" file has billions.
MAX_EXPANDED_NODES = 50_000

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "seq", "map")}
_STR = _CORE + "str"


class _Resolver(yaml.resolver.Resolver):
    """The YAML 1.1 resolver without timestamps: dates stay text (`2011-02-03`)."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _CORE + "timestamp"]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}


if not _HAVE_LIBYAML:  # pragma: no cover
    class _Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer,
                  yaml.constructor.SafeConstructor, _Resolver):
        def __init__(self, stream):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            _Resolver.__init__(self)
else:
    class _Loader(_Parser, yaml.constructor.SafeConstructor, _Resolver):  # type: ignore[no-redef]
        def __init__(self, stream):
            _Parser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            _Resolver.__init__(self)


@dataclass
class Document:
    """Plain data plus where each piece stands in the file."""

    file: str
    data: Any
    values: dict  # path -> (line, column) of the value
    keys: dict  # path -> (line, column) of the mapping key that leads to it
    # path -> the text of an unquoted value YAML read as something else than text (no -> false, 1e3 -> 1000.0),
    # so that an error can say what was written
    plain: dict = field(default_factory=dict)

    def where(self, path: tuple) -> tuple[int, int]:
        """Closest known position for a path: the key if it exists, else its nearest parent."""
        path = tuple(path)
        while path:
            if path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (1, 1))

    def value_at(self, path: tuple) -> tuple[int, int]:
        path = tuple(path)
        return self.values.get(path) or self.where(path)


def _pos(mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _fail(file: str, mark, message: str, code: str = "yaml"):
    line, col = _pos(mark) if mark is not None else (1, 1)
    raise InputError([Diagnostic(file, line, col, code, message)])


def _expanded_size(node, memo: dict) -> int:
    key = id(node)
    if key in memo:
        size = memo[key]
    else:
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(_expanded_size(child, memo) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(_expanded_size(k, memo) + _expanded_size(v, memo)
                        for k, v in node.value)
        memo[key] = size
    return size


def _decode(file: str, raw: bytes) -> str:
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        line = raw.count(b"\n", 0, offset) + 1
        col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
        raise InputError([Diagnostic(file, line, col, "yaml",
                                     "binary data (a NUL byte): expected a UTF-8 YAML text file")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError([Diagnostic(file, line, col, "yaml",
                                     "invalid UTF-8 byte: expected a UTF-8 YAML text file")]) from None


def read_bytes(path: str | Path, limit: int = MAX_BYTES) -> bytes:
    file = str(path)
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError([Diagnostic(file, 0, 0, "io", "is a directory: expected a YAML file")])
        size = p.stat().st_size
        if size > limit:
            raise InputError([Diagnostic(
                file, 0, 0, "too-large",
                f"file is {size / 1e6:.1f} MB; expected at most {limit // 1024} KiB of YAML")])
        with p.open("rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise InputError([Diagnostic(file, 0, 0, "io", f"cannot read: {exc.strerror or exc}")]) from None
    if len(raw) > limit:  # a file that grew, or a device
        raise InputError([Diagnostic(file, 0, 0, "too-large",
                                     f"file exceeds {limit // 1024} KiB; expected a small YAML file")])
    return raw


def load_path(path: str | Path, limit: int = MAX_BYTES) -> Document:
    return load_text(str(path), _decode(str(path), read_bytes(path, limit)))


# PyYAML's own words for the syntax errors people make, and what they mean for someone writing a file.
_IN_WORDS = (
    ("tab", "a tab character: YAML indents with spaces only; replace the tab with spaces"),
    ("mapping values are not allowed",
     "a ':' where a value was expected: put text that contains ': ' in quotes, or check the indentation of "
     "this line against the line above"),
    ("could not find expected ':'", "expected 'key: value' here: a colon is missing, or a line is indented "
                                    "under a plain value"),
    ("did not find expected key", "this line is indented differently from the keys above it"),
    ("expected <block end>", "this line is indented differently from the lines above it"),
    ("did not find expected ','", "a [list] or {mapping} opened on this line or above is not closed, or two of its "
                                  "items lack a comma between them"),
    ("found unexpected end of stream", "a quote or bracket opened earlier is never closed"),
    ("found undefined alias", "'*' starts an alias in YAML: put text that begins with * in quotes"),
    ("found character that cannot start any token", "this character cannot start a value: put the value in quotes"),
)


def in_words(problem: str, context: str | None = None) -> str:
    """PyYAML's problem text as a person writing a patient file would say it (the original kept)."""
    said = f"{context or ''} {problem}".lower()
    for needle, words in _IN_WORDS:
        if needle in said:
            return f"{words} (YAML: {problem})"
    return problem


def load_text(file: str, text: str) -> Document:
    """Parse one YAML document into plain data and positions, or raise InputError."""
    loader = None
    try:
        try:
            loader = _Loader(text)
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "invalid YAML"
            if "expected a single document" in str(exc.context or ""):
                problem = "more than one YAML document: expected exactly one"
            _fail(file, mark, f"YAML syntax error: {in_words(problem, exc.context)}")
        except yaml.YAMLError as exc:  # reader errors (control characters) carry a position
            mark = getattr(exc, "position", None)
            if mark is not None and hasattr(exc, "character"):
                text_before = text[:mark]
                line = text_before.count("\n") + 1
                col = mark - (text_before.rfind("\n") + 1) + 1
                raise InputError([Diagnostic(file, line, col, "yaml",
                                             "unprintable character: expected YAML text")]) from None
            _fail(file, None, f"YAML error: {exc}")
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        raise InputError([Diagnostic(file, 1, 1, "empty", "file is empty: expected a YAML mapping")])
    memo: dict = {}
    if _expanded_size(node, memo) > MAX_EXPANDED_NODES:
        _fail(file, node.start_mark,
              f"document expands to more than {MAX_EXPANDED_NODES} nodes through aliases "
              "(an alias bomb?): write the values out instead of using anchors", "alias-bomb")
    values: dict = {}
    keys: dict = {}
    constructor = yaml.constructor.SafeConstructor()

    def build(n, path):
        values[path] = _pos(n.start_mark)
        if n.tag not in _ALLOWED_TAGS:
            _fail(file, n.start_mark,
                  f"tag {n.tag!r} is not allowed: expected plain YAML values (text, numbers, "
                  "true/false, lists, mappings)", "tag")
        if isinstance(n, yaml.MappingNode):
            out = {}
            for k, v in n.value:
                if k.tag == _CORE + "merge":
                    _fail(file, k.start_mark, "merge keys ('<<') are not supported: write the keys out")
                if not isinstance(k, yaml.ScalarNode):
                    _fail(file, k.start_mark, "a mapping key must be plain text")
                key = build(k, path + ("<key>",))
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    _fail(file, k.start_mark, "a mapping key must be plain text")
                if key in out:
                    line, _ = keys[path + (key,)]
                    _fail(file, k.start_mark, f"duplicate key {key!r} (first defined on line {line})",
                          "duplicate-key")
                keys[path + (key,)] = _pos(k.start_mark)
                out[key] = build(v, path + (key,))
            values.pop(path + ("<key>",), None)
            return out
        if isinstance(n, yaml.SequenceNode):
            return [build(item, path + (i,)) for i, item in enumerate(n.value)]
        if n.tag == _STR:  # most scalars: what SafeConstructor.construct_yaml_str returns, without its overhead
            return n.value
        if isinstance(n, yaml.ScalarNode) and not n.style:  # plain: None, or "" from the C loader
            plain[path] = n.value
        try:
            return constructor.construct_object(n, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            _fail(file, n.start_mark, f"bad value: {exc}")

    plain: dict = {}
    data = build(node, ())
    return Document(file, data, values, keys, plain)
