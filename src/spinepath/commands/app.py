"""The Typer application and what every command module shares: the --rules option, the output
formats, stdout, and the one way to fail (FILE:LINE:COL messages, exit 2; statuses in status.py).
Command modules import this module; it imports none of them (commands/__init__.py registers them)."""
from __future__ import annotations

import errno
import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console

from .. import __version__
from ..load.diagnostics import Diagnostic, InputError
from . import outputs
from .outputs import refuse_inputs
from .status import ExitStatus

# What the command modules share besides the app (they import this module only, never each other).
__all__ = ["ExitStatus", "outputs", "refuse_inputs"]

def _truthful_help() -> None:
    """Typer's help shows a value type beside every option, a flag included (`--trace <bool>`), and the
    usage line writes a required argument as `{file}`. A newcomer then types `--trace true`
    (NEWCOMER-2026-12 P13): a flag shows no value, and arguments are written as click writes them (FILE,
    [CASE], PATHS...)."""
    from typer import core

    shown = getattr(core.TyperOption, "display_type_rich", None)
    if shown is None or getattr(shown, "_spinepath", False) or not hasattr(core.TyperArgument, "_usage_display_name"):
        return  # another typer: its own help (tests/test_views_80.py says if flags show a value again)

    def display_type_rich(self, ctx):
        return None if self.is_flag else shown(self, ctx)

    def usage_name(self) -> str:
        name = self.display_name_raw.upper() if self.metavar is None else self.display_name_raw
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    display_type_rich._spinepath = True  # type: ignore[attr-defined]
    core.TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]
    core.TyperArgument._usage_display_name = usage_name  # type: ignore[method-assign]


_truthful_help()

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Traced, evidence-linked decision support for primary bone tumours of the spine.\n\n"
                       "It supports, and does not replace, a multidisciplinary tumour board.")
rules_app = typer.Typer(no_args_is_help=True, help="Check, test and list the knowledge base.")
schema_app = typer.Typer(no_args_is_help=True, help="Print JSON Schemas of the input files.")
app.add_typer(rules_app, name="rules")
app.add_typer(schema_app, name="schema")

RulesOpt = typer.Option(None, "--rules", help="Rules directory (default: the knowledge base installed with spinepath).",
                        show_default=False)


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    fhir = "fhir"  # consult only: a FHIR R4 Bundle (the optional extra spinepath[fhir])


# Each command offers only the formats it prints (NEWCOMER-2026-12 P13: whatif offered four, refused two).
class TextOrJson(str, Enum):
    text = "text"
    json = "json"


def stdout_console() -> Console:
    from rich.console import Console  # imported when needed: JSON output starts faster without it
    return Console(highlight=False, soft_wrap=False)


def fail(diags: list[Diagnostic]) -> NoReturn:
    for d in diags:
        print(str(d), file=sys.stderr)
    raise typer.Exit(ExitStatus.BAD_INPUT)


def warn(warnings: list[Diagnostic]) -> None:
    """Warnings about a file that was read (e.g. treatments out of date order), on stderr."""
    for d in warnings:
        print(str(d), file=sys.stderr)


def json_text(data) -> str:
    """JSON as every command prints it (a typed result writes its own: result.to_json())."""
    import json
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def action_text(a) -> str:
    return {"recommend": lambda: f"{a.strength} {a.code}", "alert": lambda: f"alert {a.code}",
            "derive": lambda: f"derive derived.{a.code}", "argue": lambda: f"argue {a.stance} {a.code}"}[a.kind]()


def _exists(path: Path) -> bool:
    """exists() that says False, not raises, for a name too long or a folder without search permission
    (reading the file then says why)."""
    try:
        os.stat(path)
        return True
    except (OSError, ValueError):
        return os.path.islink(path)


FILE_HELP = "Patient YAML file (spinepath.patient/1), or a bundled case id ('spinepath cases' lists them)."


def patient_file(arg: Path, strict: bool = True) -> Path:
    """A patient file as given, or the bundled case with that id (`spinepath cases` lists them). A name
    that is neither an existing file, a YAML file name, a path nor a glob is taken for a case id: a wrong
    one says so, rather than "cannot read: No such file" (NEWCOMER-2026-12 P10)."""
    name = str(arg)
    if name in ("-", "/dev/stdin") or _exists(arg) or arg.suffix in (".yaml", ".yml"):
        return arg
    from ..teach.cases import all_cases
    cases = all_cases()
    ids = [case.id for case in cases]
    for case in cases:
        if case.id == name or case.id.casefold() == name.casefold():
            return case.path
    if not strict or "/" in name or os.sep in name or set("*?[") & set(name):
        return arg  # a path or a glob (or, for teach, a title): the command says what is wrong with it
    from ..load.diagnostics import did_you_mean
    raise InputError([Diagnostic(name, 0, 0, "io", "no such file, and not a case id; see `spinepath cases`"
                                 + did_you_mean(name, ids))])


def write_output(text: str, output: Path | None, what: str, done: str = "", inputs=()) -> None:
    """Standard output, or the file of --output with 'wrote FILE' on stderr. The file is replaced whole
    or not at all (outputs.py), and never when it is one of `inputs`; an unwritable file exits 2."""
    if output is None:
        sys.stdout.write(text)
        return
    outputs.refuse_inputs(output, inputs)
    outputs.write_output(text, output, what)
    print(f"wrote {outputs.display_path(output)}{done}", file=sys.stderr)


def usage_error(message: str) -> NoReturn:
    fail([Diagnostic("<command line>", 0, 0, "usage", message)])


def version_callback(value: bool):
    if value:
        print(f"spinepath {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True,
                                        help="Show the version and exit.")):
    pass


class _PipeClosed(BaseException):
    """The reader of standard output went away. A BaseException, so that nothing on the way up (click
    turns an EPIPE OSError into exit 1) mistakes it for an error."""


class _Stdout:
    """sys.stdout that turns a broken pipe into _PipeClosed and a closed stdout (`>&-`) into a clear
    error; everything else is the real stream's."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        if self._stream is None:
            raise InputError([Diagnostic("<standard output>", 0, 0, "io", "standard output is closed: "
                                         "redirect it to a file or use --output")])
        return self._guarded(self._stream.write, text)

    def flush(self) -> None:
        if self._stream is not None:
            self._guarded(self._stream.flush)

    @staticmethod
    def _guarded(call, *args):
        """One translation of a write's failure for write and flush: a closed pipe ends quietly, any
        other OSError is an io error that says what went wrong."""
        try:
            return call(*args)
        except BrokenPipeError:
            raise _PipeClosed() from None
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise _PipeClosed() from None
            raise InputError([Diagnostic("<standard output>", 0, 0, "io",
                                         f"cannot write: {exc.strerror or exc}")]) from None

    def isatty(self) -> bool:
        return self._stream is not None and self._stream.isatty()

    def __getattr__(self, name):
        return getattr(self._stream, name)


# rich lays out every line at the terminal's width: COLUMNS=0 fails, COLUMNS=100000000 runs for minutes.
MIN_COLUMNS, MAX_COLUMNS = 20, 1000


def _sane_environment() -> None:
    """Clamp COLUMNS and LINES to widths a terminal can have; let text that the terminal's encoding
    cannot show (PYTHONIOENCODING=ascii) be escaped, not fail."""
    for name, low in (("COLUMNS", MIN_COLUMNS), ("LINES", 1)):
        value = os.environ.get(name)
        if value is None:
            continue
        try:
            os.environ[name] = str(min(max(int(value), low), MAX_COLUMNS))
        except ValueError:
            del os.environ[name]
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "").replace("_", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _quiet_exit(status: int) -> NoReturn:
    """Leave without Python flushing a dead stdout at exit (that would print an error)."""
    if sys.stdout is sys.__stdout__ and sys.stdout is not None:  # never in a test's captured stdout
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
    sys.exit(status)


def main() -> None:
    _sane_environment()
    if sys.stderr is None:  # 2>&-: messages go nowhere rather than fail
        sys.stderr = open(os.devnull, "w")
    saved = sys.stdout
    sys.stdout = _Stdout(sys.stdout)
    try:
        app()  # standalone: usage errors exit 2 with click's message, Ctrl-C exits 130
    except InputError as exc:
        for d in exc.diagnostics:
            print(str(d), file=sys.stderr)
        sys.exit(ExitStatus.BAD_INPUT)
    except _PipeClosed:
        sys.stdout = saved
        _quiet_exit(ExitStatus.BROKEN_PIPE)
    except KeyboardInterrupt:
        sys.exit(ExitStatus.INTERRUPTED)
    except Exception as exc:
        if os.environ.get("SPINEPATH_DEBUG"):
            raise
        # Looked up, not imported: an engine that was never imported raised nothing, and importing it
        # (with the patient models and the rules compiler) would cost --version a tenth of a second.
        engine = sys.modules.get("spinepath.evaluate.engine")
        internal = engine is not None and isinstance(exc, engine.InternalError)
        kind = "internal error" if internal else f"internal error ({type(exc).__name__})"
        print(f"spinepath: {kind}: {exc}\nThis is a bug in spinepath, not in your file: please report it "
              "with the command you ran (set SPINEPATH_DEBUG=1 for details).", file=sys.stderr)
        sys.exit(ExitStatus.BUG)
    finally:
        if isinstance(sys.stdout, _Stdout):
            sys.stdout = saved
