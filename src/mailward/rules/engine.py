"""Compile rule files once, evaluate them over one message's facts.

Conditions are CEL (common-expression-language, Rust bindings). All rules of a
message share one ``cel.Context`` (its CEL environment is converted once), and
regular expressions go through registered functions backed by google-re2 with a
per-process pattern cache, never CEL's own ``matches()`` (which recompiles every
call and is not linear-time).

Functions available to conditions and evidence:

- ``rx(pattern, text) -> bool``: RE2 search.
- ``rx_find(pattern, text) -> string``: the first match, or "".
- ``any_rx(pattern, list) -> bool``: RE2 search over a list of strings.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import re2

from .. import linear_regex
from ..config import ConfigError
from ..result import Finding, Severity
from .celcore import cel, compile_expr
from .native import NativeProgram, compile_native, plain
from .rulefile import RuleSpec, load_rule_files

log = logging.getLogger(__name__)

_RE2_OPTIONS = linear_regex.OPTIONS


@functools.lru_cache(maxsize=1024)
def _regex(pattern: str) -> Any:
    return re2.compile(pattern, _RE2_OPTIONS)


def _rx(pattern: str, text: str) -> bool:
    return _regex(pattern).search(text) is not None


def _rx_find(pattern: str, text: str) -> str:
    match = _regex(pattern).search(text)
    return match.group(0) if match else ""


def _any_rx(pattern: str, items: list[str]) -> bool:
    compiled = _regex(pattern)
    return any(compiled.search(item) is not None for item in items)


FUNCTIONS: dict[str, Any] = {"rx": _rx, "rx_find": _rx_find, "any_rx": _any_rx}


class RuleLoadError(ConfigError):
    """A rule directory has errors; ``problems`` lists them (lint format)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("invalid rules:\n" + "\n".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class CompiledRule:
    spec: RuleSpec
    program: Any  # cel.Program
    evidence: tuple[tuple[str, Any], ...]  # (name, cel.Program)
    # the same expressions as Python functions (``native``), None where CEL alone runs them
    native: NativeProgram | None = None
    evidence_native: tuple[NativeProgram | None, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class Hit:
    """A rule that fired, with its evidence values (before policy)."""

    rule: CompiledRule
    evidence: Mapping[str, Any]
    summary: str

    def finding(self, score: float | None = None) -> Finding:
        spec = self.rule.spec
        return Finding(
            rule=spec.name,
            severity=Severity(spec.severity),
            summary=self.summary,
            score=spec.score if score is None else score,
            attack=spec.attack,
            evidence=dict(self.evidence),
            rule_id=spec.id,
            family=spec.family,
        )


# A projection of the facts: name -> None (keep the whole value) or a nested projection
# (applied to each item of a list).
Projection = dict[str, Any]


def projection_of(paths: Iterable[str]) -> Projection:
    """The nested projection that keeps exactly ``paths`` (as from ``lint.used_fields``)."""
    spec: Projection = {}
    for path in paths:
        node = spec
        names = path.replace("[]", "").split(".")
        for i, name in enumerate(names):
            last = i == len(names) - 1
            if name in node and node[name] is None:
                break  # already kept whole
            if last:
                node[name] = None
            else:
                node = node.setdefault(name, {})
    return spec


def project(value: Any, spec: Projection | None) -> Any:
    if spec is None:
        return value
    if isinstance(value, list):
        return [project(item, spec) for item in value]
    if isinstance(value, Mapping):
        return {name: project(value[name], sub) for name, sub in spec.items() if name in value}
    return value


def projector(spec: Projection | None) -> Callable[[Any], Any]:
    """``project(value, spec)`` as a function made once: the projection's names and
    sub-projections are read when it is built, not walked again for every message."""
    if spec is None:
        return _keep
    items = tuple((name, None if sub is None else projector(sub)) for name, sub in spec.items())

    def apply(value: Any) -> Any:
        if isinstance(value, list):
            return [apply(item) for item in value]
        if isinstance(value, Mapping):
            return {name: value[name] if sub is None else sub(value[name]) for name, sub in items if name in value}
        return value

    return apply


def _keep(value: Any) -> Any:
    return value


MAX_ERROR_TEXT = 300
# What CEL raises when a rule cannot be evaluated on a message; integer overflow and
# division by zero are ArithmeticErrors (OverflowError, ZeroDivisionError)
_EVALUATION_ERRORS = (KeyError, TypeError, ValueError, RuntimeError, IndexError, ArithmeticError)


@dataclass
class RuleErrors:
    """Evaluation errors of one rule in this process: how many, and the last one."""

    rule: str
    count: int = 0
    last: str = ""


@dataclass
class RuleSet:
    """Compiled rules, ready to evaluate. Build once per process.

    Only the facts some rule reads are handed to CEL (``projection``): converting
    Python values into CEL costs microseconds per field, more than evaluating.
    """

    rules: tuple[CompiledRule, ...]
    errors: list[str] = field(default_factory=list)  # load problems: rules left out, and why
    projection: Projection = field(default_factory=dict)
    # evaluation errors per rule: one entry per rule at most, so bounded by the rule count
    evaluation_errors: dict[str, RuleErrors] = field(default_factory=dict)
    _project: Callable[[Any], Any] = field(init=False, repr=False, compare=False)
    _enabled: tuple[tuple[str, Any, CompiledRule], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.projection:
            from .lint import used_fields

            paths: list[str] = []
            for rule in self.rules:
                if not rule.spec.enabled:
                    continue
                paths.extend(used_fields(rule.spec.condition))
                for expr in rule.spec.evidence.values():
                    paths.extend(used_fields(expr))
            self.projection = projection_of(paths)
        self._project = projector(self.projection)
        # (name, program, rule) of the enabled rules, in order: the loop of ``evaluate``
        self._enabled = tuple((rule.spec.name, rule.program, rule) for rule in self.rules if rule.spec.enabled)

    def __len__(self) -> int:
        return len(self.rules)

    def by_name(self, name: str) -> CompiledRule | None:
        for rule in self.rules:
            if rule.name == name:
                return rule
        return None

    def context(self, facts: Mapping[str, Any]) -> Any:
        return cel.Context(variables=self._project(facts), functions=FUNCTIONS)

    def evaluate(
        self, facts: Mapping[str, Any], *, skip: Iterable[str] = (), context: Any = None
    ) -> list[Hit]:
        """Every rule that fires on ``facts``, in rule order. Never raises on rule errors.

        Each rule runs as its Python translation (``native``) when it has one; where that
        cannot decide (see ``mailward.rules.native``), CEL runs it over a context built
        on first need, so most messages never pay for converting their facts to CEL."""
        run = _Run(self._project(facts), context)
        variables = run.variables
        skipped = frozenset(skip) if skip else frozenset()
        hits: list[Hit] = []
        for name, program, rule in self._enabled:
            if name in skipped:
                continue
            native = rule.native
            fired: Any = _UNDECIDED
            if native is not None and run.context is None:  # ``run.value`` inlined: the common case
                try:
                    fired = native(variables)
                except Exception:  # noqa: S110 - CEL decides, and reports its own error
                    pass
            if fired is _UNDECIDED:
                try:
                    fired = run.value(program, None)
                except _EVALUATION_ERRORS as exc:
                    self._count_error(name, exc)
                    continue
            if fired is True:
                hits.append(_hit(rule, run))
        return hits

    def _count_error(self, name: str, exc: Exception) -> None:
        entry = self.evaluation_errors.get(name)
        if entry is None:
            entry = self.evaluation_errors[name] = RuleErrors(name)
        entry.count += 1
        entry.last = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_TEXT]
        if entry.count & (entry.count - 1) == 0:  # the 1st, 2nd, 4th, 8th... time: bounded logs
            log.warning("rule %s failed to evaluate (%d times so far): %s", name, entry.count, entry.last)

    def error_counts(self) -> list[RuleErrors]:
        """Rules that failed to evaluate in this process, most failures first."""
        return sorted(self.evaluation_errors.values(), key=lambda e: (-e.count, e.rule))


def rule_errors(ruleset: RuleSet | None = None) -> list[RuleErrors]:
    """Evaluation errors per rule in this process (the built-in rule set unless one is
    given): for the web UI and ``mailward rules list``. A rule that breaks on every
    message shows here instead of silently never firing."""
    return (ruleset or default_ruleset()).error_counts()


_UNDECIDED = object()  # a rule's translation could not decide: CEL runs it


class _Run:
    """One message's evaluation: the projected facts, and their CEL context once needed."""

    __slots__ = ("context", "variables")

    def __init__(self, variables: Any, context: Any = None) -> None:
        self.variables = variables
        self.context = context  # a caller's context: CEL runs everything, as it was given

    def value(self, program: Any, native: NativeProgram | None, *, result: bool = False) -> Any:
        """The expression's value: its Python translation's, or CEL's where that cannot
        decide. Raises as ``program.execute`` does. With ``result``, a value to hand on
        (lists, not the facts' own tuples), as CEL returns it."""
        if native is not None and self.context is None:
            try:
                value = native(self.variables)
                return plain(value) if result else value
            except Exception:  # noqa: S110 - CEL decides, and reports its own error
                pass
        if self.context is None:
            self.context = cel.Context(variables=self.variables, functions=FUNCTIONS)
        return program.execute(self.context)


def _hit(rule: CompiledRule, run: _Run) -> Hit:
    evidence: dict[str, Any] = {}
    natives = rule.evidence_native or (None,) * len(rule.evidence)
    for (name, program), native in zip(rule.evidence, natives, strict=True):
        try:
            evidence[name] = run.value(program, native, result=True)
        except _EVALUATION_ERRORS:
            evidence[name] = None
    return Hit(rule=rule, evidence=evidence, summary=render_summary(rule.spec.summary, evidence))


def _fmt(value: Any) -> str:
    if isinstance(value, list | tuple):
        items = [_fmt(v) for v in value if v not in ("", None)]
        return ", ".join(dict.fromkeys(items)) if items else "-"
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def render_summary(template: str, evidence: Mapping[str, Any]) -> str:
    """Fill ``{name}`` placeholders from evidence; nothing else is interpreted."""
    out = []
    pos = 0
    while True:
        start = template.find("{", pos)
        if start < 0:
            out.append(template[pos:])
            break
        end = template.find("}", start)
        if end < 0:
            out.append(template[pos:])
            break
        key = template[start + 1 : end]
        out.append(template[pos:start])
        out.append(_fmt(evidence.get(key)) if key in evidence else template[start : end + 1])
        pos = end + 1
    return " ".join("".join(out).split())


def compile_rule(spec: RuleSpec) -> CompiledRule:
    """Compile one rule's condition and evidence expressions (raises ValueError)."""
    program = compile_expr(spec.condition)
    evidence = tuple((name, compile_expr(expr)) for name, expr in spec.evidence.items())
    return CompiledRule(
        spec=spec,
        program=program,
        evidence=evidence,
        native=compile_native(spec.condition, FUNCTIONS),
        evidence_native=tuple(compile_native(expr, FUNCTIONS) for expr in spec.evidence.values()),
    )


def builtin_rules_dir() -> Path:
    return Path(__file__).parent / "builtin"


def load_ruleset(
    dirs: Iterable[Path] | None = None, *, include_builtin: bool = True, strict: bool = True
) -> RuleSet:
    """Load, lint and compile the built-in rules plus any extra directories.

    With ``strict`` (the default) any lint problem raises ``RuleLoadError``;
    otherwise broken rules are left out and their problems kept in ``errors``.
    """
    from .lint import lint_specs

    paths: list[Path] = [builtin_rules_dir()] if include_builtin else []
    paths.extend(Path(d) for d in dirs or ())
    specs, problems = load_rule_files(paths)
    lint_problems = lint_specs(specs, check_samples=False)
    problems.extend(str(p) for p in lint_problems)
    bad = {p.rule for p in lint_problems}
    if problems and strict:
        raise RuleLoadError(problems)
    compiled = []
    for spec in specs:
        if spec.name in bad:
            continue
        compiled.append(compile_rule(spec))
    return RuleSet(rules=tuple(compiled), errors=list(problems))


@functools.cache
def default_ruleset() -> RuleSet:
    """The built-in rules, compiled once per process."""
    return load_ruleset()
