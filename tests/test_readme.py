"""The README's figures cannot drift: the counts it states are this suite's and this knowledge base's
(tests/readme_figures.py writes them; NEWCOMER-2026-12 P13 found 1,503 tests and 174 rules stated for
1,589 and 175)."""
from __future__ import annotations

import pytest

import readme_figures


def test_the_readme_states_the_rule_count_of_the_knowledge_base():
    assert readme_figures.stated()["rules"] == readme_figures.rule_count(), \
        "README.md: the rule count is stale; run tests/readme_figures.py"


def _whole_suite(config) -> bool:
    """A run of every test: no file, -k, -m, --deselect or --lf narrowing it (only then is the count the
    suite's). xdist workers parse the controller's arguments, so they agree."""
    from pathlib import Path
    tests = Path(__file__).resolve().parent
    narrowed = (config.getoption("keyword") or config.getoption("markexpr") or config.getoption("lf", False)
                or config.getoption("deselect", None))
    return not narrowed and all((config.rootpath / a).resolve() == tests for a in config.args)


def test_the_readme_states_the_test_count_of_the_suite(request):
    if not _whole_suite(request.config):
        pytest.skip("the test count is checked on a whole-suite run only")
    assert readme_figures.stated()["tests"] == len(request.session.items), \
        "README.md: the test count is stale; run tests/readme_figures.py"
