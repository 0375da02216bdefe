"""Exchange with an EHR: spinepath import fhir BUNDLE, spinepath export fhir PATIENT."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Optional

import typer

from ..load.diagnostics import Diagnostic, InputError
from .app import FILE_HELP, app, fail, patient_file, write_output

import_app = typer.Typer(no_args_is_help=True, help="Read a patient from another format.")
export_app = typer.Typer(no_args_is_help=True, help="Write a patient in another format.")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")


def _require():
    from ..render.fhir import FhirUnavailable, require
    try:
        require()
    except FhirUnavailable as exc:
        fail([Diagnostic("<command line>", 0, 0, "usage", str(exc))])


@export_app.command("fhir")
def export_fhir(file: Path = typer.Argument(..., readable=False, help=FILE_HELP),
                output: Optional[Path] = typer.Option(None, "--output", "-o", show_default=False,
                                                      help="Write the Bundle here (default: standard output).")):
    """The patient as an mCODE-shaped FHIR R4 Bundle (docs/fhir.md): import gives the same advice back."""
    _require()
    from fhir.resources.R4B.bundle import Bundle

    from ..interop.fhir_patient import export_bundle
    from ..load.patient import from_document
    from ..load.yamlsafe import load_path
    source = patient_file(file)
    doc = load_path(source)
    from_document(doc)  # a file the patient model refuses is not exported
    bundle = export_bundle(doc.data)
    Bundle.model_validate(bundle)
    write_output(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", output, "bundle", inputs=[source])


@import_app.command("fhir")
def import_fhir(bundle: Path = typer.Argument(..., readable=False, help="A FHIR R4 Bundle (JSON) for one patient."),
                output: Optional[Path] = typer.Option(None, "--output", "-o", show_default=False,
                                                      help="Write the patient file here (default: standard output)."),
                as_of: Optional[str] = typer.Option(None, "--as-of", show_default=False,
                                                    help="Date for the age from a birth date, YYYY-MM-DD (default: "
                                                         "the latest date of the patient's resources)."),
                patient: Optional[str] = typer.Option(None, "--patient", show_default=False,
                                                      help="The Patient to read (its id or an identifier), when the "
                                                           "bundle holds several."),
                condition: Optional[str] = typer.Option(None, "--condition", show_default=False,
                                                        help="The Condition that describes the tumour (its id), when "
                                                             "the bundle's Conditions describe different tumours.")):
    """A spinepath.patient/1 file from a FHIR bundle, each key commented with the resource it came from.

    One patient and one tumour, or a refusal that says where (docs/fhir.md): JSON up to 32 MiB."""
    _require()
    from ..interop.fhir_import import (MAX_BUNDLE_BYTES, BundleProblem, OptionProblem, check_r4, import_bundle,
                                       parse_as_of, patient_yaml, problems_in_bundle, read_json)
    from ..load.diagnostics import display_path
    from ..load.yamlsafe import load_text, read_bytes
    from .app import refuse_inputs
    name = display_path(bundle)

    def at(where: str, message: str, severity: str = "error") -> Diagnostic:
        if re.match(r"^\d+(:\d+)?$", where):  # a position in the JSON text
            line, _, col = where.partition(":")
            return Diagnostic(name, int(line), int(col or 1), "fhir", message, severity)
        return Diagnostic(name, 0, 0, "fhir", message, severity, at=where)

    try:
        day = parse_as_of(as_of)
    except OptionProblem as exc:
        fail([Diagnostic("<command line>", 0, 0, "usage", str(exc))])
    refuse_inputs(output, [bundle])
    imported = None
    try:
        data = read_json(read_bytes(bundle, MAX_BUNDLE_BYTES, what="FHIR JSON"))
        check_r4(data)
        imported = import_bundle(data, day, patient, condition)
        problems = problems_in_bundle(imported)
        if problems:
            raise BundleProblem(problems)
    except OptionProblem as exc:
        fail([Diagnostic("<command line>", 0, 0, "usage", str(exc))])
    except BundleProblem as exc:
        if imported is not None:
            _warn(imported, at, written=False)
        fail([at(where, message) for where, message in exc.problems])
    text = patient_yaml(imported)
    try:
        again = load_text("<imported>", text)
    except InputError as exc:  # the serialiser wrote what it cannot read back: a bug, not the bundle
        raise RuntimeError(f"the imported file does not read back: {exc}") from None
    if again.data != imported.doc or not isinstance(again.data, dict):
        raise RuntimeError("the imported file reads back as a different patient")
    _warn(imported, at)
    write_output(text, output, "patient file", inputs=[bundle])


UNMAPPED_SHOWN = 12  # on stderr; the file lists them all


def _warn(imported, at, written: bool = True) -> None:
    for where, message in imported.warnings:
        print(str(at(where, message, "warning")), file=sys.stderr)
    from ..interop.fhir_import import unmapped_groups
    grouped = unmapped_groups(imported)
    for where, what, resources in grouped[:UNMAPPED_SHOWN]:
        print(str(at(where, f"not mapped, left out: {what} ({resources})", "warning")), file=sys.stderr)
    if len(grouped) > UNMAPPED_SHOWN:
        where = " (listed at the end of the file)" if written else ""
        print(str(at("$", f"{len(grouped) - UNMAPPED_SHOWN} more codes not mapped{where}", "warning")), file=sys.stderr)
