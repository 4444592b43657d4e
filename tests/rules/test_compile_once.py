"""Loading the rules compiles each CEL expression once (``celcore.compile_expr``), not once per check."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from mailward.rules import celcore
from mailward.rules.engine import load_ruleset


class _CountingCel:
    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:  # Context and the rest: the real module's
        return getattr(self.real, name)

    def compile(self, expr: str) -> Any:
        self.calls[expr] += 1
        return self.real.compile(expr)


def test_loading_the_builtin_rules_compiles_every_expression_once(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = _CountingCel(celcore.cel)
    monkeypatch.setattr(celcore, "cel", counting)
    celcore.compile_expr.cache_clear()
    try:
        ruleset = load_ruleset()
    finally:
        celcore.compile_expr.cache_clear()
    assert len(ruleset.rules) > 100 and not ruleset.errors
    expressions = {r.spec.condition for r in ruleset.rules} | {e for r in ruleset.rules for e in r.spec.evidence.values()}
    assert set(counting.calls) == expressions
    assert max(counting.calls.values()) == 1


def test_a_broken_expression_raises_every_time() -> None:
    for _ in range(2):
        with pytest.raises(ValueError):
            celcore.compile_expr("facts.subject ==")


def test_one_compiled_program_serves_several_contexts() -> None:
    program = celcore.compile_expr("x + 1 > y")
    first = celcore.cel.Context(variables={"x": 1, "y": 1})
    second = celcore.cel.Context(variables={"x": 0, "y": 5})
    assert [program.execute(first), program.execute(second), program.execute(first)] == [True, False, True]
    assert celcore.compile_expr("x + 1 > y") is program
