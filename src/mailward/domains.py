"""Domain names, URLs and IP literals: the one module that knows about them.

- **Public suffixes.** One parsed Public Suffix List per section, shared by the
  whole process (parsing costs a tenth of a second). ``section="all"`` (the
  default) honours the private section too, so ``alice.pages.dev`` and
  ``bob.pages.dev`` are two registrable domains, as they are two owners;
  ``section="icann"`` stops at the ICANN suffixes (``pages.dev``), for the rare
  question "which registration is this under".
- **IDN.** IDNA 2008 with UTS #46 mapping through the ``idna`` package. The
  stdlib ``"idna"`` codec implements IDNA 2003, which maps ``ß`` to ``ss`` and
  ``ς`` to ``σ``: two different domains would look like one, which a lookalike
  detector must not do.
- **URLs.** ``split_url`` splits a URL the way a browser finds the host it will
  contact (WHATWG rules for http/https: backslashes end the authority and any
  run of slashes or backslashes starts it; userinfo and port dropped). It never
  raises; its three small patterns (scheme, slashes, end of authority) are single
  character classes, linear on any input.
- **IP literals.** ``ip_literal`` recognises every form a browser accepts as an
  IPv4 host (dotted, decimal ``3232235777``, hex ``0xc0a80101``, octal
  ``0300.0250.1.1``, mixes and short forms such as ``127.1``) and bracketed
  IPv6; ``ip_address`` is the strict textual form used in mail headers.

Nothing here touches the network; the list ships inside ``publicsuffixlist``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Container
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import idna
from publicsuffixlist import PublicSuffixList

__all__ = [
    "Section",
    "UrlOffsets",
    "UrlParts",
    "domain_of",
    "ip_address",
    "ip_literal",
    "is_ip_literal",
    "is_public_suffix",
    "public_suffix",
    "registrable",
    "site",
    "split_registrable",
    "split_url",
    "suffix_list",
    "to_ascii",
    "to_unicode",
    "url_offsets",
    "within",
]

Section = Literal["all", "icann"]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


# -- public suffixes -----------------------------------------------------------


@lru_cache(maxsize=2)
def suffix_list(section: Section = "all") -> PublicSuffixList:
    """The process's one parsed list for ``section``: "all" (ICANN and private
    suffixes) or "icann" (ICANN suffixes only)."""
    return PublicSuffixList(only_icann=section == "icann")


@lru_cache(maxsize=65536)
def registrable(host: str, *, section: Section = "all") -> str:
    """The registrable domain ("eTLD+1") of ``host``, in the form given (Unicode
    or punycode), lower-case; "" for an IP literal, a bare public suffix, a name
    that ends in a number or anything unusable."""
    host = host.strip().strip(".").lower()
    if not host or _ends_in_number(host) or host.startswith("["):
        return ""
    try:
        found = suffix_list(section).privatesuffix(host)
    except (ValueError, TypeError, UnicodeError):
        return ""
    return found or ""


@lru_cache(maxsize=16384)
def public_suffix(domain: str, *, section: Section = "all") -> str:
    """The public suffix of ``domain`` ("co.uk" for "bbc.co.uk"); its last label
    when the list does not know it."""
    domain = domain.strip().strip(".").lower()
    try:
        found = suffix_list(section).publicsuffix(domain)
    except (ValueError, TypeError, UnicodeError):
        found = None
    return found or domain.rsplit(".", 1)[-1]


def is_public_suffix(domain: str, *, section: Section = "all") -> bool:
    """True when ``domain`` is itself a suffix on the list (``co.uk``,
    ``pages.dev``); an unknown single label is not."""
    domain = domain.strip().strip(".").lower()
    if not domain:
        return False
    try:
        found = suffix_list(section).publicsuffix(domain, accept_unknown=False)
    except (ValueError, TypeError, UnicodeError):
        return False
    return found == domain


@lru_cache(maxsize=65536)
def site(host: str) -> str:
    """The registrable domain of ``host`` in Unicode form, or the (Unicode) name
    itself when it has none (a bare or unknown suffix); "" for an IP literal.
    The key for "who owns this name" comparisons: sender, links, lookalikes."""
    host = to_unicode(host)
    if not host or is_ip_literal(host):
        return ""
    return registrable(host) or host


def split_registrable(domain: str) -> tuple[str, str]:
    """("reuters", "com") for "mail.reuters.com"; ("bbc", "co.uk") for "bbc.co.uk"."""
    reg = site(domain)
    suffix = public_suffix(reg)
    if reg == suffix or not reg.endswith("." + suffix):
        head, _, tail = reg.partition(".")
        return head, tail
    return reg[: -len(suffix) - 1], suffix


def within(domain: str, parents: Container[str]) -> str:
    """The entry of ``parents`` that is ``domain`` or one of its parent domains, or ""."""
    domain = to_unicode(domain)
    while domain:
        if domain in parents:
            return domain
        _, _, domain = domain.partition(".")
    return ""


def domain_of(address: str) -> str:
    """The Unicode domain of an e-mail address; "" without an "@"."""
    return to_unicode(address.rpartition("@")[2]) if "@" in address else ""


# -- IDN -------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def to_ascii(domain: str) -> str:
    """Lower-case ASCII (punycode) form of ``domain`` under UTS #46 / IDNA 2008.

    Never raises: a name that IDNA 2008 refuses (a symbol, a leading or trailing
    hyphen, a disallowed character) is still encoded label by label after the
    UTS #46 mapping, as a browser does, so that the same name always gives the
    same key.
    """
    domain = domain.strip().rstrip(".").lower()
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        pass
    try:
        mapped = idna.uts46_remap(domain, std3_rules=False, transitional=False)
    except (idna.IDNAError, UnicodeError, ValueError):
        mapped = domain
    return ".".join(_punycode_label(label) for label in mapped.split("."))


def _punycode_label(label: str) -> str:
    if label.isascii():
        return label
    return "xn--" + label.encode("punycode").decode("ascii")


@lru_cache(maxsize=65536)
def to_unicode(domain: str) -> str:
    """Lower-case Unicode form of ``domain``: each ``xn--`` label decoded where it
    is valid punycode, kept as written otherwise (so the form shown is what the
    label spells, even for a label IDNA 2008 would refuse)."""
    domain = domain.strip().strip(".").lower()
    if "xn--" not in domain:
        return domain
    labels = []
    for label in domain.split("."):
        if label.startswith("xn--"):
            try:
                label = label[4:].encode("ascii").decode("punycode").lower()
            except (UnicodeError, ValueError):
                pass
        labels.append(label)
    return ".".join(labels)


# -- IP literals -------------------------------------------------------------------


def ip_address(text: str) -> IPAddress | None:
    """The address written in standard text form (``192.0.2.1``, ``2001:db8::1``,
    optionally in brackets), or None. For header fields such as Received."""
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


@lru_cache(maxsize=16384)
def ip_literal(host: str) -> IPAddress | None:
    """The address a URL host names when a browser reads it as an IP literal, or None.

    IPv4 follows the WHATWG host parser: one to four dot-separated numbers, each
    decimal, ``0x`` hex or ``0``-prefixed octal, the last filling the remaining
    bytes (``127.1``, ``0x7f000001``, ``017700000001``, ``0x7f.0.0.1``). IPv6 in
    brackets or bare.
    """
    host = host.strip().rstrip(".").lower()
    if not host:
        return None
    if host.startswith("[") or ":" in host:
        text = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        try:
            return ipaddress.IPv6Address(text.split("%", 1)[0])
        except ValueError:
            return None
    if not _ends_in_number(host):
        return None
    parts = host.split(".")
    if len(parts) > 4:
        return None
    numbers = [_ipv4_number(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    address = values[-1]
    for i, n in enumerate(values[:-1]):
        address += n << (8 * (3 - i))
    return ipaddress.IPv4Address(address)


def is_ip_literal(host: str) -> bool:
    return ip_literal(host) is not None


def _ends_in_number(host: str) -> bool:
    """WHATWG "ends in a number": the last label (after one trailing dot) is
    decimal digits or ``0x`` hex, so the name can only be an IPv4 literal."""
    last = host.rstrip(".").rpartition(".")[2] if host else ""
    if not last:
        return False
    if last.isascii() and last.isdigit():
        return True
    return _ipv4_number(last) is not None and last.startswith("0x")


def _ipv4_number(part: str) -> int | None:
    if not part or not part.isascii():
        return None
    try:
        if part[:2] in ("0x", "0X"):
            return int(part[2:], 16) if part[2:] else 0
        if len(part) > 1 and part[0] == "0":
            return int(part[1:], 8)
        return int(part, 10) if part.isdigit() else None
    except ValueError:
        return None


# -- URLs --------------------------------------------------------------------------


_SPECIAL = frozenset({"http", "https", "ftp", "ws", "wss"})
# single character classes and a bounded prefix: linear on any input
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}:")
_AUTHORITY_START = re.compile(r"[/\\]*")
_AUTHORITY_END = re.compile(r"[/?#\\]")


@dataclass(frozen=True, slots=True)
class UrlParts:
    """A URL split into the parts mailward reads. ``host`` is lower-case without
    userinfo, port or trailing dot, IPv6 kept in brackets; ``path`` starts with "/"
    for a URL with a host; ``query`` and ``fragment`` without their "?" and "#";
    ``path_query`` is the path and query as written (a lone "?" kept)."""

    scheme: str
    host: str
    port: str
    path: str
    query: str
    fragment: str
    path_query: str


@dataclass(frozen=True, slots=True)
class UrlOffsets:
    """Where the parts of a URL sit in the text as written: ``text[authority_start:
    authority_end]`` is the authority (userinfo, host and port; empty when the URL
    has none), then the path up to ``path_end``, the query (with its "?") up to
    ``query_end`` and the fragment (with its "#") to the end."""

    scheme: str
    has_authority: bool  # a special scheme (http, https, ftp, ws, wss) or "//" first
    authority_start: int
    authority_end: int
    path_end: int
    query_end: int


_EMPTY = UrlParts("", "", "", "", "", "", "")


def url_offsets(url: str) -> UrlOffsets:
    """Split ``url`` as written, without copying or cleaning it: the same rules as
    ``split_url`` (which calls it after dropping tabs and line breaks), as offsets
    for callers that must say where in the URL a substring sits. Never raises."""
    scheme = ""
    after = 0
    m = _SCHEME.match(url)
    if m:
        scheme = m.group()[:-1].lower()
        after = m.end()
    if scheme in _SPECIAL:
        start = _AUTHORITY_START.match(url, after).end()  # type: ignore[union-attr]  # matches ""
    elif not scheme and url[:2] in ("//", "\\\\", "/\\", "\\/"):
        start = 2
    else:  # no authority: the path starts right after the scheme
        start = end = after
        query_end = _find(url, "#", after)
        return UrlOffsets(scheme, False, start, end, _find(url, "?", after, query_end), query_end)
    m = _AUTHORITY_END.search(url, start)
    end = m.start() if m else len(url)
    query_end = _find(url, "#", end)
    return UrlOffsets(scheme, True, start, end, _find(url, "?", end, query_end), query_end)


def _find(text: str, sub: str, start: int, end: int | None = None) -> int:
    """Index of ``sub`` in ``text[start:end]``, or ``end`` (the string's end) when absent."""
    stop = len(text) if end is None else end
    found = text.find(sub, start, stop)
    return stop if found < 0 else found


@lru_cache(maxsize=32768)
def split_url(url: str) -> UrlParts:
    """Split ``url``; never raises. Absolute URLs with a special scheme (http,
    https, ftp, ws, wss) and protocol-relative ones (``//host/...``) get a host;
    other schemes (mailto:, cid:, data:) and relative references only a path.
    Tabs and line breaks anywhere are dropped first, as browsers do."""
    text = url.strip()
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "").replace("\n", "").replace("\r", "")
    if not text:
        return _EMPTY
    at = url_offsets(text)
    fragment = text[at.query_end + 1 :]
    query = text[at.path_end + 1 : at.query_end]
    if not at.has_authority:
        rest = text[at.authority_end : at.query_end]
        return UrlParts(at.scheme, "", "", text[at.authority_end : at.path_end], query, fragment, rest)
    authority = text[at.authority_start : at.authority_end]
    if "@" in authority:
        authority = authority[authority.rfind("@") + 1 :]
    rest = text[at.authority_end : at.query_end]
    path = text[at.authority_end : at.path_end]
    if not rest.startswith("/"):
        rest = "/" + rest
        path = "/" + path
    if authority.startswith("["):
        close = authority.find("]")
        host = authority[: close + 1] if close > 0 else authority
        port = authority[close + 2 :] if close > 0 and authority[close + 1 : close + 2] == ":" else ""
    else:
        host, _, port = authority.partition(":")
    return UrlParts(at.scheme, host.lower().rstrip("."), port, path, query, fragment, rest)
