"""The stdlib's MIME tree of a well-formed message, built without its line-by-line parser.

``BytesParser(policy=compat32)`` reads a message a line at a time in Python: every
line goes through a line buffer, a generator and, inside a multipart, a boundary
test. On mail-sized messages that is most of the cost of parsing the MIME structure.

For the shapes almost all mail has, the tree follows from a few facts that plain
string searches find: each header block ends at its first empty line, a
non-multipart part's payload is all the text up to its end, and a multipart's
parts lie between the lines that start with ``--`` and its boundary. ``fast_parse``
builds that tree with the stdlib's own ``Message`` objects, header splitting
(``policy.compat32.header_source_parse``) and content-type methods, and follows the
feed parser's rules for line ends (``\\r\\n``, ``\\r`` or ``\\n`` end a line), the
newline before a boundary (it belongs to the boundary), preambles and epilogues.
No step reads the whole text: a line's end is found with two bounded ``find`` calls,
and a header block is split at once where its own line ends are all alike (else a
line at a time), so a large body costs only the boundary searches.

Whenever the stdlib would record a defect or take a path this code does not
follow, ``fast_parse`` returns ``None`` and the caller parses the ordinary way:
a ``From`` line or an unusual line in a header block, ``message/*`` parts (their
body is parsed as headers) and ``multipart/digest`` (its parts default to
``message/rfc822``), a multipart without a boundary, with a transfer encoding other
than 7bit, 8bit or binary, without its first or its closing boundary, or with two
boundary lines in a row. ``tests/core/test_mimefast.py`` checks the trees against
the stdlib's on generated input.
"""

from __future__ import annotations

import re
from email import feedparser, policy
from email.message import Message

__all__ = ["fast_parse"]

_POLICY = policy.compat32
# the feed parser's own patterns (not in its typed interface): a header line, a line end
_HEADER_LINE: re.Pattern[str] = feedparser.headerRE  # type: ignore[attr-defined]
_EOL: re.Pattern[str] = feedparser.NLCRE  # type: ignore[attr-defined]
_MAX_PARTS = 2000  # more parts than that: the ordinary parse (mailward.parse keeps 500)


class _Fallback(Exception):
    """The message needs the ordinary parse."""


def fast_parse(text: str) -> Message | None:
    """The tree ``Parser(policy=compat32).parsestr(text)`` builds, or None when this
    module cannot be sure to build the same one (see the module docstring)."""
    if text.startswith("From "):
        return None
    try:
        return _Part(text).build(0, len(text), 0)
    except (_Fallback, RecursionError):
        return None


def _chop_eol(value: str) -> str:
    """``value`` without one trailing line end (``\\r\\n``, ``\\r`` or ``\\n``)."""
    if value.endswith("\r\n"):
        return value[:-2]
    if value.endswith(("\r", "\n")):
        return value[:-1]
    return value


class _Part:
    """One text and the walk over its parts."""

    __slots__ = ("parts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.parts = 0

    def line_end(self, pos: int, end: int) -> int:
        """Where the line starting at ``pos`` ends (after its line end), at most ``end``:
        ``_EOL.search(text, pos, end)``'s end, from two bounded ``find`` calls."""
        text = self.text
        newline = text.find("\n", pos, end)
        carriage = text.find("\r", pos, end if newline == -1 else newline)
        if carriage == -1:
            return end if newline == -1 else newline + 1
        return carriage + 2 if carriage + 1 == newline else carriage + 1

    def build(self, start: int, end: int, depth: int) -> Message:
        """The message in ``text[start:end]``: its header block, then its body."""
        self.parts += 1
        if self.parts > _MAX_PARTS or depth > 50:
            raise _Fallback
        message = Message(policy=_POLICY)
        body = self.headers(message, start, end)
        ctype = message.get_content_type()
        maintype = ctype.split("/")[0]  # = message.get_content_maintype()
        if maintype == "message" or ctype == "multipart/digest":
            raise _Fallback
        if maintype == "multipart":
            self.multipart(message, body, end, depth)
        else:
            message._payload = self.text[body:end]  # type: ignore[attr-defined]  # what set_payload(str) stores
        return message

    def block(self, start: int, end: int) -> tuple[list[str], int]:
        """The lines of the header block at ``start`` (up to its first empty line, or
        ``end``) with their line ends, and where the body starts."""
        text = self.text
        first = self.line_end(start, end)
        eol = "\r\n" if text.startswith("\r\n", first - 2) else "\n" if text.startswith("\n", first - 1) else ""
        if eol and first > start + len(eol):  # one line end throughout: the lines at once
            empty = text.find(eol + eol, start, end)
            stop, body = (end, end) if empty == -1 else (empty + len(eol), empty + 2 * len(eol))
            chunk = text[start:stop]
            if (eol == "\n" and "\r" not in chunk) or (eol == "\r\n" and _crlf_only(chunk)):
                lines = [line + eol for line in chunk.split(eol)]
                if lines[-1] == eol:
                    lines.pop()  # the block ended with a line end
                else:
                    lines[-1] = lines[-1][: -len(eol)]  # its last line has none (the end of the text)
                return lines, body
        lines = []
        pos = start
        while pos < end:
            stop = self.line_end(pos, end)
            if text[pos] in "\r\n":  # the empty line that ends the block
                return lines, stop
            lines.append(text[pos:stop])
            pos = stop
        return lines, pos

    def headers(self, message: Message, start: int, end: int) -> int:
        """Read the header block at ``start`` into ``message``; where its body starts.

        Each field is what ``message.set_raw(*compat32.header_source_parse(lines))``
        stores, written out here: the name up to the first colon, the rest of the
        first line without leading blanks, the other lines as they are, trailing line
        ends off."""
        lines, body = self.block(start, end)
        fields = message._headers  # type: ignore[attr-defined]  # what set_raw appends to
        current: list[str] = []
        for line in lines:
            if line[0] in " \t":
                if not current:
                    raise _Fallback  # a first line that is a continuation: a defect
                current.append(line)
            elif line.startswith("From ") or not _HEADER_LINE.match(line) or line[0] == ":":
                raise _Fallback  # a misplaced envelope line, a body without an empty line, no name
            else:
                if current:
                    fields.append(_field(current))
                current = [line]
        if current:
            fields.append(_field(current))
        return body

    def boundary_line(self, separator: str, pos: int, end: int) -> tuple[int, int, bool]:
        """The first line in ``[pos, end)`` the feed parser reads as a boundary of
        ``separator``: (start, end of line, closing), or (-1, -1, False)."""
        text = self.text
        index = text.find(separator, pos, end)
        while index != -1:
            if index == pos or text[index - 1] in "\r\n":  # at the start of a line
                stop = self.line_end(index, end)
                rest = text[index + len(separator):stop]
                closing = rest.startswith("--")
                tail = rest[2:] if closing else rest
                if not tail.rstrip("\r\n").strip(" \t"):  # [ \t]* then the line end
                    return index, stop, closing
            index = text.find(separator, index + 1, end)
        return -1, -1, False

    def multipart(self, message: Message, body: int, end: int, depth: int) -> None:
        boundary = message.get_boundary()
        if boundary is None:
            raise _Fallback
        if str(message.get("content-transfer-encoding", "8bit")).lower() not in ("7bit", "8bit", "binary"):
            raise _Fallback
        separator = "--" + boundary
        text = self.text
        first, stop, closing = self.boundary_line(separator, body, end)
        if first == -1 or closing:
            raise _Fallback  # no first boundary: the stdlib records a defect
        if first > body:
            message.preamble = _chop_eol(text[body:first])
        children: list[Message] = []
        while True:
            start = stop
            following, stop, closing = self.boundary_line(separator, start, end)
            if following == -1:
                raise _Fallback  # no closing boundary: a defect
            if following == start:
                raise _Fallback  # two boundary lines in a row
            child = self.build(start, following, depth + 1)
            _chop_last(child)
            children.append(child)
            if closing:
                break
        message._payload = children  # type: ignore[attr-defined]  # what attach() builds
        # the epilogue: after the closing line (with its line end, an empty first line)
        message.epilogue = text[stop:end]


def _field(lines: list[str]) -> tuple[str, str]:
    """``compat32.header_source_parse(lines)``."""
    name, value = lines[0].split(":", 1)
    return name, (value.lstrip(" \t") + "".join(lines[1:])).rstrip("\r\n")


def _crlf_only(chunk: str) -> bool:
    """Whether every line end in ``chunk`` is CRLF (no lone CR or LF)."""
    pairs = chunk.count("\r\n")
    return chunk.count("\r") == pairs and chunk.count("\n") == pairs


def _chop_last(child: Message) -> None:
    """The newline before a boundary belongs to the boundary (RFC 2046): the feed
    parser takes it off the part's payload, or off a multipart's epilogue."""
    if isinstance(child._payload, list):  # type: ignore[attr-defined]
        epilogue = child.epilogue
        child.epilogue = None if epilogue == "" else _chop_eol(epilogue) if epilogue is not None else None
    else:
        child._payload = _chop_eol(child._payload)  # type: ignore[attr-defined]
