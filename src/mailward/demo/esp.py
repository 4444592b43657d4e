"""How ordinary email service providers (ESPs) send and track mail.

Each ``sending`` call returns the tracking URLs, bounce address, sending host and
extra headers for one message. The URL shapes follow what these services' own
documentation and everyday mail from them show (see the ``source`` notes); the
account numbers and tokens are generated. Account ids are derived from the sending
domain so they stay the same across issues, and subscriber ids from the recipient,
as a real list does.
"""

from __future__ import annotations

import hashlib
import random
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from mailward.demo.mime import b64id, hexid

SOURCES = {
    "mailchimp": "Mailchimp: track/open.php and track/click on <account>.<dc>.list-manage.com, "
                 "bounces via mcdlv.net (Mailchimp help: 'About Open and Click Tracking')",
    "sendgrid": "Twilio SendGrid: /wf/open and /ls/click?upn= on u<id>.ct.sendgrid.net "
                "(SendGrid docs: 'Click Tracking', 'Open Tracking')",
    "ses": "Amazon SES: /I0/ opens and /L0/ clicks on <id>.r.<region>.awstrack.me "
           "(AWS SES developer guide: 'Configuring custom domains for open and click tracking')",
    "sfmc": "Salesforce Marketing Cloud: open.aspx and ?qs= on click.<brand domain> "
            "(Salesforce help: 'Sender Authentication Package')",
    "mailgun": "Mailgun: /o/ opens and /c/ clicks on email.<sending domain> "
               "(Mailgun docs: 'Tracking Opens', 'Tracking Clicks')",
    "createsend": "Campaign Monitor: /t/ links on <account>.createsend1.com and cmail20.com "
                  "(mail sent by Campaign Monitor)",
}
ESPS = tuple(SOURCES)


@dataclass(frozen=True, slots=True)
class Sending:
    esp: str
    open_url: str
    click: Callable[[str, int], str]  # (destination, link number) -> tracked URL
    return_path: str
    host: str
    ip: str
    dkim: tuple[tuple[str, str], ...]  # (d=, s=) of the signatures, first = author domain
    headers: tuple[str, ...]
    unsubscribe: str  # List-Unsubscribe value
    images: str  # base URL for hosted images


def _stable(*parts: str, n: int = 16) -> str:
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:n]


def _num(*parts: str, digits: int = 8) -> int:
    value: int = int(_stable(*parts), 16) % 10**digits
    return value


def _slug(domain: str) -> str:
    labels = domain.split(".")
    while len(labels) > 2 and labels[0] in ("news", "email", "mail", "e", "mg", "newsletters"):
        labels = labels[1:]
    return labels[0].replace("-", "")


def sending(esp: str, domain: str, recipient: str, rng: random.Random,
            ip: str) -> Sending:
    """One message from ``domain`` to ``recipient`` sent through ``esp``."""
    build = _SENDERS.get(esp)
    if build is None:
        raise ValueError(f"unknown email service provider {esp!r}; known: {', '.join(ESPS)}")
    return build(esp, domain, recipient, rng, ip)


def _mailchimp(esp: str, domain: str, recipient: str, rng: random.Random, ip: str) -> Sending:
    slug = _slug(domain)
    dc = f"us{_num(domain, digits=2) % 21 + 1}"
    u = _stable(domain, "u", n=25)
    list_id = _stable(domain, "list", n=10)
    cid = hexid(rng, 40)
    e = _stable(domain, recipient, n=10)
    base = f"https://{slug}.{dc}.list-manage.com"
    atl = f"mail{rng.randrange(100, 240)}.atl{rng.randrange(11, 99)}.mcdlv.net"
    return Sending(
        esp, f"{base}/track/open.php?u={u}&id={cid}&e={e}",
        lambda dest, i: f"{base}/track/click?u={u}&id={_stable(cid, dest, n=10)}&e={e}",
        f"bounce-mc.{dc}_{_num(domain)}.{rng.randrange(10**6)}-{e}@{atl}", atl, ip,
        ((domain, "k2"), ("mcdlv.net", "k1")),
        (f"X-MC-User: {u}", f"X-Campaign: mailchimp{u}.{cid}",
         f"X-campaignid: mailchimp{u}.{cid}", f"X-Mailer: Mailchimp Mailer - **CID{cid}**",
         f"List-ID: {u}mc list <{u}.{list_id}.list-id.mcsv.net>"),
        f"<{base}/unsubscribe?u={u}&id={list_id}&e={e}&c={cid}>, "
        f"<mailto:unsubscribe-mc.{dc}_{u}.{cid}-{e}@unsubscribe.mailchimpapp.net?subject=unsubscribe>",
        f"https://mcusercontent.com/{u}/images",
    )


def _sendgrid(esp: str, domain: str, recipient: str, rng: random.Random, ip: str) -> Sending:
    local, _, rdomain = recipient.partition("@")
    acct = _num(domain, digits=8)
    host = f"u{acct}.ct.sendgrid.net"
    em = f"em{_num(domain, 'em', digits=4)}.{domain}"

    def upn() -> str:
        return b64id(rng, 72)

    mta = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8))
    unsub_token = upn()
    return Sending(
        esp, f"https://{host}/wf/open?upn={upn()}",
        lambda dest, i: f"https://{host}/ls/click?upn={upn()}",
        f"bounces+{acct}-{hexid(rng, 16)}-{local}={rdomain}@{em}",
        f"{mta}.outbound-mail.sendgrid.net", ip,
        ((domain, "s1"), ("sendgrid.info", "smtpapi")),
        (f"X-SG-EID: {b64id(rng, 60)}", f"X-Entity-ID: {b64id(rng, 18)}"),
        f"<https://{host}/asm/unsubscribe/?user_id={acct}&data={unsub_token}>, "
        f"<mailto:unsubscribe@{em}?subject=unsubscribe>",
        f"https://{host}/wf/images",
    )


def _ses(esp: str, domain: str, recipient: str, rng: random.Random, ip: str) -> Sending:
    trk = f"{_stable(domain, 'ses', n=8)}.r.eu-west-1.awstrack.me"
    mid = f"0102{hexid(rng, 48)}-{hexid(rng, 32)}-{hexid(rng, 16)}-000000"
    token = _stable(domain, recipient, "ses", n=44)
    sel = _stable(domain, "sel", n=32)
    return Sending(
        esp, f"https://{trk}/I0/{mid}/{token}",
        lambda dest, i: f"https://{trk}/L0/{urllib.parse.quote(dest, safe='')}/{i + 1}/{mid}/{token}",
        f"{mid}@eu-west-1.amazonses.com",
        f"a{rng.randrange(1, 255)}-{rng.randrange(1, 255)}.smtp-out.eu-west-1.amazonses.com",
        ip, ((domain, sel), ("amazonses.com", "ihchhvubuqgjsxyuhssfvqohv7z3u4hn")),
        (f"Feedback-ID: 1.eu-west-1.{b64id(rng, 30)}=:AmazonSES",
         f"X-SES-Outgoing: 2021.01.01-{ip}"),
        f"<https://{trk}/L0/{urllib.parse.quote(f'https://www.{domain}/newsletters/unsubscribe', safe='')}"
        f"/99/{mid}/{token}>",
        f"https://static.{domain}/newsletters",
    )


def _sfmc(esp: str, domain: str, recipient: str, rng: random.Random, ip: str) -> Sending:
    job = rng.randrange(10**6, 10**7)
    sub = f"e.{domain}"
    return Sending(
        esp, f"https://click.{sub}/open.aspx?ffcb10-{hexid(rng, 64)}-{hexid(rng, 64)}",
        lambda dest, i: f"https://click.{sub}/?qs={hexid(rng, 256)}",
        f"bounce-{_num(domain, digits=3)}_HTML-{rng.randrange(10**9)}-{job}-"
        f"{_num(domain, digits=7)}-{rng.randrange(100)}@bounce.{sub}",
        f"mta{rng.randrange(1, 40)}.{sub}", ip, ((sub, "200608"),),
        (f"x-job: {_num(domain, digits=7)}_{job}", "X-SFMC-Stack: 7"),
        f"<mailto:leave-{hexid(rng, 96)}@leave.{sub}>, "
        f"<https://click.{sub}/subscription_center.aspx?jwt={b64id(rng, 48)}>",
        f"https://image.{sub}/lib",
    )


def _mailgun(esp: str, domain: str, recipient: str, rng: random.Random, ip: str) -> Sending:
    local, _, rdomain = recipient.partition("@")
    mg = f"mg.{domain}"
    token = b64id(rng, 48)
    return Sending(
        esp, f"https://email.{mg}/o/{token}",
        lambda dest, i: f"https://email.{mg}/c/{b64id(rng, 60)}",
        f"bounce+{hexid(rng, 24)}.{hexid(rng, 24)}-{local}={rdomain}@{mg}",
        f"m{rng.randrange(200, 250)}-{rng.randrange(1, 20)}.mailgun.net", ip,
        ((mg, "krs"), ("mailgun.org", "mailo")),
        (f"X-Mailgun-Sid: {b64id(rng, 45)}", "X-Mailgun-Tag: newsletter"),
        f"<https://email.{mg}/u/{b64id(rng, 50)}>",
        f"https://static.{domain}/email",
    )


def _createsend(esp: str, domain: str, recipient: str, rng: random.Random, ip: str) -> Sending:
    slug = _slug(domain)
    cm_account = slug
    sub_id = _stable(domain, recipient, "cm", n=16).upper()
    cid = hexid(rng, 32).upper()
    return Sending(
        esp, f"https://{cm_account}.cmail20.com/t/r-o-{cid}-{sub_id}/o.gif",
        lambda dest, i: f"https://{cm_account}.createsend1.com/t/r-l-{cid}-{sub_id}-{chr(97 + i % 26)}/",
        f"{hexid(rng, 64)}@cmail20.com", f"mail{rng.randrange(1, 9)}.cmail20.com", ip,
        ((domain, "cm"), ("cmail2.com", "cs2013")),
        (f"X-CMail-GroupId: {cid}",),
        f"<https://{cm_account}.createsend1.com/t/r-u-{cid}-{sub_id}/>",
        f"https://i{rng.randrange(1, 9)}.createsend1.com/ei/r/{cid}",
    )


_SENDERS: dict[str, Callable[[str, str, str, random.Random, str], Sending]] = {
    "mailchimp": _mailchimp,
    "sendgrid": _sendgrid,
    "ses": _ses,
    "sfmc": _sfmc,
    "mailgun": _mailgun,
    "createsend": _createsend,
}
