"""The defuser reaches into every attached message the scanner reads as one: a
message/rfc822 in base64 or quoted-printable, and a message sent as a file named .eml
(``mimesplice._encoded_message``, ``mailward.eml``)."""

from __future__ import annotations

import base64
import quopri

import pytest

from mailward.gateway.defuse import defuse
from mailward.parse import parse_message
from mailward.scan import Scanner

PIXEL = "https://px.tracker-example.net/open/3f9a1c.gif"
INNER = (
    "From: Newsdesk <desk@news-example.org>\r\nTo: maria@parliament.example\r\nSubject: Briefing\r\n"
    "Date: Tue, 03 Mar 2026 09:15:00 +0000\r\nMessage-ID: <b1@news-example.org>\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/html; charset=utf-8\r\n\r\n"
    f'<html><body><p>Today\'s briefing.</p><img src="{PIXEL}" width="1" height="1"></body></html>\r\n'
).encode()


def _outer(ctype: str, cte: str, filename: str) -> bytes:
    body = {"base64": base64.encodebytes(INNER), "quoted-printable": quopri.encodestring(INNER)}.get(cte, INNER)
    disposition = f'attachment; filename="{filename}"' if filename else "attachment"
    return (b"From: Colleague <jonas@parliament.example>\r\nTo: maria@parliament.example\r\nSubject: FW: Briefing\r\n"
            b"Date: Tue, 03 Mar 2026 10:00:00 +0000\r\nMessage-ID: <fw1@parliament.example>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
            b"--XX\r\n" + f"Content-Type: {ctype}\r\nContent-Transfer-Encoding: {cte}\r\n"
            f"Content-Disposition: {disposition}\r\n\r\n".encode() + body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            + b"\r\n--XX--\r\n")


def _loads(raw: bytes) -> list[str]:
    message = parse_message(raw)
    inner = [a.message for a in message.attachments if a.message is not None]
    assert inner, "the attached message is read as one"
    return [r.url for r in inner[0].resources]


@pytest.mark.parametrize(("ctype", "cte", "filename"), [
    ("message/rfc822", "base64", ""),
    ("message/rfc822", "quoted-printable", "briefing.eml"),
    ("application/octet-stream", "base64", "Briefing.eml"),
    ("text/plain", "7bit", "Briefing.EML"),
    ("message/rfc822", "7bit", ""),  # the identity encoding, walked as before
])
def test_a_beacon_inside_an_attached_message_is_defused(ctype: str, cte: str, filename: str) -> None:
    raw = _outer(ctype, cte, filename)
    assert PIXEL in _loads(raw)
    result = Scanner().scan_bytes(raw)
    assert PIXEL in {b.url for b in result.beacons}
    defused = defuse(raw, result)
    assert PIXEL not in _loads(defused)
    assert parse_message(defused).attachments[0].message.subject == "Briefing"  # still the message it was


def test_a_file_named_eml_that_holds_no_message_is_left_alone() -> None:
    raw = _outer("application/octet-stream", "base64", "notes.eml").replace(
        base64.encodebytes(INNER).replace(b"\n", b"\r\n"), base64.encodebytes(b"just notes\n").replace(b"\n", b"\r\n"))
    result = Scanner().scan_bytes(raw)
    assert defuse(raw, result).split(b"--XX\r\n", 2)[2] == raw.split(b"--XX\r\n", 2)[2]
