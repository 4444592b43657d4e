"""Reconnaissance lures: press-styled mail with tracking beacons that carry the recipient."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from mailward.demo.esp import sending
from mailward.demo.mime import (
    assemble,
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
    ISP_HOSTS,
)

from .common import (
    DEFAULT_RECIPIENT,
    DEFAULT_WHEN,
    Beacon,
    Built,
    _article,
    _day,
    _ip,
    _local,
    _msgid,
    auth_results,
    delivery,
    dkim_signature,
)

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
    receipt: str = ""  # Disposition-Notification-To: a read receipt asked for to this mailbox; "" = none
    # the beacon written as a relative name, its directory in the HTML part's Content-Base header
    header_base: bool = False
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


def _beacon_markup(beacon_url: str, style: LureStyle) -> tuple[str, str]:
    """The hidden beacon's markup and, with ``style.header_base``, the Content-Base it
    needs (its directory: the markup names only the file)."""
    if not beacon_url:
        return "", ""
    if style.header_base:  # no draw from rng: the rest of the corpus stays as it was
        directory, _, name_only = beacon_url.rpartition("/")
        return _hidden_img(name_only, style.hide) + "\n", directory + "/"
    return _hidden_img(beacon_url, style.hide) + "\n", ""


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
    markup, base = _beacon_markup(beacon_url, style)
    html += markup
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
    html_part = (f'Content-Base: "{base}"\n' if base else "") + text_part(html, "html")
    ctype, body = multipart("alternative", [text_part(text), html_part],
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
    if style.receipt:  # no draw from rng: the rest of the corpus stays as it was
        headers.append(f"Disposition-Notification-To: <{style.receipt}>")
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
