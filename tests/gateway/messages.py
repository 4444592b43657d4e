"""Real-shaped test messages built in code (no corpus): benign, tracked newsletter,
reconnaissance lure, phishing, malformed."""

from __future__ import annotations

import uuid
from email import policy
from email.message import EmailMessage

# Elastic Email's open and click URL shapes (a tracker in mailward's registry)
PIXEL = "https://api.elasticemail.com/tracking/open?msgid=3f9a1c&r=alice%40test.local"
CLICK = "https://api.elasticemail.com/tracking/click?msgid=3f9a1c&target=https%3A%2F%2Fwww.example-news.org%2F2024%2Fstory"
CLICK_DEST = "https://www.example-news.org/2024/story"
REMOTE_IMG = "https://cdn.example-news.org/img/header.jpg"
LURE_PIXEL = "https://img.reuters-newsdesk.example/t/alice-7f3e.png"
PHISH_LINK = "https://login.parliament-mail.example/owa/auth"


def _finish(msg: EmailMessage, pinned: str | None, extra: dict[str, str] | None) -> tuple[str, bytes]:
    token = uuid.uuid4().hex[:12]
    msg["Message-ID"] = f"<{token}@test.example>"
    msg["Date"] = "Mon, 04 Mar 2024 10:00:00 +0000"
    if pinned:
        msg["X-Test-Verdict"] = pinned
    for key, value in (extra or {}).items():
        msg[key] = value
    return token, msg.as_bytes(policy=policy.SMTP)


def benign(to: str = "alice@test.local", pinned: str | None = "clean", extra: dict[str, str] | None = None,
           size: int = 0) -> tuple[str, bytes]:
    msg = EmailMessage()
    msg["From"] = "Colleague <colleague@example.org>"
    msg["To"] = to
    msg["Subject"] = "Agenda for Thursday"
    text = "Hi,\n\nattached the agenda for Thursday's committee meeting.\n\nBest,\nSam\n"
    if size:
        text += ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * (size // 56 + 1))[:size] + "\n"
    msg.set_content(text)
    msg.add_attachment(b"%PDF-1.4\n% agenda\n" + bytes(range(256)), maintype="application", subtype="pdf",
                       filename="agenda.pdf")
    return _finish(msg, pinned, extra)


def newsletter(to: str = "alice@test.local", pinned: str | None = "tracking", extra: dict[str, str] | None = None,
               size: int = 0) -> tuple[str, bytes]:
    msg = EmailMessage()
    msg["From"] = "Example News <newsletter@example-news.org>"
    msg["To"] = to
    msg["Subject"] = "Your morning briefing"
    msg.set_content(f"Your morning briefing\n\nRead the story: {CLICK}\n")
    filler = ("<p>" + "Today in politics and policy. " * (size // 30 + 1) + "</p>") if size else ""
    msg.add_alternative(
        f"""<html><head><style>@import url(https://fonts.example-cdn.net/css?family=Serif);
body {{ background: url('https://cdn.example-news.org/bg.png'); }}</style></head>
<body><img src="{REMOTE_IMG}" alt="Example News" width="600">
<h1>Your morning briefing</h1><p>The <a href="{CLICK}">top story</a> today.</p>{filler}
<img src="{PIXEL}" width="1" height="1" style="display:block" alt="">
</body></html>
""",
        subtype="html",
    )
    return _finish(msg, pinned, extra)


def recon_lure(to: str = "alice@test.local", pinned: str | None = "recon", extra: dict[str, str] | None = None) -> tuple[str, bytes]:
    msg = EmailMessage()
    msg["From"] = "Reuters <editor@reuters-newsdesk.example>"
    msg["To"] = to
    msg["Subject"] = "Interview request: parliamentary inquiry on trade"
    msg.set_content("Dear Member,\n\nwe are preparing an article and would value your comment.\n")
    msg.add_alternative(
        f"""<html><body><p>Dear Member,</p><p>we are preparing an article and would value your comment.</p>
<p>Reuters newsroom</p><div style="display:none"><img src="{LURE_PIXEL}"></div></body></html>
""",
        subtype="html",
    )
    return _finish(msg, pinned, extra)


def phishing(to: str = "alice@test.local", pinned: str | None = "phishing", extra: dict[str, str] | None = None) -> tuple[str, bytes]:
    msg = EmailMessage()
    msg["From"] = "IT Service Desk <it-support@parliament-mail.example>"
    msg["To"] = to
    msg["Subject"] = "Action required: mailbox quota exceeded"
    msg.set_content(f"Your mailbox is full. Sign in to keep receiving mail: {PHISH_LINK}\n")
    msg.add_alternative(
        f'<html><body><p>Your mailbox is full.</p><p><a href="{PHISH_LINK}">Sign in now</a></p></body></html>\n',
        subtype="html",
    )
    return _finish(msg, pinned, extra)


def malformed(pinned: str | None = None) -> tuple[str, bytes]:
    """Broken on purpose: undeclared 8-bit bytes, an unterminated multipart, bad base64."""
    token = uuid.uuid4().hex[:12]
    lines = [
        "From: =?utf-8?B?broken?= <odd@example.org>",
        "To: alice@test.local",
        f"Message-ID: <{token}@test.example>",
        "Subject: caf\xe9 \xff\xfe",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="never-closed"',
    ]
    if pinned:
        lines.append(f"X-Test-Verdict: {pinned}")
    body = [
        "",
        "--never-closed",
        "Content-Type: text/html; charset=utf-8",
        "Content-Transfer-Encoding: base64",
        "",
        "PGh0bWw+PGJvZHk+PGltZyBzcmM9Imh0dHBzOi8vdC5leGFtcGxlL3AuZ2lmIiB3aWR0aD0iMSI+!!!not-base64",
        "--never-closed",
        "Content-Type: application/octet-stream",
        "",
        "\x00\x01\x02 binary-ish",
    ]
    return token, ("\r\n".join(lines + body) + "\r\n").encode("latin-1")
