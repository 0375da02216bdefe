"""Exchange with an EHR: spinepath import fhir BUNDLE, spinepath export fhir PATIENT."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from ..load.diagnostics import Diagnostic, InputError
from .app import app, fail, patient_file, write_output

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
def export_fhir(file: Path = typer.Argument(..., help="Patient YAML file (or a bundled case id)."),
                output: Optional[Path] = typer.Option(None, "--output", "-o", show_default=False,
                                                      help="Write the Bundle here (default: standard output).")):
    """The patient as an mCODE-shaped FHIR R4 Bundle (docs/fhir.md): import gives the same advice back."""
    _require()
    from fhir.resources.R4B.bundle import Bundle

    from ..interop.fhir_patient import export_bundle
    from ..load.patient import from_document
    from ..load.yamlsafe import load_path
    doc = load_path(patient_file(file))
    from_document(doc)  # a file the patient model refuses is not exported
    bundle = export_bundle(doc.data)
    Bundle.model_validate(bundle)
    write_output(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", output, "bundle")


@import_app.command("fhir")
def import_fhir(bundle: Path = typer.Argument(..., help="A FHIR R4 Bundle (JSON) for one patient."),
                output: Optional[Path] = typer.Option(None, "--output", "-o", show_default=False,
                                                      help="Write the patient file here (default: standard output)."),
                as_of: Optional[str] = typer.Option(None, "--as-of", show_default=False,
                                                    help="Date for the age from a birth date (default: the "
                                                         "latest date in the bundle).")):
    """A spinepath.patient/1 file from a FHIR bundle, each key commented with the resource it came from."""
    _require()
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    from ..interop.fhir_patient import import_bundle, patient_yaml
    from ..load.patient import parse_patient
    from ..load.yamlsafe import read_bytes
    raw = read_bytes(bundle).decode("utf-8", errors="replace")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        fail([Diagnostic(str(bundle), exc.lineno, exc.colno, "json", f"not JSON: {exc.msg}")])
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        fail([Diagnostic(str(bundle), 1, 1, "fhir", "expected a FHIR Bundle (resourceType: Bundle) at $")])
    try:
        Bundle.model_validate(data)
    except ValidationError as exc:
        fail([Diagnostic(str(bundle), 0, 0, "fhir",
                         "$." + ".".join(str(p) for p in e["loc"]) + f": {e['msg']}") for e in exc.errors()[:10]])
    try:
        imported = import_bundle(data, as_of)
    except ValueError as exc:
        fail([Diagnostic(str(bundle), 0, 0, "fhir", f"$.entry: {exc}")])
    text = patient_yaml(imported)
    try:
        parse_patient(text, str(output or "<imported>"))
    except InputError as exc:  # what the bundle said does not make a valid patient: say where
        fail(exc.diagnostics)
    for u in imported.unmapped:
        print(f"{bundle}: warning: not mapped, left out: {u}", file=sys.stderr)
    write_output(text, output, "patient file")
