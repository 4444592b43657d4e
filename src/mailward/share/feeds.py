"""Read threat-intel files: STIX 2.1 bundles, MISP events, plain lists.

Pure: bytes in, ``FeedIndicator`` objects (normalised by ``mailward.share.indicator_values``)
and per-entry problems out. Storing them is ``mailward.share.intel``'s job.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailward.errors import MailwardError
from mailward.share import indicator_values


class IntelError(MailwardError):
    """An intel file or the store cannot be used. The message says why."""


@dataclass(frozen=True, slots=True)
class FeedIndicator:
    kind: str
    value: str  # normalised (mailward.share.indicator_values.normalise)
    confidence: int | None = None  # from the feed, when it says
    expires_at: dt.datetime | None = None
    note: str = ""


@dataclass(slots=True)
class Feed:
    """What one file held."""

    path: str
    format: str  # "stix", "misp", "list"
    indicators: list[FeedIndicator] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # entries that were skipped, and why
    producer: str = ""  # the producing organisation, when the file names it


# -- reading ----------------------------------------------------------------

MAX_FEED_BYTES = 256 * 1024 * 1024


def read_feed(data: bytes, path: str = "-", *, all_attributes: bool = False) -> Feed:
    """Read one file: a STIX 2.1 bundle, MISP event JSON, or a plain list."""
    if len(data) > MAX_FEED_BYTES:
        raise IntelError(f"{path}: larger than {MAX_FEED_BYTES // (1024 * 1024)} MB")
    text = data.decode("utf-8-sig", errors="replace")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IntelError(f"{path}: invalid JSON: {exc}") from None
        try:
            if isinstance(doc, dict) and doc.get("type") == "bundle":
                return _read_stix(doc, path)
            if _looks_like_misp(doc):
                return _read_misp(doc, path, all_attributes=all_attributes)
        except (TypeError, AttributeError, ValueError, KeyError) as exc:
            # structure of the wrong type somewhere (a list where an object belongs, ...)
            raise IntelError(f"{path}: malformed structure ({exc})") from None
        raise IntelError(f"{path}: JSON that is neither a STIX 2.1 bundle nor a MISP event")
    return _read_list(text, path)


def _stix_unquote(literal: str) -> str:
    literal = literal.strip()
    if len(literal) >= 2 and literal[0] == literal[-1] == "'":
        literal = literal[1:-1]
    return literal.replace("\\'", "'").replace("\\\\", "\\")


_STIX_PATHS: dict[tuple[str, str], str] = {
    ("domain-name", "value"): "domain",
    ("url", "value"): "url",
    ("email-addr", "value"): "email",
    ("email-message", "from_ref.value"): "email",
    ("email-message", "sender_ref.value"): "email",
    ("email-message", "subject"): "subject",
    ("ipv4-addr", "value"): "ipv4",
    ("ipv6-addr", "value"): "ipv6",
    ("file", "hashes.SHA-256"): "sha256",
    ("file", "hashes.SHA256"): "sha256",
    ("file", "hashes.SHA-1"): "sha1",
    ("file", "hashes.MD5"): "md5",
}


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _read_stix(doc: dict[str, Any], path: str) -> Feed:
    from stix2patterns.pattern import Pattern

    feed = Feed(path=path, format="stix")
    objects = doc.get("objects")
    if not isinstance(objects, list):
        raise IntelError(f"{path}: STIX bundle without an objects list")
    identities = {
        o.get("id"): o.get("name", "")
        for o in objects
        if isinstance(o, dict) and o.get("type") == "identity"
    }
    producers = {
        identities.get(o.get("created_by_ref"), "")
        for o in objects
        if isinstance(o, dict) and o.get("type") == "indicator"
    }
    producers.discard("")
    if len(producers) == 1:
        feed.producer = producers.pop()
    for obj in objects:
        if not isinstance(obj, dict) or obj.get("type") != "indicator":
            continue
        ident = obj.get("id", "?")
        if obj.get("revoked"):
            feed.problems.append(f"{ident}: revoked, skipped")
            continue
        if obj.get("pattern_type") == "mailward-fingerprint":
            _read_fingerprint(obj, ident, feed)
            continue
        if obj.get("pattern_type", "stix") != "stix":
            feed.problems.append(f"{ident}: pattern type {obj.get('pattern_type')!r} is not read")
            continue
        try:
            comparisons = Pattern(str(obj.get("pattern", ""))).inspect().comparisons
        except Exception as exc:  # the pattern library raises several kinds
            feed.problems.append(f"{ident}: invalid STIX pattern: {exc}")
            continue
        confidence = obj.get("confidence")
        conf = int(confidence) if isinstance(confidence, int) and 0 <= confidence <= 100 else None
        expires = _parse_time(obj.get("valid_until"))
        note = str(obj.get("name") or obj.get("description") or "")[:500]
        for object_type, items in comparisons.items():
            for path_parts, op, literal in items:
                key = (object_type, ".".join(str(p) for p in path_parts))
                kind = _STIX_PATHS.get(key)
                if kind is None or op not in ("=", "LIKE"):
                    feed.problems.append(f"{ident}: {object_type}:{key[1]} {op} is not read")
                    continue
                raw = _stix_unquote(literal)
                if op == "LIKE":
                    if kind != "url" or not raw.endswith("%") or "%" in raw[:-1] or "_" in raw:
                        feed.problems.append(f"{ident}: LIKE pattern {raw!r} is not read")
                        continue
                    raw = raw[:-1]  # 'prefix%' is a URL prefix
                try:
                    value = indicator_values.normalise(kind, raw)
                except indicator_values.IndicatorError as exc:
                    feed.problems.append(f"{ident}: {exc}")
                    continue
                feed.indicators.append(FeedIndicator(kind, value, conf, expires, note))
    return feed


_FINGERPRINT = re.compile(r"^\s*(url-template|body-minhash)\s*=\s*'([A-Za-z0-9+/=]{1,400})'\s*$")


def _read_fingerprint(obj: dict[str, Any], ident: str, feed: Feed) -> None:
    """A campaign fingerprint (``mailward export fingerprints``): ``url-template = '<sha256>'``
    or ``body-minhash = '<base64>'``; matched against the store by the retro-match."""
    found = _FINGERPRINT.match(str(obj.get("pattern", "")))
    if found is None:
        feed.problems.append(f"{ident}: mailward-fingerprint pattern not understood")
        return
    try:
        value = indicator_values.normalise(found.group(1), found.group(2))
    except indicator_values.IndicatorError as exc:
        feed.problems.append(f"{ident}: {exc}")
        return
    confidence = obj.get("confidence")
    conf = int(confidence) if isinstance(confidence, int) and 0 <= confidence <= 100 else None
    feed.indicators.append(FeedIndicator(found.group(1), value, conf, _parse_time(obj.get("valid_until")),
                                         str(obj.get("name") or "")[:500]))


_MISP_TYPES: dict[str, str] = {
    "domain": "domain",
    "hostname": "domain",
    "url": "url",
    "link": "url",
    "uri": "url",
    "email": "email",
    "email-src": "email",
    "email-reply-to": "email",
    "ip-src": "ip",
    "ip-dst": "ip",
    "sha256": "sha256",
    "sha1": "sha1",
    "md5": "md5",
    "filename|sha256": "sha256",
    "filename|sha1": "sha1",
    "filename|md5": "md5",
    "email-subject": "subject",
    "domain|ip": "domain|ip",
    "ip-src|port": "ip",
    "ip-dst|port": "ip",
}


def _looks_like_misp(doc: Any) -> bool:
    if isinstance(doc, dict):
        return "Event" in doc or ("Attribute" in doc and "info" in doc) or "response" in doc
    return isinstance(doc, list) and bool(doc) and all(
        isinstance(item, dict) and "Event" in item for item in doc
    )


def _misp_events(doc: Any) -> Iterator[dict[str, Any]]:
    if isinstance(doc, list):
        for item in doc:
            yield from _misp_events(item)
    elif isinstance(doc, dict):
        if "response" in doc:
            yield from _misp_events(doc["response"])
        elif isinstance(doc.get("Event"), dict):
            yield doc
        elif "Attribute" in doc or "Object" in doc:
            yield {"Event": doc}


def _read_misp(doc: Any, path: str, *, all_attributes: bool) -> Feed:
    from pymisp import MISPEvent

    feed = Feed(path=path, format="misp")
    for raw_event in _misp_events(doc):
        event = MISPEvent()
        try:
            event.load(raw_event)
        except Exception as exc:  # PyMISP raises its own and plain errors
            raise IntelError(f"{path}: not a MISP event: {exc}") from None
        orgc = getattr(event, "Orgc", None)
        if orgc is not None and getattr(orgc, "name", None):
            feed.producer = feed.producer or str(orgc.name)
        try:
            attributes = list(event.attributes)
            for obj in event.objects:
                attributes.extend(obj.attributes)
        except (TypeError, AttributeError, ValueError) as exc:
            raise IntelError(f"{path}: malformed MISP event: {exc}") from None
        for attribute in attributes:
            misp_type = str(getattr(attribute, "type", ""))
            kind = _MISP_TYPES.get(misp_type)
            ident = f"attribute {getattr(attribute, 'uuid', '?')} ({misp_type})"
            if kind is None:
                feed.problems.append(f"{ident}: type is not read")
                continue
            if not all_attributes and not getattr(attribute, "to_ids", False) and kind != "subject":
                continue  # not meant for detection
            if bool(getattr(attribute, "deleted", False)):
                continue
            value = str(getattr(attribute, "value", ""))
            note = str(getattr(attribute, "comment", "") or event.info or "")[:500]
            pieces: list[tuple[str, str]]
            if kind == "domain|ip":
                domain, _, ip = value.partition("|")
                pieces = [("domain", domain), ("ip", ip)]
            elif "|" in misp_type:
                left, _, right = value.partition("|")
                pieces = [(kind, right if misp_type.startswith("filename") else left)]
            else:
                pieces = [(kind, value)]
            for piece_kind, piece in pieces:
                try:
                    if piece_kind == "ip":
                        found_kind, normal = indicator_values.normalise_ip(indicator_values.refang(piece))
                    else:
                        found_kind, normal = piece_kind, indicator_values.normalise(piece_kind, piece)
                except indicator_values.IndicatorError as exc:
                    feed.problems.append(f"{ident}: {exc}")
                    continue
                feed.indicators.append(FeedIndicator(found_kind, normal, None, None, note))
    return feed


def _read_list(text: str, path: str) -> Feed:
    feed = Feed(path=path, format="list")
    for number, line in enumerate(text.splitlines(), 1):
        entry = line.split(" #", 1)[0].strip()
        if not entry or entry.startswith(("#", "//", ";")):
            continue
        kind_hint, sep, rest = entry.partition(":")
        try:
            if sep and kind_hint.lower() in indicator_values.KINDS and not rest.startswith("//"):
                kind, value = kind_hint.lower(), indicator_values.normalise(kind_hint, rest)
            else:
                kind, value = indicator_values.detect(entry)
        except indicator_values.IndicatorError as exc:
            feed.problems.append(f"line {number}: {exc}")
            continue
        feed.indicators.append(FeedIndicator(kind, value))
    return feed


def iter_feed_files(path: Path) -> Iterator[Path]:
    """The file itself, or every regular file below a directory (sorted; hidden skipped)."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and not any(part.startswith(".") for part in child.relative_to(path).parts):
                yield child
    elif path.exists():
        yield path
    else:
        raise IntelError(f"no such file or directory: {path}")
