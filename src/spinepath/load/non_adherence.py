"""Reasons for not following advice: the CDS Hooks non-adherence reason code list, as `board.decisions`
records them (issue 23).

Code system http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes (HL7 CDS Hooks, trial use,
maturity 1), from the AHRQ CDSiC publication "Approaches to Standardizing Override Reasons for
Patient-Centered Clinical Decision Support" (AHRQ Publication No. 25-0073, 2025). Read from the
specification's source, github.com/HL7/cds-hooks, input/vocabulary/CodeSystem-non-adherence-reason-codes.json
(commit 16b2bfc78535b6032d96badbb741898b52c86831); published at
https://build.fhir.org/ig/HL7/cds-hooks/en/CodeSystem-non-adherence-reason-codes.html. The six categories
and their 29 codes, 35 in all; every one may be recorded (the categories when nothing more specific fits).
No code is added here: a reason the list lacks goes in the free text.
"""
from __future__ import annotations

SYSTEM = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"

# category -> its codes; the display text shortened for a printed brief (the definitions are the source's).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "cds-not-applicable": ("patient-ineligible", "indication-order-exists", "action-completed",
                           "action-unsuccessful", "action-performed-no-adverse-effect", "action-not-priority"),
    "cds-suboptimal-context": ("limited-time", "wrong-time-workflow", "inappropriate-recipient", "need-more-info"),
    "recipient-disagrees-evidence": ("does-not-align-latest-evidence", "expert-contradicts", "policy-contradicts",
                                     "recipient-does-not-trust"),
    "recipient-concerns-outcomes": ("risk-benefit-ratio", "mitigate-risk-negative-outcome",
                                    "likely-negative-health-outcomes", "patient-contraindication"),
    "does-not-align-preferences": ("patient-fears-discomfort", "patient-does-not-want-change",
                                   "cultural-religious-reason", "prefers-alternative", "patient-refuses"),
    "not-convenient-feasible": ("inadequate-support", "service-not-available", "implementation-challenges",
                                "too-costly-uncovered", "recipient-does-not-understand", "comorbidity-disability"),
}

DISPLAY: dict[str, str] = {
    "cds-not-applicable": "advice does not apply to the patient",
    "patient-ineligible": "patient not eligible for the advised action",
    "indication-order-exists": "already indicated or ordered",
    "action-completed": "already done",
    "action-unsuccessful": "tried before without success",
    "action-performed-no-adverse-effect": "intended action done before without harm",
    "action-not-priority": "not a priority in the present state of health",
    "cds-suboptimal-context": "advice given in an unsuitable context",
    "limited-time": "not enough time",
    "wrong-time-workflow": "wrong time in the workflow or the course",
    "inappropriate-recipient": "not the right person to act",
    "need-more-info": "more information, pending results or a pending consultation needed",
    "recipient-disagrees-evidence": "disagrees because of the evidence",
    "does-not-align-latest-evidence": "not in line with the latest evidence",
    "expert-contradicts": "an expert's advice contradicts it",
    "policy-contradicts": "institutional policy or guideline contradicts it",
    "recipient-does-not-trust": "does not agree with or trust the advice",
    "recipient-concerns-outcomes": "concerns about the outcome",
    "risk-benefit-ratio": "risk outweighs benefit for this patient",
    "mitigate-risk-negative-outcome": "another measure taken to avoid a harm",
    "likely-negative-health-outcomes": "likely to harm",
    "patient-contraindication": "contraindicated in this patient",
    "does-not-align-preferences": "not in line with the patient's preferences or values",
    "patient-fears-discomfort": "patient fears the discomfort",
    "patient-does-not-want-change": "patient does not want a change",
    "cultural-religious-reason": "cultural or religious reason",
    "prefers-alternative": "patient prefers an alternative",
    "patient-refuses": "patient declines (no reason given)",
    "not-convenient-feasible": "not convenient or feasible",
    "inadequate-support": "inadequate caregiver or social support",
    "service-not-available": "treatment or service not available",
    "implementation-challenges": "cannot be implemented (technology or logistics)",
    "too-costly-uncovered": "too costly or not covered",
    "recipient-does-not-understand": "not understood",
    "comorbidity-disability": "a co-morbidity or disability prevents it",
}

CODES: tuple[str, ...] = tuple(c for category, codes in CATEGORIES.items() for c in (category, *codes))
