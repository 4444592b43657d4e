"""Beacons: every remote load and every tracked link, and what opening them leaks.

``find_beacons(message)`` is a pure function of the parsed message and the packaged
tracker registry (``mailward.trackers``). It never fetches anything: the point of the
analysis is to say what *would* happen if a mail client did.

Remote means ``http(s)://`` or protocol-relative (``//host/...``). ``cid:`` (inline
parts), ``data:`` and relative URLs load nothing from the network and are not
beacons. Links are beacons only when they go through a known click-tracking
redirector or carry a per-recipient token; ordinary links are not.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from mailward import domains
from mailward.model import Message, Resource
from mailward.result import Beacon, TokenMatch
from mailward.tokens import (
    NO_RECIPIENTS,
    RecipientForms,
    find_recipient_token,
    opaque_token,
    recipient_forms,
    url_components,
)
from mailward.trackers import (
    Tracker,
    UrlTracking,
    classify_parts,
    real_destination,
    tracker_for_host,
    tracker_for_url,
)

__all__ = [
    "LEAKS_CLICK",
    "LEAKS_OPEN",
    "describe_exposure",
    "find_beacons",
    "real_destination",
    "tracker_for_host",
    "tracker_for_url",
]

# what a remote load tells its operator (HTTP request: source address, User-Agent, time)
LEAKS_OPEN = ("ip", "location", "device", "mail-client", "open-time")
LEAKS_CLICK = ("click", "ip", "location", "device")

# Resource.kind (mailward.html) -> Beacon.kind for loads that are not images
_RESOURCE_KIND = {
    "css-url": "css",
    "stylesheet": "stylesheet",
    "import": "stylesheet",
    "font": "font",
    "iframe": "frame",
    "frame": "frame",
    "object": "embed",
    "embed": "embed",
    "applet": "embed",
    "video": "media",
    "poster": "media",
    "audio": "media",
    "source": "media",
    "track": "media",
    "meta-refresh": "refresh",
    "link-other": "remote",
    # loads a document attachment makes when it is opened (mailward.attachments)
    "office-template": "document",
    "office-image": "document",
    "office-ole": "document",
    "office-frame": "document",
    "office-field": "document",
    "office-external": "document",
    "pdf-open-action": "document",
    "pdf-remote-goto": "document",
    "calendar-attach": "remote",
    "calendar-image": "remote",
    "shortcut-icon": "remote",
    "shortcut-target": "document",
}
# evidence words for the loads of attachments (mailward.attachments)
_ATTACHMENT_LOADS = {
    "office-template": "remote template loaded when the document opens",
    "office-image": "linked image loaded when the document opens",
    "office-ole": "linked OLE object loaded when the document opens",
    "office-frame": "remote frame or sub-document loaded when the document opens",
    "office-field": "field (INCLUDEPICTURE/INCLUDETEXT) loaded when the document opens",
    "office-external": "external link of the document",
    "pdf-open-action": "PDF action that runs when the file opens",
    "pdf-remote-goto": "PDF action that opens a remote file",
    "calendar-attach": "calendar ATTACH the calendar client fetches",
    "calendar-image": "calendar IMAGE the calendar client fetches",
    "shortcut-icon": "shortcut icon fetched when the folder is shown",
    "shortcut-target": "shortcut target",
}
_IMAGE_KINDS = frozenset({"img", "srcset", "input-image", "background", "image", "picture"})

# the order in which one URL's kinds win when it is found several times
_KIND_RANK = {"pixel": 0, "hidden": 1, "refresh": 2, "frame": 3, "embed": 4, "stylesheet": 5, "font": 6, "css": 7, "media": 8, "remote": 9, "link": 10}


def is_remote(url: str) -> bool:
    """http(s) or protocol-relative: loading it goes to the network."""
    head = url[:8].lower()
    return head.startswith(("http://", "https://", "//")) or head.startswith(("http:\\\\", "https:\\\\"))




def _registrable(host: str) -> str:
    """The registrable domain of ``host`` (private suffixes such as cloudfront.net
    count, so a CDN customer is named rather than the CDN); the host itself for IP
    addresses and oddities."""
    return domains.registrable(host) or host


def _operator(host: str, tracker: Tracker | None) -> str:
    return tracker.name if tracker is not None else _registrable(host)


def _tiny(resource: Resource) -> bool:
    dims = [d for d in (resource.width, resource.height) if d is not None]
    if not dims:
        return False
    return all(d <= 1 for d in dims) or any(d == 0 for d in dims)


def _size_text(resource: Resource) -> str:
    w = "?" if resource.width is None else str(resource.width)
    h = "?" if resource.height is None else str(resource.height)
    return f"{w}x{h}"


def _load_kind(resource: Resource, info: UrlTracking) -> tuple[str, str]:
    """(Beacon.kind, evidence) for a remote resource."""
    kind = resource.kind
    reasons: list[str] = []
    if kind in _IMAGE_KINDS:
        if _tiny(resource):
            beacon_kind = "pixel"
            reasons.append(f"{_size_text(resource)} image")
        elif resource.hidden:
            beacon_kind = "hidden"
        elif info.role == "open":
            beacon_kind = "pixel"
        else:
            beacon_kind = "css" if kind == "background" else "remote"
        if kind == "background":
            reasons.append("background attribute")
        elif kind == "srcset":
            reasons.append("srcset candidate")
        elif kind == "input-image":
            reasons.append("<input type=image>")
        if resource.hidden:
            reasons.append(f"hidden ({resource.hidden_reason or 'by style'})")
    else:
        beacon_kind = _RESOURCE_KIND.get(kind, "remote")
        label = _ATTACHMENT_LOADS.get(kind) or {
            "css-url": "CSS url()",
            "import": "CSS @import",
            "stylesheet": "remote stylesheet",
            "font": "@font-face font",
            "meta-refresh": "meta refresh",
        }.get(kind, f"<{resource.tag or kind}>")
        reasons.append(label)
        if resource.hidden:
            reasons.append(f"hidden ({resource.hidden_reason or 'by style'})")
            if beacon_kind == "css":
                beacon_kind = "hidden"
    if info.tracker is not None:
        if info.role == "open":
            reasons.append(f"{info.tracker.name} open-tracking URL")
        elif info.via == "host":
            reasons.append(f"{info.tracker.name} host")
    if not reasons:
        reasons.append("remote image")
    return beacon_kind, ", ".join(reasons)


def _subscriber_id(url: str, info: UrlTracking) -> TokenMatch | None:
    """The service's own per-subscriber identifier, where the registry says it is
    (only in its open and click URLs: hosted images carry none)."""
    tracker = info.tracker
    if tracker is None or not tracker.token or not info.role:
        return None
    for location, value in url_components(url):
        if location in tracker.token and len(value) >= 4:
            return TokenMatch(
                recipient="", encoding="subscriber-id", location=location, value=value, confidence="medium"
            )
    return None


def _token(url: str, forms: RecipientForms, info: UrlTracking | None = None) -> tuple[TokenMatch | None, bool]:
    """(token, per_recipient): the address decoded (high), the service's subscriber
    id (medium), else an opaque identifier (low, not counted as per-recipient)."""
    match = find_recipient_token(url, forms) if forms else None
    if match is not None:
        return match, True
    subscriber = _subscriber_id(url, info) if info is not None else None
    if subscriber is not None:
        return subscriber, True
    return opaque_token(url), False


def _is_tracked_link(url: str, info: UrlTracking) -> str:
    """Why a link is a click beacon ("" when it is not, as far as the registry says)."""
    tracker = info.tracker
    if tracker is None or tracker.is_protection:
        return ""
    if info.role == "click":
        return f"{tracker.name} click-tracking redirect" + (" (its URL shape on a custom domain)" if info.via == "shape" else "")
    if info.role == "open":
        return f"{tracker.name} tracking URL"
    if tracker.kind in ("shortener", "redirector"):
        return f"{tracker.name} redirect"
    if not tracker.click:
        if tracker.open:
            return ""  # a pixel-only service (analytics, ad pixel): its site is no redirector
        # a tracking host without a documented click shape: count it when the link
        # carries an identifier or a destination
        if real_destination(url) or opaque_token(url) is not None:
            return f"{tracker.name} tracking host"
    return ""


_URL_NOISE = str.maketrans("", "", "\t\n\r")


def _normalise(url: str) -> str:
    """The URL as a browser reads it: tabs and newlines inside are dropped,
    backslashes after an http(s) scheme count as slashes."""
    if "\t" in url or "\n" in url or "\r" in url:
        url = url.translate(_URL_NOISE)
    if "\\" in url[:12]:
        head, sep, tail = url.partition("?")
        url = head.replace("\\", "/") + sep + tail
    return url


@lru_cache(maxsize=32768)
def _url_facts(url: str) -> tuple[str, UrlTracking] | None:
    """(host, registry view) of a remote URL; None when it loads nothing remote."""
    url = _normalise(url)
    if not is_remote(url):
        return None
    parts = domains.split_url(url)
    if not parts.host:
        return None
    return parts.host, classify_parts(parts.host, parts.path_query)


def find_beacons(message: Message) -> tuple[Beacon, ...]:
    """Every remote load and every click-tracking link of ``message``, and of the
    messages attached to it (mail clients show those inline: their remote content
    loads too). The recipients are those of the outer message: the reader."""
    forms = _LazyForms(message)
    found: dict[str, Beacon] = {}
    _collect(message, forms, found, prefix="", depth=0)
    return tuple(found.values())


_MAX_ATTACHED_DEPTH = 3


class _LazyForms:
    """The recipients' encodings, built on the first remote URL (most messages have none)."""

    __slots__ = ("_forms", "_message")

    def __init__(self, message: Message) -> None:
        self._message = message
        self._forms: RecipientForms | None = None

    def get(self) -> RecipientForms:
        if self._forms is None:
            self._forms = recipient_forms(self._message.recipients_as_written)
        return self._forms


def _collect(message: Message, forms: _LazyForms, found: dict[str, Beacon], *, prefix: str, depth: int) -> None:
    tokens: dict[str, tuple[TokenMatch | None, bool]] = {}
    where = ", in an attached message" if prefix else ""
    # loads and links read from attachments' bytes (mailward.attachments) carry the attachment's part
    files = {a.part: a.filename or a.declared_type for a in message.attachments if a.report is not None}

    for resource in message.resources:
        url = resource.url.strip()
        facts = _url_facts(url) if url else None
        if facts is None:
            continue
        host, info = facts
        kind, evidence = _load_kind(resource, info)
        previous = found.get(url)
        if previous is not None and _KIND_RANK.get(kind, 9) >= _KIND_RANK.get(previous.kind, 9):
            continue
        cached = tokens.get(url)
        if cached is None:
            cached = tokens[url] = _token(_normalise(url), forms.get(), info)
        token, personal = cached
        if (
            token is not None
            and token.confidence == "low"
            and kind == "remote"
            and info.tracker is None
            and not token.location.startswith("query")
        ):
            token = None  # a visible image's file name (a CDN id), not a tracking parameter
        if personal and token is not None:
            if token.encoding == "subscriber-id":
                evidence = f"{evidence}, carries the subscriber id ({token.location})"
            else:
                evidence = f"{evidence}, carries the recipient's address ({token.encoding})"
        found[url] = Beacon(
            url=url,
            kind=kind,
            operator=_operator(host, info.tracker),
            host=host,
            part=prefix + resource.part,
            tracker=info.tracker.name if info.tracker else "",
            per_recipient=personal,
            token=token,
            leaks=LEAKS_OPEN + (("identity",) if personal else ()),
            evidence=evidence + (f", in the attachment {files[resource.part]}" if resource.part in files else "") + where,
        )

    for link in message.links:
        url = link.url.strip()
        if not url or url in found:
            continue
        facts = _url_facts(url)
        if facts is None:
            continue
        host, info = facts
        clean = _normalise(url)
        why = _is_tracked_link(clean, info)
        recipients = forms.get()
        match = find_recipient_token(clean, recipients) if recipients else None
        if not why and match is None:
            continue
        token, personal = (match, True) if match is not None else _token(clean, NO_RECIPIENTS, info)
        reasons = [r for r in (why, f"carries the recipient's address ({match.encoding})" if match else "") if r]
        if token is not None and token.encoding == "subscriber-id":
            reasons.append(f"carries {info.tracker.name if info.tracker else 'the'} subscriber id ({token.location})")
        found[url] = Beacon(
            url=url,
            kind="link",
            operator=_operator(host, info.tracker),
            host=host,
            part=prefix + link.part,
            tracker=info.tracker.name if info.tracker else "",
            per_recipient=personal,
            token=token,
            leaks=LEAKS_CLICK + (("identity",) if personal else ()),
            destination=real_destination(clean) or "",
            evidence=", ".join(reasons) + (f", in the attachment {files[link.part]}" if link.part in files else "") + where,
        )
    if depth < _MAX_ATTACHED_DEPTH:
        for attachment in message.attachments:
            if attachment.message is not None:
                _collect(attachment.message, forms, found, prefix=f"{prefix}{attachment.part}/", depth=depth + 1)


# ---------------------------------------------------------------------------
# the plain-words summary
# ---------------------------------------------------------------------------

_ENCODING_WORDS = {
    "md5": "an MD5",
    "sha1": "a SHA-1",
    "sha224": "a SHA-224",
    "sha256": "a SHA-256",
    "sha384": "a SHA-384",
    "sha512": "a SHA-512",
    "base64": "a base64",
    "base64-unpadded": "a base64",
    "base64url": "a base64",
    "base64url-unpadded": "a base64",
    "base64-embedded": "a base64",
    "base64url-embedded": "a base64",
    "urlencoded": "a URL-encoded",
    "urlencoded-twice": "a URL-encoded",
    "batch": "a per-recipient",
    "subscriber-id": "a subscriber",
}


def _token_words(token: TokenMatch) -> str:
    encoding = token.encoding
    if encoding == "subscriber-id":
        return "tied to you by its subscriber id"
    if encoding.startswith("raw"):
        return "tied to your address, written in the link in clear"
    base = encoding.split("(", 1)[0]
    words = _ENCODING_WORDS.get(base, "a per-recipient")
    return f"tied to your address by {words} token"


def _who(beacons: Sequence[Beacon]) -> str:
    """The operators in words: one "domain (Service)" per known service (its first
    domain in ``beacons`` order), then the other registrable domains."""
    names: dict[str, str] = {}  # key (service or domain) -> words
    for beacon in beacons:
        domain = _registrable(beacon.host)
        if beacon.tracker:
            names.setdefault("service:" + beacon.tracker, f"{domain} ({beacon.tracker})")
        else:
            names.setdefault("domain:" + domain, domain)
    listed = list(names.values())
    if len(listed) == 1:
        return listed[0]
    if len(listed) <= 3:
        return ", ".join(listed[:-1]) + " and " + listed[-1]
    return f"{listed[0]}, {listed[1]} and {len(listed) - 2} others"


def describe_exposure(beacons: Sequence[Beacon]) -> str:
    """One plain-words sentence: what opening (or clicking) this message tells whom."""
    if not beacons:
        return ""
    loads = [b for b in beacons if b.kind != "link"]
    links = [b for b in beacons if b.kind == "link"]
    if loads:
        # the trackers and tokenised loads first: they are the ones that matter
        ordered = sorted(loads, key=lambda b: (not b.per_recipient, not b.tracker, _KIND_RANK.get(b.kind, 9)))
        sentence = f"Opening this message tells {_who(ordered)} your IP address, device and when you read it"
        personal = _strongest(ordered)
        if personal is not None and personal.token is not None:
            sentence += ", " + _token_words(personal.token)
        elif any(b.token is not None and b.token.confidence in ("medium",) for b in ordered):
            sentence += ", tied to this copy of the message by a per-recipient token"
        tracked_links = [b for b in links if b.per_recipient]
        if tracked_links and personal is None:
            sentence += f"; its links tell {_who(tracked_links)} who clicked"
        return sentence
    ordered = sorted(links, key=lambda b: (not b.per_recipient, not b.tracker))
    sentence = f"Clicking its links tells {_who(ordered)} your IP address and device when you click"
    personal = _strongest(ordered)
    if personal is not None and personal.token is not None:
        sentence += ", " + _token_words(personal.token)
    return sentence


def _strongest(beacons: Sequence[Beacon]) -> Beacon | None:
    """The per-recipient beacon whose token says most: a decoded address first."""
    rank = {"high": 0, "medium": 1, "low": 2}
    personal = [b for b in beacons if b.per_recipient and b.token is not None]
    if not personal:
        return None
    return min(personal, key=lambda b: rank.get(b.token.confidence if b.token else "low", 3))
