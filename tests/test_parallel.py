"""The xdist plan of tests/parallel.py still matches the files it names."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.parallel import _SITE_FILES, WEB_SITE, WEIGHTS, scope_of

ROOT = Path(__file__).resolve().parents[1]


def _uses_site(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    return any(isinstance(node, ast.FunctionDef) and any(a.arg == "site" for a in node.args.args)
               for node in ast.walk(tree))


def test_every_web_file_using_the_site_server_is_in_its_group() -> None:
    using = {str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "web").glob("test_*.py") if _uses_site(p)}
    assert using == set(_SITE_FILES)
    assert {scope_of(f"{name}::test_x") for name in using} == {WEB_SITE}


def test_weighted_units_exist() -> None:
    for unit in WEIGHTS:
        assert unit == WEB_SITE or (ROOT / unit).is_file(), unit
    assert scope_of("tests/core/test_domains.py::test_a[x::y]") == "tests/core/test_domains.py"
