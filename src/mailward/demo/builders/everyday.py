"""Everyday mail: constituents writing in, colleagues writing and forwarding."""

from __future__ import annotations

import datetime as dt
import random

from mailward.demo import texts
from mailward.demo.mime import (
    assemble,
    attachment_part,
    boundary,
    date,
    hexid,
    mailbox,
    multipart,
    text_part,
    unstructured,
)
from mailward.demo.world import (
    FREEMAIL,
    ISP_HOSTS,
    ORG_DOMAIN,
    SUBMISSION,
    ascii_fold,
)

from .common import (
    DEFAULT_RECIPIENT,
    DEFAULT_WHEN,
    UTC,
    Beacon,
    Built,
    _day,
    _docx,
    _ip,
    _jpeg,
    _local,
    _msgid,
    _paras_html,
    _pdf,
    auth_results,
    delivery,
    dkim_signature,
)
from .recon import DEFAULT_LURE, recon_built

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
