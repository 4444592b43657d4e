"""Rewrite the text leaves of a MIME message and keep every other byte as it was.

``email``'s generator re-folds headers and re-encodes parts it never needed to
touch. Here the message is cut at its boundaries instead: headers, preamble,
delimiter lines, attachments and epilogue are copied byte for byte; only the leaves
the caller rewrites are decoded and encoded again, in their own transfer encoding
and charset, so their headers (and the top-level headers the milter cannot replace
with a body change) stay valid.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser
from functools import lru_cache

import pybase64

from mailward.eml import ENCODED, eml_file

# compat32 on purpose: only the MIME parameters of part headers are read here, and
# the default policy's header registry costs ~1 ms per header (most of defusing's time)
_HEADER_PARSER = BytesHeaderParser(policy=policy.compat32)
MAX_DEPTH = 20
# A rewritten quoted-printable part at least this big (decoded) goes back in base64 when
# its Content-Transfer-Encoding field is in the part's own header block (not the
# message's, which a milter's body change cannot touch): the stdlib's quoted-printable
# encoder costs ~15 ns a byte (15 ms for a 1 MB newsletter), base64 ~4 ns. Every MIME
# reader decodes both; base64 is a third larger on the wire.
LARGE_PART = 128 * 1024


@dataclass(frozen=True)
class Leaf:
    """A text part offered to the rewriter."""

    path: str  # "1", "1.2", like the parser's part paths
    content_type: str  # "text/html" or "text/plain"
    charset: str
    text: str


# (leaf) -> new text, or None to leave the part as it is
Rewriter = Callable[[Leaf], str | None]


def split_head(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """(header block, the blank line that ends it, body). No blank line: all header."""
    if raw.startswith((b"\r\n", b"\n")):
        sep = b"\r\n" if raw.startswith(b"\r\n") else b"\n"
        return b"", sep, raw[len(sep) :]
    crlf = raw.find(b"\r\n\r\n")
    lf = raw.find(b"\n\n", 0, crlf if crlf >= 0 else len(raw))  # only one before the CRLF one counts
    if crlf < 0 and lf < 0:
        return raw, b"", b""
    if lf < 0 or (0 <= crlf < lf):
        return raw[: crlf + 2], b"\r\n", raw[crlf + 4 :]
    return raw[: lf + 1], b"\n", raw[lf + 2 :]


def drop_fields(head: bytes, names: tuple[str, ...]) -> tuple[bytes, int]:
    """``head`` (a header block, as ``split_head`` gives it) without the fields named in
    ``names`` (lower case), their continuation lines with them; and how many went.
    Every other byte stays as it was."""
    lowered = head.lower()
    if not any(name.encode() in lowered for name in names):
        return head, 0
    kept: list[bytes] = []
    dropped = 0
    dropping = False
    for line in head.splitlines(keepends=True):
        if line[:1] not in (b" ", b"\t"):  # a new field (a continuation line starts with a blank)
            name = line.split(b":", 1)[0].strip().lower() if b":" in line else b""
            dropping = name.decode("latin-1") in names
            dropped += dropping
        if not dropping:
            kept.append(line)
    return b"".join(kept), dropped


@dataclass(frozen=True)
class _PartInfo:
    ctype: str
    cte: str
    disposition: str
    boundary: str | None
    charset: str
    filename: str = ""


@lru_cache(maxsize=512)
def _part_info(head: bytes) -> _PartInfo | None:
    """What the part's headers say about its content; None when they cannot be read."""
    try:
        headers = _HEADER_PARSER.parsebytes(head + b"\r\n")
        ctype = headers.get_content_type()
        cte = str(headers.get("content-transfer-encoding", "") or "").strip().lower()
        disposition = headers.get_content_disposition() or ""
        boundary = headers.get_boundary() if headers.get_content_maintype() == "multipart" else None
        charset = headers.get_content_charset() or ""
        filename = str(headers.get_filename() or "")
    except Exception:  # malformed headers: leave the entity alone
        return None
    return _PartInfo(ctype, cte, disposition, boundary, charset, filename)


_EOL = re.compile(rb"\r\n|\r|\n")  # the line ends of bytes.splitlines


def _marker_lines(body: bytes, marker: bytes) -> Iterator[tuple[int, bytes]]:
    """(offset, line with its line end) of each line of ``body`` that starts with
    ``marker``, in order: the lines of ``body.splitlines(keepends=True)`` that start
    with it, found with ``bytes.find`` instead of a Python loop over every line."""
    starts = [0] if body.startswith(marker) else []
    for line_end in (b"\n", b"\r"):  # a line starts after LF, or after a CR not followed by LF
        needle = line_end + marker
        index = body.find(needle)
        while index != -1:
            starts.append(index + 1)
            index = body.find(needle, index + 1)
    for start in sorted(starts):
        match = _EOL.search(body, start)
        yield start, body[start : match.end() if match else len(body)]


def _split_multipart(body: bytes, boundary: bytes) -> tuple[bytes, list[tuple[bytes, bytes, bytes]], bytes] | None:
    """(preamble, [(delimiter line, part, line end before next delimiter)], rest) or None.

    ``rest`` starts at the closing delimiter (or is empty when it is missing).
    """
    marker = b"--" + boundary
    preamble_end = None
    delimiters: list[tuple[int, int, bool]] = []  # (start offset, end offset, closing)
    for offset, line in _marker_lines(body, marker):
        after = line[len(marker) :].rstrip(b"\r\n")
        closing = after.startswith(b"--")
        if not (after[2:] if closing else after).strip(b" \t"):
            delimiters.append((offset, offset + len(line), closing))
            if preamble_end is None:
                preamble_end = offset
            if closing:
                break
    if preamble_end is None:
        return None
    preamble = body[:preamble_end]
    parts: list[tuple[bytes, bytes, bytes]] = []
    for i, (start, end, closing) in enumerate(delimiters):
        if closing:
            return preamble, parts, body[start:]
        stop = delimiters[i + 1][0] if i + 1 < len(delimiters) else len(body)
        tail = b""
        if i + 1 < len(delimiters):  # the line end before a delimiter belongs to it
            if body.endswith(b"\r\n", end, stop):  # = body[end:stop].endswith, without the copy
                tail = b"\r\n"
            elif body.endswith(b"\n", end, stop):
                tail = b"\n"
        parts.append((body[start:end], body[end : stop - len(tail)], tail))
    return preamble, parts, b""


def _decode_transfer(payload: bytes, cte: str) -> bytes | None:
    if cte in ("", "7bit", "8bit", "binary"):
        return payload
    if cte == "base64":
        try:
            return base64.b64decode(b"".join(payload.split()) + b"==", validate=False)
        except (binascii.Error, ValueError):
            return None
    if cte == "quoted-printable":
        return quopri.decodestring(payload)
    return None


def _encoded_message(info: _PartInfo, body: bytes) -> bytes | None:
    """The message inside an entity that the scanner reads as one (``parse``): a
    message/rfc822 in base64 or quoted-printable, or a file named .eml that holds a
    message, whatever its declared type; None for any other entity."""
    if info.ctype == "message/rfc822" and info.cte in ENCODED:
        return _decode_transfer(body, info.cte)
    if not info.filename.lower().endswith(".eml"):
        return None  # not decoded at all: most attachments are not named .eml
    data = _decode_transfer(body, info.cte)
    return data if data is not None and eml_file(info.filename, data) else None


def base64_lines(data: bytes, eol: bytes = b"\n") -> bytes:
    """``base64.encodebytes(data)`` with ``eol`` for its line ends (76 columns, a line end
    after the last line, nothing for no data). pybase64's C encoder: ~0.6 ms for a
    megabyte against ~4 ms for ``binascii`` alone; base64 has no LF of its own, so the
    line ends are a plain replace (~2 ms a megabyte for CRLF)."""
    encoded = pybase64.encodebytes(data)
    return encoded if eol == b"\n" else encoded.replace(b"\n", eol)


def _encode_transfer(data: bytes, cte: str, eol: bytes) -> bytes:
    if cte == "base64":
        return base64_lines(data, eol)
    if cte == "quoted-printable":
        normalised = data.replace(b"\r\n", b"\n")
        return quopri.encodestring(normalised).replace(b"\n", eol)
    return data.replace(b"\r\n", b"\n").replace(b"\n", eol)


def _codec(charset: str) -> str:
    try:
        if not charset:
            return "ascii"
        info = codecs.lookup(charset)
        if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib: bytes-to-bytes
            return "utf-8"
        return info.name
    except (LookupError, ValueError):  # ValueError: NUL in the name
        return "utf-8"


@dataclass(frozen=True, slots=True)
class Entity:
    """One leaf entity met by ``walk_entities``: its bytes and what its headers say."""

    raw: bytes  # the whole entity, header block included
    head: bytes
    sep: bytes  # the blank line that ends the header block
    body: bytes
    info: _PartInfo
    path: str  # "1", "1.2", like the parser's part paths
    nested: bool = False  # inside a multipart or an attached message: its header block is body bytes


# (leaf entity) -> the entity's new bytes, or ``entity.raw`` itself to leave it alone
EntityRewriter = Callable[[Entity], bytes]


_Split = tuple[bytes, list[tuple[bytes, bytes, bytes]], bytes]  # see _split_multipart


@dataclass(frozen=True, slots=True)
class _Cut:
    """An entity cut as ``_walk`` reads it: header block, blank line, body, what the
    headers say (None: unreadable) and, for a multipart, its parts (None: no delimiter)."""

    head: bytes
    sep: bytes
    body: bytes
    info: _PartInfo | None
    split: _Split | None


class Splits:
    """The cuts of the entities walks have met, kept for later walks over the same bytes.

    Keyed by the bytes object itself (kept alive here, so its id stays its own): a walk
    returns an unchanged message as the same object, and a cut returns the same part
    objects, so the next walk over it finds every entity already cut (a megabyte is
    sliced and searched for its boundaries once per defuse instead of once per walk).
    """

    def __init__(self) -> None:
        self._known: dict[int, tuple[bytes, _Cut]] = {}

    def cut(self, raw: bytes) -> _Cut:
        known = self._known.get(id(raw))
        if known is not None and known[0] is raw:
            return known[1]
        head, sep, body = split_head(raw)
        info = _part_info(head) if sep else None
        split = None
        if info is not None and info.boundary:
            split = _split_multipart(body, info.boundary.encode("utf-8", "surrogateescape"))
        cut = _Cut(head, sep, body, info, split)
        self._known[id(raw)] = (raw, cut)
        return cut


def walk_entities(raw: bytes, on_leaf: EntityRewriter, *, enter_messages: bool, splits: Splits | None = None) -> bytes:
    """``raw`` with each leaf entity replaced by what ``on_leaf`` returns.

    The one MIME walker of the gateway: multiparts are split at their boundaries and
    rejoined byte for byte around the children that changed; with ``enter_messages``
    an attached message (message/rfc822 in an identity transfer encoding) is walked as
    a nested entity, else it is a leaf. Unchanged input comes back as the same object.
    Walks that share ``splits`` cut each bytes object once.
    """
    return _walk(raw, "", 0, on_leaf, enter_messages, splits or Splits())


def _walk(raw: bytes, path: str, depth: int, on_leaf: EntityRewriter, enter_messages: bool, splits: Splits) -> bytes:
    if depth > MAX_DEPTH:
        return raw
    cut = splits.cut(raw)
    head, sep, body, info = cut.head, cut.sep, cut.body, cut.info
    if not sep or info is None:
        return raw
    if info.boundary:
        if cut.split is None:
            return raw
        preamble, parts, rest = cut.split
        out = [preamble]
        changed = False
        for index, (delimiter, content, tail) in enumerate(parts, start=1):
            child = _walk(content, f"{path}.{index}" if path else str(index), depth + 1, on_leaf, enter_messages,
                          splits)
            changed = changed or child is not content
            out += [delimiter, child, tail]
        if not changed:
            return raw
        out.append(rest)
        return b"".join([head, sep, *out])  # one copy of the megabyte, not two
    if enter_messages and info.ctype == "message/rfc822" and info.cte in ("", "7bit", "8bit", "binary"):
        child = _walk(body, f"{path}.1" if path else "1", depth + 1, on_leaf, enter_messages, splits)
        return raw if child is body else head + sep + child
    inner = _encoded_message(info, body) if enter_messages else None
    if inner is not None:
        child = _walk(inner, f"{path}.1" if path else "1", depth + 1, on_leaf, enter_messages, splits)
        if child is inner:
            return raw
        return head + sep + _encode_transfer(child, info.cte, b"\r\n" if sep.startswith(b"\r\n") else b"\n")
    return on_leaf(Entity(raw, head, sep, body, info, path or "1", nested=bool(path)))


# part path -> (the part's body as found, its decoded text, codec, decoder): a second
# walk over the same message reuses the first one's decoding (a 1 MB quoted-printable
# HTML part costs ~3 ms to decode again)
DecodeCache = dict[str, tuple[bytes, str, str, str]]


# (base64 body as written, the bytes it holds) of each part a walk wrote in base64: a
# reader of the new message that meets exactly these body bytes knows their decoding
# (``b"".join(body.splitlines())`` is well-formed base64 of ``data``) without decoding
# a megabyte again
Written = list[tuple[bytes, bytes]]


class _TextRewrite:
    """The text/plain and text/html leaves, decoded for the rewriter and encoded back."""

    def __init__(self, rewrite: Rewriter, cache: DecodeCache | None = None, written: Written | None = None) -> None:
        self.rewrite = rewrite
        self.cache = cache
        self.written = written

    def __call__(self, entity: Entity) -> bytes:
        info = entity.info
        if info.ctype not in ("text/html", "text/plain") or info.disposition == "attachment":
            return entity.raw
        as_base64 = _base64_head(entity.head) if entity.nested and info.cte == "quoted-printable" else None
        new_body, switched = self.leaf(entity.body, info.ctype, info.cte, info.charset, entity.path,
                                       as_base64 is not None)
        if new_body is entity.body:
            return entity.raw
        return (as_base64 if switched and as_base64 is not None else entity.head) + entity.sep + new_body

    def leaf(self, body: bytes, ctype: str, cte: str, charset: str, path: str,
             may_switch: bool = False) -> tuple[bytes, bool]:
        """(the new body, whether it is in base64 instead of ``cte``); ``body`` itself when unchanged."""
        html = ctype == "text/html"
        key = f"{path}\0{ctype}\0{cte}\0{charset}"
        known = self.cache.get(key) if self.cache is not None else None
        if known is not None and known[0] == body:
            _body, text, codec, decoder = known
        else:
            found = _decode_text(body, html, cte, charset)
            if found is None:
                return body, False
            text, codec, decoder = found
            if self.cache is not None:
                self.cache[key] = (body, text, codec, decoder)
        new_text = self.rewrite(Leaf(path=path, content_type=ctype, charset=codec, text=text))
        if new_text is None:
            return body, False
        if html:
            target = "ascii" if cte in ("", "7bit") or codec == "ascii" else codec
            data = new_text.encode(target, "xmlcharrefreplace")  # a 7bit part stays 7bit
        else:
            data = _encode_text(new_text, codec, decoder)
        eol = b"\r\n" if b"\r\n" in body or not body else b"\n"
        switch = may_switch and len(data) >= LARGE_PART
        encoded = _encode_transfer(data, "base64" if switch else cte, eol)
        if body.endswith((b"\n",)) and not encoded.endswith(b"\n"):
            encoded += eol
        if self.written is not None and (switch or cte == "base64"):
            self.written.append((encoded, data))
        return encoded, switch


_CTE_FIELD = re.compile(rb"content-transfer-encoding[ \t]*:", re.IGNORECASE)
_CTE_QP = re.compile(rb"content-transfer-encoding:[ \t]*quoted-printable[ \t]*(\r\n|\r|\n)?", re.IGNORECASE)


def _base64_head(head: bytes) -> bytes | None:
    """The part's header block with its Content-Transfer-Encoding saying base64, or None
    unless the block has exactly one such field, unfolded and plainly quoted-printable
    (two fields, or a folded one, could be read differently by different clients)."""
    lines = head.splitlines(keepends=True)
    found = [i for i, line in enumerate(lines) if _CTE_FIELD.match(line.lstrip())]
    if len(found) != 1:
        return None
    index = found[0]
    match = _CTE_QP.fullmatch(lines[index])
    if match is None or (index + 1 < len(lines) and lines[index + 1][:1] in (b" ", b"\t")):
        return None
    lines[index] = b"Content-Transfer-Encoding: base64" + (match.group(1) or b"")
    return b"".join(lines)


def _decode_text(body: bytes, html: bool, cte: str, charset: str) -> tuple[str, str, str] | None:
    """(text, codec, decoder) of a text part's body; None when its transfer encoding is unknown."""
    decoded = _decode_transfer(body, cte)
    if decoded is None:
        return None
    codec = _codec(charset)
    decoder = codec if codec != "ascii" else "utf-8"  # undeclared 8-bit text is most often UTF-8
    # text keeps undecodable bytes as they were (surrogateescape); the HTML parser
    # cannot carry them, so HTML gets U+FFFD for bytes that are not in its charset
    try:
        text = decoded.decode(decoder, "replace" if html else "surrogateescape")
    except UnicodeError:  # utf-16 on odd bytes, idna (no error handlers): read the bytes as latin-1,
        codec = decoder = "latin-1"  # which round-trips them, so the part is still defused
        text = decoded.decode(codec)
    return text, codec, decoder


def _encode_text(text: str, codec: str, decoder: str) -> bytes:
    """Back to bytes in the part's charset; undecodable input bytes come back as they were."""
    for name in (codec, decoder):
        try:
            return text.encode(name, "surrogateescape")
        except (UnicodeError, LookupError):
            continue
    return text.encode("utf-8", "replace")


def rewrite_text_parts(raw: bytes, rewrite: Rewriter, cache: DecodeCache | None = None,
                       written: Written | None = None, splits: Splits | None = None) -> bytes:
    """``raw`` with each text/plain and text/html leaf passed through ``rewrite``.

    Everything the rewriter leaves alone is returned byte for byte; the header block
    of the message is never changed. Walks that share a ``cache`` decode a part whose
    bytes they have already seen only once; ``written`` collects the parts written in
    base64 (see ``Written``); walks that share ``splits`` cut the message once.
    """
    return walk_entities(raw, _TextRewrite(rewrite, cache, written), enter_messages=True, splits=splits)
