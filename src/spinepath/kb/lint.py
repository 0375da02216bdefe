"""`spinepath rules lint`: what loading cannot see — conditions that can never be true, rules no scenario
exercises, and evidence that is thin. Loading already refuses unknown fields, codes, refs and ids."""
from __future__ import annotations

from ..evaluate.knowledge import Knowledge
from ..load.diagnostics import Diagnostic
from ..load.rule_files import Cond, Ruleset

NUMERIC_BOUNDS = {"age": (0, 120), "performance.karnofsky": (0, 100), "performance.ecog": (0, 5),
                  "lesion.tomita_type": (1, 7), "lesion.sins.total": (0, 18), "diagnosis.grade": (1, 3),
                  "diagnosis.benign_stage": (1, 3), "diagnosis.necrosis_percent": (0, 100),
                  "derived.sins_total": (0, 18), "derived.sins_min": (0, 18), "derived.sins_max": (0, 18)}


def _leaf_sets(conds: tuple[Cond, ...]) -> dict[str, list[Cond]]:
    out: dict[str, list[Cond]] = {}
    for c in conds:
        if c.field:
            out.setdefault(c.field, []).append(c)
    return out


def _never_true(c: Cond) -> str | None:
    if c.op == "all":
        for f, leaves in _leaf_sets(c.children).items():
            allowed = None
            lo, hi = NUMERIC_BOUNDS.get(f, (float("-inf"), float("inf")))
            ops = {leaf.op for leaf in leaves}
            if "missing" in ops and ops - {"missing"}:
                return f"{f} cannot be both not known and compared"
            for leaf in leaves:
                if leaf.op in ("equals", "in"):
                    vals = {leaf.value} if leaf.op == "equals" else set(leaf.value)
                    allowed = vals if allowed is None else allowed & vals
                elif leaf.op == "gt":
                    lo = max(lo, leaf.value + 1e-9)
                elif leaf.op == "gte":
                    lo = max(lo, leaf.value)
                elif leaf.op == "lt":
                    hi = min(hi, leaf.value - 1e-9)
                elif leaf.op == "lte":
                    hi = min(hi, leaf.value)
            if allowed is not None and not allowed:
                return f"{f} cannot take all the required values at once"
            if lo > hi:
                return f"the bounds on {f} exclude every value"
        for ch in c.children:
            why = _never_true(ch)
            if why:
                return why
        return None
    if c.op == "any":
        whys = [_never_true(ch) for ch in c.children]
        return whys[0] if all(whys) else None
    if c.op in ("gt", "gte", "lt", "lte") and c.field in NUMERIC_BOUNDS:
        lo, hi = NUMERIC_BOUNDS[c.field]
        if (c.op == "gt" and c.value >= hi) or (c.op == "gte" and c.value > hi) or \
                (c.op == "lt" and c.value <= lo) or (c.op == "lte" and c.value < lo):
            return f"{c.field} is between {lo} and {hi}"
    return None


def lint(ruleset: Ruleset, covered: set[str] | None = None) -> list[Diagnostic]:
    out = []
    for rule in ruleset.rules:
        why = _never_true(rule.when)
        if why:
            out.append(Diagnostic(rule.file, *rule.pos, "never-true", f"{rule.id} can never fire: {why}"))
        if not rule.rationale or len(rule.rationale) < 20:
            out.append(Diagnostic(rule.file, *rule.pos, "thin-rationale", f"{rule.id}: the rationale is too short"))
        if covered is not None and rule.id not in covered:
            out.append(Diagnostic(rule.file, *rule.pos, "untested", f"{rule.id} is fired by no scenario"))
    return sorted(out)


# Files as sparse as a referral letter with no tissue diagnosis, one per region: the presumptions must
# never be what lets a resection or a procedure through the tumour through (histology before surgery).
_PROBE_LEVELS = (["C3"], ["T8"], ["L3"], ["S2"], ["C1", "C2"])


def presumption_findings(kb: Knowledge) -> list[Diagnostic]:
    from ..evaluate.facts import prepare
    from ..evaluate.incremental import values_of
    from ..explain.pathway import through_the_tumour
    from ..explain.provisional import rests_on
    from ..load.patient import Patient
    rs = kb.ruleset
    if not rs.presumptions:
        return []
    out = set()
    for levels in _PROBE_LEVELS:
        for suspicion in (None, "benign", "malignant", "indeterminate"):
            diagnosis = {"histology": "unknown", **({"imaging_suspicion": suspicion} if suspicion else {})}
            patient = Patient.model_validate({"id": "probe", "age": 50, "lesion": {"levels": levels},
                                              "diagnosis": diagnosis})
            firm = set(values_of(kb, prepare(patient)).fired)
            provisional = values_of(kb, prepare(patient, rs.presumptions))
            for rid in sorted(set(provisional.fired) - firm):
                for a in kb.rules[rid].then:
                    literal = {k: v for k, v in a.details if not (isinstance(v, tuple) and v[:1] == ("from",))}
                    if (a.kind == "recommend" and a.code and a.strength and a.strength != "avoid"
                            and through_the_tumour(kb, a.code, literal)):
                        for p in rests_on(kb, patient, provisional.facts.applied, rid, provisional):
                            out.add(Diagnostic(p.file, *p.pos, "presumed-resection",
                                               f"presuming {p.field} lets {rid} {a.strength.replace('ed', '')} "
                                               f"{a.code} while the histology is unknown"))
    return sorted(out)


def wording_findings(rs) -> list[Diagnostic]:
    """Every patient field and every derived value a rule can read needs a question a clinician can answer."""
    from ..load.fields import patient_paths
    from ..load.rule_files import display_path
    where = display_path(rs.root / "questions.yaml")
    wanted = list(patient_paths()) + [f for f in rs.fields if f.startswith("derived.")]
    return [Diagnostic(where, 1, 1, "no-question", f"{f} has no question wording") for f in wanted
            if f not in rs.questions]
