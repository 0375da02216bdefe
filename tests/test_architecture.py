"""The package tree shows the pipeline, and imports run one way down it.

load -> derive -> evaluate -> explain -> render, then the features built on them (board, teach,
cohort, kb), then the command line. A module may import its own step or any step below; a lower step
never imports a higher one, no module imports a command module (commands/__init__ registers them),
no private name crosses a module border, and there is no import cycle. Imports inside functions
count: they are dependencies all the same.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "src" / "spinepath"
LAYERS = {"load": 0, "derive": 1, "evaluate": 2, "explain": 3, "render": 4,
          "board": 5, "teach": 5, "cohort": 5, "kb": 5, "interop": 5, "serve": 5,
          "commands": 6}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))
            if "rules" not in p.relative_to(PACKAGE).parts[:1] and "examples" not in p.relative_to(PACKAGE).parts[:1]}


MODULES = _modules()


def _imports(name: str, path: Path, source: str | None = None) -> list[tuple[str, str, int]]:
    """(imported module, imported name or '', line) for every spinepath import in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(source if source is not None else path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, "", node.lineno) for a in node.names if a.name.split(".")[0] == "spinepath"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").split(".")[0] == "spinepath":
                target = node.module
            else:
                continue
            for a in node.names:
                as_module = f"{target}.{a.name}"
                out.append((as_module, "", node.lineno) if as_module in MODULES else (target, a.name, node.lineno))
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _step(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_the_tree_shows_the_five_steps_and_each_package_says_its_role():
    for step in ("load", "derive", "evaluate", "explain", "render", "board", "teach", "cohort", "kb", "interop", "serve",
                 "commands"):
        init = PACKAGE / step / "__init__.py"
        assert init.is_file(), step
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, f"{step}/__init__.py needs a docstring: its role and what it may import"
    flat = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert flat == ["__init__.py", "__main__.py"], f"modules outside the step packages: {flat}"


def test_no_step_imports_a_higher_one():
    upward = []
    for name, imports in GRAPH.items():
        here = _step(name)
        for target, _, line in imports:
            there = _step(target)
            if here and there and LAYERS[there] > LAYERS[here]:
                upward.append(f"{MODULES[name].relative_to(ROOT)}:{line}: {here} imports {target} ({there})")
    assert not upward, "\n".join(upward)


# What every command module may share: the app with its options, the exit statuses, the safe writing of
# --output (imported by app.py, which re-exports them).
SHARED_COMMAND_MODULES = ("spinepath.commands.app", "spinepath.commands.outputs", "spinepath.commands.status")


def test_only_the_commands_package_and_main_import_a_command_module():
    found = [f"{MODULES[name].relative_to(ROOT)}:{line}: imports {target}"
             for name, imports in GRAPH.items() for target, _, line in imports
             if _step(target) == "commands" and _step(name) != "commands" and name != "spinepath.__main__"]
    found += [f"{MODULES[name].relative_to(ROOT)}:{line}: imports {target}"
              for name, imports in GRAPH.items() if _step(name) == "commands" and name != "spinepath.commands"
              for target, _, line in imports
              if _step(target) == "commands" and target not in SHARED_COMMAND_MODULES]
    assert not found, "\n".join(found)


def test_no_private_name_crosses_a_module_border():
    found = [f"{MODULES[name].relative_to(ROOT)}:{line}: {target}.{imported}"
             for name, imports in GRAPH.items() for target, imported, line in imports
             if imported.startswith("_") and not imported.startswith("__")]
    assert not found, "\n".join(found)


def test_there_is_no_import_cycle():
    edges = {name: sorted({t for t, _, _ in imports if t in MODULES and t != name}) for name, imports in GRAPH.items()}
    # A package's __init__ that re-exports its own modules is not a cycle of dependence.
    for name in edges:
        edges[name] = [t for t in edges[name] if not (t.startswith(name + ".") and MODULES[name].name == "__init__.py")]
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in edges[n]:
            if state.get(m) == 1:
                pytest.fail("import cycle: " + " -> ".join(stack[stack.index(m):] + [m]))
            if m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(edges):
        if n not in state:
            visit(n)


def test_the_check_resolves_relative_imports():
    """A derive module that imported explain would be seen, at its line, as explain."""
    probe = "from .base import Derived\nfrom ..explain.consult import consult\n"
    found = _imports("spinepath.derive.region", PACKAGE / "derive" / "region.py", probe)
    assert ("spinepath.explain.consult", "consult", 2) in found and ("spinepath.derive.base", "Derived", 1) in found
    assert LAYERS[_step("spinepath.explain.consult")] > LAYERS[_step("spinepath.derive.region")]


# Keys of the consult result's JSON that nothing else spinepath reads has (FHIR resources, patient
# files and rule files have none of them). Above evaluate/, the typed result is read by attribute: a
# subscript or .get() with one of these keys is the untyped dict coming back.
RESULT_KEYS = {"recommendations", "provisional", "provisional_alerts", "alerts", "questions", "missing", "trace",
               "references", "ruleset", "patient_id", "intervention", "strength", "rationale", "also_by",
               "alternatives", "arguments", "assumes", "capped_by", "capped_reason", "blocked", "answers",
               "changes", "needed_for", "changes_treatment", "confirms", "matched", "asserted", "superseded_by",
               "ref_id"}
ABOVE_EVALUATE = ("explain", "render", "board", "teach", "cohort", "kb", "interop", "serve", "commands")


def _string_key_reads(source: str) -> list[tuple[int, str]]:
    """Subscripts and .get() with a result key; a line marked `# written JSON` reads back a record spinepath
    wrote earlier (batch --resume), which is JSON by nature, not the typed result."""
    found = []
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        key = None
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and isinstance(node.slice, ast.Constant):
            key = node.slice.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
              and node.args and isinstance(node.args[0], ast.Constant)):
            key = node.args[0].value
        if isinstance(key, str) and key in RESULT_KEYS and "# written JSON" not in lines[node.lineno - 1]:
            found.append((node.lineno, key))
    return found


def test_no_module_above_evaluate_reads_the_result_by_string_key():
    found = [f"{MODULES[name].relative_to(ROOT)}:{line}: [{key!r}]" for name, path in MODULES.items()
             if _step(name) in ABOVE_EVALUATE for line, key in _string_key_reads(path.read_text(encoding="utf-8"))]
    assert not found, "read the typed result (explain/result.py) by attribute:\n" + "\n".join(found)


def test_the_string_key_check_sees_a_subscript_and_a_get():
    assert [k for _, k in _string_key_reads('r["recommendations"]\nx.get("strength")\ny["code"]\n'
                                            'out["alerts"] = []\n')] == ["recommendations", "strength"]
