"""Shared parts of every demo message: delivery headers, authentication results, ids, attachments."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from mailward.demo import texts
from mailward.demo.mime import (
    b64id,
    b64std,
    date,
    hexid,
)
from mailward.demo.world import (
    GATEWAY,
    GATEWAY_IP,
    MAILSTORE,
    NEWSLETTER_SENDERS,
    ORG_DOMAIN,
    OUTLETS,
    Outlet,
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
