"""Per-recipient tokens in one message: the recipient's address in any of the
encodings trackers use (raw, URL-encoded, base64, hex digests), found in a URL."""

from __future__ import annotations

import base64
import codecs
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress, count
from typing import Any, NamedTuple
from urllib.parse import quote, unquote

import ahocorasick_rs

from mailward.result import TokenMatch
from mailward.tokens.urls import _locate, url_components

__all__ = ["NO_RECIPIENTS", "RecipientForms", "find_recipient_token", "is_hex_digest", "looks_base64", "recipient_forms"]

_HASHES = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
_HASH_CONSTRUCTORS = tuple((name, getattr(hashlib, name)) for name in _HASHES)
_HEX_LENGTHS = frozenset({32, 40, 56, 64, 96, 128})
# digests that trackers cut short: a prefix of at least this many hex digits is matched
_CUT_HASHES = ("md5", "sha1", "sha256")
_CUT_MIN = 16
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_HEXDIGITS = frozenset("0123456789abcdefABCDEF")
# characters that may continue an e-mail address on either side
_ADDR_CHARS = _ALNUM | frozenset("._+-")
_B64_CHARS = _ALNUM | frozenset("+/-_")



# ---------------------------------------------------------------------------
# recipient forms: computed once per message
# ---------------------------------------------------------------------------


class _Form(NamedTuple):  # a tuple: made ~60 times per address, cheaper than a dataclass
    recipient: str
    encoding: str
    text: str  # the form as it would appear in the URL
    case_sensitive: bool
    boundary: frozenset[str]  # characters that may not touch the form on either side
    open_end: bool = False  # a digest prefix: more hex digits may follow (a longer cut)


@dataclass(frozen=True, slots=True)
class RecipientForms:
    """Every encoding of every recipient address, built once per message.

    The first URLs are searched form by form (``str.find``); once the forms have
    been used on more URLs than that is worth, one Aho-Corasick automaton over the
    lower-cased forms is built and each URL is scanned once, whatever the number of
    forms. Candidates are then checked for case (base64) and for boundaries.
    """

    recipients: tuple[str, ...]
    forms: tuple[_Form, ...]
    lowered: tuple[str, ...]
    _state: list[Any] = field(default_factory=lambda: [0, None], compare=False, repr=False)

    def __bool__(self) -> bool:
        return bool(self.forms)

    def matcher(self) -> ahocorasick_rs.AhoCorasick | None:
        """The automaton once it pays for itself (None before)."""
        state = self._state
        if state[1] is None:
            state[0] += 1
            if state[0] > _AUTOMATON_AFTER and self.lowered:
                state[1] = ahocorasick_rs.AhoCorasick(
                    list(self.lowered), implementation=ahocorasick_rs.Implementation.ContiguousNFA
                )
        return state[1]  # type: ignore[no-any-return]


# URLs searched with str.find before the automaton is built (building costs about as
# much as searching this many URLs form by form)
_AUTOMATON_AFTER = 16


NO_RECIPIENTS = RecipientForms(recipients=(), forms=(), lowered=())


def _b64_variants(data: bytes) -> list[tuple[str, str]]:
    std = base64.b64encode(data).decode("ascii")
    url = base64.urlsafe_b64encode(data).decode("ascii")
    out = [("base64", std), ("base64url", url)]
    if std.endswith("="):
        out.append(("base64-unpadded", std.rstrip("=")))
        out.append(("base64url-unpadded", url.rstrip("=")))
    return out


def _b64_inner(data: bytes) -> list[str]:
    """The base64 characters fixed by ``data`` at each of the three byte alignments.

    Whatever surrounds the address inside a base64 blob (JSON, "id|address", ...),
    one of these three strings appears in the blob: a plain substring search finds
    embedded addresses without decoding anything.
    """
    out = []
    n = len(data)
    for k in range(3):
        enc = base64.b64encode(b"\0" * k + data).decode("ascii")
        start = -(-8 * k // 6)
        end = (8 * (k + n)) // 6
        inner = enc[start:end]
        if len(inner) >= 8:
            out.append(inner)
    return out


_B32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B32_PAIRS = tuple(a + b for a in _B32_ALPHABET for b in _B32_ALPHABET)  # 10 bits -> 2 characters
_B32_PADDING = {0: 0, 1: 6, 2: 4, 3: 3, 4: 1}  # "=" ending the last group, by leftover bytes


def _b32encode(data: bytes) -> str:
    """``base64.b32encode(data).decode()``, about ten times faster: the standard library
    encodes in a Python loop over 5-byte groups, here one integer holds all the bits."""
    rest = len(data) % 5
    padded = data + b"\0" * ((5 - rest) % 5)
    if not padded:
        return ""
    value = int.from_bytes(padded, "big")
    pairs = _B32_PAIRS
    text = "".join([pairs[(value >> shift) & 1023] for shift in range(len(padded) * 8 - 10, -1, -10)])
    pad = _B32_PADDING[rest]
    return text[: len(text) - pad] + "=" * pad if pad else text


def _b32_variants(data: bytes) -> list[tuple[str, str]]:
    """base32 (RFC 4648), padded then unpadded; matched in any case (DNS labels are lower)."""
    padded = _b32encode(data)
    out = [("base32", padded)]
    if padded.endswith("="):
        out.append(("base32-unpadded", padded.rstrip("=")))
    return out


def _b32_inner(data: bytes) -> list[str]:
    """The base32 characters fixed by ``data`` at each of the five byte alignments
    (the base32 counterpart of ``_b64_inner``).

    Behind ``k`` leading bytes the first character wholly inside ``data`` starts
    ``5 * ceil(8k / 5) - 8k`` bits into it: 0, 2, 4, 1 and 3 bits for ``k`` = 0..4. So
    each alignment is the run of whole 5-bit groups of ``data``'s bits from that offset,
    read from one integer (two characters at a time) instead of encoding five padded
    copies."""
    bits = 8 * len(data)
    value = int.from_bytes(data, "big")
    pairs = _B32_PAIRS
    out = []
    for offset in (0, 2, 4, 1, 3):
        chars = (bits - offset) // 5  # characters wholly inside data
        if chars < 12:
            continue
        top = bits - offset
        last = top - 10 * (chars // 2)  # bits left after the pairs
        text = "".join([pairs[(value >> shift) & 1023] for shift in range(top - 10, last - 1, -10)])
        if chars % 2:
            text += _B32_ALPHABET[(value >> (last - 5)) & 31]
        out.append(text)
    return out


def _title_local(address: str) -> str:
    """``maria.keller@x`` -> ``Maria.Keller@x``: how a mail-merge often writes the
    address it took from the display name (base64 keeps the case, so it is a form of its own)."""
    local, _, domain = address.partition("@")
    pieces = re.split(r"([._-])", local)
    return "".join(p[:1].upper() + p[1:] for p in pieces) + "@" + domain


@lru_cache(maxsize=512)  # per address: a hunt or a milter sees the same readers with other co-recipients
def _forms_for(address: str) -> tuple[tuple[_Form, tuple[str, bool], str], ...]:
    """(form, de-duplication key, lower-cased text) of each form of ``address``."""
    out = []
    for form in _make_forms(address):
        lowered = form.text.lower()
        out.append((form, (form.text if form.case_sensitive else lowered, form.case_sensitive), lowered))
    return tuple(out)


# the characters ``quote(text, safe="")`` leaves as they are
_UNQUOTED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_PLAIN_ADDRESS = _UNQUOTED | {"@", "+"}


def _url_encoded(address: str) -> tuple[str, str, str]:
    """``address`` URL-encoded once, twice and three times (``quote(..., safe="")``).

    An address of letters, digits, ``_.-~``, ``@`` and ``+`` (nearly all) is encoded by
    replacing ``@`` and ``+``; after that only ``%`` needs encoding again (the hex digits
    it introduced are left as they are). Anything else goes through ``quote``."""
    if _PLAIN_ADDRESS.issuperset(address):
        once = address.replace("@", "%40").replace("+", "%2B")
        twice = once.replace("%", "%25")
        return once, twice, twice.replace("%", "%25")
    once = quote(address, safe="")
    twice = quote(once, safe="")
    return once, twice, quote(twice, safe="")


def _make_forms(address: str) -> list[_Form]:
    address = address.strip().strip("<>")
    if "@" not in address:
        return []
    lower = address.lower()
    out: list[_Form] = []
    new = tuple.__new__  # a form as a plain tuple: the named tuple's own __new__ is Python, ~1 us
    # raw, case-insensitive: the exact case is reported by the matcher
    out.append(new(_Form, (address, "raw", address, False, _ADDR_CHARS, False)))
    once, twice, thrice = _url_encoded(address)
    out.append(new(_Form, (address, "urlencoded", once, False, _ADDR_CHARS, False)))
    out.append(new(_Form, (address, "urlencoded-twice", twice, False, _ADDR_CHARS, False)))
    # a URL-encoded value inside a URL that is itself a parameter of another URL
    out.append(new(_Form, (address, "urlencoded-thrice", thrice, False, _ADDR_CHARS, False)))
    digests: dict[tuple[str, str], str] = {}
    variants = [(address, "")]
    if lower != address:
        variants.append((lower, "(lower)"))
    for text, suffix in variants:
        for name, value in _b64_variants(text.encode("utf-8")):
            out.append(new(_Form, (address, name + suffix, value, True, _ALNUM, False)))
            # "+", "/" or "=" URL-encoded (a nested URL's parameter); the same as
            # quote(value, safe="") for the base64 alphabets, much cheaper
            quoted = value.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
            if quoted != value:
                out.append(new(_Form, (address, name + suffix + "+urlencoded", quoted, False, _ALNUM, False)))
        raw = text.encode("utf-8")
        for inner in _b64_inner(raw):
            out.append(new(_Form, (address, "base64-embedded" + suffix, inner, True, frozenset(), False)))
            url_inner = inner.replace("+", "-").replace("/", "_")
            if url_inner != inner:
                out.append(new(_Form, (address, "base64url-embedded" + suffix, url_inner, True, frozenset(), False)))
        for algo, constructor in _HASH_CONSTRUCTORS:
            digest = constructor(raw).hexdigest()
            digests[(algo, suffix)] = digest
            out.append(new(_Form, (address, algo + suffix, digest, False, _HEXDIGITS, False)))
        for name, value in _b32_variants(raw):
            out.append(new(_Form, (address, name + suffix, value, False, _ALNUM, False)))
        for inner in _b32_inner(raw):
            out.append(new(_Form, (address, "base32-embedded" + suffix, inner, False, frozenset(), False)))
    # after every full-length form, so that a whole digest is reported as such
    for _text, suffix in variants:
        for algo in _CUT_HASHES:
            prefix = digests[(algo, suffix)][:_CUT_MIN]
            out.append(new(_Form, (address, f"{algo}-truncated{suffix}", prefix, False, _HEXDIGITS, True)))
    out.append(new(_Form, (address, "reversed", address[::-1], False, _ADDR_CHARS, False)))
    out.append(new(_Form, (address, "rot13", codecs.encode(address, "rot13"), False, _ADDR_CHARS, False)))
    title = _title_local(lower)
    if title not in (address, lower):
        for inner in _b64_inner(title.encode("utf-8")):
            out.append(new(_Form, (address, "base64-embedded(titlecase)", inner, True, frozenset(), False)))
            url_inner = inner.replace("+", "-").replace("/", "_")
            if url_inner != inner:
                out.append(new(_Form, (address, "base64url-embedded(titlecase)", url_inner, True, frozenset(), False)))
    return out


def recipient_forms(recipients: Iterable[str]) -> RecipientForms:
    """Precompute every encoding of ``recipients`` (do this once per message).

    Cached: a mailbox hunt sees the same recipient in every message.
    """
    seen: dict[str, None] = {}
    for rcpt in recipients:
        cleaned = rcpt.strip().strip("<>")
        if "@" in cleaned:
            seen.setdefault(cleaned, None)
    return _recipient_forms(tuple(seen))


@lru_cache(maxsize=1024)
def _recipient_forms(addresses: tuple[str, ...]) -> RecipientForms:
    seen = dict.fromkeys(addresses)
    forms: list[_Form] = []
    lowered: list[str] = []
    dedup: set[tuple[str, bool]] = set()
    for address in seen:
        for form, key, low in _forms_for(address):
            if key in dedup:
                continue
            dedup.add(key)
            forms.append(form)
            lowered.append(low)
    return RecipientForms(recipients=tuple(seen), forms=tuple(forms), lowered=tuple(lowered))



# ---------------------------------------------------------------------------
# single-message matching
# ---------------------------------------------------------------------------


# a file extension after an address in a path segment (``/o/<address>.gif``): not
# part of the address (none of these is a top-level domain)
_FILE_EXTS = frozenset("gif png jpg jpeg webp bmp ico svg php html htm aspx asp jsp js css txt pdf dot dotm dotx".split())


def _file_ext_at(text: str, end: int) -> bool:
    """``text[end:]`` is ``.EXT`` ending the component (end, "/", "?", "#", "&", ";")."""
    if text[end] != ".":
        return False
    stop = end + 1
    while stop < len(text) and text[stop].isalnum() and stop - end <= 5:
        stop += 1
    return text[end + 1 : stop].lower() in _FILE_EXTS and (stop == len(text) or text[stop] in "/?#&;")


def _bounded(text: str, start: int, end: int, boundary: frozenset[str], open_end: bool = False) -> bool:
    if start > 0 and text[start - 1] in boundary:
        # "%3D" before the token is an encoded separator, not part of the token
        if not (start >= 3 and text[start - 3] == "%" and text[start - 2] in _HEXDIGITS):
            return False
    if open_end or end >= len(text) or text[end] not in boundary:
        return True
    return boundary is _ADDR_CHARS and _file_ext_at(text, end)


def _cut_name(encoding: str, length: int) -> str:
    """``sha256-truncated(lower)`` cut at 20 digits -> ``sha256[:20](lower)``."""
    algo, _, rest = encoding.partition("-truncated")
    return f"{algo}[:{length}]{rest}"


def _hex_extent(text: str, end: int) -> int:
    while end < len(text) and text[end] in _HEXDIGITS:
        end += 1
    return end


def _b64_extent(url: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and url[start - 1] in _B64_CHARS:
        start -= 1
    while end < len(url) and (url[end] in _B64_CHARS or url[end] == "="):
        end += 1
    return start, end


def _raw_case(found: str, form: _Form) -> str:
    if form.encoding != "raw":
        return form.encoding
    if found == form.recipient:
        return "raw"
    if found == form.recipient.lower():
        return "raw(lower)"
    if found == form.recipient.upper():
        return "raw(upper)"
    return "raw(mixed-case)"


def _find_all(low: str, lowered: Sequence[str]) -> list[tuple[int, int, int]]:
    """(form index, start, end) of every occurrence of every form, form by form.

    The forms that occur at all are picked out first with iterators run in C (most
    URLs hold none of a message's forms): no Python step per absent form."""
    hits = []
    for index in compress(count(), map(low.__contains__, lowered)):
        text = lowered[index]
        pos = low.find(text)
        while pos >= 0:
            hits.append((index, pos, pos + len(text)))
            pos = low.find(text, pos + 1)
    return hits


def _split_address(url: str, low: str, recipients: Sequence[str]) -> TokenMatch | None:
    """The local part and the domain as two separate components (``/maria.keller/parl.example/``)."""
    components: list[tuple[str, str]] | None = None
    for rcpt in recipients:
        local, _, domain = rcpt.lower().partition("@")
        if len(local) < 3 or local not in low or domain not in low:
            continue
        if components is None:
            components = [(loc, unquote(v).lower()) for loc, v in url_components(url) if loc != "host"]
        where_local = [loc for loc, v in components if v == local]
        where_domain = [loc for loc, v in components if v == domain]
        if where_local and where_domain:
            return TokenMatch(
                recipient=rcpt,
                encoding="split",
                location=f"{where_local[0]}+{where_domain[0]}",
                value=f"{local} {domain}",
                confidence="high",
            )
    return None


_DNS_SAFE = ("base32", "md5", "sha1", "sha224", "sha256", "sha384", "sha512")


def _host_labels(url: str, low: str, forms: RecipientForms) -> TokenMatch | None:
    """A DNS-safe encoding (base32, hex digest) in the host's labels, also when it is
    cut into several labels (``mfrgg.zdfmy.t.example.net``)."""
    scheme_end = low.find("//", 0, 10)
    if scheme_end < 0:
        return None
    start = scheme_end + 2
    end = len(low)
    for sep in "/?#":
        found = low.find(sep, start, end)
        if found >= 0:
            end = found
    host = low[start:end].rpartition("@")[2].partition(":")[0]
    if host.count(".") < 2:
        return None
    labels = host.split(".")
    if len(labels) < 3 or max(len(label) for label in labels[:-2]) < 12:
        return None
    joined = "".join(labels[:-2])
    for index, start, end in _find_all(joined, forms.lowered):
        form = forms.forms[index]
        if not form.encoding.startswith(_DNS_SAFE):
            continue
        if form.open_end:
            end = _hex_extent(joined, end)
        return TokenMatch(
            recipient=form.recipient,
            encoding=_cut_name(form.encoding, end - start) if form.open_end else form.encoding,
            location="host",
            value=joined[start:end],
            confidence="high",
        )
    return None


def _match(url: str, forms: RecipientForms) -> TokenMatch | None:
    if not forms.forms:
        return None
    low = url.lower()
    automaton = forms.matcher()
    hits = automaton.find_matches_as_indexes(low, overlapping=True) if automaton else _find_all(low, forms.lowered)
    if not hits:
        return _split_address(url, low, forms.recipients) or _host_labels(url, low, forms)
    best: tuple[int, int, int] | None = None  # (form index, start, end): earliest form wins
    for index, start, end in hits:
        form = forms.forms[index]
        if form.case_sensitive and url[start:end] != form.text:
            continue
        if not _bounded(url, start, end, form.boundary, form.open_end):
            continue
        if best is None or index < best[0]:
            best = (index, start, end)
    if best is None:
        return _split_address(url, low, forms.recipients) or _host_labels(url, low, forms)
    index, pos, end = best
    form = forms.forms[index]
    encoding = form.encoding
    if "-embedded" in encoding:
        pos, end = _b64_extent(url, pos, end)
    elif form.open_end:
        end = _hex_extent(url, end)
        encoding = _cut_name(encoding, end - pos)
    found = url[pos:end]
    return TokenMatch(
        recipient=form.recipient,
        encoding=_raw_case(found, form) if encoding == "raw" else encoding,
        location=_locate(url, pos, end),
        value=found,
        confidence="high",
    )


def find_recipient_token(
    url: str, recipients: Sequence[str] | RecipientForms
) -> TokenMatch | None:
    """How ``url`` carries one of ``recipients``, or None.

    Pass a ``RecipientForms`` (``recipient_forms(addresses)``) when checking many URLs
    of one message: the hashes are then computed once.
    """
    forms = recipients if isinstance(recipients, RecipientForms) else recipient_forms(recipients)
    return _match(url, forms)



def is_hex_digest(value: str) -> bool:
    """A hex string of a common digest length (MD5 ... SHA-512)."""
    return len(value) in _HEX_LENGTHS and all(ch in _HEXDIGITS for ch in value)


def looks_base64(value: str) -> bool:
    return len(value) >= 8 and all(ch in _B64_CHARS or ch == "=" for ch in value)

