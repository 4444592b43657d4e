"""Every hostile message gets a real verdict or `unscannable` with the reason, and
the defused copy still parses. Time and memory are measured by
bench/hostile_bench.py, not asserted here."""

from __future__ import annotations

import pytest

from mailward.gateway.defuse import defuse
from mailward.gateway.settings import load_settings
from mailward.parse import parse_message
from mailward.result import Verdict
from mailward.scan import Scanner

from .hostile import ALL

_SCANNER = Scanner()


@pytest.mark.parametrize("name", sorted(ALL))
def test_hostile_message_gets_an_answer(name: str) -> None:
    raw = ALL[name]()
    result = _SCANNER.scan_bytes(raw, name)
    assert isinstance(result.verdict, Verdict)
    if result.verdict is Verdict.UNSCANNABLE:
        assert result.reason
    defused = defuse(raw, result, load_settings(None))
    assert parse_message(defused).raw_size == len(defused)


def test_limits_are_reported_for_oversized_input() -> None:
    result = _SCANNER.scan_bytes(ALL["many_parts"](), "many_parts")
    assert "max_parts" in result.reason


def test_recipients_searched_for_tokens_are_bounded() -> None:
    result = _SCANNER.scan_bytes(ALL["many_recipients"](), "many_recipients")
    assert "max_token_recipients" in result.reason
    assert len(result.recipients) > 1_000  # the list itself is kept (up to the header length limit)
