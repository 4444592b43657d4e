"""Messages inside messages that are not plain message/rfc822 parts: a message/rfc822
part sent in base64 or quoted-printable (RFC 2046 forbids it; mail clients decode it
anyway), and a message sent as a file named .eml, whatever its declared type. The
parser reads both as attached messages (``mailward.parse``) and the defuser walks into
them (``mailward.gateway.mimesplice``).
"""

from __future__ import annotations

import base64
import binascii
import quopri
from email.message import Message as MimeMessage

__all__ = ["ENCODED", "eml_file", "encoded_message", "opens_with_message_header"]

# the transfer encodings in which a message/rfc822 part is decoded before it is read
ENCODED = ("base64", "quoted-printable")


def encoded_message(part: MimeMessage) -> bytes | None:
    """The bytes of a message/rfc822 part sent in base64 or quoted-printable, which RFC
    2046 forbids and mail clients decode anyway (the stdlib reads the encoded text as the
    message); None for any other part."""
    cte = str(part.get("content-transfer-encoding", "")).strip().lower()
    if cte not in ENCODED:
        return None
    inner = part.get_payload(0) if part.is_multipart() else None
    if isinstance(inner, MimeMessage):
        text = inner.get_payload() if cte == "base64" and not inner.keys() else inner.as_string()
    else:
        text = part.get_payload()
    if not isinstance(text, str):
        return None
    encoded = text.encode("ascii", "surrogateescape")
    try:
        return base64.b64decode(encoded) if cte == "base64" else quopri.decodestring(encoded)
    except (binascii.Error, ValueError):
        return None


def opens_with_message_header(data: bytes) -> bool:
    """``data`` opens with an RFC 5322 header block that names a sender or a subject: a
    message saved as a file (.eml), not a text that happens to have that name. Stricter
    than ``mailward.sources.looks_like_message``, which picks message files out of a
    directory by their first line: here every line up to the blank one must be a field."""
    names: set[bytes] = set()
    lines = data[:16384].splitlines()[:200]
    if lines and lines[0].startswith(b"From "):
        lines = lines[1:]  # the mbox separator some clients save in front
    for line in lines:
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t"):
            continue  # a folded header line
        name, colon, _ = line.partition(b":")
        if not colon or not name or any(c <= 32 or c > 126 for c in name):
            return False
        names.add(name.lower())
    return bool(names & {b"from", b"subject"}) and bool(names & {b"from", b"to", b"date", b"message-id", b"received"})


def eml_file(filename: str, data: bytes) -> bool:
    """An attachment a mail client opens as a message: named .eml (any declared type) and
    holding one (``opens_with_message_header``)."""
    return filename.lower().endswith(".eml") and opens_with_message_header(data)
