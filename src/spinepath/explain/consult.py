"""The pipeline: load → derive → evaluate → explain. Renderers only format what this returns."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..evaluate.compile import Compiled, load_and_compile
from ..derive import CONTRACT_KEYS, SPECS
from ..derive.base import Derived
from ..evaluate.engine import Engine, InternalError, build_fact
from ..load.interventions import PHASES, STRENGTHS
from ..evaluate.partial import Index, Inputs, build_index, evaluate_rules, make_lookup, prepare
from ..load.patient import Patient
from ..evaluate.presumptions import Presumption
from .provisional import provisional_entries
from .questions import rank_questions
from ..load.rule_files import Rule, Ruleset, evidence_entries
from ..evaluate.threevalued import Outcome

FORMAT = "spinepath.consult/1"
SEVERITY_ORDER = ("critical", "warning", "info")
MDT_STATEMENT = ("spinepath supports, and does not replace, the decision of a multidisciplinary "
                 "spine-oncology tumour board.")


@dataclass
class Knowledge:
    ruleset: Ruleset
    compiled: Compiled
    engine: Engine
    list_fields: list[str]
    # The rules in evaluation order, each with the derived facts that are settled once it is evaluated.
    plan: list[tuple[Rule, tuple[str, ...]]]
    index: Index  # which rules each input reaches (partial re-evaluation)


@lru_cache(maxsize=4)
def _knowledge(root: str | None) -> Knowledge:
    ruleset, compiled = load_and_compile(root)  # load_ruleset + compile_ruleset, cached across runs
    lists = sorted(f for f, t in ruleset.fields.items() if t.kind == "list" and not f.startswith("derived."))
    lists += sorted(f for f, t in ruleset.fields.items() if t.kind == "list" and f.startswith("derived."))
    return Knowledge(ruleset, compiled, Engine(compiled), lists, _plan(ruleset, compiled), build_index(ruleset))


def _plan(rs: Ruleset, compiled: Compiled) -> list[tuple[Rule, tuple[str, ...]]]:
    """Work done once per knowledge base rather than once per patient (see evaluate_patient)."""
    rules = sorted(rs.rules, key=lambda r: compiled.order[r.id])
    position = {r.id: i for i, r in enumerate(rules)}
    settled_after: list[list[str]] = [[] for _ in rules]
    for fact, rids in rs.derived_facts.items():
        settled_after[max(position[r] for r in rids)].append(fact)
    return [(rule, tuple(facts)) for rule, facts in zip(rules, settled_after)]


def load_knowledge(rules_dir: str | Path | None = None) -> Knowledge:
    """Load, check and compile the knowledge base once per process and directory."""
    return _knowledge(str(Path(rules_dir).resolve()) if rules_dir is not None else None)


@dataclass
class Evaluation:
    """Everything the explanation needs: derived values, per-rule outcomes, firings."""

    patient: Patient
    derived: dict[str, Derived]
    rule_facts: dict[str, tuple[bool | None, tuple[str, ...]]]  # fact -> (value, missing)
    outcomes: dict[str, Outcome]  # three-valued, per rule id
    fired: list[str]  # rule ids in firing order (durable-rules)
    knowledge: Knowledge
    inputs: Inputs  # what the rules read: the facts, plus the presumptions of a provisional pass

    def lookup(self):
        return make_lookup(self.inputs.flat, self.derived, self.rule_facts)


def evaluate_patient(patient: Patient, kb: Knowledge, presumptions: tuple[Presumption, ...] = (),
                     base: Evaluation | None = None) -> Evaluation:
    """One pass through both evaluators. With presumptions, those whose field is unknown fill it in;
    `base`, another pass of the same patient, saves re-deriving the values they leave alone."""
    inputs = prepare(patient, presumptions, base=base.inputs if base is not None else None)
    derived = inputs.derived
    rs = kb.ruleset
    rule_facts: dict[str, tuple[bool | None, tuple[str, ...]]] = {}
    outcomes = evaluate_rules(kb, inputs, explaining=True, rule_facts=rule_facts)
    order = kb.compiled.order

    # The engine's run; derived facts for later strata come from its own firings.
    base = build_fact(inputs.data, {k: d.value for k, d in derived.items()}, kb.list_fields)

    def fact_for_stratum(s: int, firings):
        hits = {rid for kind, rid in firings if kind == "hit"}
        negs = {rid for kind, rid in firings if kind == "neg"}
        facts = {}
        for fact, rids in rs.derived_facts.items():
            if hits & set(rids):
                facts[fact] = True
            elif all(r in negs for r in rids):
                facts[fact] = False
        return dict(base, derived={**base["derived"], **facts})

    firings = kb.engine.run(base, fact_for_stratum)
    fired = [rid for kind, rid in firings if kind == "hit"]
    fired = sorted(dict.fromkeys(fired), key=lambda rid: order[rid])
    disagree = sorted(({r for r, o in outcomes.items() if o.value is True} ^ set(fired)), key=lambda r: order[r])
    if disagree:
        raise InternalError(f"the rule engine and the explanation disagree on {', '.join(disagree)}")
    return Evaluation(patient, derived, rule_facts, outcomes, fired, kb, inputs)


# ------------------------------------------------------------------------- explain

def _evidence(rule: Rule, rs: Ruleset) -> list[dict]:
    return evidence_entries(rule.evidence, rs.references)


def _details(action, ev: Evaluation) -> dict:
    out = {}
    for key, value in action.details:
        if isinstance(value, tuple) and len(value) == 2 and value[0] == "from":
            name = value[1].removeprefix("derived.")
            d = ev.derived.get(name)
            resolved = d.value if d is not None else ev.rule_facts.get(name, (None,))[0]
            if resolved is None:
                continue  # unknown stays out of the advice; the missing list names it
            out[key] = resolved
        else:
            out[key] = list(value) if isinstance(value, tuple) else value
    return out


def explain(ev: Evaluation) -> dict:
    kb = ev.knowledge
    rs = kb.ruleset
    fired_rules = [rs.rule(rid) for rid in ev.fired]
    superseded: dict[str, str] = {}
    for r in fired_rules:
        for other in r.supersedes:
            if other in ev.fired and other not in superseded:
                superseded[other] = r.id
    histology_unknown = ev.patient.diagnosis.histology == "unknown"

    recs: dict[tuple, dict] = {}
    alerts: list[dict] = []
    arguments: list[tuple[str, str | None, dict]] = []
    trace = []
    for step, rule in enumerate(fired_rules, 1):
        entry = {"step": step, "rule": rule.id, "title": rule.title,
                 "matched": ev.outcomes[rule.id].matched,
                 "asserted": [f"derived.{a.code}" for a in rule.then if a.kind == "derive"],
                 "actions": [_action_text(a) for a in rule.then if a.kind != "derive"]}
        if rule.supersedes:
            entry["supersedes"] = list(rule.supersedes)
        if rule.id in superseded:
            entry["superseded_by"] = superseded[rule.id]
        trace.append(entry)
        if rule.id in superseded:
            continue
        for a in rule.then:
            if a.kind == "recommend":
                rec = {"intervention": a.code, "phase": a.phase, "strength": a.strength,
                       "details": _details(a, ev), "rationale": rule.rationale, "rule": rule.id,
                       "evidence": _evidence(rule, rs)}
                if histology_unknown and rs.interventions[a.code].enters_tumor and a.strength != "avoid":
                    alerts.append({"code": "resection_before_histology_blocked", "severity": "critical",
                                   "message": f"{rule.id} would {a.strength.replace('recommended', 'recommend')} "
                                   f"{a.code} while the histology is unknown; spinepath never proposes a resection "
                                   "or a procedure through the tumour before a tissue diagnosis (GEN-05). It is shown "
                                   "as avoid.", "rule": rule.id})
                    rec["strength"] = "avoid"
                    rec["blocked"] = "histology unknown: no resection before a tissue diagnosis"
                key = (rec["intervention"], rec["phase"], rec["strength"], json.dumps(rec["details"], sort_keys=True))
                if key in recs:
                    recs[key].setdefault("also_by", []).append(rule.id)
                else:
                    recs[key] = rec
            elif a.kind == "alert":
                alerts.append({"code": a.code, "severity": a.severity, "message": a.message, "rule": rule.id})
            elif a.kind == "argue":
                arguments.append((a.code, a.phase, {"stance": a.stance, "rule": rule.id, "rationale": rule.rationale,
                                                    "evidence": _evidence(rule, rs)}))
    recommendations = list(recs.values())
    loose_arguments = []
    for code, phase, arg in arguments:
        targets = [r for r in recommendations if r["intervention"] == code and (phase is None or r["phase"] == phase)]
        for t in targets:
            t.setdefault("arguments", []).append(arg)
        if not targets:
            loose_arguments.append({"intervention": code, **({"phase": phase} if phase else {}), **arg})
    alerts.extend(_conflicts(recommendations))  # on every rule's own entry, before they are merged
    recommendations = _one_per_decision(recommendations)
    recommendations.sort(key=lambda r: (PHASES.index(r["phase"]), STRENGTHS.index(r["strength"]),
                                        r["intervention"], r["rule"]))
    alerts = sorted({json.dumps(a, sort_keys=True): a for a in alerts}.values(),
                    key=lambda a: (SEVERITY_ORDER.index(a["severity"]), a["code"], a["rule"], a["message"]))
    result = {
        "format": FORMAT,
        "patient_id": ev.patient.id,
        "ruleset": {"name": rs.name, "version": rs.version, "sha256": rs.sha256},
        "derived": _derived_block(ev),
        "recommendations": recommendations,
        "alerts": alerts,
        "missing": _missing(ev),
        "trace": trace,
    }
    if loose_arguments:
        result["arguments"] = loose_arguments
    result["references"] = _references(result, rs)
    result["statement"] = MDT_STATEMENT
    return result


def _one_per_decision(recs: list[dict]) -> list[dict]:
    """One entry per intervention and phase: the strongest (then the first to fire) leads, the other
    rules go to `also_by`, and what they advise differently (strength, details) to `alternatives`,
    so that no dose or modality is lost. Advice for and advice against stay apart: a conflict is shown."""
    groups: dict[tuple, list[dict]] = {}
    for r in recs:
        side = "against" if r["strength"] == "avoid" else "for"
        groups.setdefault((r["intervention"], r["phase"], side), []).append(r)
    out = []
    for items in groups.values():
        # sorted() is stable: within a strength the first rule to fire leads; a rule's own avoid
        # leads over one made by the histology-first safety net.
        items = sorted(items, key=lambda r: (STRENGTHS.index(r["strength"]), "blocked" in r))
        lead = dict(items[0])
        also = list(lead.get("also_by", []))
        alternatives = []
        for other in items[1:]:
            also += [other["rule"], *other.get("also_by", [])]
            # Only what would otherwise be lost: another strength, or details the lead does not give.
            if other["strength"] != lead["strength"] or (other["details"] and other["details"] != lead["details"]):
                alternatives.append({k: other[k] for k in ("rule", "strength", "details", "rationale", "evidence")})
        if also:
            lead["also_by"] = list(dict.fromkeys(also))
        if alternatives:
            lead["alternatives"] = alternatives
        out.append(lead)
    return out


def _action_text(a) -> str:
    if a.kind == "recommend":
        return f"{a.strength}: {a.code} ({a.phase})"
    if a.kind == "alert":
        return f"alert {a.code} ({a.severity})"
    return f"argue {a.stance} {a.code}"


def _conflicts(recs: list[dict]) -> list[dict]:
    """Advice for and against the same thing. An `avoid` with its own details (say, one regimen)
    only contradicts advice with those same details, or advice that names none."""
    def clash(pro, contra):
        return not contra["details"] or not pro["details"] or pro["details"] == contra["details"]
    out = []
    by_code: dict[str, list[dict]] = {}
    for r in recs:
        by_code.setdefault(r["intervention"], []).append(r)
    for code, items in sorted(by_code.items()):
        contra = [r for r in items if r["strength"] == "avoid" and "blocked" not in r]
        pro = [r for r in items if r["strength"] != "avoid" and any(clash(r, c) for c in contra)]
        contra = [c for c in contra if any(clash(p, c) for p in pro)]
        if pro and contra:
            out.append({"code": "conflicting_recommendations", "severity": "warning",
                        "message": f"{code}: {', '.join(sorted(r['rule'] for r in pro))} propose it, "
                        f"{', '.join(sorted(r['rule'] for r in contra))} advise against it; both are shown with "
                        "their reasons for the board to decide", "rule": sorted(r["rule"] for r in contra)[0]})
    return out


def _derived_block(ev: Evaluation) -> dict:
    block: dict[str, Any] = {k: ev.derived[k].value for k in CONTRACT_KEYS}
    for name in SPECS:
        if name not in block:
            block[name] = ev.derived[name].value
    for fact in sorted(ev.rule_facts):
        block[fact] = ev.rule_facts[fact][0]
    flags = []
    for name, d in ev.derived.items():
        for code, message in d.flags:
            flag = {"code": code, "message": message, "source": f"derived.{name}"}
            if not any(f["code"] == code and f["message"] == message for f in flags):
                flags.append(flag)
    block["flags"] = flags
    return block


def _missing(ev: Evaluation) -> list[dict]:
    rs = ev.knowledge.ruleset
    entries: dict[str, dict] = {}

    def add(field: str, needed_for: str, rule: str | None):
        e = entries.setdefault(field, {"field": field, "needed_for": [], "rules": []})
        if needed_for not in e["needed_for"]:
            e["needed_for"].append(needed_for)
        if rule and rule not in e["rules"]:
            e["rules"].append(rule)

    for name in CONTRACT_KEYS:
        d = ev.derived[name]
        if d.value is None:
            for f in d.lacked:
                add(f, f"derived.{name}", None)
    for rid, outcome in ev.outcomes.items():
        if outcome.value is None:
            rule = rs.rule(rid)
            for f in outcome.missing:
                add(f, rule.title, rid)
    out = []
    for field in sorted(entries):
        e = entries[field]
        out.append({"field": field, "needed_for": "; ".join(e["needed_for"]), "rules": sorted(e["rules"])})
    return out


def _references(result: dict, rs: Ruleset) -> list[dict]:
    ids: list[str] = []
    for r in result["recommendations"] + result.get("provisional", []):
        for e in r["evidence"] + [e for a in r.get("arguments", []) for e in a["evidence"]]:
            ids.append(e["ref_id"])
        ids.extend(e["ref_id"] for a in r.get("assumes", []) for e in a["evidence"])
    for a in result.get("arguments", []):
        ids.extend(e["ref_id"] for e in a["evidence"])
    for a in result["alerts"]:
        rule = rs.rule(a["rule"])
        if rule:
            ids.extend(e.ref for e in rule.evidence)
    uniq = sorted(set(ids), key=lambda x: (len(x), x))
    return [{"ref_id": i, "short": rs.references[i]["short"], "citation": rs.references[i]["citation"]} for i in uniq]


def consult_knowledge(patient: Patient, kb: Knowledge, firm: Evaluation | None = None) -> dict:
    """The firm pathway, the provisional one under the presumptions that apply, and the ranked questions."""
    firm = firm if firm is not None else evaluate_patient(patient, kb)
    result = explain(firm)
    presumptions = kb.ruleset.presumptions
    provisional = evaluate_patient(patient, kb, presumptions, base=firm) if presumptions else firm
    entries = []
    if provisional.inputs.applied:
        entries = provisional_entries(kb, patient, result, explain(provisional), provisional.inputs.applied)
    questions = rank_questions(kb, patient, firm, provisional)
    ordered = {}
    for key, value in result.items():
        ordered[key] = value
        if key == "recommendations":
            ordered["provisional"] = entries
        elif key == "alerts":
            ordered["questions"] = questions
    ordered["references"] = _references(ordered, kb.ruleset)
    return ordered


def consult(patient: Patient, rules_dir: str | Path | None = None) -> dict:
    return consult_knowledge(patient, load_knowledge(rules_dir))
