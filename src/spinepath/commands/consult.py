"""Consulting one patient: consult, whatif, explain, validate, and the JSON Schema of the patient file."""
from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Optional

import typer

from ..load.diagnostics import Diagnostic, InputError
from .app import FILE_HELP, ExitStatus, Format, RulesOpt, TextOrJson, action_text, app, fail, patient_file, schema_app, stdout_console, warn


@app.command()
def consult(file: Path = typer.Argument(..., readable=False, help=FILE_HELP),
            format: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
            rules: Optional[Path] = RulesOpt,
            trace: bool = typer.Option(False, "--trace", help="Show the rules in firing order with the facts they matched."),
            all_: bool = typer.Option(False, "--all", help="Show every question, the full missing-data table and the "
                                      "reasons of provisional entries.")):
    """Consult the knowledge base for one patient file."""
    from ..explain.consult import consult as run
    from ..load.patient import load_patient
    patient = load_patient(patient_file(file), warnings=(warnings := list[Diagnostic]()))
    warn(warnings)
    result = run(patient, rules)
    if format is Format.json:
        sys.stdout.write(result.to_json())
    elif format is Format.markdown:
        from ..render.markdown import render
        sys.stdout.write(render(result, trace=trace, all_=all_))
    elif format is Format.fhir:
        from ..render.fhir import FhirUnavailable, to_fhir_json
        try:
            sys.stdout.write(to_fhir_json(result))
        except FhirUnavailable as exc:
            fail([Diagnostic("--format", 0, 0, "usage", str(exc))])
    else:
        from ..render.text import render as text
        text(result, stdout_console(), trace=trace, all_=all_)




@app.command()
def whatif(file: Path = typer.Argument(..., readable=False, help=FILE_HELP),
           set_: list[str] = typer.Option(..., "--set", metavar="FIELD=VALUE", help="A field and its value, e.g. staging.metastases=none; a list with "
                                          "commas, e.g. lesion.levels=T11,T12. Repeat for several fields."),
           format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
           rules: Optional[Path] = RulesOpt):
    """Consult the file with some fields set, and show what changes."""
    from ..evaluate.knowledge import load_knowledge
    from ..explain.whatif import whatif as run
    from ..load.patient import load_patient
    patient = load_patient(patient_file(file), warnings=(warnings := list[Diagnostic]()))
    warn(warnings)
    result = run(load_knowledge(rules), patient, set_)
    if format is TextOrJson.json:
        sys.stdout.write(result.to_json())
    else:
        from ..render.whatif_text import render
        render(result, stdout_console())


@app.command()
def validate(paths: list[str] = typer.Argument(..., help="Patient files, folders (searched recursively) or globs, "
                                                         "as for batch; bundled case ids too.")):
    """Check patient files without consulting (exit 3 if any is invalid, 2 for a bad command line)."""
    from ..load.patient_files import collect
    from ..load.diagnostics import display_path
    from ..load.patient import load_patient
    bad: list[Diagnostic] = []
    ok = invalid = skipped = 0
    for f in collect([str(patient_file(Path(p))) for p in paths]):
        if f.endswith(".expect.yaml"):  # a teaching case's metadata, named by a shell glob
            print(f"{display_path(f)}: teaching metadata, not a patient file: skipped")
            skipped += 1
            continue
        try:
            load_patient(f, warnings=(warnings := list[Diagnostic]()))
            print(f"{display_path(f)}: ok")
            ok += 1
            warn(warnings)
        except InputError as exc:
            bad.extend(exc.diagnostics)
            invalid += 1
    for d in bad:
        print(str(d), file=sys.stderr)
    # A summary, as batch ends with one (NEWCOMER-2026-12 P14): on stderr, so that stdout stays one line a file.
    files = ok + invalid
    print(f"spinepath validate: {files} {'file' if files == 1 else 'files'}, {ok} valid, {invalid} invalid"
          + (f", {skipped} skipped" if skipped else ""), file=sys.stderr)
    if bad:
        raise typer.Exit(ExitStatus.SOME_FAILED)


@app.command()
def explain(file: Path = typer.Argument(..., readable=False, help=FILE_HELP),
            rule_id: str = typer.Argument(..., help="Rule id, e.g. GEN-03."),
            rules: Optional[Path] = RulesOpt):
    """Show, condition by condition, why a rule fired or did not."""
    from ..evaluate.knowledge import load_knowledge
    from ..evaluate.passes import evaluate_patient
    from ..evaluate.threevalued import evaluate
    from ..load.diagnostics import did_you_mean
    from ..load.patient import load_patient
    patient = load_patient(patient_file(file), warnings=(warnings := list[Diagnostic]()))
    warn(warnings)
    kb = load_knowledge(rules)
    rule = kb.ruleset.find(rule_id)
    if rule is None:
        ids = [r.id for r in kb.ruleset.rules]
        fail([Diagnostic("<command line>", 0, 0, "unknown-rule", f"no rule {rule_id!r}{did_you_mean(rule_id, ids)}")])
    ev = evaluate_patient(patient, kb)
    outcome = ev.outcomes[rule.id]
    mark = {True: "TRUE   ", False: "FALSE  ", None: "UNKNOWN"}
    out = stdout_console()

    def say(text: str, indent: str = "", hang: int = 2, style: str = "") -> None:
        """A paragraph whose wrapped lines keep a hanging indent (never back at column 0)."""
        for line in textwrap.wrap(text, max(out.width, 40), initial_indent=indent,
                                  subsequent_indent=" " * (len(indent) + hang)) or [indent]:
            out.print(line, style=style, markup=False)

    say(f"{rule.id} — {rule.title}", style="bold")
    say(f"defined at {rule.file}:{rule.pos[0]}", style="dim")
    for depth, text, value in evaluate(rule.when, ev.lookup()).lines:
        say(text, f"  {mark[value]} {'  ' * depth}", hang=2)
    verdict = {True: "FIRED", False: "did not fire: a condition is false",
               None: "did not fire: blocked only by unknown data"}[outcome.value]
    if outcome.value is True and any(t for t in ev.fired if rule.id in kb.rules[t].supersedes):
        verdict += " (but superseded by a more specific rule)"
    out.print()
    say(f"Result: {verdict}", style="bold")
    if outcome.value is None:
        say("Data that would decide it: " + ", ".join(outcome.missing))
        first, *rest = _under_presumptions(patient, kb, rule.id).split("\n")
        say(first)
        for line in rest:
            say(line.removeprefix("  - "), "  - ", hang=0)
    say("Actions: " + "; ".join(action_text(a) for a in rule.then))
    say("Evidence: " + "; ".join(f"{kb.ruleset.references[e.ref]['short']} ({e.level})" for e in rule.evidence))


def _under_presumptions(patient, kb, rule_id: str) -> str:
    """What `explain` says of a rule blocked by unknowns: does it hold under the presumptions?"""
    from ..evaluate.passes import evaluate_patient
    from ..explain.provisional import assumption, rests_on
    from ..render import presumed_text
    ev = evaluate_patient(patient, kb, kb.presumptions)
    value = ev.outcomes[rule_id].value
    if value is True:
        needed = rests_on(kb, patient, ev.facts.applied, rule_id, ev.values())
        lines = [f"  - {presumed_text(assumption(p, kb))} ({p.field}): {p.question}" for p in needed]
        return "Under the presumptions it holds (provisional), assuming:\n" + "\n".join(lines)
    if value is False:
        return "Under the presumptions it does not hold: a presumed value makes a condition false."
    return ("Under the presumptions it is still blocked: " + ", ".join(ev.outcomes[rule_id].missing)
            + " must be known.")




@schema_app.command("patient")
def schema_patient():
    """JSON Schema (draft 7) of the patient file, for editors (yaml-language-server)."""
    from ..load.patient import json_schema
    sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")
