"""Why an intervention is not in this patient's plan, in the knowledge base's own terms.

For a resident who picked it: the rules that would propose it and the facts of this patient that
keep each one from firing (a condition that is false), or the data it still waits for. Nothing
here is judged anew: it reads the three-valued outcomes of the firm pass, and the pass's own facts
for the values a false condition read.
"""
from __future__ import annotations

from typing import Any

from ..evaluate.knowledge import Knowledge
from ..evaluate.passes import Pass
from ..evaluate.threevalued import Lookup, describe, truth
from ..load.rule_files import Rule

MAX_RULES = 2  # a reason or two is an explanation; the rest is in `spinepath explain`
GROUPS = ("all", "any", "not")
# A value as the reason says it (`histology unknown` is data that is not known, as an absent value).
SAID = {True: "yes", False: "no", "unknown": "not known"}


def _here(value: Any) -> str:
    if value is None:
        return "not known"
    if isinstance(value, (bool, str)) and value in SAID:
        return SAID[value]
    return str(value)


def _false_conditions(rule: Rule, lookup: Lookup) -> list[str]:
    """The conditions directly under the rule's top that are false for this patient, each with the
    patient's value ('lesion.epidural.escc in [0, 1a, 1b] (here 2)'); a false group is named alone."""
    if rule.when.op not in GROUPS:
        return []
    out = []
    for c in rule.when.children:
        if truth(c, lookup) is not False:
            continue
        if c.op in GROUPS:
            out.append(describe(c))
        else:
            out.append(f"{describe(c)} (here {_here(lookup(c.field)[0])})")
    return out


def reasons(kb: Knowledge, ev: Pass, code: str) -> list[str]:
    """Sentences saying why no rule proposes `code` here (empty when one does); `ev` is the patient's
    firm pass (evaluate.passes.evaluate_patient)."""
    proposing = [r for r in kb.ruleset.rules
                 if any(a.kind == "recommend" and a.code == code and a.strength != "avoid" for a in r.then)]
    if any(ev.value(r.id) is True for r in proposing):
        return []
    lookup = ev.facts.lookup(ev.rule_facts)
    out = []
    for rule in proposing:
        outcome = ev.outcomes[rule.id]
        if outcome.value is None and outcome.missing:
            out.append(f"{rule.id} ({rule.title}) would propose it, but needs data that is not recorded: "
                       f"{', '.join(outcome.missing[:4])}.")
        else:
            failed = _false_conditions(rule, lookup)
            if failed:
                out.append(f"{rule.id} ({rule.title}) would propose it, but it needs "
                           f"{'; '.join(failed[:3])}.")
        if len(out) == MAX_RULES:
            break
    if not proposing:
        out.append("No rule of the knowledge base proposes it for a primary spine tumour.")
    elif not out:
        out.append(f"{len(proposing)} rule(s) could propose it, none for this patient "
                   f"(e.g. {proposing[0].id}: spinepath explain FILE {proposing[0].id} shows why).")
    return out
