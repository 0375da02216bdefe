"""The Typer application and what every command module shares: the --rules option, the output
formats, stdout, and the one way to fail (FILE:LINE:COL messages, exit 2). Command modules import
this module; it imports none of them (commands/__init__.py registers them)."""
from __future__ import annotations

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


def stdout_console() -> Console:
    from rich.console import Console  # imported when needed: JSON output starts faster without it
    return Console(highlight=False, soft_wrap=False)


def fail(diags: list[Diagnostic]) -> NoReturn:
    for d in diags:
        print(str(d), file=sys.stderr)
    raise typer.Exit(2)


def json_text(data) -> str:
    """JSON as every command prints it (a typed result writes its own: result.to_json())."""
    import json
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def action_text(a) -> str:
    return {"recommend": lambda: f"{a.strength} {a.code}", "alert": lambda: f"alert {a.code}",
            "derive": lambda: f"derive derived.{a.code}", "argue": lambda: f"argue {a.stance} {a.code}"}[a.kind]()


def patient_file(arg: Path) -> Path:
    """A patient file as given, or the bundled case with that id (`spinepath cases` lists them)."""
    if arg.exists() or arg.suffix in (".yaml", ".yml"):
        return arg
    from ..teach.cases import all_cases
    for case in all_cases():
        if case.id == str(arg) or case.id.casefold() == str(arg).casefold():
            return case.path
    return arg  # load_patient says that the file does not exist


def write_output(text: str, output: Path | None, what: str, done: str = "") -> None:
    """Standard output, or the file of --output with 'wrote FILE' on stderr; an unwritable file exits 2."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail([Diagnostic(str(output), 0, 0, "io", f"cannot write the {what}: {exc.strerror}")])
    print(f"wrote {output}{done}", file=sys.stderr)


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


def main() -> None:
    from ..evaluate.engine import InternalError
    try:
        app()  # standalone: usage errors exit 2 with click's message
    except InputError as exc:
        for d in exc.diagnostics:
            print(str(d), file=sys.stderr)
        sys.exit(2)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:
        if os.environ.get("SPINEPATH_DEBUG"):
            raise
        kind = "internal error" if isinstance(exc, InternalError) else f"internal error ({type(exc).__name__})"
        print(f"spinepath: {kind}: {exc}\nThis is a bug in spinepath, not in your file: please report it "
              "with the command you ran (set SPINEPATH_DEBUG=1 for details).", file=sys.stderr)
        sys.exit(1)
