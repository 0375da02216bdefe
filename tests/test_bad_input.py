"""Every kind of malformed patient file: exit 2, FILE:LINE:COL, never a traceback."""
from __future__ import annotations

import re

import pytest

from conftest import patient_text, run_cli

GOOD = patient_text()

CASES = {
    # name: (file content, expected line, expected text in the message)
    "yaml_syntax": ("id: t\nage: [50\nlesion: {levels: [L2]}\n", 3, "YAML syntax error"),
    "misspelt_key": (GOOD.replace("diagnosis:", "diagnosis:\n  hystology: chordoma").replace("  histology: unknown\n", ""),
                     None, "did you mean 'histology'"),
    "unknown_enum": (GOOD.replace("histology: unknown", "histology: chordomma"), 7, "did you mean 'chordoma'"),
    "out_of_range": (GOOD.replace("age: 50", "age: 130"), 2, "<= 120"),
    "duplicate_key": ("id: t\nage: 50\nage: 51\nlesion: {levels: [L2]}\ndiagnosis: {histology: unknown}\n", 3,
                      "duplicate key 'age'"),
    "python_tag": ("id: !!python/object/apply:os.system ['echo pwned']\nage: 50\n", 1, "not allowed"),
    "alias_bomb": ("a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                   "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n", 1, "alias"),
    "binary_garbage": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", 3, "binary"),  # NUL after 2 newlines
    "empty": ("", 1, "empty"),
    "list_not_mapping": ("- id: t\n- age: 50\n", 1, "expected a mapping"),
    "escc_unquoted": (GOOD.replace("levels:", "epidural: {escc: 2}\n  levels:"), 4, 'quoted'),
    "bad_subtype": (GOOD.replace("histology: unknown", "histology: chordoma\n  subtype: mesenchymal"), 8,
                    "not a subtype of chordoma"),
    "sins_disagrees": (GOOD.replace("levels:", "sins: {total: 5, location: junctional, pain: mechanical, bone_lesion: lytic,"
                                    " alignment: normal, collapse: none, posterolateral: none}\n  levels:"), 4, "add up to 8"),
    "missing_required": ("id: t\nage: 50\nlesion: {levels: [L2]}\n", 1, "missing required key 'diagnosis'"),
    "wrong_type": (GOOD.replace("age: 50", "age: fifty"), 2, "expected an integer"),
    "bad_treatment_kind": (GOOD + "history:\n  treatments:\n    - {kind: surgrey}\n", 10, "did you mean 'surgery'"),
    # Additions 2026-12: a treatment dated after the decision point is refused at its date.
    "treatment_after_as_of": ("as_of: 2012-03\n" + GOOD + "history:\n  treatments:\n    - {kind: surgery, date: 2011-02}\n"
                              "    - {kind: radiotherapy, date: 2012-04}\n", 12, "after as_of (2012-03)"),
    "misspelt_course_key": (GOOD + "course: {stauts: untreated}\n", 8, "did you mean 'status'"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_patient_file(name, write):
    content, line, text = CASES[name]
    path = write(f"{name}.yaml", content)
    r = run_cli("consult", str(path))
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    first = r.stderr.splitlines()[0]
    m = re.match(rf"^{re.escape(str(path))}:(\d+):(\d+): ", first)
    assert m, first
    if line is not None:
        assert int(m.group(1)) == line, first
    assert text in r.stderr, r.stderr


def test_sixty_megabyte_file_fails_fast(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        fh.write(b"id: t\nnotes: '")
        fh.truncate(60 * 1024 * 1024)
    r = run_cli("validate", str(path))
    assert r.returncode == 3 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"{path}: file is 62,914,560 bytes; expected at most 1,048,576 bytes (1 MiB)")


def test_validate_reports_every_file_and_passes_good_ones(write):
    good = write("good.yaml", GOOD)
    bad = write("bad.yaml", GOOD.replace("age: 50", "age: -1"))
    r = run_cli("validate", str(good), str(bad))
    assert r.returncode == 3  # done, but a file failed
    assert f"{good}: ok" in r.stdout
    assert f"{bad}:2:6:" in r.stderr


def test_missing_file_and_directory(tmp_path):
    r = run_cli("consult", str(tmp_path / "nope.yaml"))
    assert r.returncode == 2 and "No such file" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("consult", str(tmp_path))
    assert r.returncode == 2 and "is a directory" in r.stderr


def test_unknown_option_is_a_usage_error(write):
    r = run_cli("consult", str(write("p.yaml", GOOD)), "--format", "pdf")
    assert r.returncode == 2 and "Traceback" not in r.stderr


@pytest.mark.parametrize("sets, expected", [
    # NEWCOMER P12: the file loader's words, not pydantic's, at the --set that names the field
    (["performance.ecog=1", "age=250"], "--set:2:5: age: expected a number <= 120; got 250"),
    (["performance.ecog=1", "lesion.wbb.zones=13"], "--set:2:18: lesion.wbb.zones: expected a number <= 12; got 13"),
])
def test_whatif_range_errors_say_what_a_file_would_hear(sets, expected):
    from conftest import ROOT
    args = [a for s in sets for a in ("--set", s)]
    r = run_cli("whatif", str(ROOT / "examples/referral/cervical-chordoma-referral-letter.yaml"), *args)
    assert r.returncode == 2 and expected in r.stderr, r.stderr
    assert "Input should be" not in r.stderr


def test_whatif_takes_a_list_as_yaml_writes_it():
    from conftest import ROOT
    r = run_cli("whatif", str(ROOT / "examples/referral/cervical-chordoma-referral-letter.yaml"),
                "--set", "lesion.levels=[C3, C4]", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert '"C4"' in r.stdout
