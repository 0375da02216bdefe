"""The tumour-board command: spinepath brief (Markdown or HTML for print)."""
from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import Optional

import typer

from ..load.diagnostics import Diagnostic
from .app import FILE_HELP, ExitStatus, RulesOpt, app, fail, patient_file, refuse_inputs, usage_error, warn, write_output

BRIEF_FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
PACK_FORMATS = {**BRIEF_FORMATS, ".json": "json"}


def _board_date(text: Optional[str]) -> str:
    if text is None:
        return datetime.date.today().isoformat()
    from ..load.dates import ISO_DAY, days
    if not ISO_DAY.match(text) or days(text) is None:
        usage_error(f"--date: expected a date as YYYY-MM-DD; got {text!r}")
    return text


@app.command()
def brief(file: Path = typer.Argument(..., readable=False, help=FILE_HELP),
          output: Optional[Path] = typer.Option(None, "--output", "-o", show_default=False,
                                                help="Write to OUT.md (Markdown) or OUT.html (self-contained, "
                                                     "A4 print layout). Default: Markdown on standard output."),
          date: Optional[str] = typer.Option(None, "--date", show_default=False,
                                             help="Board date shown in the brief, YYYY-MM-DD (default: today)."),
          rules: Optional[Path] = RulesOpt):
    """The tumour-board handout: case, staging and how it was derived, options, alerts, open questions."""
    from ..board.brief import build
    from ..explain.consult import consult as run
    from ..load.patient import load_patient
    kind = "markdown" if output is None else BRIEF_FORMATS.get(output.suffix.lower())
    if kind is None:
        usage_error(f"--output {output}: expected a file name ending in .md or .html")
    day = _board_date(date)
    source = patient_file(file)
    refuse_inputs(output, [source])
    warnings: list[Diagnostic] = []
    patient = load_patient(source, warnings=warnings, day=datetime.date.fromisoformat(day),
                           what="the board date (--date)" if date else "today, the board date")
    warn(warnings)
    model = build(run(patient, rules), day)
    if kind == "html":
        from ..board.brief_html import render
    else:
        from ..board.brief_md import render
    write_output(render(model), output, "brief", inputs=[source])


@app.command("board")
def board_pack(paths: list[str] = typer.Argument(..., help="Patient files, folders (searched recursively) or globs, "
                                                          "as for batch; bundled case ids too."),
               output: Optional[Path] = typer.Option(None, "--output", "-o", show_default=False,
                                                     help="Write to OUT.html (A4 print layout), OUT.md or OUT.json. "
                                                          "Default: Markdown on standard output."),
               fmt: Optional[str] = typer.Option(None, "--format", "-f", show_default=False,
                                                 help="markdown, html or json (the agenda as data: readiness, "
                                                      "what to chase, disciplines, order). Default: from the "
                                                      "--output suffix, else markdown."),
               date: Optional[str] = typer.Option(None, "--date", show_default=False,
                                                  help="Board date, YYYY-MM-DD (default: today)."),
               title: str = typer.Option("Spine tumour board", "--title", help="Title of the cover page."),
               follow_up: bool = typer.Option(False, "--follow-up", help="Instead of the pack: the recorded "
                                              "decisions due or overdue and not yet in the treatment history, "
                                              "those carried out differently and those open without a due date, "
                                              "with each case's readiness now (for the next meeting)."),
               rules: Optional[Path] = RulesOpt):
    """One document for a tumour-board meeting: an agenda, then every patient's brief on its own pages.

    The agenda runs as a chair runs the meeting: emergencies, full discussions, standard pathways, then the
    cases not ready with what to chase. A file that cannot be read stays on the agenda with its error; the
    pack is still written (exit 3)."""
    from ..board import pack
    from ..load.patient_files import collect
    from ..explain.consult import consult as run
    if fmt is not None and fmt not in ("markdown", "html", "json"):
        usage_error(f"--format: expected markdown, html or json; got {fmt!r}")
    suffix_kind = None if output is None else PACK_FORMATS.get(output.suffix.lower())
    if output is not None and suffix_kind is None:
        usage_error(f"--output {output}: expected a file name ending in .md, .html or .json")
    if fmt is not None and suffix_kind is not None and fmt != suffix_kind:
        usage_error(f"--format {fmt} does not match --output {output}")
    kind = fmt or suffix_kind or "markdown"
    day = _board_date(date)
    files = collect([str(patient_file(Path(p))) for p in paths], skip=[output] if output is not None else [])
    refuse_inputs(output, files)
    if follow_up:
        from ..board import follow_up as fu
        listed = fu.items([f for f in files if not f.endswith(".expect.yaml")], lambda p: run(p, rules), day)
        text = {"html": fu.html, "json": fu.to_json, "markdown": fu.markdown}[kind](title, day, listed)
        write_output(text, output, "follow-up", f": {len(listed)} decisions", inputs=files)
        errors = [m for it in listed for m in it.errors]
        for message in errors:
            print(message, file=sys.stderr)
        if errors:
            raise typer.Exit(ExitStatus.SOME_FAILED)
        return
    agenda = pack.rows([f for f in files if not f.endswith(".expect.yaml")], lambda p: run(p, rules), day)
    text = {"html": pack.html, "json": pack.to_json, "markdown": pack.markdown}[kind](title, day, agenda)
    write_output(text, output, "board pack", f": {len(agenda)} patients", inputs=files)
    bad = [r for r in agenda if r.errors]
    for r in bad:
        for message in r.errors:
            print(message, file=sys.stderr)
    if bad:
        raise typer.Exit(ExitStatus.SOME_FAILED)


def _details(text: str) -> dict:
    """k=v,k=v -> {k: v}: numbers and true/false typed, the rest text."""
    out: dict = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            usage_error(f"--accept: expected CODE or CODE:key=value,key=value; got {part!r}")
        v: object = value.strip()
        if v in ("true", "false"):
            v = v == "true"
        else:
            for kind in (int, float):
                try:
                    v = kind(value)
                    break
                except ValueError:
                    continue
        out[key.strip()] = v
    return out


@app.command()
def decide(file: Path = typer.Argument(..., readable=False, help="Patient YAML file; the decision is appended to "
                                                                  "its board.decisions."),
           date: str = typer.Option(..., "--date", help="Day of the board meeting, YYYY-MM-DD."),
           accept: list[str] = typer.Option([], "--accept", help="An intervention decided: CODE, or "
                                            "CODE:key=value,... with its details (e.g. "
                                            "definitive_radiotherapy:modality=proton,min_dose_gy=74). Repeatable."),
           decline: list[str] = typer.Option([], "--decline", help="Advice not followed: CODE:REASON[:TEXT], REASON "
                                             "from the CDS Hooks non-adherence reason codes (e.g. "
                                             "en_bloc_resection:patient-refuses). Repeatable."),
           responsible: Optional[str] = typer.Option(None, "--responsible", help="The discipline that carries it "
                                                     "out, e.g. radiation_oncology."),
           due: Optional[str] = typer.Option(None, "--due", help="When it should be done, YYYY-MM-DD."),
           dry_run: bool = typer.Option(False, "--dry-run", help="Print the new file instead of writing it.")):
    """Record a tumour-board decision in the patient file (board.decisions).

    The file is replaced whole or not at all. Its comments are kept when the decision can be added at the
    end of the file; otherwise the file is written again by the YAML writer and the command says that the
    comments were not kept. The new file is read back and must be the old patient plus the decision."""
    from ..board.decisions import append_decision, decision_data
    from ..load.diagnostics import did_you_mean
    from ..load.interventions import installed_codes
    from ..load.non_adherence import CODES
    from ..load.patient import DISCIPLINES
    from . import outputs
    day = _board_date(date)
    if due is not None:
        _board_date(due)
    if not accept and not decline:
        usage_error("expected at least one --accept or --decline")
    codes = sorted(installed_codes())

    def code(text: str, option: str) -> str:
        if text not in codes:
            usage_error(f"{option}: unknown intervention code {text!r}{did_you_mean(text, codes)}")
        return text

    accepted = []
    for a in accept:
        c, _, rest = a.partition(":")
        accepted.append((code(c.strip(), "--accept"), _details(rest)))
    declined = []
    for d in decline:
        parts = d.split(":", 2)
        if len(parts) < 2:
            usage_error(f"--decline: expected CODE:REASON[:TEXT]; got {d!r}")
        reason = parts[1].strip()
        if reason not in CODES:
            usage_error(f"--decline: {reason!r} is not a CDS Hooks non-adherence reason code"
                        f"{did_you_mean(reason, list(CODES))}; see docs/board-and-teaching.md")
        declined.append((code(parts[0].strip(), "--decline"), reason, parts[2].strip() if len(parts) > 2 else ""))
    if responsible is not None and responsible not in DISCIPLINES:
        usage_error(f"--responsible: expected one of {', '.join(DISCIPLINES)}; got {responsible!r}"
                    f"{did_you_mean(responsible, list(DISCIPLINES))}")
    # A path, never a bundled case id: a decision is never written into the installed examples.
    source = file
    if not source.is_file():
        fail([Diagnostic(str(file), 0, 0, "io", "no such file: decide records into a patient file you name by its path")])
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        fail([Diagnostic(str(file), 0, 0, "io", f"cannot read: {exc.strerror or exc}")])
    # The file must be valid before anything is added (FILE:LINE:COL errors, exit 2).
    from ..load.patient import load_patient
    load_patient(source)
    try:
        result = append_decision(str(file), text, decision_data(day, accepted, declined, responsible, due))
    except ValueError as exc:
        fail([Diagnostic(str(file), 0, 0, "io", str(exc))])
    if dry_run:
        sys.stdout.write(result.text)
    else:
        with outputs.replacing(source) as fh:
            fh.write(result.text)
    print(f"{'would record' if dry_run else 'recorded'} the decision of {day} in {file}: {result.how}", file=sys.stderr)
