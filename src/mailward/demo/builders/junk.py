"""Junk and broken mail: spam from throwaway domains and malformed MIME."""

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
    recipient_token,
    text_part,
    unstructured,
)

from .common import (
    DEFAULT_RECIPIENT,
    DEFAULT_WHEN,
    Beacon,
    Built,
    _html_escape,
    _ip,
    _local,
    _msgid,
    _pdf,
    auth_results,
    delivery,
)

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
