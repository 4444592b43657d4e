"""The fast MIME parse builds the stdlib's own tree, or declines."""

from __future__ import annotations

from email import policy
from email.parser import Parser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailward.mimefast import fast_parse
from mailward.mimeskeleton import parse_mime
from tests.core.test_mimeskeleton import _shape

_STDLIB = Parser(policy=policy.compat32)


def _same_or_declined(text: str) -> bool:
    """True when the fast parse built the stdlib's tree, False when it declined."""
    fast = fast_parse(text)
    if fast is None:
        return False
    assert _shape(fast) == _shape(_STDLIB.parsestr(text))
    return True


_EOLS = st.sampled_from(["\r\n", "\n", "\r"])
_LINES = st.sampled_from([
    "--b1", "--b1--", "--b1  ", "--b1 \t", "--b1--  ", "--b2", "--b2--", "--", "-- ", "--b1--x", "--b1x", "x--b1",
    "plain text", "", "", "  folded", "\tfolded", "Content-Type: text/plain", "Content-Type: text/html; charset=utf-8",
    "Content-Type: multipart/mixed; boundary=b2", "Content-Type: multipart/alternative; boundary=\"b1\"",
    "Content-Type: message/rfc822", "Content-Type: multipart/digest; boundary=b2", "Content-Type: multipart/mixed",
    "Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: quoted-printable", "From nobody", "From: a@b",
    "X-Head: v", ": no name", "no colon here", "aGVsbG8=", "=E9t=E9", "\x0b\x0cvt", "caf\udce9", "X-Empty:",
])


@st.composite
def _messages(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from([
        "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n",
        "Content-Type: multipart/alternative; boundary=\"b1\"\n\n",
        "Subject: x\r\n folded\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n",
        "Content-Type: multipart/mixed; boundary=b1\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        "Subject: x\r\n\r\n", "Content-Type: multipart/mixed\r\n\r\n", "", "Content-Type: message/rfc822\r\n\r\n",
        "From x\nSubject: y\n\n", " folded first\nSubject: y\n\n",
    ]))
    lines = draw(st.lists(st.tuples(_LINES, _EOLS), max_size=40))
    body = "".join(line + eol for line, eol in lines)
    if draw(st.booleans()) and body:
        body = body.rstrip("\r\n")
    text = head + body
    one_eol = draw(st.sampled_from(["", "\r\n", "\n"]))  # a text with one kind of line end
    if one_eol:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", one_eol)
    return text


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_messages())
def test_fast_tree_is_the_stdlib_tree(text: str) -> None:
    _same_or_declined(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_fast_tree_of_any_bytes(raw: bytes) -> None:
    _same_or_declined(raw.decode("ascii", "surrogateescape"))


def _part(ctype: str, body: str, eol: str) -> str:
    return f"Content-Type: {ctype}{eol}X-Part: yes{eol}  folded{eol}{eol}{body}{eol}"


def test_common_shapes_take_the_fast_path() -> None:
    for eol in ("\r\n", "\n", "\r"):
        single = f"From: a@example.org{eol}Subject: hello{eol}{eol}body line{eol}second line{eol}"
        inner = (f"--in{eol}{_part('text/plain', 'plain', eol)}--in{eol}{_part('text/html', '<p>html</p>', eol)}"
                 f"--in--{eol}")
        nested = (f"Subject: nested{eol}Content-Type: multipart/mixed; boundary=\"out\"{eol}{eol}preamble{eol}"
                  f"--out{eol}Content-Type: multipart/alternative; boundary=in{eol}{eol}{inner}{eol}"
                  f"--out{eol}{_part('application/pdf', 'JVBERi0=', eol)}--out--{eol}epilogue{eol}")
        for text in (single, single.rstrip(eol), nested, nested.rstrip(eol), f"Subject: only headers{eol}"):
            assert _same_or_declined(text), text


def test_a_part_that_repeats_an_outer_boundary_ends_there() -> None:
    text = ("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; boundary=b\n\n"
            "--b\nContent-Type: text/plain\n\nx\n--b--\nafter\n")
    _same_or_declined(text)
    assert _shape(parse_mime(text.encode())) == _shape(_STDLIB.parsestr(text))


def test_unusual_shapes_decline() -> None:
    for text in ("From sender Mon Jan 1\nSubject: x\n\nbody\n", "Subject: x\nno colon\n\nbody\n",
                 "Content-Type: message/rfc822\n\nSubject: inner\n\nbody\n",
                 "Content-Type: multipart/mixed; boundary=b\n\nno boundary at all\n",
                 "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n",  # no closing boundary
                 "Content-Type: multipart/mixed; boundary=b\n\n--b\n--b\n\nx\n--b--\n",
                 "Content-Type: multipart/digest; boundary=b\n\n--b\n\nx\n--b--\n"):
        assert fast_parse(text) is None, text
        assert _shape(parse_mime(text.encode())) == _shape(_STDLIB.parsestr(text))
