"""Raw bytes -> ``Message``. Never raises.

The MIME structure is parsed with the stdlib's ``compat32`` policy, chosen on
purpose: it was ~6x faster than ``policy.default`` on mail-shaped input
(docs/architecture.md) and still records MIME defects. Big messages are parsed
as a skeleton (``mailward.mimeskeleton``: the same tree, without reading every body
line in Python). Headers are then decoded
explicitly (``mailward.headers``) for the fields mailward reads, and only body
parts that analysers need are decoded.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message as MimeMessage

from . import headers as hdr
from .attachments import DEFAULT_LIMITS as ATTACHMENT_LIMITS
from .attachments import analyse_attachment
from .attachments.calendar import calendar_text
from .defects import DefectKind, stdlib_kind
from .eml import eml_file, encoded_message
from .html import extract_html
from .mimeskeleton import parse_mime
from .model import (
    Attachment,
    AttachmentReport,
    AuthResult,
    BodyPart,
    Defect,
    Envelope,
    Form,
    Link,
    Message,
    Resource,
)
from .sniff import sniff, zip_directory
from .urlbase import header_base_url, location_names, rebased

_TEXT_URL = re.compile(r"""(?i)\b(?:https?://|www\.)[^\s<>"'`{}|\\^\[\]]{1,4096}""")
_WWW = re.compile(r"[wW][wW][wW]\.")  # where a "www." URL can start ((?i) folds nothing else onto w)
_BAD_QP = re.compile(r"=(?![0-9A-Fa-f]{2}|\r?\n|$)")
_TRAILING = ".,;:!?)]}>'\""


@dataclass(frozen=True, slots=True)
class Limits:
    """Safe defaults; exceeding one is recorded in ``Message.limits_hit``, not fatal."""

    max_size: int = 30 * 1024 * 1024  # bytes parsed; the rest is cut and recorded
    max_parts: int = 500
    max_depth: int = 12
    max_headers: int = 1000
    max_header_length: int = 64 * 1024
    max_links: int = 2000
    max_resources: int = 2000
    max_html_chars: int = 2 * 1024 * 1024  # per HTML part analysed
    max_text_chars: int = 2 * 1024 * 1024
    max_analysed_attachments: int = 20  # attachments opened by mailward.attachments (0: none)
    max_qr_images: int = 3  # image attachments decoded for QR codes per message
    # recipients whose encodings are searched for in URLs, best source first (envelope,
    # Delivered-To, To, Cc): about 100 us of hashing and encoding each, and a message
    # to 1,000 visible addresses is one copy for all of them
    max_token_recipients: int = 100


DEFAULT_LIMITS = Limits()
_NO_QR = dataclasses.replace(ATTACHMENT_LIMITS, max_qr_images=0)  # [limits] max_qr_images = 0: no QR decoding at all

class _Builder:
    """Walks one parsed MIME tree and collects what the model needs."""

    def __init__(self, limits: Limits, depth: int) -> None:
        self.limits = limits
        self.depth = depth
        self.defects: list[Defect] = []
        self.limits_hit: list[str] = []
        self.text_parts: list[BodyPart] = []
        self.html_parts: list[BodyPart] = []
        self.links: list[Link] = []
        self.resources: list[Resource] = []
        self.forms: list[Form] = []
        self.attachments: list[Attachment] = []
        self.part_count = 0
        self.analysed = 0
        self.qr_images = 0
        self.params: dict[int, list[tuple[str, str]] | None] = {}  # id(part) -> its Content-Type parameters
        self.related: frozenset[str] = frozenset()  # Content-Location names inside the multipart/related walked

    def param(self, part: MimeMessage, name: str) -> object:
        """``part.get_param(name)``, with the Content-Type parameters parsed once per part
        (``get_param`` parses them again at every call)."""
        key = id(part)  # the parts outlive the walk: ids are not reused meanwhile
        if key not in self.params:
            self.params[key] = part.get_params()
        for param, value in self.params[key] or ():
            if param.lower() == name:
                return value
        return None

    def hit(self, limit: str) -> None:
        if limit not in self.limits_hit:
            self.limits_hit.append(limit)

    # -- bodies -----------------------------------------------------------------

    def decode_text(self, part: MimeMessage, payload: bytes, path: str) -> tuple[str, str, str]:
        """Decode a body whatever its declared charset; lies and unknowns become defects."""
        declared = self.param(part, "charset") if part.get("content-type") else None
        declared = hdr.header_text(declared).strip().strip('"').lower() if isinstance(declared, str) else ""
        charset = declared or "us-ascii"
        try:
            info = codecs.lookup(charset)
            if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib: bytes-to-bytes
                raise LookupError(charset)
            charset = info.name
        except (LookupError, ValueError):  # ValueError: NUL in the name
            self.defects.append(Defect(DefectKind.CHARSET_UNKNOWN, declared[:100], path))
            charset = ""
        if charset:
            try:
                return hdr.no_surrogates(payload.decode(charset)), charset, declared
            except (UnicodeError, ValueError):
                if declared or charset != "ascii":
                    self.defects.append(Defect(DefectKind.CHARSET_MISMATCH, f"bytes are not {declared or charset}", path))
        for fallback in ("utf-8", "cp1252"):
            if fallback == charset:
                continue
            try:
                return payload.decode(fallback), fallback, declared
            except UnicodeDecodeError:
                continue
        return payload.decode("latin-1"), "latin-1", declared

    def payload_bytes(self, part: MimeMessage, path: str) -> bytes:
        cte = str(part.get("content-transfer-encoding", "")).strip().lower()
        try:
            payload = part.get_payload(decode=True)
        except (ValueError, TypeError, AssertionError, IndexError):
            self.defects.append(Defect(DefectKind.UNDECODABLE_PAYLOAD, cte, path))
            payload = None
        if payload is None:
            raw = part.get_payload()
            payload = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
        if cte == "quoted-printable":
            raw = part.get_payload()
            if isinstance(raw, str) and _BAD_QP.search(raw):
                self.defects.append(Defect(DefectKind.BAD_QUOTED_PRINTABLE, "", path))
        if cte and cte not in ("7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "uuencode", "uue", "x-uue"):
            self.defects.append(Defect(DefectKind.UNKNOWN_TRANSFER_ENCODING, cte[:60], path))
        return bytes(payload)

    def add_text_urls(self, text: str, path: str) -> None:
        for match in text_urls(text):
            if len(self.links) >= self.limits.max_links:
                self.hit("max_links")
                return
            url = match.group(0).rstrip(_TRAILING)
            if url.lower().startswith("www."):
                url = "http://" + url
            self.links.append(Link(url=url, text="", part=path, source="text", tag="text"))

    def add_body(self, part: MimeMessage, ctype: str, path: str) -> None:
        payload = self.payload_bytes(part, path)
        text, charset, declared = self.decode_text(part, payload, path)
        if "\x00" in text:
            self.defects.append(Defect(DefectKind.NUL_IN_BODY, "", path))
            text = text.replace("\x00", "")
        if ctype == "text/html":
            if len(text) > self.limits.max_html_chars:
                self.hit("max_html_chars")
                text = text[: self.limits.max_html_chars]
            self.html_parts.append(BodyPart(path, ctype, text, charset, declared))
            base = _header_base(part)
            try:
                facts = extract_html(
                    text,
                    path,
                    max_links=max(0, self.limits.max_links - len(self.links)),
                    max_resources=max(0, self.limits.max_resources - len(self.resources)),
                    header_base=base,
                    related=self.related,
                )
            except (ValueError, RecursionError, MemoryError) as exc:  # markup the parser refuses
                self.defects.append(Defect(DefectKind.HTML_UNPARSABLE, type(exc).__name__, path))
                return
            if facts.truncated:
                self.hit("max_links_or_resources")
            if facts.flattened:
                self.defects.append(Defect(DefectKind.HTML_DEEP_NESTING, "nesting flattened for analysis", path))
            if facts.attributes_capped:
                self.defects.append(Defect(DefectKind.HTML_ATTRIBUTES_CAPPED, "attributes past the bounds dropped for analysis", path))
                self.hit("max_html_attributes")
            if facts.header_base_hits:
                self.defects.append(Defect(DefectKind.HTML_HEADER_BASE, base[:300], path))
            self.links.extend(facts.links)
            self.resources.extend(facts.resources)
            self.forms.extend(facts.forms)
        else:
            if len(text) > self.limits.max_text_chars:
                self.hit("max_text_chars")
                text = text[: self.limits.max_text_chars]
            self.text_parts.append(BodyPart(path, ctype, text, charset, declared))
            self.add_text_urls(text, path)

    # -- attachments ------------------------------------------------------------

    def add_attachment(self, part: MimeMessage, ctype: str, path: str, disposition: str, payload: bytes | None = None) -> None:
        filename = ""
        try:
            raw_name = part.get_filename() or self.param(part, "name") or ""
        except (ValueError, TypeError, IndexError, LookupError):
            raw_name = ""
            self.defects.append(Defect(DefectKind.FILENAME_UNPARSABLE, "", path))
        if isinstance(raw_name, tuple):  # RFC 2231 triple
            raw_name = raw_name[2] if len(raw_name) == 3 else ""
        if isinstance(raw_name, str):
            filename = hdr.decode_value(hdr.header_text(raw_name))[:1000]
        nested: Message | None = None
        encoded = encoded_message(part) if ctype == "message/rfc822" else None
        if ctype == "message/rfc822" and part.is_multipart() and encoded is None:
            inner = part.get_payload(0)
            data = inner.as_bytes() if isinstance(inner, MimeMessage) else b""
            if self.depth + 1 >= self.limits.max_depth:
                self.hit("max_depth")
            elif isinstance(inner, MimeMessage):
                nested = _build(inner, data, None, self.limits, self.depth + 1)
        else:
            if encoded is not None:
                data = encoded
            else:
                data = self.payload_bytes(part, path) if payload is None else payload
            # a message sent as a file ("Invoice.eml" as application/octet-stream) or as a
            # base64 message/rfc822: mail clients open it as the message it is
            if encoded is not None or eml_file(filename, data):
                if self.depth + 1 >= self.limits.max_depth:
                    self.hit("max_depth")
                else:
                    nested = _build(parse_mime(data), data, None, self.limits, self.depth + 1)
        sniffed = sniff(data)
        encrypted, members = zip_directory(data) if sniffed == "application/zip" else (False, ())
        # an HTML part shown in the message (not a file to open) gets its header's base, as a body does
        base = _header_base(part) if ctype == "text/html" and disposition != "attachment" else ""
        report = self.analyse(data, path, filename, ctype, sniffed, base) if nested is None else None
        self.attachments.append(
            Attachment(
                part=path,
                filename=filename,
                declared_type=ctype,
                sniffed_type=sniffed,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                disposition=disposition,
                message=nested,
                encrypted=encrypted,
                members=members,
                report=report,
            )
        )
        if sniffed and ctype not in ("application/octet-stream", sniffed) and ctype != "message/rfc822":
            if sniffed in ("application/x-dosexec", "application/x-executable", "text/html") or ctype.startswith("image/"):
                self.defects.append(Defect(DefectKind.ATTACHMENT_TYPE_MISMATCH, f"declared {ctype}, bytes are {sniffed}", path))

    def analyse(self, data: bytes, path: str, filename: str, ctype: str, sniffed: str,
                base: str = "") -> AttachmentReport | None:
        """Open the attachment when its type calls for it (``mailward.attachments``); its
        remote loads, links and forms join the message's, with the attachment's part path.
        ``base``: the header base of an HTML part shown inline (``header_base_url``)."""
        if self.analysed >= self.limits.max_analysed_attachments:
            if self.limits.max_analysed_attachments:
                self.hit("max_analysed_attachments")
            return None
        is_image = sniffed.startswith("image/") and sniffed != "image/svg+xml"
        if is_image:
            if self.qr_images >= self.limits.max_qr_images or len(data) < 200:
                return None
            self.qr_images += 1
        limits = ATTACHMENT_LIMITS if self.limits.max_qr_images else _NO_QR
        report = analyse_attachment(data, part=path, filename=filename, declared_type=ctype, sniffed_type=sniffed,
                                    limits=limits)
        if report is None:
            return None
        if base and report.format == "html":
            report = self.rebase(report, base, path)
        self.analysed += 1
        room = max(0, self.limits.max_resources - len(self.resources))
        if len(report.resources) > room:
            self.hit("max_resources")
        self.resources.extend(report.resources[:room])
        room = max(0, self.limits.max_links - len(self.links))
        if len(report.links) > room:
            self.hit("max_links")
        self.links.extend(report.links[:room])
        self.forms.extend(report.forms)
        return report

    def rebase(self, report: AttachmentReport, base: str, path: str) -> AttachmentReport:
        """The page's relative loads, links and form actions resolved against ``base``; the
        defect HTML_HEADER_BASE when that made any of them remote."""
        resources = tuple(dataclasses.replace(r, url=rebased(r.url, base)) for r in report.resources)
        links = tuple(dataclasses.replace(link, url=rebased(link.url, base)) for link in report.links)
        forms = tuple(dataclasses.replace(f, action=rebased(f.action, base)) for f in report.forms)
        if (resources, links, forms) == (report.resources, report.links, report.forms):
            return report
        self.defects.append(Defect(DefectKind.HTML_HEADER_BASE, base[:300], path))
        return dataclasses.replace(report, resources=resources, links=links, forms=forms)

    def add_calendar(self, part: MimeMessage, path: str, disposition: str) -> None:
        """An invite: an attachment (its analysis reads the unfolded lines) and, shown
        inline, its summary and description as text."""
        payload = self.payload_bytes(part, path)
        self.add_attachment(part, "text/calendar", path, disposition, payload)
        if disposition == "attachment":
            return
        text, charset, declared = self.decode_text(part, payload, path)
        shown = calendar_text(text[: self.limits.max_text_chars])
        if shown.strip():
            self.text_parts.append(BodyPart(path, "text/plain", shown, charset, declared))

    # -- the walk ---------------------------------------------------------------

    def walk_safely(self, part: MimeMessage, path: str, level: int) -> None:
        """Walk one part; a part the stdlib chokes on becomes a defect, not a lost message."""
        try:
            self.walk(part, path, level)
        except RecursionError:
            raise
        except Exception as exc:  # any stdlib decoding error in one part
            self.defects.append(Defect(DefectKind.PART_UNPARSABLE, f"{type(exc).__name__}: {exc}"[:200], path or "1"))

    def walk(self, part: MimeMessage, path: str, level: int) -> None:
        self.part_count += 1
        if self.part_count > self.limits.max_parts:
            self.hit("max_parts")
            return
        try:
            self.walk_part(part, path, level)
        finally:
            # read after decoding: the stdlib registers payload defects (bad base64) lazily
            for defect in getattr(part, "defects", ()):
                self.defects.append(Defect(stdlib_kind(defect), "", path))

    def walk_part(self, part: MimeMessage, path: str, level: int) -> None:
        try:
            ctype = part.get_content_type().lower()
        except (ValueError, TypeError, AttributeError, IndexError):
            ctype = "text/plain"
            self.defects.append(Defect(DefectKind.CONTENT_TYPE_INVALID, "", path))
        disposition_value = str(part.get("content-disposition", ""))
        disposition = disposition_value.split(";")[0].strip().lower()
        if part.is_multipart() and ctype != "message/rfc822":
            if level >= self.limits.max_depth:
                self.hit("max_depth")
                return
            children = part.get_payload()
            if not isinstance(children, list):
                return
            outer = self.related
            if ctype == "multipart/related":
                self.related = outer | location_names(
                    str(child.get("content-location") or "") for child in children if isinstance(child, MimeMessage))
            try:
                for index, child in enumerate(children, 1):
                    if isinstance(child, MimeMessage):
                        self.walk_safely(child, f"{path}.{index}" if path else str(index), level + 1)
            finally:
                self.related = outer
            return
        if ctype.startswith("multipart/"):
            # a multipart without a usable boundary: keep its text for analysis
            self.add_body(part, "text/plain", path or "1")
            return
        has_name = bool(self.param(part, "name")) or "filename" in disposition_value.lower()
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not has_name:
            self.add_body(part, ctype, path or "1")
        elif ctype in ("text/calendar", "application/ics"):
            self.add_calendar(part, path or "1", disposition)
        elif ctype.startswith("text/") and ctype not in ("text/plain", "text/html") and not has_name and disposition != "attachment":
            # text/enriched, text/calendar...: keep as text for link extraction
            self.add_body(part, "text/plain", path or "1")
        else:
            self.add_attachment(part, ctype, path or "1", disposition)


def _header_base(part: MimeMessage) -> str:
    """The base URL the part's own MIME header names for its HTML (``header_base_url``)."""
    return header_base_url(str(part.get("content-base") or ""), str(part.get("content-location") or ""))


def text_urls(text: str) -> Iterator[re.Match[str]]:
    """``_TEXT_URL.finditer(text)``, without trying the pattern at every word of a long text.

    A match starts with "http", "https" (the s may be the long s that (?i) folds onto
    it) or "www.", so it starts 4 or 5 characters before a "://" or at a "www." found
    case-insensitively; the pattern is tried at those places only, in order, skipping
    places inside the previous match, as ``finditer`` does.
    """
    starts: set[int] = set()
    index = text.find("://")
    while index != -1:
        starts.update((max(0, index - 5), max(0, index - 4)))
        index = text.find("://", index + 1)
    if "www." in text.lower():
        starts.update(match.start() for match in _WWW.finditer(text))
    end = 0
    for start in sorted(starts):
        if start < end:
            continue
        match = _TEXT_URL.match(text, start)
        if match is not None:
            end = match.end()
            yield match


def _build(
    mime: MimeMessage, raw: bytes, envelope: Envelope | None, limits: Limits, depth: int
) -> Message:
    builder = _Builder(limits, depth)
    defects = builder.defects

    # headers, decoded once; compat32 keeps them as (name, raw value) pairs
    raw_headers: list[tuple[str, str]] = list(getattr(mime, "_headers", ()))
    by_name: dict[str, list[str]] = {}
    header_items: list[tuple[str, str]] = []
    for count, (name, value) in enumerate(raw_headers):
        if count >= limits.max_headers:
            builder.hit("max_headers")
            break
        name = hdr.header_text(name)
        text = hdr.header_text(value)
        if len(text) > limits.max_header_length:
            builder.hit("max_header_length")
            defects.append(Defect(DefectKind.HEADER_TOO_LONG, name[:60]))
            text = text[: limits.max_header_length]
        if "\x00" in text:
            defects.append(Defect(DefectKind.NUL_IN_HEADER, name[:60]))
            text = text.replace("\x00", "")
        by_name.setdefault(name.lower(), []).append(text)
        header_items.append((name, hdr.decode_value(text)))

    def raw_values(name: str) -> list[str]:
        return by_name.get(name.lower(), [])

    def first(name: str) -> str:
        values = by_name.get(name)
        return values[0] if values else ""

    from_ = hdr.parse_addresses(raw_values("from"), "From", defects)
    if not from_:
        defects.append(Defect(DefectKind.FROM_MISSING if not raw_values("from") else "FROM_INVALID"))
    elif len(raw_values("from")) > 1:
        defects.append(Defect(DefectKind.FROM_MULTIPLE))
    sender = hdr.parse_addresses(raw_values("sender"), "Sender", defects)
    reply_to = hdr.parse_addresses(raw_values("reply-to"), "Reply-To", defects)
    return_path = hdr.parse_addresses(raw_values("return-path"), "Return-Path", defects)
    delivered = hdr.parse_addresses(raw_values("delivered-to") + raw_values("x-original-to"), "Delivered-To", defects)
    date_value = first("date")
    if not date_value:
        defects.append(Defect(DefectKind.DATE_MISSING))
    date = hdr.parse_date(date_value, defects)
    message_id = hdr.decode_value(first("message-id")).strip()
    if not message_id:
        defects.append(Defect(DefectKind.MESSAGE_ID_MISSING))
    received = tuple(hdr.parse_received(v) for v in raw_values("received")[:100])
    auth: list[AuthResult] = []
    for header in ("Authentication-Results", "ARC-Authentication-Results"):
        for index, value in enumerate(raw_values(header)[:50]):
            auth.extend(hdr.parse_auth_results(value, header, index))

    builder.walk_safely(mime, "", 0)
    if not builder.text_parts and not builder.html_parts and not builder.attachments and builder.part_count <= 1:
        defects.append(Defect(DefectKind.EMPTY_BODY))

    message = Message(
        raw_size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        headers=tuple(header_items),
        from_=from_,
        sender=sender[0] if sender else None,
        reply_to=reply_to,
        return_path=return_path[0] if return_path else None,
        to=hdr.parse_addresses(raw_values("to"), "To", defects),
        cc=hdr.parse_addresses(raw_values("cc"), "Cc", defects),
        delivered_to=delivered,
        subject=hdr.decode_value(first("subject")),
        date=date,
        message_id=message_id,
        received=received,
        auth_results=tuple(auth),
        text_parts=tuple(builder.text_parts),
        html_parts=tuple(builder.html_parts),
        links=tuple(builder.links),
        resources=tuple(builder.resources),
        forms=tuple(builder.forms),
        attachments=tuple(builder.attachments),
        defects=tuple(defects),
        part_count=builder.part_count,
        envelope=envelope,
        limits_hit=tuple(builder.limits_hit),
        token_recipients=limits.max_token_recipients,
    )
    if len(message.recipients) > limits.max_token_recipients:  # recipients_as_written keeps the first ones
        object.__setattr__(message, "limits_hit", (*message.limits_hit, "max_token_recipients"))
    return message


def parse_message(
    raw: bytes, *, envelope: Envelope | None = None, limits: Limits | None = None
) -> Message:
    """Parse raw RFC 5322 bytes into a ``Message``. Never raises.

    Input beyond ``limits.max_size`` is cut (and recorded in ``limits_hit``);
    garbage yields a message full of defects.
    """
    limits = limits or DEFAULT_LIMITS
    full = bytes(raw)
    data = full
    cut = False
    if len(data) > limits.max_size:
        data = data[: limits.max_size]
        cut = True
    try:
        mime = parse_mime(data)
        message = _build(mime, full, envelope, limits, 0)
    except RecursionError:
        message = _failed(full, envelope, DefectKind.RECURSION_LIMIT, "MIME nesting too deep to parse")
    except Exception as exc:  # the parser must never raise; record what happened
        message = _failed(full, envelope, DefectKind.PARSE_ERROR, f"{type(exc).__name__}: {exc}"[:300])
    if cut:
        object.__setattr__(message, "limits_hit", (*message.limits_hit, "max_size"))
    return message


def _failed(raw: bytes, envelope: Envelope | None, kind: DefectKind, detail: str) -> Message:
    return Message(
        raw_size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        headers=(),
        from_=(),
        sender=None,
        reply_to=(),
        return_path=None,
        to=(),
        cc=(),
        delivered_to=(),
        subject="",
        date=None,
        message_id="",
        received=(),
        auth_results=(),
        text_parts=(),
        html_parts=(),
        links=(),
        resources=(),
        forms=(),
        attachments=(),
        defects=(Defect(kind, detail),),
        part_count=0,
        envelope=envelope,
        limits_hit=(),
        extra={"parse_failed": True},
    )
