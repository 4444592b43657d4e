"""Property tests: the parser takes any bytes without raising."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailward.model import Message
from mailward.parse import Limits, parse_message
from mailward.scan import Scanner

from .samples import SAMPLES

_HEADER_NAMES = st.sampled_from(
    ["From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To", "Content-Type",
     "Content-Transfer-Encoding", "Received", "Authentication-Results", "Return-Path", "X-Other"]
)
_HEADER_VALUE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFF), max_size=80
).map(lambda s: s.replace("\r", " ").replace("\n", " "))


@st.composite
def mail_shaped(draw: st.DrawFn) -> bytes:
    """Header lines, maybe a multipart body with boundaries that may or may not match."""
    headers = draw(st.lists(st.tuples(_HEADER_NAMES, _HEADER_VALUE), max_size=12))
    boundary = draw(st.sampled_from(["b1", "x", "", "=_weird boundary_="]))
    lines = [f"{name}: {value}" for name, value in headers]
    if draw(st.booleans()):
        lines.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
    body_parts = draw(st.lists(st.binary(max_size=200), max_size=4))
    head = "\r\n".join(lines).encode("utf-8", "surrogateescape")
    body = b""
    for part in body_parts:
        body += b"--" + boundary.encode() + b"\r\n" + part + b"\r\n"
    if draw(st.booleans()):
        body += b"--" + boundary.encode() + b"--\r\n"
    return head + b"\r\n\r\n" + body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_parse_any_bytes_never_raises(raw: bytes) -> None:
    message = parse_message(raw)
    assert isinstance(message, Message)
    assert message.raw_size == len(raw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mail_shaped())
def test_parse_mail_shaped_input_never_raises(raw: bytes) -> None:
    message = parse_message(raw)
    assert isinstance(message, Message)
    assert len(message.sha256) == 64


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(SAMPLES)), st.integers(min_value=0, max_value=4000), st.binary(max_size=64))
def test_scan_mutated_samples_gives_a_verdict(name: str, position: int, junk: bytes) -> None:
    """Splice junk into real-shaped samples: the scan always answers with a verdict."""
    raw = SAMPLES[name]
    position = min(position, len(raw))
    mutated = raw[:position] + junk + raw[position:]
    result = Scanner().scan_bytes(mutated, "mutated")
    assert result.verdict.value in {"clean", "tracking", "suspicious", "recon", "phishing", "malicious", "unscannable"}
    if result.verdict.value == "unscannable":
        assert result.reason


def test_limits_are_recorded_not_fatal() -> None:
    many_parts = b"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + (
        b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 50
    ) + b"--b--\r\n"
    message = parse_message(many_parts, limits=Limits(max_parts=10))
    assert "max_parts" in message.limits_hit
    assert len(message.text_parts) < 10
    big = b"From: a@example.org\r\n\r\n" + b"A" * 5000
    cut = parse_message(big, limits=Limits(max_size=1000))
    assert "max_size" in cut.limits_hit
    assert cut.raw_size == len(big)
