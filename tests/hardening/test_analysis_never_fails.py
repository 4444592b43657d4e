"""No message may make its own analysis fail.

The Scanner turns an internal exception into ``unscannable`` with "analysis failed"
as the reason, so the gateway applies ``on_failure`` (tempfail, or accept without
analysis). An attacker who can trigger that at will evades analysis: every regression
sample must get a real verdict, or ``unscannable`` for a reason about the input.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailward.gateway.defuse import defuse
from mailward.scan import Scanner

REGRESSIONS = sorted((Path(__file__).parent / "regressions").glob("*.eml"))
_SCANNER = Scanner()


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda p: p.name)
def test_regression_sample_gets_a_real_analysis(path: Path) -> None:
    raw = path.read_bytes()
    result = _SCANNER.scan_bytes(raw, path.name)
    assert "analysis failed" not in (result.reason or ""), result.reason
    again = _SCANNER.scan_bytes(defuse(raw, result), path.name + " (defused)")
    assert "analysis failed" not in (again.reason or ""), again.reason


@pytest.mark.parametrize("charset, body", [
    ("utf-7", b"+3Ok- +2AA- verify your account"),
    ("unicode-escape", b"\\udce9 \\ud800 verify your account"),
    ("raw-unicode-escape", b"\\udce9 verify your account"),
    ("utf-16", b"\xff\xfe\x00\xdca\x00"),  # a lone low surrogate in UTF-16
])
def test_lone_surrogates_from_a_charset_do_not_fail_analysis(charset: str, body: bytes) -> None:
    for ctype in ("text/plain", "text/html"):
        raw = (b"From: a@b.example\r\nTo: c@parliament.example\r\nSubject: =?utf-7?q?+3Ok-?= x\r\n"
               b"Content-Type: " + ctype.encode() + b"; charset=" + charset.encode() + b"\r\n\r\n" + body + b"\r\n")
        result = _SCANNER.scan_bytes(raw, charset)
        assert result.verdict.value != "unscannable", result.reason
