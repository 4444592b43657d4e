"""Build the facts dict (see ``schema.SCHEMA``) from a message and the analysers' output.

The facts are plain primitives, lists and maps so that CEL reads them fast. The
builder is a pure function: the message, its beacons, the identity report and the
intel matches in, a dict out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..model import Attachment, Message
from ..result import Beacon
from . import derive
from .identity_facts import apply_identity, lookalike_kind
from .schema import FACTS_VERSION, SCHEMA

__all__ = ["FACTS_VERSION", "SCHEMA", "IntelMatch", "build_facts"]

MAX_TEXT = 20_000
MAX_LINKS = 300  # links examined
MAX_ITEMS = 40  # distinct entries kept in each list of objects

# Intel matches are plain mappings: {"indicator", "kind", "matched", "source", "confidence", "location"}.
IntelMatch = Mapping[str, Any]


def build_facts(
    message: Message,
    *,
    beacons: Sequence[Beacon] = (),
    identity: Any = None,
    intel: Iterable[IntelMatch] = (),
    org_domains: Iterable[str] = (),
    attachment_info: Mapping[str, derive.ArchiveInfo] | None = None,
    domain_lookalike: Callable[[str], Any] | None = None,
) -> dict[str, Any]:
    """The facts for one message.

    ``identity`` is a ``mailward.identity.IdentityReport`` (or None when the
    identity analyser did not run; auth facts are then read from the topmost
    Authentication-Results). ``attachment_info`` maps attachment part paths to
    archive details when the caller could read the attachment bytes.
    ``domain_lookalike`` maps a registrable domain to a
    ``mailward.identity.LookalikeMatch`` (or None); it is asked once per distinct
    link domain.
    """
    own = tuple(d.lower() for d in org_domains)
    sender = _sender(message)
    facts: dict[str, Any] = {
        "message": _message(message),
        "sender": sender,
        "auth": _auth_from_message(message, sender["domain"]),
        "identity": SCHEMA["identity"].empty(),
        "history": SCHEMA["history"].empty(),
        "beacons": [],
        "beacon_summary": SCHEMA["beacon_summary"].empty(),
        "links": [],
        "link_summary": SCHEMA["link_summary"].empty(),
        "forms": _forms(message),
        "attachments": [_attachment(a, (attachment_info or {}).get(a.part), sender["registrable"]) for a in message.attachments],
        "mime": _mime(message),
        "content": _content(message),
        "intel": [_intel(m) for m in intel],
        "org": {
            "domains": list(own),
            "inbound_from_own": bool(sender["registrable"]) and sender["registrable"] in own,
        },
    }
    facts["identity"]["claim_holds"] = True
    if identity is not None:
        apply_identity(facts, identity)
    _beacons(facts, beacons, sender["registrable"], {a.part for a in message.attachments if a.report is not None})
    _links(facts, message, beacons, domain_lookalike)
    return facts


# -- sections ------------------------------------------------------------------


def _message(message: Message) -> dict[str, Any]:
    recipients = list(message.recipients)
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
        "mailer": (message.header("X-Mailer") or message.header("User-Agent") or "").lower()[:200],
        "list_unsubscribe": message.header("List-Unsubscribe") is not None,
        "list_id": (message.header("List-Id") or "").lower()[:200],
        "precedence": (message.header("Precedence") or "").strip().lower()[:50],
    }


def _sender(message: Message) -> dict[str, Any]:
    author = message.sender_address
    addr = author.addr.lower() if author else ""
    domain = author.domain if author else ""
    reg = (author.registrable if author else "") or derive.registrable(domain)
    display = author.display_name if author else ""
    reply_to = [a.addr.lower() for a in message.reply_to if a.addr]
    reply_regs = [a.registrable or derive.registrable(a.domain) for a in message.reply_to if a.addr]
    display_addr = ""
    if "@" in display:
        for token in display.replace("<", " ").replace(">", " ").replace('"', " ").split():
            token = token.strip("()[],;:'").lower()
            if "@" in token and "." in token.split("@", 1)[1] and token != addr:
                display_addr = token
                break
    return_path = message.return_path
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
        "return_path": return_path.addr.lower() if return_path else "",
        "return_path_registrable": (return_path.registrable or derive.registrable(return_path.domain))
        if return_path
        else "",
        "sender_header": message.sender.addr.lower() if message.sender else "",
    }


def _aligned(domain: str, other: str) -> bool:
    if not domain or not other:
        return False
    return derive.registrable(domain) == derive.registrable(other) != ""


def _auth_from_message(message: Message, from_domain: str) -> dict[str, Any]:
    """Auth facts from the topmost Authentication-Results header (the receiving server's).

    The identity analyser replaces these with results from configured authserv-ids.
    """
    auth: dict[str, Any] = SCHEMA["auth"].empty()
    results = [r for r in message.auth_results if r.header.lower() == "authentication-results" and r.index == 0]
    if not results:
        return auth
    auth["present"] = True
    dkim_domains: list[str] = []
    dkim_results: list[str] = []
    for r in results:
        result = r.result.lower()
        if r.method == "spf" and not auth["spf"]:
            auth["spf"] = result
            mailfrom = r.properties.get("smtp.mailfrom", "")
            auth["spf_domain"] = (mailfrom.rsplit("@", 1)[-1] if mailfrom else r.properties.get("smtp.helo", "")).lower()
        elif r.method == "dkim":
            dkim_results.append(result)
            if result == "pass":
                d = r.properties.get("header.d", "") or r.properties.get("header.i", "").rsplit("@", 1)[-1]
                if d:
                    dkim_domains.append(d.lower())
        elif r.method == "dmarc" and not auth["dmarc"]:
            auth["dmarc"] = result
    if dkim_results:
        auth["dkim"] = "pass" if "pass" in dkim_results else dkim_results[0]
    auth["dkim_domains"] = dkim_domains
    auth["spf_aligned"] = auth["spf"] == "pass" and _aligned(auth["spf_domain"], from_domain)
    auth["dkim_aligned"] = any(_aligned(d, from_domain) for d in dkim_domains)
    auth["aligned"] = auth["spf_aligned"] or auth["dkim_aligned"]
    return auth


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
        reg = derive.registrable(b.host)
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
    try:
        from ..beacons import describe_exposure
    except ImportError:
        names = ", ".join(sorted({b.operator for b in beacons}))
        return f"Opening or clicking this message reports to {names}."
    return str(describe_exposure(tuple(beacons)))


MAX_LOOKALIKE_DOMAINS = 30


def _links(
    facts: dict[str, Any],
    message: Message,
    beacons: Sequence[Beacon],
    domain_lookalike: Callable[[str], Any] | None,
) -> None:
    trackers = {b.url: b for b in beacons if b.kind == "link"}
    lookalike = facts["identity"]["lookalike"]
    checked: dict[str, tuple[str, str]] = {}
    if lookalike["domain"]:
        checked[derive.registrable(lookalike["domain"])] = (lookalike["kind"], lookalike["target"])
    out: list[dict[str, Any]] = []
    hosts: dict[str, None] = {}
    by_key: dict[tuple[str, str, str], dict[str, Any]] = {}
    totals = {"count": 0, "ip_hosts": 0, "shorteners": 0, "text_mismatches": 0, "lookalikes": 0, "own_brand": 0,
              "url_text_mismatches": 0}
    own = tuple(facts["org"]["domains"])
    brands = derive.brand_variants(own)
    for link in message.links[:MAX_LINKS]:
        parts = derive.split_url(link.url)
        if parts.scheme not in ("http", "https", ""):
            continue
        shown = derive.text_domain(link.text) if link.source == "html" else ""
        shown_reg = derive.registrable(shown) if shown else ""
        beacon = trackers.get(link.url)
        tracker = beacon.tracker if beacon else ""
        destination = beacon.destination if beacon else ""
        dest_reg = derive.split_url(destination).registrable if destination else ""
        mismatch = bool(shown_reg and parts.host and shown_reg != parts.registrable)
        if mismatch and tracker and (not dest_reg or dest_reg == shown_reg):
            mismatch = False  # a known click tracker in front of the shown domain
        reg = parts.registrable
        if reg and reg not in checked and domain_lookalike is not None and len(checked) < MAX_LOOKALIKE_DOMAINS:
            found = domain_lookalike(parts.host)
            checked[reg] = (lookalike_kind(found.kind), found.target) if found is not None else ("", "")
        look_kind, look_target = checked.get(reg, ("", ""))
        login = derive.login_words(link.text, parts.path, parts.host)
        ip_host = derive.is_ip_host(parts.host)
        shortener = bool(parts.host) and derive.is_shortener(parts.host, parts.registrable)
        totals["count"] += 1
        totals["ip_hosts"] += ip_host
        totals["shorteners"] += shortener
        totals["text_mismatches"] += mismatch
        totals["url_text_mismatches"] += mismatch and link.text.lstrip().lower().startswith(("http://", "https://", "www."))
        totals["lookalikes"] += bool(look_kind)
        own_brand = bool(brands) and derive.has_own_brand(parts.host, reg, own, brands)
        totals["own_brand"] += own_brand
        if parts.host:
            hosts.setdefault(parts.host, None)
        # one entry per (host, shown domain, tracker): see MAX_ITEMS
        key = (parts.host, shown, tracker)
        entry = by_key.get(key)
        if entry is not None:
            entry["login_words"] = entry["login_words"] or login
            continue
        if len(out) >= MAX_ITEMS:
            continue
        entry = (
            {
                "url": link.url[:2000],
                "scheme": parts.scheme,
                "host": parts.host,
                "registrable": parts.registrable,
                "text": link.text[:300],
                "text_domain": shown,
                "text_mismatch": mismatch,
                "text_is_url": mismatch and link.text.lstrip().lower().startswith(("http://", "https://", "www.")),
                "ip_host": ip_host,
                "shortener": shortener,
                "tracker": tracker,
                "destination": destination,
                "login_words": login,
                "lookalike": look_kind,
                "lookalike_target": look_target,
                "own_brand": own_brand,
                "source": link.source,
            }
        )
        by_key[key] = entry
        out.append(entry)
    facts["links"] = out
    facts["link_summary"] = {**totals, "hosts": list(hosts)[:MAX_ITEMS]}


def _forms(message: Message) -> list[dict[str, Any]]:
    return [
        {
            "action": f.action[:2000],
            "action_host": derive.split_url(f.action).host,
            "has_password": "password" in f.inputs,
        }
        for f in message.forms
    ]


_CATEGORY_BY_FORMAT = {"disk-image": "disk_image", "lnk": "shortcut", "url-file": "shortcut", "webloc": "shortcut"}
MAX_ATTACHMENT_ITEMS = 20


def _attachment(att: Attachment, info: derive.ArchiveInfo | None, sender_reg: str = "") -> dict[str, Any]:
    exts = derive.extensions(att.filename)
    encrypted = bool(info.encrypted) if info else bool(getattr(att, "encrypted", False))
    members = list(info.members if info else getattr(att, "members", ()))
    category = derive.category(att.filename, att.declared_type, att.sniffed_type)
    report = att.report
    fmt = report.format if report is not None else ""
    if _CATEGORY_BY_FORMAT.get(fmt) and category not in derive.DANGEROUS:
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
        organizer_reg = derive.registrable(organizer.rsplit("@", 1)[-1]) if "@" in organizer else ""
    return {
        "filename": att.filename,
        "ext": exts[-1] if exts else "",
        "exts": exts,
        "declared_type": att.declared_type.lower(),
        "sniffed_type": att.sniffed_type.lower(),
        "size": att.size,
        "category": category,
        "type_mismatch": derive.type_mismatch(att.filename, att.sniffed_type),
        "encrypted": encrypted or "ARCHIVE_ENCRYPTED" in signals,
        "members": members[:50],
        "member_categories": derive.member_categories(members),
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
    kinds = sorted(message.defect_kinds)
    return {
        "defects": kinds,
        "defect_count": len(message.defects),
        "evasion_defects": [k for k in kinds if k in derive.EVASION_DEFECTS],
    }


def _content(message: Message) -> dict[str, Any]:
    chunks = [message.subject or ""]
    size = len(chunks[0])
    # HTML text only when the plain-text parts say little ("see the HTML version")
    plain = sum(len(p.text.strip()) for p in message.text_parts)
    parts = message.text_parts if plain >= 500 else (*message.text_parts, *message.html_parts)
    for part in parts:
        if size >= MAX_TEXT:
            break
        text = part.text if part.content_type == "text/plain" else _html_text(message, part.part, part.text)
        chunks.append(text[: MAX_TEXT - size])
        size += len(chunks[-1])
    text = "\n".join(chunks)[:MAX_TEXT]
    return {
        "text": text,
        "credential_phrases": derive.credential_phrases(text),
        "urgency_phrases": derive.urgency_phrases(text),
        "newsroom_words": derive.newsroom_words(text),
    }


def _html_text(message: Message, part: str, html: str) -> str:
    """Visible text of an HTML part: the parser may keep it in ``message.extra``."""
    extracted = message.extra.get("html_text") if message.extra else None
    if isinstance(extracted, Mapping) and isinstance(extracted.get(part), str):
        return str(extracted[part])
    return " ".join(derive.strip_tags(html[: MAX_TEXT * 4]).split())


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
