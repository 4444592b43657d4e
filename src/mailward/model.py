"""The one message model every source produces and every analyser reads.

Everything here is immutable. ``parse.parse_message`` builds a ``Message`` from raw
bytes; analysers never look at raw MIME again. Malformed input is recorded as
``Defect`` entries, never raised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True, slots=True)
class Defect:
    """Something wrong or unusual in the message structure. A detection signal."""

    kind: str  # a mailward.defects.DefectKind (stable UPPER_SNAKE name, e.g. "MISSING_BOUNDARY")
    detail: str = ""
    part: str = ""  # MIME part path ("1.2") or "" for the top level / headers


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox from an address header."""

    display_name: str
    addr: str  # "local@domain" with the domain in Unicode, lower-cased domain
    local: str
    domain: str  # Unicode (IDN decoded), lower case; "" when the address has none
    domain_ascii: str  # ASCII / punycode form of the domain
    registrable: str  # registrable domain (public-suffix aware), Unicode; "" if unknown
    # the address exactly as the header's parse gave it (the domain's case kept: a
    # tracker may have hashed it so); not part of the JSON view or of equality
    written: str = field(default="", compare=False, repr=False, metadata={"json": False})

    @property
    def addr_ascii(self) -> str:
        return f"{self.local}@{self.domain_ascii}" if self.domain_ascii else self.local


@dataclass(frozen=True, slots=True)
class Hop:
    """One Received header, newest first as in the message."""

    from_host: str
    from_ip: str
    by_host: str
    timestamp: dt.datetime | None
    raw: str


@dataclass(frozen=True, slots=True)
class AuthResult:
    """One method result from Authentication-Results / ARC-Authentication-Results (RFC 8601)."""

    authserv_id: str
    method: str  # "spf", "dkim", "dmarc", "arc", ...
    result: str  # "pass", "fail", "softfail", "none", ...
    properties: Mapping[str, str]  # e.g. {"header.d": "reuters.com", "smtp.mailfrom": "..."}
    header: str  # "Authentication-Results" or "ARC-Authentication-Results"
    index: int  # position of the header among its kind, 0 = topmost


@dataclass(frozen=True, slots=True)
class BodyPart:
    """A decoded text or HTML body part."""

    part: str  # MIME part path, "1", "1.2", ...
    content_type: str  # "text/plain" or "text/html"
    text: str
    charset: str  # the charset actually used to decode
    declared_charset: str  # what the part said ("" if nothing)


@dataclass(frozen=True, slots=True)
class Link:
    """A link the reader can click: <a href>, <area href>, or a bare URL in text."""

    url: str
    text: str  # visible text ("" for text-part URLs)
    part: str
    source: str  # "html" or "text"
    tag: str = "a"


@dataclass(frozen=True, slots=True)
class Resource:
    """Something a mail client may load when the message is displayed.

    ``kind`` names the construct: "img", "srcset", "input-image", "background"
    (background attribute), "css-url" (inline style or <style> url()),
    "stylesheet" (<link rel=stylesheet>), "import" (CSS @import), "font"
    (@font-face src), "iframe", "object", "embed", "video", "poster", "audio",
    "source", "track", "meta-refresh", "link-other". ``url`` is as written
    (entities decoded, whitespace stripped); it can be ``cid:``, ``data:`` or
    relative: the beacon analyser decides what is remote.
    """

    url: str
    kind: str
    part: str
    tag: str
    width: int | None = None  # declared, from attributes or inline CSS (px)
    height: int | None = None
    hidden: bool = False
    hidden_reason: str = ""  # e.g. "display:none", "ancestor display:none", "opacity:0", "off-screen"
    alt: str = ""


@dataclass(frozen=True, slots=True)
class Form:
    action: str
    method: str
    part: str
    inputs: tuple[str, ...]  # input types, e.g. ("text", "password")


@dataclass(frozen=True, slots=True)
class Signal:
    """Something an attachment analyser found in a file: a stable name and its evidence."""

    kind: str  # UPPER_SNAKE, e.g. "PDF_JAVASCRIPT", "OOXML_EXTERNAL_TEMPLATE", "VBA_MACRO"
    detail: str = ""  # what and where, e.g. the URL, the object number, the member name


@dataclass(frozen=True, slots=True)
class AttachmentReport:
    """What ``mailward.attachments`` read from one attachment's bytes (nothing fetched).

    ``resources`` are what the file loads from elsewhere when it is opened (a remote
    template, an image in an attached HTML page, a calendar ATTACH); ``links`` what the
    reader can click (PDF links, calendar URL, a decoded QR code). Both carry the
    attachment's part path and are also in ``Message.resources`` / ``Message.links``.
    """

    format: str  # "html", "pdf", "ooxml", "odf", "ole", "rtf", "svg", "calendar", "archive", "image", "url-file", ...
    resources: tuple[Resource, ...] = ()
    links: tuple[Link, ...] = ()
    forms: tuple[Form, ...] = ()
    signals: tuple[Signal, ...] = ()
    defects: tuple[Defect, ...] = ()  # the file is malformed or analysis was cut at a limit
    organizer: str = ""  # calendar: the ORGANIZER address
    # the text a reader of the file sees (a PDF's first pages, a Word document's body), at
    # most ``attachments.base.TEXT_CHARS`` characters; ``content_text`` reads it when the
    # message body itself says next to nothing
    text: str = field(default="", compare=False, repr=False, metadata={"json": False})

    @property
    def signal_kinds(self) -> frozenset[str]:
        return frozenset(s.kind for s in self.signals)


@dataclass(frozen=True, slots=True)
class Attachment:
    part: str
    filename: str  # as declared (decoded); never used as a path
    declared_type: str
    sniffed_type: str  # from magic bytes, "" if unknown
    size: int
    sha256: str
    disposition: str  # "attachment", "inline" or ""
    message: Message | None = None  # parsed message/rfc822 attachments
    encrypted: bool = False  # a password-protected archive (ZIP encryption flag)
    members: tuple[str, ...] = ()  # file names inside a ZIP archive (read from its directory)
    report: AttachmentReport | None = None  # what mailward.attachments read from the bytes, when the type calls for it


@dataclass(frozen=True, slots=True)
class Envelope:
    """What the transport knew: the milter, or a hunt that knows the mailbox owner."""

    mail_from: str = ""
    rcpt_to: tuple[str, ...] = ()
    client_ip: str = ""
    client_helo: str = ""
    queue_id: str = ""


@dataclass(frozen=True)
class Message:
    """A parsed message. Build with ``mailward.parse.parse_message``."""

    raw_size: int
    sha256: str  # of the raw bytes: a stable content hash
    headers: tuple[tuple[str, str], ...]  # every header, name as written, value decoded (RFC 2047) and unfolded
    from_: tuple[Address, ...]
    sender: Address | None
    reply_to: tuple[Address, ...]
    return_path: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    delivered_to: tuple[Address, ...]  # Delivered-To and X-Original-To, in order
    subject: str
    date: dt.datetime | None
    message_id: str
    received: tuple[Hop, ...]
    auth_results: tuple[AuthResult, ...]
    text_parts: tuple[BodyPart, ...]
    html_parts: tuple[BodyPart, ...]
    links: tuple[Link, ...]
    resources: tuple[Resource, ...]
    forms: tuple[Form, ...]
    attachments: tuple[Attachment, ...]
    defects: tuple[Defect, ...]
    part_count: int
    envelope: Envelope | None = None
    limits_hit: tuple[str, ...] = ()  # names of limits exceeded (analysis was truncated)
    extra: Mapping[str, object] = field(default_factory=dict)
    # how many of the recipients ``recipients_as_written`` holds (``Limits.max_token_recipients``)
    token_recipients: int = field(default=100, compare=False, repr=False, metadata={"json": False})

    # -- conveniences -------------------------------------------------------

    def header(self, name: str) -> str | None:
        """First value of a header (case-insensitive), or None."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def header_all(self, name: str) -> tuple[str, ...]:
        lname = name.lower()
        return tuple(value for key, value in self.headers if key.lower() == lname)

    @property
    def sender_address(self) -> Address | None:
        """The author: the first From address."""
        return self.from_[0] if self.from_ else None

    def _recipients_written(self) -> list[str]:
        """Who this copy was for, best source first, as written: the envelope's
        recipients, else Delivered-To/X-Original-To, To, Cc."""
        if self.envelope and self.envelope.rcpt_to:
            return [rcpt.strip().strip("<>") for rcpt in self.envelope.rcpt_to]
        return [address.addr for group in (self.delivered_to, self.to, self.cc) for address in group]

    @cached_property
    def recipients(self) -> tuple[str, ...]:
        """Who this copy was for, best source first: envelope, Delivered-To/X-Original-To, To, Cc.

        Lower-cased addresses, de-duplicated, order kept.
        """
        return tuple(dict.fromkeys(a.lower() for a in self._recipients_written() if a))

    @cached_property
    def recipients_as_written(self) -> tuple[str, ...]:
        """The same people with the case each address was written in (a tracker may
        have hashed an address exactly as the list holds it). Without an envelope,
        the headers' own spelling follows the parsed addresses (whose domain the
        parser lower-cased), kept from the parse rather than parsed again.

        At most the first ``token_recipients`` people (the parse records
        ``max_token_recipients`` in ``limits_hit`` when there are more)."""
        seen = dict.fromkeys(a for a in self._recipients_written() if a)
        kept: set[str] | None = None  # the people kept, when there are too many
        if len(seen) > self.token_recipients:
            kept = set(self.recipients[: self.token_recipients])
            seen = {a: None for a in seen if a.lower() in kept}
        if not (self.envelope and self.envelope.rcpt_to):
            seen.update(dict.fromkeys(
                address.written for group in (self.delivered_to, self.to, self.cc) for address in group
                if "@" in address.written and (kept is None or address.addr.lower() in kept)))
        return tuple(seen)

    @property
    def images(self) -> tuple[Resource, ...]:
        return tuple(r for r in self.resources if r.kind in ("img", "srcset", "input-image"))

    @property
    def defect_kinds(self) -> frozenset[str]:
        return frozenset(d.kind for d in self.defects)
