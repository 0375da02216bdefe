"""Reading YAML that a person wrote, without trusting it.

Only plain data is built: any tag beyond the YAML core types is refused, so a file can never
construct a Python object. Duplicate keys, merge keys, oversized files and alias bombs are
refused with a position. Every key and value keeps its line and column so that later checks
(the patient model, the rule compiler) can point at the exact place of a problem.

Numbers are read as YAML 1.2's core schema reads them, which is how a person means them: `20` and
`1e2` are numbers, `2011-02` is text. Forms that YAML 1.1 readers (PyYAML, many other tools) take for
something else are refused with what to write instead, so that no two readers of the same file can
disagree: a leading zero (`020`, octal 16 in YAML 1.1), underscores (`1_0`), base 60 (`20:11`, 1211),
hexadecimal, octal and binary. true/false and yes/no stay as YAML 1.1 reads them; the patient model
then says when a word was read as true or false.
"""
from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, InputError, display_path

try:  # the C parser is several times faster; the pure-Python one behaves the same
    from yaml._yaml import CParser as _Parser
    _HAVE_LIBYAML = True
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _HAVE_LIBYAML = False

MAX_BYTES = 1024 * 1024
# A document expanded through its aliases may not exceed this many nodes; an honest patient
# or rule file has a few hundred, a "billion laughs" file has billions.
MAX_EXPANDED_NODES = 50_000
# Lists and mappings inside each other; a patient file nests 4 deep, a rule condition a dozen.
MAX_DEPTH = 100
# Digits in one number: far beyond any clinical value, and far below what makes int() slow.
MAX_DIGITS = 30

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "seq", "map")}
_STR = _CORE + "str"


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.2 core numbers, YAML 1.1 true/false/null, no timestamps (dates stay text: `2011-02-03`),
    and a tag of its own for the number forms that YAML versions read differently."""


_SUSPECT = "tag:spinepath,2026:ambiguous-number"
_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
# What a YAML 1.1 reader takes for a number and YAML 1.2 does not, or for another number.
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9_]+$")
_BASE = re.compile(r"^[-+]?0(?:x[0-9a-fA-F_]+|o[0-7_]+|b[01_]+)$")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_UNDERSCORED = re.compile(r"^[-+]?(?:[0-9_]*\.?[0-9_]+(?:[eE][-+]?[0-9]+)?)$")

_Resolver.yaml_implicit_resolvers = {}
for _first, _resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
    _kept = [(tag, rx) for tag, rx in _resolvers if tag in (_CORE + "bool", _CORE + "null", _CORE + "merge")]
    if _kept:
        _Resolver.yaml_implicit_resolvers[_first] = _kept
_Resolver.add_implicit_resolver(_SUSPECT, re.compile("|".join(
    f"(?:{rx.pattern})" for rx in (_LEADING_ZERO, _BASE, _SEXAGESIMAL))), list("-+0123456789"))
_Resolver.add_implicit_resolver(_CORE + "int", _INT, list("-+0123456789"))
_Resolver.add_implicit_resolver(_CORE + "float", _FLOAT, list("-+.0123456789"))
_Resolver.add_implicit_resolver(_SUSPECT, re.compile(r"^(?=.*_)(?=.*[0-9])(?:" + _UNDERSCORED.pattern[1:-1] + ")$"),
                                list("-+._0123456789"))


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


def _shape(file: str, root) -> None:
    """Refuse a document nested too deep, one that contains itself through an alias, and one that
    expands to too many nodes, saying which of the three it is. Iterative: no depth can overflow."""
    size: dict[int, int] = {}  # id(node) -> nodes it expands to
    on_path: set[int] = set()
    shared = False  # some node is reached twice: aliases are in use
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        children = ([c for kv in node.value for c in kv] if isinstance(node, yaml.MappingNode)
                    else list(node.value) if isinstance(node, yaml.SequenceNode) else [])
        if done:
            on_path.discard(key)
            size[key] = min(1 + sum(size[id(c)] for c in children), MAX_EXPANDED_NODES + 1)
            continue
        if key in size:
            shared = True
            continue
        if key in on_path:
            _fail(file, node.start_mark, "an alias refers to the list or mapping that contains it (a loop): "
                  "write the values out instead", "alias-loop")
        if depth > MAX_DEPTH:
            _fail(file, node.start_mark, f"lists and mappings are nested more than {MAX_DEPTH} deep here: "
                  "expected a patient or rule file of a few levels", "too-deep")
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in reversed(children))
    if size[id(root)] > MAX_EXPANDED_NODES:
        if shared:
            _fail(file, root.start_mark, f"document expands to more than {MAX_EXPANDED_NODES:,} values through "
                  "aliases (an alias bomb?): write the values out instead of using anchors", "alias-bomb")
        _fail(file, root.start_mark, f"document has more than {MAX_EXPANDED_NODES:,} values (keys, list items "
              "and their contents): a patient file holds a few hundred", "too-large")


def _decode(file: str, raw: bytes) -> str:
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        line = raw.count(b"\n", 0, offset) + 1
        col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
        raise InputError([Diagnostic(file, line, col, "yaml",
                                     "binary data (a NUL byte): expected a UTF-8 YAML text file")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError([Diagnostic(file, line, col, "yaml",
                                     "invalid UTF-8 byte: expected a UTF-8 YAML text file")]) from None
    return text


_LINE_BREAKS = {"\x85": "a NEL character (U+0085)", "\u2028": "a line separator (U+2028)",
                "\u2029": "a paragraph separator (U+2029)"}


def _check_breaks(file: str, text: str) -> None:
    """YAML counts NEL, LS and PS as line breaks, editors do not: every position after one would be
    off by a line. Refuse them where an editor shows them."""
    for i, ch in enumerate(text):
        if ch in _LINE_BREAKS:
            before = text[:i]
            line = before.count("\n") + 1
            col = i - (before.rfind("\n") + 1) + 1
            raise InputError([Diagnostic(file, line, col, "yaml", f"{_LINE_BREAKS[ch]}, which YAML reads as a "
                                         "line break: delete it, or write it as an escape in double quotes "
                                         f"(\"\\u{ord(ch):04X}\")")])


STDIN_NAMES = ("-", "/dev/stdin", "/proc/self/fd/0", "/dev/fd/0")


def _is_stdin(path: str) -> bool:
    return path in STDIN_NAMES


def too_large(file: str, size: int, limit: int, what: str = "YAML") -> InputError:
    return InputError([Diagnostic(file, 0, 0, "too-large",
                                  f"file is {size:,} bytes; expected at most {limit:,} bytes "
                                  f"({limit // 1024 // 1024 or limit // 1024} {'MiB' if limit >= 1024 * 1024 else 'KiB'}) of {what}")])


def read_bytes(path: str | Path, limit: int = MAX_BYTES, what: str = "YAML") -> bytes:
    """The bytes of a regular file (or of standard input, named `-` or /dev/stdin), at most `limit`.

    A FIFO, a device or a socket is refused before anything is read from it, so that nothing can
    block; a folder that cannot be listed says so (batch reports its patients as not consulted)."""
    file = display_path(path)
    if _is_stdin(str(path)):
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise InputError([Diagnostic(file, 0, 0, "io", "standard input is closed")])
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise too_large(file, len(raw), limit, what)
        return raw
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        fd = None
    except OSError as exc:
        if os.path.isdir(path):
            raise InputError([Diagnostic(file, 0, 0, "io", f"folder cannot be read ({exc.strerror or exc}): "
                                         "the patient files in it were not consulted")]) from None
        raise InputError([Diagnostic(file, 0, 0, "io", f"cannot read: {exc.strerror or exc}")]) from None
    try:
        mode = os.fstat(fd).st_mode if fd is not None else stat.S_IFDIR
        if stat.S_ISDIR(mode):
            try:
                os.listdir(path)
            except OSError as exc:
                raise InputError([Diagnostic(file, 0, 0, "io", f"folder cannot be read ({exc.strerror or exc}): "
                                             "the patient files in it were not consulted")]) from None
            raise InputError([Diagnostic(file, 0, 0, "io", f"is a directory: expected a {what} file")])
        if not stat.S_ISREG(mode):
            kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or
                    stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
            raise InputError([Diagnostic(file, 0, 0, "io", f"is {kind}: expected a {what} file (to read standard "
                                         "input, name it -)")])
        assert fd is not None  # a folder (no descriptor) was refused above
        size = os.fstat(fd).st_size
        if size > limit:
            raise too_large(file, size, limit, what)
        with os.fdopen(fd, "rb") as fh:
            fd = None
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise InputError([Diagnostic(file, 0, 0, "io", f"cannot read: {exc.strerror or exc}")]) from None
    finally:
        if fd is not None:
            os.close(fd)
    if len(raw) > limit:  # a file that grew while it was read
        raise too_large(file, len(raw), limit, what)
    return raw


def load_path(path: str | Path, limit: int = MAX_BYTES) -> Document:
    return load_text(display_path(path), _decode(display_path(path), read_bytes(path, limit)))


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
    ("duplicate anchor", "an anchor (&name) is defined a second time: give each anchor its own name"),
    ("found character that cannot start any token", "this character cannot start a value: put the value in quotes"),
)


def in_words(problem: str, context: str | None = None) -> str:
    """PyYAML's problem text as a person writing a patient file would say it (the original kept)."""
    said = f"{context or ''} {problem}".lower()
    for needle, words in _IN_WORDS:
        if needle in said:
            return f"{words} (YAML: {problem})"
    return problem


def _char_at(text: str, line: int, col: int) -> str:
    lines = text.split("\n")
    if 1 <= line <= len(lines) and 1 <= col <= len(lines[line - 1]):
        return lines[line - 1][col - 1]
    return ""


def _odd_indent(text: str, line: int) -> int | None:
    """The line (this one or the one before) indented with a space that is not a plain space."""
    lines = text.split("\n")
    for n in (line, line - 1):
        if 1 <= n <= len(lines):
            lead = lines[n - 1][:len(lines[n - 1]) - len(lines[n - 1].lstrip())]
            if any(ch != " " for ch in lead):
                return n
    return None


def _syntax_error(file: str, text: str, exc: yaml.MarkedYAMLError):
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    context = str(exc.context or "")
    line, col = _pos(mark) if mark is not None else (1, 1)
    last = text.count("\n") + (0 if text.endswith("\n") else 1)
    if "expected a single document" in context:
        message = "more than one YAML document: expected exactly one"
    elif _char_at(text, line, col) == "\t":
        message = "a tab character: YAML indents with spaces only; replace the tab with spaces"
    elif "quoted scalar" in context and exc.context_mark is not None:
        line, col = _pos(exc.context_mark)
        message = "this quote is never closed: add the closing quote at the end of the value"
    elif "duplicate anchor" in context and exc.context_mark is not None:
        message = (f"anchor defined a second time (first on line {exc.context_mark.line + 1}): give each "
                   "anchor (&name) its own name")
    elif (odd := _odd_indent(text, line)) is not None and ("indent" in in_words(problem, context)
                                                           or "cannot start" in problem):
        lead = text.split("\n")[odd - 1]
        ch = next(c for c in lead if c != " ")
        message = (f"line {odd} is indented with {'a tab' if ch == chr(9) else f'U+{ord(ch):04X}'}, not a plain "
                   "space: indent with spaces only")
    else:
        message = f"YAML syntax error: {in_words(problem, context)}"
    if line > last:  # the end of a file cut short: point at its last line, not past it
        line, col = max(last, 1), 1
    raise InputError([Diagnostic(file, line, col, "yaml", message)])


def number_advice(written: str) -> str | None:
    """What to write instead of a number form that YAML versions read differently, or None."""
    bare = written.lstrip("+-")
    sign = written[:len(written) - len(bare)].replace("+", "")
    if _BASE.match(written):
        return (f"{written} is a hexadecimal, octal or binary number: write numbers in decimal, or \"{written}\" "
                "in quotes for text")
    if _SEXAGESIMAL.match(written):
        return (f"{written} is read as a base-60 number by YAML 1.1: write a date as YYYY, YYYY-MM or "
                f"YYYY-MM-DD, a number in decimal, or \"{written}\" in quotes for text")
    if "_" in written:
        return (f"{written} has an underscore, which some YAML readers drop: write {sign}{bare.replace('_', '')} "
                f"for the number, or \"{written}\" in quotes for text")
    if _LEADING_ZERO.match(written):
        return (f"{written} has a leading zero, which YAML 1.1 reads as an octal number: write "
                f"{sign}{bare.lstrip('0') or '0'} for the number, or \"{written}\" in quotes for text")
    return None


_BOOL = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}
_NULL = {"", "~", "null", "Null", "NULL"}


def _scalar(file: str, n: yaml.ScalarNode):
    """A scalar as its tag says, refused with a message when its text is not of that type."""
    tag, value = n.tag, n.value
    if tag == _SUSPECT or (tag in (_CORE + "int", _CORE + "float") and number_advice(value)):
        _fail(file, n.start_mark, number_advice(value) or f"{value!r} is not a number", "number")
    if tag == _CORE + "null":
        if value in _NULL:
            return None
        _fail(file, n.start_mark, f"!!null with a value ({value!r}): leave it empty or write null")
    if tag == _CORE + "bool":
        if value.lower() in _BOOL and value in (value.lower(), value.upper(), value.capitalize()):
            return _BOOL[value.lower()]
        _fail(file, n.start_mark, f"expected true or false; got {value!r}")
    if tag == _CORE + "int":
        if not _INT.match(value):
            _fail(file, n.start_mark, f"expected a whole number; got {value!r}")
        if len(value.lstrip("+-")) > MAX_DIGITS:
            _fail(file, n.start_mark, f"a number of {len(value.lstrip('+-')):,} digits: expected a value a "
                  "patient file can hold", "number")
        return int(value)
    if tag == _CORE + "float":
        if not _FLOAT.match(value):
            _fail(file, n.start_mark, f"expected a number; got {value!r}")
        low = value.lower()
        if low.endswith(".inf"):
            return float("-inf") if low.startswith("-") else float("inf")
        if low == ".nan":
            return float("nan")
        if len(value) > MAX_DIGITS + 8:
            _fail(file, n.start_mark, f"a number of {len(value):,} characters: expected a value a patient file "
                  "can hold", "number")
        return float(value)
    return value  # str


def load_text(file: str, text: str) -> Document:
    """Parse one YAML document into plain data and positions, or raise InputError."""
    _check_breaks(file, text)
    loader = None
    try:
        try:
            loader = _Loader(text)
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            _syntax_error(file, text, exc)
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
    _shape(file, node)
    values: dict = {}
    keys: dict = {}
    plain: dict = {}

    def build(n, path):
        values[path] = _pos(n.start_mark)
        if n.tag not in _ALLOWED_TAGS and n.tag != _SUSPECT:
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
                if isinstance(key, str) and key[:1].isspace():  # a no-break space that looked like indentation
                    _fail(file, k.start_mark, f"this line is indented with U+{ord(key[0]):04X} "
                          f"({'a no-break space' if key[0] == chr(0xA0) else 'a space YAML does not indent with'}), "
                          "not a plain space: indent with spaces only")
                if not isinstance(key, str):
                    shown = "nothing (null)" if key is None else str(key).lower() if isinstance(key, bool) \
                        else f"the number {key!r}"
                    _fail(file, k.start_mark, f"a mapping key must be text; YAML reads the unquoted {k.value or '~'} "
                          f"as {shown}: write \"{k.value}\" in quotes if it is meant as a key")
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
        if n.tag == _STR:  # most scalars
            return n.value
        if not n.style:  # plain: what YAML made of the text, so that an error can say what was written
            plain[path] = n.value
        return _scalar(file, n)

    data = build(node, ())
    return Document(file, data, values, keys, plain)
