"""Both pathways of one patient, and the one function that turns rule values into the plan.

A consult has two passes: on the facts alone (firm) and on the facts plus the presumptions that apply
(provisional). `plan_of` makes the plan from their values: the firm pathway, the provisional pathway
with its caps, and what the provisional one adds (entries and alerts). The consult, the questions
(for every answer) and what-if all call it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from ..evaluate.facts import Values, prepare
from ..evaluate.incremental import checked_values, values_of
from ..evaluate.knowledge import Knowledge
from ..load.patient import Patient
from ..load.rule_files import Presumption
from .pathway import Pathway, Plan, pathway
from .provisional import capped_rules, provisional_only, uncapped_facts


@dataclass(frozen=True)
class Consultation:
    """Both pathways of one patient, before the questions: what what-if compares and the questions
    start from."""

    firm: Values
    provisional: Values  # the firm values when no presumption applies
    uncapped: Values | None  # the provisional facts without the capping presumptions (None: no cap applies)
    firm_pathway: Pathway
    provisional_pathway: Pathway
    plan: Plan


# The pathway of one pass's values, with the capped rules (`pathway`, or a memo of it: the questions).
PathwayOf = Callable[[Values, Mapping[str, Presumption]], Pathway]


def plan_of(kb: Knowledge, firm: Values, provisional: Values, uncapped: Values | None,
            pathway_of: PathwayOf | None = None) -> tuple[Pathway, Pathway, Plan]:
    """The one way rule values become a plan: the firm pathway, the provisional pathway (with caps), and
    what the provisional one adds."""
    if pathway_of is None:
        def pathway_of(values: Values, capped: Mapping[str, Presumption]) -> Pathway:
            return pathway(kb, values.fired, values.resolve, values.histology_unknown, capped)
    firm_path = pathway_of(firm, {})
    if provisional is firm:
        return firm_path, firm_path, Plan(firm_path.entries, (), firm_path.alerts, (), None)
    capped = capped_rules(kb, provisional, uncapped) if uncapped is not None else {}
    prov_path = pathway_of(provisional, capped)
    firm_alerts = {a.key() for a in firm_path.alerts}
    plan = Plan(firm_path.entries, tuple(provisional_only(firm_path.entries, prov_path.entries)), firm_path.alerts,
                tuple(a for a in prov_path.alerts if a.key() not in firm_alerts), None)
    return firm_path, prov_path, plan


def consultation(kb: Knowledge, patient: Patient, firm: Values,
                 derived_answers: dict | None = None) -> Consultation:
    """The provisional pass on top of the firm one (the engine decides both when `firm` is a full pass).
    `derived_answers` (derived.X -> value) must be those `firm` was prepared with: a value answered directly."""
    prov_facts = prepare(patient, kb.presumptions, derived_answers=derived_answers, base=firm.facts)
    # The engine decides, Python checks; the explanations (missing fields) are the firm pass's alone.
    provisional = checked_values(kb, prov_facts) if prov_facts.applied else firm
    un_facts = (uncapped_facts(patient, kb.presumptions, prov_facts, derived_answers=derived_answers)
                if prov_facts.applied else None)
    uncapped = values_of(kb, un_facts) if un_facts is not None else None
    firm_path, prov_path, plan = plan_of(kb, firm, provisional, uncapped)
    return Consultation(firm, provisional, uncapped, firm_path, prov_path, plan)


