"""Errors that never mislead: a suggestion only for a likely slip, the allowed values otherwise, what
YAML made of an unquoted word, syntax errors in words, rule ids in any capitals.

Each row is a defect a new user met (issue 11): the message that misled, and what it says now.
"""
from __future__ import annotations

import pytest

from conftest import ROOT, run_cli
from spinepath.load.diagnostics import edit_distance, likely_typo

GOOD = "id: t\nage: 50\nlesion: {levels: [T3]}\ndiagnosis: {histology: chordoma}\n"


@pytest.mark.parametrize("typed, choices, expected", [
    ("surgrey", ["surgery", "radiotherapy"], "surgery"),      # two letters swapped
    ("margn", ["margin", "extent"], "margin"),                # one letter left out
    ("fractons", ["fractions", "dose_gy"], "fractions"),
    ("chordom", ["chordoma", "chondrosarcoma"], "chordoma"),
    ("cs-05a", ["CS-05a", "RT-05a"], "CS-05a"),               # other capitals
    ("total", ["subtotal", "intralesional"], None),           # another meaning, three letters away
    ("T13", ["T3", "T12", "L1"], None),                       # another number
    ("C8", ["C7", "T1"], None),
    ("L6", ["L5", "S1"], None),
    ("xyz", ["extent", "margin"], None),
])
def test_a_suggestion_only_for_a_likely_slip(typed, choices, expected):
    assert likely_typo(typed, choices) == expected


@pytest.mark.parametrize("a, b, d", [("", "", 0), ("abc", "abc", 0), ("abc", "acb", 1), ("total", "subtotal", 3),
                                     ("margn", "margin", 1), ("kitten", "sitting", 3)])
def test_edit_distance(a, b, d):
    assert edit_distance(a, b) == d


CASES = {
    # name: (text to add or replace, what must be said, what must not be said)
    "total_is_not_subtotal": (GOOD + "history:\n  treatments:\n    - {kind: surgery, extent: total}\n",
                              ["expected one of 'decompression'", "got 'total'"], ["subtotal'?"]),
    "t13_is_not_t3": (GOOD.replace("[T3]", "[T13]"), ["expected a level C1–C7, T1–T12, L1–L5, S1–S5 or Co",
                                                     "got 'T13'"], ["did you mean"]),
    "misspelt_surgery_key": (GOOD + "history:\n  treatments:\n    - {kind: surgery, margn: R0}\n",
                             ["unknown key 'margn' (did you mean 'margin'?)"], ["kind, date"]),
    "misspelt_radiotherapy_key": (GOOD + "history:\n  treatments:\n    - {kind: radiotherapy, fractons: 30}\n",
                                  ["did you mean 'fractions'?"], ["kind, date"]),
    "unknown_surgery_key_lists_the_surgery_keys": (
        GOOD + "history:\n  treatments:\n    - {kind: surgery, surgeon: X}\n",
        ["valid keys for a surgery in history.treatments:", "extent", "margin"], []),
    "yaml_no_is_false": (GOOD + "staging: {metastases: no}\n",
                         ["got False", "YAML reads the unquoted no as false", 'write it in quotes: "no"'], []),
    "yaml_on_is_true": (GOOD + "notes: on\n", ["YAML reads the unquoted on as true"], []),
    "yaml_number": (GOOD.replace("[T3]}", "[T3], epidural: {escc: .5}}"), ["YAML reads the unquoted .5 as the number 0.5"], []),
    "tab": (GOOD.replace("lesion:", "\tlesion:"), ["a tab character: YAML indents with spaces only"], []),
    "colon_in_text": (GOOD + "notes: pain: worse at night\n", ["put text that contains ': ' in quotes"], []),
    "unclosed_bracket": (GOOD.replace("[T3]}", "[T3}"), ["is not closed"], []),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_message_says_what_to_fix(name, write):
    text, said, not_said = CASES[name]
    path = write(f"{name}.yaml", text)
    r = run_cli("validate", str(path))
    assert r.returncode == 3 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith(f"{path}:"), r.stderr  # FILE:LINE:COL first
    for text_ in said:
        assert text_ in r.stderr, r.stderr
    for text_ in not_said:
        assert text_ not in r.stderr, r.stderr


def test_rule_ids_in_any_capitals():
    patient = ROOT / "examples" / "seeds" / "cervical-chondrosarcoma-recurrence.yaml"
    r = run_cli("explain", str(patient), "cs-05a")
    assert r.returncode == 0 and r.stdout.startswith("CS-05a"), r.stderr
    r = run_cli("explain", str(patient), "cs-5a")
    assert r.returncode == 2 and "no rule 'cs-5a'" in r.stderr
