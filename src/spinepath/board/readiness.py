"""Is a case ready for the board, and where does it go on the agenda (issue 23, item 1).

The one home of the decision: the board pack (Markdown, HTML), the brief and `board --format json` all
call `assess`, and none of them decides readiness again. Everything comes from the consult result: its
questions (which change treatment, which exclude an emergency), its missing data, its derived values and
its firm and provisional plan. Nothing here re-runs a rule or re-derives a clinical value.

- **Not ready**: something still missing would change the plan: a question the consult marks as changing
  treatment (the emergency questions among them), pathology (no histology yet) or staging (the
  investigations the work-up still lacks, derived.workup_missing). The agenda says what to chase.
- **Standard pathway**: ready, and the firm plan decides every treatment phase: no option there is only
  "consider", no alternatives to choose between, nothing rests on a presumption, no critical alert. The
  board can confirm it briefly (NHS England asks boards to separate such cases from full discussions).
- **Emergency**: the consult derives a neurological emergency, or its firm plan recommends something
  urgent. An emergency leads the agenda whether or not the case is ready.
- **Disciplines**: from the intervention codes in play (firm and provisional entries other than avoid),
  through the table board/disciplines.yaml.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any, Mapping

import yaml

from ..explain.result import ConsultResult, Entry
from ..load.interventions import TREATMENT_PHASES, said
from ..render import REASON_WORDS, strategy_groups, words

# The agenda's groups in the order the chair runs them.
GROUPS = ("emergency", "full discussion", "standard pathway", "not ready")
GROUP_TITLES = {"emergency": "Emergencies", "full discussion": "Full discussion",
                "standard pathway": "Standard pathways: confirm", "not ready": "Not ready: what to chase"}
SHOWN_MISSING = 3  # what a row of the agenda names of the chase list; the JSON has it all
BRIEF_MISSING = 3  # and the brief (its open questions follow, with what each answer changes)


@dataclass(frozen=True)
class Chase:
    """Something missing that would change the plan."""

    kind: str  # emergency | pathology | staging | treatment
    field: str  # the patient field (or derived value) that records it
    label: str  # short, for the agenda
    text: str  # the question as the consult asks it

    def to_json(self) -> dict:
        return {"kind": self.kind, "field": self.field, "label": self.label, "text": self.text}


@dataclass(frozen=True)
class Discipline:
    code: str
    label: str
    needed_for: tuple[str, ...]  # the intervention codes in play that need it

    def to_json(self) -> dict:
        return {"discipline": self.code, "label": self.label, "for": list(self.needed_for)}


@dataclass(frozen=True)
class Readiness:
    ready: bool
    missing: tuple[Chase, ...]
    standard_pathway: bool
    emergency: bool
    disciplines: tuple[Discipline, ...]
    question: str  # the question for the board, as the agenda prints it
    critical_alerts: tuple[str, ...]  # their first sentences
    group: str  # one of GROUPS
    order_reason: str  # why the case sits in its group, in a sentence

    @property
    def rank(self) -> int:
        return GROUPS.index(self.group)

    def chase_text(self, top: int = SHOWN_MISSING) -> str:
        """The chase list in one line: the first `top` labels and how many more."""
        labels = list(dict.fromkeys(c.label for c in self.missing))
        more = len(labels) - top
        return "; ".join(labels[:top]) + (f"; +{more} more" if more > 0 else "")


def lines(r: Readiness, decision: Any = None) -> list[tuple[str, str]]:
    """The brief's box as (label, text) pairs, for both renderers; short, as it must not push a brief onto a
    third printed page (the codes each discipline is needed for, and a decision's details, are in the JSON
    and the file). `decision` is the last board decision (board/decisions.FollowThrough), which the brief
    reads; this module does not import it."""
    detail = r.order_reason.split(": ", 1)[-1]
    status = (f"Emergency ({detail}); " if r.emergency else "") + ("ready" if r.ready else "not ready")
    if r.missing:
        status += f": chase {r.chase_text(BRIEF_MISSING)}"
    elif r.standard_pathway:
        status += "; standard pathway, a short confirmation (the firm plan decides every treatment phase)"
    elif r.group == "full discussion":
        status += f"; full discussion: {detail}"
    out = [("Readiness", status[0].upper() + status[1:])]
    if r.disciplines:
        out.append(("Disciplines", ", ".join(d.label for d in r.disciplines)))
    out.append(("Question for the board", r.question))
    if decision is not None:
        out.append(("Last decision", decision.brief_summary))
        if decision.carried_out:
            out.append(("In the history", decision.carried_out))
    return out


# ------------------------------------------------------------------------------ the discipline table

@functools.lru_cache(maxsize=1)
def discipline_table() -> dict[str, Any]:
    return yaml.safe_load(resources.files(__package__).joinpath("disciplines.yaml").read_text(encoding="utf-8"))


def _systemic(result: ConsultResult) -> str:
    for choice in discipline_table()["systemic_oncology"]:
        if "otherwise" in choice:
            return str(choice["otherwise"])
        if result.value(choice["when"]) is True:  # unknown never matches
            return str(choice["use"])
    raise ValueError("disciplines.yaml: systemic_oncology has no `otherwise`")


def in_play(result: ConsultResult) -> tuple[Entry, ...]:
    """The entries the board may decide on: firm and provisional, other than avoid."""
    return tuple(e for e in (*result.recommendations, *result.provisional) if e.strength != "avoid")


def disciplines(result: ConsultResult) -> tuple[Discipline, ...]:
    """The disciplines the codes in play need, in the table's order, each with the codes that need it."""
    table = discipline_table()
    needed: dict[str, list[str]] = {}
    for entry in in_play(result):
        row = table["codes"].get(entry.intervention)
        if row is None:  # a code the table lacks: the test of the table fails first; never guess a team
            continue
        names = list(row["disciplines"])
        for key, values in (row.get("by_details") or {}).items():
            names += values.get(str(entry.details.get(key)), [])
        for name in names:
            name = _systemic(result) if name == "systemic_oncology" else name
            codes = needed.setdefault(name, [])
            if entry.intervention not in codes:
                codes.append(entry.intervention)
    known = table["disciplines"]
    return tuple(Discipline(name, known[name]["label"], tuple(needed[name])) for name in known if name in needed)


# ------------------------------------------------------------------------------ readiness

def missing(result: ConsultResult, labels: Mapping[str, str] | None = None) -> tuple[Chase, ...]:
    """What is missing that would change the plan, in the consult's order of its questions: the emergency
    to exclude first, then pathology and staging, then the other questions that change treatment.
    `labels` names fields shortly (the brief's labels: board/brief.py passes them, as it imports this
    module and not the other way round)."""
    labels = labels or {}

    def _label(field: str) -> str:
        return labels.get(field) or words(field.removeprefix("derived.").rsplit(".", 1)[-1]).capitalize()

    asked = {q.field: q for q in result.questions}
    lacking = {m.field for m in result.missing}
    emergency: list[Chase] = []
    treatment: list[Chase] = []
    for q in result.questions:
        if q.field == "diagnosis.histology" or not q.changes_treatment:
            continue
        kind = "emergency" if q.reason == "emergency" else "treatment"
        (emergency if kind == "emergency" else treatment).append(Chase(kind, q.field, _label(q.field), q.text))
    out = list(emergency)
    if "diagnosis.histology" in asked or "diagnosis.histology" in lacking:
        histology = asked.get("diagnosis.histology")
        done = result.patient.diagnosis.biopsy is not None and result.patient.diagnosis.biopsy.done
        label = "histology (biopsy report awaited)" if done else "histology (no tissue diagnosis yet)"
        out.append(Chase("pathology", "diagnosis.histology", label,
                         histology.text if histology is not None else "What is the histology?"))
    # Staging is pending when the consult itself recommends the work-up and investigations are missing (a
    # benign lesion the consult does not stage is not held back for a staging it does not need).
    workup = result.value("workup_missing")
    asks_staging = any(e.intervention == "staging_workup" and e.strength == "recommended"
                       for e in result.recommendations)
    if workup and asks_staging:
        out.append(Chase("staging", "staging.workup_done", "staging: " + ", ".join(said(w) for w in workup),
                         "Which staging investigations are done? Still missing: "
                         + ", ".join(said(w) for w in workup) + "."))
    return tuple(out + treatment)


def is_emergency(result: ConsultResult) -> bool:
    return result.value("neuro_emergency") is True or any(
        e.phase == "urgent" and e.strength == "recommended" for e in result.recommendations)


def _why_not_standard(result: ConsultResult) -> list[str]:
    """Why the firm plan does not decide every treatment phase by itself (empty: it does)."""
    why = []
    treating = [e for e in result.recommendations if e.phase in TREATMENT_PHASES and e.strength != "avoid"]
    if any(e.strength == "consider" for e in treating):
        why.append("options to weigh (" + ", ".join(dict.fromkeys(said(e.intervention) for e in treating
                                                               if e.strength == "consider")) + ")")
    if strategy_groups(treating):
        why.append("alternatives to choose between")
    if any(e.phase in TREATMENT_PHASES and e.strength != "avoid" for e in result.provisional):
        why.append("part of the plan rests on presumptions")
    if any(a.severity == "critical" for a in result.alerts):
        why.append("a critical alert")
    if not any(e.strength == "recommended" for e in result.recommendations):
        why.append("no firm recommendation")
    return why


def main_question(result: ConsultResult) -> str:
    """What the board decides: the question that would change treatment most, or the firmest option."""
    q = result.question_for_the_board
    if q is not None:
        return f"{q.text} ({REASON_WORDS.get(q.reason, q.reason)})"
    recs = [r for r in result.recommendations if r.strength != "avoid"]
    if recs:
        top = next((r for r in recs if r.strength == "recommended"), recs[0])
        return f"Confirm: {said(top.intervention)} ({top.strength})"
    return "No option on the facts alone: complete the data listed in the brief"


def assess(result: ConsultResult, labels: Mapping[str, str] | None = None) -> Readiness:
    """The case's readiness, pathway, disciplines, question and place on the agenda (`labels`: see
    `missing`)."""
    chase = missing(result, labels)
    ready = not chase
    emergency = is_emergency(result)
    why_not = _why_not_standard(result)
    standard = ready and not why_not
    critical = tuple(a.message.split(". ")[0].rstrip(".") for a in result.alerts if a.severity == "critical")
    if emergency:
        group = "emergency"
        reason = ("emergency: " + ("neurological emergency" if result.value("neuro_emergency") is True else
                                   "urgent treatment recommended (" + ", ".join(dict.fromkeys(
                                       said(e.intervention) for e in result.recommendations
                                       if e.phase == "urgent" and e.strength == "recommended")) + ")"))
    elif not ready:
        group = "not ready"
        reason = f"not ready: {len(chase)} item{'s' if len(chase) != 1 else ''} to chase that would change the plan"
    elif standard:
        group = "standard pathway"
        reason = "standard pathway: the firm plan decides every treatment phase and no open question changes it"
    else:
        group = "full discussion"
        reason = "full discussion: " + "; ".join(why_not)
    return Readiness(ready, chase, standard, emergency, disciplines(result), main_question(result), critical,
                     group, reason)
