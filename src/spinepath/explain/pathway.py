"""From rule values to the plan, once: the clinical policy that turns fired rules into advice.

`pathway()` is the one function that decides what the plan is, for the consult, the provisional
pathway, the questions, what-if, the scenarios and mutation testing. It applies, in this order:
1. supersession: a fired rule that a more specific fired rule supersedes adds nothing;
2. presumption caps: a rule that holds only under a presumption with `at_most` advises at most that
   strength (GEN-09: en bloc is "consider" until the patient has accepted the sacrifice);
3. the histology-first safety net (GEN-05): while the histology is unknown, anything that enters the
   tumour becomes `avoid`, with a critical alert;
4. conflicts: advice for and against the same thing is shown with a warning, for the board;
5. one entry per decision: per intervention and phase, the strongest advice leads, the other rules go
   to `also_by` and what they advise differently to `alternatives`.
`diff()` compares two plans, for the questions and what-if.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Sequence

from ..evaluate.knowledge import Knowledge
from ..load.interventions import PHASES, STRENGTHS
from ..load.rule_files import Presumption
from ..load.rule_files import Action, Evidence, Rule
from .result import SEVERITIES, Alert, Alternative, Argument, Change, Details, Entry, EvidenceRef

SAFETY_NET_CODE = "resection_before_histology_blocked"
_NEVER_CAPPED = ("diagnosis", "surveillance")
BLOCKED = "histology unknown: no resection before a tissue diagnosis"

Resolve = Callable[[str], Any]  # derived.X -> its value (None: not known)


@dataclass(frozen=True)
class Pathway:
    entries: tuple[Entry, ...]
    alerts: tuple[Alert, ...]
    arguments: tuple[Argument, ...]  # arguments about options no entry proposes
    superseded: Mapping[str, str]  # fired rule -> the rule that supersedes it


def evidence(rule: Rule, kb: Knowledge) -> tuple[EvidenceRef, ...]:
    """A rule's evidence as a consult shows it: each reference's short name, the level, its id, a note.
    Made once per rule and references: the questions make a pathway for many answers."""
    refs = kb.ruleset.references
    hit = _EVIDENCE.get(id(rule))
    if hit is None or hit[1] is not refs:
        if len(_EVIDENCE) > 100_000:  # mutation testing makes rules by the thousand
            _EVIDENCE.clear()
        hit = _EVIDENCE[id(rule)] = (rule, refs, evidence_refs(rule.evidence, kb))
    return hit[2]


# By the identity of the rule (the entry holds the rule, so an identity is never reused while it is here).
_EVIDENCE: dict[int, tuple[Rule, object, tuple[EvidenceRef, ...]]] = {}


def evidence_refs(items: tuple[Evidence, ...], kb: Knowledge) -> tuple[EvidenceRef, ...]:
    refs = kb.ruleset.references
    return tuple(EvidenceRef(refs[e.ref]["short"], e.level, e.ref, e.note) for e in items)


def _details(action: Action, resolve: Resolve) -> Details:
    out: Details = {}
    for key, value in action.details:
        if isinstance(value, tuple) and len(value) == 2 and value[0] == "from":
            resolved = resolve(value[1])
            if resolved is None:
                continue  # unknown stays out of the advice; the missing list names it
            out[key] = resolved
        else:
            out[key] = list(value) if isinstance(value, tuple) else value
    return out


def through_the_tumour(kb: Knowledge, code: str, details: Details) -> bool:
    """Whether an intervention enters the tumour (GEN-05: never before a tissue diagnosis). Stabilisation
    anchored outside the lesion (`through_lesion: false`) does not: PATHWAYS MECH-01 b, "it is not a
    procedure through the tumour and GEN-05 does not block it" (F3: stabilisation with an emergency
    decompression before histology)."""
    return kb.ruleset.interventions[code].enters_tumor and details.get("through_lesion") is not False


def superseded_by(kb: Knowledge, fired: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    fired_set = set(fired)
    for rid in fired:
        for other in kb.rules[rid].supersedes:
            if other in fired_set and other not in out:
                out[other] = rid
    return out


def pathway(kb: Knowledge, fired: Sequence[str], resolve: Resolve, histology_unknown: bool,
            capped: Mapping[str, Presumption] | None = None) -> Pathway:
    """The plan from the rules that fired (in firing order). `resolve` gives the values that details copy;
    `capped`: rule -> the presumption with `at_most` it needs to hold (provisional pathway only)."""
    capped = capped or {}
    superseded = superseded_by(kb, fired)
    caps = _caps_holding(kb, fired, resolve)
    recs: dict[tuple, Entry] = {}
    alerts: list[Alert] = []
    arguments: list[tuple[str, str | None, Argument]] = []
    for rid in fired:
        if rid in superseded:
            continue
        rule = kb.rules[rid]
        for a in rule.then:
            if a.kind == "recommend":
                assert a.code is not None and a.phase is not None and a.strength is not None
                strength: str = a.strength
                blocked, cap = None, capped.get(rid)
                # QP-04: follow-up and diagnosis entries are never capped by a treatment presumption.
                if cap is not None and cap.at_most and strength == "recommended" and a.phase not in _NEVER_CAPPED:
                    strength = cap.at_most
                else:
                    cap = None
                capped_by, capped_reason = (cap.field, cap.cap_reason) if cap else (None, None)
                for holder, limit, reason in caps.get(rid, ()):
                    if STRENGTHS.index(limit) > STRENGTHS.index(strength):
                        strength, capped_by, capped_reason = limit, holder, reason
                details = _details(a, resolve)
                if histology_unknown and strength != "avoid" and through_the_tumour(kb, a.code, details):
                    alerts.append(Alert(SAFETY_NET_CODE, "critical",
                                        f"{rule.id} would {strength.replace('recommended', 'recommend')} {a.code} "
                                        "while the histology is unknown; spinepath never proposes a resection or a "
                                        "procedure through the tumour before a tissue diagnosis (GEN-05). It is "
                                        "shown as avoid.", rule.id))
                    strength, blocked = "avoid", BLOCKED
                entry = Entry(a.code, a.phase, strength, details, rule.rationale, rule.id,
                              evidence(rule, kb), blocked=blocked, capped_by=capped_by, capped_reason=capped_reason)
                key = entry.key()
                if key in recs:
                    recs[key] = replace(recs[key], also_by=recs[key].also_by + (rule.id,))
                else:
                    recs[key] = entry
            elif a.kind == "alert":
                assert a.code is not None and a.severity is not None and a.message is not None
                alerts.append(Alert(a.code, a.severity, a.message, rule.id))
            elif a.kind == "argue":
                assert a.code is not None and a.stance is not None
                arguments.append((a.code, a.phase, Argument(a.stance, rule.id, rule.rationale, evidence(rule, kb))))
    entries = list(recs.values())
    loose: list[Argument] = []
    for code, phase, arg in arguments:
        targets = [i for i, e in enumerate(entries) if e.intervention == code and (phase is None or e.phase == phase)]
        for i in targets:
            entries[i] = replace(entries[i], arguments=entries[i].arguments + (arg,))
        if not targets:
            loose.append(replace(arg, intervention=code, phase=phase))
    alerts.extend(_conflicts(entries))  # on every rule's own entry, before they are merged
    merged = sorted(_one_per_decision(entries), key=lambda e: (PHASES.index(e.phase), STRENGTHS.index(e.strength),
                                                                 e.intervention, e.rule))
    unique = {(a.code, a.severity, a.message, a.rule): a for a in alerts}
    ordered = sorted(unique.values(), key=lambda a: (SEVERITIES.index(a.severity), a.code, a.rule, a.message))
    return Pathway(tuple(merged), tuple(ordered), tuple(loose), superseded)


def _caps_holding(kb: Knowledge, fired: Sequence[str], resolve: Resolve) -> dict[str, list[tuple[str, str, str]]]:
    """rule -> (the rule holding it, the strongest strength allowed, why), for every cap whose fact is
    true (PATHWAYS Global precedence 5: fitness caps the cytotoxic entries)."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    fired_set = set(fired)
    for cap in kb.ruleset.caps:
        if resolve(f"derived.{cap.fact}") is not True:
            continue
        holder = next((r for r in kb.ruleset.derived_facts.get(cap.fact, ()) if r in fired_set), cap.fact)
        for rid in kb.ruleset.derived_facts.get(cap.entries_of, ()):
            out.setdefault(rid, []).append((holder, cap.at_most, cap.reason))
    return out


def _one_per_decision(entries: list[Entry]) -> list[Entry]:
    """One entry per intervention and phase: the strongest (then the first to fire) leads, the other
    rules go to `also_by`, and what they advise differently (strength, details) to `alternatives`, so
    that no dose or modality is lost. Advice for and advice against stay apart: a conflict is shown."""
    groups: dict[tuple, list[Entry]] = {}
    for e in entries:
        side = "against" if e.strength == "avoid" else "for"
        groups.setdefault((e.intervention, e.phase, side), []).append(e)
    out = []
    for items in groups.values():
        # sorted() is stable: within a strength the first rule to fire leads; a rule's own avoid
        # leads over one made by the histology-first safety net.
        items = sorted(items, key=lambda e: (STRENGTHS.index(e.strength), e.blocked is not None))
        lead = items[0]
        also = list(lead.also_by)
        alternatives = []
        for other in items[1:]:
            also += [other.rule, *other.also_by]
            # Only what would otherwise be lost: another strength, or details the lead does not give.
            if other.strength != lead.strength or (other.details and other.details != lead.details):
                alternatives.append(Alternative(other.rule, other.strength, other.details, other.rationale,
                                                other.evidence))
        # A rule that gives the same intervention twice (particle or photon) is not "also" its own support.
        also_by = tuple(r for r in dict.fromkeys(also) if r != lead.rule)
        if also_by == lead.also_by and tuple(alternatives) == lead.alternatives:
            out.append(lead)  # the entry as it is (a copy would make its key again)
        else:
            out.append(replace(lead, also_by=also_by, alternatives=tuple(alternatives)))
    return out


def _conflicts(entries: list[Entry]) -> list[Alert]:
    """Advice for and against the same thing. An `avoid` with its own details (say, one regimen)
    only contradicts advice with those same details, or advice that names none."""
    def clash(pro: Entry, contra: Entry) -> bool:
        return not contra.details or not pro.details or pro.details == contra.details
    out = []
    by_code: dict[str, list[Entry]] = {}
    for e in entries:
        by_code.setdefault(e.intervention, []).append(e)
    for code, items in sorted(by_code.items()):
        # An avoid made by a policy (the histology-first net, a fitness cap) is not a rule's own advice.
        contra = [e for e in items if e.strength == "avoid" and e.blocked is None and e.capped_by is None]
        pro = [e for e in items if e.strength != "avoid" and any(clash(e, c) for c in contra)]
        contra = [c for c in contra if any(clash(p, c) for p in pro)]
        if pro and contra:
            out.append(Alert("conflicting_recommendations", "warning",
                             f"{code}: {', '.join(sorted(e.rule for e in pro))} propose it, "
                             f"{', '.join(sorted(e.rule for e in contra))} advise against it; both are shown with "
                             "their reasons for the board to decide", sorted(e.rule for e in contra)[0]))
    return out


# ----------------------------------------------------------------------------------------------- diff

@dataclass(frozen=True)
class Plan:
    """What a consult advises, as two plans are compared: the firm entries, the provisional entries
    (those the presumptions add), the alerts on the facts and under presumptions, the derived values."""

    firm: tuple[Entry, ...]
    provisional: tuple[Entry, ...]
    alerts: tuple[Alert, ...] = ()
    provisional_alerts: tuple[Alert, ...] = ()
    derived: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ListDiff:
    added: tuple[Entry, ...]
    removed: tuple[Entry, ...]
    changed: tuple[tuple[Entry, Entry], ...]  # (before, after): the same intervention and phase, another strength


@dataclass(frozen=True)
class PlanDiff:
    firm: ListDiff
    provisional: ListDiff
    alerts_added: tuple[Alert, ...]
    alerts_removed: tuple[Alert, ...]
    derived: tuple[tuple[str, Any, Any], ...]  # (derived.X, before, after)
    changes: tuple[Change, ...]  # the plan as one list (firm and provisional), as the questions show it


def _order(e: Entry) -> tuple:
    return (PHASES.index(e.phase), STRENGTHS.index(e.strength), e.intervention, e.rule)


def _list_diff(before: Sequence[Entry], after: Sequence[Entry]) -> ListDiff:
    b = {e.key(): e for e in before}
    a = {e.key(): e for e in after}
    added = [a[k] for k in a if k not in b]
    removed = [b[k] for k in b if k not in a]
    changed = []
    for e in list(added):
        old = next((x for x in removed if (x.intervention, x.phase) == (e.intervention, e.phase)), None)
        if old is not None and old.strength != e.strength:
            added.remove(e)
            removed.remove(old)
            changed.append((old, e))
    return ListDiff(tuple(sorted(added, key=_order)), tuple(sorted(removed, key=_order)),
                    tuple(sorted(changed, key=lambda c: _order(c[1]))))


def _combined(before: Plan, after: Plan) -> tuple[Change, ...]:
    """The entries of both pathways as one list, with whether each holds on the facts alone."""
    def view(plan: Plan) -> dict[tuple, tuple[Entry, bool]]:
        out = {e.key(): (e, True) for e in plan.firm}
        for e in plan.provisional:
            out.setdefault(e.key(), (e, False))
        return out
    v0, v1 = view(before), view(after)
    added = sorted((k for k in v1 if k not in v0), key=lambda k: _order(v1[k][0]))
    removed = sorted((k for k in v0 if k not in v1), key=lambda k: _order(v0[k][0]))
    out: list[Change] = []
    for k in added:
        e, firm = v1[k]
        same_strength = next((r for r in removed if r[:3] == k[:3]), None)
        other_strength = next((r for r in removed if r[:2] == k[:2]), None)
        if same_strength is not None:
            removed.remove(same_strength)
            out.append(Change("details", e.intervention, e.phase, e.strength, firm=firm, details=e.details))
        elif other_strength is not None:
            removed.remove(other_strength)
            out.append(Change("strength", e.intervention, e.phase, e.strength, firm=firm,
                              from_strength=v0[other_strength][0].strength))
        else:
            # With its details: "+ adjuvant chemotherapy (avoid)" without "[regimen: MAPIE]" reads as stopping
            # all chemotherapy (REVIEW-2026-12 F30).
            out.append(Change("added", e.intervention, e.phase, e.strength, firm=firm, details=e.details or None))
    for k in removed:
        e = v0[k][0]
        out.append(Change("removed", e.intervention, e.phase, e.strength))
    for k in sorted(v0.keys() & v1.keys(), key=lambda k: _order(v1[k][0])):
        e, firm = v1[k]
        if firm and not v0[k][1]:
            out.append(Change("firm", e.intervention, e.phase, e.strength))
        elif v0[k][1] and not firm:
            out.append(Change("provisional", e.intervention, e.phase, e.strength))
    return tuple(sorted(out, key=lambda c: (PHASES.index(c.phase), STRENGTHS.index(c.strength), c.intervention,
                                            c.change)))


def diff(before: Plan, after: Plan) -> PlanDiff:
    """What changes from one plan to another: per pathway (what-if), and as one list (the questions)."""
    ab = {a.key(): a for a in before.alerts}
    aa = {a.key(): a for a in after.alerts}
    derived: list[tuple[str, Any, Any]] = []
    if before.derived is not None and after.derived is not None:
        for key in after.derived:
            if before.derived.get(key) != after.derived.get(key):
                derived.append((f"derived.{key}", before.derived.get(key), after.derived.get(key)))
    return PlanDiff(_list_diff(before.firm, after.firm), _list_diff(before.provisional, after.provisional),
                    tuple(aa[k] for k in aa if k not in ab), tuple(ab[k] for k in ab if k not in aa),
                    tuple(derived), _combined(before, after))
