#!/usr/bin/env python3
"""(Re)generate the sample messages of the built-in rules.

Every rule gets at least one message it must fire on (``hit/``) and one similar
message it must not fire on (``miss/``), written to
``src/mailward/rules/builtin/samples/<RULE_NAME>/{hit,miss}/*.eml``. The messages are
built here from small builders so that they can be read and changed; run

    .venv/bin/python scripts/make_rule_samples.py

and commit the .eml files. Samples are scanned with the organisation of
``samples/mailward.toml`` and an empty sender history (every sender is a first
contact), see tests/rules/test_samples.py. The intel rules' samples and their
indicators (samples/intel.json) are written by hand and left alone here.
"""

from __future__ import annotations

import base64
import io
import random
import shutil
import sys
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "mailward" / "rules" / "builtin" / "samples"

ORG = "northland-parliament.org"
RCPT = f"maria.keller@{ORG}"
MX = "mx.northland-parliament.org"
DATE = "Tue, 03 Mar 2026 09:15:00 +0000"

SAMPLE_CONFIG = f"""\
# Organisation used when the rule samples are scanned (mailward rules test).
[organisation]
name = "Northland Parliament"
domains = ["{ORG}"]

[[organisation.people]]
name = "Maria Keller"
addresses = ["{RCPT}"]
role = "Member of Parliament"

[auth]
trusted_authserv_ids = ["{MX}"]

# The content model of CONTENT_MODEL_PHISHING samples (scripts/make_sample_model.py).
[model]
path = "model.npz"

# Domains this site corresponds with (IMPERSONATION_CORRESPONDENT_LOOKALIKE)
[recon]
correspondents = ["baltic-policy.org"]
"""


def auth(domain: str, *, spf: str = "pass", dkim: str = "pass", dmarc: str = "pass",
         spf_domain: str | None = None, dkim_domain: str | None = None) -> str:
    parts = [MX]
    parts.append(f"spf={spf} smtp.mailfrom=bounce@{spf_domain or domain}")
    if dkim != "none":
        parts.append(f"dkim={dkim} header.d={dkim_domain or domain}")
    else:
        parts.append("dkim=none")
    parts.append(f"dmarc={dmarc} header.from={domain}")
    return "; ".join(parts)


class Mail:
    """A small message builder."""

    def __init__(self, sender: str, subject: str, *, to: str = f"Maria Keller <{RCPT}>",
                 auth_header: str | None = None, reply_to: str | None = None) -> None:
        self.sender = sender
        self.subject = subject
        self.to = to
        self.reply_to = reply_to
        domain = sender.rsplit("@", 1)[-1].strip(">").strip()
        self.auth = auth(domain) if auth_header is None else auth_header
        self.text: str | None = None
        self.html: str | None = None
        self.attachments: list[tuple[str, str, bytes]] = []
        self.extra_headers: list[tuple[str, str]] = []
        self.html_headers: list[tuple[str, str]] = []
        self.counter = 0

    def with_text(self, text: str) -> Mail:
        self.text = text
        return self

    def with_html(self, html: str) -> Mail:
        self.html = html
        return self

    def attach(self, filename: str, ctype: str, data: bytes) -> Mail:
        self.attachments.append((filename, ctype, data))
        return self

    def header(self, name: str, value: str) -> Mail:
        self.extra_headers.append((name, value))
        return self

    def html_header(self, name: str, value: str) -> Mail:
        """A header field of the HTML part itself (not of the message)."""
        self.html_headers.append((name, value))
        return self

    def build(self, ident: str) -> bytes:
        msg = EmailMessage()
        if self.auth:
            msg["Authentication-Results"] = self.auth
        msg["Received"] = f"from relay.example.net ([192.0.2.10]) by {MX} with ESMTPS; {DATE}"
        msg["From"] = self.sender
        msg["To"] = self.to
        if self.reply_to:
            msg["Reply-To"] = self.reply_to
        msg["Subject"] = self.subject
        msg["Date"] = DATE
        msg["Message-ID"] = f"<{ident}@samples.mailward>"
        for name, value in self.extra_headers:
            msg[name] = value
        text = self.text if self.text is not None else ("" if self.html else "Hello.")
        if self.html is not None:
            msg.set_content(text or "See the HTML version of this message.")
            msg.add_alternative(self.html, subtype="html")
            html_part = msg.get_payload()[-1]  # type: ignore[index]
            for name, value in self.html_headers:
                html_part[name] = value
        else:
            msg.set_content(text)
        for filename, ctype, data in self.attachments:
            maintype, subtype = ctype.split("/", 1)
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        return msg.as_bytes(policy=SMTP)


def page(body: str) -> str:
    return f"<html><body>{body}</body></html>"


ARTICLE = "<p>Dear Ms Keller,</p><p>Please find today's briefing below.</p><p>Kind regards</p>"
PIXEL = '<img src="https://{host}/o.gif{query}" width="1" height="1" alt="">'
B64_RCPT = base64.urlsafe_b64encode(RCPT.encode()).decode().rstrip("=")


def pixel(host: str, query: str = "") -> str:
    return PIXEL.format(host=host, query=query)


def newsletter(sender: str, body: str, **kw: object) -> Mail:
    return Mail(sender, "Weekly briefing", **kw).with_html(page(ARTICLE + body))  # type: ignore[arg-type]


def encrypted_zip(name: str) -> bytes:
    """A ZIP whose entry carries the encryption flag (content is opaque bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 3, 3, 9, 0, 0)), b"\x8a\x11\x93\x07" * 16)
    data = bytearray(buf.getvalue())
    data[6] |= 0x1  # general purpose flag of the local file header
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 0x1  # and of the central directory entry
    return bytes(data)


def plain_zip(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 3, 3, 9, 0, 0)), data)
    return buf.getvalue()


MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
ISO = b"\x00" * 0x8001 + b"CD001" + b"\x00" * 64

SHOP = "news@shop-weekly.com"
REUTERS_FAKE = "Reuters News <news@globalbrief-media.com>"
REUTERS_REAL = "Reuters News <news@reuters.com>"
FORUM = "Policy Forum <info@policy-forum.org>"
INTERVIEW = "Dear Ms Keller,\n\nWould you have twenty minutes this week for a short interview on the energy bill?\n\nKind regards,\nPolicy Forum\n"
CRED = "<p>Your password will expire today. Please verify your account to keep access.</p>"

# rule name -> (hit builders, miss builders)
Builder = Callable[[], Mail]
SAMPLES_BY_RULE: dict[str, tuple[list[Builder], list[Builder]]] = {
    # -- beacons --------------------------------------------------------------
    "BEACON_PIXEL": (
        [lambda: newsletter(SHOP, pixel("shop-weekly.com"))],
        [lambda: newsletter(SHOP, '<img src="https://shop-weekly.com/banner.jpg" width="600" height="300" alt="Spring sale">')],
    ),
    "BEACON_HIDDEN": (
        [lambda: newsletter(SHOP, '<div style="display:none"><img src="https://shop-weekly.com/h.gif" width="40" height="40"></div>')],
        [lambda: newsletter(SHOP, '<div><img src="https://shop-weekly.com/banner.jpg" width="600" height="300" alt="Sale"></div>')],
    ),
    "BEACON_REMOTE_CONTENT": (
        [lambda: newsletter(SHOP, '<img src="https://shop-weekly.com/banner.jpg" width="600" height="300" alt="Sale">')],
        [lambda: newsletter(SHOP, '<img src="cid:banner@shop" width="600" height="300" alt="Sale"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="1" height="1">')],
    ),
    "BEACON_REMOTE_CSS": (
        [lambda: Mail(SHOP, "Weekly briefing").with_html('<html><head><link rel="stylesheet" href="https://shop-weekly.com/s.css"></head><body>' + ARTICLE + "</body></html>")],
        [lambda: Mail(SHOP, "Weekly briefing").with_html("<html><head><style>p { color: #333; }</style></head><body>" + ARTICLE + "</body></html>")],
    ),
    "BEACON_FRAME_MEDIA": (
        [lambda: newsletter(SHOP, '<iframe src="https://shop-weekly.com/frame.html" width="300" height="200"></iframe>'),
         # a meta refresh navigates the reading pane by itself (the page loads on open)
         lambda: Mail(SHOP, "Weekly briefing").with_html(
             "<html><head><meta http-equiv=\"refresh\" content=\"0; URL='https://shop-weekly.com/r/briefing'\">"
             f"</head><body>{ARTICLE}</body></html>")],
        [lambda: newsletter(SHOP, '<p><a href="https://shop-weekly.com/frame.html">Watch the video</a></p>')],
    ),
    "BEACON_RECIPIENT_TOKEN": (
        [lambda: newsletter(SHOP, pixel("shop-weekly.com", f"?e={B64_RCPT}"))],
        [lambda: newsletter(SHOP, pixel("shop-weekly.com", "?c=spring"))],
    ),
    "BEACON_RECIPIENT_TOKEN_LINK": (
        [lambda: newsletter(SHOP, f'<p><a href="https://shop-weekly.com/r/offers?u={RCPT.replace("@", "%40")}">See the offers</a></p>')],
        [lambda: newsletter(SHOP, '<p><a href="https://shop-weekly.com/offers">See the offers</a></p>')],
    ),
    "BEACON_OPAQUE_TOKEN": (
        [lambda: newsletter(SHOP, pixel("shop-weekly.com", "?t=8f3Kq9x2V7m1Z4w6B0n5C8j2Hq7Lr"))],
        [lambda: newsletter(SHOP, pixel("shop-weekly.com"))],
    ),
    "BEACON_UNKNOWN_TRACKER": (
        [lambda: newsletter(SHOP, pixel("px.unknown-metrics.net"))],
        [lambda: newsletter(SHOP, pixel("shop-weekly.com"))],
    ),
    "BEACON_FIRST_CONTACT_LOAD": (
        [lambda: newsletter(SHOP, '<img src="https://shop-weekly.com/banner.jpg" width="600" height="300" alt="Sale">')],
        [lambda: newsletter(SHOP, "<p>No pictures this week.</p>")],
    ),
    "BEACON_FIRST_CONTACT_TOKEN": (
        [lambda: newsletter(SHOP, pixel("shop-weekly.com", f"?e={B64_RCPT}"))],
        [lambda: newsletter(SHOP, pixel("shop-weekly.com"))],
    ),
    "BEACON_READ_RECEIPT": (
        [lambda: Mail(FORUM, "Interview request").with_text(INTERVIEW).header("Disposition-Notification-To", "<desk.7f3k@policy-forum.org>"),
         lambda: Mail(FORUM, "Interview request").with_text(INTERVIEW).header("Return-Receipt-To", "forum.desk@gmail.com")],
        [lambda: Mail(FORUM, "Interview request").with_text(INTERVIEW).header("Disposition-Notification-To", "Policy Forum <info@policy-forum.org>")],
    ),
    "RECON_RECEIPT_IMPERSONATION": (
        [lambda: Mail(REUTERS_FAKE, "Interview request").with_text(INTERVIEW).header("Disposition-Notification-To", "<desk.7f3k@globalbrief-media.com>")],
        # the real outlet asking for a receipt elsewhere (BEACON_READ_RECEIPT alone); an impersonation without one
        [lambda: Mail(REUTERS_REAL, "Interview request").with_text(INTERVIEW).header("Disposition-Notification-To", "<desk@reuters.com>"),
         lambda: Mail(REUTERS_FAKE, "Interview request").with_text(INTERVIEW)],
    ),
    "MIME_REMOTE_HEADER_BASE": (
        [lambda: Mail(FORUM, "Interview request").with_html(page(ARTICLE + '<img src="o.gif" width="1" height="1" alt="">'))
         .html_header("Content-Base", '"https://cdn.forum-briefs.net/m/7f3k/"'),
         lambda: Mail(FORUM, "Interview request").with_html(page(ARTICLE + '<a href="interview/slots">Choose a time</a>'))
         .html_header("Content-Location", "https://forum-briefs.net/r/7f3k/")],
        [lambda: Mail(FORUM, "Interview request").with_html(page('<base href="https://cdn.forum-briefs.net/m/">' + ARTICLE
                                                                 + '<img src="banner.png" alt="Policy Forum">'))
         .html_header("Content-Base", "https://cdn.forum-briefs.net/m/"),
         lambda: Mail(FORUM, "Interview request").with_html(page(ARTICLE + '<a href="https://policy-forum.org/events">Events</a>'))
         .html_header("Content-Location", "https://policy-forum.org/letters/march.html")],
    ),
    "BEACON_DMARC_FAIL_SENDER": (
        [lambda: newsletter(SHOP, pixel("shop-weekly.com"), auth_header=auth("shop-weekly.com", spf="fail", dkim="none", dmarc="fail", spf_domain="bulk-relay.net"))],
        [lambda: newsletter(SHOP, pixel("shop-weekly.com"))],
    ),
    # -- impersonation ----------------------------------------------------------
    "IMPERSONATION_OUTLET_UNRELATED_DOMAIN": (
        [lambda: newsletter(REUTERS_FAKE, "")],
        [lambda: newsletter(REUTERS_REAL, "")],
    ),
    "IMPERSONATION_OUTLET_FREE_MAIL": (
        [lambda: Mail("Jane Doe | Reuters <jane.doe.press@gmail.com>", "Interview request").with_text("Dear Ms Keller,\nCould we talk?\nJane")],
        [lambda: Mail("Jane Doe <jane.doe.press@gmail.com>", "Interview request").with_text("Dear Ms Keller,\nCould we talk?\nJane")],
    ),
    "IMPERSONATION_FREE_MAIL_REPLY_ELSEWHERE": (
        [lambda: Mail("Jane Doe | Reuters <jane.doe.press@gmail.com>", "Interview request", reply_to="desk@newsdesk-mail.net").with_text("Dear Ms Keller,\nCould we talk?\nJane")],
        [lambda: Mail("Jane Doe | Reuters <jane.doe.press@gmail.com>", "Interview request").with_text("Dear Ms Keller,\nCould we talk?\nJane")],
    ),
    "IMPERSONATION_PROTECTED_PERSON": (
        [lambda: Mail("Maria Keller <maria.keller.office@gmail.com>", "Quick favour").with_text("Are you at your desk? I need something done today.")],
        [lambda: Mail(f"Maria Keller <{RCPT}>", "Quick favour", to=f"Office <office@{ORG}>").with_text("Are you at your desk? I need something done today.")],
    ),
    "IMPERSONATION_JOURNALIST": (
        [lambda: Mail("Jane Doe | Reuters <jane.doe.press@gmail.com>", "Interview request").with_text("Dear Ms Keller,\nI am a reporter at Reuters covering trade policy.\nJane Doe\nReporter, Reuters")],
        [lambda: Mail("Jane Doe | Reuters <jane.doe@reuters.com>", "Interview request").with_text("Dear Ms Keller,\nI am a reporter at Reuters covering trade policy.\nJane Doe\nReporter, Reuters")],
    ),
    "IMPERSONATION_OWN_ORGANISATION": (
        [lambda: Mail("Northland Parliament IT <it-support@secure-mailbox.net>", "Mailbox maintenance").with_text("Scheduled maintenance tonight.")],
        [lambda: Mail(f"Northland Parliament IT <it@{ORG}>", "Mailbox maintenance").with_text("Scheduled maintenance tonight.")],
    ),
    "IMPERSONATION_LOOKALIKE_TYPO": (
        [lambda: newsletter("Reuters <news@reutres.com>", "")],
        [lambda: newsletter("Reuters <news@reuters.com>", "")],
    ),
    "IMPERSONATION_LOOKALIKE_HOMOGLYPH": (
        [lambda: newsletter("The New York Times <news@nytirnes.com>", "")],
        [lambda: newsletter("The New York Times <news@nytimes.com>", "")],
    ),
    "IMPERSONATION_LOOKALIKE_MIXED_SCRIPT": (
        [lambda: newsletter("Reuters <news@" + "r\u0435uters.com".encode("idna").decode() + ">", "")],
        [lambda: newsletter("Reuters <news@reuters.com>", "")],
    ),
    "IMPERSONATION_LOOKALIKE_COMBOSQUAT": (
        [lambda: newsletter("Reuters <news@reuters-newsdesk.com>", "")],
        [lambda: newsletter("Reuters <news@reuters.com>", "")],
    ),
    "IMPERSONATION_LOOKALIKE_TLD_SWAP": (
        [lambda: newsletter("BBC News <news@bbc.co>", "")],
        [lambda: newsletter("BBC News <news@bbc.co.uk>", "")],
    ),
    "IMPERSONATION_LOOKALIKE_SUBDOMAIN": (
        [lambda: newsletter("BBC News <news@bbc.co.uk.newsroom-mail.net>", "")],
        [lambda: newsletter("BBC News <news@bbc.co.uk>", "")],
    ),
    "IMPERSONATION_LOOKALIKE_OWN_DOMAIN": (
        [lambda: Mail("IT Service Desk <it@northland-parliarnent.org>", "Mailbox maintenance").with_text("Scheduled maintenance tonight.")],
        [lambda: Mail(f"IT Service Desk <it@{ORG}>", "Mailbox maintenance").with_text("Scheduled maintenance tonight.")],
    ),
    "IMPERSONATION_DISPLAY_NAME_ADDRESS": (
        [lambda: newsletter('"press@policy-forum.org" <bulletin@mailer-relay.net>', "")],
        [lambda: newsletter('"bulletin@mailer-relay.net" <bulletin@mailer-relay.net>', "")],
    ),
    "IMPERSONATION_REPLY_TO_FREE_MAIL": (
        [lambda: Mail(FORUM, "Panel invitation", reply_to="policy.forum.desk@gmail.com").with_text("We would like to invite you to a panel.")],
        [lambda: Mail(FORUM, "Panel invitation", reply_to="events@policy-forum.org").with_text("We would like to invite you to a panel.")],
    ),
    "IMPERSONATION_CLAIM_REPLY_ELSEWHERE": (
        [lambda: Mail(REUTERS_FAKE, "Interview request", reply_to="desk@othernews-mail.net").with_text("Could we talk about the bill?")],
        [lambda: Mail(REUTERS_FAKE, "Interview request").with_text("Could we talk about the bill?")],
    ),
    # -- recon combinations -------------------------------------------------------
    "RECON_BEACON_IMPERSONATED_OUTLET": (
        [lambda: newsletter(REUTERS_FAKE, pixel("globalbrief-media.com"))],
        [lambda: newsletter(REUTERS_REAL, pixel("reuters.com"))],
    ),
    "RECON_BEACON_IMPERSONATED_PERSON": (
        [lambda: Mail("Maria Keller <maria.keller.office@gmail.com>", "Draft statement", to=f"Office <office@{ORG}>").with_html(page("<p>Please look at the draft.</p>" + pixel("px.unknown-metrics.net")))],
        [lambda: Mail(f"Maria Keller <{RCPT}>", "Draft statement", to=f"Office <office@{ORG}>").with_html(page("<p>Please look at the draft.</p>" + pixel("px.unknown-metrics.net")))],
    ),
    "RECON_BEACON_LOOKALIKE": (
        [lambda: newsletter("Reuters <news@reutres.com>", pixel("reutres.com"))],
        [lambda: newsletter("Reuters <news@reuters.com>", pixel("reuters.com"))],
    ),
    "RECON_TOKEN_FIRST_CONTACT_FREE_MAIL_NEWSROOM": (
        [lambda: Mail("Jane Doe <jane.doe.press@gmail.com>", "Interview request").with_html(page("<p>Dear Ms Keller, I am writing an article and would like an interview.</p>" + pixel("px.unknown-metrics.net", f"?e={B64_RCPT}")))],
        [lambda: Mail("Jane Doe <jane.doe.press@gmail.com>", "Interview request").with_html(page("<p>Dear Ms Keller, I am writing an article and would like an interview.</p>" + pixel("px.unknown-metrics.net")))],
    ),
    "RECON_FREE_MAIL_PRESS_REMOTE_LOAD": (
        [lambda: Mail("Jane Doe | Reuters <jane.doe.press@gmail.com>", "Interview request").with_html(page('<div style="background:url(https://img.research-notes.net/v2/bg.png)"><p>Dear Ms Keller, could we talk about the bill?</p></div>'))],
        [lambda: Mail("Jane Doe | Reuters <jane.doe.press@gmail.com>", "Interview request").with_html(page("<div><p>Dear Ms Keller, could we talk about the bill?</p></div>"))],
    ),
    "RECON_TOKEN_IMPERSONATION": (
        [lambda: newsletter(REUTERS_FAKE, f'<p><a href="https://globalbrief-media.com/a?u={RCPT.replace("@", "%40")}">Read the article</a></p>')],
        [lambda: newsletter(REUTERS_REAL, f'<p><a href="https://reuters.com/a?u={RCPT.replace("@", "%40")}">Read the article</a></p>')],
    ),
    "RECON_BEACON_SPOOFED_OUTLET": (
        [lambda: newsletter(REUTERS_REAL, pixel("px.unknown-metrics.net"), auth_header=auth("reuters.com", spf="fail", dkim="none", dmarc="fail", spf_domain="bulk-relay.net"))],
        [lambda: newsletter(REUTERS_REAL, pixel("px.unknown-metrics.net"))],
    ),
    "RECON_BEACON_DISPLAY_NAME_ADDRESS": (
        [lambda: newsletter('"press@policy-forum.org" <bulletin@mailer-relay.net>', pixel("mailer-relay.net"))],
        [lambda: newsletter('"bulletin@mailer-relay.net" <bulletin@mailer-relay.net>', pixel("mailer-relay.net"))],
    ),
    # -- authentication -------------------------------------------------------------
    "AUTH_DMARC_FAIL": (
        [lambda: Mail(FORUM, "Agenda", auth_header=auth("policy-forum.org", spf="fail", dkim="none", dmarc="fail", spf_domain="bulk-relay.net")).with_text("Agenda attached.")],
        [lambda: Mail(FORUM, "Agenda").with_text("Agenda attached.")],
    ),
    "AUTH_SPF_FAIL": (
        [lambda: Mail(FORUM, "Agenda", auth_header=auth("policy-forum.org", spf="fail", dmarc="pass")).with_text("Agenda attached.")],
        [lambda: Mail(FORUM, "Agenda").with_text("Agenda attached.")],
    ),
    "AUTH_SPF_SOFTFAIL": (
        [lambda: Mail(FORUM, "Agenda", auth_header=auth("policy-forum.org", spf="softfail", dmarc="pass")).with_text("Agenda attached.")],
        [lambda: Mail(FORUM, "Agenda").with_text("Agenda attached.")],
    ),
    "AUTH_DKIM_FAIL": (
        [lambda: Mail(FORUM, "Agenda", auth_header=auth("policy-forum.org", dkim="fail", dmarc="pass")).with_text("Agenda attached.")],
        [lambda: Mail(FORUM, "Agenda").with_text("Agenda attached.")],
    ),
    "AUTH_NONE": (
        [lambda: Mail(FORUM, "Agenda", auth_header=auth("policy-forum.org", spf="none", dkim="none", dmarc="none")).with_text("Agenda attached.")],
        [lambda: Mail(FORUM, "Agenda").with_text("Agenda attached.")],
    ),
    "AUTH_MISALIGNED": (
        [lambda: Mail(FORUM, "Agenda", auth_header=auth("policy-forum.org", dmarc="none", spf_domain="esp-mailer.net", dkim_domain="esp-mailer.net")).with_text("Agenda attached.")],
        [lambda: Mail(FORUM, "Agenda", auth_header=auth("policy-forum.org", dmarc="pass", spf_domain="esp-mailer.net")).with_text("Agenda attached.")],
    ),
    "AUTH_CLAIMED_OUTLET_UNAUTHENTICATED": (
        [lambda: Mail(REUTERS_REAL, "Breaking news", auth_header=auth("reuters.com", spf="fail", dkim="none", dmarc="fail", spf_domain="bulk-relay.net")).with_text("Read the latest.")],
        [lambda: Mail(REUTERS_REAL, "Breaking news").with_text("Read the latest.")],
    ),
    # -- links ----------------------------------------------------------------------
    "LINK_TEXT_DOMAIN_MISMATCH": (
        [lambda: newsletter(FORUM, '<p><a href="https://account-review.net/x">www.policy-forum.org/agenda</a></p>')],
        [lambda: newsletter(FORUM, '<p><a href="https://www.policy-forum.org/agenda">www.policy-forum.org/agenda</a></p>')],
    ),
    "LINK_URL_TEXT_MISMATCH": (
        [lambda: newsletter(FORUM, '<p><a href="https://account-review.net/x">https://www.policy-forum.org/members</a></p>')],
        [lambda: newsletter(FORUM, '<p><a href="https://account-review.net/x">Visit policy-forum.org</a></p>')],
    ),
    "LINK_IP_ADDRESS": (
        [lambda: newsletter(FORUM, '<p><a href="http://203.0.113.7/agenda.pdf">Agenda</a></p>')],
        [lambda: newsletter(FORUM, '<p><a href="https://docs.policy-forum.org/agenda.pdf">Agenda</a></p>')],
    ),
    "LINK_SHORTENER": (
        [lambda: newsletter(FORUM, '<p><a href="https://bit.ly/3xYzAbc">Agenda</a></p>')],
        [lambda: newsletter(FORUM, '<p><a href="https://www.policy-forum.org/agenda">Agenda</a></p>')],
    ),
    "LINK_LOOKALIKE_DOMAIN": (
        [lambda: newsletter(FORUM, '<p><a href="https://www.reutres.com/world/article-1">Read on Reuters</a></p>')],
        [lambda: newsletter(FORUM, '<p><a href="https://www.reuters.com/world/article-1">Read on Reuters</a></p>')],
    ),
    "LINK_SHORTENER_IMPERSONATION": (
        [lambda: newsletter(REUTERS_FAKE, '<p><a href="https://bit.ly/3xYzAbc">Read the article</a></p>')],
        [lambda: newsletter(REUTERS_REAL, '<p><a href="https://bit.ly/3xYzAbc">Read the article</a></p>')],
    ),
    # -- phishing -------------------------------------------------------------------
    "PHISHING_CREDENTIAL_LOOKALIKE_LOGIN": (
        [lambda: Mail("IT Service Desk <it@secure-mailbox.net>", "Password expiry").with_html(page(CRED + '<p><a href="https://northland-parliarnent.org/login">Sign in</a></p>'))],
        [lambda: Mail(f"IT Service Desk <it@{ORG}>", "Password expiry").with_html(page(CRED + f'<p><a href="https://{ORG}/login">Sign in</a></p>'))],
    ),
    "PHISHING_CREDENTIAL_DECEPTIVE_LINK": (
        [lambda: Mail(f"IT Service Desk <it@{ORG}>", "Password expiry").with_html(page(CRED + f'<p><a href="http://198.51.100.4/login">https://{ORG}/login</a></p>'))],
        [lambda: Mail(f"IT Service Desk <it@{ORG}>", "Password expiry").with_html(page(CRED + f'<p><a href="https://{ORG}/login">https://{ORG}/login</a></p>'))],
    ),
    "PHISHING_PASSWORD_FORM": (
        [lambda: Mail(FORUM, "Members area").with_html(page('<form action="https://members-portal.net/post" method="post"><input type="text" name="u"><input type="password" name="p"></form>'))],
        [lambda: Mail(FORUM, "Members area").with_html(page('<form action="https://www.policy-forum.org/search" method="get"><input type="text" name="q"></form>'))],
    ),
    "PHISHING_CREDENTIAL_WORDING": (
        [lambda: Mail(FORUM, "Password expiry").with_html(page(CRED + '<p><a href="https://accounts.policy-forum.org/login">Sign in</a></p>'))],
        [lambda: Mail(FORUM, "Password expiry").with_html(page(CRED + '<p><a href="https://www.policy-forum.org/news">Read more</a></p>'))],
    ),
    "PHISHING_CREDENTIAL_IMPERSONATION": (
        [lambda: Mail("Northland Parliament IT <it-support@secure-mailbox.net>", "Password expiry").with_html(page(CRED + '<p><a href="https://secure-mailbox.net/login">Sign in</a></p>'))],
        [lambda: Mail(f"Northland Parliament IT <it@{ORG}>", "Password expiry").with_html(page(CRED + f'<p><a href="https://{ORG}/login">Sign in</a></p>'))],
    ),
    "LINK_OWN_BRAND_FOREIGN_HOST": (
        [lambda: newsletter(FORUM, '<p><a href="https://northland-parliament-my.docs-share.net/agenda">Agenda</a></p>')],
        [lambda: newsletter(FORUM, f'<p><a href="https://intranet.{ORG}/agenda">Agenda</a></p>')],
    ),
    "PHISHING_CREDENTIAL_OWN_BRAND_LINK": (
        [lambda: Mail("SharePoint Online <no-reply@docs-share.net>", "A document has been shared with you").with_html(page('<p>Library Service has shared a document with you.</p><p><a href="https://northland-parliament-my.docs-share.net/personal/doc">Sign in to continue</a></p>'))],
        [lambda: Mail("SharePoint Online <no-reply@docs-share.net>", "A document has been shared with you").with_html(page(f'<p>Library Service has shared a document with you.</p><p><a href="https://intranet.{ORG}/personal/doc">Sign in to continue</a></p>'))],
    ),
    # -- attachments ----------------------------------------------------------------
    "ATTACHMENT_EXECUTABLE": (
        [lambda: Mail(FORUM, "Invoice").with_text("Invoice attached.").attach("invoice.exe", "application/octet-stream", MZ)],
        [lambda: Mail(FORUM, "Invoice").with_text("Invoice attached.").attach("invoice.pdf", "application/pdf", PDF)],
    ),
    "ATTACHMENT_SCRIPT": (
        [lambda: Mail(FORUM, "Report").with_text("Report attached.").attach("report.js", "application/javascript", b"var x = 1;\n")],
        [lambda: Mail(FORUM, "Report").with_text("Report attached.").attach("report.txt", "text/plain", b"Report text.\n")],
    ),
    "ATTACHMENT_MACRO_OFFICE": (
        [lambda: Mail(FORUM, "Budget").with_text("Budget attached.").attach("budget.xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12", plain_zip("xl/workbook.xml", b"<workbook/>"))],
        [lambda: Mail(FORUM, "Budget").with_text("Budget attached.").attach("budget.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", plain_zip("xl/workbook.xml", b"<workbook/>"))],
    ),
    "ATTACHMENT_HTML": (
        [lambda: Mail(FORUM, "Statement", auth_header=auth("policy-forum.org", spf="none", dkim="none", dmarc="none")).with_text("Statement attached.").attach("statement.html", "text/html", b"<html><body>Statement</body></html>"),
         lambda: Mail(FORUM, "Statement").with_text("Statement attached.").attach("statement.html", "text/html", b"<html><body>Statement<script>var x = 1;</script></body></html>")],
        [lambda: Mail(FORUM, "Statement").with_text("Statement attached.").attach("statement.pdf", "application/pdf", PDF),
         lambda: Mail(FORUM, "Statement").with_text("Statement attached.").attach("statement.html", "text/html", b"<html><body>Statement</body></html>")],
    ),
    "ATTACHMENT_ENCRYPTED_ARCHIVE": (
        [lambda: Mail(FORUM, "Documents").with_text("Password: 2026").attach("documents.zip", "application/zip", encrypted_zip("documents.pdf"))],
        [lambda: Mail(FORUM, "Documents").with_text("Documents attached.").attach("documents.zip", "application/zip", plain_zip("documents.txt", b"text"))],
    ),
    "ATTACHMENT_ARCHIVE_DANGEROUS_MEMBER": (
        [lambda: Mail(FORUM, "Invoice").with_text("Invoice attached.").attach("invoice.zip", "application/zip", plain_zip("invoice.pdf.js", b"WScript.Shell"))],
        [lambda: Mail(FORUM, "Invoice").with_text("Invoice attached.").attach("invoice.zip", "application/zip", plain_zip("invoice.pdf", PDF))],
    ),
    "ATTACHMENT_DISK_IMAGE": (
        [lambda: Mail(FORUM, "Files").with_text("Files attached.").attach("files.iso", "application/octet-stream", ISO)],
        [lambda: Mail(FORUM, "Files").with_text("Files attached.").attach("files.pdf", "application/pdf", PDF)],
    ),
    "ATTACHMENT_SHORTCUT": (
        [lambda: Mail(FORUM, "Files").with_text("Files attached.").attach("agenda.lnk", "application/octet-stream", b"L\x00\x00\x00\x01\x14\x02\x00" + b"\x00" * 64),
         lambda: Mail(FORUM, "Files").with_text("Files attached.").attach("Agenda.webloc", "application/octet-stream", _webloc("smb://files.forum-events.example/share/agenda")),
         lambda: Mail(FORUM, "Files").with_text("Files attached.").attach("Agenda.url", "application/octet-stream", b"[InternetShortcut]\r\nURL=file://files.forum-events.example@SSL/DavWWWRoot/agenda.hta\r\n")],
        [lambda: Mail(FORUM, "Files").with_text("Files attached.").attach("agenda.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", plain_zip("word/document.xml", b"<document/>")),
         lambda: Mail(FORUM, "Files").with_text("The link, as promised.").attach("Agenda.webloc", "application/octet-stream", _webloc("https://www.forum-events.example/agenda")),
         lambda: Mail(FORUM, "Files").with_text("The article I mentioned.").attach("Article.url", "application/octet-stream", b"[InternetShortcut]\r\nURL=https://www.forum-events.example/articles/oversight.html\r\n")],
    ),
    "ATTACHMENT_DOUBLE_EXTENSION": (
        [lambda: Mail(FORUM, "Invoice").with_text("Invoice attached.").attach("invoice.pdf.exe", "application/octet-stream", MZ)],
        [lambda: Mail(FORUM, "Invoice").with_text("Invoice attached.").attach("invoice.final.pdf", "application/pdf", PDF)],
    ),
    "ATTACHMENT_TYPE_MISMATCH": (
        [lambda: Mail(FORUM, "Photos").with_text("Photos attached.").attach("photo.jpg", "image/jpeg", MZ)],
        [lambda: Mail(FORUM, "Photos").with_text("Photos attached.").attach("photo.jpg", "image/jpeg", JPEG)],
    ),
}


# -- hand-written MIME for defects ----------------------------------------------------

def raw(headers: str, body: str) -> bytes:
    return (headers.strip("\n").replace("\n", "\r\n") + "\r\n\r\n" + body.replace("\n", "\r\n")).encode()


HEAD = f"""Authentication-Results: {auth('policy-forum.org')}
From: Policy Forum <info@policy-forum.org>
To: Maria Keller <{RCPT}>
Subject: Agenda
Date: {DATE}
Message-ID: <{{ident}}@samples.mailward>
MIME-Version: 1.0
"""

RAW_SAMPLES: dict[str, tuple[list[Callable[[str], bytes]], list[Callable[[str], bytes]]]] = {
    "MIME_EVASION_DEFECTS": (
        [lambda ident: raw(HEAD.format(ident=ident) + 'Content-Type: multipart/mixed; boundary="b1"',
                           "--b1\nContent-Type: text/plain\n\nAgenda below.\n--b1\nContent-Type: text/html\n\n<p>hidden</p>\n")],
        [lambda ident: raw(HEAD.format(ident=ident) + 'Content-Type: multipart/mixed; boundary="b1"',
                           "--b1\nContent-Type: text/plain\n\nAgenda below.\n--b1\nContent-Type: text/html\n\n<p>shown</p>\n--b1--\n")],
    ),
    "MIME_MANY_DEFECTS": (
        [lambda ident: raw(
            f"From: Policy Forum <info@policy-forum.org>\nTo: {RCPT}\nSubject: Agenda\nMIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="b1"',
            "--b1\nContent-Type: text/plain; charset=x-unknown-8\n\nAgenda.\n--b1\nContent-Type: application/pdf\n"
            "Content-Transfer-Encoding: base64\n\nJVBERi0xLjc*\n--b1\nContent-Type: text/plain\nContent-Transfer-Encoding: x-weird\n\nx\n")],
        [lambda ident: raw(
            f"From: Policy Forum <info@policy-forum.org>\nTo: {RCPT}\nSubject: Agenda\nMIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="b1"',
            "--b1\nContent-Type: text/plain\n\nAgenda.\n--b1--\n")],
    ),
    "MIME_MULTIPLE_FROM": (
        [lambda ident: raw(HEAD.format(ident=ident) + "From: Someone Else <ceo@northland-parliament.org>\nContent-Type: text/plain", "Agenda.\n")],
        [lambda ident: raw(HEAD.format(ident=ident) + "Content-Type: text/plain", "Agenda.\n")],
    ),
    "MIME_HTML_ONLY_HIDDEN_TEXT": (
        [lambda ident: raw(HEAD.format(ident=ident) + "Content-Type: text/html",
                           "<html><body><p>Your password will expire today. Verify your account.</p>"
                           '<div style="display:none"><img src="https://px.unknown-metrics.net/h.gif" width="40" height="40"></div>'
                           '<a href="https://policy-forum.org/login">Sign in</a></body></html>\n')],
        [lambda ident: raw(HEAD.format(ident=ident) + 'Content-Type: multipart/alternative; boundary="b1"',
                           "--b1\nContent-Type: text/plain\n\nYour password will expire today. Verify your account.\n"
                           "--b1\nContent-Type: text/html\n\n<html><body><p>Your password will expire today. Verify your account.</p>"
                           '<div style="display:none"><img src="https://px.unknown-metrics.net/h.gif" width="40" height="40"></div>'
                           '<a href="https://policy-forum.org/login">Sign in</a></body></html>\n--b1--\n')],
    ),
}


def _webloc(url: str) -> bytes:
    """A macOS .webloc (XML property list) opening ``url``."""
    return ('<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>URL</key>'
            f"<string>{url}</string></dict></plist>").encode()


RawMaker = Callable[[str], bytes]  # the message's bytes, given its sample id


def write_samples(samples_by_rule: dict[str, tuple[list[Builder], list[Builder]]], target: Path,
                  raw: dict[str, tuple[list[RawMaker], list[RawMaker]]] | None = None) -> int:
    """Write each rule's hit and miss messages under ``target/RULE/{hit,miss}/NN.eml``,
    replacing that rule's folder: built messages from ``samples_by_rule``, byte-exact
    ones (malformed on purpose) from ``raw``; the number written."""
    count = 0
    for rule in (*samples_by_rule, *(raw or {})):
        if (target / rule).exists():
            shutil.rmtree(target / rule)
    for rule, (hits, misses) in samples_by_rule.items():
        for kind, builders in (("hit", hits), ("miss", misses)):
            for i, build in enumerate(builders, start=1):
                ident = f"{rule.lower()}-{kind}-{i}"
                random.seed(ident)  # MIME boundaries come from random: same input, same bytes
                path = target / rule / kind / f"{i:02d}.eml"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(build().build(ident))
                count += 1
    for rule, (raw_hits, raw_misses) in (raw or {}).items():
        for kind, makers in (("hit", raw_hits), ("miss", raw_misses)):
            for i, make in enumerate(makers, start=1):
                path = target / rule / kind / f"{i:02d}.eml"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(make(f"{rule.lower()}-{kind}-{i}"))
                count += 1
    return count


def script_main(samples_by_rule: dict[str, tuple[list[Builder], list[Builder]]],
                raw: dict[str, tuple[list[RawMaker], list[RawMaker]]] | None = None,
                config: str = "") -> int:
    """The main of every sample script: write into the folder given as the only
    argument, or into the built-in samples (with ``config`` as its mailward.toml)."""
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLES
    target.mkdir(parents=True, exist_ok=True)
    if config:
        (target / "mailward.toml").write_text(config, "utf-8")
    count = write_samples(samples_by_rule, target, raw)
    print(f"wrote {count} sample messages to {target}")
    return 0


def main() -> int:
    return script_main(SAMPLES_BY_RULE, RAW_SAMPLES, config=SAMPLE_CONFIG)


if __name__ == "__main__":
    raise SystemExit(main())
