"""Relative URLs: the base they are resolved against, and the documents data: URLs hold.

A base comes from the markup (``<base href>``) or from an HTML part's MIME header
(``Content-Base``, else ``Content-Location``: ``header_base_url``). ``joined`` resolves
as ``urllib.parse.urljoin`` does, without walking a long base path for every relative
URL, and ``bounded_base`` keeps that path short (docs/security.md, "long base").
Nothing here fetches anything.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

__all__ = [
    "MAX_BASE_PATH",
    "MAX_BASE_URL",
    "MAX_NESTED_BYTES",
    "bounded_base",
    "data_document",
    "header_base_url",
    "is_remote_base",
    "joined",
    "location_names",
    "rebased",
]

_BASE_NOISE = re.compile(r'[\s"]+')
MAX_BASE_URL = 2048  # a Content-Location name kept, at most
MAX_BASE_PATH = 512  # the path of a base URL relative URLs are resolved against, at most


def is_remote_base(base: str) -> bool:
    """A base URL that sends relative URLs to the network (http(s) or protocol-relative)."""
    return base.lower().startswith(("http://", "https://", "//"))


def joined(base: str, url: str) -> str:
    """``urljoin(base, url)``, or ``url`` itself when it cannot be joined.

    A plain relative name (``_PLAIN_NAME``: no scheme, no leading ``/``, no dot segment,
    no character ``urljoin`` strips or treats apart) is the base's directory followed by
    the name, which is what ``urljoin`` returns for it, without its walk over every
    segment of the base's path at each call. Base paths are cut at ``MAX_BASE_PATH``
    characters (``bounded_base``), so the walk that remains is bounded too."""
    if _PLAIN_NAME.fullmatch(url) and "/." not in url and "//" not in url:
        directory = _directory(base)
        if directory:
            return directory + url
    try:
        return urljoin(base, url)
    except ValueError:
        return url


# a relative name urljoin appends to the base's directory unchanged: no control
# character (urljoin drops tabs and line ends and strips the start), no ";" (whose empty
# parameters urljoin drops), ":" (a scheme) or backslash; not starting with "/" "?" "#"
# "." or a blank; then a non-empty query and fragment. "/." and "//" (dot segments,
# empty segments urljoin drops) are refused by ``joined`` itself. Classes only: linear.
_PLAIN_NAME = re.compile(r"[^\x00-\x20\x7f;:\\/?#.][^\x00-\x1f\x7f;:\\?#]*"
                         r"(?:\?[^\x00-\x1f\x7f;:\\#]+)?(?:#[^\x00-\x1f\x7f\\]+)?")


@lru_cache(maxsize=64)
def _directory(base: str) -> str:
    """What ``urljoin(base, name)`` puts before a plain relative ``name`` ("" if unsure)."""
    try:
        probe = urljoin(base, "x")
    except ValueError:
        return ""
    return probe[:-1] if probe.endswith("/x") else ""


_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]{0,30}:")


def rebased(url: str, base: str) -> str:
    """``url`` resolved against ``base`` when it is relative (not empty, not a fragment,
    no scheme); otherwise ``url`` as it is."""
    if not url or url.startswith("#") or _SCHEME.match(url):
        return url
    return joined(base, url)


def header_base_url(content_base: str, content_location: str) -> str:
    """The base URL a part's MIME header gives its HTML: ``Content-Base`` (RFC 2110), else
    ``Content-Location`` (RFC 2557), with whitespace and double quotes dropped as
    Thunderbird drops them when it writes the value into the page as a ``<base>``
    ("" when the value is not a remote URL)."""
    value = _BASE_NOISE.sub("", content_base or content_location)
    return bounded_base(value) if is_remote_base(value) else ""


def bounded_base(base: str) -> str:
    """``base`` with its path cut to ``MAX_BASE_PATH`` characters when it is longer (query
    and fragment then dropped; scheme and host kept whole, so a long user-info part
    cannot push the host out): what relative URLs are resolved against. ``urljoin``
    walks every segment of the base's path at each call, and a hostile message can
    make 4,000 calls (measured: a 40 KB base took 6 s to parse before this bound)."""
    if len(base) <= MAX_BASE_PATH:
        return base
    try:
        parts = urlsplit(base)
    except ValueError:
        return base[:MAX_BASE_PATH]
    if len(parts.path) <= MAX_BASE_PATH:
        return base
    return urlunsplit((parts.scheme, parts.netloc, parts.path[:MAX_BASE_PATH], "", ""))


def location_names(values: Iterable[str]) -> frozenset[str]:
    """The Content-Location values of related parts, cleaned as ``header_base_url`` cleans."""
    return frozenset(name for value in values if (name := _BASE_NOISE.sub("", value)[:MAX_BASE_URL]))


MAX_NESTED_BYTES = 512 * 1024  # a data: document read, at most


def data_document(url: str) -> str:
    """The text of a ``data:text/html`` or ``data:image/svg+xml`` URL, or ""."""
    value = url.strip()
    head, sep, body = value.partition(",")
    if not sep or not head.lower().startswith("data:"):
        return ""
    mime = head[5:].split(";")[0].strip().lower()
    if mime not in ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml", ""):
        return ""
    if ";base64" in head.lower():
        try:
            return base64.b64decode(unquote(body), validate=False)[:MAX_NESTED_BYTES].decode("utf-8", "replace")
        except (ValueError, binascii.Error):
            return ""
    return unquote(body[:MAX_NESTED_BYTES])
