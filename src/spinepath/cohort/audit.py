"""The audit of a cohort (issue 23): time-travel consults and the quality indicators.

For every dated treatment and every board decision, the patient file is consulted as it stood just before
that date: the treatments certainly before it, `as_of` set to it (load/dates.py decides "before"). What was
given or decided is then classified against that consult's firm plan (its provisional plan when the firm
one says nothing about it) as recommended, consider, avoid or not advised, naming the rule. There is one
evaluator: the consult of explain/consult.py and its typed result; the derived values (a resection before
histology, a margin below what the tumour needs) are those of the derive step, read from the same facts the
consult reads. A treatment is matched to the intervention codes it can carry out through the one table of
board/decisions.py (TRACES), the table that says whether a board decision was carried out.

The indicators are defined in docs/audit.md with their sources; each has a numerator, a denominator, the
rate, a Wilson 95% interval and the items (patients, treatments or decided interventions) it counts. An item
whose outcome the files do not record is not counted either way (unknown is not no): it is listed apart.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ..board.decisions import TRACES, trace as trace_decision
from ..derive.history import NO_TUMOUR_REMOVED
from ..evaluate.facts import prepare
from ..evaluate.knowledge import Knowledge
from ..explain.consult import consult_knowledge
from ..explain.result import ConsultResult, Entry
from ..load.dates import after, chronological
from ..load.patient import Patient, Surgery, Treatment

FORMAT = "spinepath.audit/1"
Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
CLASSES = ("recommended", "consider", "avoid", "not advised", "not classified")
EN_BLOC = ("marginal_en_bloc", "wide_en_bloc")


# ----------------------------------------------------------------------------------- the statistics

def wilson(numerator: int, denominator: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (Wilson 1927; Newcombe 1998, method 3); None without a
    denominator. It stays inside [0, 1] and is usable at 0/n and n/n, where the Wald interval is not."""
    if denominator <= 0:
        return None
    n, p = denominator, numerator / denominator
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _r4(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


# ----------------------------------------------------------------------------------- time travel

def _month_or_day(date: str) -> bool:
    return len(str(date).split("-")) >= 2


def as_it_stood(patient: Patient, date: str) -> Patient:
    """The patient file as it stood just before `date`: the treatments certainly before it, `as_of` the date.

    The course state the file records (course.status) describes the file's own date, so it is dropped and
    the consult derives it from the shorter history. A local recurrence found on or after `date` had not
    been found yet (false); one without a date, in a history that lost treatments, is not known (None). The
    findings (diagnosis, lesion, staging) are the file's: the file does not say when each was made
    (docs/audit.md, limits)."""
    history = patient.history
    update: dict[str, Any] = {"as_of": date if _month_or_day(date) else None, "course": None}
    if history is not None:
        kept = None if history.treatments is None else [t for t in history.treatments
                                                         if t.date is not None and after(date, t.date) is True]
        hist: dict[str, Any] = {"treatments": kept}
        lost = history.treatments is not None and kept is not None and len(kept) < len(history.treatments)
        if history.local_recurrence:
            found = history.local_recurrence_date
            if found is not None and after(date, found) is not True:
                hist["local_recurrence"] = False
            elif found is None and lost:
                hist["local_recurrence"] = None
        update["history"] = history.model_copy(update=hist)
    if patient.board is not None and patient.board.decisions:
        update["board"] = patient.board.model_copy(update={"decisions": [
            d for d in patient.board.decisions if after(date, d.date) is True]})
    return patient.model_copy(update=update)


def codes_for(t: Treatment, after_resection: bool | None = None) -> tuple[str, ...]:
    """The intervention codes a treatment of the history carries out (board/decisions.py TRACES), narrowed
    by what the record says (a chemotherapy's intent) and by when it was given: after a resection it is not
    neoadjuvant, before any it is not adjuvant (`after_resection`; None: not narrowed). Instrumentation
    comes with most operations, so spinal stabilisation is matched only by an operation recorded as
    stabilisation."""
    out = []
    extent = getattr(t, "extent", None)
    for code, (kind, extents) in TRACES.items():
        if kind != t.kind:
            continue
        if kind == "surgery":
            if extent is None:
                continue  # an operation of unknown extent carries out no code we could name
            if code == "spinal_stabilization" and extent != "stabilization":
                continue
            if extents is not None and extent not in extents:
                continue
        out.append(code)
    intent = getattr(t, "intent", None)
    if t.kind == "chemotherapy" and intent in ("neoadjuvant", "adjuvant") and f"{intent}_chemotherapy" in out:
        return (f"{intent}_chemotherapy",)
    if after_resection is not None:
        out = [c for c in out if not c.startswith("adjuvant" if not after_resection else "neoadjuvant")]
    return tuple(out)


_RANK = {"recommended": 0, "consider": 1, "avoid": 2}


@dataclass(frozen=True)
class Verdict:
    """What the consult of the day said about something given or decided."""

    cls: str  # recommended | consider | avoid | not advised | not classified
    rule: str | None = None
    intervention: str | None = None  # the entry's code
    firm: bool = True  # False: only the provisional plan says it
    details: dict = field(default_factory=dict)
    why: str = ""  # for "not classified"

    def to_json(self) -> dict:
        return {"class": self.cls, "rule": self.rule, "intervention": self.intervention, "firm": self.firm,
                **({"min_dose_gy": self.details["min_dose_gy"]} if "min_dose_gy" in self.details else {}),
                **({"why": self.why} if self.why else {})}


def classify(result: ConsultResult, codes: Sequence[str]) -> Verdict:
    """The strongest advice about any of `codes`: the firm plan first, the provisional one when the firm
    plan names none of them; recommended before consider before avoid (a treatment that one rule advises
    and another avoids was advised)."""
    if not codes:
        return Verdict("not classified", why="no intervention code matches what the record says")
    for entries, firm in ((result.recommendations, True), (result.provisional, False)):
        found: list[Entry] = [e for e in entries if e.intervention in codes]
        if found:
            best = min(found, key=lambda e: (_RANK.get(e.strength, 3), codes.index(e.intervention)))
            return Verdict(best.strength, best.rule, best.intervention, firm, dict(best.details))
    if result.value("disease_state") is None:
        # The rules of the local-control and later phases wait for the state of the course (COURSE-01); a
        # history cut at a date often cannot give it (a finished neoadjuvant course, no surgery yet: step 6
        # asks course.status). Silence is then not advice against: it is not known.
        return Verdict("not classified", why="the course of disease on that day cannot be placed from the history "
                       "(COURSE-01 asks course.status), so the rules that depend on it did not decide")
    return Verdict("not advised")


# ----------------------------------------------------------------------------------- one patient

@dataclass(frozen=True)
class Event:
    """A treatment given or a board decision, and what the consult of its day said."""

    date: str | None
    what: str  # treatment | decided | declined
    given: str  # the record in words, e.g. "surgery (wide_en_bloc, R0)"
    codes: tuple[str, ...]
    verdict: Verdict
    reason: str | None = None  # declined: the non-adherence reason code (and text)
    index: int = -1  # treatment: its index in history.treatments
    dose_gy: float | None = None

    def to_json(self) -> dict:
        out = {"date": self.date, "what": self.what, "given": self.given, "codes": list(self.codes),
               **self.verdict.to_json()}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass
class PatientAudit:
    file: str
    patient: Patient
    events: list[Event]
    resection_before_histology: bool | None  # derived, over the whole history
    first_resection: Treatment | None
    first_resection_inappropriate: bool | None  # derived.prior_enneking_inappropriate of the first resection
    first_surgery: Treatment | None
    first_treatment: Treatment | None
    decision_before_first_treatment: bool | None
    traces: list[tuple[str, str, str]]  # (decision date, code, state) for every decided intervention

    @property
    def patient_id(self) -> str:
        return self.patient.id


def _given(t: Treatment) -> str:
    bits = [str(v) for k in ("extent", "margin", "modality", "regimen", "intent") if (v := getattr(t, k, None))]
    dose = getattr(t, "dose_gy", None)  # radiotherapy only
    if dose is not None:
        bits.append(f"{dose:g} Gy")
    return t.kind + (f" ({', '.join(bits)})" if bits else "")


def _ordered(treatments: list[Treatment]) -> list[int]:
    return [i for i in chronological([t.date for t in treatments]) if treatments[i].date is not None]


def audit_patient(file: str, patient: Patient, kb: Knowledge, day: str) -> PatientAudit:
    treatments = list(patient.history.treatments or []) if patient.history is not None else []
    consults: dict[str, ConsultResult] = {}

    def on(date: str) -> ConsultResult:  # one consult per distinct date of the patient
        if date not in consults:
            consults[date] = consult_knowledge(as_it_stood(patient, date), kb, questions=False)
        return consults[date]

    events: list[Event] = []
    order = _ordered(treatments)
    resected: list[str] = []  # dates of the resections so far
    for i in order:
        t = treatments[i]
        date = t.date
        assert date is not None  # _ordered keeps the dated treatments only
        codes = codes_for(t, any(after(date, d) is True for d in resected))
        if isinstance(t, Surgery) and t.extent is not None and t.extent not in NO_TUMOUR_REMOVED:
            resected.append(date)
        if codes:
            verdict = classify(on(date), codes)
        else:  # nothing to look up: no consult is needed
            verdict = Verdict("not classified", why="the extent of the operation is not recorded"
                              if t.kind == "surgery" else "no intervention code matches this treatment")
        events.append(Event(t.date, "treatment", _given(t), codes, verdict, index=i,
                            dose_gy=getattr(t, "dose_gy", None)))
    decisions = list(patient.board.decisions or []) if patient.board is not None else []
    traces: list[tuple[str, str, str]] = []
    for d in decisions:
        result = on(d.date)
        for item in d.interventions:
            events.append(Event(d.date, "decided", item.code, (item.code,), classify(result, (item.code,))))
            traces.append((d.date, item.code, trace_decision(d, item.code, patient, day).state))
        for n in d.not_followed or []:
            events.append(Event(d.date, "declined", n.intervention, (n.intervention,),
                                classify(result, (n.intervention,)), reason=n.reason + (f": {n.text}" if n.text else "")))
    events.sort(key=lambda e: (e.date or "9999", ("treatment", "decided", "declined").index(e.what)))

    dated = [treatments[i] for i in order]
    surgeries = [t for t in dated if t.kind == "surgery" and not getattr(t, "emergency", None)]
    resections = [t for t in dated if t.kind == "surgery" and t.extent is not None and t.extent not in NO_TUMOUR_REMOVED]
    first_resection = resections[0] if resections else None
    facts = prepare(patient).derived
    rbh = facts["resection_before_histology"].value if resections else None
    inappropriate = None
    if first_resection is not None:
        through = patient.model_copy(update={"history": patient.history.model_copy(  # type: ignore[union-attr]
            update={"treatments": [first_resection]})})
        inappropriate = prepare(through).derived["prior_enneking_inappropriate"].value
    first_treatment = dated[0] if dated else None
    before = None
    first_date = first_treatment.date if first_treatment is not None else None  # dated: _ordered
    if first_date is not None and decisions:
        answers = [after(d.date, first_date) for d in decisions]
        before = True if any(a is False for a in answers) else None if any(a is None for a in answers) else False
    elif first_treatment is not None:
        before = False
    return PatientAudit(file, patient, events, rbh, first_resection, inappropriate,
                        surgeries[0] if surgeries else None, first_treatment, before, traces)


# ----------------------------------------------------------------------------------- the indicators

@dataclass(frozen=True)
class Item:
    patient_id: str
    file: str
    met: bool | None  # None: not known, not counted
    detail: str

    def to_json(self) -> dict:
        return {"patient_id": self.patient_id, "file": self.file, "met": self.met, "detail": self.detail}


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    unit: str  # patient | treatment | decided intervention | feedback
    better: str  # higher | lower
    items: tuple[Item, ...]

    @property
    def counted(self) -> list[Item]:
        return [i for i in self.items if i.met is not None]

    @property
    def numerator(self) -> int:
        return sum(1 for i in self.counted if i.met)

    @property
    def denominator(self) -> int:
        return len(self.counted)

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.numerator, self.denominator)

    @property
    def patients(self) -> list[str]:
        return sorted({i.patient_id for i in self.counted})

    @property
    def unknown(self) -> list[str]:
        return sorted({i.patient_id for i in self.items if i.met is None})

    def to_json(self) -> dict:
        ci = self.interval
        return {"id": self.id, "title": self.title, "unit": self.unit, "better": self.better,
                "numerator": self.numerator, "denominator": self.denominator, "rate": _r4(self.rate),
                "ci95": None if ci is None else [_r4(ci[0]), _r4(ci[1])], "patients": self.patients,
                "not_known": self.unknown, "items": [i.to_json() for i in self.items]}


TITLES = {
    "biopsy_before_resection": "Biopsy before the first resection",
    "specialised_first_surgery": "First surgery at a specialised centre",
    "board_before_first_treatment": "Board decision before the first treatment",
    "enneking_appropriate_first_surgery": "Enneking-appropriate first resection",
    "r0_en_bloc": "R0 margin of en bloc resections",
    "rt_dose_adequate": "Radiotherapy at or above the guideline dose",
    "concordant_treatments": "Treatments given as advised",
    "treatments_against_avoid": "Treatments given against an avoid",
    "decisions_implemented": "Board decisions implemented",
    "cds_advice_accepted": "CDS advice accepted (serve feedback)",
}


def indicators(audits: Iterable[PatientAudit], feedback: Sequence[dict] | None = None) -> list[Indicator]:
    audits = list(audits)
    rows: dict[str, list[Item]] = {k: [] for k in TITLES if k != "cds_advice_accepted"}
    for a in audits:
        pid, f = a.patient_id, a.file
        if a.first_resection is not None:
            rbh = a.resection_before_histology
            rows["biopsy_before_resection"].append(Item(pid, f, None if rbh is None else not rbh,
                                                        f"first resection {a.first_resection.date}"))
            ina = a.first_resection_inappropriate
            rows["enneking_appropriate_first_surgery"].append(Item(
                pid, f, None if ina is None else not ina, f"{_given(a.first_resection)} of {a.first_resection.date}"))
        if a.first_surgery is not None:
            rows["specialised_first_surgery"].append(Item(pid, f, a.first_surgery.specialized_center
                                                          if isinstance(a.first_surgery, Surgery) else None,
                                                          f"{_given(a.first_surgery)} of {a.first_surgery.date}"))
        if a.first_treatment is not None:
            rows["board_before_first_treatment"].append(Item(pid, f, a.decision_before_first_treatment,
                                                             f"first treatment {_given(a.first_treatment)} of "
                                                             f"{a.first_treatment.date}"))
        treatments = a.patient.history.treatments if a.patient.history is not None else []
        for e in a.events:
            if e.what != "treatment":
                continue
            t = treatments[e.index]  # type: ignore[index]
            if isinstance(t, Surgery) and t.extent in EN_BLOC:
                rows["r0_en_bloc"].append(Item(pid, f, None if t.margin is None else t.margin == "R0",
                                               f"{_given(t)} of {t.date}"))
            v = e.verdict
            if t.kind == "radiotherapy" and v.cls in ("recommended", "consider") and "min_dose_gy" in v.details:
                need = v.details["min_dose_gy"]
                rows["rt_dose_adequate"].append(Item(
                    pid, f, None if e.dose_gy is None else e.dose_gy >= need,
                    f"{_given(t)} of {t.date}; {v.rule} asks at least {need:g} Gy"))
            if v.cls != "not classified":
                detail = f"{e.given} of {e.date}: {v.cls}" + (f" ({v.rule})" if v.rule else "")
                rows["concordant_treatments"].append(Item(pid, f, v.cls in ("recommended", "consider"), detail))
                rows["treatments_against_avoid"].append(Item(pid, f, v.cls == "avoid", detail))
            else:
                for key in ("concordant_treatments", "treatments_against_avoid"):
                    rows[key].append(Item(pid, f, None, f"{e.given} of {e.date}: not classified, {v.why}"))
        for date, code, state in a.traces:
            met = True if state == "done" else False if state in ("different", "overdue") else None
            rows["decisions_implemented"].append(Item(pid, f, met, f"{code} decided {date}: {state}"))
    out = [Indicator(k, TITLES[k], _UNITS[k], "lower" if k == "treatments_against_avoid" else "higher",
                     tuple(v)) for k, v in rows.items()]
    if feedback is not None:
        items = []
        cohort = {a.patient_id: a.file for a in audits}
        for r in feedback:  # only the feedback on this cohort's patients
            who = r.get("patient_id")  # written JSON: a row of the feedback database spinepath serve wrote
            if who not in cohort:
                continue
            items.append(Item(str(who), cohort[who], r["outcome"] == "accepted",
                              f"card {r['card']}: {r['outcome']}"
                              + (f" ({r['override_code']})" if r["override_code"] else "")))
        out.append(Indicator("cds_advice_accepted", TITLES["cds_advice_accepted"], "feedback", "higher", tuple(items)))
    return out


_UNITS = {"biopsy_before_resection": "patient", "specialised_first_surgery": "patient",
          "board_before_first_treatment": "patient", "enneking_appropriate_first_surgery": "patient",
          "r0_en_bloc": "treatment", "rt_dose_adequate": "treatment", "concordant_treatments": "treatment",
          "treatments_against_avoid": "treatment", "decisions_implemented": "decided intervention"}


# ----------------------------------------------------------------------------------- the report as data

@dataclass
class Audit:
    day: str
    ruleset: dict
    audits: list[PatientAudit]
    indicators: list[Indicator]
    errors: list[tuple[str, list[str]]]  # (file, messages) for files that could not be read

    def to_json_data(self) -> dict:
        return {"format": FORMAT, "date": self.day, "ruleset": self.ruleset, "patients": len(self.audits),
                "indicators": [i.to_json() for i in self.indicators],
                "per_patient": [{"file": a.file, "patient_id": a.patient_id,
                                 "events": [e.to_json() for e in a.events]} for a in self.audits],
                "errors": [{"file": f, "errors": m} for f, m in self.errors]}


def csv_text(audit: Audit) -> str:
    """The indicators, one row each, with the figures of the JSON."""
    import csv
    import io
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "title", "unit", "better", "numerator", "denominator", "rate", "ci95_low", "ci95_high",
                "patients", "not_known"])
    for i in audit.indicators:
        d = i.to_json()
        ci = d["ci95"] or ["", ""]
        w.writerow([d["id"], d["title"], d["unit"], d["better"], d["numerator"], d["denominator"],
                    "" if d["rate"] is None else d["rate"], ci[0], ci[1], " ".join(d["patients"]),
                    " ".join(d["not_known"])])
    return buf.getvalue()


# ----------------------------------------------------------------------------------- the cohort

def read_cohort(paths: Sequence[str]) -> tuple[list[tuple[str, Patient]], list[tuple[str, list[str]]]]:
    """The patients of patient files, folders and globs (read as `batch` reads them) and of FHIR ndjson
    files (one R4 Bundle per line, imported as `spinepath import fhir` imports one; `FILE:LINE` names it).
    A file or line that cannot be read is returned with its messages and counted nowhere."""
    from ..load.diagnostics import InputError
    from ..load.patient import load_patient
    from ..load.patient_files import collect
    ndjson = [p for p in paths if str(p).endswith(".ndjson")]
    others = [p for p in paths if not str(p).endswith(".ndjson")]
    patients: list[tuple[str, Patient]] = []
    errors: list[tuple[str, list[str]]] = []
    for f in collect(others) if others else []:
        try:
            patients.append((f, load_patient(f)))
        except InputError as exc:
            errors.append((f, [str(d) for d in exc.diagnostics]))
    for f in ndjson:
        got, bad = _read_ndjson(f)
        patients += got
        errors += bad
    return patients, errors


def _read_ndjson(path: str) -> tuple[list[tuple[str, Patient]], list[tuple[str, list[str]]]]:
    from ..interop.fhir_import import BundleProblem, OptionProblem, check_r4, import_bundle, patient_yaml, \
        problems_in_bundle, read_json
    from ..load.diagnostics import InputError
    from ..load.patient import parse_patient
    got: list[tuple[str, Patient]] = []
    bad: list[tuple[str, list[str]]] = []
    try:
        with open(path, "rb") as fh:
            lines = fh.read().split(b"\n")
    except OSError as exc:
        return [], [(path, [f"{path}:0:0: cannot read: {exc.strerror or exc}"])]
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        name = f"{path}:{number}"
        try:
            bundle = read_json(raw)
            check_r4(bundle)
            imported = import_bundle(bundle)
            problems = problems_in_bundle(imported)
            if problems:
                raise BundleProblem(problems)
            got.append((name, parse_patient(patient_yaml(imported), name)))
        except BundleProblem as exc:
            bad.append((name, [f"{name}: {where}: {message}" for where, message in exc.problems]))
        except (OptionProblem, ValueError) as exc:
            bad.append((name, [f"{name}: {exc}"]))
        except InputError as exc:
            bad.append((name, [str(d) for d in exc.diagnostics]))
    return got, bad


def run(paths: Sequence[str], kb: Knowledge, day: str, feedback: Sequence[dict] | None = None, jobs: int = 1,
        rules_dir: str | None = None) -> Audit:
    patients, errors = read_cohort(paths)
    return audit(patients, kb, day, feedback, errors, jobs, rules_dir)


_worker: dict = {}


def _init_worker(rules_dir: str | None, day: str) -> None:
    import signal
    from ..evaluate.knowledge import load_knowledge
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the pool
    _worker.update(kb=load_knowledge(rules_dir), day=day)


def _audit_in_worker(item: tuple[str, Patient]) -> PatientAudit | tuple[str, list[str]]:
    return _guarded(item[0], item[1], _worker["kb"], _worker["day"])


def _guarded(file: str, patient: Patient, kb: Knowledge, day: str) -> PatientAudit | tuple[str, list[str]]:
    """One patient's audit, or the message of a bug for that file: the others go on (as in batch)."""
    import os
    try:
        return audit_patient(file, patient, kb, day)
    except Exception as exc:
        if os.environ.get("SPINEPATH_DEBUG"):
            raise
        return file, [f"{file}:0:0: internal error ({type(exc).__name__}): {exc}; this is a bug in spinepath, "
                      "please report it"]


def audit(patients: Sequence[tuple[str, Patient]], kb: Knowledge, day: str, feedback: Sequence[dict] | None = None,
          errors: list | None = None, jobs: int = 1, rules_dir: str | None = None) -> Audit:
    """Each patient's audit (on `jobs` processes, in input order: the same bytes for any number), then the
    indicators over them."""
    if jobs > 1 and len(patients) > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(jobs, _init_worker, (rules_dir, day)) as pool:
            done = list(pool.imap(_audit_in_worker, patients, chunksize=8))
    else:
        done = [_guarded(f, p, kb, day) for f, p in patients]
    audits = [d for d in done if isinstance(d, PatientAudit)]
    errors = list(errors or []) + [d for d in done if not isinstance(d, PatientAudit)]
    rs = kb.ruleset
    return Audit(day, {"name": rs.name, "version": rs.version, "sha256": rs.sha256}, audits,
                 indicators(audits, feedback), errors)
