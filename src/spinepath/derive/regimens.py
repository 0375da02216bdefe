"""Which recorded chemotherapy regimens contain an anthracycline (PATHWAYS terminology, FIT-02).

`history.treatments[kind=chemotherapy].regimen` is free text (`MAP`, `VDC_IE`, `R-CHOP` ...). PATHWAYS
names two lists; a recorded regimen in neither list makes the anthracycline values unknown
(derived.anthracycline_timing, derived.prior_anthracycline), never "no anthracycline". Nothing is added
to the lists here: a regimen PATHWAYS does not name (single-agent doxorubicin, VDC recorded without IE,
ifosfamide without a dose) is unknown until PATHWAYS names it.
"""
from __future__ import annotations

import re

# Spelling does not change a regimen: capitals, `-`, `–`, `/`, `+`, spaces and dots are one separator
# (`VDC/IE` = `VDC_IE`, `R-CHOP` = `R_CHOP`, `EURO-B.O.S.S.` = `EURO_BOSS`), and a combination is the
# same in any order (`doxorubicin_cisplatin` = `cisplatin_doxorubicin`).
_SEPARATORS = re.compile(r"[\s_\-–—/+,&]+")
_FILLER = frozenset({"and", "plus", "with"})


def agents(regimen: str) -> frozenset[str]:
    """The words of a regimen name, in any order and spelling."""
    words = _SEPARATORS.split(regimen.replace(".", "").lower())
    return frozenset(w for w in words if w and w not in _FILLER)


def _named(*names: str) -> frozenset[frozenset[str]]:
    return frozenset(agents(n) for n in names)


# PATHWAYS terminology, "Anthracycline regimen" (FIT-02 condition; second reading: R-CHOP added).
ANTHRACYCLINE = _named("MAP", "MAPIE", "VDC/IE", "VIDE", "doxorubicin–cisplatin", "EURO_BOSS", "R-CHOP",
                       "osteosarcoma_type")
# PATHWAYS terminology, "Regimens recognised as anthracycline-free" ("±" written out as both forms).
ANTHRACYCLINE_FREE = _named("IE", "high_dose_ifosfamide", "ifosfamide–etoposide", "gemcitabine–docetaxel",
                            "topotecan–cyclophosphamide", "irinotecan–temozolomide",
                            "irinotecan–temozolomide–vincristine", "cyclophosphamide–etoposide", "BuMel",
                            "regorafenib", "cabozantinib", "sorafenib", "sorafenib–everolimus", "imatinib",
                            "ivosidenib")

UNLISTED = "unlisted"


def anthracycline(regimen: str | None) -> bool | None | str:
    """True / False from the PATHWAYS lists; None when no regimen is recorded; UNLISTED when the recorded
    regimen is in neither list (PATHWAYS: then the anthracycline values are unknown)."""
    if regimen is None:
        return None
    words = agents(regimen)
    if words in ANTHRACYCLINE:
        return True
    if words in ANTHRACYCLINE_FREE:
        return False
    return UNLISTED
