"""Credential phishing: fake sign-in, voicemail, service-desk and shared-document mail."""

from __future__ import annotations

import datetime as dt
import random

from mailward.demo import texts
from mailward.demo.mime import (
    assemble,
    boundary,
    date,
    mailbox,
    multipart,
    recipient_token,
    text_part,
    unstructured,
)
from mailward.demo.world import (
    ORG_NAME,
)

from .common import (
    DEFAULT_RECIPIENT,
    DEFAULT_WHEN,
    Beacon,
    Built,
    _day,
    _ip,
    _local,
    _msgid,
    _paras_html,
    auth_results,
    delivery,
)

# -- credential phishing -----------------------------------------------------------------


PHISHING_SENDERS = (
    # (display name, address, landing page template with {token})
    (f"{ORG_NAME} IT Service Desk", "servicedesk@parliarnent.example",
     "https://login.parliarnent.example/owa/auth/logon.aspx?replaceCurrent=1&u={token}"),
    ("IT Service Desk", "it-support@parliament-example.com",
     "https://parliament.example.mailbox-verify.test/owa/?login={token}"),
    ("SharePoint Online", "no-reply@sharepoint-docs.test",
     "https://parliament-example-my.sharepoint-docs.test/:b:/g/personal/{token}"),
    # 3: "Microsoft 365" asks to re-register MFA; the link carries Microsoft's sign-in host
    # as subdomains of an unrelated domain
    ("Microsoft 365", "account-security@msft-notice.test",
     "https://login.microsoftonline.com.auth-session.test/common/oauth2/authorize?mfa=reregister&u={token}"),
    # 4: a Teams voicemail notice from a compromised third party, the page on a public bucket
    ("Microsoft Teams", "voicemail@harbourside-logistics.example",
     "https://storage.googleapis.com/vm-inbox-4471/voicemail.html#{token}"),
    # 5: a quarantine-release notice in the name of the mail gateway
    ("Email Quarantine", "quarantine@mailguard-notify.test",
     "https://release.mailguard-notify.test/quarantine/release?u={token}"),
    # 6: SharePoint "shared with you" from a compromised supplier, the page on free hosting
    ("SharePoint Online", "notifications@nordic-catering.example",
     "https://docs-viewer-7f3a.web.app/personal/shared?id={token}"),
    # 7: IT Service Desk quota notice from a lookalike of the parliament's domain
    ("IT Service Desk", "helpdesk@parlaiment.example",
     "https://parlaiment.example/mailbox/quota?u={token}"),
)
# alt text of the logo image per variant (default: the parliament's name)
PHISHING_LOGOS = {3: "Microsoft", 4: "Microsoft Teams", 5: "Email Security", 6: "SharePoint"}


def phishing_built(rng: random.Random, *, recipient: tuple[str, str], when: dt.datetime,
                   variant: int = 0) -> Built:
    """Credential phishing: a fake sign-in page on a lookalike of the parliament's domain."""
    name, rcpt = recipient
    display, sender, landing = PHISHING_SENDERS[variant % len(PHISHING_SENDERS)]
    token = recipient_token(rcpt, "base64url")
    link = landing.format(token=token)
    subj_t, body_t = texts.PHISHING[variant % len(texts.PHISHING)]
    fields = {"org": ORG_NAME, "day": _day(when, 1), "addr": rcpt, "link": link,
              "sender": rng.choice(("Committee Clerk", "Library Service", "Press Office"))}
    subject = subj_t.format(**fields)
    text = body_t.format(**fields)
    action = link.split("?")[0]
    html = ('<html><body style="font-family:Segoe UI,Arial,sans-serif">\n'
            f'<img src="https://{sender.rpartition("@")[2]}/assets/logo.png" width="180" height="40" '
            f'alt="{PHISHING_LOGOS.get(variant, ORG_NAME)}">\n'
            + _paras_html(text.replace(link, "").rstrip())
            + f'<p><a href="{link}" style="background:#0078d4;color:#fff;padding:10px 18px">'
            'Sign in to continue</a></p>\n')
    if variant == 1:
        html += (f'<form action="{action}" method="post"><input type="hidden" name="u" value="{token}">'
                 f'<input type="email" name="login" value="{rcpt}"><input type="password" name="pw">'
                 '<input type="submit" value="Verify"></form>\n')
    html += "</body></html>\n"
    domain = sender.rpartition("@")[2]
    ip = _ip(rng, "203.0.113")
    host = f"mail.{domain}"
    auth = auth_results(ip=ip, spf=("pass" if variant % 3 == 0 else "softfail", sender),
                        dkim=[], dmarc=("none", domain, "none"), rng=rng)
    ctype, body = multipart("alternative", [text_part(text), text_part(html, "html")], boundary(rng))
    message_id = _msgid(rng, domain)
    headers = delivery(rcpt, when, mail_from=sender, client_host=host, client_ip=ip, auth=auth,
                       rng=rng, tls=False)
    headers += [
        f"From: {mailbox(display, sender)}",
        f"To: {mailbox(name, rcpt)}",
        f"Subject: {unstructured(subject)}",
        f"Date: {date(_local(when, 0))}",
        f"Message-ID: {message_id}",
        "X-Priority: 1 (Highest)",
        "MIME-Version: 1.0",
        f"Content-Type: {ctype}",
    ]
    return Built(assemble(headers, body), message_id, sender, subject, when,
                 (Beacon(link, "link", "base64url"),), {"landing": link})


def phishing(recipient: tuple[str, str] = DEFAULT_RECIPIENT, *, variant: int = 0,
             when: dt.datetime = DEFAULT_WHEN, seed: int = 0) -> bytes:
    """Credential phishing (expected verdict ``phishing``); ``variant`` 0-7 picks the lure
    (see ``PHISHING_SENDERS``)."""
    return phishing_built(random.Random(seed), recipient=recipient, when=when, variant=variant).raw
