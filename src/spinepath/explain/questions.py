"""The questions that would change the plan, in the order a spine surgeon asks them (PATHWAYS section P).

Every unknown field that some rule reads, directly or through a derived value (or that withholds a
presumption), is tried with each answer it can have: each allowed value of an enum or a boolean, each
side of every threshold the rules and the presumptions compare a number with, each list member the
rules test. A field that does not apply is not asked (QP-03, `not_asked` in rules/questions.yaml), nor
the histology while no tissue exists (it is the biopsy recommendation). Only the rules the dependency
graph says the field reaches are evaluated again, for the firm pathway (facts only) and the provisional
one (facts and presumptions); the plan of each answer is made by the same `pathway()` and compared by
the same `diff()` as a full re-consult.

The order (QP-01, `order` in rules/questions.yaml): the neurological questions first whenever their
trigger holds, in their order; then the course of disease, the diagnosis and referral, staging, fitness,
planning details. Within a group: the most urgent treatment phase an answer changes, then treatment
over diagnosis, then the number of changes (an answer that only adds an `avoid` does not count as
changing treatment); ties follow the order of the fields in the patient file. Each question says why
it stands where it does (`reason`, `why`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..derive import SPECS
from ..evaluate.facts import Values, check_answers, prepare, presumed_as_before
from ..evaluate import incremental
from ..evaluate.engine import InternalError
from ..evaluate.incremental import reevaluate, wakes_none
from ..evaluate.threevalued import truth
from ..evaluate.knowledge import Knowledge
from ..load.fields import int_range
from ..load.interventions import TREATMENT_PHASES
from ..load.patient import SUBTYPES, Patient
from ..load.rule_files import Presumption, QuestionGroup, Ruleset
from .pathway import Pathway, Plan, diff, pathway
from .plan import Consultation, plan_of
from .provisional import cap_readers, capped_rules, capping, uncapped_facts
from .result import AnswerEffect, Change, Question


# Values the file always has: never asked.
_ALWAYS_KNOWN = {"age", "lesion.levels"}
# An integer scale this short is asked value by value (grade 1-3, Enneking S1-S3, ECOG 0-5, Tomita
# 1-7): its values can decide derived values, which no threshold in a rule shows.
SMALL_SCALE = 6
# Inputs a clinician cannot give as one value: their derived values are asked instead.
_NOT_ASKABLE = {"history.treatments"}


@dataclass(frozen=True)
class Answer:
    value: Any
    label: str


@dataclass(frozen=True)
class Candidate:
    field: str  # a patient field, or derived.X
    answers: tuple[Answer, ...]


def words(v: Any) -> str:
    """An answer as a clinician reads it."""
    if v is True:
        return "yes"
    if v is False:
        return "no"
    if isinstance(v, list):
        return ", ".join(words(x) for x in v) if v else "none"
    return str(v).replace("_", " ")


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def numeric_answers(thresholds: tuple[tuple[str, float], ...] | list[tuple[str, float]],
                    integer: bool) -> tuple[Answer, ...]:
    """One value on each side of every threshold, labelled by the range it stands for."""
    step = 1 if integer else 0.5
    # Per cut: its position, then the value and label of the range below it and of the range above it.
    # `lt t`/`gte t` put t above the cut, `lte t`/`gt t` below it.
    cuts: dict[float, tuple] = {}
    for op, t in thresholds:
        if op in ("lt", "gte"):
            cuts.setdefault(t, (t - step, f"< {_fmt(t)}", t, f"≥ {_fmt(t)}"))
        else:
            cuts.setdefault(t + step / 2, (t, f"≤ {_fmt(t)}", t + step, f"> {_fmt(t)}"))
    if not cuts:
        return ()
    order = [cuts[k] for k in sorted(cuts)]
    out = [Answer(order[0][0], order[0][1])]
    out += [Answer(lo[2], f"{lo[3]} and {hi[1]}") for lo, hi in zip(order, order[1:])]
    out.append(Answer(order[-1][2], order[-1][3]))
    return tuple(out)


def not_asked(kb: Knowledge, firm: Values) -> dict[str, str]:
    """field -> why it is not asked here (QP-03): a `not_asked` condition holds on the facts."""
    lookup = firm.facts.lookup(firm.rule_facts)
    out: dict[str, str] = {}
    for item in kb.ruleset.question_policy.not_asked:
        if truth(item.when, lookup) is True:
            for f in item.fields:
                out.setdefault(f, item.because)
    return out


def candidates(kb: Knowledge, patient: Patient, firm: Values) -> list[Candidate]:
    rs = kb.ruleset
    graph = kb.graph
    flat, derived = firm.facts.flat, firm.facts.derived
    skipped = not_asked(kb, firm)
    answers_from = rs.question_policy.answers_from
    out: list[Candidate] = []
    for name, ftype in rs.fields.items():
        if name.startswith("derived.") or name in _ALWAYS_KNOWN or not graph.reached(name) or name in skipped:
            continue
        value = flat.get(name)
        if name == "diagnosis.histology":
            if value != "unknown":
                continue
            answers = tuple(Answer(v, words(v)) for v in ftype.values if v != "unknown")
        elif value is not None:
            continue
        elif name == "diagnosis.subtype":
            answers = tuple(Answer(v, words(v)) for v in SUBTYPES.get(patient.diagnosis.histology, ()))
        elif ftype.kind == "bool":
            answers = (Answer(True, "yes"), Answer(False, "no"))
        elif ftype.kind == "enum":
            answers = tuple(Answer(v, words(v)) for v in ftype.values)
        elif name in answers_from:  # only the values the derived list allows (Tomita types the levels allow)
            possible = derived[answers_from[name].removeprefix("derived.")].value
            if possible is not None and len(possible) < 2:
                continue  # one possible value: it is known, not asked
            answers = tuple(Answer(v, str(v)) for v in possible) if possible else ()
        elif ftype.numeric:
            bounds = int_range(name) if ftype.kind == "int" else None
            if bounds and bounds[1] - bounds[0] <= SMALL_SCALE:  # a grade, a stage, ECOG: every value
                answers = tuple(Answer(v, str(v)) for v in range(bounds[0], bounds[1] + 1))
            else:
                answers = numeric_answers(graph.thresholds.get(name, ()), ftype.kind == "int")
        elif ftype.kind == "list":
            tested = sorted({leaf.value for rid in graph.reached(name) for leaf in kb.rules[rid].when.leaves()
                             if leaf.field == name and leaf.op == "contains"}, key=str)
            answers = tuple(Answer([m], f"{words(m)} only") for m in tested)
            if ftype.item_kind == "enum":
                answers += (Answer(list(ftype.values), "all: " + words(list(ftype.values))), Answer([], "none"))
        else:
            answers = ()
        if answers:
            out.append(Candidate(name, answers))
    for key, spec in SPECS.items():
        name = f"derived.{key}"
        d = derived[key]
        if d.value is not None or not graph.reached(name) or spec.kind not in ("bool", "enum") or name in skipped:
            continue
        lacked = [f for f in d.lacked if f not in _ALWAYS_KNOWN]
        presumed = any(p.field == name for p in rs.presumptions)
        if len(lacked) < 2 and not any(f in _NOT_ASKABLE for f in lacked) and not presumed:
            continue  # asked through its one missing input
        values = (True, False) if spec.kind == "bool" else spec.values
        out.append(Candidate(name, tuple(Answer(v, words(v)) for v in values)))
    # A computed value of one missing input that is asked itself is not asked twice (ESCC 2-3 and the grade).
    asked = {c.field for c in out}
    return [c for c in out if not c.field.startswith("derived.") or
            len([f for f in derived[c.field.removeprefix("derived.")].lacked if f not in _ALWAYS_KNOWN]) != 1 or
            not set(derived[c.field.removeprefix("derived.")].lacked) <= asked]


def confirms(name: str, presumptions: tuple[Presumption, ...]) -> list[Presumption]:
    out = []
    for p in presumptions:
        if p.field == name:
            out.append(p)
        elif p.derived and not name.startswith("derived.") and name in SPECS[p.field.removeprefix("derived.")].inputs:
            out.append(p)
    return out


class _Plans:
    """The plan of each answer, through the same `plan_of` as the consult. Many answers give the same
    rule values: their plan is made once, and each pathway (firm or provisional) once, since many plans
    share their firm one."""

    def __init__(self, kb: Knowledge):
        self.kb = kb
        self.memo: dict[tuple, Plan] = {}
        self.paths: dict[tuple, Pathway] = {}
        self.diffs: dict[int, tuple[Change, ...]] = {}  # id of a memo plan -> its changes from the consult
        self.from_fields = sorted({v[1] for r in kb.ruleset.rules for a in r.then for _, v in a.details
                                   if isinstance(v, tuple) and len(v) == 2 and v[0] == "from"})
        # All that a pathway reads of a pass besides which rules fired and whether the histology is known:
        # the values details copy, and the facts that hold a cap (pathway._caps_holding).
        self.reads = frozenset(self.from_fields) | {f"derived.{cap.fact}" for cap in kb.ruleset.caps}

    def copied(self, values: Values) -> str:
        """What a pathway's details copy from these values (all a pathway reads besides the fired rules)."""
        return repr([values.resolve(f) for f in self.from_fields])

    def __call__(self, firm: Values, provisional: Values, uncapped: Values | None) -> Plan:
        copied = {id(firm): self.copied(firm)}
        if provisional is not firm:
            copied[id(provisional)] = self.copied(provisional)
        key = (firm.fired, provisional.fired, provisional is firm, firm.histology_unknown,
               provisional.histology_unknown,
               # all that the plan reads of the uncapped values: which rules are capped, by which presumption
               None if uncapped is None else tuple((rid, id(p)) for rid, p in
                                                   capped_rules(self.kb, provisional, uncapped).items()),
               copied[id(firm)], copied[id(provisional)])
        plan = self.memo.get(key)
        if plan is None:
            def pathway_of(values: Values, capped: Mapping[str, Presumption]) -> Pathway:
                path_key = (values.fired, values.histology_unknown, copied[id(values)],
                            tuple((rid, id(p)) for rid, p in capped.items()))  # the kb's presumptions
                path = self.paths.get(path_key)
                if path is None:
                    path = self.paths[path_key] = pathway(self.kb, values.fired, values.resolve,
                                                          values.histology_unknown, capped)
                return path
            plan = self.memo[key] = plan_of(self.kb, firm, provisional, uncapped, pathway_of)[2]
        return plan

    def changes(self, before: Plan, after: Plan) -> tuple[Change, ...]:
        """diff(before, after).changes, once per plan (`after` is one of the memo's)."""
        if id(after) not in self.diffs:
            self.diffs[id(after)] = diff(before, after).changes
        return self.diffs[id(after)]


def rank_questions(kb: Knowledge, patient: Patient, c: Consultation,
                   for_the_board: bool = False) -> tuple[Question, ...]:
    """The questions of a consultation, each answer with how it changes the plan, in QP-01's order.

    `for_the_board`: only as many as decide the question for the board (ConsultResult.question_for_the_board:
    the first emergency question, else the first that changes treatment, else the first). QP-01's groups
    come first in the order, so the questions are tried group by group, and once every group that can hold
    an emergency question is done and one question qualifies, the later groups cannot change that
    question: what is returned is the head of the full order (a CDS Hooks card shows that one question)."""
    rs = kb.ruleset
    presumptions = rs.presumptions
    firm, provisional = c.firm, c.provisional
    plans = _Plans(kb)
    before = c.plan
    # With the capping presumptions withheld: the baseline that tells which rules a cap touches. An answer
    # cannot make a presumption apply that did not (it only adds facts), so without it no answer is capped.
    uncapped_base = c.uncapped
    order = {name: i for i, name in enumerate(rs.fields)}
    groups = _groups(kb, firm)
    ranked: list[tuple[tuple, Question]] = []
    placed = sorted(((_group_of(groups, cand.field), cand) for cand in candidates(kb, patient, firm)),
                    key=lambda x: x[0][1])  # by group position, stable: the first part of the ranking key
    last_emergency = max((i for i, g in enumerate(groups) if g.first_when is not None), default=-1)
    for k, ((group, position), cand) in enumerate(placed):
        if (for_the_board and k and position != placed[k - 1][0][1] and placed[k - 1][0][1] >= last_emergency
                and any(q.reason == "emergency" or q.changes_treatment for _, q in ranked)):
            break  # every later question ranks after one that is already the board's
        only = kb.graph.reached(cand.field)
        leaves: dict[int, bool] = {}  # unchanged_by's verdict per pass, the same for every answer to the field
        answers = []
        distinct: set = set()
        for ans in cand.answers:
            kw: dict[str, dict[str, Any]] = ({"derived_answers": {cand.field: ans.value}}
                                             if cand.field.startswith("derived.") else
                                             {"answers": {cand.field: ans.value}})
            # A pass that would have the consult's values in all its plan reads is neither prepared nor
            # re-evaluated (`unchanged_by`): a third of the answers for each pass.
            try:
                firm_facts = (None if unchanged_by(kb, patient, firm, (), plans, cand.field, ans.value, only, leaves)
                              else prepare(patient, (), base=firm.facts, **kw))
                prov_facts = (None if provisional is not firm and not caps_reached(kb, c, only)
                              and unchanged_by(kb, patient, provisional, presumptions, plans, cand.field, ans.value,
                                               only, leaves)
                              else prepare(patient, presumptions, base=provisional.facts, **kw))
            except ValueError:  # an answer the patient model refuses in this file (e.g. out of its range)
                continue
            f1 = firm if firm_facts is None else reevaluate(kb, firm, firm_facts, only)
            if prov_facts is None:  # the consult's provisional values, and its uncapped ones (no cap reached)
                p1, u1 = provisional, uncapped_base
            else:
                p1 = reevaluate(kb, provisional, prov_facts, only) if prov_facts.applied else f1
                u1 = None
                if uncapped_base is not None and capping(prov_facts.applied):
                    if any(rid in only for rid, _ in cap_readers(kb, p1)):
                        try:
                            u_facts = uncapped_facts(patient, presumptions, prov_facts, **kw)
                        except ValueError:  # refused without the capping presumptions: as a refused answer,
                            continue  # not a traceback (the firm and provisional passes accepted it)
                        u1 = reevaluate(kb, uncapped_base, u_facts, only) if u_facts is not None else None
                    else:  # a cap reads only the uncapped values of these rules, which the answer does not
                        u1 = uncapped_base  # reach: the consult's are theirs (nine answers in ten)
            changes = plans.changes(before, plans(f1, p1, u1))
            distinct.update((ch.change, ch.intervention, ch.phase, ch.strength) for ch in changes)
            answers.append(AnswerEffect(ans.value, ans.label, changes))
        emergency = group is not None and group.first_when is not None
        if not distinct and not emergency:
            continue  # answering it changes nothing: `missing` still lists it
        # The emergency questions are asked whenever their trigger holds (QP-01): one answer alone may change
        # nothing (NEU-01 needs the deficit, its course and the compression together), all three decide.
        treating = [(change, phase, strength) for change, _, phase, strength in distinct
                    if phase in TREATMENT_PHASES and not (change == "added" and strength == "avoid")]
        confirmed = confirms(cand.field, presumptions)
        reason = ("emergency" if emergency else "planning detail" if group is not None and group.name == "planning"
                  else "changes treatment" if treating else "confirms a presumption" if confirmed
                  else "changes diagnosis or follow-up")
        urgency = min((TREATMENT_PHASES.index(phase) for _, phase, _ in treating), default=len(TREATMENT_PHASES))
        diagnosis = any(phase == "diagnosis" for _, _, phase, _ in distinct)
        q = Question(cand.field, question_text(rs, cand.field), tuple(answers),
                     tuple((p.field, p.shown) for p in confirmed), bool(treating) or emergency, reason,
                     group.reason if group is not None else "", settling_fields(cand.field))
        key = (position, group.rank(cand.field) if group is not None and group.in_order else 0, urgency,
               0 if treating else 1 if diagnosis else 2, -len(distinct), order.get(cand.field, len(order)))
        ranked.append((key, q))
    ranked.sort(key=lambda x: x[0])
    return tuple(q for _, q in ranked)


def unchanged_by(kb: Knowledge, patient: Patient, base: Values, presumptions: tuple[Presumption, ...],
                 plans: _Plans, field: str, value: Any, only: frozenset[str], leaves: dict[int, bool]) -> bool:
    """Whether the pass of this answer prepared from `base` (the consult's firm or provisional pass, with
    these presumptions) would have `base`'s values in all that its plan reads: answers to the field leave
    the presumptions as they are (presumed_as_before), no rule that reads what they can change would be
    evaluated again (wakes_none), the pathway copies none of it, and it is not the histology
    (Values.histology_unknown). That holds for every answer to the field or none: `leaves` keeps it per
    pass (by the identity of `base`, which the caller holds). The answer is then checked as `prepare` would
    check it (ValueError)."""
    if field.startswith("derived.") or field == "diagnosis.histology" or value is None:
        return False
    if id(base) not in leaves:
        names = presumed_as_before(presumptions, (field,), base.facts)
        leaves[id(base)] = (names is not None and names.isdisjoint(plans.reads)
                            and wakes_none(kb, base, names, only))
    if not leaves[id(base)]:
        return False
    check_answers(patient, presumptions, {field: value}, base.facts)
    if incremental.VERIFY:  # SPINEPATH_VERIFY=1: the pass it stands for must have the same values
        made = reevaluate(kb, base, prepare(patient, presumptions, {field: value}, base=base.facts), only)
        if made.values != base.values or plans.copied(made) != plans.copied(base):
            raise InternalError(f"the answer {field} = {value!r} was taken to leave a pass as it is, but does not")
    return True


def caps_reached(kb: Knowledge, c: Consultation, only: frozenset[str]) -> bool:
    """Whether an answer reaching `only` reaches a fired rule that a cap can touch (then the uncapped values
    of its provisional pass are its own)."""
    return c.uncapped is not None and any(rid in only for rid, _ in cap_readers(kb, c.provisional))


def _groups(kb: Knowledge, firm: Values) -> list[QuestionGroup]:
    """QP-01's groups in rank order for this consult: a group with a `first_when` comes first when it holds
    on the facts, and a group with a `when` ranks its fields only while that holds; otherwise neither is a
    group at all (their fields are then ranked as any other)."""
    lookup = firm.facts.lookup(firm.rule_facts)
    return [g for g in kb.ruleset.question_policy.order
            if all(cond is None or truth(cond, lookup) is True for cond in (g.first_when, g.when))]


def _group_of(groups: list[QuestionGroup], field: str) -> tuple[QuestionGroup | None, int]:
    for i, g in enumerate(groups):
        if g.holds(field):
            return g, i
    return None, len(groups)


def settling_fields(name: str) -> tuple[str, ...]:
    """The patient fields that settle a derived value asked as a question (whatif --set takes either)."""
    if not name.startswith("derived."):
        return ()
    return tuple(f for f in SPECS[name.removeprefix("derived.")].inputs if f not in _ALWAYS_KNOWN)


def question_text(rs: Ruleset, name: str) -> str:
    for p in rs.presumptions:
        if p.field == name:
            return p.question
    return str(rs.questions.get(name) or f"Not recorded: {name}. What is it?")
