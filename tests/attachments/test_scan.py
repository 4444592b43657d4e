"""Attachments through the whole scan: the issue-15 misses are seen, beacons carry
their part, and messages without such attachments scan as before."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage

import pytest

from mailward.parse import Limits, parse_message
from mailward.result import ScanResult
from mailward.scan import Scanner

from . import files as F

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RCPT = "maria.keller@parliament.example"


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner()


def message(*attachments: tuple[str, str, bytes], text: str = "Please see the attachment.") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Anna Berg <anna.berg@regional-gazette.example>"
    msg["To"] = f"Maria Keller <{RCPT}>"
    msg["Subject"] = "Interview request"
    msg["Message-ID"] = "<a1@regional-gazette.example>"
    msg["Date"] = "Tue, 03 Mar 2026 09:15:00 +0000"
    msg.set_content(text)
    for filename, ctype, data in attachments:
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=policy.SMTP)


def loads(result: ScanResult) -> dict[str, tuple[str, str]]:
    return {b.url: (b.kind, b.part) for b in result.beacons}


def test_remote_image_in_attached_html_page_is_a_beacon(scanner: Scanner) -> None:
    page = f'<html><body><p>Article</p><img src="https://img.gazette-stats.example/a.gif?r={RCPT}" width="1" height="1"></body></html>'
    result = scanner.scan_bytes(message(("article.html", "text/html", page.encode())))
    beacon = next(b for b in result.beacons if "gazette-stats" in b.url)
    assert (beacon.kind, beacon.part, beacon.per_recipient) == ("pixel", "2", True)
    assert "in the attachment article.html" in beacon.evidence
    assert "BEACON_ATTACHMENT_RECIPIENT_TOKEN" in {f.rule for f in result.findings}


def test_folded_calendar_url_is_read_whole(scanner: Scanner) -> None:
    url = "https://www.reuters.com/interviews/confirm/" + "a" * 60 + f"?u={RCPT}"
    invite = F.calendar(f"URL:{url}", "ATTACH:https://files.gazette-cdn.example/agenda.pdf")
    result = scanner.scan_bytes(message(("invite.ics", "text/calendar", invite)))
    found = loads(result)
    assert found[url] == ("link", "2")
    assert found["https://files.gazette-cdn.example/agenda.pdf"] == ("remote", "2")
    assert not any(u.startswith("https://www.reuters.c") and u != url for u in found)


def test_inline_calendar_body_is_analysed_too(scanner: Scanner) -> None:
    msg = EmailMessage()
    msg["From"] = "desk@gazette.example"
    msg["To"] = RCPT
    msg["Subject"] = "Invitation"
    msg.set_content("Invitation")
    msg.add_alternative(F.calendar("ATTACH:https://files.gazette-cdn.example/a.pdf").decode(), subtype="calendar")
    parsed = parse_message(msg.as_bytes(policy=policy.SMTP))
    assert [r.url for r in parsed.resources] == ["https://files.gazette-cdn.example/a.pdf"]
    assert any("Interview request" in p.text for p in parsed.text_parts)  # the invite's summary, unescaped


def test_docx_remote_template_is_a_document_beacon(scanner: Scanner) -> None:
    template = f"https://templates.gazette-cdn.example/t.dotm?id={RCPT}"
    result = scanner.scan_bytes(message(("questions.docx", DOCX, F.docx(template=template))))
    assert loads(result)[template] == ("document", "2")
    rules = {f.rule for f in result.findings}
    assert {"ATTACHMENT_OFFICE_REMOTE_TEMPLATE", "BEACON_DOCUMENT_OPEN_LOAD", "BEACON_ATTACHMENT_RECIPIENT_TOKEN"} <= rules
    assert result.verdict == "malicious"


def test_pdf_link_and_qr_code_become_links_with_their_part(scanner: Scanner) -> None:
    raw = message(("notice.pdf", "application/pdf", F.pdf_link("https://login.example.net/x")),
                  ("code.png", "image/png", F.qr_png("https://qr.example.net/login")))
    parsed = parse_message(raw)
    assert {(link.url, link.part, link.source) for link in parsed.links} >= {
        ("https://login.example.net/x", "2", "pdf"), ("https://qr.example.net/login", "3", "qr")}
    facts = scanner.scan_bytes(raw).facts or {}
    assert facts["attachments"][1]["qr_urls"] == ["https://qr.example.net/login"]


def test_attachment_analysis_can_be_switched_off() -> None:
    raw = message(("questions.docx", DOCX, F.docx(template="https://t.example/x")))
    parsed = parse_message(raw, limits=Limits(max_analysed_attachments=0))
    assert parsed.attachments[0].report is None and parsed.resources == ()


def test_plain_attachments_are_not_opened(scanner: Scanner) -> None:
    parsed = parse_message(message(("minutes.txt", "text/plain", b"Minutes of the meeting.\n"),
                                   ("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 100)))
    assert [a.report for a in parsed.attachments] == [None, None]


def test_qr_decoding_can_be_switched_off() -> None:
    raw = message(("notice.pdf", "application/pdf", F.pdf_with_qr("https://qr.example.net/login")),
                  ("code.png", "image/png", F.qr_png("https://qr.example.net/login")))
    assert len(parse_message(raw).links) == 2
    off = parse_message(raw, limits=Limits(max_qr_images=0))
    assert off.links == () and off.attachments[0].report is not None  # the PDF is still read
