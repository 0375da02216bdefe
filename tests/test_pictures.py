"""The brief's pictures: WBB axial diagram, spine levels, treatment timeline (render/ modules), read back
from the SVG they write."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import (CHROMIUM, EXAMPLES, ROOT, chromium, consult_of_files, example_result, patient_text, png_pixels,
                      run_cli)
from spinepath.board import brief_html, brief_md, pack
from spinepath.board.brief import build, pictures
from spinepath.explain.consult import consult
from spinepath.load.diagnostics import InputError
from spinepath.load.patient import Surgery, load_patient, parse_patient
from spinepath.render import spine_levels, treatment_timeline, wbb_diagram

DATE = "2026-12-10"
SEEDS = ROOT / "examples" / "seeds"


def _ids(svg: str, kind: str, cls: str) -> set[str]:
    """The suffixes of the ids of `kind` elements that carry class `cls`."""
    out = set()
    for tag in re.findall(r"<[^>]+>", svg):
        m = re.search(rf'id="[^"]*-{kind}-([^"]+)"', tag)
        if m and re.search(rf'class="[^"]*\b{cls}\b', tag):
            out.add(m.group(1))
    return out


def _brief(path) -> tuple[str, object]:
    result = example_result(path)
    return brief_html.render(build(result, DATE)), result.patient


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_brief_draws_three_pictures_and_shades_exactly_the_recorded_zones(path):
    html, patient = _brief(path)
    for cls in ("wbb", "levels", "timeline"):
        assert html.count('<svg viewBox="0 0 ') >= 3 and f'class="{cls}"' in html, cls
    wbb = patient.lesion.wbb
    zones = None if wbb is None else wbb.zones
    assert _ids(html, "zone", "involved") == {str(z) for z in zones or ()}
    # Below S2 WBB does not apply (derived.below_s2): the sacrum is drawn by level, never a vertebra.
    sacral = example_result(path).value("below_s2") is True
    assert ("zones not recorded" in html) == (zones is None and not sacral)
    assert ("-sacrum-" in html) == sacral and ("-pedicle-" not in html) == sacral
    assert _ids(html, "tumour", "marked") == set(patient.lesion.levels)
    assert ("schematic, from the recorded levels" if sacral else "schematic; from the recorded zones, not from images") in html


def test_shaded_cells_are_the_recorded_zones_crossed_with_the_recorded_layers():
    svg = wbb_diagram.draw([9, 10], ["A", "D"], "unilateral", "unilateral", True, None, "t")
    assert _ids(svg, "cell", "involved") == {"9A", "10A", "9D", "10D"}
    assert _ids(wbb_diagram.draw([9, 10], None, None, None, False, None, "t"), "cell", "involved") == set()


@pytest.mark.parametrize("technique, zones, pedicles, lines", [
    ("posterior_arch_resection", [10, 11, 12, 1, 2, 3], "none", ("pedicle-4", "pedicle-9")),
    ("posterior_arch_resection", [12, 1], None, ("pedicle-4", "pedicle-9")),
    ("vertebrectomy", [4, 5, 6, 7, 8], "unilateral", ("pedicle-9",)),   # through the free pedicle
    ("vertebrectomy", [5, 6, 7, 8, 9], "unilateral", ("pedicle-4",)),
    ("vertebrectomy", [5, 6, 7, 8], "none", ("pedicle-4", "pedicle-9")),
    ("sagittal_resection", [3, 4, 5], "unilateral", ("sagittal-9",)),   # the plane on the uninvolved side
    ("sagittal_resection", [8, 9, 10], "unilateral", ("sagittal-4",)),
    ("sagittal_resection", [6, 7, 8, 9, 10], "unilateral", ("sagittal-4",)),  # extended rule, STAGING §2.4
    ("sagittal_resection", [2, 3, 4, 5, 6, 7, 8], "unilateral", ("sagittal-9",)),
    ("sagittal_resection", [6, 7], "unilateral", ()),  # the zones do not say which side: no line
    (None, [5, 6, 7, 8], "none", ()),
    ("vertebrectomy", None, "none", ()),
])
def test_osteotomy_lines_follow_the_derived_technique(technique, zones, pedicles, lines):
    assert wbb_diagram.osteotomy_lines(technique, zones, pedicles) == lines
    svg = wbb_diagram.draw(zones, ["B", "C"], pedicles, None, False, technique, "t")
    assert set(re.findall(r'id="t-osteotomy-([^"]+)"', svg)) == set(lines)


@pytest.mark.parametrize("zones, pedicles, state", [
    ([9, 10], "unilateral", {4: "free", 9: "involved"}),
    ([3, 4], "unilateral", {4: "involved", 9: "free"}),
    ([5, 6, 7], "unilateral", {4: "unknown", 9: "unknown"}),  # the side is not in the zones
    ([4, 9], "bilateral", {4: "involved", 9: "involved"}),
    ([6], "none", {4: "free", 9: "free"}),
    ([6], None, {4: "unknown", 9: "unknown"}),
])
def test_pedicles_are_marked_from_the_record(zones, pedicles, state):
    assert wbb_diagram.pedicle_state(zones, pedicles) == state
    svg = wbb_diagram.draw(zones, None, pedicles, None, False, None, "t")
    assert state == {z: re.search(rf'id="t-pedicle-{z}" class="pedicle (\w+)"', svg)[1]
                                                for z in (4, 9)}


def test_the_vertebral_artery_foramina_are_drawn_at_cervical_levels_only():
    cervical = _brief(SEEDS / "cervical-chondrosarcoma-recurrence.yaml")[0]
    thoracic = _brief(ROOT / "examples/histology/osteoblastoma-thoracic-aggressive.yaml")[0]
    assert 'id="b-wbb-va-4"' in cervical and 'id="b-wbb-va-9"' in cervical
    assert "-va-" not in thoracic and "vertebral-artery foramen" not in thoracic


def _patient(**overrides):
    return parse_patient(patient_text(**overrides), "p.yaml")


def test_skip_lesions_operated_and_irradiated_levels_are_drawn_apart():
    levels, operated, irradiated = ["T4", "T5", "T9"], [("2020-01", ["T4", "T5"]), ("2021", None)], [("2022", ["T9"])]
    svg = spine_levels.draw(levels, operated, irradiated, "s")
    assert _ids(svg, "tumour", "marked") == {"T4", "T5", "T9"}
    assert _ids(svg, "operated", "marked") == {"T4", "T5"}
    assert _ids(svg, "irradiated", "marked") == {"T9"}
    assert re.findall(r'id="s-group-(\d)"', svg) == ["1", "2"] and "2 skip" in svg
    words = spine_levels.caption(levels, operated, irradiated)
    assert "Tumour: T4–T5, T9 (2 separate groups: skip lesions)." in words
    assert "Operated: T4–T5 (2020-01); levels not recorded (2021)." in words
    one = spine_levels.draw(["C5", "C6"], [], [("2011-05", None)], "s")
    assert "group" not in one and "radiotherapy 2011-05: levels not recorded" in one
    assert "treatment history not given" in spine_levels.draw(["L2"], None, None, "s")


def test_radiotherapy_levels_are_read_from_the_patient_file():
    """An addition to PATIENT.md: a radiotherapy course may name its levels, as a surgery does."""
    p = _patient(history={"treatments": [{"kind": "radiotherapy", "date": "2019", "dose_gy": 60, "levels": ["L2"]}]})
    result = consult(p)
    assert pictures(result, DATE).levels.irradiated == [("2019", ["L2"])]
    with pytest.raises(InputError) as bad:
        _patient(history={"treatments": [{"kind": "radiotherapy", "levels": ["L9"]}]})
    assert "p.yaml:" in str(bad.value.diagnostics[0]) and "L1–L5" in str(bad.value.diagnostics[0])


@pytest.mark.parametrize("dates, expected", [
    (["2011", "2010-05", "2012"], [1, 0, 2]),
    (["2011-02", None, "2011-05"], [0, 2, 1]),  # an undated entry is drawn as undated, after the dated ones
    (["2016-03", "2016", None], [0, 1, 2]),  # NEWCOMER P3: 2016 is not before 2016-03, the file's order stands
    (["2027-01", "2020-01"], [1, 0]),  # NEWCOMER P2: out of order in the file, in date order in the picture
    (["2011-05", "2011-05", "2011-02"], [2, 0, 1]),  # ties keep the file's order
    ([None, None], [0, 1]),
])
def test_the_timeline_is_in_date_order(dates, expected):
    treatments = [Surgery(kind="surgery", date=d) for d in dates]
    assert treatment_timeline.order(treatments) == expected


def test_history_alerts_sit_on_the_treatment_they_concern_and_the_decision_point_last():
    path = SEEDS / "cervical-chondrosarcoma-recurrence.yaml"
    html, _ = _brief(path)
    svg = html[html.index('class="timeline"'):]
    svg = svg[:svg.index("</svg>")]
    # GEN-05b's critical alert is the 2011-02 subtotal resection's; re-irradiation and the recurrence are now.
    assert 'id="b-time-alert-resection-before-histology-at-0" class="alert critical"' in svg
    assert 'id="b-time-alert-local-recurrence-at-now"' in svg
    assert 'id="b-time-alert-reirradiation-limits-at-now"' in svg
    order = [m.group(1) for m in re.finditer(r'id="b-time-(treatment-\d|decision)"', svg)]
    assert order == ["treatment-0", "treatment-1", "decision"]
    assert "surgery: subtotal, R2" in svg and "69 Gy" in svg and "board 2026-12-10" in svg


def test_no_history_and_an_empty_history_are_said_differently():
    assert "treatment history not given" in treatment_timeline.draw(None, [], "board x", "t")
    assert "no treatment so far" in treatment_timeline.draw([], [], "board x", "t")


def test_the_markdown_brief_says_each_picture_in_words():
    md = brief_md.render(build(example_result(SEEDS / "cervical-chondrosarcoma-recurrence.yaml"), DATE))
    assert "**Pictures, in words** (the HTML brief draws them):" in md
    assert "- WBB axial diagram, schematic; from the recorded zones, not from images." in md
    assert "Osteotomy (dashed): sagittal resection through the uninvolved side (zone 4 side)." in md
    assert "- Spine levels, C1 at the top to the coccyx" in md and "Operated: C6–C7 (2011-02)." in md
    assert "2011-02 surgery, subtotal, R2" in md and "<svg" not in md


def test_every_id_on_a_board_pack_page_is_unique():
    files = [str(SEEDS / "cervical-chondrosarcoma-recurrence.yaml"), str(SEEDS / "osteosarcoma-after-histology.yaml"),
             str(SEEDS / "cervical-chondrosarcoma-recurrence.yaml")]
    html = pack.html("Board", DATE, pack.rows(files, consult_of_files(files), DATE))
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)) and len(ids) > 300
    assert html.count('class="wbb-thumb"') == 3  # a thumbnail per agenda row
    for ref in set(re.findall(r"url\(#([^)]+)\)", html)):
        assert f'id="{ref}"' in html


# ------------------------------------------------------------------ seen in a real browser

SHOTS = ["seeds/cervical-chondrosarcoma-recurrence", "histology/osteoblastoma-thoracic-aggressive",
         "seeds/pediatric-lumbar-osteosarcoma-recurrence"]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium (/usr/bin/chromium) to print PDF pages: README, Run the tests")
@pytest.mark.parametrize("name", SHOTS)
def test_chromium_draws_the_pictures(tmp_path, name):
    """The pictures alone on a page, as Chromium paints them: not blank, the diagram's black zone ring and
    the hatched grey cells where the patient has them, the timeline's text on the right."""
    patient = load_patient(ROOT / "examples" / f"{name}.yaml")
    model = build(example_result(ROOT / "examples" / f"{name}.yaml"), DATE)  # the session's consult of that file
    page, shot = tmp_path / "pictures.html", tmp_path / "pictures.png"
    page.write_text(brief_html.document("pictures", [brief_html.pictures(model, "s")]), encoding="utf-8")
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,560", page.as_uri())
    width, height, bpp, px = png_pixels(shot.read_bytes())
    if os.environ.get("SPINEPATH_KEEP_SHOTS"):  # to look at them: SPINEPATH_KEEP_SHOTS=DIR
        shutil.copy(shot, Path(os.environ["SPINEPATH_KEEP_SHOTS"]) / f"{Path(name).name}.png")

    def count(x0, x1, test):
        return sum(1 for y in range(0, height, 2) for x in range(x0, x1, 2) if test(px[(y * width + x) * bpp]))
    left, right = int(width * .25), int(width * .55)
    dark_wbb = count(0, left, lambda v: v < 90)
    grey_wbb = count(0, left, lambda v: 192 <= v <= 200)  # the hatch's ground, #c4c4c4
    dark_text = count(right, width, lambda v: v < 90)
    assert dark_wbb > 400 and dark_text > 300, (dark_wbb, dark_text)
    has_zones = patient.lesion.wbb is not None and patient.lesion.wbb.zones
    assert (grey_wbb > 300) == bool(has_zones and patient.lesion.wbb.layers), grey_wbb


# ------------------------------------------------------------------ issue 26 part 4: sides and the sacrum

def _side_patient(write, **lesion):
    import yaml
    doc = {"id": "side", "age": 50, "diagnosis": {"histology": "chordoma"},
           "lesion": {"levels": ["C3"], "wbb": {"zones": [3, 4, 5], "layers": ["B", "C"]}, **lesion}}
    wbb_side = doc["lesion"].pop("zone_1_side", None)
    if wbb_side is not None:
        doc["lesion"]["wbb"]["zone_1_side"] = wbb_side
    return write("side.yaml", yaml.safe_dump(doc, sort_keys=False))


def _brief_of(path) -> str:
    """The HTML brief (what is drawn, and the key under it) and the Markdown brief (the caption in words)."""
    model = build(example_result(path) if path in EXAMPLES else consult(load_patient(path)), DATE)
    import html as html_
    return html_.unescape(brief_html.render(model)) + brief_md.render(model)


def _labels(html: str) -> list[str]:
    return re.findall(r'class="side-label">([LR])<', html)


def test_left_and_right_are_drawn_only_from_a_recorded_numbering_and_the_convention_is_stated(write):
    """NEWCOMER P11: the diagram had no L/R. STAGING §2.1 numbers the zones two ways, so the zones alone never
    say which side is the left: the file says where zone 1 is (lesion.wbb.zone_1_side)."""
    html = _brief_of(_side_patient(write, zone_1_side="left"))
    # Zones 1-6 are drawn on the picture's right: with zone 1 on the patient's left, L is on the right.
    assert _labels(html) == ["L", "R"] and re.search(r'x="178" [^>]*class="side-label">L<', html)
    assert "zone 1 on the patient's left as recorded" in html
    html = _brief_of(_side_patient(write, zone_1_side="right"))
    assert _labels(html) == ["R", "L"]
    html = _brief_of(_side_patient(write))
    assert _labels(html) == [] and "left and right not recorded" in html


@pytest.mark.parametrize("lesion, state, words", [
    ({"vertebral_artery": "unilateral"}, {4: "unknown", 9: "unknown"}, "one encased, side not recorded"),
    ({"vertebral_artery": "unilateral", "vertebral_artery_side": "right"}, {4: "unknown", 9: "unknown"},
     "one encased, the right (not placed on the diagram"),
    ({"vertebral_artery": "unilateral", "vertebral_artery_side": "right", "zone_1_side": "left"},
     {4: "free", 9: "encased"}, "one encased, the right."),
    ({"vertebral_artery": "unilateral", "vertebral_artery_side": "right", "zone_1_side": "right"},
     {4: "encased", 9: "free"}, "one encased, the right."),
    ({"vertebral_artery": "bilateral"}, {4: "encased", 9: "encased"}, "both encased"),
])
def test_one_encased_vertebral_artery_never_looks_like_two(write, lesion, state, words):
    html = _brief_of(_side_patient(write, **lesion))
    drawn = {int(z): s for z, s in re.findall(r'id="b-wbb-va-(\d)" class="artery (\w+)"', html)}
    assert drawn == state
    assert words in html
    assert ("VA?" in html) == (state[4] == "unknown")


@pytest.mark.parametrize("side, zone_1, involved", [("left", "left", 4), ("left", "right", 9), ("right", "left", 9)])
def test_a_recorded_pedicle_side_marks_that_pedicle(write, side, zone_1, involved):
    html = _brief_of(_side_patient(write, pedicles_involved="unilateral", pedicle_side=side, zone_1_side=zone_1))
    drawn = {int(z): s for z, s in re.findall(r'id="b-wbb-pedicle-(\d)" class="pedicle (\w+)"', html)}
    assert drawn == {involved: "involved", 13 - involved: "free"}
    assert f"Pedicles: one involved (the {side} one)" in html


def test_a_side_without_its_unilateral_finding_is_refused(write):
    path = _side_patient(write, vertebral_artery="bilateral", vertebral_artery_side="left")
    r = run_cli("validate", str(path))
    assert r.returncode == 3 and "vertebral_artery_side names the side of a unilateral finding" in r.stderr
    assert re.search(r"side\.yaml:\d+:\d+: ", r.stderr)


def test_below_s2_the_sacrum_is_drawn_by_level_with_the_recorded_layers():
    """NEWCOMER P11: S3-S5 got a vertebra with 'zones not recorded' and pedicle marks; WBB does not apply."""
    path = ROOT / "examples" / "histology" / "chordoma-sacral-localised.yaml"
    html, patient = _brief(path)
    involved = set(re.findall(r'id="b-wbb-sacrum-(\w+)" class="level involved"', html))
    assert involved == set(patient.lesion.levels) == {"S3", "S4", "S5"}
    assert "layers A, B, C" in html and "WBB zones do not apply below S2" in html
    assert "-pedicle-" not in html and "zones not recorded" not in html


@pytest.mark.skipif(not CHROMIUM.exists() or not shutil.which("pdftotext"),
                    reason="needs Chromium (/usr/bin/chromium) and pdftotext (poppler-utils) to read printed pages")
def test_in_chromium_the_case_and_its_pictures_end_on_page_1(tmp_path):
    """NEWCOMER P11: the case came after the options and questions, on page 2 in 6 of 9 briefs. The briefs
    whose alerts and case are the longest are printed; page 1 reaches the options after the case."""
    import subprocess
    pages = {p.stem: brief_html.render(build(example_result(p), DATE)) for p in EXAMPLES}
    before = {k: len(re.sub(r"<svg.*?</svg>", "", html.split("<h2>Options by phase")[0])) for k, html in pages.items()}
    for name in sorted(before, key=before.get, reverse=True)[:2]:
        page, pdf = tmp_path / f"{name}.html", tmp_path / f"{name}.pdf"
        page.write_text(pages[name], encoding="utf-8")
        chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
        first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                               check=True).stdout
        assert "The case" in first and "Options by phase" in first, name
