"""The regimen table: what PATHWAYS says of each chemotherapy regimen, in one place (encoding spec §2.2).

`history.treatments[kind=chemotherapy].regimen` is free text (`MAP`, `VDC_IE`, `R-CHOP` ...) and the rules
write `details.regimen` values of their own (`per_sarcoma_mdt` ...). One row per regimen value, with four
columns taken literally from PATHWAYS (encoding spec §2.2 tabulates them):

- **anthracycline**: the terminology's two lists (PATHWAYS "Anthracycline regimen" and "Regimens recognised
  as anthracycline-free", lines 69-76; second reading: R-CHOP added). A recorded regimen in neither list
  makes the anthracycline values unknown (derived.anthracycline_timing, derived.prior_anthracycline,
  derived.regimen_anthracycline), never "no anthracycline".
- **renal agents**: the agents FIT-03 (lines 2619-2630) names the regimen under: cisplatin (MAP,
  doxorubicin-cisplatin, EURO_BOSS), high-dose methotrexate (MAP), ifosfamide (VDC/IE, IE, MAPIE, EURO_BOSS,
  second-line ifosfamide). Empty: FIT-03 does not name it.
- **gonadotoxic**: named by FERT-01 (a) (alkylator- or cisplatin-containing chemotherapy, "e.g. VDC/IE, VIDE, IE,
  MAP, MAPIE, EURO_BOSS, doxorubicin-cisplatin, R-CHOP, ifosfamide- or cyclophosphamide-containing relapse
  regimens") or (b) (busulfan-melphalan). False: FERT-01 does not name it.
- **cytotoxic**: FIT-01 applies (targeted agents are not cytotoxic chemotherapy).

Nothing is added from memory (the spec's open point O-11): FIT-03 does not list VIDE under ifosfamide nor MAPIE
under cisplatin, FERT-01 does not name irinotecan-temozolomide, so the table does not either; a clinician should
confirm those cells. The `per_*` values of the rules say nothing of their agents: unknown in every column but
"cytotoxic" (FIT-01 applies to them). A regimen string in no row is unknown in every column and cytotoxic, but
for the agents it names as words: FIT-03 and FERT-01 (a) read "contains cisplatin / ifosfamide ...", so
`cisplatin` has a renal agent and is gonadotoxic (its anthracycline column stays unknown: it is in neither list).
MAP written as its agents (OS-01: high-dose methotrexate, doxorubicin [Adriamycin], cisplatin) is MAP.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Spelling does not change a regimen: capitals, `-`, `–`, `/`, `+`, spaces and dots are one separator
# (`VDC/IE` = `VDC_IE`, `R-CHOP` = `R_CHOP`, `EURO-B.O.S.S.` = `EURO_BOSS`), and a combination is the
# same in any order (`doxorubicin_cisplatin` = `cisplatin_doxorubicin`).
_SEPARATORS = re.compile(r"[\s_\-–—/+,&]+")
_FILLER = frozenset({"and", "plus", "with"})


CISPLATIN, HD_MTX, IFOSFAMIDE = "cisplatin", "high_dose_methotrexate", "ifosfamide"
# The agents' names as PATHWAYS writes them: OS-01 "high-dose methotrexate, doxorubicin [Adriamycin], cisplatin"
# (line 715), "HD-MTX" (lines 2824, REVIEW F2). Nothing else is taken as a synonym.
_AGENT_SPELLINGS = ((frozenset({"high", "dose", "methotrexate"}), HD_MTX), (frozenset({"hd", "mtx"}), HD_MTX),
                    (frozenset({"hd", "methotrexate"}), HD_MTX), (frozenset({"adriamycin"}), "doxorubicin"))


def agents(regimen: str) -> frozenset[str]:
    """The words of a regimen name, in any order and spelling; an agent written in several words is one
    (`high-dose methotrexate`, `HD-MTX` -> high_dose_methotrexate; `Adriamycin` -> doxorubicin)."""
    words = {w for w in _SEPARATORS.split(regimen.replace(".", "").lower()) if w and w not in _FILLER}
    for spelling, agent in _AGENT_SPELLINGS:
        if spelling <= words:
            words = (words - spelling) | {agent}
    return frozenset(words)


@dataclass(frozen=True)
class Regimen:
    """One row of the table. None in a column: PATHWAYS does not say (unknown)."""

    name: str  # the canonical spelling (as the rules write it)
    anthracycline: bool | None
    renal_agents: tuple[str, ...] | None  # the FIT-03 agents it is named under; () none
    gonadotoxic: bool | None
    cytotoxic: bool
    # Named in the terminology's regimen lists. Only these classify a *recorded* regimen for the anthracycline
    # values (PATHWAYS: a string in neither list makes them unknown); the other rows are values rules write.
    terminology: bool = True


_A, _F = True, False  # anthracycline regimen / recognised as anthracycline-free
_TABLE = (
    # name                                   anthracycline  FIT-03 agents              gonadotoxic  cytotoxic
    Regimen("MAP", _A, (CISPLATIN, HD_MTX), True, True),
    Regimen("MAPIE", _A, (IFOSFAMIDE,), True, True),  # FIT-03 names MAPIE only under ifosfamide
    Regimen("VDC_IE", _A, (IFOSFAMIDE,), True, True),
    Regimen("VIDE", _A, (), True, True),  # FIT-03 does not list it
    Regimen("doxorubicin_cisplatin", _A, (CISPLATIN,), True, True),
    Regimen("EURO_BOSS", _A, (CISPLATIN, IFOSFAMIDE), True, True),
    Regimen("R-CHOP", _A, (), True, True),
    # "any osteosarcoma-type regimen" (terminology); FIT-03 does not name it (its composition is by age, FIT-04)
    Regimen("osteosarcoma_type", _A, (), True, True),
    Regimen("IE", _F, (IFOSFAMIDE,), True, True),
    Regimen("high_dose_ifosfamide", _F, (IFOSFAMIDE,), True, True),  # FIT-03 "second-line ifosfamide"
    Regimen("ifosfamide_etoposide", _F, (IFOSFAMIDE,), True, True),
    Regimen("gemcitabine_docetaxel", _F, (), False, True),
    Regimen("topotecan_cyclophosphamide", _F, (), True, True),
    Regimen("irinotecan_temozolomide", _F, (), False, True),
    Regimen("irinotecan_temozolomide_vincristine", _F, (), False, True),  # "(± vincristine)"
    Regimen("cyclophosphamide_etoposide", _F, (), True, True),
    Regimen("BuMel", _F, (), True, True),  # FERT-01 (b)
    Regimen("regorafenib", _F, (), False, False),
    Regimen("cabozantinib", _F, (), False, False),
    Regimen("sorafenib", _F, (), False, False),
    Regimen("sorafenib_everolimus", _F, (), False, False),  # "sorafenib (± everolimus)"
    Regimen("imatinib", _F, (), False, False),
    Regimen("ivosidenib", _F, (), False, False),
    # Values the rules write (Appendix 3, CH-06/CS-04d); not in the terminology's lists.
    Regimen("per_sarcoma_mdt", None, None, None, True, terminology=False),
    Regimen("per_haematology", None, None, None, True, terminology=False),
    Regimen("per_histiocytosis_protocol", None, None, None, True, terminology=False),
    Regimen("molecularly_targeted_or_clinical_trial", False, (), False, False, terminology=False),
)
TABLE: dict[frozenset[str], Regimen] = {agents(r.name): r for r in _TABLE}
# MAP written as its agents (PATHWAYS OS-01, line 715: "high-dose methotrexate, doxorubicin [Adriamycin],
# cisplatin"): the same row, so the line derivations and the anthracycline values read it as MAP.
TABLE[agents("high_dose_methotrexate doxorubicin cisplatin")] = TABLE[agents("MAP")]

ANTHRACYCLINE = frozenset(k for k, r in TABLE.items() if r.terminology and r.anthracycline is True)
ANTHRACYCLINE_FREE = frozenset(k for k, r in TABLE.items() if r.terminology and r.anthracycline is False)

UNLISTED = "unlisted"


def row(regimen: str | None) -> Regimen | None:
    """The table's row for a regimen value, in any spelling; None when it has none."""
    return None if regimen is None else TABLE.get(agents(regimen))


def canonical(regimen: str) -> str:
    """The table's spelling of a recorded regimen (`VDC/IE` -> `VDC_IE`, `EURO-B.O.S.S.` -> `EURO_BOSS`), so that
    a rule comparing it with `equals: MAP` or copying it into details reads one spelling; a regimen in no row
    as recorded."""
    r = row(regimen)
    return regimen if r is None else r.name


def anthracycline(regimen: str | None) -> bool | None | str:
    """True / False from the terminology's lists; None when no regimen is recorded; UNLISTED when the recorded
    regimen is in neither list (PATHWAYS: then the anthracycline values are unknown)."""
    if regimen is None:
        return None
    words = agents(regimen)
    if words in ANTHRACYCLINE:
        return True
    if words in ANTHRACYCLINE_FREE:
        return False
    return UNLISTED


def contains_anthracycline(regimen: str | None) -> bool | None:
    """`anthracycline` read three-valued: None when not recorded or in neither list."""
    found = anthracycline(regimen)
    return None if found == UNLISTED else found  # type: ignore[return-value]


def renal_agents(regimen: str | None) -> tuple[str, ...] | None:
    """The FIT-03 agents (cisplatin, high-dose methotrexate, ifosfamide) the regimen is named under; () when
    FIT-03 names it under none; None when not recorded or PATHWAYS does not say. A regimen in no row that names
    one of them as a word (`cisplatin`, `cisplatin_etoposide`) contains it, which is FIT-03's condition ("a
    proposed regimen contains cisplatin ..."); what else it contains is not known, so one naming none is None."""
    if regimen is None:
        return None
    r = row(regimen)
    if r is not None:
        return r.renal_agents
    named = tuple(a for a in (CISPLATIN, HD_MTX, IFOSFAMIDE) if a in agents(regimen))
    return named or None


# FERT-01 (a): "alkylator- or cisplatin-containing chemotherapy (... ifosfamide- or cyclophosphamide-containing
# relapse regimens)": the agents it names.
_GONADOTOXIC_AGENTS = frozenset({CISPLATIN, IFOSFAMIDE, "cyclophosphamide"})


def gonadotoxic(regimen: str | None) -> bool | None:
    """Named by FERT-01 (a) or (b); a regimen in no row that names an agent FERT-01 (a) names (cisplatin,
    ifosfamide, cyclophosphamide) contains it: true; None when not recorded or PATHWAYS does not say."""
    if regimen is None:
        return None
    r = row(regimen)
    if r is not None:
        return r.gonadotoxic
    return True if _GONADOTOXIC_AGENTS & agents(regimen) else None


def cytotoxic(regimen: str | None) -> bool | None:
    """FIT-01 applies: every regimen but the targeted agents, including one in no row; None when not recorded."""
    if regimen is None:
        return None
    r = row(regimen)
    return True if r is None else r.cytotoxic
