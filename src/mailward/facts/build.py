"""Build the facts dict (see ``schema.SCHEMA``) from a message and the analysers' output.

The facts are plain primitives, lists and maps so that CEL reads them fast. The
builder is a pure function: the message, its beacons, the identity report and the
intel matches in, a dict out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .. import domains
from .. import headers as hdr
from ..beacons import describe_exposure
from ..identity.text import fold, unconfuse
from ..model import Attachment, Message
from ..result import Beacon
from ..rules.schema import FACTS_VERSION, SCHEMA
from . import links as linkfacts
from . import message_cues, re2bytes
from .identity import apply_identity
from .link_section import MAX_FLAGGED_LINKS, MAX_ITEMS, MAX_LINKS, links_section
from .lures import MAX_TEXT as LURE_TEXT
from .lures import (
    ad_footer,
    ad_footer_in,
    callback_signals,
    callback_signals_in,
    disguised_words,
    find_lures,
    lures_in,
)
from .recon import recon_facts

__all__ = ["FACTS_VERSION", "MAX_FLAGGED_LINKS", "MAX_ITEMS", "MAX_LINKS", "SCHEMA", "IntelMatch", "build_facts"]

MAX_TEXT = 20_000
# a body shorter than this (its text as read) is read together with its attached documents' text
ATTACHED_LETTER_BODY = 300

# Intel matches are plain mappings: {"indicator", "kind", "matched", "source", "confidence", "location"}.
IntelMatch = Mapping[str, Any]


def build_facts(
    message: Message,
    *,
    beacons: Sequence[Beacon] = (),
    identity: Any = None,
    intel: Iterable[IntelMatch] = (),
    org_domains: Iterable[str] = (),
    attachment_info: Mapping[str, message_cues.ArchiveInfo] | None = None,
    domain_lookalike: Callable[[str], Any] | None = None,
    model: Mapping[str, Any] | None = None,
    protected: Mapping[str, str] | None = None,
    history: Any = None,
    recon_extra: Callable[[Message, dict[str, Any]], None] | None = None,
    text: str | None = None,
) -> dict[str, Any]:
    """The facts for one message.

    ``identity`` is a ``mailward.identity.IdentityReport`` (or None when the
    identity analyser did not run: the identity, auth and history facts are then
    empty). ``attachment_info`` maps attachment part paths to
    archive details when the caller could read the attachment bytes.
    ``domain_lookalike`` maps a registrable domain to a
    ``mailward.identity.LookalikeMatch`` (or None); it is asked once per distinct
    link domain. ``protected`` (address -> name), ``history`` and ``recon_extra``
    (fills organisation claims) feed the ``recon`` section (``recon_facts``).
    ``text`` is ``content_text(message)`` when the caller already has it.
    """
    own = tuple(d.lower() for d in org_domains)
    sender = _sender(message)
    facts: dict[str, Any] = {
        "message": _message(message),
        "sender": sender,
        "auth": SCHEMA["auth"].empty(),  # filled from the identity report
        "identity": SCHEMA["identity"].empty(),
        "brand": SCHEMA["brand"].empty(),
        "history": SCHEMA["history"].empty(),
        "beacons": [],
        "beacon_summary": SCHEMA["beacon_summary"].empty(),
        "links": [],
        "link_summary": SCHEMA["link_summary"].empty(),
        "forms": _forms(message),
        "attachments": [_attachment(a, (attachment_info or {}).get(a.part), sender["registrable"]) for a in message.attachments],
        "mime": _mime(message),
        "content": _content(message, text, sender["address"]),
        "intel": [_intel(m) for m in intel],
        "org": {
            "domains": list(own),
            "inbound_from_own": bool(sender["registrable"]) and sender["registrable"] in own,
        },
        "model": dict(model) if model is not None else SCHEMA["model"].empty(),
    }
    facts["identity"]["claim_holds"] = True
    if identity is not None:
        apply_identity(facts, identity)
    _beacons(facts, beacons, sender["registrable"], {a.part for a in message.attachments if a.report is not None})
    links_section(facts, message, beacons, domain_lookalike)
    facts["recon"] = recon_facts(message, facts, beacons, protected=protected, history=history)
    if recon_extra is not None:
        recon_extra(message, facts)
    return facts


# -- sections ------------------------------------------------------------------


# the headers ``_message`` reads: their first values are found in one pass over the
# headers (``Message.header`` lower-cases every name again for each look-up)
_MESSAGE_HEADERS = frozenset({"x-mailer", "user-agent", "list-unsubscribe", "list-id", "precedence"})


def _first_values(message: Message) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in message.headers:
        name = key.lower()
        if name in _MESSAGE_HEADERS and name not in found:
            found[name] = value
    return found


def _message(message: Message) -> dict[str, Any]:
    recipients = list(message.recipients)
    headers = _first_values(message)
    return {
        "subject": message.subject or "",
        "message_id": (message.message_id or "").strip("<>"),
        "size": message.raw_size,
        "part_count": message.part_count,
        "has_html": bool(message.html_parts),
        "has_text": bool(message.text_parts),
        "date_missing": message.date is None,
        "message_id_missing": not message.message_id,
        "recipients": recipients,
        "recipient_count": len(recipients),
        "limits_hit": list(message.limits_hit),
        "received_count": len(message.received),
        "mailer": (headers.get("x-mailer") or headers.get("user-agent") or "").lower()[:200],
        "list_unsubscribe": "list-unsubscribe" in headers,
        "subject_has_recipient": _subject_has_recipient(message.subject or "", recipients),
        "disguised_words": disguised_words(" ".join([message.subject or "", *(a.display_name or "" for a in message.from_[:1])])),
        "list_id": (headers.get("list-id") or "").lower()[:200],
        "precedence": (headers.get("precedence") or "").strip().lower()[:50],
    }


def _subject_has_recipient(subject: str, recipients: list[str]) -> bool:
    """The subject spells out a recipient's full address ("jane@example.org, your parcel")."""
    if "@" not in subject:
        return False
    lowered = subject.lower()
    return any(r and "@" in r and r in lowered for r in recipients)


def _sender(message: Message) -> dict[str, Any]:
    author = message.sender_address
    addr = author.addr.lower() if author else ""
    domain = author.domain if author else ""
    reg = (author.registrable if author else "") or domains.site(domain)
    display = author.display_name if author else ""
    reply_to = [a.addr.lower() for a in message.reply_to if a.addr]
    reply_regs = [a.registrable or domains.site(a.domain) for a in message.reply_to if a.addr]
    display_addr = ""
    if "@" in display:
        for token in display.replace("<", " ").replace(">", " ").replace('"', " ").split():
            token = token.strip("()[],;:'").lower()
            if "@" in token and "." in token.split("@", 1)[1] and token != addr:
                display_addr = token
                break
    return_path = message.return_path
    receipts = hdr.receipt_addresses(message.headers, MAX_ITEMS)
    receipt = [a.addr.lower() for a in receipts]
    return {
        "address": addr,
        "local": author.local if author else "",
        "domain": domain,
        "domain_ascii": author.domain_ascii if author else "",
        "registrable": reg,
        "display_name": display,
        "from_count": len(message.from_),
        "free_mail": False,  # filled from the identity report
        "display_name_address": display_addr,
        "reply_to": reply_to,
        "reply_to_registrable": reply_regs,
        "reply_to_elsewhere": any(r and r != reg for r in reply_regs),
        "reply_to_free_mail": False,  # filled from the identity report
        "reply_to_free_other": False,  # filled from the identity report
        "return_path": return_path.addr.lower() if return_path else "",
        "return_path_registrable": (return_path.registrable or domains.site(return_path.domain))
        if return_path
        else "",
        "sender_header": message.sender.addr.lower() if message.sender else "",
        "receipt_to": receipt,
        "receipt_elsewhere": any(r != addr for r in receipt),
        "receipt_other_domain": any((a.registrable or domains.site(a.domain)) != reg for a in receipts),
        "domain_invalid": bool(domain) and not ("." in domain.strip(".") and reg),
        "hosting": _sender_hosting(domain),
        "address_obfuscated": _obfuscated_from(message.header("From") or "", domain),
    }


_SINGLE_LABELS = re.compile(r"(?:^|\.)(?:[a-z0-9]\.){4,}")


def _obfuscated_from(raw_from: str, domain: str) -> bool:
    """The From field is written to dodge filters: a space before the closing '>'
    ("<x@host.shop >") or a chain of one-letter labels ("a.b.c.d.e.host.com")."""
    raw = raw_from[:500].rstrip()
    spaced = raw.endswith(">") and raw[:-1] != raw[:-1].rstrip() and "<" in raw
    return spaced or bool(domain and _SINGLE_LABELS.search(domain.lower()))


def _sender_hosting(domain: str) -> str:
    found = linkfacts.hosting_of(domain) if domain else None
    return found.kind if found is not None else ""


def _beacons(facts: dict[str, Any], beacons: Sequence[Beacon], sender_reg: str, attachment_parts: set[str]) -> None:
    out: list[dict[str, Any]] = []
    operators: dict[str, None] = {}
    seen: set[tuple[object, ...]] = set()
    counts = {"count": 0, "loads": 0, "pixels": 0, "hidden": 0, "per_recipient": 0, "per_recipient_high": 0,
              "unknown_operator_loads": 0, "in_attachments": 0}
    for b in beacons:
        token = b.token
        confidence = token.confidence if token else ""
        counts["count"] += 1
        counts["loads"] += b.kind != "link"
        counts["pixels"] += b.kind == "pixel"
        counts["hidden"] += b.kind == "hidden"
        counts["per_recipient"] += b.per_recipient
        counts["per_recipient_high"] += b.per_recipient and confidence == "high"
        counts["unknown_operator_loads"] += b.kind != "link" and not b.tracker
        operators.setdefault(b.operator, None)
        # one entry per distinct kind of beacon (see the schema): the CEL conversion
        # of the facts costs ~10 us per field, and newsletters carry dozens of beacons
        in_attachment = b.part in attachment_parts
        counts["in_attachments"] += in_attachment
        key = (b.kind, b.host, b.tracker, b.per_recipient, confidence, token.encoding if token else "", in_attachment)
        if key in seen or len(out) >= MAX_ITEMS:
            continue
        seen.add(key)
        reg = domains.site(b.host)
        out.append(
            {
                "url": b.url,
                "kind": b.kind,
                "host": b.host,
                "registrable": reg,
                "operator": b.operator,
                "tracker": b.tracker,
                "per_recipient": b.per_recipient,
                "token_encoding": token.encoding if token else "",
                "token_confidence": token.confidence if token else "",
                "leaks": list(b.leaks),
                "evidence": b.evidence,
                "sender_aligned": bool(reg) and reg == sender_reg,
                "part": b.part,
                "in_attachment": in_attachment,
            }
        )
    facts["beacons"] = out
    summary = facts["beacon_summary"]
    summary.update(counts, operators=list(operators))
    if beacons and not summary["description"]:
        summary["description"] = _describe(beacons)


def _describe(beacons: Sequence[Beacon]) -> str:
    return str(describe_exposure(tuple(beacons)))


def _forms(message: Message) -> list[dict[str, Any]]:
    return [
        {
            "action": f.action[:2000],
            "action_host": message_cues.split_url(f.action).host,
            "has_password": "password" in f.inputs,
        }
        for f in message.forms
    ]


_CATEGORY_BY_FORMAT = {"disk-image": "disk_image", "lnk": "shortcut", "url-file": "shortcut", "webloc": "shortcut"}
MAX_ATTACHMENT_ITEMS = 20


def _attachment(att: Attachment, info: message_cues.ArchiveInfo | None, sender_reg: str = "") -> dict[str, Any]:
    exts = message_cues.extensions(att.filename)
    encrypted = bool(info.encrypted) if info else bool(getattr(att, "encrypted", False))
    members = list(info.members if info else getattr(att, "members", ()))
    category = message_cues.category(att.filename, att.declared_type, att.sniffed_type)
    report = att.report
    fmt = report.format if report is not None else ""
    if _CATEGORY_BY_FORMAT.get(fmt) and category not in message_cues.DANGEROUS:
        category = _CATEGORY_BY_FORMAT[fmt]  # recognised by its bytes, whatever the name says
    signals: dict[str, None] = {}
    details: list[str] = []
    remote: dict[str, None] = {}
    qr: list[str] = []
    organizer = organizer_reg = ""
    if report is not None:
        for sig in report.signals:
            signals.setdefault(sig.kind, None)
            if len(details) < MAX_ATTACHMENT_ITEMS:
                details.append(f"{sig.kind}: {sig.detail}"[:300] if sig.detail else sig.kind)
            if sig.kind == "QR_URL" and len(qr) < MAX_ATTACHMENT_ITEMS:
                qr.append(sig.detail.rsplit(" (", 1)[0][:2000])
        for res in report.resources:
            if len(remote) < MAX_ATTACHMENT_ITEMS and _loads_remotely(res.url):
                remote.setdefault(res.url[:2000], None)
        organizer = report.organizer
        organizer_reg = domains.registrable(organizer.rsplit("@", 1)[-1]) if "@" in organizer else ""
    return {
        "filename": att.filename,
        "ext": exts[-1] if exts else "",
        "exts": exts,
        "declared_type": att.declared_type.lower(),
        "sniffed_type": att.sniffed_type.lower(),
        "size": att.size,
        "category": category,
        "type_mismatch": message_cues.type_mismatch(att.filename, att.sniffed_type),
        "encrypted": encrypted or "ARCHIVE_ENCRYPTED" in signals,
        "members": members[:50],
        "member_categories": message_cues.member_categories(members),
        "part": att.part,
        "format": fmt,
        "signals": list(signals),
        "signal_details": details,
        "remote_loads": list(remote),
        "link_count": len(report.links) if report is not None else 0,
        "qr_urls": qr,
        "organizer": organizer,
        "organizer_registrable": organizer_reg,
        "organizer_elsewhere": bool(organizer_reg) and bool(sender_reg) and organizer_reg != sender_reg,
        "analysis_defects": sorted({d.kind for d in report.defects}) if report is not None else [],
    }


def _loads_remotely(url: str) -> bool:
    value = url.strip().lower()
    return value.startswith(("http://", "https://", "//", "ftp://", "\\\\")) or (
        value.startswith("file://") and not value.startswith("file:///"))


def _mime(message: Message) -> dict[str, Any]:
    # plain strings, not the DefectKind enum: the rules' Python translations compare
    # exact types (an enum member sent ``"X" in mime.defects`` to the CEL engine)
    kinds = sorted(str(kind) for kind in message.defect_kinds)
    return {
        "defects": kinds,
        "defect_count": len(message.defects),
        "evasion_defects": [k for k in kinds if k in message_cues.EVASION_DEFECTS],
        "header_bases": [d.detail for d in message.defects if d.kind == "HTML_HEADER_BASE"][:MAX_ITEMS],
    }


def content_text(message: Message) -> str:
    """The subject, a newline, then the body text the rules read (``content.text``): the
    plain-text parts, and the HTML parts' text when the plain text says little ("see
    the HTML version"); at most ``MAX_TEXT`` characters. The content model reads the
    same text (``mailward.learn.features``), so a scan extracts it once."""
    chunks = [message.subject or ""]
    size = len(chunks[0])
    plain = sum(len(p.text.strip()) for p in message.text_parts)
    parts = message.text_parts if plain >= 500 else (*message.text_parts, *message.html_parts)
    # the junk a salted HTML hides inside words is often in its plain text too, unhidden
    salt = _plain_salt(message) if plain >= 500 and message.html_parts else ()
    for part in parts:
        if size >= MAX_TEXT:
            break
        text = part.text if part.content_type == "text/plain" and not _html_in_plain(part.text) else _html_text(part.text)
        for junk in salt:
            text = text.replace(junk, "")
        if "&" in text:  # "Konto&shy;best&auml;tigung": read entities as the reader sees them
            text = html.unescape(text)
        chunks.append(text[: MAX_TEXT - size])
        size += len(chunks[-1])
    chunks.extend(_attached_letters(message, chunks[1:]))
    text = "\n".join(chunks)[:MAX_TEXT]
    if not text.isascii():
        if _INVISIBLE.search(text):  # "pass\u200bword", "Ver&shy;ify": read as shown
            text = _INVISIBLE.sub("", text)
        if _MIXED_SCRIPT.search(text):  # "pаssword" with a Cyrillic а: read as the word it shows
            text = _LETTER_RUN.sub(_unmixed, text)
    return text


def _attached_letters(message: Message, body: list[str]) -> list[str]:
    """The text of attached PDFs and Word documents, for a body that says next to nothing
    itself (its text parts, as read, fewer than ``ATTACHED_LETTER_BODY`` characters): the
    document is the letter."""
    if not message.attachments or sum(map(len, body)) >= ATTACHED_LETTER_BODY:
        return []
    return [a.report.text for a in message.attachments if a.report is not None and a.report.text]


def _plain_salt(message: Message) -> tuple[str, ...]:
    """Junk runs the first HTML part hides inside words (``message_cues.hidden_salt``), when
    it hides at least two and each is at least three characters long: what to delete from
    the plain text. A single hidden run is left alone (it may be a real word)."""
    found = message_cues.hidden_salt(message.html_parts[0].text[: MAX_TEXT * 4])
    if len(found) < 2:
        return ()
    # the longest first: "P59IJMXD" goes before "IJMXD" can break it up
    return tuple(sorted((junk for junk in set(found) if len(junk) >= 3), key=lambda junk: (-len(junk), junk)))


# A Latin letter next to a Greek or Cyrillic one: a word of mixed script, which genuine
# text in either script does not write; each is one pair of character classes.
_MIXED_SCRIPT = re.compile("[A-Za-z][\u0370-\u03ff\u0400-\u04ff]|[\u0370-\u03ff\u0400-\u04ff][A-Za-z]")
_LETTER_RUN = re.compile(r"[^\W\d_]+")


def _unmixed(match: re.Match[str]) -> str:
    word = match[0]
    return unconfuse(word) if _MIXED_SCRIPT.search(word) else word


# Characters that show nothing: the soft hyphen, zero-width spaces and joiners, the word
# joiner and invisible operators, direction marks and controls, the byte-order mark and
# tag characters. Put between the letters of "password", they hide it from a lure list.
# One character class, so linear.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
                        "\ufeff\U000e0000-\U000e007f]")


def _content(message: Message, text: str | None = None, sender: str = "") -> dict[str, Any]:
    """The content section; ``sender`` (the From address) is not an address the body's
    request to write elsewhere (``contact_elsewhere``) can name."""
    text = content_text(message) if text is None else text
    subject = message.subject or ""
    if len(text) > LURE_TEXT:  # longer than content_text makes it: each function reads its own
        return _content_of(text, subject, _text_cues(text), message, sender)
    # the text is encoded to UTF-8 once for every RE2 pattern (``re2bytes``)
    data = re2bytes.utf8(text)
    if subject.isascii():
        lures = lures_in(data)
    else:  # look-alike letters in the subject ("Amаzon accоunt on hоld"): read it folded too
        lures = find_lures(text + "\n" + _folded(subject))
    cues = (lures, callback_signals_in(data), ad_footer_in(data), *message_cues.text_cues_in(data))
    return _content_of(text, subject, cues, message, sender)


_TextCues = tuple[tuple[list[str], list[str]], tuple[int, int, bool], str, list[str], list[str], bool]


def _text_cues(text: str) -> _TextCues:
    # longer than the lures read: a folded subject appended after it would be cut off
    return (find_lures(text), callback_signals(text), ad_footer(text), message_cues.credential_phrases(text),
            message_cues.urgency_phrases(text), message_cues.newsroom_words(text))


def _content_of(text: str, subject: str, cues: _TextCues, message: Message, sender: str) -> dict[str, Any]:
    (topics, phrases), (phones, amounts, order_words), footer, credential, urgency, newsroom = cues
    body = text[len(subject) + 1:]  # content_text puts the subject and a newline first
    return {
        "lure_topics": topics,
        "lure_phrases": phrases,
        "ad_footer": footer,
        "body_chars": len(body) - body.count(" ") - body.count("\n"),
        "phone_numbers": phones,
        "amounts": amounts,
        "order_words": order_words,
        "text": text,
        "credential_phrases": credential,
        "urgency_phrases": urgency,
        "newsroom_words": newsroom,
        "contact_elsewhere": message_cues.contact_elsewhere(body, sender, message.recipients),
    }


def _folded(text: str) -> str:
    return str(fold(text[:500]))


def _html_text(markup: str) -> str:
    """Text of an HTML part, tags stripped (the first ``MAX_TEXT * 4`` characters)."""
    return " ".join(message_cues.strip_tags(markup[: MAX_TEXT * 4]).split())


_PLAIN_HTML_TAGS = ("<html", "<br", "<font", "<div", "<p>", "<table", "<a href")


def _html_in_plain(text: str) -> bool:
    """A text/plain part that is really HTML (old mass mailers send the markup as plain
    text): three or more tag openings among its first 4,000 characters."""
    if "<" not in text:
        return False
    head = text[:4000].lower()
    return sum(head.count(tag) for tag in _PLAIN_HTML_TAGS) >= 3


def _intel(match: IntelMatch) -> dict[str, Any]:
    confidence = match.get("confidence", 0)
    return {
        "indicator": str(match.get("indicator", "")),
        "kind": str(match.get("kind", "")),
        "matched": str(match.get("matched", "")),
        "source": str(match.get("source", "")),
        "confidence": int(confidence) if isinstance(confidence, int | float) else 0,
        "location": str(match.get("location", "")),
    }
