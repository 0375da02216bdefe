"""`spinepath cases`: the bundled examples and teaching cases, found from any directory."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, run_cli
from spinepath.teach.cases import META_SUFFIX, WEIGHTS_FILE, examples_root, header_description


def test_cases_json_lists_every_bundled_case_from_any_directory(tmp_path):
    r = subprocess.run([sys.executable, "-m", "spinepath", "cases", "--json"], capture_output=True, text=True,
                       cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    cases = json.loads(r.stdout)["cases"]
    on_disk = sorted((p.parent.name, p.name.removesuffix(".yaml"))
                     for folder in (ROOT / "examples").iterdir() if folder.is_dir()  # every folder (issue 26)
                     for p in folder.glob("*.yaml") if not p.name.endswith(META_SUFFIX))
    assert sorted((c["group"], c["id"]) for c in cases) == on_disk
    for c in cases:
        assert c["description"], c
        assert Path(c["path"]).is_absolute() and Path(c["path"]).is_file(), c
    teaching = [c for c in cases if c["group"] == "teaching"]
    assert len(teaching) >= 10 and all(c["title"] and c["difficulty"] for c in teaching)


def test_cases_text_names_ids_and_how_to_use_them():
    r = run_cli("cases")
    assert r.returncode == 0, r.stderr
    assert "cervical-chondrosarcoma-first-presentation" in r.stdout
    assert "spinepath teach" in r.stdout and "spinepath consult" in r.stdout


def test_examples_ship_inside_the_package():
    root = examples_root()
    assert root.parent.name == "spinepath" and (root / "teaching").is_dir()
    assert '"examples/**/*.yaml"' in (ROOT / "pyproject.toml").read_text()


def test_every_teaching_file_has_its_pair():
    folder = ROOT / "examples" / "teaching"
    patients = {p.name.removesuffix(".yaml") for p in folder.glob("*.yaml") if not p.name.endswith(META_SUFFIX)}
    metas = {p.name.removesuffix(META_SUFFIX) for p in folder.glob("*" + META_SUFFIX) if p.name != WEIGHTS_FILE}
    assert patients == metas


def test_header_description(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("# yaml-language-server: $schema=x.json\n# Source: a report\n#   continued.\n"
                    "# Decision point: first visit,\n#   before the biopsy.\nid: x\n# Decision point: not this\n")
    assert header_description(seed) == "first visit, before the biopsy."
    other = tmp_path / "other.yaml"
    other.write_text("# Teaching point: a case\n#   in two lines.\n# Decision points: EB-03\nid: y\n")
    assert header_description(other) == "Teaching point: a case in two lines."
    bare = tmp_path / "bare.yaml"
    bare.write_text("id: z\n")
    assert header_description(bare) == ""
