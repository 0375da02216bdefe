"""Teaching mode: typed at a terminal like a resident would, scripted with --answers, every case."""
from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import sys
import time

import pytest
from typer.testing import CliRunner

from conftest import ROOT, patient_text, run_cli
from spinepath.teach.cases import DIFFICULTIES, teaching_cases
from spinepath.commands.app import app
from spinepath.explain.consult import consult, load_knowledge
from spinepath.teach.session import build_options, parse_answers, resolve

TEACHING = teaching_cases(ROOT / "examples" / "teaching")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def options_for(case_id: str):
    case = resolve(case_id)
    result = consult(case.patient)
    return build_options(case.id, result, load_knowledge().ruleset), result


def right_answers(options) -> list[int]:
    return [o.number for o in options if o.expected in ("recommended", "consider")]


class Terminal:
    """`spinepath ...` in a pseudo-terminal: what a person sees and types."""

    def __init__(self, *args: str):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child becomes the command, with the pty as its terminal
            env = dict(os.environ, NO_COLOR="1", COLUMNS="100", TERM="xterm")
            os.execvpe(sys.executable, [sys.executable, "-m", "spinepath", *args], env)
        self.seen = ""

    def expect(self, text: str, timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while text not in self.seen:
            left = end - time.monotonic()
            if left <= 0 or not self._read(left):
                raise AssertionError(f"{text!r} never appeared; screen so far:\n{self.seen[-2000:]}")
        return self.seen

    def type(self, line: str) -> None:
        os.write(self.fd, (line + "\n").encode())

    def finish(self, timeout: float = 60) -> int:
        end = time.monotonic() + timeout
        while time.monotonic() < end and self._read(end - time.monotonic()):
            pass
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # the child closed the terminal
            return False
        if not chunk:
            return False
        self.seen += ANSI.sub("", chunk.decode("utf-8", "replace")).replace("\r\n", "\n")
        return True


@pytest.fixture
def terminal():
    opened = []

    def start(*args):
        t = Terminal(*args)
        opened.append(t)
        return t
    yield start
    for t in opened:
        t.kill()


def test_a_resident_types_answers_at_the_terminal(terminal):
    case = "cervical-chondrosarcoma-1-first-presentation"
    options, _ = options_for(case)
    t = terminal("teach", case)
    t.expect("Your choice")
    t.type("two")
    t.expect("'two' is not an option number")
    t.type(str(len(options) + 1))
    t.expect(f"{len(options) + 1} is not an option")
    before = t.seen
    t.type(", ".join(map(str, right_answers(options))))
    t.expect("Score: 100%")
    t.expect("Go on to the next stage")
    t.type("n")
    assert t.finish() == 0
    assert "Learning objective" in t.seen and "does not replace" in t.seen
    assert "Score" not in before and "RECOMMENDED" not in before


def test_without_a_case_the_resident_picks_one_from_the_list(terminal):
    first = TEACHING[0]
    options, _ = options_for(first.id)
    wrong = [o.number for o in options if o.expected in ("avoid", "not_recommended")][:1]
    t = terminal("teach")
    t.expect(first.id)
    t.type("1")
    t.expect(first.meta.decision_point.split()[0])
    t.expect("Your choice")
    t.type(str(wrong[0]))
    t.expect("WRONG PICK")
    t.expect("Go on to the next stage")
    t.type("n")
    assert t.finish() == 0


def test_answers_are_scored_against_the_rules():
    case = "osteosarcoma-t1-1-acute-compression"
    options, result = options_for(case)
    recommended = [o for o in options if o.expected == "recommended"]
    avoid = [o for o in options if o.expected == "avoid"]
    assert recommended and avoid
    picked = [recommended[0].number, avoid[0].number]
    r = run_cli("teach", case, "--answers", ",".join(map(str, picked)), "--json")
    assert r.returncode == 0, r.stderr
    score = json.loads(r.stdout)
    assert score["hits"] == [recommended[0].intervention]
    assert score["wrong_picks"] == [avoid[0].intervention]
    assert score["misses"] == [o.intervention for o in recommended[1:]]
    judged = len(score["hits"]) + len(score["misses"]) + len(score["wrong_picks"])
    assert score["score_percent"] == round(100 / judged)
    strengths = {}
    for rec in result.recommendations:
        strengths.setdefault(rec.intervention, set()).add(rec.strength)
    for row in score["options"]:
        expected = row["expected"]
        assert (expected in strengths[row["intervention"]]) if expected != "not_recommended" \
            else row["intervention"] not in strengths


def test_json_score_is_the_same_bytes_whatever_the_hash_seed():
    outs = set()
    for seed in ("0", "7"):
        r = run_cli("teach", "leiomyosarcoma-t11-1-first-presentation", "--answers", "1,2", "--json",
                    env=dict(os.environ, PYTHONHASHSEED=seed))
        assert r.returncode == 0, r.stderr
        outs.add(r.stdout)
    assert len(outs) == 1


@pytest.mark.parametrize("answers, message", [
    ("0", "0 is not an option"),
    ("1,x", "'x' is not an option number"),
    ("", "choose at least one option"),
    ("99", "99 is not an option"),
])
def test_bad_answers_exit_2_with_a_clear_message(answers, message):
    r = run_cli("teach", "leiomyosarcoma-t11-1-first-presentation", "--answers", answers)
    assert r.returncode == 2
    assert message in r.stderr and "--answers" in r.stderr and "Traceback" not in r.stderr


def test_non_interactive_without_case_or_answers_says_what_to_do():
    r = run_cli("teach", input="")
    assert r.returncode == 2 and "no CASE given" in r.stderr and "spinepath cases" in r.stderr
    r = run_cli("teach", "leiomyosarcoma-t11-1-first-presentation", input="")
    assert r.returncode == 2 and "--answers" in r.stderr
    r = run_cli("teach", "leiomyosarcoma", "--answers", "1")
    assert r.returncode == 2 and "leiomyosarcoma-t11-1-first-presentation" in r.stderr


def test_parse_answers():
    assert parse_answers(" 3, 1,3 ", 5) == [1, 3]
    with pytest.raises(ValueError):
        parse_answers("1;2", 5)


def test_a_plain_patient_file_can_be_practised(write):
    path = write("p.yaml", patient_text(id="plain", lesion={"levels": ["T8"]}))
    r = run_cli("teach", str(path), "--answers", "1", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["case"] == "p"


@pytest.mark.parametrize("meta, where, message", [
    ("title: t\nobjectve: o\ndifficulty: beginner\ndecision_point: d\nsource: s\n", ":2:1:",
     "unknown key 'objectve' (did you mean 'objective'?)"),
    ("title: t\nobjective: o\ndifficulty: expert\ndecision_point: d\nsource: s\n", ":3:13:",
     "difficulty: expected one of beginner, intermediate, advanced"),
    ("title: t\nobjective: o\ndifficulty: beginner\nsource: s\n", ":1:1:", "missing required key 'decision_point'"),
])
def test_teaching_metadata_is_checked_strictly(write, meta, where, message):
    path = write("case.yaml", patient_text(id="case"))
    write("case.expect.yaml", meta)
    r = run_cli("teach", str(path), "--answers", "1")
    assert r.returncode == 2
    assert f"case.expect.yaml{where} {message}" in r.stderr, r.stderr


def test_the_library_covers_the_seed_decision_points():
    ids = {c.id for c in TEACHING}
    assert len(ids) >= 10
    for stem in ("cervical-chondrosarcoma-1-first-presentation", "cervical-chondrosarcoma-2-after-subtotal-resection",
                 "cervical-chondrosarcoma-3-recurrence", "osteosarcoma-t1-1-acute-compression",
                 "osteosarcoma-t1-3-after-histology", "leiomyosarcoma-t11-2-after-inconclusive-biopsy",
                 "leiomyosarcoma-t11-3-after-histology", "pediatric-osteosarcoma-l3-2-recurrence"):
        assert stem in ids, stem
    assert {c.meta.difficulty for c in TEACHING} == set(DIFFICULTIES)
    for c in TEACHING:
        if "dapted" in c.meta.source or "ADAPTED" in c.path.read_text():
            assert "dapted for teaching" in c.meta.source, c.id  # adaptations are declared to the resident


@pytest.mark.parametrize("case", TEACHING, ids=lambda c: c.id)
def test_every_teaching_case_runs_and_hides_the_answer_until_it_is_given(case):
    options, result = options_for(case.id)
    assert [o.number for o in options] == list(range(1, len(options) + 1))
    assert len({o.intervention for o in options}) == len(options)
    assert {r.intervention for r in result.recommendations} <= {o.intervention for o in options}
    assert sum(o.expected == "not_recommended" for o in options) >= 3
    assert resolve(case.id).patient.id == case.id
    runner = CliRunner()
    out = runner.invoke(app, ["teach", case.id, "--answers", ",".join(map(str, right_answers(options)))])
    assert out.exit_code == 0, out.output
    before, after = out.output.split("Score: ", 1)
    assert after.startswith("100%")
    assert case.meta.decision_point.split()[0] in before
    for r in result.recommendations:
        assert r.rule not in before and r.rationale[:60] not in before
    for a in (*result.alerts, *result.trace):
        assert a.rule not in before
    for word in ("RECOMMENDED", "CONSIDER", "AVOID", "Enneking stage", case.meta.objective[:40]):
        assert word not in before, word
    scored = json.loads(runner.invoke(app, ["teach", case.id, "--answers", "1", "--json"]).output)
    assert scored["case"] == case.id and scored["chosen"] == [1]


def _explained_wrong_pick(case_id: str, options) -> int:
    """An option no rule proposes here, that the knowledge base explains by a rule that would."""
    from spinepath.evaluate.passes import evaluate_patient
    from spinepath.explain.why_not import reasons
    kb = load_knowledge()
    ev = evaluate_patient(resolve(case_id).patient, kb)
    return next(o.number for o in options if o.expected == "not_recommended"
                and any("would propose it" in r for r in reasons(kb, ev, o.intervention)))


def test_a_series_is_played_end_to_end_and_a_wrong_pick_is_explained(terminal):
    """The resident plays osteosarcoma-t1 at the terminal: answers with spaces, one wrong pick per stage,
    the reason from the knowledge base, each paragraph once, then the score per objective."""
    stages = [c for c in TEACHING if c.id.startswith("osteosarcoma-t1-")]
    t = terminal("teach", "--series", "osteosarcoma-t1")
    for i, stage in enumerate(stages):
        options, _ = options_for(stage.id)
        t.expect(stage.meta.title)
        t.expect("Your choice")
        t.type(" ".join(map(str, right_answers(options) + [_explained_wrong_pick(stage.id, options)])))
        t.expect("WRONG PICK")
        t.expect("would propose it, but it needs")
        t.expect("Learning objective")
    t.expect("Series osteosarcoma-t1:")
    assert t.finish() == 0
    assert t.seen.count("stage") >= 1 and "%" in t.seen.split("Series osteosarcoma-t1:")[1]


def test_each_rule_paragraph_is_shown_once_in_the_reveal():
    r = run_cli("teach", "osteosarcoma-t1-2-stable-compression", "--answers", "1 2 3 4 5 6 7 8 9 10")
    assert r.returncode == 0, r.stderr
    said = " ".join(r.stdout.replace("│", " ").split())
    assert said.count("Intralesional or unplanned surgery before diagnosis") == 1
    assert "the same reason as above" in said
    assert "Next in this series: spinepath teach osteosarcoma-t1-3-after-histology" in r.stdout


def test_a_series_with_answers_scores_each_stage_and_each_objective():
    r = run_cli("teach", "--series", "osteosarcoma-t1", "--answers", "1;1;1", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["series"] == "osteosarcoma-t1" and len(doc["stages"]) == 3
    assert len(doc["by_objective"]) == 3 and all("score_percent" in o for o in doc["by_objective"])
    bad = run_cli("teach", "--series", "osteosarcoma-t1", "--answers", "1;1")
    assert bad.returncode == 2 and "3 stages" in bad.stderr
