"""A command imports only what it needs (issue 25, start-up).

`--version` needs the command line alone; `validate` the patient model, not the rules; a JSON consult
the pipeline, not a renderer of text nor any feature (board, teaching, cohort, serving, FHIR, the
knowledge-base tools). The commands run in turn in one fresh interpreter, so that each step adds to
what the one before imported; one process keeps the check well under a second.
"""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

SEED = ROOT / "examples" / "seeds" / "cervical-chondrosarcoma-recurrence.yaml"
FEATURES = ("spinepath.board", "spinepath.teach", "spinepath.cohort", "spinepath.serve", "spinepath.interop",
            "spinepath.kb", "spinepath.render", "fhir")

_PROBE = r"""
import contextlib, io, json, sys
from spinepath.commands import main
seen = {}
for name, args in (("version", ["--version"]), ("validate", ["validate", sys.argv[1]]),
                   ("consult", ["consult", sys.argv[1], "--format", "json"])):
    sys.argv = ["spinepath", *args]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main()
        except SystemExit as exc:
            assert exc.code in (0, None), (name, exc.code)
    seen[name] = sorted(sys.modules)
print(json.dumps(seen))
"""


def _imported() -> dict[str, list[str]]:
    out = subprocess.run([sys.executable, "-c", _PROBE, str(SEED)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _under(modules: list[str], packages) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in packages)]


def test_version_validate_and_a_json_consult_import_only_what_they_use():
    seen = _imported()
    # --version: no patient model, no rules, no engine (each was a tenth of a second at start).
    assert not _under(seen["version"], ("pydantic", "yaml", "durable_rules_engine", "spinepath.load.patient",
                                        "spinepath.evaluate", "spinepath.derive", "spinepath.explain", *FEATURES))
    # validate reads patient files: the model, never the rules, the engine, nor the batch.
    assert "spinepath.load.patient" in seen["validate"]
    assert not _under(seen["validate"], ("durable_rules_engine", "spinepath.evaluate", "spinepath.derive",
                                         "spinepath.explain", *FEATURES))
    # A JSON consult: the pipeline up to explain; no renderer, not even rich's console.
    assert "spinepath.explain.consult" in seen["consult"]
    assert not _under(seen["consult"], ("rich.console", *FEATURES))
