"""Big text parts: a rewritten quoted-printable part of LARGE_PART bytes or more goes back
in base64 when its Content-Transfer-Encoding field is in its own header block."""

from __future__ import annotations

import base64
import email
from email import policy
from email.message import EmailMessage
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailward.gateway import mimesplice
from mailward.gateway.defuse import _known_payload, _still_loads, defuse, defuse_report
from mailward.gateway.mimesplice import _base64_head, base64_lines, rewrite_text_parts, split_head
from mailward.result import Beacon
from tests.gateway.test_defuse import (
    PIXEL,
    _shape,
    assert_same_parts_minus_beacons,
    messages,
    parsed,
    remote_loads,
    result,
)

FILLER = "<p>" + "Today in politics and policy, caf\u00e9 = 1. " * 5000 + "</p>"  # ~200 KB, one line


def newsletter(filler: str = FILLER, *, single: bool = False) -> bytes:
    html = f'<html><body><img src="{PIXEL}" width="1" height="1"><h1>News</h1>{filler}</body></html>'
    msg = EmailMessage()
    msg["From"] = "news@example.org"
    msg["Subject"] = "t"
    if single:
        msg.set_content(html, subtype="html", cte="quoted-printable")
    else:
        msg.set_content("News\n")
        msg.add_alternative(html, subtype="html", cte="quoted-printable")
    return msg.as_bytes(policy=policy.SMTP)


def html_parts(raw: bytes) -> list[tuple[str, str]]:
    """(Content-Transfer-Encoding, decoded text) of each HTML part, as the stdlib reads them."""
    msg = email.message_from_bytes(raw, policy=policy.default)
    return [(str(part.get("content-transfer-encoding", "")).lower(), str(part.get_content()))  # type: ignore[attr-defined]
            for part in msg.walk() if part.get_content_type() == "text/html"]


def test_base64_lines_is_encodebytes() -> None:
    for data in (b"", b"x", bytes(range(256)) * 3, b"a" * 57, b"a" * 56, b"a" * 58, b"\r\n" * 1000):
        assert base64_lines(data) == base64.encodebytes(data)
        assert base64_lines(data, b"\r\n") == base64.encodebytes(data).replace(b"\n", b"\r\n")


@given(st.binary(max_size=3000), st.sampled_from([b"\n", b"\r\n"]))
def test_base64_lines_is_encodebytes_on_any_bytes(data: bytes, eol: bytes) -> None:
    assert base64_lines(data, eol) == base64.encodebytes(data).replace(b"\n", eol)


def test_big_quoted_printable_part_goes_back_in_base64_with_short_lines() -> None:
    raw = newsletter()
    out, report = defuse_report(raw, result())
    assert report.beacons_removed == 1
    ((cte, html),) = html_parts(out)
    assert cte == "base64"
    assert PIXEL not in html and remote_loads(html) == [] and "caf\u00e9 = 1." in html
    assert max(len(line) for line in out.splitlines()) <= 76
    assert split_head(out)[0] == split_head(raw)[0]
    before, after = parsed(raw), parsed(out)
    assert not after.defects and _shape(after) == _shape(before)
    text = next(p for p in after.walk() if p.get_content_type() == "text/plain")
    assert text["Content-Transfer-Encoding"] != "base64"  # small: stays as it was


def test_small_part_and_the_message_header_keep_quoted_printable() -> None:
    small = newsletter("<p>short</p>")
    assert [cte for cte, _ in html_parts(defuse(small, result()))] == ["quoted-printable"]
    single = newsletter(single=True)  # its Content-Transfer-Encoding is the message's header
    out = defuse(single, result())
    ((cte, html),) = html_parts(out)
    assert cte == "quoted-printable" and PIXEL not in html and remote_loads(html) == []
    assert split_head(out)[0] == split_head(single)[0]


def test_doubtful_transfer_encoding_fields_keep_quoted_printable() -> None:
    head = b'Content-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n'
    assert _base64_head(head) == head.replace(b"quoted-printable", b"base64")
    assert _base64_head(head.replace(b"Content-Transfer-Encoding", b"content-transfer-encoding")) is not None
    assert _base64_head(head + b"Content-Transfer-Encoding: quoted-printable\r\n") is None  # two fields
    assert _base64_head(head.replace(b": quoted", b":\r\n quoted")) is None  # folded
    assert _base64_head(head.replace(b"printable", b"printable (x)")) is None
    assert _base64_head(b"Content-Type: text/html\r\n") is None
    # a nested part with two fields: the splice leaves the encoding alone
    raw = newsletter().replace(b"Content-Transfer-Encoding: quoted-printable\r\n",
                               b"Content-Transfer-Encoding: quoted-printable\r\nContent-Transfer-Encoding: quoted-printable\r\n")
    out = rewrite_text_parts(raw, lambda leaf: leaf.text.replace("politics", "POLITICS"))
    assert b"Content-Transfer-Encoding: base64" not in out and b"POLITICS" in email.message_from_bytes(
        out, policy=policy.compat32).get_payload()[1].get_payload(decode=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_every_rewritten_part_in_base64_still_reparses_the_same(case: tuple[bytes, list[str]]) -> None:
    """The property test of test_defuse with every rewritten quoted-printable part switched."""
    raw, remote = case
    beacons = tuple(Beacon(url=u, kind="pixel", operator="x", host="x") for u in remote[:1])
    with mock.patch.object(mimesplice, "LARGE_PART", 0):
        out = defuse(raw, result(*beacons))
    assert_same_parts_minus_beacons(raw, out, remote)


@given(st.binary(max_size=3000), st.sampled_from([b"\n", b"\r\n"]))
def test_a_written_base64_body_is_what_the_stdlib_decodes(data: bytes, eol: bytes) -> None:
    """What ``_known_payload`` takes for granted: the part's body as written decodes to ``data``."""
    body = base64_lines(data, eol) or eol  # an empty part still gets its line end
    raw = (b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + body + b"\r\n--b--\r\n")
    part = email.message_from_bytes(raw, policy=policy.compat32).get_payload()[0]
    assert part.get_payload(decode=True) == data
    assert _known_payload(part, [(body, data)]) == data
    assert _known_payload(part, [(body + b"x", data)]) is None


def test_the_check_knows_the_parts_the_splice_wrote_and_decodes_the_others() -> None:
    raw = newsletter()
    written: list[tuple[bytes, bytes]] = []
    out = rewrite_text_parts(raw, lambda leaf: leaf.text.replace("politics", "POLITICS"), written=written)
    assert len(written) == 1  # the big HTML part; the small text part stays quoted-printable
    html = next(p for p in email.message_from_bytes(out, policy=policy.compat32).walk()
                if p.get_content_type() == "text/html")
    assert _known_payload(html, written) == written[0][1] == html.get_payload(decode=True)
    assert b"POLITICS" in written[0][1]
    # a part as long as a written body but with other bytes is decoded as usual
    loading = base64.b64encode(f'<img src="{PIXEL}">'.encode())
    fake = [(b"A" * len(loading), b"<p>nothing</p>")]
    single = b"Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n" + loading
    assert _still_loads(single, fake) and _still_loads(single)
    out, _report = defuse_report(raw, result())
    assert not _still_loads(out)
