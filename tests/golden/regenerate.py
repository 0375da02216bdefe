"""Rewrite firm_recommendations.json from the current knowledge base (only after a deliberate rule change)."""
import json
from pathlib import Path

from spinepath.explain.consult import consult
from spinepath.load.patient import load_patient

ROOT = Path(__file__).resolve().parents[2]
paths = sorted(p for p in (ROOT / "examples").rglob("*.yaml") if not p.name.endswith(".expect.yaml"))
golden = {p.relative_to(ROOT).as_posix(): consult(load_patient(p))["recommendations"] for p in paths}
(Path(__file__).parent / "firm_recommendations.json").write_text(
    json.dumps(golden, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
