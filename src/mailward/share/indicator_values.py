"""Indicator kinds: names, normalisation, auto-detection and refanging.

One place decides what an indicator value looks like once stored, so that the
importers, the exporters and the matcher agree byte for byte. Kind names are the
ones the store's ``indicators.kind`` column uses.
"""

from __future__ import annotations

import ipaddress
import re

from mailward import domains
from mailward.errors import MailwardError

# kind -> what it is
KINDS: dict[str, str] = {
    "domain": "a domain name; matches the name and every name below it",
    "url": "a URL or URL prefix (scheme ignored, case-insensitive)",
    "email": "an email address",
    "ipv4": "an IPv4 address or CIDR network",
    "ipv6": "an IPv6 address or CIDR network",
    "sha256": "a SHA-256 file hash",
    "sha1": "a SHA-1 file hash (stored and shared; attachments are matched by SHA-256)",
    "md5": "an MD5 file hash (stored and shared; attachments are matched by SHA-256)",
    "subject": "an email subject (shared as context; never matched)",
    "url-template": "SHA-256 of a token-stripped URL template (campaign fingerprint; matched against the store)",
    "body-minhash": "MinHash sketch of a token-stripped body, base64 (campaign fingerprint; matched against the store)",
}

MATCHABLE_KINDS = frozenset({"domain", "url", "email", "ipv4", "ipv6", "sha256"})

_HEX = {"md5": 32, "sha1": 40, "sha256": 64}
_HEX_RE = re.compile(r"[0-9a-f]+")
_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_SCHEME_RE = re.compile(r"[a-z][a-z0-9+.-]{0,15}://")

# common defanging conventions in CERT advisories and feeds
_REFANG = (
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[dot]", "."),
    ("(dot)", "."),
    ("[:]", ":"),
    ("[://]", "://"),
    ("[@]", "@"),
    ("(@)", "@"),
    ("[at]", "@"),
)


class IndicatorError(MailwardError, ValueError):
    """A value is not a valid indicator of the kind given. The message says why."""


def refang(value: str) -> str:
    """Undo the usual defanging: ``hxxps://evil[.]com`` -> ``https://evil.com``."""
    text = value.strip()
    lowered = text.lower()
    for old, new in _REFANG:
        if old in lowered:
            text = re.sub(re.escape(old), new, text, flags=re.IGNORECASE)
            lowered = text.lower()
    if lowered.startswith(("hxxp://", "hxxps://", "hxxp[s]://", "fxp://")):
        text = "http" + text[4:] if not lowered.startswith("fxp") else "ftp" + text[3:]
        text = text.replace("[s]", "s")
    return text


def host_ascii(host: str) -> str:
    """Lower-case ASCII (punycode) form of a host name; unchanged if it cannot be encoded."""
    return domains.to_ascii(host)


def normalise_domain(value: str) -> str:
    host = host_ascii(value)
    if host.startswith("*."):
        host = host[2:]
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        raise IndicatorError(f"not a domain name: {value!r}")
    if labels[-1].isdigit():
        raise IndicatorError(f"not a domain name (looks like an IP address): {value!r}")
    return host


def normalise_email(value: str) -> str:
    text = value.strip().strip("<>")
    if text.lower().startswith("mailto:"):
        text = text[7:]
    local, sep, domain = text.rpartition("@")
    if not sep or not local or not domain or any(c.isspace() for c in local):
        raise IndicatorError(f"not an email address: {value!r}")
    return f"{local.lower()}@{normalise_domain(domain)}"


def normalise_ip(value: str, kind: str | None = None) -> tuple[str, str]:
    """Return (kind, canonical text) for an address or CIDR network."""
    text = value.strip()
    try:
        if "/" in text:
            net = ipaddress.ip_network(text, strict=False)
            found = f"ipv{net.version}"
            canonical = str(net.network_address) if net.num_addresses == 1 else str(net)
        else:
            addr = ipaddress.ip_address(text)
            found = f"ipv{addr.version}"
            canonical = str(addr)
    except ValueError:
        raise IndicatorError(f"not an IP address or network: {value!r}") from None
    if kind is not None and kind != found:
        raise IndicatorError(f"{value!r} is {found}, not {kind}")
    return found, canonical


def normalise_hash(value: str, kind: str) -> str:
    text = value.strip().lower()
    if len(text) != _HEX[kind] or not _HEX_RE.fullmatch(text):
        raise IndicatorError(f"not a {kind} hash: {value!r}")
    return text


def _split_url(text: str) -> tuple[str, domains.UrlParts]:
    """The scheme ("" when none) and the parts of ``text`` (``mailward.domains``),
    whatever the scheme: what follows ``scheme://`` is always an authority."""
    match = _SCHEME_RE.match(text.lower())
    if match:
        return match.group()[:-3], domains.split_url("//" + text[match.end() :])
    return "", domains.split_url("//" + text.lstrip("/"))


def normalise_url(value: str) -> str:
    text = value.strip()
    if not _SCHEME_RE.match(text.lower()):
        text = "http://" + text
    scheme, parts = _split_url(text)
    if ("[" in parts.host or "]" in parts.host) and domains.ip_literal(parts.host) is None:
        raise IndicatorError(f"not a URL: {value!r}")
    if not parts.host.strip("[]"):
        raise IndicatorError(f"not a URL (no host): {value!r}")
    netloc = host_ascii(parts.host)
    if parts.port and (not parts.port.isascii() or not parts.port.isdigit() or int(parts.port) > 65535):
        raise IndicatorError(f"not a URL (bad port): {value!r}")
    if parts.port and int(parts.port) not in (80, 443):
        netloc = f"{netloc}:{int(parts.port)}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{netloc}{parts.path or '/'}{query}"


def normalise(kind: str, value: str) -> str:
    """Canonical stored form of ``value`` as ``kind``; raises IndicatorError."""
    kind = kind.strip().lower()
    value = refang(value)
    if not value:
        raise IndicatorError("empty indicator value")
    if kind == "domain":
        return normalise_domain(value)
    if kind == "email":
        return normalise_email(value)
    if kind in ("ipv4", "ipv6"):
        return normalise_ip(value, kind)[1]
    if kind in _HEX:
        return normalise_hash(value, kind)
    if kind == "url":
        return normalise_url(value)
    if kind == "subject":
        return value
    if kind == "url-template":
        return normalise_hash(value, "sha256")
    if kind == "body-minhash":
        from mailward.share.msgfacts import sketch_bytes

        if sketch_bytes(value.strip()) is None:
            raise IndicatorError(f"not a 64-value MinHash sketch: {value[:40]!r}")
        return value.strip()
    raise IndicatorError(f"unknown indicator kind {kind!r} (known: {', '.join(KINDS)})")


_CANONICAL_DOMAIN = re.compile(r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z][a-z0-9-]{0,62}")
_CANONICAL_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)")
_CANONICAL_LOCAL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")


def canonical(kind: str, value: str) -> str:
    """Like ``normalise`` but fast for values that are already canonical (the store's).

    Building a matcher over 100,000 stored indicators spends most of its time here, so
    the common shapes are recognised by one (linear) regular expression each and only
    the rest take the full path.
    """
    if kind == "domain":
        if _CANONICAL_DOMAIN.fullmatch(value):
            return value
    elif kind == "sha256":
        if len(value) == 64 and _HEX_RE.fullmatch(value):
            return value
    elif kind == "ipv4":
        if _CANONICAL_IPV4.fullmatch(value):
            return value
    elif kind == "email":
        local, sep, domain = value.rpartition("@")
        if sep and _CANONICAL_LOCAL.fullmatch(local) and _CANONICAL_DOMAIN.fullmatch(domain):
            return value
    elif kind == "url":
        if value.startswith(("http://", "https://")) and value.isascii() and " " not in value:
            return value
    return normalise(kind, value)


def detect(value: str) -> tuple[str, str]:
    """Guess the kind of one plain-list entry; return (kind, normalised value)."""
    text = refang(value)
    if not text:
        raise IndicatorError("empty indicator value")
    lowered = text.lower()
    if _HEX_RE.fullmatch(lowered) and len(lowered) in (32, 40, 64):
        kind = {32: "md5", 40: "sha1", 64: "sha256"}[len(lowered)]
        return kind, lowered
    try:
        return normalise_ip(text)
    except IndicatorError:
        pass
    if _SCHEME_RE.match(lowered) or "/" in text:
        return "url", normalise_url(text)
    if "@" in text:
        return "email", normalise_email(text)
    return "domain", normalise_domain(text)


def url_key(url: str) -> str:
    """The form URLs are compared in: no scheme, no fragment, ASCII host, lower case.

    ``https://Evil.example/T?x=1#f`` -> ``evil.example/t?x=1``. A URL without a path
    gets ``/`` so that ``evil.example`` and ``evil.example/`` compare equal.
    """
    _, parts = _split_url(url.strip())
    host = host_ascii(parts.host)
    if parts.port and parts.port not in ("80", "443"):
        host = f"{host}:{parts.port}"
    tail = parts.path_query
    return (host + tail).lower()
