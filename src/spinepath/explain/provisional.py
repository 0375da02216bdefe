"""The provisional pathway: what the presumptions add to the firm one, each entry with what it rests on.

An entry's `assumes` is minimal: starting from the applied presumptions its rule can read (directly,
through a derived value or through a fact another rule derives), each one is dropped in file order
when the rule still holds without it. A presumption the rule did not need is not listed.
"""
from __future__ import annotations

import json

from ..evaluate.partial import capped_rules, capping, evaluate_rules, prepare
from ..load.patient import Patient
from ..evaluate.presumptions import Presumption
from ..load.rule_files import evidence_entries


def entry_key(rec: dict) -> tuple:
    return (rec["intervention"], rec["phase"], rec["strength"], json.dumps(rec["details"], sort_keys=True))


def assumption(p: Presumption, references: dict) -> dict:
    out = {"field": p.field, "presumed": p.shown, "label": p.label, "question": p.question, "reason": p.reason,
           "evidence": evidence_entries(p.evidence, references)}
    if p.settled_by:
        out["settled_by"] = p.settled_by
    return out


def rests_on(kb, patient: Patient, applied: tuple[Presumption, ...], rule_id: str) -> list[Presumption]:
    """The presumptions `rule_id` needs to hold: a minimal subset of `applied`, in file order."""
    index = kb.index
    reads = index.reads[rule_id]
    keep = [p for p in applied if p.field in reads]
    only = index.upstream[rule_id]
    for p in list(keep):
        trial = [q for q in keep if q is not p]
        outcomes = evaluate_rules(kb, prepare(patient, trial), only=only)
        if outcomes[rule_id].value is True:
            keep = trial
    # A rule that holds on the facts alone gives a provisional entry only when the presumptions changed
    # what supersedes it or its details: then it rests on every presumption it can read.
    return keep or [p for p in applied if p.field in reads] or list(applied)


def provisional_entries(kb, patient: Patient, firm: dict, provisional: dict, applied: tuple[Presumption, ...]) -> list:
    firm_keys = {entry_key(r) for r in firm["recommendations"]}
    references = kb.ruleset.references
    # The same test as the ranked questions use: a rule that needs a capped presumption to hold.
    capped = capped_rules(kb, patient, applied, {r["rule"] for r in provisional["recommendations"]})
    needed: dict[str, list[Presumption]] = {}
    out = []
    for rec in provisional["recommendations"]:
        if entry_key(rec) in firm_keys:
            continue
        rid = rec["rule"]
        if rid not in needed:
            needed[rid] = rests_on(kb, patient, applied, rid)
        entry = {**rec, "assumes": [assumption(p, references) for p in needed[rid]]}
        cap = next((p for p in capping(applied) if rid in capped), None)
        if cap and rec["strength"] == "recommended":
            # e.g. GEN-09: while the patient has not accepted the sacrifice, en bloc is at most "consider".
            entry["strength"] = cap.at_most
            entry["capped_by"] = cap.field
            if entry_key(entry) in firm_keys:
                continue
        out.append(entry)
    return out
