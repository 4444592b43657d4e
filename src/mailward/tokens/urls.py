"""URL components and where a substring sits in them (path segment, query value,
nested URL-encoded URL). The parts come from ``mailward.domains.url_offsets``;
the rest is linear string scanning."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import unquote

from mailward import domains

__all__ = ["url_components"]


class _Span(NamedTuple):  # a tuple: built ~10 times per URL, and a frozen dataclass's __init__ is slow
    location: str
    start: int
    end: int


def _split(url: str) -> tuple[int, int, int, int, int]:
    """Offsets of (host start, host end, path end, query end, len) in ``url``
    (``mailward.domains.url_offsets``; the "host" is the whole authority)."""
    at = domains.url_offsets(url)
    return at.authority_start, at.authority_end, at.path_end, at.query_end, len(url)


def _spans(url: str) -> list[_Span]:
    """Host labels, path segments, query values and the fragment, with their offsets."""
    host_start, host_end, path_end, query_end, n = _split(url)
    spans: list[_Span] = []
    at = url.rfind("@", host_start, host_end)
    if at >= 0:
        spans.append(_Span("userinfo", host_start, at))
        host_start = at + 1
    spans.append(_Span("host", host_start, host_end))
    seg_index = 0
    pos = host_end + 1 if host_end < path_end and url[host_end] == "/" else host_end
    while pos < path_end:
        nxt = url.find("/", pos, path_end)
        end = path_end if nxt < 0 else nxt
        if end > pos:
            spans.append(_Span(f"path[{seg_index}]", pos, end))
        seg_index += 1
        pos = end + 1
        if nxt < 0:
            break
    if path_end < query_end:
        pos = path_end + 1
        while pos < query_end:
            amp = url.find("&", pos, query_end)
            end = query_end if amp < 0 else amp
            eq = url.find("=", pos, end)
            if eq >= 0:
                spans.append(_Span(f"query:{url[pos:eq]}", eq + 1, end))
            elif end > pos:
                spans.append(_Span("query", pos, end))
            pos = end + 1
    if query_end < n:
        spans.append(_Span("fragment", query_end + 1, n))
    return spans


def url_components(url: str) -> list[tuple[str, str]]:
    """(location, value as written) for every host, path segment, query value, fragment."""
    return [(s.location, url[s.start : s.end]) for s in _spans(url)]


def _nested_location(value: str, needle: str) -> str:
    """Inside a URL-encoded nested URL or query string, which part holds ``needle``?"""
    decoded = unquote(value)
    if decoded == value or ("=" not in decoded and "/" not in decoded):
        return ""
    pos = decoded.lower().find(needle.lower())
    if pos < 0:
        pos = decoded.lower().find(unquote(needle).lower())
    if pos < 0:
        return ""
    for span in _spans(decoded):
        if span.start <= pos < span.end and span.location != "host":
            return span.location
    return ""


def _locate(url: str, start: int, end: int) -> str:
    for span in _spans(url):
        if span.start <= start and end <= span.end:
            inner = _nested_location(url[span.start : span.end], url[start:end])
            return f"{span.location}>{inner}" if inner else span.location
    for span in _spans(url):
        if span.start <= start < span.end:
            return span.location
    return "url"


