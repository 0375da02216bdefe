"""The command line. Bad input exits 2 with FILE:LINE:COL messages, a bug exits 1; never a traceback."""
from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

if TYPE_CHECKING:
    from rich.console import Console

from . import __version__
from .diagnostics import Diagnostic, InputError

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


def _stdout() -> Console:
    from rich.console import Console  # imported when needed: JSON output starts faster without it
    return Console(highlight=False, soft_wrap=False)


def _fail(diags: list[Diagnostic]) -> None:
    for d in diags:
        print(str(d), file=sys.stderr)
    raise typer.Exit(2)


@app.command()
def consult(file: Path = typer.Argument(..., help="Patient YAML file (spinepath.patient/1)."),
            format: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
            rules: Optional[Path] = RulesOpt,
            trace: bool = typer.Option(False, "--trace", help="Show the rules in firing order with the facts they matched."),
            all_: bool = typer.Option(False, "--all", help="Show every question, the full missing-data table and the "
                                      "reasons of provisional entries.")):
    """Consult the knowledge base for one patient file."""
    from .consult import consult as run
    from .patient import load_patient
    patient = load_patient(file)
    result = run(patient, rules)
    if format is Format.json:
        sys.stdout.write(_json(result))
    elif format is Format.markdown:
        from .render.markdown import render
        sys.stdout.write(render(result, trace=trace, all_=all_))
    else:
        from .render.text import render
        render(result, _stdout(), trace=trace, patient=patient, all_=all_)


def _json(result: dict) -> str:
    from .render import to_json
    return to_json(result)


@app.command()
def whatif(file: Path = typer.Argument(..., help="Patient YAML file (spinepath.patient/1)."),
           set_: list[str] = typer.Option(..., "--set", help="FIELD=VALUE, e.g. staging.metastases=none; lists as "
                                          "staging.workup_done=ct_chest,mri_whole_spine. Repeat for several fields."),
           format: Format = typer.Option(Format.text, "--format", "-f", help="Output format (text or json)."),
           rules: Optional[Path] = RulesOpt):
    """Consult the file with some fields set, and show what changes."""
    from .consult import consult_knowledge, load_knowledge
    from .patient import load_patient
    from .whatif import apply, diff
    patient = load_patient(file)
    kb = load_knowledge(rules)
    changed, chosen = apply(patient, set_, kb.ruleset.fields)
    result = diff(consult_knowledge(patient, kb), consult_knowledge(changed, kb), chosen)
    if format is Format.json:
        sys.stdout.write(_json(result))
    elif format is Format.markdown:
        _fail([Diagnostic("--format", 0, 0, "usage", "whatif prints text or json")])
    else:
        from .render.whatif_text import render
        render(result, _stdout())


@app.command()
def validate(files: list[Path] = typer.Argument(..., help="Patient YAML files to check.")):
    """Check patient files without consulting (exit 2 if any is invalid)."""
    from .patient import load_patient
    bad: list[Diagnostic] = []
    for f in files:
        try:
            load_patient(f)
            print(f"{f}: ok")
        except InputError as exc:
            bad.extend(exc.diagnostics)
    if bad:
        _fail(bad)


@app.command()
def explain(file: Path = typer.Argument(..., help="Patient YAML file."),
            rule_id: str = typer.Argument(..., help="Rule id, e.g. GEN-03."),
            rules: Optional[Path] = RulesOpt):
    """Show, condition by condition, why a rule fired or did not."""
    from .consult import evaluate_patient, load_knowledge
    from .diagnostics import did_you_mean
    from .patient import load_patient
    from .threevalued import evaluate
    patient = load_patient(file)
    kb = load_knowledge(rules)
    rule = kb.ruleset.rule(rule_id)
    if rule is None:
        ids = [r.id for r in kb.ruleset.rules]
        _fail([Diagnostic("<command line>", 0, 0, "unknown-rule", f"no rule {rule_id!r}{did_you_mean(rule_id, ids)}")])
    ev = evaluate_patient(patient, kb)
    outcome = ev.outcomes[rule.id]
    mark = {True: "TRUE   ", False: "FALSE  ", None: "UNKNOWN"}
    out = _stdout()
    out.print(f"{rule.id} — {rule.title}", style="bold", markup=False)
    out.print(f"defined at {rule.file}:{rule.pos[0]}", style="dim", markup=False)
    for depth, text, value in evaluate(rule.when, ev.lookup()).lines:
        out.print(f"  {mark[value]} {'  ' * depth}{text}", markup=False)
    verdict = {True: "FIRED", False: "did not fire: a condition is false",
               None: "did not fire: blocked only by unknown data"}[outcome.value]
    if outcome.value is True and any(t for t in ev.fired if rule.id in (kb.ruleset.rule(t).supersedes)):
        verdict += " (but superseded by a more specific rule)"
    out.print(f"\nResult: {verdict}", style="bold", markup=False)
    if outcome.value is None:
        out.print("Data that would decide it: " + ", ".join(outcome.missing), markup=False)
        out.print(_under_presumptions(patient, kb, rule.id), markup=False)
    out.print("Actions: " + "; ".join(_action(a) for a in rule.then), markup=False)
    out.print("Evidence: " + "; ".join(f"{kb.ruleset.references[e.ref]['short']} ({e.level})" for e in rule.evidence),
              markup=False)


def _under_presumptions(patient, kb, rule_id: str) -> str:
    """What `explain` says of a rule blocked by unknowns: does it hold under the presumptions?"""
    from .consult import evaluate_patient
    from .provisional import assumption, rests_on
    from .render import presumed_text
    presumptions = kb.ruleset.presumptions
    ev = evaluate_patient(patient, kb, presumptions)
    value = ev.outcomes[rule_id].value
    if value is True:
        needed = rests_on(kb, patient, ev.inputs.applied, rule_id)
        lines = [f"  - {presumed_text(assumption(p, kb.ruleset.references))} ({p.field}): {p.question}" for p in needed]
        return "Under the presumptions it holds (provisional), assuming:\n" + "\n".join(lines)
    if value is False:
        return "Under the presumptions it does not hold: a presumed value makes a condition false."
    return ("Under the presumptions it is still blocked: " + ", ".join(ev.outcomes[rule_id].missing)
            + " must be known.")


def _action(a) -> str:
    return {"recommend": lambda: f"{a.strength} {a.code}", "alert": lambda: f"alert {a.code}",
            "derive": lambda: f"derive derived.{a.code}", "argue": lambda: f"argue {a.stance} {a.code}"}[a.kind]()


@schema_app.command("patient")
def schema_patient():
    """JSON Schema (draft 7) of the patient file, for editors (yaml-language-server)."""
    from .patient import json_schema
    sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")


@rules_app.command("lint")
def rules_lint(directory: Optional[Path] = typer.Argument(None, help="Rules directory (default: installed)."),
               strict: bool = typer.Option(True, help="Also report rules that no scenario fires.")):
    """Check ids, references, codes, fields, and conditions that can never be true."""
    from .consult import load_knowledge
    from .lint import lint, presumption_findings, wording_findings
    from .scenarios import run_all
    kb = load_knowledge(directory)
    covered = run_all(kb)[1] if strict else None
    findings = sorted(lint(kb.ruleset, covered) + presumption_findings(kb) + wording_findings(kb.ruleset))
    for d in findings:
        print(str(d))
    print(f"{len(kb.ruleset.rules)} rules checked, {len(findings)} finding(s)")
    if findings:
        raise typer.Exit(1)


@rules_app.command("test")
def rules_test(directory: Optional[Path] = typer.Argument(None, help="Rules directory (default: installed).")):
    """Run every scenario beside the rules and report rule coverage."""
    from .consult import load_knowledge
    from .scenarios import run_all
    kb = load_knowledge(directory)
    results, covered = run_all(kb)
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"{r.file}:{r.line}: FAIL {r.name}")
        for f in r.failures:
            print(f"    {f}")
    ids = [r.id for r in kb.ruleset.rules]
    never = [i for i in ids if i not in covered]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    print(f"rule coverage: {len(ids) - len(never)}/{len(ids)} rules fired by some scenario"
          + (f"; never fired: {', '.join(never)}" if never else ""))
    if failed or never:
        raise typer.Exit(1)


@rules_app.command("mutate")
def rules_mutate(directory: Optional[Path] = typer.Argument(None, help="Rules directory (default: installed)."),
                 rule: Optional[str] = typer.Option(None, "--rule", help="Mutate only this rule."),
                 fail_under: float = typer.Option(0.0, "--fail-under", help="Exit 1 when the score (percent) is lower."),
                 suggest: bool = typer.Option(False, "--suggest", help="Also print boundary scenarios (YAML, per "
                                              "scenarios file) that would kill the survivors, for review.")):
    """Mutate every condition and report the mutants no scenario notices (mutation score)."""
    from .consult import load_knowledge
    from .diagnostics import did_you_mean
    from .mutate import run, suggest as suggested, suggestions_yaml
    kb = load_knowledge(directory)
    if rule is not None and kb.ruleset.rule(rule) is None:
        ids = [r.id for r in kb.ruleset.rules]
        _fail([Diagnostic("--rule", 0, 0, "unknown-rule", f"no rule {rule!r}{did_you_mean(rule, ids)}")])
    report = run(kb, rule)
    for m in report.survivors:
        print(f"{m.rule.file}:{m.at.pos[0]}:{m.at.pos[1]}: {m.rule.id}: survived: {m.what}")
    if suggest:
        for file, text in suggestions_yaml(suggested(kb, rule, report)).items():
            print(f"# append under 'scenarios:' in {file}\n{text}")
    score = 100.0 * report.killed / report.total if report.total else 100.0
    print(f"mutation score: {report.killed}/{report.total} killed ({score:.1f}%)")
    if score < fail_under:
        raise typer.Exit(1)


@rules_app.command("list")
def rules_list(directory: Optional[Path] = typer.Argument(None, help="Rules directory (default: installed)."),
               format: Format = typer.Option(Format.text, "--format", "-f")):
    """List the rules with their decision points and evidence."""
    from .consult import load_knowledge
    kb = load_knowledge(directory)
    rs = kb.ruleset
    rows = [{"id": r.id, "title": r.title, "pathway": list(r.pathway), "file": r.file,
             "actions": [_action(a) for a in r.then],
             "evidence": [{"ref": rs.references[e.ref]["short"], "ref_id": e.ref, "level": e.level} for e in r.evidence]}
            for r in rs.rules]
    if format is Format.json:
        sys.stdout.write(json.dumps({"ruleset": {"name": rs.name, "version": rs.version, "sha256": rs.sha256},
                                     "rules": rows}, indent=2, ensure_ascii=False) + "\n")
        return
    from rich.table import Table
    t = Table(title=f"{rs.name} {rs.version}: {len(rows)} rules", title_justify="left")
    for col in ("id", "title", "does", "evidence"):
        t.add_column(col)
    for r in rows:
        t.add_row(r["id"], r["title"], "; ".join(r["actions"]),
                  "; ".join(f"{e['ref']} ({e['level']})" for e in r["evidence"]))
    _stdout().print(t)


@rules_app.command("map")
def rules_map(directory: Optional[Path] = typer.Argument(None, help="Rules directory (default: installed).")):
    """Print the map from PATHWAYS.md decision points to rules and scenario files (Markdown)."""
    from .consult import load_knowledge
    from .kbmap import decision_point_map, markdown_table
    sys.stdout.write(markdown_table(decision_point_map(load_knowledge(directory))))


def version_callback(value: bool):
    if value:
        print(f"spinepath {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True,
                                        help="Show the version and exit.")):
    pass


def main() -> None:
    from .engine import InternalError
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


from . import board_cli  # noqa: E402,F401  (registers brief, teach, cases)
from . import batch_cli  # noqa: E402,F401  (registers batch, synth)
