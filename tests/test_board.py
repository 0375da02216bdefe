"""spinepath board: one document for a tumour-board meeting, an agenda then a brief per patient."""
from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, consult_of_files, example_result, run_cli
from spinepath.board import pack
from spinepath.board.brief import summary_line
from spinepath.load.patient import load_patient

SEEDS = ROOT / "examples" / "seeds"
CHROMIUM = Path("/usr/bin/chromium")
DATE = "2026-12-10"


@pytest.mark.parametrize("name, line", [
    ("cervical-chondrosarcoma-recurrence", "41 y male · grade 2 chondrosarcoma C5–C6 · local recurrence"),
    ("osteosarcoma-acute-compression-before-histology", "55 y male · T1 lesion, histology not yet known"),
    ("pediatric-lumbar-osteosarcoma-at-diagnosis", "9 y female · osteosarcoma L3 · solitary metastasis"),
])
def test_the_summary_line_says_the_patient_in_one_line(name, line):
    assert summary_line(load_patient(SEEDS / f"{name}.yaml")) == line


def test_the_pack_has_an_agenda_in_the_chairs_order_then_each_brief(write):
    bad = write("broken.yaml", "id: x\nage: fifty\nlesion: {levels: [L2]}\ndiagnosis: {histology: chordoma}\n")
    first, second = SEEDS / "osteosarcoma-after-histology.yaml", SEEDS / "cervical-chondrosarcoma-recurrence.yaml"
    r = run_cli("board", str(first), str(bad), str(second), "--date", DATE, "--title", "Spine board, ward 4")
    assert r.returncode == 3, r.stderr  # the pack is written, and the bad file is reported
    out = r.stdout
    assert out.startswith("# Spine board, ward 4\n\n2026-12-10 · 3 patients")
    rows = [line for line in out.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert [row.split(" | ")[0] for row in rows] == ["| 1", "| 2", "| 3"]
    # Both cases are not ready (input order kept within the group); the unreadable file goes last.
    assert "osteosarcoma T1" in rows[0] and "could not be read" in rows[2] and "expected an integer" in rows[2]
    assert "local recurrence" in rows[1] and "CRITICAL" in rows[1]
    assert "## Not ready: what to chase" in out and "**not ready**: chase Course of the deficit" in rows[0]
    assert out.index("# 55 y male · osteosarcoma T1") < out.index("# 41 y male · grade 2 chondrosarcoma")
    assert f"{bad}:2:6:" in r.stderr
    again = run_cli("board", str(first), str(bad), str(second), "--date", DATE, "--title", "Spine board, ward 4")
    assert again.stdout == out


def test_the_html_pack_is_self_contained_and_each_brief_starts_a_page(tmp_path):
    out = tmp_path / "board.html"
    r = run_cli("board", str(SEEDS), "-o", str(out), "--date", DATE)
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert html.count('<section class="brief">') == 10 and "<script" not in html and "http" not in html.split("<body>")[0]
    assert ".brief { break-before: page;" in html


def _pdf_pages(tmp_path: Path, html: str, name: str) -> int:
    page, pdf, profile = tmp_path / f"{name}.html", tmp_path / f"{name}.pdf", tmp_path / f"profile-{name}"
    page.write_text(html, encoding="utf-8")
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", f"--user-data-dir={profile}",
                    f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()],
                   capture_output=True, timeout=120, check=False)
    shutil.rmtree(profile, ignore_errors=True)
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium (/usr/bin/chromium) to print PDF pages: README, Run the tests")
def test_in_chromium_the_agenda_of_12_fits_page_1_and_each_brief_starts_a_new_page(tmp_path):
    from spinepath.board import brief_html
    files = [str(p) for p in EXAMPLES[:12]]
    agenda = pack.rows(files, consult_of_files(files), DATE)
    cover_only = [dataclasses.replace(r, brief=None) for r in agenda]
    assert _pdf_pages(tmp_path, pack.html("Spine tumour board", DATE, cover_only), "cover") == 1
    two = agenda[:2]
    alone = [_pdf_pages(tmp_path, brief_html.render(r.brief), f"brief-{i}") for i, r in enumerate(two)]
    assert _pdf_pages(tmp_path, pack.html("Spine tumour board", DATE, two), "pack") == 1 + sum(alone)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium (/usr/bin/chromium) to print PDF pages: README, Run the tests")
def test_in_chromium_the_longest_briefs_print_on_at_most_two_a4_pages(tmp_path):
    from spinepath.board import brief_html
    from spinepath.board.brief import build
    pages = {path.stem: brief_html.render(build(example_result(path), DATE)) for path in EXAMPLES}  # consulted once a session
    # Longest by what is printed as text: the pictures are a fixed height, their markup length says nothing.
    longest = sorted(pages, key=lambda k: len(re.sub(r"<svg.*?</svg>", "", pages[k])), reverse=True)[:3]
    printed = {name: _pdf_pages(tmp_path, pages[name], name) for name in longest}
    assert all(1 <= n <= 2 for n in printed.values()), printed
