"""Step 5 of the pipeline, render: the consult result as text, Markdown, HTML or FHIR.

Renderers lay out the typed result of explain/ (explain/result.py); they never compute clinical
facts. May import load (the vocabularies) and explain's result types; nothing else from spinepath.
"""
from __future__ import annotations

import textwrap
from typing import Any, Iterable, Sequence

from ..explain.result import Alternative, Assumption, Change, Entry, EvidenceRef, Missing, Question
from ..load.interventions import TREATMENT_PHASES, said


def wrap(text: str, width: int, **options: Any) -> list[str]:
    """textwrap.wrap at spaces only: an identifier (GEN-05, HFA-ICOS, a case id) is never split at its
    hyphen, in any text view."""
    return textwrap.wrap(text, width, break_on_hyphens=False, **options)


# Surveillance a rule plans for when treatment is over (details.starts, e.g. PED-01 (d): "shown as a plan,
# not as a current surveillance entry, while treatment is active") is shown under its own heading, after
# what is done now: printed under "Surveillance" it read as a current entry (fresh review round 5, D1).
AFTER_TREATMENT = "after_treatment"
STRENGTH_WORDS = {"recommended": "RECOMMENDED", "consider": "CONSIDER", "avoid": "AVOID"}
PHASE_TITLES = {"diagnosis": "Diagnosis", "urgent": "Urgent", "neoadjuvant": "Neoadjuvant",
                "local_control": "Local control", "adjuvant": "Adjuvant", "systemic": "Systemic",
                "surveillance": "Surveillance", "supportive": "Supportive care",
                AFTER_TREATMENT: "Planned after treatment (not a current entry)"}
DERIVED_LABELS = {"region": "Region", "pediatric": "Paediatric", "enneking_stage": "Enneking stage",
                  "escc_high_grade": "ESCC high grade (2-3)", "sins_total": "SINS total",
                  "sins_category": "SINS category", "en_bloc_feasible": "En bloc feasible (anatomy)",
                  "en_bloc_technique": "En bloc technique (WBB)"}


def words(value: Any) -> str:
    """A derived value as a reader says it."""
    if value is None:
        return "not known"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        return ", ".join(said(str(v)) for v in value) or "none"
    return said(str(value))  # codes keep OUTPUT.md's spelling; the prose says tumour, centre


def patient_summary(patient: Any) -> str:
    """The patient in one line, as every human-facing consult opens: "72 y, sex not given; histology:
    chordoma; levels S2, S3, S4" (the file's own values, nothing computed)."""
    dx = patient.diagnosis
    return (f"{patient.age} y, {patient.sex or 'sex not given'}; histology: {words(dx.histology)}"
            f"{' (' + dx.subtype + ')' if dx.subtype else ''}"
            f"{', grade ' + str(dx.grade) if dx.grade else ''}; levels {', '.join(patient.lesion.levels)}")


def details_text(details: dict[str, Any]) -> str:
    """An entry's details as a reader says them. A minimum dose is said with its unit ("dose: at least
    70 Gy(RBE)"), never as the key `min_dose_gy` and a separate unit (REVIEW-2026-12 wording findings);
    the strategy group is said where the alternatives are listed (`strategy_groups`), not on each entry."""
    shown = dict(details)
    parts = []
    if "min_dose_gy" in shown:
        unit = shown.pop("dose_unit", "Gy")
        parts.append(f"dose: at least {words(shown.pop('min_dose_gy'))} {unit}")
    else:
        shown.pop("dose_unit", None)  # a range or prescription says its own unit; without a dose it says nothing
    shown.pop("strategy_group", None)  # said once, where the alternatives are listed (strategy_groups)
    parts += [f"{k.replace('_', ' ')}: {words(v)}" for k, v in shown.items()]
    return "; ".join(parts)


def strategy_groups(entries: Sequence[Entry]) -> list[tuple[str, list[str]]]:
    """Entries that PATHWAYS gives as alternatives to each other (`details.strategy_group`), not as a
    sequence: (group, the alternatives) for every group with two or more. The alternatives are named by
    what tells them apart: the regimens when they differ (EURO-B.O.S.S. or doxorubicin-cisplatin, given
    before and after surgery alike), else the modality, else the interventions with their phases (salvage
    en bloc or radiotherapy to the residual)."""
    # (entry, details): an entry's own, and those of the alternatives merged into it ("Or: ...").
    groups: dict[str, list[tuple[Entry, dict[str, Any]]]] = {}
    for e in entries:
        if e.strength == "avoid":
            continue
        for details in (e.details, *(a.details for a in e.alternatives if a.strength != "avoid")):
            group = details.get("strategy_group")
            if group is not None:
                groups.setdefault(str(group), []).append((e, details))
    out = []
    for group, members in groups.items():
        for key in ("regimen", "modality"):
            names = list(dict.fromkeys(words(d[key]) for _, d in members if key in d))
            if len(names) > 1:
                break
        else:
            names = list(dict.fromkeys(f"{said(e.intervention)} ({PHASE_TITLES[e.phase].lower()})"
                                       for e, _ in members))
        if len(names) > 1:
            out.append((group, names))
    return out


def evidence_text(evidence: Iterable[EvidenceRef]) -> str:
    return "; ".join(f"{e.ref} ({e.level})" for e in evidence)


def alternative_text(alt: Alternative) -> str:
    """What another rule advises for the same decision (another strength or other details)."""
    details = f" [{details_text(alt.details)}]" if alt.details else ""
    return f"{alt.strength}{details} ({alt.rule})"


def evidence_by_level(evidence: Iterable[EvidenceRef]) -> str:
    """The same evidence, shorter: the references grouped under each level, levels in order of first use."""
    levels: dict[str, list[str]] = {}
    for e in evidence:
        levels.setdefault(e.level, []).append(e.ref)
    return "; ".join(f"{level}: {', '.join(refs)}" for level, refs in levels.items())


def evidence_short(evidence: Sequence[EvidenceRef], keep: int = 3) -> str:
    """The first references (by level, in the rule's order) and how many more there are: the consult at 80 columns
    names the evidence, `--all` and the JSON list all of it."""
    full = evidence_by_level(evidence)
    if len(evidence) <= keep:
        return full
    first = evidence_by_level(evidence[:keep])
    return f"{first} +{len(evidence) - keep} more"


def grouped_by_phase(entries: Sequence[Entry]) -> list[tuple[str, list[Entry]]]:
    """The entries under their phase's title key (PHASE_TITLES), urgent first and surveillance planned for
    after treatment last; otherwise in contract order."""
    out: list[tuple[str, list[Entry]]] = []
    for e in entries:  # already in contract order
        group = AFTER_TREATMENT if e.phase == "surveillance" and "starts" in e.details else e.phase
        if not out or out[-1][0] != group:
            out.append((group, []))
        out[-1][1].append(e)
    # The JSON keeps OUTPUT.md's phase order; a reader sees what is done now first (REVIEW-2026-12 F30:
    # the referral and the board were printed above an urgent decompression), and a plan for after the
    # treatment last. Entries of one group that the contract order split are joined.
    joined: dict[str, list[Entry]] = {}
    for group, members in out:
        joined.setdefault(group, []).extend(members)
    return sorted(joined.items(), key=lambda item: (item[0] != "urgent") + 2 * (item[0] == AFTER_TREATMENT))


def grouped_missing(missing: Sequence[Missing]) -> list[tuple[list[str], str, list[str]]]:
    """Fields that are needed for the same things, as one row (e.g. the six SINS components)."""
    rows: dict[tuple, list[str]] = {}
    for m in missing:
        rows.setdefault(("; ".join(m.needed_for), m.rules), []).append(m.field)
    return [(fields, needed_for, list(rules)) for (needed_for, rules), fields in rows.items()]


# The details an answer's added entry is named by (the rest is read in the consult): which regimen, which
# modality, what dose.
_TELLS_APART = ("regimen", "modality", "min_dose_gy", "dose_unit")


def change_text(c: Change) -> str:
    """One effect of an answer on the pathway, as the questions show it."""
    what = f"{said(c.intervention)} ({c.strength}" + (f", {words(c.phase)})" if c.intervention in _TWO_PHASES else ")")
    if c.change == "added":
        told = {k: v for k, v in (c.details or {}).items() if k in _TELLS_APART}
        return f"+ {what}" + (f" [{details_text(told)}]" if told else "") + ("" if c.firm else " provisional")
    if c.change == "removed":
        return f"− {what}"
    if c.change == "strength":
        return f"{said(c.intervention)}: {c.from_strength} → {c.strength}"
    if c.change == "details":
        return f"~ {what}" + (f" [{details_text(c.details)}]" if c.details else " [no details]")
    return f"{what} becomes {c.change}"


def presumed_text(a: Assumption) -> str:
    """A presumption as a reader says it: its label, or field = value."""
    if a.label:
        return a.label
    value = f"below {a.presumed['below']}" if isinstance(a.presumed, dict) else words(a.presumed)
    return f"{a.field} = {value}"


def capped_text(entry: Entry) -> str:
    """Why a provisional entry is weaker than its rule says (the presumption's cap_reason), or ''."""
    if not entry.capped_by:
        return ""
    return f"{entry.strength}, not recommended, {entry.capped_reason or 'until ' + entry.capped_by + ' is known'}"


def grouped_provisional(entries: Sequence[Entry]) -> list[tuple[tuple[Assumption, ...], list[Entry]]]:
    """Provisional entries sharing the same presumptions, as (presumptions, entries), in contract order."""
    groups: dict[tuple, tuple[tuple[Assumption, ...], list[Entry]]] = {}
    for e in entries:
        key = tuple(a.field for a in e.assumes)
        groups.setdefault(key, (e.assumes, []))[1].append(e)
    return list(groups.values())


# Codes the catalogue allows in more than one phase: their effects name the phase. Read from the
# knowledge base's vocabulary when the result carries it, else from OUTPUT.md's catalogue.
def _two_phase_codes() -> frozenset[str]:
    from ..load.interventions import CONTRACT
    return frozenset(code for code, iv in CONTRACT.items() if len(iv.phases) > 1)


_TWO_PHASES = _two_phase_codes()


def _weight(change: Change) -> tuple:
    """Changes to treatment first, and among them what is added or removed before what only firms up."""
    return (change.phase not in TREATMENT_PHASES, change.change in ("firm", "provisional"))


def answers_with_changes(question: Question, limit: int | None = None) -> list[tuple[str, list[str]]]:
    """(answer, effects) for the answers that change something. With a limit, the answers that change
    treatment most come first, each with at most `limit` effects and a count of the rest."""
    answers = [a for a in question.answers if a.changes]
    if limit is None:
        return _merge_same([(a.label, [change_text(c) for c in a.changes]) for a in answers])
    answers = sorted(answers, key=lambda a: -sum(1 for c in a.changes if c.phase in TREATMENT_PHASES))
    out = []
    for a in answers:
        firmed = [c for c in a.changes if c.change == "firm"]
        changes = sorted((c for c in a.changes if c.change != "firm"), key=_weight)
        texts = [change_text(c) for c in changes[:limit]]
        if len(changes) > limit:
            texts.append(f"{len(changes) - limit} more")
        if len(firmed) == 1:
            texts.append(change_text(firmed[0]))
        elif firmed:
            texts.append(f"{len(firmed)} provisional entries become firm")
        out.append((a.label, texts))
    return _merge_same(out)


REASON_WORDS = {"emergency": "emergency first", "changes treatment": "changes treatment",
                "confirms a presumption": "confirms a presumption", "planning detail": "planning detail",
                "changes diagnosis or follow-up": "diagnosis or follow-up"}


def question_head(question: Question) -> str:
    """A question as a line opens: its rank's reason, the words, the field that records the answer."""
    reason = REASON_WORDS.get(question.reason, question.reason)
    return (f"[{reason}] " if reason else "") + f"{question.text} [{question.field}]"


def questions_to_show(questions: Sequence[Question], top: int) -> list[Question]:
    """The top of the ranked list, and when the emergency questions fill it, the first question after
    them too: what the plan hinges on once the emergency is excluded (the course state before a first
    line starts, COURSE-08) must not wait for --all (the 2026-12 review of the Ewing referral)."""
    shown = list(questions[:top])
    if shown and all(q.reason == "emergency" for q in shown):
        shown += [q for q in questions[top:] if q.reason != "emergency"][:1]
    return shown


HIDDEN_TREATMENT_SHOWN = 2  # of the questions past the top that change treatment, named without --all


def hidden_treatment_questions(questions: Sequence[Question], shown: Sequence[Question]) -> list[tuple[int, Question]]:
    """The questions past those shown whose answer changes treatment, with their rank (1-based): a plan held
    behind the sixth question (distant disease before a salvage en bloc, fitness before chemotherapy) is
    named without --all (fresh reviews 4 and 5), in QP-01's order."""
    return [(i, q) for i, q in enumerate(questions, 1) if q not in shown and q.changes_treatment]


def hidden_questions_line(questions: Sequence[Question], shown: Sequence[Question], flag: str) -> str:
    """"N more: --all", and how many of them change treatment."""
    more = f"{len(questions) - len(shown)} more: {flag}"
    treating = hidden_treatment_questions(questions, shown)
    if not treating:
        return more
    return more + (". Of these, 1 changes treatment:" if len(treating) == 1
                   else f". Of these, {len(treating)} change treatment:")


def questions_first(shown: Sequence[Question]) -> str:
    """The sentence above a list of questions led by the emergency questions (QP-01): why they come first,
    said once rather than beside each (some of them change the plan only together, so no answer is listed)."""
    first = [q for q in shown if q.reason == "emergency"]
    if not first:
        return ""
    return f"Asked first ({'1' if len(first) == 1 else f'1-{len(first)}'}): {first[0].why}."


def more_answers_text(hidden: int) -> str:
    return f"{hidden} more {'answer changes' if hidden == 1 else 'answers change'} the plan"


def compact_answers(question: Question, width: int, lines: int) -> tuple[list[str], int]:
    """The answers that change treatment most, in at most `lines` lines of `width` characters: answers with
    the same effects merged ("solitary, multiple → ..."), the effects that change treatment first, whole
    items dropped and counted ("+2 more") rather than cut, continuation lines indented. Returns the lines
    and how many answers are left out (said by the caller)."""
    grouped = [(label, [change_text(c) for c in a]) for label, a in _answer_effects(question)]
    out: list[str] = []
    shown = 0
    for label, effects in grouped:
        left = lines - len(out) - (1 if shown + 1 < len(grouped) else 0)  # keep a line to say what is left out
        if left < 1:
            break
        labels = label.split(", ")
        keep = len(labels)
        while keep > 1 and len(", ".join(labels[:keep])) > width // 2:  # a long list of answers (histologies)
            keep -= 1
        head = ", ".join(labels[:keep]) + (f" +{len(labels) - keep} others" if keep < len(labels) else "") + " → "
        for k in range(len(effects), 0, -1):
            text = head + "; ".join(effects[:k]) + (f"; +{len(effects) - k} more" if k < len(effects) else "")
            wrapped = wrap(text, width, subsequent_indent="   ")
            if len(wrapped) <= min(left, 2) or k == 1:
                break
        out += wrapped[:max(left, 1)]
        shown += 1
    return out, len(grouped) - shown


def _answer_effects(question: Question) -> list[tuple[str, list[Change]]]:
    """(answers, effects) with the answers of the same effects merged, those changing treatment most first,
    and each answer's effects ordered treatment first."""
    answers = sorted((a for a in question.answers if a.changes),
                     key=lambda a: -sum(1 for c in a.changes if c.phase in TREATMENT_PHASES and c.strength != "avoid"))
    merged: dict[tuple, list[str]] = {}
    effects: dict[tuple, list[Change]] = {}
    for a in answers:
        key = tuple(c.to_json().__repr__() for c in a.changes)
        merged.setdefault(key, []).append(a.label)
        effects[key] = sorted(a.changes, key=_weight)
    return [(", ".join(labels), effects[key]) for key, labels in merged.items()]


def _merge_same(answers: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """Answers with the same effects as one line: "solitary, multiple → ..."."""
    merged: dict[tuple, list[str]] = {}
    for label, texts in answers:
        merged.setdefault(tuple(texts), []).append(label)
    return [(", ".join(labels), list(texts)) for texts, labels in merged.items()]
