"""Whether a lesion is benign, non-metastasising and confirmed as such (Appendix 3
`benign_non_metastasizing`; the same text in STAGING §9 and the PATHWAYS terminology). GEN-02 (b, b')
reads it to spare confirmed benign lesions systemic staging."""
from __future__ import annotations

import re

from .base import Derived, unknown
from .kleene import and_, or_

_BASIS, _DONE = "diagnosis.basis", "diagnosis.biopsy.done"
_MOLECULAR, _MDT, _STAGE = "diagnosis.molecular", "diagnosis.mdt_confirmed", "diagnosis.benign_stage"


def _names(finding: str, gene: str) -> bool:
    """Whether a free-text molecular finding names the gene as one of its words, whatever the case: `USP6`,
    `usp6`, `USP6 fusion`, `USP6-rearranged` do; `USP60` does not (second reading, USP6 match)."""
    return gene.lower() in re.split(r"[^0-9a-z]+", str(finding).lower())


def histological_basis(basis: str | None, biopsy_done: bool | None) -> bool | None:
    """Appendix 3: `diagnosis.basis == histology`, or `basis` absent with `diagnosis.biopsy.done == true`."""
    if basis is not None:
        return basis == "histology"
    return biopsy_done


def benign_non_metastasizing(histology: str, basis: str | None, biopsy_done: bool | None,
                             molecular: list[str] | None, mdt_confirmed: bool | None, benign_stage: int | None,
                             oc_red_flag: Derived) -> Derived:
    """True only when the benign label is confirmed, per histology:
    - osteoid osteoma, haemangioma: a histological basis, or `diagnosis.basis == imaging` (typical imaging);
    - osteochondroma: `oc_red_flag == false` (histological or imaging basis);
    - aneurysmal bone cyst: a histological basis AND (`USP6` in `diagnosis.molecular` OR MDT-confirmed);
    - osteoblastoma: a histological basis AND (Enneking stage 1 or 2 OR MDT-confirmed).
    False for every other histology (GCT: lung metastases occur; LCH: often multifocal; malignant and
    haematological tumours), for a red-flagged osteochondroma, and when a confirming term is recorded as not
    met. None while a needed term is absent, with the fields that would settle it."""
    if histology == "unknown":
        return unknown("diagnosis.histology")
    hb = histological_basis(basis, biopsy_done)
    if histology in ("osteoid_osteoma", "hemangioma"):
        value = or_(hb, None if basis is None else basis == "imaging")
        lacked: tuple[str, ...] = (_BASIS, _DONE)
    elif histology == "osteochondroma":
        return Derived(None, oc_red_flag.lacked) if oc_red_flag.value is None else Derived(not oc_red_flag.value)
    elif histology == "aneurysmal_bone_cyst":
        usp6 = None if molecular is None else any(_names(finding, "USP6") for finding in molecular)
        value = and_(hb, or_(usp6, mdt_confirmed))
        lacked = (_BASIS, _DONE, _MOLECULAR, _MDT)
    elif histology == "osteoblastoma":
        early = None if benign_stage is None else benign_stage in (1, 2)
        value = and_(hb, or_(early, mdt_confirmed))
        lacked = (_BASIS, _DONE, _STAGE, _MDT)
    else:
        return Derived(False)
    if value is not None:
        return Derived(value)
    absent = {_BASIS: basis, _DONE: biopsy_done, _MOLECULAR: molecular, _MDT: mdt_confirmed, _STAGE: benign_stage}
    return unknown(*(f for f in lacked if absent[f] is None and not (f == _DONE and basis is not None)))
