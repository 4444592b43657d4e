"""Compiled RE2 patterns run on a text encoded to UTF-8 once.

``re2``'s ``search`` and ``finditer`` on a ``str`` encode the whole text to UTF-8 on
every call and count characters up to each match. The facts builder runs a dozen
patterns over the same message text (lure topics, call-back cues, credential and
pressure phrases): here the text is encoded once and each compiled program runs on
the bytes, with byte offsets. Offsets in bytes order matches as offsets in characters
do, and RE2 in UTF-8 mode matches whole characters, so a match's bytes decode to the
very string ``match.group(0)`` gives (``tests/rules/test_re2bytes.py`` compares both).
"""

from __future__ import annotations

from typing import Any

import re2

__all__ = ["NO_SPAN", "distinct", "next_char", "search", "spans", "text_of", "utf8"]

_UNANCHORED = re2._re2.RE2.Anchor.UNANCHORED
NO_SPAN = (-1, -1)


def utf8(text: str) -> bytes:
    """``text`` as RE2 reads it (raises ``UnicodeEncodeError`` where ``re2`` would)."""
    return text.encode("utf-8")


def search(pattern: Any, data: bytes, pos: int = 0) -> tuple[int, int]:
    """The span (byte offsets) of ``pattern``'s first match in ``data`` at or after
    ``pos``, or ``NO_SPAN``."""
    span: tuple[int, int] = pattern._regexp.Match(_UNANCHORED, data, pos, len(data))[0]
    return span


def next_char(data: bytes, pos: int) -> int:
    """The offset of the character after the one at ``pos`` (UTF-8 continuation bytes
    are 0b10xxxxxx)."""
    pos += 1
    while pos < len(data) and data[pos] & 0xC0 == 0x80:
        pos += 1
    return pos


def spans(pattern: Any, data: bytes, limit: int) -> list[tuple[int, int]]:
    """The spans of ``finditer`` over ``data``, at most ``limit``: after an empty match
    the search goes on one character further, as ``re2`` does on a ``str``."""
    match = pattern._regexp.Match
    size = len(data)
    out: list[tuple[int, int]] = []
    pos = 0
    while len(out) < limit:
        span = match(_UNANCHORED, data, pos, size)[0]
        if span[0] == -1:
            break
        out.append(span)
        if pos == size:
            break
        pos = next_char(data, pos) if span[1] == pos else span[1]
    return out


def text_of(data: bytes, span: tuple[int, int]) -> str:
    return data[span[0] : span[1]].decode("utf-8")


def distinct(pattern: Any, data: bytes, limit: int = 10) -> list[str]:
    """The distinct matches of ``pattern`` in ``data``, lower case, in order, at most
    ``limit`` (stopping at the match that makes ``limit``)."""
    out: dict[str, None] = {}
    match = pattern._regexp.Match
    size = len(data)
    pos = 0
    while True:
        span = match(_UNANCHORED, data, pos, size)[0]
        if span[0] == -1:
            break
        out.setdefault(data[span[0] : span[1]].decode("utf-8").lower(), None)
        if len(out) >= limit or pos == size:
            break
        pos = next_char(data, pos) if span[1] == pos else span[1]
    return list(out)
