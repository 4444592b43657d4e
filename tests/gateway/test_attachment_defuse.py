"""Defusing attachments: remote relationships out of Office files, remote lines out of
invites, attached pages defused, active files replaced; the banner and headers say so."""

from __future__ import annotations

import asyncio
import base64
import email
import io
import zipfile
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailward.gateway import protocol as p
from mailward.gateway.actions import Action, Decision, verdict_headers
from mailward.gateway.attachdefuse import LOCAL_TARGET, defuse_attachments, rewrite_calendar
from mailward.gateway.defuse import defuse_report
from mailward.gateway.quarantine import FileQuarantine
from mailward.gateway.settings import GatewaySettings
from mailward.result import ScanResult, Verdict
from tests.attachments import files as F

from .conftest import running_gateway, unit_settings
from .milter_client import MilterClient

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEMPLATE = "https://templates.office-cdn.net/q.dotm?u=alice"


def message(filename: str, ctype: str, data: bytes, *, verdict: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = "desk@news.example.org"
    msg["To"] = "alice@test.local"
    msg["Subject"] = "Questions"
    if verdict:
        msg["X-Test-Verdict"] = verdict
    msg.set_content("Please see the attached file.")
    maintype, subtype = ctype.split("/", 1)
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=policy.SMTP)


def attachment(raw: bytes) -> tuple[str, bytes]:
    msg = email.message_from_bytes(raw, policy=policy.default)
    parts = [part for part in msg.walk() if part.get_filename()]
    assert len(parts) == 1
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(parts[0].get_filename()), payload


def result() -> ScanResult:
    return ScanResult(source="t", verdict=Verdict.TRACKING, score=1.0, summary="Tracking.")


def test_remote_template_is_pointed_at_a_local_path_and_the_rest_kept() -> None:
    original = F.docx(template=TEMPLATE, image="https://img.example.net/logo.png", hyperlink="https://example.org/")
    raw = message("questions.docx", DOCX, original)
    new, report = defuse_report(raw, result(), GatewaySettings())
    name, data = attachment(new)
    assert name == "questions.docx"
    with zipfile.ZipFile(io.BytesIO(data)) as out, zipfile.ZipFile(io.BytesIO(original)) as before:
        assert out.namelist() == before.namelist()
        settings_rels = out.read("word/_rels/settings.xml.rels").decode()
        assert TEMPLATE not in settings_rels and LOCAL_TARGET in settings_rels
        doc_rels = out.read("word/_rels/document.xml.rels").decode()
        assert "img.example.net" not in doc_rels
        assert "https://example.org/" in doc_rels  # a hyperlink loads nothing by itself: kept
        for member in before.namelist():
            if not member.endswith(".rels"):
                assert out.read(member) == before.read(member)
    assert report.attachments == [("rewritten", "questions.docx", "remote template and linked image")]
    assert "took the remote template and linked image out of the attachment questions.docx" in report.banner


def test_pdf_with_javascript_is_replaced_by_a_notice() -> None:
    original = F.pdf_javascript()
    raw = message("statement.pdf", "application/pdf", original)
    new, report = defuse_report(raw, result(), GatewaySettings())
    name, data = attachment(new)
    assert name == "statement.pdf.removed.txt"
    text = data.decode()
    assert "JavaScript" in text and "statement.pdf" in text
    import hashlib

    assert hashlib.sha256(original).hexdigest() in text
    assert report.attachments[0][0] == "removed"
    assert "mailward removed the attachment statement.pdf" in report.banner


def test_invite_loses_remote_attach_and_html_description_keeps_the_event() -> None:
    invite = F.calendar(
        "ATTACH;FMTTYPE=application/pdf:https://files.example.net/agenda.pdf?u=alice",
        'X-ALT-DESC;FMTTYPE=text/html:<html><body><img src="https://px.example.net/o.gif" width=1 height=1></body></html>',
        "DESCRIPTION:Interview about the committee",
    )
    raw = message("invite.ics", "text/calendar", invite)
    new, report = defuse_report(raw, result(), GatewaySettings())
    _, data = attachment(new)
    text = data.decode()
    assert "files.example.net" not in text and "px.example.net" not in text
    assert "DESCRIPTION:Interview about the committee" in text and "BEGIN:VEVENT" in text
    assert report.attachments and report.attachments[0][0] == "rewritten"


def test_rewrite_calendar_unfolds_before_dropping() -> None:
    text = "BEGIN:VEVENT\r\nATTACH:https://files.exa\r\n mple.net/a.pdf\r\nSUMMARY:x\r\nEND:VEVENT\r\n"
    assert rewrite_calendar(text) == "BEGIN:VEVENT\r\nSUMMARY:x\r\nEND:VEVENT\r\n"


def test_attached_page_goes_through_the_html_defuser() -> None:
    page = b'<html><body><p>Article</p><img src="https://px.example.net/o.gif?u=alice" width="1" height="1"></body></html>'
    raw = message("article.html", "text/html", page)
    new, report = defuse_report(raw, result(), GatewaySettings())
    _, data = attachment(new)
    assert b"px.example.net" not in data and b"Article" in data
    assert report.attachments == [("rewritten", "article.html", "remote loads of the attached page")]


def test_harmless_attachments_keep_their_bytes() -> None:
    for filename, ctype, data in (
        ("minutes.pdf", "application/pdf", F.pdf_link("https://example.org/minutes")),
        ("minutes.docx", DOCX, F.docx(hyperlink="https://example.org/")),
        ("code.png", "image/png", F.qr_png("https://example.org/")),
    ):
        raw = message(filename, ctype, data)
        new, actions = defuse_attachments(raw)
        assert new == raw and actions == []


def test_switched_off_leaves_attachments_alone() -> None:
    raw = message("statement.pdf", "application/pdf", F.pdf_javascript())
    new, report = defuse_report(raw, result(), GatewaySettings(defuse_attachments=False))
    assert attachment(new)[1] == F.pdf_javascript()
    assert report.attachments == []


def test_verdict_headers_say_what_was_done_to_attachments() -> None:
    decision = Decision(Action.DEFUSE, result(), b"x", attachments="removed statement.pdf (JavaScript)")
    replies = verdict_headers(GatewaySettings(), decision)
    assert p.add_header("X-Mailward-Attachments", "removed statement.pdf (JavaScript)") in replies


def test_milter_round_trip_defuses_the_document_and_keeps_the_original(tmp_path: Path) -> None:
    raw = message("questions.docx", DOCX, F.docx(template=TEMPLATE), verdict="tracking")

    async def scenario() -> None:
        async with running_gateway(unit_settings(tmp_path)) as (port, _gw), MilterClient("127.0.0.1", port) as client:
            out = await client.message(raw)
            assert out.final == p.R_ACCEPT
            assert out.body is not None
            added = dict(out.added)
            assert added["X-Mailward-Attachments"] == "rewritten questions.docx (remote template)"
            assert base64.b64encode(b"templates.office-cdn.net") not in out.body
            store = FileQuarantine(tmp_path / "q")
            entry = store.get(added["X-Mailward-Quarantine-Id"])
            assert store.get_bytes(entry.sha256) == raw  # the original, byte-exact
            defused = store.get_bytes(entry.defused_sha256)
            _, data = attachment(defused)
            with zipfile.ZipFile(io.BytesIO(data)) as out_zip:
                assert LOCAL_TARGET in out_zip.read("word/_rels/settings.xml.rels").decode()

    asyncio.run(scenario())


# -- raster images told by their first bytes -----------------------------------

_STARTS = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"GIF87a", b"<svg xmlns='http://www.w3.org/2000/svg'>",
           b"%PDF-1.4\n", b"MZ\x90\x00", b"", b"\xff\xd8"]


def _image_message(data: bytes, width: int, junk: bytes, at: int, eol: bytes) -> bytes:
    encoded = base64.b64encode(data)
    lines = [encoded[i : i + width] for i in range(0, len(encoded), width)] or [b""]
    body = eol.join(lines) + eol
    body = body[:at] + junk + body[at:]
    return (b"From: a@example.org" + eol + b"MIME-Version: 1.0" + eol
            + b'Content-Type: multipart/mixed; boundary="b"' + eol + eol
            + b"--b" + eol + b"Content-Type: text/plain" + eol + eol + b"hello" + eol
            + b"--b" + eol + b'Content-Type: image/jpeg; name="p.jpg"' + eol
            + b"Content-Transfer-Encoding: base64" + eol + eol + body + b"--b--" + eol)


# active files longer than the prefix read (no base64 padding in it): still analysed in full
_DANGEROUS = [F.pdf_javascript() + b"\n%" + b"x" * 4000 + b"\n", F.svg("<script>alert(1)</script><!--" + "x" * 4000 + "-->")]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([*_STARTS, *_DANGEROUS]),
       st.sampled_from([b""]) | st.binary(max_size=600), st.integers(1, 120),
       st.sampled_from([b"", b"=", b"*", b"==", b" ", b"\r\n", b"\x00", b"-"]), st.integers(0, 80),
       st.sampled_from([b"\r\n", b"\n"]))
def test_an_image_told_by_its_first_bytes_is_left_as_the_full_decode_would(
        start: bytes, tail: bytes, width: int, junk: bytes, at: int, eol: bytes) -> None:
    from mailward.gateway import attachdefuse

    raw = _image_message(start + tail, width, junk, at, eol)
    fast = defuse_attachments(raw)
    old = attachdefuse.SNIFF_PREFIX
    attachdefuse.SNIFF_PREFIX = 0  # the shortcut off: every attachment decoded in full
    try:
        full = defuse_attachments(raw)
    finally:
        attachdefuse.SNIFF_PREFIX = old
    assert fast == full
    if start in _DANGEROUS and not tail and not junk.strip():
        assert fast[1] and fast[1][0].action == "removed"  # the full analysis still runs for these


def test_a_raster_image_is_not_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    from mailward.gateway import attachdefuse

    def no_decode(*_args: object) -> None:
        raise AssertionError("decoded")

    monkeypatch.setattr(attachdefuse, "_decode_transfer", no_decode)
    raw = _image_message(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40, 76, b"", 0, b"\r\n")
    assert defuse_attachments(raw) == (raw, [])


def test_sniff_decides_raster_images_from_eighteen_bytes() -> None:
    """The shortcut's premise: every signature sniff tries before the last PNG/JPEG/GIF
    one is at offset 0 and at most 18 bytes long."""
    from mailward import sniff as sniffing

    table = sniffing._MAGIC
    last = max(i for i, (_magic, _offset, mime) in enumerate(table) if mime in ("image/png", "image/jpeg", "image/gif"))
    assert all(offset == 0 and len(magic) <= 18 for magic, offset, _mime in table[: last + 1])
