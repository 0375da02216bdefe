"""Step 3: evaluation by durable-rules, wrapped so none of its sharp edges reach a user.

One Host per process with string-named actions (no code from rule files), one session per patient
deleted in `finally`, no timer threads, action errors re-raised, engine errors turned into an
InternalError (exit 1). See ../shared/notes/durable-rules.md §1 and §8.
"""
from __future__ import annotations

import itertools
import warnings
from typing import Any

from .compile import Compiled, companion, fresh_definitions


class InternalError(Exception):
    """A bug or an engine failure, never the user's input: exit status 1."""


def _import_engine():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import durable_rules_engine  # noqa: F401  (the C core; raises durable_rules_engine.error)
        from durable.engine import Host, MessageNotHandledException
    return durable_rules_engine, Host, MessageNotHandledException


_dre, _Host, _NotHandled = _import_engine()


class _SpineHost(_Host):
    def __init__(self, compiled: Compiled):
        self._fired: dict[str, list[str]] = {}
        self._actions = compiled.actions
        super().__init__(fresh_definitions(compiled))

    def get_action(self, name):
        if name == "noop":
            return lambda c: None
        if name not in self._actions:  # only names the compiler made can be registered
            raise KeyError(f"unknown action {name!r}")
        host = self

        def hit(c):  # exactly one parameter: two would make it an async action
            host._fired.setdefault(c.s.sid, []).append(name)
        return hit

    def _run(self):  # no re-arming Timer threads: actions run on the caller's thread only
        pass


class Engine:
    """Evaluates patients against a compiled ruleset; safe for any number of patients."""

    _sids = itertools.count(1)

    def __init__(self, compiled: Compiled):
        self.compiled = compiled
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                self.host = _SpineHost(compiled)
        except Exception as exc:  # a definition the compiler should have refused
            raise InternalError(f"the rule engine refused the compiled rules: {exc}") from exc

    def run(self, base_fact: dict, fact_for_stratum) -> list[tuple[str, str]]:
        """Fire stratum by stratum; `fact_for_stratum(s, fired_so_far)` gives each stratum's fact.

        Returns the firings in order as (kind, rule id)."""
        fired_all: list[tuple[str, str]] = []
        for s, names in enumerate(self.compiled.strata):
            fact = fact_for_stratum(s, fired_all) if s else base_fact
            fired_all.extend(self._assert(names, fact))
        return fired_all

    def _assert(self, names, fact: dict) -> list[tuple[str, str]]:
        sid = str(next(self._sids))
        body = dict(fact, sid=sid, t="patient")
        self.host._fired.pop(sid, None)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                for name in names:
                    try:
                        state = self.host.assert_fact(name, body)
                    except _NotHandled:  # cannot happen with the catch-all; harmless if it does
                        continue
                    if isinstance(state, dict) and "exception" in state:
                        raise InternalError(f"a rule action failed inside the engine: {state['exception']}")
            return [self.compiled.actions[a] for a in self.host._fired.get(sid, [])]
        except InternalError:
            raise
        except MemoryError as exc:
            raise InternalError("the rule engine ran out of sessions (more than 1024 live)") from exc
        except Exception as exc:  # durable_rules_engine.error and friends
            raise InternalError(f"the rule engine failed: {exc}") from exc
        finally:
            self.host._fired.pop(sid, None)
            for name in names:
                try:
                    self.host.delete_state(name, sid)
                except Exception:  # code 309: no session for this sid in that ruleset
                    pass


def engine_value(v: Any) -> Any:
    """A value the C core reads back correctly (§3.1: no exponent notation, real numbers only)."""
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        r = round(v, 4)
        return int(r) if r.is_integer() and abs(r) < 1e15 else r
    if isinstance(v, (list, tuple)):
        return [engine_value(x) for x in v]
    if isinstance(v, dict):
        return {k: engine_value(x) for k, x in v.items()}
    raise InternalError(f"value of type {type(v).__name__} cannot go to the engine")


def build_fact(patient_data: dict, derived: dict, list_fields: list[str]) -> dict:
    """The one flattened fact per patient: patient data (without `id`), derived values, list counts."""
    # `id` would be taken as the fact's identity by the engine (§3.3); the rest is never read by rules.
    fact = {k: v for k, v in patient_data.items() if k not in ("id", "format", "notes", "history")}
    if "history" in patient_data:
        fact["history"] = {k: v for k, v in patient_data["history"].items() if k != "treatments"}
    if "staging" in patient_data:
        fact["staging"] = {k: v for k, v in patient_data["staging"].items() if k != "metastasis_sites"}
    fact = engine_value(fact)
    fact["derived"] = engine_value({k: v for k, v in derived.items() if v is not None})
    for f in list_fields:
        cur: Any = fact
        for part in f.split("."):
            cur = cur.get(part) if isinstance(cur, dict) else None
        if isinstance(cur, list):
            fact[companion(f)] = len(cur)
    return fact
