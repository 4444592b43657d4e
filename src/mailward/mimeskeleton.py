"""The stdlib's MIME tree of a big message, without reading every body line in Python.

The stdlib's feed parser (``compat32``, the one ``mailward.parse`` and the defuser's
check use) reads a message line by line in Python: about 30 ms of CPU per megabyte.
Almost all of those lines are body lines it only copies. What decides the tree is
the header blocks and the lines that start with ``--`` (every boundary line does;
a body line that does not start with ``--`` can end nothing).

So a big message is parsed as a *skeleton*: every long run of lines after a header
block, up to the next line that starts with ``--``, becomes one placeholder line
with the same line end; the stdlib parses the skeleton (the same header blocks and
the same ``--`` lines, so the same parts, headers and defects), and the placeholders
in payloads, preambles and epilogues get their text back. The result is the tree
the stdlib builds from the whole message.

Where that argument does not hold, the message is parsed the ordinary way: a
``message/*`` part (its body is parsed as headers), a placeholder that did not come
back where expected, very many ``--`` lines, or any error.

The feed parser also compiles a regular expression for every multipart boundary it
meets (``re.compile`` of the escaped boundary and a fixed tail): about 0.3 ms of CPU,
and boundaries are unique, so the ``re`` cache never helps. ``_FeedparserRe`` stands in
for the ``re`` module inside ``email.feedparser`` and answers exactly that pattern with
a matcher that needs no compilation: the line starts with the boundary and the fixed
tail, compiled once, matches after it (the groups the parser reads, ``end`` and
``linesep``, are the same). Any other pattern goes to ``re`` unchanged.
"""

from __future__ import annotations

import re
from email import feedparser, policy
from email.message import Message
from email.parser import Parser
from typing import Any

from .mimefast import fast_parse

__all__ = ["FAST_FROM", "parse_mime"]

FAST_FROM = 64 * 1024  # smaller messages: the stdlib alone (its cost is small there)
MIN_RUN = 2048  # shorter runs of body lines stay in the skeleton as they are
MAX_ANCHORS = 2000  # more lines starting with "--" than that: the ordinary parse

_PARSER = Parser(policy=policy.compat32)
# the stdlib's own test for "still a header line" (not in its typed interface)
_HEADER_LINE: re.Pattern[str] = feedparser.headerRE  # type: ignore[attr-defined]
_EOL = re.compile(r"\r\n|\r|\n")  # the feed parser's line ends (universal newlines)
# U+E000/U+E001 cannot occur in the decoded text (ASCII plus surrogate escapes)
_TOKEN = re.compile("\ue000([0-9]+)\ue001")
_MARK = "\ue000"


# the boundary pattern of ``email.feedparser`` (Python 3.11 to 3.13): prefix, escaped boundary, tail
_BOUNDARY_HEAD = "(?P<sep>"
_BOUNDARY_TAIL = r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
_TAIL = re.compile(_BOUNDARY_TAIL[1:])
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)


class _BoundaryMatcher:
    """``re.compile(_BOUNDARY_HEAD + re.escape(separator) + _BOUNDARY_TAIL)`` for ``match``."""

    __slots__ = ("_separator", "_start")

    def __init__(self, separator: str) -> None:
        self._separator = separator
        self._start = len(separator)

    def match(self, line: str) -> re.Match[str] | None:
        if not line.startswith(self._separator):
            return None
        return _TAIL.match(line, self._start)


class _FeedparserRe:
    """The ``re`` module as ``email.feedparser`` sees it (see the module docstring)."""

    def __getattr__(self, name: str) -> object:
        return getattr(re, name)

    def compile(self, pattern: Any, flags: int = 0) -> Any:
        if isinstance(pattern, str) and not flags and pattern.startswith(_BOUNDARY_HEAD) \
                and pattern.endswith(_BOUNDARY_TAIL):
            escaped = pattern[len(_BOUNDARY_HEAD):-len(_BOUNDARY_TAIL)]
            separator = _UNESCAPE.sub(r"\1", escaped)
            if re.escape(separator) == escaped:  # exactly what the parser built: the same matches
                return _BoundaryMatcher(separator)
        return re.compile(pattern, flags)


def _install() -> None:
    if getattr(feedparser, "re", None) is re:  # once, and only over the real module
        feedparser.re = _FeedparserRe()  # type: ignore[attr-defined]


_install()


def parse_mime(data: bytes, *, fast_from: int = FAST_FROM, fast: bool = True) -> Message:
    """``BytesParser(policy=compat32).parsebytes(data)``, faster: well-formed messages
    through ``mailward.mimefast``, big ones that it declines as a skeleton."""
    text = data.decode("ascii", "surrogateescape")  # what BytesParser does
    if fast:
        mime = fast_parse(text)
        if mime is not None:
            return mime
    if len(text) >= fast_from:
        try:
            mime = _skeleton_parse(text)
        except (ValueError, TypeError, LookupError, IndexError, AttributeError):
            mime = None
        if mime is not None:
            return mime
    return _PARSER.parsestr(text)


def _line_end(text: str, pos: int) -> int:
    match = _EOL.search(text, pos)
    return match.end() if match else len(text)


def _anchors(text: str) -> list[int] | None:
    """Start of every line that starts with ``--`` (where a boundary can be)."""
    found = [0] if text.startswith("--") else []
    for separator in ("\n--", "\r--"):  # "\r--": a bare CR ends a line too
        index = text.find(separator)
        while index != -1:
            found.append(index + 1)
            if len(found) > MAX_ANCHORS:
                return None
            index = text.find(separator, index + 3)
    return sorted(found)


def _trailing_eol(text: str, start: int, end: int) -> str:
    if end - start >= 2 and text.startswith("\r\n", end - 2):
        return "\r\n"
    if end > start and text[end - 1] in "\r\n":
        return text[end - 1]
    return ""


def _skeleton(text: str) -> tuple[str, list[str]] | None:
    anchors = _anchors(text)
    if anchors is None:
        return None
    starts = anchors if anchors and anchors[0] == 0 else [0, *anchors]
    pieces: list[str] = []
    runs: list[str] = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(text)
        pos = _line_end(text, start) if text.startswith("--", start) else start
        while pos < end:  # a header block (kept as it is) ends at its first non-header line
            line_end = _line_end(text, pos)
            header = _HEADER_LINE.match(text[pos:line_end]) is not None  # '^': not with pos
            pos = line_end
            if not header:
                break
        if end - pos < MIN_RUN:
            pieces.append(text[start:end])
            continue
        eol = _trailing_eol(text, pos, end)
        pieces.append(text[start:pos])
        pieces.append(f"\ue000{len(runs)}\ue001{eol}")
        runs.append(text[pos : end - len(eol)])
    return "".join(pieces), runs


def _skeleton_parse(text: str) -> Message | None:
    built = _skeleton(text)
    if built is None:
        return None
    skeleton, runs = built
    if not runs:
        return None  # nothing to save: the ordinary parse
    mime = _PARSER.parsestr(skeleton)
    restored = 0

    def back(match: re.Match[str]) -> str:
        nonlocal restored
        restored += 1
        return runs[int(match.group(1))]

    stack = [mime]
    while stack:
        part = stack.pop()
        if part.get_content_maintype() == "message":
            return None  # its body was parsed as headers: the skeleton may have hidden some
        if any(_MARK in str(value) for _, value in getattr(part, "_headers", ())):  # compat32's (name, value) list
            return None
        payload = getattr(part, "_payload", None)  # set_payload would also touch the charset
        if isinstance(payload, list):
            stack.extend(child for child in payload if isinstance(child, Message))
        elif isinstance(payload, str) and _MARK in payload:
            part._payload = _TOKEN.sub(back, payload)  # type: ignore[attr-defined]
        for name in ("preamble", "epilogue"):
            value = getattr(part, name, None)
            if isinstance(value, str) and _MARK in value:
                setattr(part, name, _TOKEN.sub(back, value))
    return mime if restored == len(runs) else None
