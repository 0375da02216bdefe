"""Step 3: evaluation by durable-rules, wrapped so none of its sharp edges reach a user.

The C core (`durable_rules_engine`) is driven directly: each compiled ruleset is created once per
process, each patient's fact is serialised once per stratum and asserted into that stratum's rulesets
under a fresh session id, and the firings are read back as the rule names the core queues. Durable's
Python layer (Host, Closure, a JSON round trip and an update per firing) is not used: it cost more
than the matching itself. No code from a rule file ever runs; an unknown firing, an error code or a
session the core refuses becomes an InternalError (exit 1). Sessions are deleted in `finally`; the
catch-all rule of every ruleset keeps `delete_state` safe. See ../shared/notes/durable-rules.md §1, §3.4
and §8.
"""
from __future__ import annotations

import itertools
import json
import warnings
from typing import Any, Callable

from .compile import Compiled


class InternalError(Exception):
    """A bug or an engine failure, never the user's input: exit status 1."""


def _import_core() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import durable_rules_engine  # the C core; raises durable_rules_engine.error
    return durable_rules_engine


_core = _import_core()
_NOT_HANDLED, _QUEUED_NOTHING = 1, 3  # the core's assert result codes (durable/engine.py _handle_result)


def _rule_name(message: str) -> str:
    """The rule a queued action belongs to: the first key of the core's message, '{"hit R1":{...}}'.
    Read from the text, since parsing the whole matched fact for one name was most of the cost."""
    if message.startswith('{"'):
        end = message.find('"', 2)
        if end > 2:
            return message[2:end]
    return str(next(iter(json.loads(message))))


class Engine:
    """Evaluates patients against a compiled ruleset; safe for any number of patients."""

    _sids = itertools.count(1)
    _instances = itertools.count(1)

    def __init__(self, compiled: Compiled):
        # The core registers rulesets by name, once per process: each engine names its own.
        self.tag = f"#{next(self._instances)}"
        self.compiled = compiled
        self.handles: dict[str, Any] = {}
        self.actions: dict[str, dict[str, tuple[str, str] | None]] = {}  # ruleset -> rule name -> firing
        # Only this engine adds to the mapping (the halves of a split ruleset); the definitions themselves
        # are never written, so they are shared with the compiled knowledge, not copied (a deep copy was a
        # fifth of a cold start).
        self.definitions = dict(compiled.definitions)
        # The rulesets of each stratum; one that overflows the core's stack is replaced by its halves.
        self.strata: list[list[str]] = [list(names) for names in compiled.strata]
        try:
            for name, (text, runs) in self.definitions.items():
                self._create(name, text, runs)
        except Exception as exc:  # a definition the compiler should have refused
            raise InternalError(f"the rule engine refused the compiled rules: {exc}") from exc

    def _create(self, name: str, text: str, runs: dict[str, str]) -> None:
        # The compiled text is what the core takes, as it is; the actions stay here, by rule name.
        self.actions[name] = {rule: None if run == "noop" else self.compiled.actions[run] for rule, run in runs.items()}
        self.handles[name] = _core.create_ruleset(name + self.tag, text)

    def _split(self, s: int, name: str) -> list[str]:
        """Replace a ruleset that overflowed the core's stack (error 303) by two halves, keeping both
        patterns of a rule together. The values found do not depend on how rules are packed."""
        text, runs = self.definitions[name]
        rules = json.loads(text)
        units = [k for k in rules if k != "__seen__"]
        ids = list(dict.fromkeys(k.split(" ", 1)[1] for k in units))
        if len(ids) < 2:
            raise InternalError(f"the rule engine cannot match {ids[0] if ids else name}: too many of its tests "
                                "are true at once (engine error 303)")
        half = set(ids[:len(ids) // 2])
        parts = []
        for suffix, keep in (("a", True), ("b", False)):
            part = {k: v for k, v in rules.items() if k != "__seen__" and (k.split(" ", 1)[1] in half) == keep}
            part["__seen__"] = rules["__seen__"]
            self.definitions[name + suffix] = (json.dumps(part, ensure_ascii=False), {k: runs[k] for k in part})
            self._create(name + suffix, *self.definitions[name + suffix])
            parts.append(name + suffix)
        at = self.strata[s].index(name)
        self.strata[s][at:at + 1] = parts
        return parts

    def run(self, base_fact: dict, fact_for_stratum: Callable[[int, list[tuple[str, str]]], dict]) -> list[tuple[str, str]]:
        """Fire stratum by stratum; `fact_for_stratum(s, fired_so_far)` gives each stratum's fact.

        Returns the firings in order as (kind, rule id)."""
        fired_all: list[tuple[str, str]] = []
        for s in range(len(self.strata)):
            fact = fact_for_stratum(s, fired_all) if s else base_fact
            fired_all.extend(self._assert(s, fact))
        return fired_all

    def _assert(self, s: int, fact: dict) -> list[tuple[str, str]]:
        sid = str(next(self._sids))
        text = json.dumps(dict(fact, sid=sid, t="patient"), ensure_ascii=False)  # once for the stratum
        fired: list[tuple[str, str]] = []
        asserted = []
        todo = list(self.strata[s])
        try:
            while todo:
                name = todo.pop(0)
                handle, actions = self.handles[name], self.actions[name]
                try:
                    code, state = _core.assert_fact(handle, text)
                except _core.error as exc:
                    if "error code: 303" not in str(exc):
                        raise
                    todo[0:0] = self._split(s, name)
                    continue
                asserted.append(handle)
                if code == _NOT_HANDLED:  # cannot happen with the catch-all; harmless if it does
                    continue
                queued = _core.start_action_for_state(handle, 0 if code == _QUEUED_NOTHING else state)
                message = queued[1] if queued else None
                while message:
                    rule = _rule_name(message)
                    if rule not in actions:
                        raise InternalError(f"a rule action failed inside the engine: unknown firing {rule!r}")
                    firing = actions[rule]
                    if firing is not None:
                        fired.append(firing)
                    message = _core.complete_and_start_action(handle, state)
            return fired
        except InternalError:
            raise
        except MemoryError as exc:
            raise InternalError("the rule engine ran out of sessions (more than 1024 live)") from exc
        except Exception as exc:  # durable_rules_engine.error and friends
            raise InternalError(f"the rule engine failed: {exc}") from exc
        finally:
            for handle in asserted:
                try:
                    _core.delete_state(handle, sid)
                except Exception:  # code 309: no session for this sid in that ruleset
                    pass
