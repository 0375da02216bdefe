"""What a resident reads after answering: in clinical words, never a field name or a rule's internals.

The words are the rules' own (their rationale and evidence, the consult's alerts) and the teacher's
(the learning objective). Nothing here writes clinical content: it chooses which of those texts belong
to an option and says intervention codes as words. The terminal reveal and the series report both
read `option_feedback`, so they cannot disagree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..derive.vocabulary import all_fields
from ..evaluate.knowledge import Knowledge
from ..explain.pathway import evidence
from ..explain.result import ConsultResult, EvidenceRef
from ..load.interventions import said

# A field name or a code as the files spell them: `derived.x`, `diagnosis.histology`, `a.b_c`,
# `en_bloc_resection`. The tests hold every feedback text of every stage to it.
_SECTIONS = sorted({name.split(".")[0] for name in all_fields() if "." in name})
FIELD_NAME = re.compile(r"\b(?:" + "|".join(_SECTIONS) + r")\.[a-z]|\b[a-z]+(?:\.[a-z_]+)+_[a-z_]*\b"
                        r"|\b[a-z]+(?:_[a-z0-9]+)+\b")
_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
STRENGTH_SAID = {"recommended": "Recommended", "consider": "To consider", "avoid": "Avoid"}


def clinical(text: str) -> str:
    """A rule's or an alert's text with the intervention codes it names said as words."""
    return _CODE.sub(lambda m: said(m.group(0)), text)


@dataclass(frozen=True)
class Paragraph:
    kind: str  # role | reason | evidence | note | absent | pointer
    text: str
    lead: str = ""  # a reason's strength ("Recommended", "Avoid", "Why")

    def said(self) -> str:
        return f"{self.lead}: {self.text}" if self.lead else self.text


def evidence_line(refs: tuple[EvidenceRef, ...]) -> str:
    return "Evidence: " + "; ".join(f"{e.ref} ({e.level})" for e in refs)


def option_feedback(intervention: str, role: str, result: ConsultResult, kb: Knowledge,
                    because: tuple[str, ...] = (), turns_on: tuple[str, ...] = ()) -> tuple[Paragraph, ...]:
    """The paragraphs that explain one option for this patient, whole (a reader that shows several options
    says a shared reason once: see session.show_reveal). `turns_on`: for a wrong pick no rule proposes,
    the stage's key decisions, to point back at what the stage is about."""
    seen: set[str] = set()
    out: list[Paragraph] = []
    if role == "key":
        out.append(Paragraph("role", "A key decision of this stage."))
    elif role == "tempting":
        out.append(Paragraph("role", "The tempting wrong answer of this stage."))
    entries = [e for e in result.recommendations if e.intervention == intervention]
    texts = [(STRENGTH_SAID[e.strength], e.rationale, e.evidence, e.blocked) for e in entries]
    if role == "tempting":
        # The rules the teacher names for it: their title and rationale, and what they raise for this patient
        # (RT-04a's alert is where re-irradiation is named).
        for rid in because:
            rule = kb.ruleset.rule(rid)
            if rule is not None and all(rule.rationale != t[1] for t in texts):
                texts.append((f"Why ({clinical(rule.title)})", rule.rationale, evidence(rule, kb), None))
            texts += [("Alert", a.message, (), None) for a in result.alerts if a.rule == rid]
    if not texts:
        out.append(Paragraph("absent", "No rule proposes this for this patient at this point of the course."))
        if turns_on:
            out.append(Paragraph("pointer", "This stage turns on: " + ", ".join(said(k) for k in turns_on) + "."))
    for lead, rationale, refs, blocked in texts:
        if rationale in seen:
            continue
        seen.add(rationale)
        out.append(Paragraph("reason", clinical(rationale), lead))
        if refs:
            out.append(Paragraph("evidence", evidence_line(refs)))
        if blocked:
            out.append(Paragraph("note", f"Held back: {clinical(blocked)}"))
    return tuple(out)
