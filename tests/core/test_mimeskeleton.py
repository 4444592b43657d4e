"""The skeleton parse of big messages builds the stdlib's own tree, and the fast
text-URL finder finds what ``finditer`` finds."""

from __future__ import annotations

import re
from email import feedparser, policy
from email.message import Message as MimeMessage
from email.parser import BytesParser
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailward import mimeskeleton
from mailward.gateway.mimesplice import _marker_lines
from mailward.mimeskeleton import parse_mime
from mailward.parse import _TEXT_URL, text_urls

_STDLIB = BytesParser(policy=policy.compat32)


def _shape(message: MimeMessage) -> list[Any]:
    payload = message._payload
    return [
        message._headers,
        message.get_unixfrom(),
        message.preamble,
        message.epilogue,
        message.get_default_type(),
        [type(defect).__name__ for defect in message.defects],
        [_shape(child) for child in payload] if isinstance(payload, list) else payload,
    ]


@pytest.fixture(autouse=True)
def _every_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mimeskeleton, "MIN_RUN", 1)  # every run of body lines becomes a placeholder


_EOLS = st.sampled_from(["\r\n", "\n", "\r"])
_LINES = st.sampled_from([
    "--b1", "--b1--", "--b1  ", "--b2", "--b2--", "--", "-- ", "--b1--x", "plain text", "", "  folded",
    "Content-Type: text/plain", "Content-Type: multipart/mixed; boundary=b2", "Content-Type: message/rfc822",
    "Content-Type: multipart/digest; boundary=b2", "Content-Transfer-Encoding: base64", "From nobody",
    "X-Head: v", "no colon here", "aGVsbG8=", "=E9t=E9", "\x0b\x0cvt", "caf\xe9",
])


@st.composite
def _messages(draw: st.DrawFn) -> bytes:
    head = draw(st.sampled_from([
        "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n",
        "Content-Type: multipart/alternative; boundary=\"b1\"\n\n",
        "Subject: x\r\n\r\n", "Content-Type: multipart/mixed\r\n\r\n", "", "Content-Type: message/rfc822\r\n\r\n",
    ]))
    lines = draw(st.lists(st.tuples(_LINES, _EOLS), max_size=40))
    body = "".join(line + eol for line, eol in lines)
    if draw(st.booleans()) and body:
        body = body.rstrip("\r\n")
    return (head + body).encode("latin-1")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_messages())
def test_skeleton_tree_is_the_stdlib_tree(raw: bytes) -> None:
    assert _shape(parse_mime(raw, fast_from=0, fast=False)) == _shape(_STDLIB.parsebytes(raw))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_skeleton_tree_of_any_bytes(raw: bytes) -> None:
    assert _shape(parse_mime(raw, fast_from=0, fast=False)) == _shape(_STDLIB.parsebytes(raw))


def test_big_multipart_takes_the_skeleton_path() -> None:
    body = "".join(f"line {n} of the body\r\n" for n in range(5000))
    raw = (
        "Content-Type: multipart/mixed; boundary=b\r\n\r\npreamble\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
        f"{body}--b\r\nContent-Type: text/html\r\n\r\n<p>{body}</p>\r\n--b--\r\nepilogue\r\n"
    ).encode()
    assert mimeskeleton._skeleton_parse(raw.decode("ascii")) is not None
    fast = parse_mime(raw, fast=False)
    assert _shape(fast) == _shape(_STDLIB.parsebytes(raw))
    assert fast.get_payload(0).get_payload() == body.removesuffix("\r\n")


def test_message_parts_fall_back_to_the_stdlib() -> None:
    inner = "".join(f"line {n}\r\n" for n in range(2000))
    raw = (
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n"
        f"Subject: inner\r\nContent-Type: text/plain\r\n\r\n{inner}--b--\r\n"
    ).encode()
    assert mimeskeleton._skeleton_parse(raw.decode("ascii")) is None
    assert _shape(parse_mime(raw, fast_from=0, fast=False)) == _shape(_STDLIB.parsebytes(raw))


_URL_TEXT = st.lists(st.sampled_from([
    "http://a.example/x", "HTTPS://b.example", "httpſ://c.example", "www.d.example", "WwW.e.example", "xwww.f",
    "://", "http:/", " ", "\n", "word", "http://g.example/http://h.example", "ahttp://i.example", "é", "<", "İ",
]), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(_URL_TEXT)
def test_text_urls_is_finditer(text: str) -> None:
    fast = [(m.start(), m.group(0)) for m in text_urls(text)]
    assert fast == [(m.start(), m.group(0)) for m in _TEXT_URL.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"--b", b"--b--", b"x--b", b"\r", b"\n", b"\r\n", b"text", b"-"]), max_size=30))
def test_marker_lines_are_the_lines_that_start_with_the_marker(parts: list[bytes]) -> None:
    body = b"".join(parts)
    expected, offset = [], 0
    for line in body.splitlines(keepends=True):
        if line.startswith(b"--b"):
            expected.append((offset, line))
        offset += len(line)
    assert list(_marker_lines(body, b"--b")) == expected


# -- the feed parser's boundary pattern without compiling it ------------------------------

_TAIL = r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
_BOUNDARY_CHARS = st.sampled_from(list("ab9-_.=+()?*[]{}|^$\\ \t'\"/:é\n"))


def _stdlib_pattern(separator: str) -> str:
    return "(?P<sep>" + re.escape(separator) + _TAIL  # what email.feedparser compiles


def test_the_feed_parser_uses_the_stand_in() -> None:
    assert isinstance(feedparser.re, mimeskeleton._FeedparserRe)


@given(st.lists(_BOUNDARY_CHARS, min_size=1, max_size=12).map("".join),
       st.sampled_from(["", "--", "  ", "-- \t", "x", "--x", " --"]), st.sampled_from(["", "\r\n", "\n", "\r", "\n\n"]),
       st.sampled_from(["", "-", "--"]))
def test_the_boundary_matcher_matches_as_the_compiled_pattern(boundary: str, tail: str, eol: str, cut: str) -> None:
    separator = "--" + boundary
    real = re.compile(_stdlib_pattern(separator))
    stand_in = mimeskeleton._FeedparserRe().compile(_stdlib_pattern(separator))
    assert isinstance(stand_in, mimeskeleton._BoundaryMatcher)
    for line in (separator + tail + eol, separator[: len(separator) - len(cut)] + tail + eol, "x" + separator + eol):
        want, got = real.match(line), stand_in.match(line)
        assert (want is None) == (got is None), line
        if want is not None and got is not None:
            assert (got.group("end"), got.group("ws"), got.group("linesep")) == \
                (want.group("end"), want.group("ws"), want.group("linesep"))


def test_other_patterns_compile_as_usual() -> None:
    stand_in = mimeskeleton._FeedparserRe()
    assert stand_in.compile(r"(\r\n|\r|\n)\Z").pattern == r"(\r\n|\r|\n)\Z"
    # the boundary shape, but the middle is not what re.escape writes: compiled for real
    odd = "(?P<sep>--a|b" + _TAIL
    assert isinstance(stand_in.compile(odd), re.Pattern)
    assert stand_in.escape is re.escape


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_messages(), st.sampled_from(["b1", "b.1+(x)*", "b1 ", "é\\b1"]))
def test_the_tree_with_the_stand_in_is_the_tree_with_re(raw: bytes, boundary: str) -> None:
    raw = raw.replace(b"b1", boundary.encode("latin-1"))
    with_stand_in = _shape(_STDLIB.parsebytes(raw))
    stand_in = feedparser.re
    feedparser.re = re  # type: ignore[attr-defined]
    try:
        with_re = _shape(_STDLIB.parsebytes(raw))
    finally:
        feedparser.re = stand_in  # type: ignore[attr-defined]
    assert with_stand_in == with_re
