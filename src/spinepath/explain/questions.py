"""The questions that would change the plan, most important first.

Every unknown field that some rule reads, directly or through a derived value, is tried with each
answer it can have: each allowed value of an enum or a boolean, each side of every threshold the
rules compare a number with, each list member the rules test. Only the rules the field can reach
are evaluated again, for the firm pathway (facts only) and the provisional one (facts and
presumptions). A question that changes treatment (urgent, neoadjuvant, local control, adjuvant,
systemic) ranks before one that changes only diagnosis, surveillance or supportive care; then more
changes rank higher; ties follow the order of the fields in the patient file.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..derive import SPECS
from ..load.fields import int_range
from ..load.interventions import PHASES, STRENGTHS, TREATMENT_PHASES
from ..evaluate.partial import Entry, capped_rules, capping, entries, evaluate_rules, fired, prepare
from ..load.patient import SUBTYPES, Patient
from ..evaluate.presumptions import Presumption

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


def _words(v) -> str:
    if v is True:
        return "yes"
    if v is False:
        return "no"
    if isinstance(v, list):
        return ", ".join(_words(x) for x in v) if v else "none"
    return str(v).replace("_", " ")


def _thresholds(kb, name: str) -> list[tuple[str, float]]:
    out = set()
    for rid in kb.index.reach.get(name, ()):
        for leaf in kb.index.rules[rid].when.leaves():
            if leaf.field == name and leaf.op in ("lt", "lte", "gt", "gte"):
                out.add((leaf.op, leaf.value))
    return sorted(out, key=lambda x: (x[1], x[0]))


def _fmt(x) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def numeric_answers(thresholds: list[tuple[str, float]], integer: bool) -> tuple[Answer, ...]:
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


def candidates(kb, patient: Patient, flat: dict, derived) -> list[Candidate]:
    rs = kb.ruleset
    reach = kb.index.reach
    out: list[Candidate] = []
    for name, ftype in rs.fields.items():
        if name.startswith("derived.") or name in _ALWAYS_KNOWN or not reach.get(name):
            continue
        value = flat.get(name)
        if name == "diagnosis.histology":
            if value != "unknown":
                continue
            answers = tuple(Answer(v, _words(v)) for v in ftype.values if v != "unknown")
        elif value is not None:
            continue
        elif name == "diagnosis.subtype":
            answers = tuple(Answer(v, _words(v)) for v in SUBTYPES.get(patient.diagnosis.histology, ()))
        elif ftype.kind == "bool":
            answers = (Answer(True, "yes"), Answer(False, "no"))
        elif ftype.kind == "enum":
            answers = tuple(Answer(v, _words(v)) for v in ftype.values)
        elif ftype.numeric:
            bounds = int_range(name) if ftype.kind == "int" else None
            if bounds and bounds[1] - bounds[0] <= SMALL_SCALE:  # a grade, a stage, ECOG: every value
                answers = tuple(Answer(v, str(v)) for v in range(bounds[0], bounds[1] + 1))
            else:
                answers = numeric_answers(_thresholds(kb, name), ftype.kind == "int")
        elif ftype.kind == "list":
            tested = sorted({leaf.value for rid in reach[name] for leaf in kb.index.rules[rid].when.leaves()
                             if leaf.field == name and leaf.op == "contains"}, key=str)
            answers = tuple(Answer([m], f"{_words(m)} only") for m in tested)
            if ftype.item_kind == "enum":
                answers += (Answer(list(ftype.values), "all: " + _words(list(ftype.values))), Answer([], "none"))
        else:
            answers = ()
        if answers:
            out.append(Candidate(name, answers))
    for key, spec in SPECS.items():
        name = f"derived.{key}"
        d = derived[key]
        if d.value is not None or not reach.get(name) or spec.kind not in ("bool", "enum"):
            continue
        lacked = [f for f in d.lacked if f not in _ALWAYS_KNOWN]
        presumed = any(p.field == name for p in rs.presumptions)
        if len(lacked) < 2 and not any(f in _NOT_ASKABLE for f in lacked) and not presumed:
            continue  # asked through its one missing input
        values = (True, False) if spec.kind == "bool" else spec.values
        out.append(Candidate(name, tuple(Answer(v, _words(v)) for v in values)))
    return out


def _changes(f0: frozenset[Entry], p0: frozenset[Entry], f1: frozenset[Entry], p1: frozenset[Entry]) -> list[dict]:
    c0, c1 = f0 | p0, f1 | p1
    added, removed = sorted(c1 - c0, key=_entry_order), sorted(c0 - c1, key=_entry_order)
    out = []
    for code, phase, strength in added:
        before = next((r for r in removed if r[:2] == (code, phase)), None)
        if before is not None:
            removed.remove(before)
            out.append({"change": "strength", "intervention": code, "phase": phase, "strength": strength,
                        "from": before[2], "firm": (code, phase, strength) in f1})
        else:
            out.append({"change": "added", "intervention": code, "phase": phase, "strength": strength,
                        "firm": (code, phase, strength) in f1})
    for code, phase, strength in removed:
        out.append({"change": "removed", "intervention": code, "phase": phase, "strength": strength})
    for e in sorted(c0 & c1, key=_entry_order):
        if e not in f0 and e in f1:
            out.append({"change": "firm", "intervention": e[0], "phase": e[1], "strength": e[2]})
        elif e in f0 and e not in f1:
            out.append({"change": "provisional", "intervention": e[0], "phase": e[1], "strength": e[2]})
    return sorted(out, key=lambda c: (PHASES.index(c["phase"]), STRENGTHS.index(c["strength"]), c["intervention"],
                                      c["change"]))


def _entry_order(e: Entry):
    return (PHASES.index(e[1]), STRENGTHS.index(e[2]), e[0])


def confirms(name: str, presumptions: tuple[Presumption, ...]) -> list[Presumption]:
    out = []
    for p in presumptions:
        if p.field == name:
            out.append(p)
        elif p.derived and not name.startswith("derived.") and name in SPECS[p.field.removeprefix("derived.")].inputs:
            out.append(p)
    return out


def rank_questions(kb, patient: Patient, firm, provisional) -> list[dict]:
    """`firm` and `provisional` are the two evaluations of the consult (the same one without presumptions)."""
    rs = kb.ruleset
    presumptions = rs.presumptions
    hist_unknown = patient.diagnosis.histology == "unknown"
    f0 = entries(kb, fired(firm.outcomes), hist_unknown)
    prov_fired = fired(provisional.outcomes)
    known = firm.inputs  # every other pass re-derives only what its answer or presumptions change
    p0 = entries(kb, prov_fired, hist_unknown, capped_rules(kb, patient, presumptions, prov_fired, base_inputs=known))
    # With the capping presumptions withheld: the baseline that tells which rules a cap touches.
    uncapped_base = (evaluate_rules(kb, prepare(patient, [p for p in presumptions if not p.at_most], base=known))
                     if capping(presumptions) else None)
    order = {name: i for i, name in enumerate(rs.fields)}
    ranked = []
    for cand in candidates(kb, patient, firm.inputs.flat, firm.derived):
        only = kb.index.reach[cand.field]
        answers = []
        distinct: set = set()
        for ans in cand.answers:
            kw = ({"derived_answers": {cand.field: ans.value}} if cand.field.startswith("derived.")
                  else {"answers": {cand.field: ans.value}})
            try:
                firm_in = prepare(patient, (), base=known, **kw)
                prov_in = prepare(patient, presumptions, base=provisional.inputs, **kw)
            except ValueError:  # an answer the patient model refuses in this file (e.g. out of its range)
                continue
            unknown_after = hist_unknown and not (cand.field == "diagnosis.histology")
            f1 = entries(kb, fired(evaluate_rules(kb, firm_in, only, firm.outcomes)), unknown_after)
            p1_fired = fired(evaluate_rules(kb, prov_in, only, provisional.outcomes))
            capped = capped_rules(kb, patient, presumptions, p1_fired, only=only, base=uncapped_base,
                                  base_inputs=provisional.inputs, **kw) if uncapped_base is not None else set()
            p1 = entries(kb, p1_fired, unknown_after, capped)
            changes = _changes(f0, p0, f1, p1)
            distinct.update((c["change"], c["intervention"], c["phase"], c["strength"]) for c in changes)
            answers.append({"answer": ans.value, "label": ans.label, "changes": changes})
        if not distinct:
            continue  # answering it changes nothing: `missing` still lists it
        treatment = any(phase in TREATMENT_PHASES for _, _, phase, _ in distinct)
        q = {"field": cand.field, "text": question_text(rs, cand.field),
             "answers": answers}
        confirmed = confirms(cand.field, presumptions)
        if confirmed:
            q["confirms"] = [{"field": p.field, "presumed": p.shown} for p in confirmed]
        q["changes_treatment"] = treatment
        ranked.append(((0 if treatment else 1, -len(distinct), order.get(cand.field, len(order))), q))
    ranked.sort(key=lambda x: x[0])
    return [q for _, q in ranked]


def question_text(rs, name: str) -> str:
    for p in rs.presumptions:
        if p.field == name:
            return p.question
    return rs.questions.get(name) or f"Not recorded: {name}. What is it?"
