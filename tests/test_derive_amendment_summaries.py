"""The regimen table of the amendment's encoding spec (§2.2), column by column."""
from __future__ import annotations

import pytest

from spinepath.derive import regimens

# ------------------------------------------------------------------ §2.2 the regimen table

@pytest.mark.parametrize("regimen, anthracycline, renal, gonadotoxic, cytotoxic", [
    ("MAP", True, ("cisplatin", "high_dose_methotrexate"), True, True),
    ("MAPIE", True, ("ifosfamide",), True, True),             # FIT-03 names MAPIE only under ifosfamide
    ("VDC/IE", True, ("ifosfamide",), True, True),
    ("VIDE", True, (), True, True),                           # FIT-03 does not list it (O-11): nothing added
    ("doxorubicin–cisplatin", True, ("cisplatin",), True, True),
    ("EURO-B.O.S.S.", True, ("cisplatin", "ifosfamide"), True, True),
    ("R-CHOP", True, (), True, True),
    ("osteosarcoma_type", True, (), True, True),
    ("IE", False, ("ifosfamide",), True, True),
    ("high_dose_ifosfamide", False, ("ifosfamide",), True, True),
    ("ifosfamide_etoposide", False, ("ifosfamide",), True, True),
    ("gemcitabine_docetaxel", False, (), False, True),
    ("topotecan_cyclophosphamide", False, (), True, True),
    ("irinotecan_temozolomide", False, (), False, True),
    ("vincristine_irinotecan_temozolomide", False, (), False, True),
    ("cyclophosphamide_etoposide", False, (), True, True),
    ("BuMel", False, (), True, True),
    ("regorafenib", False, (), False, False), ("cabozantinib", False, (), False, False),
    ("sorafenib", False, (), False, False), ("sorafenib_everolimus", False, (), False, False),
    ("imatinib", False, (), False, False), ("ivosidenib", False, (), False, False),
    ("per_sarcoma_mdt", regimens.UNLISTED, None, None, True),  # PATHWAYS says nothing of its agents
    ("per_haematology", regimens.UNLISTED, None, None, True),
    ("per_histiocytosis_protocol", regimens.UNLISTED, None, None, True),
    ("molecularly_targeted_or_clinical_trial", regimens.UNLISTED, (), False, False),  # a rule value
    ("doxorubicin", regimens.UNLISTED, None, None, True),      # any other string: unknown, cytotoxic
    (None, None, None, None, None),
])
def test_the_regimen_table_column_by_column(regimen, anthracycline, renal, gonadotoxic, cytotoxic):
    assert regimens.anthracycline(regimen) == anthracycline
    assert regimens.renal_agents(regimen) == renal
    assert regimens.gonadotoxic(regimen) is gonadotoxic
    assert regimens.cytotoxic(regimen) is cytotoxic


def test_a_rule_value_of_the_table_is_not_a_terminology_regimen():
    # PATHWAYS: a *recorded* regimen in neither terminology list makes the anthracycline values unknown;
    # the table's `no` for molecularly_targeted_or_clinical_trial is for the rules that write it
    assert regimens.row("molecularly_targeted_or_clinical_trial").anthracycline is False
    assert regimens.contains_anthracycline("molecularly_targeted_or_clinical_trial") is None
