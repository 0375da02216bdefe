"""The intervention catalogue: the codes of OUTPUT.md, plus additions from rules/interventions.yaml."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import yaml

PHASES = ("diagnosis", "urgent", "neoadjuvant", "local_control", "adjuvant", "systemic", "surveillance",
          "supportive")
STRENGTHS = ("recommended", "consider", "avoid")
# Phases that treat the tumour or the patient's cord; a question that changes one of them ranks first.
TREATMENT_PHASES = ("urgent", "neoadjuvant", "local_control", "adjuvant", "systemic")


@dataclass(frozen=True)
class Intervention:
    code: str
    phases: tuple[str, ...]
    details: tuple[str, ...]
    meaning: str = ""
    enters_tumor: bool = False  # a resection or a procedure through the tumour: never before histology


# Additions 2026-12 (OUTPUT.md "New details keys on existing codes", PATHWAYS Appendix 3; encoding spec §2.1):
# `setting` (staging: baseline, restaging, lch_extent; chemotherapy and systemic therapy: continuation, relapse;
# radiotherapy: relapse, REL-04), `line`, `board`, `through_lesion` (MECH-01: a stabilisation outside the lesion is
# not a procedure through the tumour), `timing`, `dose_range`, `prescription`, `schedule`, `starts`, `exposures`.
# Not named by OUTPUT.md, proposed by the encoding spec (its open point O-4, additive): `duration` (GCT-04),
# `schedule` on the radiotherapy codes (CH-03), `dose_unit` (Gy or Gy(RBE)) and `residual` (microscopic, gross,
# none, unresected), because OUTPUT.md asks that doses say their unit and the disease they are for.
_DOSE = ("dose_range", "prescription", "schedule", "dose_unit", "residual")
_CHEMO = ("regimen", "setting", "line")
_CONTRACT = [
    ("staging_workup", ("diagnosis",), ("investigations", "setting")),
    ("image_guided_core_biopsy", ("diagnosis",), ()),
    ("refer_specialized_center", ("diagnosis",), ()),
    ("multidisciplinary_tumor_board", ("diagnosis",), ("board",)),
    ("myeloma_workup", ("diagnosis",), ()),
    ("urgent_decompression", ("urgent",), ()),
    ("corticosteroids", ("urgent",), ()),
    ("spinal_stabilization", ("local_control",), ("through_lesion",)),
    ("en_bloc_resection", ("local_control",), ("technique", "setting", "target_margin")),
    ("intralesional_curettage", ("local_control",), ("adjuvants", "timing")),
    ("separation_surgery", ("local_control",), ()),
    ("radiofrequency_ablation", ("local_control",), ()),
    ("vertebroplasty", ("local_control",), ()),
    ("selective_arterial_embolization", ("neoadjuvant", "local_control"), ()),
    ("neoadjuvant_chemotherapy", ("neoadjuvant",), _CHEMO),
    ("denosumab", ("neoadjuvant", "systemic"), ("setting", "timing", "duration")),
    ("neoadjuvant_radiotherapy", ("neoadjuvant",), ("dose_gy", "modality", "timing") + _DOSE),
    ("definitive_radiotherapy", ("local_control",), ("min_dose_gy", "modality", "setting") + _DOSE),
    ("adjuvant_radiotherapy", ("adjuvant",), ("min_dose_gy", "modality", "setting", "timing") + _DOSE),
    ("adjuvant_chemotherapy", ("adjuvant",), _CHEMO),
    ("systemic_therapy", ("systemic",), _CHEMO),
    ("nsaid_trial", ("local_control",), ()),
    ("observation", ("surveillance",), ()),
    ("surveillance_imaging", ("surveillance",), ("schedule", "starts")),
    ("palliative_care", ("supportive",), ("setting",)),
]
# Every code, of OUTPUT.md and of rules/interventions.yaml, also takes these (2026-12): `strategy_group` marks
# entries that are alternatives to each other, not a sequence; `note` is free text shown with the entry.
EVERY_CODE = ("strategy_group", "note")

# Interventions that cut into or through a tumour: never before a tissue diagnosis (GEN-05).
_ENTERS_TUMOR = frozenset({"en_bloc_resection", "intralesional_curettage", "separation_surgery",
                           "vertebroplasty", "radiofrequency_ablation", "spinal_stabilization"})

CONTRACT: dict[str, Intervention] = {c: Intervention(c, p, d + EVERY_CODE, "", c in _ENTERS_TUMOR)
                                     for c, p, d in _CONTRACT}

# How a clinician says each code (British spelling in prose; the codes keep OUTPUT.md's spelling).
_SAID = {
    "staging_workup": "staging work-up", "image_guided_core_biopsy": "image-guided core biopsy",
    "refer_specialized_center": "referral to a specialised centre",
    "multidisciplinary_tumor_board": "multidisciplinary tumour board", "myeloma_workup": "myeloma work-up",
    "spinal_stabilization": "spinal stabilisation", "selective_arterial_embolization": "selective arterial embolisation",
    "nsaid_trial": "NSAID trial", "survivorship_follow_up": "survivorship follow-up",
    "percutaneous_ethanol_injection": "percutaneous ethanol injection",
    # Regimens as their protocols spell them (the codes drop the slash and dots: derive/regimens.py).
    "VDC_IE": "VDC/IE", "EURO_BOSS": "EURO-B.O.S.S.", "R_CHOP": "R-CHOP",
    # Staging studies (staging.workup_done) as a request form names them.
    "mri_whole_spine": "whole-spine MRI", "mri_local": "MRI of the segment", "ct_local": "CT of the segment",
    "ct_chest": "chest CT", "ct_abdomen_pelvis": "CT of abdomen and pelvis", "pet_ct": "PET-CT",
    "whole_body": "whole-body staging", "bone_scan": "bone scan",
    # Histologies named after a person keep the capital (NEWCOMER-2026-12 P11: "19 y male · ewing sarcoma T8").
    "ewing_sarcoma": "Ewing sarcoma", "langerhans_cell_histiocytosis": "Langerhans cell histiocytosis",
}
_BRITISH = (("tumor", "tumour"), ("specialized", "specialised"), ("center", "centre"), ("stabilization", "stabilisation"),
            ("embolization", "embolisation"))


def said(code: str) -> str:
    """An intervention, phase or strength code in words, e.g. multidisciplinary_tumor_board ->
    'multidisciplinary tumour board'."""
    if code in _SAID:
        return _SAID[code]
    text = code.replace("_", " ")
    for us, uk in _BRITISH:
        text = text.replace(us, uk)
    return text


@functools.lru_cache(maxsize=1)
def installed_codes() -> frozenset[str]:
    """Every intervention code of the installed knowledge base: OUTPUT.md's and those of its
    rules/interventions.yaml. What a patient file may name (board.decisions); a rules folder given with
    --rules may add codes that a decision then cannot name until they are installed."""
    extra = resources.files("spinepath") / "rules" / "interventions.yaml"
    data = yaml.safe_load(extra.read_text(encoding="utf-8")) if extra.is_file() else None
    return frozenset(CONTRACT) | frozenset((data or {}).get("interventions") or {})
