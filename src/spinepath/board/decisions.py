"""The board's decisions (board.decisions, issue 23): the last one, whether the history shows it was
carried out, and appending a new one to a patient file.

One home for "was it carried out": the brief, the pack and `board --follow-up` read `follow_through`.
A decided intervention is traced in the treatment history only where the history format can show it (a
surgery of a given extent, radiotherapy, chemotherapy, denosumab, embolisation, ablation); a referral, a
staging work-up or a board discussion leaves no treatment, and is said to be "not traceable in the
history", never "not done".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from ..load import yaml_writer
from ..load.dates import after, chronological
from ..load.diagnostics import InputError
from ..load.interventions import said
from ..load.non_adherence import DISPLAY
from ..load.patient import Decision, Patient, Treatment, from_document
from ..load.yamlsafe import load_text
from ..render import details_text

# Decided code -> (treatment kind of the history, the surgical extents that carry it out; None: any).
TRACES: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "en_bloc_resection": ("surgery", ("marginal_en_bloc", "wide_en_bloc")),
    "intralesional_curettage": ("surgery", ("intralesional",)),
    "marginal_excision": ("surgery", ("marginal_en_bloc", "wide_en_bloc", "gross_total_piecemeal")),
    "separation_surgery": ("surgery", ("decompression", "subtotal", "gross_total_piecemeal")),
    "urgent_decompression": ("surgery", ("decompression",)),
    "spinal_stabilization": ("surgery", None),  # instrumentation comes with most spinal operations
    "neoadjuvant_radiotherapy": ("radiotherapy", None),
    "definitive_radiotherapy": ("radiotherapy", None),
    "adjuvant_radiotherapy": ("radiotherapy", None),
    "palliative_radiotherapy": ("radiotherapy", None),
    "neoadjuvant_chemotherapy": ("chemotherapy", None),
    "adjuvant_chemotherapy": ("chemotherapy", None),
    "systemic_therapy": ("chemotherapy", None),
    "denosumab": ("denosumab", None),
    "selective_arterial_embolization": ("embolization", None),
    "radiofrequency_ablation": ("ablation", None),
}


@dataclass(frozen=True)
class Trace:
    """What the history shows of one decided intervention."""

    code: str
    state: str  # done | different | pending | due | overdue | not traceable
    text: str  # in words, for the follow-up list
    detail: str = ""  # done or different: the treatment that shows it, e.g. "radiotherapy of 2026-11-20"

    def to_json(self) -> dict:
        return {"intervention": self.code, "state": self.state, "text": self.text}


def _treatments(patient: Patient) -> list[Treatment]:
    return list(patient.history.treatments or []) if patient.history is not None else []


def _since(decision: Decision, treatments: list[Treatment]) -> list[Treatment]:
    """Treatments dated on or after the decision's day (not certainly before it); undated ones are not
    counted, as nothing says when they were given."""
    return [t for t in treatments if t.date is not None and after(decision.date, t.date) is not True]


def trace(decision: Decision, code: str, patient: Patient, day: str) -> Trace:
    """Whether `code`, decided in `decision`, shows in the history by `day` (the board date)."""
    if code not in TRACES:
        return Trace(code, "not traceable", f"{said(code)}: not traceable in the treatment history")
    kind, extents = TRACES[code]
    given = [t for t in _since(decision, _treatments(patient)) if t.kind == kind]
    for t in given:
        extent = getattr(t, "extent", None)
        if extents is None or extent is None or extent in extents:
            how = f" ({said(extent)})" if extent else ""
            return Trace(code, "done", f"{said(code)}: done, {t.kind}{how} of {t.date}", f"{t.kind}{how} of {t.date}")
    if given:
        t = given[0]
        shown = f"{t.kind} ({said(str(getattr(t, 'extent', '')))}) of {t.date}"
        return Trace(code, "different", f"{said(code)}: carried out differently, {shown}", shown)
    if decision.due is not None and decision.due < day:
        return Trace(code, "overdue", f"{said(code)}: not in the history, overdue")
    if decision.due == day:
        return Trace(code, "due", f"{said(code)}: not in the history, due today ({day})")
    return Trace(code, "pending", f"{said(code)}: not in the history yet"
                                  + (f" (due {decision.due})" if decision.due else ""))


@dataclass(frozen=True)
class FollowThrough:
    decision: Decision
    traces: tuple[Trace, ...]

    @property
    def summary(self) -> str:
        """The decision in one line, for the agenda: what was decided with its details."""
        return "Last board decision " + self._said(True)

    @property
    def brief_summary(self) -> str:
        """The same without the details, for the brief's box (two printed pages; the file has them)."""
        return self._said(False)

    def _said(self, details: bool) -> str:
        d = self.decision
        parts = [f"{d.date}: " + (", ".join(_decided(i.code, i.details if details else None)
                                            for i in d.interventions) or "no intervention decided")]
        if d.not_followed:
            parts.append("advice not followed: " + "; ".join(
                f"{said(n.intervention)} ({DISPLAY[n.reason]}" + (f": {n.text}" if n.text else "") + ")"
                for n in d.not_followed))
        if d.responsible or d.due:
            parts.append(" ".join(p for p in ((f"by {said(d.responsible)}" if d.responsible else ""),
                                               (f"due {d.due}" if d.due else "")) if p))
        return "; ".join(parts) + "."

    @property
    def carried_out(self) -> str:
        """What the history shows, grouped by state so that the brief's box stays short."""
        heads = {"done": "done", "different": "carried out differently", "overdue": "overdue",
                 "due": "due today", "pending": "not yet in the history", "not traceable": "not traceable"}
        groups: dict[str, list[str]] = {}
        for t in self.traces:
            groups.setdefault(t.state, []).append(said(t.code) + (f" ({t.detail})" if t.detail else ""))
        due = f" (due {self.decision.due})" if self.decision.due else ""
        return "; ".join(f"{heads[state]}{due if state in ('overdue', 'pending') else ''}: {', '.join(names)}"
                         for state, names in groups.items()) + ("." if groups else "")


def _decided(code: str, details: dict[str, Any] | None) -> str:
    if not details:
        return said(code)
    return f"{said(code)} ({details_text(details)})"


def last_decision(patient: Patient) -> Decision | None:
    """The latest decision by date (the file's order between decisions of one day)."""
    decisions = (patient.board.decisions or []) if patient.board is not None else []
    if not decisions:
        return None
    return decisions[chronological([d.date for d in decisions])[-1]]


def follow_through(patient: Patient, decision: Decision, day: str) -> FollowThrough:
    return FollowThrough(decision, tuple(trace(decision, i.code, patient, day) for i in decision.interventions))


def last(patient: Patient, day: str) -> FollowThrough | None:
    """The last decision and what the history shows of it by `day`, or None when the file has none."""
    d = last_decision(patient)
    return None if d is None else follow_through(patient, d, day)


# ------------------------------------------------------------------------------ recording a decision

@dataclass(frozen=True)
class Appended:
    text: str  # the whole new file
    comments_kept: bool
    how: str  # what was done, for the user


def decision_data(date: str, accepted: Sequence[tuple[str, dict[str, Any]]], declined: Sequence[tuple[str, str, str]],
                  responsible: str | None, due: str | None) -> dict[str, Any]:
    """A decision as the patient file holds it, keys in the format's order."""
    out: dict[str, Any] = {"date": date,
                           "interventions": [{"code": c, **({"details": d} if d else {})} for c, d in accepted]}
    if declined:
        out["not_followed"] = [{"intervention": c, "reason": r, **({"text": t} if t else {})} for c, r, t in declined]
    if responsible:
        out["responsible"] = responsible
    if due:
        out["due"] = due
    return out


def _comment_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.lstrip().startswith("#") or " #" in line)


def append_decision(file: str, text: str, decision: dict[str, Any]) -> Appended:
    """The file's text with `decision` appended to board.decisions.

    When the file ends with its board.decisions list in block style (or has no board key), the new lines
    are added at the end and every byte before them, comments included, stays as it was. Otherwise the
    document is written again by the YAML writer, and its comments are lost: `comments_kept` says so.
    Either way the result is read back and must be the old patient plus the decision, or nothing is
    written (ValueError)."""
    doc = load_text(file, text)
    before = from_document(doc)
    data = doc.data
    if not isinstance(data, dict):
        raise ValueError("expected a mapping at the top of the file")
    board = data.get("board")
    old = list((board or {}).get("decisions") or []) if isinstance(board, dict) else []
    expected = dict(data)
    expected["board"] = {**(board if isinstance(board, dict) else {}), "decisions": old + [decision]}

    body = text if text.endswith("\n") or not text else text + "\n"
    candidate = None
    if "board" not in data:
        candidate = body + "\n".join(yaml_writer.lines({"board": {"decisions": [decision]}})) + "\n"
    elif list(data)[-1] == "board" and isinstance(board, dict) and board and list(board)[-1] == "decisions" and old:
        line, _ = doc.value_at(("board", "decisions", 0))
        first = text.splitlines()[line - 1]
        dash = first.find("-")
        if dash >= 0 and first[:dash].strip() == "":
            item = yaml_writer.lines({"decisions": [decision]}, indent=0)[1:]  # "  - date: ..." and the rest
            shift = " " * dash
            candidate = body + "\n".join(shift + ln[2:] for ln in item) + "\n"
    if candidate is not None:
        try:
            if _reads_as(file, candidate, expected, before):
                return Appended(candidate, True, "appended at the end of the file; every other line is as it was")
        except InputError:
            pass
    rewritten = "\n".join(yaml_writer.lines(expected)) + "\n"
    if not _reads_as(file, rewritten, expected, before):
        raise ValueError("the rewritten file does not read back as the patient plus the decision; nothing written")
    lost = _comment_lines(text)
    how = ("written again by the YAML writer" + (f": comments not kept ({lost} comment line{'s' if lost != 1 else ''} "
                                                "lost; the decision could not be added at the end of the file)"
                                                if lost else " (the file had no comments)"))
    return Appended(rewritten, lost == 0, how)


def _reads_as(file: str, text: str, expected: dict, before: Patient) -> bool:
    doc = load_text(file, text)
    after_ = from_document(doc)
    old = before.model_dump(mode="json", exclude={"board"})
    return doc.data == expected and after_.model_dump(mode="json", exclude={"board"}) == old
