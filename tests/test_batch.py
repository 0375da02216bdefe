"""`spinepath batch`: every good file is consulted, every bad one reported, same bytes for any --jobs."""
from __future__ import annotations

import csv
import functools
import io
import json
import re
import shutil

import pytest

from conftest import ROOT, patient_text, run_cli
from spinepath.cohort import batch, synth

SEED = ROOT / "examples" / "seeds" / "cervical-chondrosarcoma-recurrence.yaml"
BAD = ("nested/bad-schema.yaml", "nested/bad-yaml.yaml", "zz-empty.yaml")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("batch")
    synth.write(12, d / "synthetic", seed=5)
    shutil.copy(SEED, d / "seed.yaml")
    (d / "nested" / "deeper").mkdir(parents=True)
    (d / "nested" / "deeper" / "good.yml").write_text(patient_text(id="a-yml-file"))
    (d / "nested" / "bad-schema.yaml").write_text(patient_text(age=300))
    (d / "nested" / "bad-yaml.yaml").write_text("id: [unclosed\nage: 4\n")
    (d / "zz-empty.yaml").write_text("")
    (d / "case.expect.yaml").write_text("expected: output\n")  # not a patient: skipped
    (d / "notes.txt").write_text("not YAML")
    return d


@functools.cache
def batch_of(*args: str):
    """`spinepath batch ARGS`, run once per process for the same arguments: several tests read the same
    run of the folder (the command is deterministic; test_the_same_bytes_for_one_and_two_jobs checks it)."""
    return run_cli("batch", *args)


def _expected_order(d):
    return sorted((p for p in d.rglob("*") if p.suffix in (".yaml", ".yml") and not p.name.endswith(".expect.yaml")),
                  key=lambda p: p.as_posix())


def test_a_folder_with_good_and_bad_files(folder):
    r = batch_of(str(folder))
    assert r.returncode == 3, r.stderr
    files = _expected_order(folder)
    assert len(files) == 17
    lines = r.stdout.splitlines()
    assert len(lines) == len(files)
    for path, line in zip(files, lines):
        record = json.loads(line)
        rel = path.relative_to(folder).as_posix()
        if rel in BAD:
            assert record["file"] == str(path) and record["errors"], record
            assert all(e["file"] == str(path) for e in record["errors"])
            assert re.search(rf"^{re.escape(str(path))}:\d+:\d+: ", r.stderr, re.M), (rel, r.stderr)
        else:
            assert record["format"] == "spinepath.consult/1", rel
            assert list(record)[:3] == ["format", "patient_id", "ruleset"]  # the result's own key order
    assert "a-yml-file" in r.stdout and "case.expect" not in r.stdout + r.stderr
    assert "17 files, 14 consulted, 3 failed" in r.stderr
    assert "\x1b[" not in r.stderr  # no progress bar when stderr is not a terminal
    assert "Traceback" not in r.stderr


def test_all_good_exits_zero_and_writes_the_output_file(folder, tmp_path):
    out = tmp_path / "out.jsonl"
    r = run_cli("batch", str(folder / "synthetic"), str(SEED), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 13
    assert json.loads(lines[-1])["patient_id"] == "cervical-chondrosarcoma-recurrence"
    assert "13 files, 13 consulted, 0 failed" in r.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_same_bytes_for_one_and_two_jobs(folder, fmt):
    one = batch_of(str(folder), "--format", fmt, "--jobs", "1")
    two = run_cli("batch", str(folder), "--format", fmt, "--jobs", "2")
    # --jobs 0 (one per CPU) once: on the 2-core machine it is --jobs 2 again.
    every_cpu = run_cli("batch", str(folder), "--format", fmt, "--jobs", "0") if fmt == "jsonl" else two
    assert one.returncode == two.returncode == every_cpu.returncode == 3
    assert one.stdout and one.stdout == two.stdout == every_cpu.stdout
    assert one.stderr == two.stderr


def test_csv_has_a_row_per_recommendation_and_per_failed_file(folder):
    jsonl = batch_of(str(folder)).stdout.splitlines()
    r = batch_of(str(folder), "--format", "csv", "--jobs", "1")
    rows = [row for row in csv.DictReader(io.StringIO(r.stdout)) if row["entry"] in ("firm", "")]
    assert r.stdout.splitlines()[0] == ",".join(batch.CSV_COLUMNS)
    expected = []
    for line in jsonl:
        record = json.loads(line)
        if "errors" in record:
            expected.append((record["file"], "", "", True))
        else:
            recs = record["recommendations"] or [{"intervention": "", "rule": ""}]
            expected += [(None, rec["intervention"], rec["rule"], False) for rec in recs]
    assert len(rows) == len(expected)
    for row, (file, intervention, rule, failed) in zip(rows, expected):
        assert bool(row["error"]) is failed
        if failed:
            assert row["file"] == file and row["error"].startswith(file + ":")
        else:
            assert (row["intervention"], row["rule"]) == (intervention, rule)
            assert row["patient_id"] and (row["evidence"] or not row["rule"])


def test_csv_has_the_provisional_entries_and_the_questions_of_a_sparse_referral():
    """NEWCOMER-2026-12 P14: firm rows only, close to empty for a referral letter."""
    from conftest import ROOT, example_result
    path = ROOT / "examples" / "referral" / "cervical-chordoma-referral-letter.yaml"
    result = example_result(path)
    rows = list(csv.DictReader(io.StringIO(run_cli("batch", str(path), "--format", "csv").stdout)))
    kinds = [row["entry"] for row in rows]
    assert kinds == (["firm"] * len(result.recommendations) + ["provisional"] * len(result.provisional)
                     + ["question"] * len(result.questions))
    provisional = [row for row in rows if row["entry"] == "provisional"]
    assert provisional and all(row["holds_if"] and row["intervention"] and row["rule"] for row in provisional)
    questions = [row for row in rows if row["entry"] == "question"]
    assert [(q["field"], q["question"]) for q in questions] == [(q.field, q.text) for q in result.questions]
    assert all(not row["holds_if"] for row in rows if row["entry"] == "firm")


def test_explicit_files_keep_their_order_and_a_file_named_twice_is_consulted_once(folder):
    a, b = folder / "synthetic" / "synth-00002.yaml", folder / "synthetic" / "synth-00001.yaml"
    r = run_cli("batch", str(a), str(b), str(a), str(folder / "synthetic" / "synth-0000[12].yaml"))
    assert r.returncode == 0, r.stderr
    ids = [json.loads(line)["patient_id"] for line in r.stdout.splitlines()]
    assert ids == ["synth-5-2", "synth-5-1"]


def test_a_glob_is_expanded_in_sorted_order(folder):
    r = run_cli("batch", str(folder / "synthetic" / "synth-0001*.yaml"))
    assert r.returncode == 0, r.stderr
    ids = [json.loads(line)["patient_id"] for line in r.stdout.splitlines()]
    assert ids == [f"synth-5-{i}" for i in range(10, 13)]


@pytest.mark.parametrize("args, message", [
    (["does/not/exist.yaml"], "no such file or folder"),
    (["nothing-matches-*.yaml"], "no patient file"),
    (["--jobs", "-1", "SEED"], "--jobs"),
    (["--format", "xml", "SEED"], "xml"),
    (["--rules", "no/such/rules", "SEED"], "rules directory not found"),
])
def test_a_bad_command_line_exits_2(args, message):
    r = run_cli("batch", *[str(SEED) if a == "SEED" else a for a in args])
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert message in r.stderr and "Traceback" not in r.stderr


def test_an_internal_error_on_one_file_is_reported_and_the_others_go_on(folder, monkeypatch):
    import spinepath.explain.consult

    real = spinepath.explain.consult.consult

    def flaky(patient, rules_dir=None):
        if patient.id == "synth-5-3":
            raise RuntimeError("boom")
        return real(patient, rules_dir)
    monkeypatch.setattr(spinepath.explain.consult, "consult", flaky)
    paths = [str(p) for p in sorted((folder / "synthetic").glob("synth-0000[1-4].yaml"))]
    out, errors = io.StringIO(), []
    with batch.Results(paths, "jsonl", 1, None) as results:
        summary = batch.run(results, "jsonl", out, report=errors.append)
    assert (summary.files, summary.consulted, summary.failed) == (4, 3, 1)
    assert len(errors) == 1 and errors[0].startswith(paths[2] + ": internal error") and "boom" in errors[0]
    failed = json.loads(out.getvalue().splitlines()[2])
    assert failed["file"] == paths[2] and failed["errors"][0]["code"] == "internal-error"


def test_job_count_zero_means_every_cpu():
    assert batch.job_count(0) >= 1 and batch.job_count(3) == 3
