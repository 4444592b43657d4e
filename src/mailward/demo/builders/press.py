"""Press mail: newsletters from outlets and enquiries from journalists."""

from __future__ import annotations

import datetime as dt
import random

from mailward.demo import texts
from mailward.demo.esp import sending
from mailward.demo.mime import (
    assemble,
    boundary,
    date,
    hexid,
    mailbox,
    multipart,
    text_part,
    unstructured,
)
from mailward.demo.world import (
    ISP_HOSTS,
    Outlet,
    ascii_fold,
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
    _outlet,
    _paras_html,
    auth_results,
    delivery,
    dkim_signature,
)

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
