"""Modules stay small enough to read: none over 600 lines under src/, no function over 100.

Past that size a module holds more than one concern and a function more than one
step; split it by concern (docs/architecture.md lists the modules).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "mailward"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 100


def oversized(source: str, name: str) -> list[str]:
    """What in one module's source is over the limits, in words."""
    found: list[str] = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(f"{name}: {lines} lines (limit {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - start + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{name}:{node.lineno} {node.name}() {length} lines (limit {MAX_FUNCTION_LINES})")
    return found


def test_the_limits_are_checked_on_the_package() -> None:
    modules = sorted(SRC.rglob("*.py"))
    assert len(modules) > 100  # the walk found the package
    problems = [p for path in modules for p in oversized(path.read_text("utf-8"), str(path.relative_to(SRC)))]
    assert not problems, "split these by concern:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = 1\n" * 601, "601 lines"),
        ("def f():\n" + "    x = 1\n" * 100, "f() 101 lines"),
        ("@decorator\nasync def g():\n" + "    pass\n" * 99, "g() 101 lines"),
    ],
)
def test_oversized_names_what_is_too_long(source: str, expected: str) -> None:
    assert any(expected in problem for problem in oversized(source, "m.py"))


def test_code_within_the_limits_passes() -> None:
    assert oversized("def f():\n" + "    x = 1\n" * 99 + "x = 2\n" * 400, "m.py") == []
