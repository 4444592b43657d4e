"""Small, fast helpers that write RFC 5322 / MIME text by hand.

The demo writes messages as strings rather than through ``email.generator`` so
that it can produce a hundred thousand of them quickly, keep exact control of the
header order a real gateway would produce, and write deliberately broken MIME.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import random
import urllib.parse
from collections.abc import Iterable, Sequence
from email.utils import format_datetime

_SPECIALS = frozenset('()<>[]:;@\\,."')


def phrase(name: str) -> str:
    """A display name as it goes into an address header (quoted or RFC 2047 encoded)."""
    if not name:
        return ""
    if not name.isascii():
        return "=?utf-8?b?" + base64.b64encode(name.encode("utf-8")).decode("ascii") + "?="
    if not _SPECIALS.isdisjoint(name):
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return name


def mailbox(name: str, addr: str) -> str:
    return f"{phrase(name)} <{addr}>" if name else f"<{addr}>"


def unstructured(text: str) -> str:
    """A Subject-like value: RFC 2047 encoded when it is not ASCII."""
    if text.isascii():
        return text
    return "=?utf-8?b?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


def date(value: dt.datetime) -> str:
    return format_datetime(value)


def hexid(rng: random.Random, bits: int = 64) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def b64id(rng: random.Random, nbytes: int = 16) -> str:
    return base64.urlsafe_b64encode(rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big")).decode(
        "ascii").rstrip("=")


def b64std(rng: random.Random, nbytes: int = 16) -> str:
    """Standard base64 (``+/``, no padding stripped), as in DKIM signatures."""
    return base64.b64encode(rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big")).decode("ascii")


def qp(text: str) -> str:
    return binascii.b2a_qp(text.encode("utf-8")).decode("ascii")


def b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


def text_part(text: str, subtype: str = "plain", *, encoding: str = "quoted-printable",
              charset: str = "utf-8") -> str:
    """A complete leaf part (headers and body) for a text/* part."""
    if encoding == "quoted-printable":
        body = binascii.b2a_qp(text.encode(charset, "replace")).decode("ascii")
    elif encoding == "base64":
        body = b64(text.encode(charset, "replace"))
    else:  # 7bit / 8bit
        body = text
    return (f'Content-Type: text/{subtype}; charset="{charset}"\n'
            f"Content-Transfer-Encoding: {encoding}\n\n{body}")


def attachment_part(filename: str, ctype: str, data: bytes) -> str:
    return (f'Content-Type: {ctype}; name="{filename}"\n'
            f'Content-Disposition: attachment; filename="{filename}"\n'
            f"Content-Transfer-Encoding: base64\n\n{b64(data)}")


def multipart(subtype: str, parts: Sequence[str], boundary: str) -> tuple[str, str]:
    """(Content-Type value, body) for a multipart made of complete parts."""
    body = ["This is a multi-part message in MIME format.\n"]
    for part in parts:
        body.append(f"--{boundary}\n{part}\n")
    body.append(f"--{boundary}--\n")
    return f'multipart/{subtype};\n\tboundary="{boundary}"', "".join(body)


def boundary(rng: random.Random, style: str = "generic") -> str:
    if style == "outlook":
        return f"_000_{hexid(rng, 64).upper()}{hexid(rng, 32).upper()}_"
    if style == "gmail":
        return f"000000000000{hexid(rng, 48)}"
    return f"----=_Part_{rng.randrange(10**6)}_{rng.randrange(10**9)}.{rng.randrange(10**12)}"


def assemble(headers: Iterable[str], body: str) -> bytes:
    return ("\n".join(headers) + "\n\n" + body).encode("utf-8")


# -- per-recipient tokens ------------------------------------------------------------

TOKEN_ENCODINGS = ("plain", "urlencoded", "base64", "base64url", "hex", "md5", "sha1",
                   "sha256", "sha256-lower", "opaque")


def recipient_token(address: str, encoding: str, *, salt: str = "") -> str:
    """Encode ``address`` the way a tracker might put it into a URL.

    ``opaque`` is a per-recipient identifier that cannot be computed from the address
    alone (a keyed hash with ``salt``), like the subscriber ids of mailing services.
    """
    raw = address.encode("utf-8")
    if encoding == "plain":
        return address
    if encoding == "urlencoded":
        return urllib.parse.quote(address, safe="")
    if encoding == "base64":
        return base64.b64encode(raw).decode("ascii")
    if encoding == "base64url":
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    if encoding == "hex":
        return raw.hex()
    if encoding == "md5":
        return hashlib.md5(raw, usedforsecurity=False).hexdigest()
    if encoding == "sha1":
        return hashlib.sha1(raw, usedforsecurity=False).hexdigest()
    if encoding == "sha256":
        return hashlib.sha256(raw).hexdigest()
    if encoding == "sha256-lower":
        return hashlib.sha256(address.lower().encode("utf-8")).hexdigest()
    if encoding == "opaque":
        return hashlib.blake2b(raw, key=(salt or "demo").encode("utf-8")[:64],
                               digest_size=9).hexdigest()
    raise ValueError(f"unknown token encoding {encoding!r}; known: {', '.join(TOKEN_ENCODINGS)}")
