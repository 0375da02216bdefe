"""The late-effect exposures a survivorship plan lists (PATHWAYS FU-05, lines 1995-1999; encoding spec §2.3 D24).

FU-05 lists "only what is recorded": anthracycline cardiotoxicity if an anthracycline regimen or a cumulative dose
is recorded; ifosfamide/cisplatin renal and hearing toxicity if such regimens are recorded; radiation myelopathy,
plexopathy and second malignancy if radiotherapy is recorded; spinal deformity and instrumentation failure if
surgery with instrumentation is recorded (CX-02). A rationale that lists toxicities of drugs the patient never
received misinforms (2026-12 review, F23).

An exposure that the file cannot decide (a regimen not recorded, or one PATHWAYS does not classify; a surgery
without its extent) makes the whole list unknown, with the history lacked: a list without it would read as
"not exposed", and unknown is not no.
"""
from __future__ import annotations

from .base import Derived, unknown
from .kleene import any_
from .regimens import CISPLATIN, IFOSFAMIDE, contains_anthracycline, renal_agents

EXPOSURES = ("anthracycline", "ifosfamide_cisplatin", "radiotherapy", "instrumentation")
# Instrumentation is not a recorded key (the spec's open point O-26): a stabilisation, or an en bloc resection
# (which is reconstructed), is taken as surgery with instrumentation.
_INSTRUMENTED = frozenset({"stabilization", "marginal_en_bloc", "wide_en_bloc"})


def _ifosfamide_or_cisplatin(regimen: str | None) -> bool | None:
    named = renal_agents(regimen)
    return None if named is None else bool({IFOSFAMIDE, CISPLATIN} & set(named))


def late_effect_exposures(treatments, anthracycline_cumulative_mg_m2: float | None) -> Derived:
    """D24: the exposures recorded, in the order of EXPOSURES. `ifosfamide_cisplatin` reads the FIT-03 column
    of the regimen table (derive/regimens.py), so a regimen FIT-03 does not name (VIDE, osteosarcoma_type) adds
    nothing; `per_*` and unclassified regimens are unknown."""
    if treatments is None:
        return unknown("history.treatments")
    chemo = [t.regimen for t in treatments if t.kind == "chemotherapy"]
    surgery = [t.extent for t in treatments if t.kind == "surgery"]
    found = {
        "anthracycline": any_([contains_anthracycline(r) for r in chemo]
                              + [anthracycline_cumulative_mg_m2 is not None and anthracycline_cumulative_mg_m2 > 0]),
        "ifosfamide_cisplatin": any_(_ifosfamide_or_cisplatin(r) for r in chemo),
        "radiotherapy": any(t.kind == "radiotherapy" for t in treatments),
        "instrumentation": any_(None if e is None else e in _INSTRUMENTED for e in surgery),
    }
    if any(v is None for v in found.values()):
        return unknown("history.treatments")
    return Derived([e for e in EXPOSURES if found[e]])
