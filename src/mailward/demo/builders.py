"""Build single demo messages in memory, one function per kind of mail.

Each public function (``newsletter``, ``journalist_enquiry``, ``recon_lure``,
``phishing``, ``constituent``, ``internal``, ``spam``, ``malformed``) returns the
raw bytes of one message as the parliament's mail store would hold it: delivery
headers from the gateway ``mx.parliament.example`` (Received, Authentication-Results,
Return-Path, Delivered-To) above the sender's own headers. Every argument has a
default, so ``recon_lure()`` alone gives a typical lure. They are deterministic:
the same arguments and ``seed`` give the same bytes.

The ``*_built`` functions behind them take a ``random.Random`` and return a
``Built`` record with ground truth (message id, beacons and how they carry the
recipient); the generator uses those.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from mailward.demo import texts
from mailward.demo.esp import sending
from mailward.demo.mime import (
    assemble,
    attachment_part,
    b64id,
    b64std,
    boundary,
    date,
    hexid,
    mailbox,
    multipart,
    recipient_token,
    text_part,
    unstructured,
)
from mailward.demo.world import (
    FREEMAIL,
    GATEWAY,
    GATEWAY_IP,
    ISP_HOSTS,
    MAILSTORE,
    NEWSLETTER_SENDERS,
    ORG_DOMAIN,
    ORG_NAME,
    OUTLETS,
    SUBMISSION,
    Outlet,
    ascii_fold,
)

UTC = dt.UTC
DEFAULT_WHEN = dt.datetime(2021, 3, 15, 9, 30, tzinfo=UTC)
DEFAULT_RECIPIENT = ("Amelia Whitcombe", f"amelia.whitcombe@{ORG_DOMAIN}")


@dataclass(frozen=True, slots=True)
class Beacon:
    """Ground truth for one remote load or tracked link put into a message."""

    url: str
    kind: str  # "pixel", "hidden", "css", "remote", "link"
    per_recipient: str | None = None  # token encoding (see mime.TOKEN_ENCODINGS) or None


@dataclass(frozen=True, slots=True)
class Built:
    raw: bytes
    message_id: str
    sender: str
    subject: str
    date: dt.datetime
    beacons: tuple[Beacon, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


# -- delivery: what the gateway and the mail store add ------------------------------------


def auth_results(*, ip: str, spf: tuple[str, str] | None,
                 dkim: Sequence[tuple[str, str, str]] = (),
                 dmarc: tuple[str, str, str] | None = None,
                 rng: random.Random | None = None) -> str:
    """An Authentication-Results header from the gateway.

    ``spf`` is (result, smtp.mailfrom), ``dkim`` (result, d, s) per signature,
    ``dmarc`` (result, header.from domain, policy).
    """
    items: list[str] = []
    if dkim:
        for result, d, s in dkim:
            tag = b64std(rng, 6) if rng else "demo0000"
            items.append(f"dkim={result} header.d={d} header.s={s} header.b={tag}")
    else:
        items.append("dkim=none")
    if spf:
        result, mail_from = spf
        domain = mail_from.rpartition("@")[2]
        if result == "pass":
            why = f"({GATEWAY}: domain of {mail_from} designates {ip} as permitted sender)"
        elif result in ("fail", "softfail"):
            why = f"({GATEWAY}: domain of {mail_from} does not designate {ip} as permitted sender)"
        elif result == "neutral":
            why = f"({GATEWAY}: {ip} is neither permitted nor denied by domain of {mail_from})"
        else:
            why = f"({GATEWAY}: {domain} does not provide an SPF record)"
        items.append(f"spf={result} {why} smtp.mailfrom={mail_from}")
    if dmarc:
        result, from_domain, policy = dmarc
        items.append(f"dmarc={result} (p={policy.upper()} dis=NONE) header.from={from_domain}")
    return "Authentication-Results: " + GATEWAY + ";\n\t" + ";\n\t".join(items)


def dkim_signature(d: str, s: str, when: dt.datetime, rng: random.Random) -> str:
    """A DKIM-Signature header of the right shape (the signature itself is not valid)."""
    sig = b64std(rng, 256)
    return (f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={d}; s={s};\n"
            f"\tt={int(when.timestamp())}; h=from:to:subject:date:message-id:mime-version;\n"
            f"\tbh={b64std(rng, 32)};\n\tb=" + "\n\t ".join(sig[i:i + 72] for i in range(0, len(sig), 72)))


def delivery(recipient: str, when: dt.datetime, *, mail_from: str, client_host: str,
             client_ip: str, auth: str, rng: random.Random, tls: bool = True) -> list[str]:
    """Headers the gateway (Postfix + milter) and the mail store (Dovecot LMTP) add."""
    arrived = (when + dt.timedelta(seconds=rng.randrange(2, 90))).astimezone(UTC)
    stored = arrived + dt.timedelta(seconds=1)
    queue_id = f"4{b64id(rng, 9)[:11]}".replace("-", "x").replace("_", "z")
    crypto = ("\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n"
              "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\n"
              "\t(No client certificate requested)") if tls else ""
    return [
        f"Return-Path: <{mail_from}>",
        f"Delivered-To: {recipient}",
        f"Received: from {GATEWAY} ({GATEWAY} [{GATEWAY_IP}])\n\tby {MAILSTORE} with LMTP\n"
        f"\tid {b64id(rng, 15)}\n\t(envelope-from <{mail_from}>)\n\tfor <{recipient}>; {date(stored)}",
        auth,
        f"Received: from {client_host} ({client_host} [{client_ip}]){crypto}\n"
        f"\tby {GATEWAY} (Postfix) with {'ESMTPS' if tls else 'ESMTP'} id {queue_id}\n"
        f"\tfor <{recipient}>; {date(arrived)}",
    ]


def _ip(rng: random.Random, net: str = "198.51.100") -> str:
    return f"{net}.{rng.randrange(2, 254)}"


def _msgid(rng: random.Random, domain: str, style: str = "generic") -> str:
    if style == "outlook":
        return f"<{hexid(rng, 64).upper()}@{domain}>"
    if style == "gmail":
        return f"<CA+{b64id(rng, 30)}@mail.gmail.com>"
    return f"<{hexid(rng, 48)}.{rng.randrange(10**6)}@{domain}>"


def _local(when: dt.datetime, hours: float) -> dt.datetime:
    return when.astimezone(dt.timezone(dt.timedelta(hours=hours)))


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _paras_html(text: str) -> str:
    return "".join(f"<p>{_html_escape(p).replace(chr(10), '<br>')}</p>\n"
                   for p in text.split("\n\n"))


def _outlet(name: str) -> Outlet:
    for outlet in NEWSLETTER_SENDERS:
        if outlet.name.lower() == name.lower() or outlet.domain == name.lower():
            return outlet
    raise ValueError(f"unknown outlet {name!r}; known: {', '.join(o.name for o in OUTLETS)}")


def _article(rng: random.Random, day: str, count: int = 4) -> tuple[str, list[str]]:
    headline = rng.choice(texts.HEADLINES)
    paras = [p.format(day=day) for p in rng.sample(texts.PARAGRAPHS, count)]
    return headline, paras


def _day(when: dt.datetime, plus: int = 0) -> str:
    return (when + dt.timedelta(days=plus)).strftime("%A %d %B").replace(" 0", " ")


# -- fake attachments -----------------------------------------------------------------


def _pdf(rng: random.Random, title: str) -> bytes:
    stream = f"BT /F1 12 Tf 72 720 Td ({title}) Tj ET".encode("latin-1", "replace")
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
            + f"4 0 obj<</Length {len(stream)}>>stream\n".encode() + stream
            + b"\nendstream endobj\n" + rng.randbytes(rng.randrange(600, 3000))
            + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _jpeg(rng: random.Random) -> bytes:
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            + rng.randbytes(rng.randrange(2000, 6000)) + b"\xff\xd9")


def _docx(rng: random.Random) -> bytes:
    # the start of an OOXML zip (local file header of [Content_Types].xml), then filler
    name = b"[Content_Types].xml"
    return (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + rng.randbytes(12)
            + len(name).to_bytes(2, "little") + b"\x00\x00" + name + rng.randbytes(rng.randrange(1500, 4000)))


# -- legitimate newsletters -------------------------------------------------------------


def newsletter_built(rng: random.Random, *, outlet: Outlet, recipient: tuple[str, str],
                     when: dt.datetime, esp: str | None = None,
                     content: random.Random | None = None) -> Built:
    """A newsletter from a real outlet's official domain, sent through an ordinary ESP.

    DKIM passes for the outlet's own domain (aligned), so DMARC passes; it has an
    open pixel and click-tracked links, as ordinary newsletters do. ``content``
    chooses the issue's text: subscribers given the same ``content`` seed get the
    same issue.
    """
    pick = content or rng
    name, rcpt = recipient
    from_domain = outlet.news_from.rpartition("@")[2]
    ip = _ip(rng)
    s = sending(esp or outlet.esp, from_domain, rcpt, rng, ip)
    headline, paras = _article(pick, _day(when), 3)
    more = pick.sample(texts.HEADLINES, 3)
    subject = f"{outlet.newsletter}: {headline}"
    home = f"https://www.{outlet.domain}/"
    slug = headline.lower().replace(":", "").replace(" ", "-")[:60]
    article = f"https://www.{outlet.domain}/world/{when:%Y/%m/%d}/{slug}"
    links = [s.click(home, 0), s.click(article, 1)] + [
        s.click(f"https://www.{outlet.domain}/world/{when:%Y/%m/%d}/{h.lower().replace(' ', '-')[:50]}", i + 2)
        for i, h in enumerate(more)]
    prefs = s.click(f"https://www.{outlet.domain}/email/preferences", 9)
    masthead = f"{s.images}/{hexid(rng, 32)}.png"
    body_html = "".join(f"<p style=\"margin:0 0 12px\">{p}</p>" for p in paras)
    more_html = "".join(f'<li><a href="{u}" style="color:#052962">{h}</a></li>'
                        for u, h in zip(links[2:], more, strict=True))
    html = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{outlet.newsletter}</title>\n'
        '<style>body{margin:0;padding:0;font-family:Georgia,serif}a{text-decoration:none}'
        '.story h2{font-size:22px;line-height:1.2}</style></head>\n'
        '<body><table role="presentation" width="100%" cellpadding="0" cellspacing="0">'
        '<tr><td align="center">\n<table role="presentation" width="600" cellpadding="0" cellspacing="0">\n'
        f'<tr><td><a href="{links[0]}"><img src="{masthead}" width="600" height="90" '
        f'alt="{outlet.name}" style="display:block;border:0"></a></td></tr>\n'
        f'<tr><td class="story"><h2><a href="{links[1]}" style="color:#121212">{headline}</a></h2>\n'
        f'{body_html}<p><a href="{links[1]}">Read the full story</a></p></td></tr>\n'
        f'<tr><td><h3>More from {outlet.name}</h3><ul>{more_html}</ul></td></tr>\n'
        '<tr><td style="font-size:12px;color:#707070;padding-top:24px">You are receiving this '
        f'email because you subscribed to {outlet.newsletter} from {outlet.name}. '
        f'<a href="{prefs}">Manage your email preferences</a>.</td></tr>\n'
        '</table></td></tr></table>\n'
        f'<img src="{s.open_url}" width="1" height="1" alt="" border="0" '
        'style="height:1px !important;width:1px !important;border-width:0 !important">\n'
        '</body></html>\n')
    text = (f"{outlet.newsletter} | {outlet.name}\n\n{headline}\n\n" + "\n\n".join(paras)
            + f"\n\nRead the full story: {links[1]}\n\nMore from {outlet.name}:\n"
            + "".join(f"- {h}: {u}\n" for u, h in zip(links[2:], more, strict=True))
            + f"\nManage your email preferences: {prefs}\n")
    ctype, body = multipart("alternative", [text_part(text), text_part(html, "html")],
                            boundary(rng))
    message_id = _msgid(rng, s.host)
    sent = _local(when, 0)
    dkim = [("pass", d, sel) for d, sel in s.dkim]
    auth = auth_results(ip=ip, spf=("pass", s.return_path), dkim=dkim,
                        dmarc=("pass", from_domain, "reject"), rng=rng)
    headers = delivery(rcpt, when, mail_from=s.return_path, client_host=s.host, client_ip=ip,
                       auth=auth, rng=rng)
    headers += [dkim_signature(d, sel, when, rng) for d, sel in s.dkim]
    headers += [
        f"From: {mailbox(outlet.name, outlet.news_from)}",
        f"To: {mailbox(name, rcpt)}",
        f"Subject: {unstructured(subject)}",
        f"Date: {date(sent)}",
        f"Message-ID: {message_id}",
        f"List-Unsubscribe: {s.unsubscribe}",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        "Precedence: bulk",
        *s.headers,
        "MIME-Version: 1.0",
        f"Content-Type: {ctype}",
    ]
    beacons = (Beacon(s.open_url, "pixel", "opaque" if s.esp in ("mailchimp", "ses", "createsend") else None),
               *(Beacon(u, "link", None) for u in dict.fromkeys(links)))
    return Built(assemble(headers, body), message_id, outlet.news_from, subject, when, beacons,
                 {"esp": s.esp})


def newsletter(recipient: tuple[str, str] = DEFAULT_RECIPIENT, *, outlet: str = "The Guardian",
               esp: str | None = None, when: dt.datetime = DEFAULT_WHEN, seed: int = 0) -> bytes:
    """A genuine newsletter (expected verdict ``tracking``)."""
    return newsletter_built(random.Random(seed), outlet=_outlet(outlet), recipient=recipient,
                            when=when, esp=esp).raw


# -- genuine journalists -----------------------------------------------------------------


def journalist_built(rng: random.Random, *, outlet: Outlet, journalist: str,
                     recipient: tuple[str, str], when: dt.datetime,
                     freelance: bool = False, tracker: bool = False) -> Built:
    """A journalist's enquiry from the outlet's official domain (or a freelancer's free mail).

    ``tracker`` adds a read-receipt pixel of a mail-tracking extension (Mailtrack),
    as some reporters use: tracking, but by someone who is who they say.
    """
    name, rcpt = recipient
    first, last = ascii_fold(journalist.split()[0]), ascii_fold(journalist.split()[-1])
    if freelance:
        domain = rng.choice(("gmail.com", "proton.me", "outlook.com"))
        addr = f"{first}.{last}{rng.randrange(10, 99)}@{domain}"
        host, sel = ISP_HOSTS[domain]
        host = host.format(x=f"{rng.randrange(10**4)}")
        mid_style = "gmail" if domain == "gmail.com" else "generic"
        byline = f"Freelance journalist (recent work for {outlet.name})"
    else:
        domain = outlet.journalist_domain
        addr = f"{first}.{last}@{domain}"
        if tracker:  # Google Workspace with a tracking extension
            host, sel, mid_style = f"mail-{hexid(rng, 24)}.google.com", "google", "gmail"
        else:
            host = f"mail-{hexid(rng, 24)}.outbound.protection.outlook.com"
            sel, mid_style = "selector1", "outlook"
        byline = None
    beat, beat_title = rng.choice(texts.BEATS)
    subj_t, body_t = rng.choice(texts.JOURNALIST)
    fields = {
        "member": name, "member_first": name.split()[0], "outlet": outlet.name,
        "topic": rng.choice(texts.TOPICS), "day": _day(when, 2), "name": journalist,
        "beat": beat, "beat_title": byline or beat_title,
        "phone": f"+44 20 7946 0{rng.randrange(100, 999)}",
    }
    subject = subj_t.format(**fields)
    text = body_t.format(**fields)
    ip = _ip(rng)
    b = boundary(rng, "outlook" if mid_style == "outlook" else "gmail")
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
            f'<body><div style="font-family:Calibri,Arial,sans-serif;font-size:11pt">'
            f'{_paras_html(text)}</div>')
    beacons: tuple[Beacon, ...] = ()
    if tracker:
        pixel = f"https://mailtrack.io/trace/mail/{hexid(rng, 160)}.png?u={rng.randrange(10**6, 10**7)}"
        html += (f'<img width="0" height="0" class="mailtrack-img" alt="" style="display:flex" '
                 f'src="{pixel}">')
        beacons = (Beacon(pixel, "hidden", "opaque"),)
    html += "</body></html>\n"
    ctype, body = multipart("alternative", [text_part(text), text_part(html, "html")], b)
    message_id = _msgid(rng, host if mid_style != "outlook" else f"{domain.split('.')[0].upper()}PR01MB{rng.randrange(1000, 9999)}.eurprd01.prod.outlook.com", mid_style)
    auth = auth_results(ip=ip, spf=("pass", addr), dkim=[("pass", domain, sel)],
                        dmarc=("pass", domain, "none" if freelance else "quarantine"), rng=rng)
    headers = delivery(rcpt, when, mail_from=addr, client_host=host, client_ip=ip, auth=auth, rng=rng)
    headers += [
        dkim_signature(domain, sel, when, rng),
        f"From: {mailbox(journalist, addr)}",
        f"To: {mailbox(name, rcpt)}",
        f"Subject: {unstructured(subject)}",
        f"Date: {date(_local(when, 0))}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        f"Content-Type: {ctype}",
    ]
    return Built(assemble(headers, body), message_id, addr, subject, when, beacons)


def journalist_enquiry(recipient: tuple[str, str] = DEFAULT_RECIPIENT, *,
                       outlet: str = "Reuters", journalist: str = "Hannah Okafor",
                       freelance: bool = False, tracker: bool = False,
                       when: dt.datetime = DEFAULT_WHEN, seed: int = 0) -> bytes:
    """A genuine press enquiry from the outlet's official mail domain (expected ``clean``;
    ``tracking`` with ``tracker=True``)."""
    return journalist_built(random.Random(seed), outlet=_outlet(outlet), journalist=journalist,
                            recipient=recipient, when=when, freelance=freelance,
                            tracker=tracker).raw


# -- reconnaissance lures -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LureStyle:
    """How a reconnaissance campaign dresses and tracks its lures."""

    claimed: str  # the outlet it pretends to be, e.g. "Reuters"
    display_name: str  # From display name
    sender: str  # From address (lookalike or free-mail)
    beacon: str  # URL template of the hidden beacon, with {token} (and optional {mid}); "" = none
    token: str = "base64"  # encoding of the recipient's address (mime.TOKEN_ENCODINGS)
    link: str = ""  # URL template of the "read more" link, with {token}; "" = none
    hide: str = "display-none"  # display-none | attr-1px | css-1px | ancestor | opacity
    via: str = "direct"  # "direct" (own server / webmail) or an ESP name (esp.ESPS)
    reply_to: str = ""
    byline: str = ""  # journalist persona in the article byline
    salt: str = "demo"  # key for "opaque" tokens
    auth: str = "pass"  # "pass" (for its own domain), "none" or "fail"
    server: str = ""  # sending host for "direct"; "" = derived from the sender's domain
    signature: str = ""  # lines under the name, e.g. "Senior Correspondent, Financial Times"


def _hidden_img(url: str, hide: str) -> str:
    if hide == "attr-1px":
        return f'<img src="{url}" width="1" height="1" alt="" border="0">'
    if hide == "css-1px":
        return f'<img src="{url}" alt="" style="width:1px;height:1px;border:0">'
    if hide == "ancestor":
        return f'<div style="display:none;max-height:0;overflow:hidden"><img src="{url}" alt=""></div>'
    if hide == "opacity":
        return f'<img src="{url}" width="2" height="2" alt="" style="opacity:0;position:absolute">'
    if hide == "css-background":
        return f'<div style="background-image:url(\'{url}\');width:1px;height:1px"></div>'
    return f'<img src="{url}" width="1" height="1" alt="" style="display:none">'


def recon_built(rng: random.Random, *, style: LureStyle, recipient: tuple[str, str],
                when: dt.datetime, content: random.Random | None = None) -> Built:
    """A reconnaissance lure: a real-looking article from an impostor, with a hidden beacon.

    The beacon (and the link) carry the recipient's address encoded per ``style.token``.
    ``content`` chooses the article, introduction and subject: one wave of a campaign
    shares them, as a mass mailing does; greeting and tokens stay per recipient.
    """
    pick = content or rng
    name, rcpt = recipient
    token = recipient_token(rcpt, style.token, salt=style.salt)
    mid = hexid(rng, 32)
    beacon_url = style.beacon.format(token=token, mid=mid) if style.beacon else ""
    headline, paras = _article(pick, _day(when, -1), pick.randrange(3, 6))
    from_domain = style.sender.rpartition("@")[2]
    ip = _ip(rng, "203.0.113")
    esp_sending = None
    if style.via != "direct":
        esp_sending = sending(style.via, from_domain, rcpt, rng, ip)
        open_url = esp_sending.open_url
    link_url = style.link.format(token=token, mid=mid) if style.link else ""
    shown_link = link_url
    if esp_sending and link_url:
        shown_link = esp_sending.click(link_url, 1)
    byline = style.byline or f"{style.claimed} staff"
    greeting = rng.choice(("Dear {n},", "Dear Honourable {n},", "Hello {n},", "{n},")).format(
        n=name if rng.random() < 0.5 else name.split()[0])
    intro = pick.choice((
        f"I thought this {style.claimed} report would interest you given your work on the committee.",
        f"As promised, here is the {style.claimed} piece ahead of publication. Your view would be welcome.",
        f"{style.claimed} is running the story below today. We would value a comment for a follow-up.",
        f"Please find below today's briefing from {style.claimed}.",
    ))
    freemail = from_domain in FREEMAIL
    html = _lure_html(style, greeting=greeting, intro=intro, headline=headline, byline=byline, paras=paras,
                      shown_link=shown_link, when=when, freemail=freemail)
    if beacon_url:
        html += _hidden_img(beacon_url, style.hide) + "\n"
    beacons = []
    if beacon_url:
        kind = ("css" if style.hide == "css-background" else
                "hidden" if style.hide in ("display-none", "ancestor", "opacity") else "pixel")
        beacons.append(Beacon(beacon_url, kind, style.token))
    if esp_sending:
        html += f'<img src="{open_url}" width="1" height="1" alt="">\n'
        beacons.append(Beacon(open_url, "pixel", "opaque"))
    if not freemail:
        html += "</body></html>\n"
    if shown_link:
        if shown_link != link_url:
            link_token: str | None = "opaque"  # the ESP's per-recipient click token
        else:
            link_token = style.token if "{token}" in style.link else None
        beacons.append(Beacon(shown_link, "link", link_token))
    text = (f"{greeting}\n\n{intro}\n\n{headline}\nBy {byline}\n\n" + "\n\n".join(paras)
            + (f"\n\nContinue reading: {shown_link}" if shown_link else "")
            + f"\n\nBest regards,\n{style.display_name}\n"
            + (style.signature + "\n" if style.signature else ""))
    subject = pick.choice((headline, f"{style.claimed}: {headline}", f"FYI: {headline}"))
    if esp_sending:
        host, mail_from, dkim_pairs = esp_sending.host, esp_sending.return_path, esp_sending.dkim
        message_id = _msgid(rng, esp_sending.host)
    elif freemail:
        pattern, sel = ISP_HOSTS[from_domain]
        host = pattern.format(x=f"{rng.randrange(10**4)}")
        mail_from, dkim_pairs = style.sender, ((from_domain, sel),)
        message_id = _msgid(rng, host, "gmail" if from_domain == "gmail.com" else "generic")
    else:
        host = style.server or f"mail.{from_domain}"
        mail_from, dkim_pairs = style.sender, ((from_domain, "default"),)
        message_id = _msgid(rng, from_domain)
    dkim, spf, dmarc = _lure_auth(style.auth, dkim_pairs, mail_from, from_domain)
    auth = auth_results(ip=ip, spf=spf, dkim=dkim, dmarc=dmarc, rng=rng)
    ctype, body = multipart("alternative", [text_part(text), text_part(html, "html")],
                            boundary(rng, "gmail" if freemail else "generic"))
    headers = delivery(rcpt, when, mail_from=mail_from, client_host=host, client_ip=ip,
                       auth=auth, rng=rng)
    if style.auth == "pass" or style.auth == "fail":
        headers += [dkim_signature(d, sel, when, rng) for d, sel in dkim_pairs]
    headers += [
        f"From: {mailbox(style.display_name, style.sender)}",
        f"To: {mailbox(name, rcpt)}",
        f"Subject: {unstructured(subject)}",
        f"Date: {date(_local(when, 8 if rng.random() < 0.3 else 0))}",
        f"Message-ID: {message_id}",
    ]
    if style.reply_to:
        headers.append(f"Reply-To: {style.reply_to}")
    if not esp_sending and not freemail:
        headers.append("X-Mailer: PHPMailer 6.1.7 (https://github.com/PHPMailer/PHPMailer)")
    if esp_sending:
        headers += list(esp_sending.headers)
        headers.append(f"List-Unsubscribe: {esp_sending.unsubscribe}")
    headers += ["MIME-Version: 1.0", f"Content-Type: {ctype}"]
    return Built(assemble(headers, body), message_id, style.sender, subject, when, tuple(beacons),
                 {"token": token, "claimed": style.claimed})


def _lure_html(style: LureStyle, *, greeting: str, intro: str, headline: str, byline: str, paras: list[str],
               shown_link: str, when: dt.datetime, freemail: bool) -> str:
    """The lure's HTML up to the beacons: a personal note from webmail, or a news page."""
    html_paras = "".join(f'<p style="font-size:16px;line-height:1.5">{p}</p>\n' for p in paras)
    read_more = (f'<p><a href="{shown_link}" style="color:#fa6400">Continue reading on '
                 f'{style.claimed}</a></p>\n') if shown_link else ""
    if freemail:  # a persona writing from webmail: a forwarded article in a personal note
        html = (
            f'<div dir="ltr"><div>{greeting}</div><div><br></div><div>{intro}</div><div><br></div>\n'
            f'<div><b>{headline}</b></div><div><i>By {byline}</i></div>\n'
            + "".join(f"<div>{p}</div><div><br></div>\n" for p in paras)
            + (f'<div><a href="{shown_link}">{shown_link}</a></div>\n' if shown_link else "")
            + f'<div><br></div><div>Best regards,</div><div>{style.display_name}</div>'
            + "".join(f"<div>{line}</div>" for line in style.signature.splitlines())
            + "</div>\n")
    else:
        html = (
            '<html><head><meta charset="utf-8"></head>'
            '<body style="font-family:Arial,Helvetica,sans-serif">\n'
            f'<p>{greeting}</p><p>{intro}</p>\n'
            '<div style="border-top:3px solid #fa6400;max-width:640px">\n'
            f'<h1 style="font-size:26px">{headline}</h1>\n'
            f'<p style="color:#666">By {byline} &middot; {when:%d %B %Y}</p>\n'
            f'{html_paras}{read_more}</div>\n'
            f'<p>Best regards,<br>{style.display_name}'
            + "".join(f"<br>{line}" for line in style.signature.splitlines()) + "</p>\n"
        )
    return html


def _lure_auth(result: str, dkim_pairs: tuple[tuple[str, str], ...], mail_from: str,
               from_domain: str) -> tuple[list[tuple[str, str, str]], tuple[str, str], tuple[str, str, str] | None]:
    """(dkim, spf, dmarc) results for ``auth_results`` as the lure style says."""
    if result == "pass":
        dkim = [("pass", d, sel) for d, sel in dkim_pairs]
        spf = ("pass", mail_from)
        dmarc = ("pass", from_domain, "none")
    elif result == "fail":
        dkim = [("fail", d, sel) for d, sel in dkim_pairs]
        spf, dmarc = ("softfail", mail_from), ("fail", from_domain, "none")
    else:
        dkim, spf, dmarc = [], ("none", mail_from), None
    return dkim, spf, dmarc


DEFAULT_LURE = LureStyle(
    claimed="Reuters", display_name="Reuters World News", sender="newsdesk@reuters-newsdesk.com",
    beacon="https://media.newswire-cdn.com/i/{token}.gif", token="base64",
    link="https://reuters-newsdesk.com/world/article?ref={token}",
)


def recon_lure(recipient: tuple[str, str] = DEFAULT_RECIPIENT, *, claimed: str = "Reuters",
               sender: str = "newsdesk@reuters-newsdesk.com", display_name: str | None = None,
               beacon: str = "https://media.newswire-cdn.com/i/{token}.gif",
               token: str = "base64", link: str | None = None, hide: str = "display-none",
               via: str = "direct", reply_to: str = "", auth: str = "pass",
               when: dt.datetime = DEFAULT_WHEN, seed: int = 0) -> bytes:
    """A reconnaissance lure (expected verdict ``recon``).

    ``token`` is how the recipient's address is encoded into the beacon URL
    (plain, urlencoded, base64, base64url, hex, md5, sha1, sha256, sha256-lower,
    opaque); ``via`` an ESP name sends it through that mass-mailing service.
    """
    domain = sender.rpartition("@")[2]
    style = LureStyle(
        claimed=claimed, display_name=display_name or f"{claimed} World News", sender=sender,
        beacon=beacon, token=token,
        link=link if link is not None else f"https://{domain}/world/article?ref={{token}}",
        hide=hide, via=via, reply_to=reply_to, auth=auth)
    return recon_built(random.Random(seed), style=style, recipient=recipient, when=when).raw


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


# -- constituents and internal mail --------------------------------------------------------


def constituent_built(rng: random.Random, *, recipient: tuple[str, str], when: dt.datetime,
                      writer: str, place: str, attachment: bool = False) -> Built:
    """A constituent writing from a free-mail account, sometimes with photos or a letter."""
    name, rcpt = recipient
    domain = rng.choice(FREEMAIL)
    first, last = writer.split()[0], writer.split()[-1]
    addr = (f"{ascii_fold(first)}{rng.choice(('.', '_', ''))}{ascii_fold(last)}"
            f"{rng.choice(('', str(rng.randrange(1, 99))))}@{domain}")
    subj_t, body_t = rng.choice(texts.CONSTITUENT)
    fields = {"member": name, "member_first": name.split()[0], "name": writer, "place": place,
              "street": rng.choice(texts.STREETS), "day": _day(when, 10),
              "ref": f"{rng.choice('ABCDEFGH')}{rng.randrange(10**6, 10**7)}"}
    subject = subj_t.format(**fields)
    text = body_t.format(**fields)
    pattern, sel = ISP_HOSTS[domain]
    host = pattern.format(x=f"{rng.randrange(10**4)}")
    ip = _ip(rng)
    gmail = domain == "gmail.com"
    if gmail:
        html = f'<div dir="ltr">{_paras_html(text)}</div>\n'
        ctype, body = multipart("alternative", [text_part(text, encoding="7bit" if text.isascii() else "quoted-printable"),
                                                text_part(html, "html")], boundary(rng, "gmail"))
    elif rng.random() < 0.3:
        ctype, body = 'text/plain; charset="iso-8859-1"', text
        body = text_part(text, charset="iso-8859-1").split("\n\n", 1)[1]
        ctype = 'text/plain; charset="iso-8859-1"\nContent-Transfer-Encoding: quoted-printable'
    else:
        ctype = 'text/plain; charset="utf-8"; format=flowed\nContent-Transfer-Encoding: 8bit'
        body = text + "\n"
    if attachment:
        inner = f"Content-Type: {ctype}\n\n{body}"
        files = [("letter.pdf", "application/pdf", _pdf(rng, subject))]
        if rng.random() < 0.5:
            files.append((f"IMG_{rng.randrange(1000, 9999)}.jpg", "image/jpeg", _jpeg(rng)))
        ctype, body = multipart("mixed", [inner] + [attachment_part(*f) for f in files],
                                boundary(rng, "gmail" if gmail else "generic"))
    message_id = _msgid(rng, host, "gmail" if gmail else "generic")
    auth = auth_results(ip=ip, spf=("pass", addr), dkim=[("pass", domain, sel)],
                        dmarc=("pass", domain, "none" if domain not in ("gmail.com", "yahoo.co.uk") else "reject"), rng=rng)
    headers = delivery(rcpt, when, mail_from=addr, client_host=host, client_ip=ip, auth=auth, rng=rng)
    headers += [
        dkim_signature(domain, sel, when, rng),
        f"From: {mailbox(writer, addr)}",
        f"To: {mailbox(name, rcpt)}",
        f"Subject: {unstructured(subject)}",
        f"Date: {date(_local(when, 0))}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        f"Content-Type: {ctype}",
    ]
    return Built(assemble(headers, body), message_id, addr, subject, when)


def constituent(recipient: tuple[str, str] = DEFAULT_RECIPIENT, *, writer: str = "José Martínez",
                place: str = "Northfield", attachment: bool = False,
                when: dt.datetime = DEFAULT_WHEN, seed: int = 0) -> bytes:
    """A constituent's letter (expected ``clean``)."""
    return constituent_built(random.Random(seed), recipient=recipient, when=when, writer=writer,
                             place=place, attachment=attachment).raw


def internal_built(rng: random.Random, *, sender: tuple[str, str], recipient: tuple[str, str],
                   when: dt.datetime, attachment: bool = False) -> Built:
    """Mail between colleagues, submitted on the parliament's own server."""
    sname, saddr = sender
    name, rcpt = recipient
    subj_t, body_t = rng.choice(texts.INTERNAL)
    fields = {"member_first": name.split()[0], "first": sname.split()[0], "name": sname,
              "day": _day(when, rng.randrange(1, 6)), "ref": f"CW-{rng.randrange(10**4, 10**5)}"}
    subject = subj_t.format(**fields)
    text = body_t.format(**fields)
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
            f'<body><div style="font-family:Calibri,sans-serif">{_paras_html(text)}</div></body></html>\n')
    ctype, body = multipart("alternative", [text_part(text), text_part(html, "html")],
                            boundary(rng, "outlook"))
    if attachment:
        inner = f"Content-Type: {ctype}\n\n{body}"
        title = subject.split(":")[0].replace(" ", "_")[:30]
        files = rng.choice((
            [(f"{title}.pdf", "application/pdf", _pdf(rng, subject))],
            [(f"{title}.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _docx(rng))],
        ))
        ctype, body = multipart("mixed", [inner] + [attachment_part(*f) for f in files],
                                boundary(rng, "outlook"))
    ip = _ip(rng, "192.0.2")
    message_id = _msgid(rng, SUBMISSION, "outlook")
    thread: list[str] = []
    if subject.startswith("Re:"):
        parent = _msgid(rng, SUBMISSION, "outlook")
        thread = [f"In-Reply-To: {parent}", f"References: {parent}"]
    auth = auth_results(ip=ip, spf=("pass", saddr), dkim=[("pass", ORG_DOMAIN, "mail2021")],
                        dmarc=("pass", ORG_DOMAIN, "reject"), rng=rng)
    headers = delivery(rcpt, when, mail_from=saddr, client_host=SUBMISSION, client_ip=ip,
                       auth=auth, rng=rng)
    headers += [
        dkim_signature(ORG_DOMAIN, "mail2021", when, rng),
        f"Received: from ws-{rng.randrange(100, 999)}.{ORG_DOMAIN} ([{ip}])\n\tby {SUBMISSION} "
        f"(Postfix) with ESMTPSA id {hexid(rng, 40).upper()};\n\t{date(when.astimezone(UTC))}",
        f"From: {mailbox(sname, saddr)}",
        f"To: {mailbox(name, rcpt)}",
        f"Subject: {unstructured(subject)}",
        f"Date: {date(_local(when, 0))}",
        f"Message-ID: {message_id}",
        *thread,
        "MIME-Version: 1.0",
        f"Content-Type: {ctype}",
    ]
    return Built(assemble(headers, body), message_id, saddr, subject, when)


def forward_built(rng: random.Random, *, sender: tuple[str, str], recipient: tuple[str, str],
                  when: dt.datetime, original: bytes, original_subject: str,
                  original_beacons: tuple[Beacon, ...] = ()) -> Built:
    """A colleague forwarding a message as an attachment (message/rfc822), e.g. to IT security."""
    sname, saddr = sender
    name, rcpt = recipient
    subject = f"FW: {original_subject}"
    text = (f"Hi {name.split()[0]},\n\nThis arrived this morning and looks odd to me: I have not "
            "opened any links. Could you have a look?\n\nThanks,\n" + sname.split()[0])
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
            f'<body><div style="font-family:Calibri,sans-serif">{_paras_html(text)}</div></body></html>\n')
    alt_type, alt_body = multipart("alternative", [text_part(text), text_part(html, "html")],
                                   boundary(rng, "outlook"))
    attached = ('Content-Type: message/rfc822\nContent-Disposition: attachment;\n'
                f'\tfilename="{original_subject[:60].replace(chr(34), "")}.eml"\n\n'
                + original.decode("utf-8", "surrogateescape"))
    ctype, body = multipart("mixed", [f"Content-Type: {alt_type}\n\n{alt_body}", attached],
                            boundary(rng, "outlook"))
    ip = _ip(rng, "192.0.2")
    message_id = _msgid(rng, SUBMISSION, "outlook")
    auth = auth_results(ip=ip, spf=("pass", saddr), dkim=[("pass", ORG_DOMAIN, "mail2021")],
                        dmarc=("pass", ORG_DOMAIN, "reject"), rng=rng)
    headers = delivery(rcpt, when, mail_from=saddr, client_host=SUBMISSION, client_ip=ip,
                       auth=auth, rng=rng)
    headers += [
        dkim_signature(ORG_DOMAIN, "mail2021", when, rng),
        f"From: {mailbox(sname, saddr)}",
        f"To: {mailbox(name, rcpt)}",
        f"Subject: {unstructured(subject)}",
        f"Date: {date(_local(when, 0))}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        f"Content-Type: {ctype}",
    ]
    raw = ("\n".join(headers) + "\n\n" + body).encode("utf-8", "surrogateescape")
    return Built(raw, message_id, saddr, subject, when, original_beacons)


def forwarded_lure(sender: tuple[str, str] = DEFAULT_RECIPIENT,
                   recipient: tuple[str, str] = ("Oliver Adeyemi", f"oliver.adeyemi@{ORG_DOMAIN}"),
                   *, when: dt.datetime = DEFAULT_WHEN, seed: int = 0) -> bytes:
    """A recon lure that its recipient forwarded as an attachment to a colleague."""
    rng = random.Random(seed)
    lure = recon_built(rng, style=DEFAULT_LURE, recipient=sender, when=when)
    return forward_built(rng, sender=sender, recipient=recipient,
                         when=when + dt.timedelta(hours=2), original=lure.raw,
                         original_subject=lure.subject, original_beacons=lure.beacons).raw


def internal(sender: tuple[str, str] = ("Oliver Adeyemi", f"oliver.adeyemi@{ORG_DOMAIN}"),
             recipient: tuple[str, str] = DEFAULT_RECIPIENT, *, attachment: bool = False,
             when: dt.datetime = DEFAULT_WHEN, seed: int = 0) -> bytes:
    """Internal mail between colleagues (expected ``clean``)."""
    return internal_built(random.Random(seed), sender=sender, recipient=recipient, when=when,
                          attachment=attachment).raw


# -- spam ---------------------------------------------------------------------------------

SPAM_WORDS = ("best", "deal", "promo", "offer", "win", "smart", "cash", "prime", "mega", "lucky")


def spam_built(rng: random.Random, *, recipient: tuple[str, str], when: dt.datetime,
               place: str = "Northfield") -> Built:
    """Ordinary junk mail from throwaway domains, some with a tracking pixel."""
    rcpt = recipient[1]
    domain = f"{rng.choice(SPAM_WORDS)}-{rng.choice(SPAM_WORDS)}{rng.randrange(10, 999)}.test"
    sender = f"{rng.choice(('info', 'news', 'offers', 'noreply'))}@{domain}"
    link = f"https://{domain}/r/{hexid(rng, 40)}"
    subj_t, body_t = rng.choice(texts.SPAM)
    subject = subj_t.format(place=place)
    text = body_t.format(link=link, place=place)
    pixel = f"https://{domain}/o/{recipient_token(rcpt, 'md5')}.png" if rng.random() < 0.5 else ""
    html = (f'<html><body><h2>{subject}</h2><p>{_html_escape(text)}</p>'
            f'<a href="{link}"><b>CLICK HERE</b></a>'
            + (f'<img src="{pixel}" width="1" height="1">' if pixel else "") + "</body></html>\n")
    ctype, body = multipart("alternative", [text_part(text), text_part(html, "html")], boundary(rng))
    ip = _ip(rng, "203.0.113")
    auth = auth_results(ip=ip, spf=(rng.choice(("softfail", "none", "neutral")), sender), rng=rng)
    message_id = _msgid(rng, domain)
    headers = delivery(rcpt, when, mail_from=sender, client_host=f"unknown-{ip.replace('.', '-')}.{domain}",
                       client_ip=ip, auth=auth, rng=rng, tls=False)
    headers += [
        f"From: {mailbox(rng.choice(('Rewards Team', 'Customer Care', 'Alert')), sender)}",
        f"To: {rcpt}",
        f"Subject: {unstructured(subject)}",
        f"Date: {date(_local(when, -5))}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        f"Content-Type: {ctype}",
    ]
    beacons = [Beacon(link, "link", None)]
    if pixel:
        beacons.insert(0, Beacon(pixel, "pixel", "md5"))
    return Built(assemble(headers, body), message_id, sender, subject, when, tuple(beacons))


def spam(recipient: tuple[str, str] = DEFAULT_RECIPIENT, *, when: dt.datetime = DEFAULT_WHEN,
         seed: int = 0) -> bytes:
    """Junk mail (expected ``clean``, ``tracking`` or ``suspicious``; mailward is not a spam filter)."""
    return spam_built(random.Random(seed), recipient=recipient, when=when).raw


# -- malformed ------------------------------------------------------------------------------

MALFORMED_VARIANTS = ("bad-base64", "broken-boundary", "raw-8bit-header", "missing-from-date")


def malformed_built(rng: random.Random, *, recipient: tuple[str, str], when: dt.datetime,
                    variant: str = "bad-base64") -> Built:
    """A message with broken MIME or headers, as real mail sometimes is."""
    name, rcpt = recipient
    domain = "mail.example.net"
    who, local = rng.choice((("M. Harlow", "m.harlow"), ("K. Osei", "k.osei"),
                             ("P. Lindberg", "p.lindberg")))
    sender = f"{local}@example.net"
    message_id = _msgid(rng, domain)
    subject = rng.choice(("Fwd: scanned documents", "my letter", "Re: meeting notes"))
    ip = _ip(rng)
    auth = auth_results(ip=ip, spf=("pass", sender), rng=rng)
    headers = delivery(rcpt, when, mail_from=sender, client_host=domain, client_ip=ip,
                       auth=auth, rng=rng)
    top = [f"From: {mailbox(who, sender)}", f"To: {mailbox(name, rcpt)}",
           f"Subject: {subject}", f"Date: {date(when)}", f"Message-ID: {message_id}",
           "MIME-Version: 1.0"]
    if variant == "bad-base64":
        good = mime_b64 = text_part("Please see my letter below.\n" * 20, encoding="base64")
        head, payload = mime_b64.split("\n\n", 1)
        broken = payload[:60] + "!!**not base64**!!\n" + payload[60:-6] + "=\n"
        good = head + "\n\n" + broken
        ctype, body = multipart("mixed", [good, attachment_part("scan.pdf", "application/pdf",
                                                                _pdf(rng, subject))[:-40] + "$$$\n"],
                                boundary(rng))
        raw = assemble(headers + top + [f"Content-Type: {ctype}"], body)
    elif variant == "broken-boundary":
        b = boundary(rng)
        body = (f"--{b}\nContent-Type: text/plain; charset=utf-8\n\nThe notes are attached.\n\n"
                f"--{b[:-3]}\nContent-Type: application/pdf; name=notes.pdf\n"
                "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQKJcfs\n")  # no closing boundary
        raw = assemble(headers + top + [f'Content-Type: multipart/mixed; boundary="{b}"'], body)
    elif variant == "raw-8bit-header":
        top[2] = "Subject: Lettre de Mme Bérénice Dubois"
        raw = assemble(headers + top + ['Content-Type: text/plain; charset="us-ascii"'], "")
        raw += "Voil\u00e0 ma lettre, \u00e9crite \u00e0 la h\u00e2te.\n".encode("latin-1")
    else:  # missing-from-date
        top = [t for t in top if not t.startswith(("From:", "Date:"))]
        raw = assemble(headers + top + ['Content-Type: text/plain; charset="utf-8"'],
                       "No sender, no date.\n")
    return Built(raw, message_id, sender, subject, when, (), {"variant": variant})


def malformed(recipient: tuple[str, str] = DEFAULT_RECIPIENT, *, variant: str = "bad-base64",
              when: dt.datetime = DEFAULT_WHEN, seed: int = 0) -> bytes:
    """A malformed message; ``variant`` is one of MALFORMED_VARIANTS."""
    if variant not in MALFORMED_VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; known: {', '.join(MALFORMED_VARIANTS)}")
    return malformed_built(random.Random(seed), recipient=recipient, when=when, variant=variant).raw
