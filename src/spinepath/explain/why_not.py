"""Why an intervention is not in this patient's plan, in the knowledge base's own terms.

For a resident who picked it: the rules that would propose it and the facts of this patient that
keep each one from firing (a condition that is false), or the data it still waits for. Nothing
here is judged anew: it reads the three-valued outcomes the consult already computed.
"""
from __future__ import annotations

from ..evaluate.threevalued import Outcome

MAX_RULES = 2  # a reason or two is an explanation; the rest is in `spinepath explain`


def _false_conditions(outcome: Outcome) -> list[str]:
    """The conditions directly under the rule's top that are false for this patient, each with the
    patient's value ('lesion.epidural.escc in [0, 1a, 1b] (here 2)')."""
    out = []
    for depth, text, value in outcome.lines:
        if depth == 1 and value is False:
            condition, _, rest = text.partition("(value: ")
            here = rest.rstrip(")").strip()
            here = {"True": "yes", "False": "no", "unknown": "not known"}.get(here, here)
            out.append(f"{condition.strip()} (here {here})" if rest else condition.strip())
    return out


def reasons(kb, outcomes: dict[str, Outcome], code: str) -> list[str]:
    """Sentences saying why no rule proposes `code` here (empty when one does)."""
    proposing = [r for r in kb.ruleset.rules
                 if any(a.kind == "recommend" and a.code == code and a.strength != "avoid" for a in r.then)]
    if any(outcomes[r.id].value is True for r in proposing):
        return []
    out = []
    for rule in proposing:
        outcome = outcomes[rule.id]
        if outcome.value is None and outcome.missing:
            out.append(f"{rule.id} ({rule.title}) would propose it, but needs data that is not recorded: "
                       f"{', '.join(outcome.missing[:4])}.")
        else:
            failed = _false_conditions(outcome)
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
