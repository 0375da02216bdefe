"""The knowledge-base commands: spinepath rules lint, test, mutate, list, map."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from ..load.diagnostics import Diagnostic
from .app import ExitStatus, TextOrJson, action_text, fail, rules_app, stdout_console


@rules_app.command("lint")
def rules_lint(directory: Optional[Path] = typer.Argument(None, help="Rules directory (default: installed)."),
               strict: bool = typer.Option(True, help="Also report rules that no scenario fires.")):
    """Check ids, references, codes, fields, and conditions that can never be true."""
    from ..evaluate.knowledge import load_knowledge
    from ..kb.lint import lint, presumption_findings, wording_findings
    from ..kb.scenarios import run_all
    kb = load_knowledge(directory)
    covered = run_all(kb)[1] if strict else None
    findings = sorted(lint(kb.ruleset, covered) + presumption_findings(kb) + wording_findings(kb.ruleset))
    for d in findings:
        print(str(d))
    print(f"{len(kb.ruleset.rules)} rules checked, {len(findings)} finding(s)")
    if findings:
        raise typer.Exit(ExitStatus.SOME_FAILED)


@rules_app.command("test")
def rules_test(directory: Optional[Path] = typer.Argument(None, help="Rules directory (default: installed).")):
    """Run every scenario beside the rules and report rule coverage."""
    from ..evaluate.knowledge import load_knowledge
    from ..kb.scenarios import run_all
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
        raise typer.Exit(ExitStatus.SOME_FAILED)


@rules_app.command("mutate")
def rules_mutate(directory: Optional[Path] = typer.Argument(None, help="Rules directory (default: installed)."),
                 rule: Optional[str] = typer.Option(None, "--rule", help="Mutate only this rule."),
                 fail_under: float = typer.Option(0.0, "--fail-under", help="Exit 3 when the score (percent) is lower."),
                 suggest: bool = typer.Option(False, "--suggest", help="Also print boundary scenarios (YAML, per "
                                              "scenarios file) that would kill the survivors, for review.")):
    """Mutate every condition and report the mutants no scenario notices (mutation score)."""
    from ..evaluate.knowledge import load_knowledge
    from ..load.diagnostics import did_you_mean
    from ..kb.mutate import ScenarioNotModelled, run, suggest as suggested, suggestions_yaml
    kb = load_knowledge(directory)
    if rule is not None:
        found = kb.ruleset.find(rule)
        if found is None:
            ids = [r.id for r in kb.ruleset.rules]
            fail([Diagnostic("--rule", 0, 0, "unknown-rule", f"no rule {rule!r}{did_you_mean(rule, ids)}")])
        rule = found.id
    try:
        report = run(kb, rule)
    except ScenarioNotModelled as exc:
        print(f"spinepath rules mutate: {exc}", file=sys.stderr)
        raise typer.Exit(1)
    for m in report.survivors:
        print(f"{m.rule.file}:{m.at.pos[0]}:{m.at.pos[1]}: {m.rule.id}: survived: {m.what}")
    if suggest:
        for file, text in suggestions_yaml(suggested(kb, rule, report)).items():
            print(f"# append under 'scenarios:' in {file}\n{text}")
    score = 100.0 * report.killed / report.total if report.total else 100.0
    print(f"mutation score: {report.killed}/{report.total} killed ({score:.1f}%)")
    if score < fail_under:
        raise typer.Exit(ExitStatus.SOME_FAILED)


@rules_app.command("list")
def rules_list(directory: Optional[Path] = typer.Argument(None, help="Rules directory (default: installed)."),
               format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format.")):
    """List the rules with their decision points and evidence, then each fact the rules derive and each
    value spinepath computes: what it means, which rules derive it, which read it."""
    from ..evaluate.knowledge import load_knowledge
    kb = load_knowledge(directory)
    rs = kb.ruleset
    rows: list[dict[str, Any]] = [{"id": r.id, "title": r.title, "pathway": list(r.pathway), "file": r.file,
             "actions": [action_text(a) for a in r.then],
             "evidence": [{"ref": rs.references[e.ref]["short"], "ref_id": e.ref, "level": e.level} for e in r.evidence]}
            for r in rs.rules]
    readers = kb.graph.readers
    facts: list[dict[str, Any]] = [{"fact": f"derived.{f.name}", "meaning": f.meaning, "defined_in": f.file,
              "derived_by": list(f.derived_by), "read_by": list(readers.get(f"derived.{f.name}", ()))}
             for f in rs.facts.values()]
    computed: list[dict[str, Any]] = [{"value": name, "computed_from": list(spec_inputs), "read_by": list(readers.get(name, ()))}
                for name, spec_inputs in _computed_inputs().items() if readers.get(name)]
    if format is TextOrJson.json:
        sys.stdout.write(json.dumps({"ruleset": {"name": rs.name, "version": rs.version, "sha256": rs.sha256},
                                     "rules": rows, "facts": facts, "computed": computed},
                                    indent=2, ensure_ascii=False) + "\n")
        return
    # Stacked paragraphs, not tables: at 80 columns the four-column tables cut 847 lines with "…" (issue 26).
    import textwrap

    from rich.text import Text
    out = stdout_console()

    def para(label: str, body: str, indent: int = 4) -> None:
        for line in textwrap.wrap(label + body, max(out.width - indent, 30), subsequent_indent=" " * len(label),
                                  break_on_hyphens=False, break_long_words=False):
            out.print(Text(" " * indent + line))

    out.print(Text(f"{rs.name} {rs.version}: {len(rows)} rules", style="bold underline"))
    for r in rows:
        for i, line in enumerate(textwrap.wrap(f"{r['id']}  {r['title']}", max(out.width, 30),
                                               subsequent_indent="  ", break_on_hyphens=False)):
            out.print(Text(line, style="bold" if i == 0 else ""))
        para("does: ", "; ".join(r["actions"]))
        para("evidence: ", "; ".join(f"{e['ref']} ({e['level']})" for e in r["evidence"]))
    out.print()
    out.print(Text(f"Facts the rules derive: {len(facts)}", style="bold underline"))
    for f in facts:
        out.print(Text(f["fact"], style="bold"))
        para("meaning: ", f["meaning"])
        para("derived by: ", ", ".join(f["derived_by"]))
        para("read by: ", ", ".join(f["read_by"]) or "no rule")
    out.print()
    out.print(Text(f"Values spinepath computes that rules read: {len(computed)}", style="bold underline"))
    for c in computed:
        out.print(Text(c["value"], style="bold"))
        para("computed from: ", ", ".join(c["computed_from"]))
        para("read by: ", ", ".join(c["read_by"]))


def _computed_inputs() -> dict[str, tuple[str, ...]]:
    from ..derive import SPECS
    return {f"derived.{name}": spec.inputs for name, spec in SPECS.items()}


@rules_app.command("map")
def rules_map(directory: Optional[Path] = typer.Argument(None, help="Rules directory (default: installed).")):
    """Print the map from PATHWAYS.md decision points to rules and scenario files (Markdown)."""
    from ..evaluate.knowledge import load_knowledge
    from ..kb.decision_points import decision_point_map, markdown_table
    sys.stdout.write(markdown_table(decision_point_map(load_knowledge(directory))))
