"""The knowledge base is loaded once per process and content, and kept between runs in the user's cache
(evaluate/knowledge.py, evaluate/cache.py): a JSON copy of the checked, compiled rules and their dependency
graph that can only ever give back what loading gives."""
from __future__ import annotations

import shutil

import pytest

from conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "rules_min"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SPINEPATH_NO_CACHE", raising=False)
    rules = tmp_path / "rules"
    shutil.copytree(FIXTURE, rules)
    return tmp_path / "xdg" / "spinepath", rules


def _fresh(rules):
    from spinepath.derive import SPECS
    from spinepath.derive.vocabulary import all_fields
    from spinepath.evaluate.compile import compile_ruleset
    from spinepath.evaluate.dependencies import build
    from spinepath.load.presumption_files import attach
    from spinepath.load.rule_files import load_ruleset
    rs = attach(load_ruleset(all_fields(), rules), {f"derived.{k}": s.inputs for k, s in SPECS.items()})
    return rs, compile_ruleset(rs), build(rs)


def test_the_cache_gives_back_exactly_what_loading_gives(cache, monkeypatch, tmp_path):
    from spinepath.evaluate.knowledge import load_and_compile
    folder, rules = cache
    first = load_and_compile(rules)
    entries = list(folder.glob("knowledge-*.json"))
    assert len(entries) == 1
    assert folder.stat().st_mode & 0o777 == 0o700 and entries[0].stat().st_mode & 0o077 == 0

    def not_again(*_):
        raise AssertionError("the rules were loaded again instead of read from the cache")
    monkeypatch.setattr("spinepath.evaluate.knowledge.load_ruleset", not_again)
    assert load_and_compile(rules) == first
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert first == _fresh(rules)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # rule file names are shown relative to the working folder
    assert load_and_compile(rules) == _fresh(rules)


def test_a_changed_rule_file_is_never_served_from_the_cache(cache):
    from spinepath.evaluate.knowledge import load_and_compile
    _, rules = cache
    before = load_and_compile(rules)
    rule_file = next(rules.glob("*.rules.yaml"))
    rule_file.write_text(rule_file.read_text() + "\n# edited\n")
    after = load_and_compile(rules)
    assert after[0].sha256 != before[0].sha256 and after == _fresh(rules)


def test_a_damaged_or_shared_cache_is_ignored(cache):
    from spinepath.evaluate.knowledge import load_and_compile
    folder, rules = cache
    load_and_compile(rules)
    entry = next(folder.glob("knowledge-*.json"))
    entry.write_text('{"key": "x", "ruleset": [')
    assert load_and_compile(rules) == _fresh(rules)
    folder.chmod(0o777)  # others could have planted an entry: not read, not written
    entry.unlink()
    assert load_and_compile(rules) == _fresh(rules)
    assert not list(folder.glob("knowledge-*.json"))


def test_spinepath_no_cache_turns_it_off(cache, monkeypatch):
    from spinepath.evaluate.knowledge import load_and_compile
    folder, rules = cache
    monkeypatch.setenv("SPINEPATH_NO_CACHE", "1")
    assert load_and_compile(rules) == _fresh(rules)
    assert not folder.exists()


def test_loaded_knowledge_follows_the_content_of_the_rules_folder(cache):
    """In one process: the same folder with the same files gives the same object; edited files give
    the new rules, never stale ones (a notebook, a watch mode, a long test run)."""
    from spinepath.evaluate.knowledge import load_knowledge
    _, rules = cache
    first = load_knowledge(rules)
    assert load_knowledge(rules) is first
    rule_file = rules / "chain.rules.yaml"
    rule_file.write_text(rule_file.read_text().replace("Reads the derived fact as true", "Reads it as true"))
    again = load_knowledge(rules)
    assert again is not first and again.rules["T-02"].title == "Reads it as true"


def test_the_suite_never_writes_into_the_users_cache():
    import os
    assert "spinepath-pytest-cache-" in os.environ["XDG_CACHE_HOME"]
