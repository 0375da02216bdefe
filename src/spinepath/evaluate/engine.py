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
from typing import Any

from .compile import Compiled, fresh_definitions


class InternalError(Exception):
    """A bug or an engine failure, never the user's input: exit status 1."""


def _import_core():
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
    return next(iter(json.loads(message)))


class Engine:
    """Evaluates patients against a compiled ruleset; safe for any number of patients."""

    _sids = itertools.count(1)

    def __init__(self, compiled: Compiled):
        self.compiled = compiled
        self.handles: dict[str, Any] = {}
        self.actions: dict[str, dict[str, tuple[str, str] | None]] = {}  # ruleset -> rule name -> firing
        try:
            for name, rules in fresh_definitions(compiled).items():
                runs = {rule: rules[rule].pop("run") for rule in rules}
                self.actions[name] = {rule: None if run == "noop" else compiled.actions[run]
                                      for rule, run in runs.items()}
                self.handles[name] = _core.create_ruleset(name, json.dumps(rules, ensure_ascii=False))
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
        text = json.dumps(dict(fact, sid=sid, t="patient"), ensure_ascii=False)  # once for the stratum
        fired: list[tuple[str, str]] = []
        asserted = []
        try:
            for name in names:
                handle, actions = self.handles[name], self.actions[name]
                code, state = _core.assert_fact(handle, text)
                asserted.append(handle)
                if code == _NOT_HANDLED:  # cannot happen with the catch-all; harmless if it does
                    continue
                queued = _core.start_action_for_state(handle, 0 if code == _QUEUED_NOTHING else state)
                message = queued[1] if queued else None
                while message:
                    rule = _rule_name(message)
                    if rule not in actions:
                        raise InternalError(f"a rule action failed inside the engine: unknown firing {rule!r}")
                    if actions[rule] is not None:
                        fired.append(actions[rule])
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
