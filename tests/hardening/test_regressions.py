"""Every crashing input ever found by fuzzing stays here and must scan and defuse cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailward.gateway.defuse import defuse
from mailward.scan import Scanner

REGRESSIONS = sorted((Path(__file__).parent / "regressions").glob("*.eml"))
_SCANNER = Scanner()


def test_there_are_regression_samples() -> None:
    assert REGRESSIONS, "tests/hardening/regressions/ lost its samples"


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda p: p.name)
def test_regression_input_scans_and_defuses(path: Path) -> None:
    raw = path.read_bytes()
    result = _SCANNER.scan_bytes(raw, path.name)
    assert result.verdict.value != "unscannable" or result.reason
    defuse(raw, result)
