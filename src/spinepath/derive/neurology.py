"""Neurological status as the NEU decision points read it (PATHWAYS NEU-01)."""
from __future__ import annotations

from .base import Derived, unknown
from .kleene import and_ as _and, eq as _eq, in_ as _in, or_ as _or

_DEFICIT = "presentation.neurology.deficit"
_PROGRESSION = "presentation.neurology.progression"
_ESCC = "lesion.epidural.escc"


def neuro_deficit(deficit: str | None) -> Derived:
    return unknown(_DEFICIT) if deficit is None else Derived(deficit != "none")


def neuro_emergency(deficit: str | None, progression: str | None, escc: str | None) -> Derived:
    """Rapid (or progressive motor) deterioration with high-grade compression (or 1c + myelopathy)."""
    worsening = _or(_eq(progression, "rapid"),
                    _and(_eq(progression, "progressive"), _in(deficit, ("motor_deficit", "plegia"))))
    compression = _or(_in(escc, ("2", "3")), _and(_eq(escc, "1c"), _eq(deficit, "myelopathy")))
    value = _and(worsening, compression)
    if value is not None:
        return Derived(value)
    lacked = [f for f, v in ((_PROGRESSION, progression), (_DEFICIT, deficit), (_ESCC, escc)) if v is None]
    return unknown(*lacked)


def neuro_question_priority(layers: list[str] | None, escc: str | None, circumferential: bool | None,
                            deficit: str | None, progression: str | None, prior_decompression: bool | None) -> Derived:
    """QP-01 trigger: the neurological questions come before every routine question when any of
      - layer D or E is recorded (epidural or intradural tumour);
      - ESCC 1b, 1c, 2 or 3, or circumferential epidural tumour, is recorded;
      - a deficit other than none, or a progressive or rapid course, is recorded;
      - the deficit is not recorded AND (layer D/E is recorded, OR the epidural status is unknown: neither
        ESCC nor layers recorded (this reference's safety choice), OR a decompression is recorded);
      - a decompression is recorded with epidural tumour left (layer D recorded, or ESCC not graded).
    `prior_decompression` is `derived.prior_decompression` (one home for what counts as a decompression).
    When it is unknown (the history, or a surgery's extent, not recorded) its terms trigger: the reference's
    safety choice for an unknown epidural status, applied to an unknown decompression (second reading, D4).
    Each term reads what is recorded, and the trigger names its own unknown terms, so it is always known."""
    canal = bool(layers) and bool({"D", "E"} & set(layers or ()))
    decompressed = prior_decompression is not False
    epidural_unknown = escc is None and layers is None
    value = (canal
             or escc in ("1b", "1c", "2", "3") or circumferential is True
             or deficit not in (None, "none") or progression in ("progressive", "rapid")
             or deficit is None and (canal or epidural_unknown or decompressed)
             or decompressed and (bool(layers) and "D" in (layers or ()) or escc is None))
    return Derived(bool(value))
