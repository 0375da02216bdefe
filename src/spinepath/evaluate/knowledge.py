"""The knowledge base as one typed object: the checked rules with their presumptions, the compiled
engine, the evaluation plan and the dependency graph. Loaded once per process and content."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..derive import SPECS
from ..derive.vocabulary import all_fields
from ..load.presumption_files import attach as attach_presumptions
from ..load.rule_files import Presumption, Rule, Ruleset, default_rules_dir, load_ruleset
from . import cache
from .compile import Compiled, compile_ruleset
from .dependencies import DependencyGraph, build as build_graph
from .engine import Engine


@dataclass(frozen=True)
class Knowledge:
    ruleset: Ruleset
    compiled: Compiled
    engine: Engine
    rules: dict[str, Rule]  # by id
    list_fields: tuple[str, ...]  # fields holding lists (the engine counts their items)
    # The rules in evaluation order, each with the derived facts that are settled once it is evaluated.
    plan: tuple[tuple[Rule, tuple[str, ...]], ...]
    graph: DependencyGraph
    # Each rule's place in `plan` (incremental re-evaluation visits the rules a change reaches in this order).
    position: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def presumptions(self) -> tuple[Presumption, ...]:
        return self.ruleset.presumptions


def _plan(rs: Ruleset, compiled: Compiled) -> tuple[tuple[Rule, tuple[str, ...]], ...]:
    rules = sorted(rs.rules, key=lambda r: compiled.order[r.id])
    position = {r.id: i for i, r in enumerate(rules)}
    settled_after: list[list[str]] = [[] for _ in rules]
    for fact, rids in rs.derived_facts.items():
        settled_after[max(position[r] for r in rids)].append(fact)
    return tuple((rule, tuple(facts)) for rule, facts in zip(rules, settled_after))


def load_and_compile(directory: Path, rules_digest: str | None = None) -> tuple[Ruleset, Compiled, DependencyGraph]:
    """load_ruleset + presumptions + compile_ruleset + the dependency graph, from the disk cache when
    neither the rules nor the code changed (`rules_digest`: cache.rules_digest(directory), if made)."""
    store = cache.cache_dir()
    key = cache.cache_key(directory, rules_digest) if store is not None and directory.is_dir() else None
    if store is not None and key is not None:
        hit = cache.read_entry(store, key, directory)
        if hit is not None:
            return hit
    ruleset = with_presumptions(load_ruleset(all_fields(), directory))
    compiled = compile_ruleset(ruleset)
    graph = build_graph(ruleset)
    if store is not None and key is not None and cache.cache_key(directory) == key:  # unchanged while read
        cache.write_entry(store, key, directory, ruleset, compiled, graph)
    return ruleset, compiled, graph


def with_presumptions(ruleset: Ruleset) -> Ruleset:
    """The ruleset with the presumptions and question wordings of its folder (ruleset.root), checked
    against its rules and the derive step's inputs."""
    derived_inputs = {f"derived.{k}": spec.inputs for k, spec in SPECS.items()}
    never = frozenset(f"derived.{k}" for k, spec in SPECS.items() if not spec.presumable)
    return attach_presumptions(ruleset, derived_inputs, never)


def build(ruleset: Ruleset, compiled: Compiled, graph: DependencyGraph | None = None) -> Knowledge:
    lists = sorted(f for f, t in ruleset.fields.items() if t.kind == "list" and not f.startswith("derived."))
    lists += sorted(f for f, t in ruleset.fields.items() if t.kind == "list" and f.startswith("derived."))
    plan = _plan(ruleset, compiled)
    return Knowledge(ruleset, compiled, Engine(compiled), {r.id: r for r in ruleset.rules}, tuple(lists),
                     plan, graph if graph is not None else build_graph(ruleset),
                     {rule.id: i for i, (rule, _) in enumerate(plan)})


# Loaded knowledge by the content of its rules folder: a process that edits the rules and loads them
# again (a notebook, a long test run) gets the new rules, never stale ones.
_LOADED: dict[tuple[str, str], Knowledge] = {}
_KEEP = 4


def load_knowledge(rules_dir: str | Path | None = None) -> Knowledge:
    """Load, check and compile the knowledge base: once per process and content of the rules folder."""
    directory = Path(rules_dir).resolve() if rules_dir is not None else default_rules_dir()
    digest = cache.rules_digest(directory) if directory.is_dir() else None
    key = (str(directory), digest or "")
    kb = _LOADED.get(key) if digest is not None else None
    if kb is None:
        kb = build(*load_and_compile(directory, digest))
        if digest is not None:
            if len(_LOADED) >= _KEEP:
                _LOADED.pop(next(iter(_LOADED)))
            _LOADED[key] = kb
    return kb
