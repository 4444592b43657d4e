"""Header decoding: addresses, Received hops, Authentication-Results, dates.

Everything is decoded on purpose and only for the headers mailward reads, which is
why the MIME structure is parsed with the fast ``compat32`` policy (see
docs/architecture.md). Nothing here raises on malformed input; problems become
``Defect`` entries.
"""

from __future__ import annotations

import binascii
import datetime as dt
import email.errors
import email.utils
import re
from collections.abc import Sequence
from email import quoprimime
from email.header import decode_header, make_header
from functools import lru_cache
from itertools import groupby
from typing import Any

from . import domains
from .defects import DefectKind
from .model import Address, AuthResult, Defect, Hop

_ENCODED_WORD = "=?"
_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")
_IPV6_BRACKET = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]{2,45})\]")
_FROM_CLAUSE = re.compile(r"^\s*from\s+(\S{1,255})", re.IGNORECASE)
_BY_CLAUSE = re.compile(r"\bby\s+(\S{1,255})", re.IGNORECASE)


def no_surrogates(text: str) -> str:
    """``text`` without lone surrogates (U+FFFD instead).

    Decoders such as utf-7 and unicode-escape turn "+3Ok-" or "\\udce9" into lone
    surrogates, which no UTF-8 consumer (re2, JSON, the store) accepts: a message must
    not be able to make its own analysis fail that way.
    """
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


# A value made only of encoded words between runs of blanks and line ends (the large
# X-Microsoft-Antispam-* headers: ~60 words, ~0.35 ms each through the standard
# library's line-by-line loop). A word's text is printable ASCII without "?".
# Possessive runs of classes that exclude their terminators.
_WORDS_ONLY = re.compile(r"[ \t\r\n]*+(?:=\?[^?\s]*+\?[bBqQ]\?[!->@-~]*+\?=[ \t\r\n]*+)++")
_WORD = re.compile(r"=\?([^?\s]*+)\?([bBqQ])\?([!->@-~]*+)\?=")
# base64 text of whole 4-character groups, padding only in the last
_B_BODY = re.compile(r"(?:[A-Za-z0-9+/]{4})*+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
def _decoded_words(raw: str) -> list[tuple[Any, Any | None]]:
    """``email.header.decode_header(raw)``, with one fast case: words of one charset
    between blanks and line ends, whose texts decode joined as they do apart (base64
    in whole groups, quoted-printable with no "=" in a word's last two characters).
    The standard library joins such words' bytes into one chunk and keeps the blanks
    after the last word on its line: so does this. Anything else is its."""
    if not _WORDS_ONLY.fullmatch(raw):
        return decode_header(raw)
    words = _WORD.findall(raw)
    charsets = {charset.lower() for charset, _, _ in words}
    if len(charsets) != 1:
        return decode_header(raw)
    chunks: list[bytes] = []
    for base64, run in groupby(words, key=lambda word: word[1] in "bB"):
        texts = [text for _, _, text in run]
        joined = "".join(texts)
        if base64:
            if not _B_BODY.fullmatch(joined) or any(len(text) % 4 for text in texts[:-1]):
                return decode_header(raw)
            chunks.append(binascii.a2b_base64(joined.encode("ascii")))
        elif any("=" in text[-2:] for text in texts):
            return decode_header(raw)
        else:
            chunks.append(bytes(quoprimime.header_decode(joined), "raw-unicode-escape"))
    collapsed: list[tuple[Any, Any | None]] = [(b"".join(chunks), charsets.pop())]
    trailing = raw[raw.rfind("?=") + 2:].split("\r", 1)[0].split("\n", 1)[0]
    if trailing:
        collapsed.append((trailing.encode("ascii"), None))
    return collapsed


def decode_value(raw: str) -> str:
    """Decode RFC 2047 encoded words and unfold. Never raises."""
    if _ENCODED_WORD in raw:
        try:
            value = no_surrogates(str(make_header(_decoded_words(raw))))
        except (ValueError, LookupError, UnicodeError, AssertionError, TypeError, email.errors.MessageError):
            value = raw
    else:
        value = raw
    if "\n" in value or "\r" in value:
        # unfolded: every whitespace run one space (``\s+`` and ``str.split`` test the
        # same characters; a fifth of the substitution's time)
        return " ".join(value.split())
    return value.strip()


def header_text(value: object) -> str:
    """compat32 gives str (surrogate-escaped for 8-bit bytes) or Header objects."""
    if isinstance(value, str):
        if value.isascii():
            return value
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            # raw 8-bit header bytes (surrogate-escaped): most are UTF-8, else
            # Latin-1 keeps every byte
            try:
                data = value.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:  # a surrogate that is no escaped byte
                return no_surrogates(value)
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                return data.decode("latin-1")
        return value
    return str(value)


def domain_forms(domain: str) -> tuple[str, str]:
    """(unicode, ascii) forms of a domain (see ``mailward.domains``)."""
    domain = domain.strip().strip(".").lower()
    return domains.to_unicode(domain), domains.to_ascii(domain)


# A mailbox repeats the same address headers (To: its owner, From: its correspondents)
# message after message: their parse is kept per process. Only short values are kept,
# so that the cache stays small whatever the messages hold (at most 8,192 entries
# per cache, keys of at most 512 characters: tens of MB in the worst case, a few MB
# in practice).
_CACHED_CHARS = 512


def make_address(display_name: str, addr: str) -> Address:
    if len(display_name) + len(addr) <= _CACHED_CHARS:
        return _cached_address(display_name, addr)
    return _make_address(display_name, addr)


@lru_cache(maxsize=8192)
def _cached_address(display_name: str, addr: str) -> Address:
    return _make_address(display_name, addr)  # Address is frozen: safe to share


def _make_address(display_name: str, addr: str) -> Address:
    written = addr
    addr = addr.strip().strip("<>").strip()
    local, at, domain = addr.rpartition("@")
    if not at:
        local, domain = addr, ""
    uni, asc = domain_forms(domain)
    registrable = domains.registrable(uni) if uni else ""
    full = f"{local}@{uni}" if uni else local
    return Address(
        display_name=decode_value(display_name).strip().strip('"').strip(),
        addr=full,
        local=local,
        domain=uni,
        domain_ascii=asc,
        registrable=registrable,
        written=written,
    )


# Header fields that ask the reader's mail client to send a receipt once the message is
# displayed: RFC 8098's Disposition-Notification-To, and two older, non-standard ones
# some clients still honour (Return-Receipt-To, X-Confirm-Reading-To). A receipt tells
# the sender when the message was read and, in its Reporting-UA field, by which client,
# and it is sent by the reader's own mail system, so image blocking does not stop it.
READ_RECEIPT_FIELDS = ("disposition-notification-to", "return-receipt-to", "x-confirm-reading-to")


def receipt_addresses(headers: Sequence[tuple[str, str]], limit: int = 40) -> tuple[Address, ...]:
    """The mailboxes ``headers`` (name, decoded value) ask a read receipt for
    (``READ_RECEIPT_FIELDS``), in header order, each once, at most ``limit``; only
    addresses with an "@" (a receipt goes nowhere else)."""
    values = [value for key, value in headers if key.lower() in READ_RECEIPT_FIELDS]
    if not values:
        return ()
    found: dict[str, Address] = {}
    for address in parse_addresses(values[:limit], "Disposition-Notification-To", []):
        if "@" in address.addr:
            found.setdefault(address.addr.lower(), address)
    return tuple(found.values())[:limit]


def parse_addresses(values: list[str], header: str, defects: list[Defect]) -> tuple[Address, ...]:
    values = [v for v in values if v.strip()]
    if not values:
        return ()
    out: list[Address] = []
    try:
        pairs = _getaddresses(tuple(values))
    except (ValueError, TypeError, IndexError):
        defects.append(Defect(DefectKind.ADDRESS_UNPARSABLE, f"{header}: {values[0][:200]}"))
        return ()
    pairs = _comma_in_name(values, pairs)
    for name, addr in pairs:
        if not addr and not name:
            continue
        if addr and "@" not in addr and header in ("From", "Sender", "Reply-To"):
            defects.append(Defect(DefectKind.ADDRESS_NO_DOMAIN, f"{header}: {addr[:200]}"))
        out.append(make_address(name, addr))
    if not out and "@" in values[0]:
        defects.append(Defect(DefectKind.ADDRESS_UNPARSABLE, f"{header}: {values[0][:200]}"))
    return tuple(out)


def _comma_in_name(values: list[str], pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """``Doe, John <john@example.org>``: an unquoted comma in a person's display name
    makes getaddresses read ``Doe`` as an address of its own. When the header is one
    value with one angle-bracket address and the text before ``<`` is a name written
    surname first (one to three capitalised words on each side of one comma, nothing
    quoted, the two sides different), it is one mailbox with that display name.

    Spam kits write ``Team ,_<a@b>``, ``HUUSK-MESSER, jehd <a@b>`` or ``Router, Router
    <a@b>`` on purpose so that filters find no domain in the first mailbox; those stay
    as they are (MIME_FROM_ADDRESS_HIDDEN)."""
    if len(values) != 1 or len(pairs) != 2:
        return pairs
    value = values[0].strip()
    if value.count("@") != 1 or value.count("<") != 1 or not value.endswith(">") or "@" not in pairs[1][1]:
        return pairs
    before, comma, after = value.split("<", 1)[0].partition(",")
    if not comma or before.strip().casefold() == after.strip().casefold():
        return pairs
    if not (_person_words(before) and _person_words(after)):
        return pairs
    return ((f"{before.strip()}, {after.strip()}", pairs[1][1]),)


def _person_words(text: str) -> bool:
    """One to three words that each start with a capital and hold only letters, hyphens,
    dots or apostrophes, none shouted (all capitals beyond an initial or two)."""
    words = text.split()
    return 0 < len(words) <= 3 and all(
        word[:1].isupper() and all(ch.isalpha() or ch in "-.'" for ch in word)
        and not (word.isupper() and len(word.strip(".")) > 2)
        for word in words)


def _getaddresses(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    if sum(len(v) for v in values) <= _CACHED_CHARS:
        return _cached_getaddresses(values)
    return _read_addresses(values)


def _read_addresses(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return _plain_addresses(values) or tuple(email.utils.getaddresses(list(values)))


# The plain case read without the standard library's character-by-character parser
# (~30 us a mailbox; a copy to 1,000 visible addresses spent 30 ms there): mailboxes
# ``local@domain`` or ``Name <local@domain>`` with a name of ASCII letters, digits,
# hyphens and blanks, separated by commas. Anything else (quotes, comments, groups,
# routes, escapes, empty entries, other characters) goes to ``getaddresses``, whose
# result this equals where it applies (tests/core/test_plain_addresses.py).
_PLAIN_ADDR = re.compile(r"[A-Za-z0-9_%+-]++(?:\.[A-Za-z0-9_%+-]++)*+@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)*+")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9 \t\r\n-]*+")
_NOT_PLAIN = frozenset('"()\\:;[]')


def _plain_addresses(values: tuple[str, ...]) -> tuple[tuple[str, str], ...] | None:
    """``getaddresses(values)`` when every entry is plain (see above), else None."""
    joined = ", ".join(values)
    if not _NOT_PLAIN.isdisjoint(joined):
        return None
    out = []
    for entry in joined.split(","):
        name, bracket, rest = entry.partition("<")
        if bracket:
            addr, close, after = rest.partition(">")
            if not close or after.strip() or not _PLAIN_NAME.fullmatch(name) or not _PLAIN_ADDR.fullmatch(addr):
                return None
            out.append((" ".join(name.split()), addr))
        else:
            addr = entry.strip()
            if not _PLAIN_ADDR.fullmatch(addr):
                return None
            out.append(("", addr))
    return tuple(out)


# an exception is not cached: the next call raises it again, as before
_cached_getaddresses = lru_cache(maxsize=8192)(_read_addresses)


# The common RFC 5322 date ("Wed, 2 Dec 2026 10:00:00 +0000", maybe a short zone
# comment after): read at once. Anything else goes to the standard library's parser
# (~20 us a date in pure Python). Fixed text and bounded classes only.
_PLAIN_DATE = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?([0-9]{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})(?: \([A-Za-z0-9 +:-]{0,40}\))?"
)
_MONTHS = {name: number for number, name in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


def date_of(value: str) -> dt.datetime:
    """``email.utils.parsedate_to_datetime(value)``: the same value, or the same error.

    For the common form, what the standard library computes: a naive datetime for
    "-0000" (zone unknown), else one with the offset's fixed zone."""
    found = _PLAIN_DATE.fullmatch(value.strip(" \t"))
    if found is None:
        return email.utils.parsedate_to_datetime(value)
    day, month, year, hour, minute, second, sign, zone_hours, zone_minutes = found.groups()
    fields = (int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second))
    offset = int(zone_hours) * 3600 + int(zone_minutes) * 60
    if sign == "-":
        if not offset:
            return dt.datetime(*fields)  # "-0000": no zone, as the standard library reads it
        offset = -offset
    return dt.datetime(*fields, tzinfo=_zone(offset))


@lru_cache(maxsize=256)
def _zone(offset: int) -> dt.timezone:
    """The fixed zone of an offset in seconds (equal to a new one; zones repeat)."""
    return dt.timezone(dt.timedelta(seconds=offset))


def parse_date(value: str | None, defects: list[Defect]) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = date_of(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append(Defect(DefectKind.DATE_INVALID, value[:200]))
        return None
    if parsed is None:
        defects.append(Defect(DefectKind.DATE_INVALID, value[:200]))
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


@lru_cache(maxsize=4096)
def _is_ip(candidate: str) -> bool:
    """Whether a Received address candidate (at most 45 characters: the patterns bound
    it) is an IP address; relays repeat the same few, so the answer is kept."""
    return domains.ip_address(candidate) is not None


def squeeze(text: str) -> str:
    """``re.sub(r"\\s+", " ", text)``: every whitespace run one space, the ends kept.

    ``str.split()`` splits where ``re``'s ``\\s`` matches (both test
    ``str.isspace``), in a fifth of the substitution's time (which tries the pattern
    at every character)."""
    words = text.split()
    if not words:
        return " " if text else ""
    joined = " ".join(words)
    if text[0].isspace():
        joined = " " + joined
    if text[-1].isspace():
        joined += " "
    return joined


def parse_received(raw: str) -> Hop:
    value = squeeze(raw)
    head, _, date_part = value.rpartition(";")
    if not head:
        head, date_part = value, ""
    from_host = by_host = from_ip = ""
    match = _FROM_CLAUSE.match(head)
    if match:
        from_host = match.group(1).strip("()[]").lower()
    match = _BY_CLAUSE.search(head)
    if match:
        by_host = match.group(1).strip("()[]").lower()
    from_part = head.split(" by ", 1)[0]
    for candidate in _IPV4.findall(from_part):
        if _is_ip(candidate):
            from_ip = candidate
            break
    if not from_ip:
        for candidate in _IPV6_BRACKET.findall(from_part):
            if ":" in candidate and _is_ip(candidate):
                from_ip = candidate.lower()
                break
    timestamp = None
    if date_part.strip():
        try:
            timestamp = date_of(date_part.strip())
        except (TypeError, ValueError, IndexError, OverflowError):
            timestamp = None
        if timestamp is not None and timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=dt.UTC)
    return Hop(from_host=from_host, from_ip=from_ip, by_host=by_host, timestamp=timestamp, raw=value[:2000])


# -- Authentication-Results (RFC 8601) -------------------------------------------


def _strip_comments(value: str) -> str:
    """Remove (nested) comments outside quoted strings."""
    if "(" not in value:
        return value  # nothing to remove: every character is kept
    if '"' not in value and "\\" not in value:
        return _strip_plain_comments(value)
    return _strip_quoted_comments(value)


def _strip_quoted_comments(value: str) -> str:
    """``_strip_comments`` a character at a time (quotes and escapes tracked)."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for ch in value:
        if escaped:
            if depth == 0:
                out.append(ch)
            escaped = False
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if ch == '"' and depth == 0:
            quoted = not quoted
            out.append(ch)
        elif ch == "(" and not quoted:
            depth += 1
        elif ch == ")" and not quoted and depth:
            depth -= 1
            if depth == 0:
                out.append(" ")
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _strip_plain_comments(value: str) -> str:
    """``_strip_comments`` of a value without quotes or backslashes, a comment at a
    time instead of a character at a time (an unclosed comment drops the rest)."""
    out: list[str] = []
    depth = 0
    pos = 0
    while True:
        if depth == 0:
            opening = value.find("(", pos)
            if opening == -1:
                out.append(value[pos:])
                break
            out.append(value[pos:opening])
            depth, pos = 1, opening + 1
            continue
        closing = value.find(")", pos)
        if closing == -1:
            break
        opening = value.find("(", pos, closing)
        if opening != -1:
            depth, pos = depth + 1, opening + 1
            continue
        depth, pos = depth - 1, closing + 1
        if depth == 0:
            out.append(" ")
    return "".join(out)


def _split_outside_quotes(value: str, sep: str) -> list[str]:
    if '"' not in value:
        return value.split(sep)
    return _split_quoted(value, sep)


def _split_quoted(value: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _tokens(value: str) -> list[str]:
    """Split on whitespace outside quotes, dropping the quotes."""
    if '"' not in value:
        return value.split()  # str.split() splits where str.isspace() holds, as _quoted_tokens does
    return _quoted_tokens(value)


def _quoted_tokens(value: str) -> list[str]:
    tokens: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
            continue
        if ch.isspace() and not quoted:
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        tokens.append("".join(current))
    return tokens


def parse_auth_results(value: str, header: str, index: int) -> tuple[AuthResult, ...]:
    """Parse one Authentication-Results value into its method results."""
    text = _strip_comments(squeeze(value))
    if header.lower().startswith("arc-"):
        # ARC-Authentication-Results: i=N; authserv-id; ...
        pieces = _split_outside_quotes(text, ";")
        if pieces and pieces[0].strip().lower().startswith("i="):
            text = ";".join(pieces[1:])
    pieces = _split_outside_quotes(text, ";")
    if not pieces:
        return ()
    head = pieces[0].split()
    authserv_id = head[0].lower() if head else ""
    results: list[AuthResult] = []
    for piece in pieces[1:]:
        tokens = _tokens(piece)
        if not tokens:
            continue
        method_token = tokens[0]
        method, eq, result = method_token.partition("=")
        if not eq:
            if method.lower() == "none":
                continue
            continue
        props: dict[str, str] = {}
        for token in tokens[1:]:
            key, eq2, val = token.partition("=")
            if eq2 and key:
                props.setdefault(key.lower(), val)
        results.append(
            AuthResult(
                authserv_id=authserv_id,
                method=method.split("/")[0].lower(),
                result=result.lower(),
                properties=props,
                header=header,
                index=index,
            )
        )
    return tuple(results)
