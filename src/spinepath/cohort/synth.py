"""Synthetic patients for tests and benchmarks: plausible, valid `spinepath.patient/1` files.

Each patient comes from its own `random.Random(f"{seed}:{index}")`, so the same seed gives the
same bytes on every machine and Python version, and patient #i does not depend on how many were
asked for. Scenarios and histologies are assigned in rotation so that even a few dozen files cover
every decision point and histology; the anatomy is drawn so that the file stays self-consistent:
WBB zones decide the pedicles, layer D carries the ESCC grade, the vertebral artery appears only
at C1-C6, levels are contiguous except for the occasional skip lesion.
"""
from __future__ import annotations

from typing import Any

import random
from importlib import resources
from pathlib import Path

import yaml

from ..derive.sins import POINTS
from ..load.patient import LEVELS, SUBTYPES
from ..load.yaml_writer import lines as yaml_lines

# The generator's tables are data (synth_tables.yaml): scenarios, histology profiles, and which
# histologies make sense for a scenario. The code below only draws from them.
_TABLES = yaml.safe_load(resources.files(__package__).joinpath("synth_tables.yaml").read_text(encoding="utf-8"))
SCENARIOS: tuple[str, ...] = tuple(_TABLES["scenarios"])
PROFILES: dict[str, dict] = {h: {**p, "age": tuple(p["age"]), "size": tuple(p["size"])}
                             for h, p in _TABLES["profiles"].items()}
HISTOLOGIES = tuple(PROFILES)
MALIGNANT: tuple[str, ...] = tuple(_TABLES["malignant"])
BENIGN: tuple[str, ...] = tuple(_TABLES["benign"])
KNOWN = tuple(h for h in HISTOLOGIES if h != "unknown")
_GROUPS = {"@known": KNOWN, "@malignant": MALIGNANT}
SCENARIO_HISTOLOGIES: dict[str, tuple[str, ...]] = {
    scenario: tuple(h for item in items for h in _GROUPS.get(item, (item,)))
    for scenario, items in _TABLES["scenario_histologies"].items()}

# Where a lesion may start; the coccyx is reached only by a sacral lesion that extends into it.
REGION_LEVELS = {"cervical": LEVELS[0:7], "thoracic": LEVELS[7:19], "lumbar": LEVELS[19:24],
                 "sacral": LEVELS[24:29]}
LEFT_PEDICLE, RIGHT_PEDICLE = 4, 9
_ARCH_ROOM = {10: 6, 11: 5, 12: 4, 1: 3, 2: 2}  # posterior-arch zones left from each start, up to zone 3
# SINS location of each level (STAGING §4): junctional C0-C2, C7-T2, T11-L1, L5-S1.
_JUNCTIONAL = {"C1", "C2", "C7", "T1", "T2", "T11", "T12", "L1", "L5", "S1"}
_MOBILE = {"C3", "C4", "C5", "C6", "L2", "L3", "L4"}
_NO_VERTEBRAL_ARTERY = {"C7"}  # the artery enters the transverse foramen at C6


def _weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


# ------------------------------------------------------------------------------- anatomy

def _levels(rng: random.Random, histology: str, region: str) -> list[str]:
    pool = REGION_LEVELS[region]
    count = _weighted(rng, {1: 50, 2: 30, 3: 14, 4: 4, 5: 2})
    if region == "sacral" and histology in ("chordoma", "giant_cell_tumor", "ewing_sarcoma"):
        count = max(count, rng.randint(2, 4))  # sacral tumours usually span several segments
    start = LEVELS.index(rng.choice(pool))
    start = min(start, len(LEVELS) - count)
    levels = list(LEVELS[start:start + count])
    if _chance(rng, 0.04) and start + count + 2 < len(LEVELS):  # a skip lesion, Tomita type 7
        levels.append(LEVELS[start + count + rng.randint(1, 2)])
    return levels


def _arc(start: int, length: int) -> list[int]:
    return sorted({(start - 1 + k) % 12 + 1 for k in range(length)})


def _zones(rng: random.Random, site: str, extensive: bool) -> list[int]:
    if extensive:
        return _arc(rng.randint(1, 12), rng.randint(6, 12))
    if site == "any":
        site = rng.choice(("body", "arch", "lateral"))
    if site == "body":
        start = rng.randint(5, 8)
        length = rng.randint(1, 9 - start) if start < 8 else 1
        zones = _arc(start, length)
        next_to = [p for p, edge in ((LEFT_PEDICLE, 5), (RIGHT_PEDICLE, 8)) if edge in zones]
        if next_to and _chance(rng, 0.3):  # grows into the pedicle next to it
            zones = sorted(set(zones) | {rng.choice(next_to)})
        return zones
    if site == "arch":  # zones 10, 11, 12, 1, 2, 3 run across the midline
        start = rng.choice(tuple(_ARCH_ROOM))
        zones = _arc(start, rng.randint(1, min(4, _ARCH_ROOM[start])))
        if _chance(rng, 0.3) and (3 in zones or 10 in zones):  # into the pedicle next to it
            zones = sorted(set(zones) | {LEFT_PEDICLE if 3 in zones else RIGHT_PEDICLE})
        return zones
    side = rng.choice(((2, 3, 4, 5), (8, 9, 10, 11)))  # one pedicle and its neighbours
    start = rng.choice(side[:2])
    return _arc(start, rng.randint(2, 3))


def _pedicles(zones: list[int]) -> str:
    n = len({LEFT_PEDICLE, RIGHT_PEDICLE} & set(zones))
    return ("none", "unilateral", "bilateral")[n]


def _layers(rng: random.Random, histology: str, aggressive: bool, epidural: bool) -> list[str]:
    layers = set(rng.choice((["B"], ["C"], ["B", "C"], ["B", "C"])))
    if aggressive and _chance(rng, 0.65):
        layers.add("A")
    if epidural:
        layers.add("D")
        if aggressive and histology != "unknown" and _chance(rng, 0.03):
            layers.add("E")
    return sorted(layers)


def _vertebral_artery(rng: random.Random, levels: list[str], zones: list[int], layers: list[str]) -> str | None:
    if not any(lvl[0] == "C" and lvl != "Co" and lvl not in _NO_VERTEBRAL_ARTERY for lvl in levels):
        return None
    left = bool({3, 4} & set(zones))
    right = bool({9, 10} & set(zones))
    if "A" not in layers or not (left or right):
        return "none"
    if left and right:
        return rng.choice(("unilateral", "bilateral"))
    return rng.choice(("none", "unilateral"))


def _tomita(levels: list[str], zones: list[int], layers: list[str]) -> int:
    idx = sorted(LEVELS.index(lvl) for lvl in levels)
    if any(b - a > 1 for a, b in zip(idx, idx[1:])):
        return 7
    if len(levels) > 1:
        return 6
    if "A" in layers:
        return 5
    if "D" in layers:
        return 4
    z = set(zones)
    if z & {10, 11, 12, 1, 2, 3}:
        return 3
    return 2 if z & {LEFT_PEDICLE, RIGHT_PEDICLE} else 1


def _sins_location(levels: list[str]) -> str:
    def rank(lvl):
        if lvl in _JUNCTIONAL:
            return 3, "junctional"
        if lvl in _MOBILE:
            return 2, "mobile"
        if lvl[0] == "T":
            return 1, "semirigid"
        return 0, "rigid"
    return max(rank(lvl) for lvl in levels)[1]


def _sins(rng: random.Random, levels, zones, histology, pain, unstable: bool) -> dict:
    left = bool({3, 4} & set(zones))
    right = bool({9, 10} & set(zones))
    blastic = histology in ("osteoblastoma", "osteosarcoma", "osteoid_osteoma")
    sins = {
        "location": _sins_location(levels),
        "pain": {"mechanical": "mechanical", "non_mechanical": "occasional_non_mechanical"}.get(pain, "none"),
        "bone_lesion": rng.choice(("blastic", "mixed")) if blastic else _weighted(rng, {"lytic": 8, "mixed": 2}),
        "alignment": _weighted(rng, {"subluxation": 2, "de_novo_deformity": 4, "normal": 1}) if unstable
        else _weighted(rng, {"normal": 12, "de_novo_deformity": 1}),
        "collapse": _weighted(rng, {"over_50": 4, "under_50": 3, "none_over_50_involved": 1}) if unstable
        else _weighted(rng, {"none": 5, "none_over_50_involved": 3, "under_50": 2}),
        "posterolateral": "bilateral" if left and right else "unilateral" if left or right else "none",
    }
    form = _weighted(rng, {"components": 6, "components_and_total": 2, "total_only": 1, "partial": 2})
    total = sum(POINTS[k][v] for k, v in sins.items())
    if form == "components_and_total":
        sins["total"] = total
    elif form == "total_only":
        sins = {"total": total}
    elif form == "partial":
        for key in rng.sample(sorted(sins), rng.randint(2, 4)):
            del sins[key]
    return sins


# ------------------------------------------------------------------------------- clinic

def _age(rng: random.Random, histology: str, scenario: str) -> int:
    low, high = PROFILES[histology]["age"]
    if scenario == "paediatric":
        low, high = max(2, min(low, 14)), 17
    elif scenario == "unfit":
        low, high = max(low, 68), max(high, 88)
    elif low < 18 and histology not in ("ewing_sarcoma", "osteoid_osteoma", "aneurysmal_bone_cyst",
                                        "osteoblastoma", "osteosarcoma", "unknown"):
        low = 18
    return rng.randint(low, high)


def _performance(rng: random.Random, scenario: str, age: int) -> dict:
    if scenario == "unfit":
        kps = rng.choice((30, 40, 50, 60))
    else:
        kps = _weighted(rng, {100: 3, 90: 5, 80: 4, 70: 2, 60: 1})
    ecog = {100: 0, 90: 0, 80: 1, 70: 1, 60: 2, 50: 2, 40: 3, 30: 3}[kps]
    fit = kps >= 70 and (age < 80 or _chance(rng, 0.5)) if scenario != "unfit" else False
    perf = {"karnofsky": kps, "ecog": ecog, "fit_for_major_surgery": fit}
    if _chance(rng, 0.3):
        del perf[rng.choice(("karnofsky", "ecog"))]
    return perf


_ASIA = {"none": ("E",), "radiculopathy": ("E", "D"), "myelopathy": ("D", "C"), "motor_deficit": ("C", "D"),
         "plegia": ("A", "B")}


def _neurology(rng: random.Random, scenario: str, escc: str | None) -> dict:
    if scenario == "no_evidence_of_disease":
        return {"deficit": "none", "asia": "E"}
    if scenario == "emergency":
        deficit = rng.choice(("myelopathy", "motor_deficit", "plegia"))
        progression = "rapid" if _chance(rng, 0.8) else "progressive"
    elif escc in ("2", "3"):
        deficit = _weighted(rng, {"myelopathy": 3, "motor_deficit": 2, "radiculopathy": 2, "none": 1})
        progression = _weighted(rng, {"stable": 3, "progressive": 2})
    else:
        deficit = _weighted(rng, {"none": 6, "radiculopathy": 2, "myelopathy": 1})
        progression = "stable"
    neuro = {"deficit": deficit, "progression": progression, "asia": rng.choice(_ASIA[deficit])}
    if deficit == "none" and _chance(rng, 0.5):
        del neuro["progression"]
    return neuro


def _subtype_and_grade(rng: random.Random, histology: str) -> dict:
    subtypes = SUBTYPES[histology]
    out: dict = {}
    if subtypes and _chance(rng, 0.85):
        out["subtype"] = subtypes[0] if _chance(rng, 0.7) else rng.choice(subtypes)
    sub = out.get("subtype")
    if histology == "chondrosarcoma" and sub not in ("dedifferentiated", "mesenchymal"):
        out["grade"] = _weighted(rng, {1: 4, 2: 4, 3: 2})
    elif histology == "osteosarcoma":
        out["grade"] = 1 if sub in ("low_grade_central", "parosteal") else 2 if sub == "periosteal" else 3
    elif histology in ("leiomyosarcoma", "undifferentiated_pleomorphic_sarcoma", "other_sarcoma"):
        out["grade"] = _weighted(rng, {1: 1, 2: 2, 3: 3})
    if histology in BENIGN:
        if histology == "hemangioma":
            stage = {"typical": 1, "atypical": 2, "aggressive": 3}.get(str(sub), rng.choice((1, 1, 2, 3)))
        elif histology == "osteoid_osteoma":
            stage = 2
        else:
            stage = rng.choice((2, 3)) if histology != "aneurysmal_bone_cyst" else rng.choice((1, 2, 3))
        out["benign_stage"] = stage
    return out


def _biopsy(rng: random.Random, histology: str, scenario: str, operated: bool) -> dict | None:
    if scenario == "before_biopsy":
        return {"done": False} if _chance(rng, 0.8) else None
    if scenario == "inconclusive_biopsy":
        return {"done": True, "method": "ct_guided_core", "at_specialized_center": _chance(rng, 0.5)}
    if histology == "unknown":
        return {"done": False}
    method = "surgical_specimen" if operated and _chance(rng, 0.3) else \
        _weighted(rng, {"ct_guided_core": 8, "open_incisional": 2, "fine_needle": 1})
    return {"done": True, "method": method, "at_specialized_center": _chance(rng, 0.7)}


def _workup(rng: random.Random, scenario: str) -> list[str]:
    full = ["mri_whole_spine", "ct_local", "ct_chest", rng.choice(("pet_ct", "bone_scan"))]
    if scenario in ("after_en_bloc", "metastatic", "recurrence_after_intralesional") or _chance(rng, 0.4):
        return full
    return [x for x in full if _chance(rng, 0.5)]


class _Dates:
    """Chronological months for a treatment history."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.month = rng.randint(2014 * 12, 2023 * 12)

    def next(self, gap: tuple[int, int] = (1, 8)) -> str:
        self.month += self.rng.randint(*gap)
        return f"{self.month // 12}-{self.month % 12 + 1:02d}"


_INTRALESIONAL = ("intralesional", "subtotal", "gross_total_piecemeal", "decompression")
_CHEMO = {"osteosarcoma": "MAP", "ewing_sarcoma": "VDC_IE", "lymphoma": "R_CHOP"}
_RT_MODALITIES = ("photon_imrt", "proton", "carbon_ion", "photon_conventional", "sbrt")


def _radiotherapy(rng: random.Random, dates: _Dates) -> dict:
    modality = rng.choice(_RT_MODALITIES)
    dose = rng.choice((24, 27, 30)) if modality == "sbrt" else rng.choice((45, 50, 54, 60, 66, 70, 74))
    course = {"kind": "radiotherapy", "date": dates.next(), "modality": modality, "dose_gy": dose,
              "fractions": 3 if modality == "sbrt" else dose // 2}
    if _chance(rng, 0.15):
        del course["dose_gy"]  # an outside course whose dose was not reported
    return course


# The course scenarios and the state (course.status) each file records.
_COURSE_STATES = {"in_first_line": "in_first_line_treatment", "no_evidence_of_disease": "no_evidence_of_disease",
                  "local_recurrence_after_rt": "local_recurrence", "distant_relapse": "distant_relapse",
                  "residual_or_progressive": "residual_or_progressive"}


def _first_line(rng: random.Random, histology: str, dates: _Dates, completed: bool) -> dict:
    course = {"kind": "chemotherapy", "date": dates.next(), "regimen": _CHEMO[histology], "intent": "neoadjuvant",
              "line": 1, "completed": completed}
    if completed and _chance(rng, 0.5):
        course["response"] = rng.choice(("response", "stable"))
    return course


def _course_history(rng: random.Random, histology: str, scenario: str, levels: list[str], dates: _Dates) -> list:
    """A first-line history that leads to the scenario's state: chemotherapy under way; or first-line
    treatment done (chemotherapy where the histology has a first-line regimen, en bloc, radiotherapy where
    it was needed) and then no disease, a recurrence in the irradiated field, a distant relapse, or residual
    disease after an incomplete resection."""
    chemo = histology in _CHEMO and histology != "lymphoma"
    if scenario == "in_first_line":
        return [_first_line(rng, histology, dates, completed=False)]
    out = [_first_line(rng, histology, dates, completed=True)] if chemo else []
    if scenario == "residual_or_progressive":
        out.append({"kind": "surgery", "date": dates.next((2, 5)), "extent": rng.choice(("subtotal", "intralesional")),
                    "margin": "R2", "specialized_center": _chance(rng, 0.5), "levels": list(levels)})
        if _chance(rng, 0.5):
            out.append(_radiotherapy(rng, dates))
        return out
    out.append({"kind": "surgery", "date": dates.next((2, 5)), "extent": "wide_en_bloc",
                "margin": _weighted(rng, {"R0": 7, "R1": 3}) if scenario != "local_recurrence_after_rt" else "R1",
                "specialized_center": True, "levels": list(levels)})
    if scenario == "local_recurrence_after_rt" or (histology in ("chordoma", "chondrosarcoma") and _chance(rng, 0.5)):
        out.append(_radiotherapy(rng, dates))
    return out


def _history(rng: random.Random, histology: str, scenario: str, levels: list[str]) -> dict | None:
    dates = _Dates(rng)
    treatments: list[dict] = []
    history: dict = {}
    if scenario == "recurrence_after_intralesional":
        if histology == "giant_cell_tumor" and _chance(rng, 0.5):
            treatments.append({"kind": "denosumab", "date": dates.next()})
        if histology in ("aneurysmal_bone_cyst", "hemangioma", "giant_cell_tumor") and _chance(rng, 0.4):
            treatments.append({"kind": "embolization", "date": dates.next()})
        treatments.append({"kind": "surgery", "date": dates.next(),
                           "extent": rng.choice(_INTRALESIONAL),
                           "margin": rng.choice(("R1", "R2", "R2")),
                           "specialized_center": _chance(rng, 0.3),
                           "levels": sorted(rng.sample(levels, rng.randint(1, len(levels))), key=LEVELS.index)})
        if histology in MALIGNANT and _chance(rng, 0.5):
            treatments.append(_radiotherapy(rng, dates))
        history["local_recurrence"] = True
    elif scenario == "after_en_bloc":
        if histology in ("osteosarcoma", "ewing_sarcoma"):
            treatments.append({"kind": "chemotherapy", "date": dates.next(), "regimen": _CHEMO[histology],
                               "intent": "neoadjuvant"})
        if histology == "giant_cell_tumor" and _chance(rng, 0.4):
            treatments.append({"kind": "denosumab", "date": dates.next()})
        treatments.append({"kind": "surgery", "date": dates.next((2, 5)),
                           "extent": rng.choice(("wide_en_bloc", "marginal_en_bloc")),
                           "margin": _weighted(rng, {"R0": 6, "R1": 3}), "specialized_center": True,
                           "levels": list(levels)})
        history["local_recurrence"] = False
    elif scenario in _COURSE_STATES:
        treatments += _course_history(rng, histology, scenario, levels, dates)
        history["local_recurrence"] = scenario == "local_recurrence_after_rt"
    elif scenario == "metastatic" and _chance(rng, 0.4) and histology in _CHEMO:
        treatments.append({"kind": "chemotherapy", "date": dates.next(), "regimen": _CHEMO[histology],
                           "intent": "palliative"})
    elif histology == "osteoid_osteoma" and _chance(rng, 0.2):
        treatments.append({"kind": "ablation", "date": dates.next()})
        history["local_recurrence"] = True
    if treatments or _chance(rng, 0.8):
        history = {"treatments": treatments, **history}
    return history or None


def _metastases(rng: random.Random, histology: str, scenario: str) -> dict:
    if scenario == "distant_relapse":
        kind = _weighted(rng, {"solitary": 1, "multiple": 1})
        out = {"metastases": kind, "metastasis_sites": ["lung"] if kind == "solitary" or _chance(rng, 0.5)
               else ["lung", "bone"]}
        if _chance(rng, 0.7):  # resectability is a surgeon's judgement a letter may not state
            out["metastases_resectable"] = kind == "solitary" and _chance(rng, 0.7)
        return out
    if scenario in _COURSE_STATES:
        return {"metastases": "none"}
    if scenario == "metastatic":
        kind = rng.choice(("solitary", "multiple"))
        sites = ["lung"] if histology == "giant_cell_tumor" else \
            rng.sample(["lung", "bone", "liver", "lymph_node"], 1 if kind == "solitary" else rng.randint(2, 3))
        return {"metastases": kind, "metastasis_sites": sites}
    if histology == "unknown" and _chance(rng, 0.5):
        return {}
    return {"metastases": "none"}


# ------------------------------------------------------------------------------- assembly

def _scenario_and_histology(index: int) -> tuple[str, str]:
    scenario = SCENARIOS[(index - 1) % len(SCENARIOS)]
    options = SCENARIO_HISTOLOGIES.get(scenario, KNOWN)
    histology = options[((index - 1) // len(SCENARIOS)) % len(options)]
    return scenario, histology


def _lesion(rng: random.Random, histology: str, scenario: str, aggressive: bool) -> dict:
    profile = PROFILES[histology]
    levels = _levels(rng, histology, _weighted(rng, profile["regions"]))
    epidural = scenario == "emergency" or (aggressive and _chance(rng, 0.45)) or _chance(rng, 0.05)
    zones = _zones(rng, profile["site"], aggressive and _chance(rng, 0.2))
    layers = _layers(rng, histology, aggressive, epidural)
    lesion: dict = {"levels": levels, "wbb": {"zones": zones, "layers": layers}, "pedicles_involved": _pedicles(zones)}
    if _chance(rng, 0.6):
        lesion["tomita_type"] = _tomita(levels, zones, layers)
    artery = _vertebral_artery(rng, levels, zones, layers)
    if artery is not None:
        lesion["vertebral_artery"] = artery
    if "A" in layers and set(zones) & {5, 6, 7, 8} and any(lvl[0] in "TL" for lvl in levels):
        lesion["great_vessels_adherent"] = _chance(rng, 0.25)
    low, high = profile["size"]
    lesion["size_cm"] = round(rng.uniform(low, high), 1)
    if histology == "osteoid_osteoma" or _chance(rng, 0.1):
        lesion["distance_to_neural_mm"] = round(rng.uniform(0.5, 20), 1)
    if "D" in layers:
        escc = rng.choice(("2", "3")) if scenario == "emergency" else _weighted(
            rng, {"1a": 3, "1b": 3, "1c": 2, "2": 2, "3": 1})
        lesion["epidural"] = {"escc": escc}
        if escc in ("2", "3") and _chance(rng, 0.3):
            lesion["epidural"]["circumferential"] = True
    elif _chance(rng, 0.5):
        lesion["epidural"] = {"escc": "0"}
    return lesion


def _diagnosis(rng: random.Random, histology: str, scenario: str, operated: bool) -> dict:
    diagnosis: dict = {"histology": histology}
    if histology == "unknown":
        diagnosis["imaging_suspicion"] = _weighted(rng, {"malignant": 4, "indeterminate": 3, "benign": 2})
    else:
        diagnosis.update(_subtype_and_grade(rng, histology))
    if histology == "plasmacytoma":
        marrow = _weighted(rng, {"solitary": 6, "myeloma": 1, "not_done": 3})
        if marrow != "not_done":
            diagnosis["marrow_plasma_cells_percent"] = round(rng.uniform(0, 9.5), 1) if marrow == "solitary" \
                else float(rng.randint(10, 40))
    if scenario == "after_en_bloc" and histology in ("osteosarcoma", "ewing_sarcoma"):
        diagnosis["necrosis_percent"] = rng.choice((40, 60, 75, 90, 95, 99))
    biopsy = _biopsy(rng, histology, scenario, operated)
    if biopsy is not None:
        diagnosis["biopsy"] = biopsy
    return diagnosis


def _preferences(rng: random.Random, scenario: str) -> dict:
    preferences = {}
    if scenario == "declines_surgery":
        preferences["declines_surgery"] = True
    elif _chance(rng, 0.3):
        preferences["declines_surgery"] = False
    if _chance(rng, 0.5):
        preferences["accepts_root_sacrifice"] = _chance(rng, 0.6)
    return preferences


def patient_doc(seed: int, index: int, scenario: str | None = None, histology: str | None = None) -> tuple[str, dict]:
    """(scenario, patient document) for patient number `index` (from 1) of a seed; `scenario` and
    `histology` replace the rotation's (synth --histories), the draws are the same either way."""
    rng = random.Random(f"spinepath-synth:{seed}:{index}")
    rotation = _scenario_and_histology(index)
    scenario, histology = scenario or rotation[0], histology or rotation[1]
    age = _age(rng, histology, scenario)
    aggressive = histology in MALIGNANT or histology in ("unknown", "lymphoma", "plasmacytoma", "giant_cell_tumor",
                                                         "aneurysmal_bone_cyst", "osteoblastoma")
    lesion = _lesion(rng, histology, scenario, aggressive)
    if scenario == "no_evidence_of_disease":  # no tumour left: nothing in the canal, nothing pressing on the cord
        lesion.pop("epidural", None)
        lesion["wbb"]["layers"] = [x for x in lesion["wbb"]["layers"] if x not in ("D", "E")] or ["B"]
    pain = _weighted(rng, {"mechanical": 6, "non_mechanical": 2, "none": 1}) if scenario == "instability" else \
        _weighted(rng, {"non_mechanical": 5, "mechanical": 3, "none": 2})
    if _chance(rng, 0.75) or scenario == "instability":
        lesion["sins"] = _sins(rng, lesion["levels"], lesion["wbb"]["zones"], histology, pain, scenario == "instability")
    history = _history(rng, histology, scenario, lesion["levels"])
    operated = bool(history and any(t["kind"] == "surgery" for t in history.get("treatments", [])))
    diagnosis = _diagnosis(rng, histology, scenario, operated)
    escc = lesion.get("epidural", {}).get("escc")
    doc: dict = {"format": "spinepath.patient/1", "id": f"synth-{seed}-{index}", "age": age,
                 "sex": _weighted(rng, {"male": 10, "female": 10, "unknown": 1}),
                 "performance": _performance(rng, scenario, age),
                 "care_setting": {"specialized_center": _chance(rng, 0.6), "tumor_board_reviewed": _chance(rng, 0.4)},
                 "presentation": {"pain": pain, "neurology": _neurology(rng, scenario, escc)},
                 "lesion": lesion, "diagnosis": diagnosis,
                 "staging": {"workup_done": _workup(rng, scenario), **_metastases(rng, histology, scenario)}}
    if history is not None:
        doc["history"] = history
    if scenario in _COURSE_STATES:  # the decision point after the last treatment, and where it stands
        doc["as_of"] = _after(history)
        doc["course"] = {"status": _COURSE_STATES[scenario]}
    preferences = _preferences(rng, scenario)
    if preferences:
        doc["preferences"] = preferences
    _drop_some(rng, doc, 0.5 if scenario == "missing_data" else 0.06)
    return scenario, doc


def _after(history: dict | None) -> str:
    """A month after the last dated treatment (the history is in date order), or 2024-06 without one."""
    dates = [t["date"] for t in (history or {}).get("treatments", []) if "date" in t]
    if not dates:
        return "2024-06"
    year, month = map(int, dates[-1].split("-")[:2])
    month += 3
    return f"{year + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}"


# Keys that may be left out; dropping one makes the fact unknown, never invalid.
_OPTIONAL = (
    ("sex",), ("performance",), ("care_setting",), ("presentation",), ("staging",), ("history",),
    ("preferences",), ("presentation", "neurology"), ("presentation", "pain"), ("lesion", "wbb"),
    ("lesion", "wbb", "zones"), ("lesion", "wbb", "layers"), ("lesion", "pedicles_involved"),
    ("lesion", "tomita_type"), ("lesion", "sins"), ("lesion", "epidural"), ("lesion", "size_cm"),
    ("lesion", "vertebral_artery"), ("diagnosis", "grade"), ("diagnosis", "subtype"),
    ("diagnosis", "biopsy"), ("staging", "workup_done"), ("staging", "metastases"),
    ("care_setting", "specialized_center"), ("performance", "fit_for_major_surgery"),
)


def _drop_some(rng: random.Random, doc: dict, p: float) -> None:
    for path in _OPTIONAL:
        if not _chance(rng, p):
            continue
        parent: Any = doc
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
    if "metastases" not in doc.get("staging", {"metastases": 1}):
        doc["staging"].pop("metastasis_sites", None)
    for key in ("lesion", "presentation", "staging", "performance", "care_setting"):
        _prune_empty(doc, key)


def _prune_empty(doc: dict, key: str) -> None:
    value = doc.get(key)
    if isinstance(value, dict):
        for sub in list(value):
            if value[sub] == {}:
                del value[sub]
        if not value and key != "lesion":
            del doc[key]


# ------------------------------------------------------------------------------- YAML text

def patient_text(seed: int, index: int, histories: bool = False) -> str:
    if histories:
        doc, truth = history_doc(seed, index)
        header = [f"# Synthetic patient generated by `spinepath synth --histories` (seed {seed}, #{index}): not a "
                  "real person.", f"# Followed through first-line treatment; histology: {doc['diagnosis']['histology']}.",
                  "# What the audit should find (docs/audit.md): " + truth_text(truth) + "."]
        return "\n".join(header + yaml_lines(doc)) + "\n"
    scenario, doc = patient_doc(seed, index)
    header = [f"# Synthetic patient generated by `spinepath synth` (seed {seed}, #{index}): not a real person.",
              f"# Scenario: {scenario.replace('_', ' ')}; histology: {doc['diagnosis']['histology']}."]
    return "\n".join(header + yaml_lines(doc)) + "\n"


def file_name(index: int, count: int) -> str:
    return f"synth-{index:0{max(5, len(str(count)))}d}.yaml"


def write(count: int, out_dir: str | Path, seed: int = 0, histories: bool = False) -> list[Path]:
    """Write `count` patients into out_dir (created if needed); returns the paths in order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(1, count + 1):
        path = out / file_name(index, count)
        path.write_text(patient_text(seed, index, histories), encoding="utf-8")
        paths.append(path)
    return paths


# ------------------------------------------------------------------------------- histories (synth --histories)

# Malignant primaries only: each needs an en bloc margin (GEN-06), so whether the first resection was
# Enneking-appropriate is known from its extent and margin alone. Those given adjuvant radiotherapy after a
# margin that is not R0 are the radioresistant sarcomas of RT-01; osteosarcoma and Ewing get chemotherapy first.
_RT_AFTER_R1 = ("chordoma", "chondrosarcoma", "leiomyosarcoma", "undifferentiated_pleomorphic_sarcoma", "other_sarcoma")
# Adequate and clearly inadequate adjuvant doses: every min_dose_gy in the rules lies between the two
# (34-74 Gy), so the generator knows the answer whatever rule sets the minimum.
ADEQUATE_GY, LOW_GY = 76, 30


def _day(start, days: int) -> str:
    import datetime
    return (start + datetime.timedelta(days=days)).isoformat()


def history_doc(seed: int, index: int) -> tuple[dict, dict]:
    """A patient followed from the first board through first-line treatment, with the values the audit must
    find (`truth`): per patient, biopsy before resection, first surgery at a specialised centre, board
    before the first treatment, Enneking-appropriate first resection; per en bloc resection its R0; per
    radiotherapy whether its dose is adequate; per decided intervention whether it was carried out. Some
    patients depart from the plan: no board before the first treatment, an intralesional operation after
    an en bloc decision, adjuvant radiotherapy declined (with a CDS Hooks reason) or never given."""
    import datetime
    histology = MALIGNANT[(index - 1) % len(MALIGNANT)]
    _, doc = patient_doc(seed, index, scenario="new_diagnosis", histology=histology)
    rng = random.Random(f"spinepath-synth-history:{seed}:{index}")
    start = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randint(0, 1500))
    chemo = histology in ("osteosarcoma", "ewing_sarcoma")
    biopsy_first = _chance(rng, 0.85)
    board_first = _chance(rng, 0.8)
    en_bloc = _chance(rng, 0.85)
    r0 = en_bloc and _chance(rng, 0.7)
    specialised = _chance(rng, 0.8)
    doc["diagnosis"]["biopsy"] = ({"done": True, "method": "ct_guided_core", "at_specialized_center": specialised}
                                  if biopsy_first else {"done": True, "method": "surgical_specimen"})
    treatments: list[dict] = []
    decisions: list[dict] = []
    truth: dict = {"biopsy_before_resection": biopsy_first, "specialised_first_surgery": specialised,
                   "board_before_first_treatment": board_first, "enneking_appropriate_first_surgery": r0,
                   "r0_en_bloc": [], "rt_dose_adequate": [], "decisions_implemented": []}
    surgery_day = 90 if chemo else 30
    first_decided: list[dict] = []
    if chemo:
        treatments.append({"kind": "chemotherapy", "date": _day(start, 14), "regimen": _CHEMO[histology],
                           "intent": "neoadjuvant", "line": 1, "completed": True})
        if board_first:
            first_decided.append({"code": "neoadjuvant_chemotherapy"})
            truth["decisions_implemented"].append(True)
    if board_first or chemo:  # without a board first, a chemotherapy patient's board meets during chemotherapy
        first_decided.append({"code": "en_bloc_resection"})
        truth["decisions_implemented"].append(en_bloc)
        decisions.append({"date": _day(start, 0 if board_first else 30), "interventions": first_decided,
                          "responsible": "spine_surgery", "due": _day(start, surgery_day + 30)})
    surgery = {"kind": "surgery", "date": _day(start, surgery_day),
               "extent": rng.choice(("wide_en_bloc", "marginal_en_bloc")) if en_bloc else "intralesional",
               "margin": "R0" if r0 else "R1" if en_bloc else "R2", "specialized_center": specialised,
               "levels": list(doc["lesion"]["levels"])}
    treatments.append(surgery)
    if en_bloc:
        truth["r0_en_bloc"].append(r0)
    after_surgery = surgery_day + 21
    if chemo:
        decisions.append({"date": _day(start, after_surgery), "interventions": [{"code": "adjuvant_chemotherapy"}],
                          "responsible": "paediatric_oncology" if doc["age"] < 18 else "medical_oncology",
                          "due": _day(start, after_surgery + 30)})
        treatments.append({"kind": "chemotherapy", "date": _day(start, after_surgery + 14),
                           "regimen": _CHEMO[histology], "intent": "adjuvant", "line": 1, "completed": True})
        truth["decisions_implemented"].append(True)
    elif not r0 and histology in _RT_AFTER_R1:
        plan = _weighted(rng, {"given": 6, "low_dose": 2, "declined": 1, "not_given": 1})
        if plan == "declined":
            decisions.append({"date": _day(start, after_surgery), "interventions": [],
                              "not_followed": [{"intervention": "adjuvant_radiotherapy", "reason": "patient-refuses",
                                                "text": "declines further treatment for now"}]})
        else:
            decisions.append({"date": _day(start, after_surgery), "interventions": [{"code": "adjuvant_radiotherapy"}],
                              "responsible": "radiation_oncology", "due": _day(start, after_surgery + 60)})
            truth["decisions_implemented"].append(plan != "not_given")
        if plan in ("given", "low_dose"):
            dose = ADEQUATE_GY if plan == "given" else LOW_GY
            treatments.append({"kind": "radiotherapy", "date": _day(start, after_surgery + 35),
                               "modality": "proton" if plan == "given" else "photon_imrt", "dose_gy": dose,
                               "fractions": dose // 2 if plan == "given" else 10, "levels": list(doc["lesion"]["levels"])})
            truth["rt_dose_adequate"].append(plan == "given")
    last = max(t["date"] for t in treatments + decisions)
    doc["history"] = {"treatments": treatments, "local_recurrence": False}
    doc["as_of"] = _day(datetime.date.fromisoformat(last), 30)
    doc.pop("course", None)
    if decisions:
        doc["board"] = {"decisions": decisions}
    return doc, truth


def truth_text(truth: dict) -> str:
    def said(v) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(said(x) for x in v) + "]"
        return "yes" if v else "no"
    return "; ".join(f"{k} {said(v)}" for k, v in truth.items())
