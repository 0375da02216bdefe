"""The map from PATHWAYS.md decision points to rules and scenarios (docs/knowledge-base.md)."""
from __future__ import annotations

import re
from pathlib import Path

from ..evaluate.knowledge import Knowledge
from .scenarios import run_all

_DP = re.compile(r"^([A-Z]+)-(\d+)$")
# The order of the sections of PATHWAYS.md, so the map reads like the reference.
SECTIONS = ("GEN", "EB", "SEP", "CH", "CS", "OS", "EW", "GCT", "ABC", "OO", "OB", "HEM", "PC", "LY", "SCS",
            "RT", "NEU", "MECH", "REC", "MET", "PED", "ELD", "FU", "CX", "LCH", "OC", "FERT", "COURSE", "REL", "FIT",
            "QP")


def _dp_key(dp: str):
    m = _DP.match(dp)
    if not m:
        return (len(SECTIONS) + 1, dp, 0)
    prefix = m.group(1)
    return (SECTIONS.index(prefix) if prefix in SECTIONS else len(SECTIONS), prefix, int(m.group(2)))


def decision_point_map(kb: Knowledge) -> list[dict]:
    """Per decision point: the rules that encode it and the scenario files that fire them."""
    results, _ = run_all(kb)
    files_by_rule: dict[str, set[str]] = {}
    for res in results:
        for rid in res.fired:
            files_by_rule.setdefault(rid, set()).add(Path(res.file).name)
    rows: dict[str, dict] = {}
    for rule in kb.ruleset.rules:
        for dp in rule.pathway:
            row = rows.setdefault(dp, {"decision_point": dp, "rules": [], "scenarios": set()})
            row["rules"].append(rule.id)
            row["scenarios"] |= files_by_rule.get(rule.id, set())
    # PATHWAYS section P is engine behaviour written in the knowledge base's files, not in rules: the
    # presumptions withheld (QP-02), the questions that do not apply (QP-03), the scope of caps (QP-04).
    presumptions = kb.ruleset.presumptions
    engine = {"QP-02": ("rules/presumptions.yaml: unless", any(p.unless for p in presumptions)),
              "QP-03": ("rules/questions.yaml: not_asked", bool(kb.ruleset.question_policy.not_asked)),
              "QP-04": ("rules/presumptions.yaml: at_most", any(p.at_most for p in presumptions))}
    for dp, (where, written) in engine.items():
        if written:
            row = rows.setdefault(dp, {"decision_point": dp, "rules": [], "scenarios": set()})
            row["rules"].append(where)
            row["scenarios"] |= {"presumptions.scenarios.yaml"} if "presumptions" in where else set()
    return [{**rows[dp], "scenarios": sorted(rows[dp]["scenarios"])} for dp in sorted(rows, key=_dp_key)]


def markdown_table(rows: list[dict]) -> str:
    out = ["| decision point | rules | scenario files |", "|---|---|---|"]
    for r in rows:
        out.append(f"| {r['decision_point']} | {', '.join(r['rules'])} | {', '.join(r['scenarios']) or '—'} |")
    return "\n".join(out) + "\n"
