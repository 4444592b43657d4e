"""Per-recipient tokens: does a URL carry the reader's identity?

Three analyses, weakest assumptions last:

* ``find_recipient_token(url, recipients)`` decodes: the address raw (as written,
  lower or upper case), URL-encoded once or twice, base64 / base64url with and
  without padding (also base64 blobs that contain the address, such as encoded
  JSON), and hex MD5 / SHA-1 / SHA-224 / SHA-256 / SHA-384 / SHA-512 of the address
  and of its lower-cased form. Confidence "high": the token *is* the address.
* ``opaque_token(url)`` flags a high-entropy identifier (a path segment or query
  value) that looks unique per message. Confidence "low": campaign ids look the same.
* ``template_tokens(batch)`` compares messages built from one template: beacon URLs
  that are identical except for one component name that component as per-recipient
  even when its value is opaque. Confidence "medium".

Everything is pure and local: nothing here fetches anything.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote

import ahocorasick_rs

from mailward.result import TokenMatch

__all__ = [
    "NO_RECIPIENTS",
    "RecipientForms",
    "TemplateToken",
    "find_recipient_token",
    "opaque_token",
    "recipient_forms",
    "template_tokens",
    "url_components",
]

_HASHES = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
_HASH_CONSTRUCTORS = tuple((name, getattr(hashlib, name)) for name in _HASHES)
_HEX_LENGTHS = frozenset({32, 40, 56, 64, 96, 128})
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_HEXDIGITS = frozenset("0123456789abcdefABCDEF")
# characters that may continue an e-mail address on either side
_ADDR_CHARS = _ALNUM | frozenset("._+-")
_B64_CHARS = _ALNUM | frozenset("+/-_")



# ---------------------------------------------------------------------------
# recipient forms: computed once per message
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Form:
    recipient: str
    encoding: str
    text: str  # the form as it would appear in the URL
    case_sensitive: bool
    boundary: frozenset[str]  # characters that may not touch the form on either side


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


def _forms_for(address: str) -> list[_Form]:
    address = address.strip().strip("<>")
    if "@" not in address:
        return []
    lower = address.lower()
    out: list[_Form] = []
    # raw, case-insensitive: the exact case is reported by the matcher
    out.append(_Form(address, "raw", address, False, _ADDR_CHARS))
    once = quote(address, safe="")
    out.append(_Form(address, "urlencoded", once, False, _ADDR_CHARS))
    twice = quote(once, safe="")
    out.append(_Form(address, "urlencoded-twice", twice, False, _ADDR_CHARS))
    # a URL-encoded value inside a URL that is itself a parameter of another URL
    out.append(_Form(address, "urlencoded-thrice", quote(twice, safe=""), False, _ADDR_CHARS))
    variants = [(address, "")]
    if lower != address:
        variants.append((lower, "(lower)"))
    for text, suffix in variants:
        for name, value in _b64_variants(text.encode("utf-8")):
            out.append(_Form(address, name + suffix, value, True, _ALNUM))
            # "+", "/" or "=" URL-encoded (a nested URL's parameter); the same as
            # quote(value, safe="") for the base64 alphabets, much cheaper
            quoted = value.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
            if quoted != value:
                out.append(_Form(address, name + suffix + "+urlencoded", quoted, False, _ALNUM))
        raw = text.encode("utf-8")
        for inner in _b64_inner(raw):
            out.append(_Form(address, "base64-embedded" + suffix, inner, True, frozenset()))
            url_inner = inner.replace("+", "-").replace("/", "_")
            if url_inner != inner:
                out.append(_Form(address, "base64url-embedded" + suffix, url_inner, True, frozenset()))
        for algo, constructor in _HASH_CONSTRUCTORS:
            out.append(_Form(address, algo + suffix, constructor(raw).hexdigest(), False, _HEXDIGITS))
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
    dedup: set[tuple[str, bool]] = set()
    for address in seen:
        for form in _forms_for(address):
            key = (form.text if form.case_sensitive else form.text.lower(), form.case_sensitive)
            if key in dedup:
                continue
            dedup.add(key)
            forms.append(form)
    return RecipientForms(
        recipients=tuple(seen), forms=tuple(forms), lowered=tuple(f.text.lower() for f in forms)
    )


# ---------------------------------------------------------------------------
# URL components and locations
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Span:
    location: str
    start: int
    end: int


def _split(url: str) -> tuple[int, int, int, int, int]:
    """Offsets of (host start, host end, path end, query end, len) in ``url``."""
    n = len(url)
    scheme_end = url.find("//")
    host_start = scheme_end + 2 if 0 <= scheme_end <= 8 else 0
    i = host_start
    while i < n and url[i] not in "/?#":
        i += 1
    host_end = i
    while i < n and url[i] not in "?#":
        i += 1
    path_end = i
    while i < n and url[i] != "#":
        i += 1
    return host_start, host_end, path_end, i, n


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


# ---------------------------------------------------------------------------
# single-message matching
# ---------------------------------------------------------------------------


def _bounded(text: str, start: int, end: int, boundary: frozenset[str]) -> bool:
    if start > 0 and text[start - 1] in boundary:
        # "%3D" before the token is an encoded separator, not part of the token
        if not (start >= 3 and text[start - 3] == "%" and text[start - 2] in _HEXDIGITS):
            return False
    return not (end < len(text) and text[end] in boundary)


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
    hits = []
    for index, text in enumerate(lowered):
        pos = low.find(text)
        while pos >= 0:
            hits.append((index, pos, pos + len(text)))
            pos = low.find(text, pos + 1)
    return hits


def _match(url: str, forms: RecipientForms) -> TokenMatch | None:
    if not forms.forms:
        return None
    low = url.lower()
    automaton = forms.matcher()
    hits = automaton.find_matches_as_indexes(low, overlapping=True) if automaton else _find_all(low, forms.lowered)
    if not hits:
        return None
    best: tuple[int, int, int] | None = None  # (form index, start, end): earliest form wins
    for index, start, end in hits:
        form = forms.forms[index]
        if form.case_sensitive and url[start:end] != form.text:
            continue
        if not _bounded(url, start, end, form.boundary):
            continue
        if best is None or index < best[0]:
            best = (index, start, end)
    if best is None:
        return None
    index, pos, end = best
    form = forms.forms[index]
    if "-embedded" in form.encoding:
        pos, end = _b64_extent(url, pos, end)
    found = url[pos:end]
    return TokenMatch(
        recipient=form.recipient,
        encoding=_raw_case(found, form),
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


# ---------------------------------------------------------------------------
# opaque identifiers
# ---------------------------------------------------------------------------

_OPAQUE_CHARS = _ALNUM | frozenset("-_=.%")
_FILE_SUFFIXES = (".png", ".gif", ".jpg", ".jpeg", ".webp", ".svg", ".css", ".js", ".html", ".htm", ".php", ".aspx")


def _entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    n = len(text)
    return math.log2(n) - sum(c * math.log2(c) for c in Counter(text).values()) / n


_OPAQUE_SHAPE = re.compile(r"[A-Za-z0-9._=%-]{16,512}")  # one character class: linear
_SLUG = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)+")
_WORD_SPLIT = re.compile(r"[-_.]")


_DROP_DIGITS = str.maketrans("", "", "0123456789")


def _count_digits(value: str) -> int:
    return len(value) - len(value.translate(_DROP_DIGITS))


@lru_cache(maxsize=16384)
def _looks_opaque(value: str) -> bool:
    if not _OPAQUE_SHAPE.fullmatch(value):
        return False
    lower = value.lower()
    if lower.endswith(_FILE_SUFFIXES):
        value = value.rsplit(".", 1)[0]
        if len(value) < 16:
            return False
    digits = _count_digits(value)
    others = len(value) - digits
    if digits == 0:
        return False  # all letters: a word, a slug or a name
    if others == 0 or others == value.count(".") + value.count("-") + value.count("_"):
        # digits (and separators) only: a date, a counter or a timestamp, unless long
        return digits >= 20
    if _SLUG.fullmatch(value):
        return False
    if len(value) <= 32 and any(len(w) >= 4 and w.isalpha() and w.islower() for w in _WORD_SPLIT.split(value)):
        return False  # a file or path name made of words and numbers ("image-471546-5032686")
    bits = _entropy(value)
    return bits >= 3.0 and bits * len(value) >= 64


@lru_cache(maxsize=16384)
def opaque_token(url: str) -> TokenMatch | None:
    """The longest high-entropy path segment or query value of ``url`` (low confidence)."""
    best: tuple[str, str] | None = None
    for location, value in url_components(url):
        if location in ("host", "userinfo", "fragment"):
            continue
        if _looks_opaque(value) and (best is None or len(value) > len(best[1])):
            best = (location, value)
    if best is None:
        return None
    return TokenMatch(recipient="", encoding="opaque", location=best[0], value=best[1], confidence="low")


# ---------------------------------------------------------------------------
# batch: one template, one varying component
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateToken:
    """A URL component that differs between messages built from one template.

    ``template`` is the URL with that component replaced by ``{token}``; ``values``
    maps each message key to the value it carries there. ``urls`` is how many URLs
    (over all messages) follow the template.
    """

    template: str
    host: str
    location: str  # "path[2]", "query:uid", "host" (leftmost label), ...
    values: Mapping[str, str]
    urls: int

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(self.values)

    def token_for(self, key: str) -> TokenMatch | None:
        """The ``TokenMatch`` (encoding "batch", confidence "medium") for one message."""
        value = self.values.get(key)
        if value is None:
            return None
        return TokenMatch(recipient="", encoding="batch", location=self.location, value=value, confidence="medium")


def _shape(url: str) -> tuple[tuple[object, ...], list[tuple[str, str]]] | None:
    """A grouping key for ``url`` and its variable components."""
    if not url.lower().startswith(("http://", "https://", "//")):
        return None
    comps = url_components(url)
    host = ""
    variable: list[tuple[str, str]] = []
    query_keys: list[str] = []
    path_count = 0
    for location, value in comps:
        if location == "host":
            host = value.lower()
            first, dot, rest = host.partition(".")
            if dot and rest.count(".") >= 1:
                variable.append(("host", first))
                host = "*." + rest
        elif location == "userinfo":
            continue
        else:
            if location.startswith("path["):
                path_count += 1
            elif location.startswith("query"):
                query_keys.append(location)
            variable.append((location, value))
    key = (host, path_count, tuple(sorted(query_keys)))
    return key, variable


def template_tokens(
    urls_by_message: Sequence[tuple[str, Sequence[str]]],
    *,
    min_messages: int = 2,
) -> tuple[TemplateToken, ...]:
    """Components that carry a per-message value across messages of one template.

    ``urls_by_message`` is ``[(message_key, urls), ...]``: one entry per copy of a
    mailing (ideally each to a different recipient). URLs with the same host
    (leftmost label aside), the same number of path segments and the same query
    parameter names are aligned; when URLs of at least ``min_messages`` different
    messages are identical in every component but one, each message carries one
    value there, and the values differ between (at least three quarters of) the
    messages, the component is returned: it identifies the copy, which is what a
    per-recipient token does.
    """
    groups: dict[tuple[object, ...], list[tuple[str, str, list[tuple[str, str]]]]] = defaultdict(list)
    for msg_key, urls in urls_by_message:
        for url in dict.fromkeys(urls):
            shaped = _shape(url)
            if shaped is None:
                continue
            key, comps = shaped
            groups[key].append((msg_key, url, comps))

    found: dict[tuple[str, str], TemplateToken] = {}
    for entries in groups.values():
        if len({e[0] for e in entries}) < min_messages:
            continue
        width = len(entries[0][2])
        entries = [e for e in entries if len(e[2]) == width]
        noise = _per_url_components(entries, width)
        group_messages = len({e[0] for e in entries})
        for idx in range(width):
            if len({e[2][idx][1] for e in entries}) * 4 < group_messages * 3:
                continue  # few values over many copies: a campaign or list id, not a token
            buckets: dict[tuple[str, ...], list[tuple[str, str, list[tuple[str, str]]]]] = defaultdict(list)
            for entry in entries:
                comps = entry[2]
                rest = tuple(v for j, (_, v) in enumerate(comps) if j != idx and j not in noise)
                buckets[rest].append(entry)
            for bucket in buckets.values():
                per_msg: dict[str, set[str]] = defaultdict(set)
                for msg_key, _, comps in bucket:
                    per_msg[msg_key].add(comps[idx][1])
                if len(per_msg) < min_messages:
                    continue
                # each message carries one value there, and the values are all different
                if any(len(v) != 1 for v in per_msg.values()):
                    continue
                values = {k: next(iter(v)) for k, v in per_msg.items()}
                distinct = len(set(values.values()))
                # nearly one value per copy: a recipient who got the mailing twice
                # repeats a value, a campaign id is shared by most copies
                if distinct < 2 or distinct * 4 < len(values) * 3:
                    continue
                location = bucket[0][2][idx][0]
                template = _template(
                    bucket[0][1],
                    location,
                    bucket[0][2][idx][1],
                    [bucket[0][2][j] for j in sorted(noise) if j != idx],
                )
                host = _split_host(bucket[0][1])
                if location == "host":
                    host = host.partition(".")[2]  # the token is the leftmost label
                slot = (template, location)
                previous = found.get(slot)
                if previous is None:
                    found[slot] = TemplateToken(template, host, location, values, len(bucket))
                else:
                    merged = dict(previous.values)
                    merged.update(values)
                    found[slot] = TemplateToken(template, host, location, merged, previous.urls + len(bucket))
    return tuple(sorted(found.values(), key=lambda t: (-len(t.values), -t.urls, t.template)))


def _per_url_components(entries: Sequence[tuple[str, str, list[tuple[str, str]]]], width: int) -> frozenset[int]:
    """Components whose value differs on every URL, also inside one message: a
    per-link signature or nonce (GetResponse's ``z=``, a per-link path segment).
    They are ignored when aligning URLs; what is left may then differ in one
    component per copy."""
    per_message: Counter[str] = Counter(e[0] for e in entries)
    if max(per_message.values(), default=0) < 2:
        return frozenset()
    out = set()
    for idx in range(width):
        values = [e[2][idx][1] for e in entries]
        if len(set(values)) == len(values):
            out.add(idx)
    return frozenset(out)


def _split_host(url: str) -> str:
    host_start, host_end, *_ = _split(url)
    return url[host_start:host_end].lower()


def _template(url: str, location: str, value: str, noise: Sequence[tuple[str, str]] = ()) -> str:
    """``url`` with the token replaced by ``{token}`` and per-URL noise by ``{*}``."""
    marks = {location: "{token}"}
    for noise_location, _ in noise:
        marks.setdefault(noise_location, "{*}")
    out = []
    last = 0
    for span in _spans(url):
        mark = marks.get(span.location)
        if mark is None:
            continue
        start, end = span.start, span.end
        if span.location == "host":
            dot = url.find(".", start, end)
            end = dot if dot > 0 else end
        out.append(url[last:start])
        out.append(mark)
        last = end
    out.append(url[last:])
    return "".join(out)


def batch_tokens_by_message(tokens: Iterable[TemplateToken]) -> dict[str, list[TokenMatch]]:
    """Regroup ``template_tokens`` output per message key."""
    out: dict[str, list[TokenMatch]] = defaultdict(list)
    for token in tokens:
        for key in token.values:
            match = token.token_for(key)
            if match is not None:
                out[key].append(match)
    return dict(out)


def is_hex_digest(value: str) -> bool:
    """A hex string of a common digest length (MD5 ... SHA-512)."""
    return len(value) in _HEX_LENGTHS and all(ch in _HEXDIGITS for ch in value)


def looks_base64(value: str) -> bool:
    return len(value) >= 8 and all(ch in _B64_CHARS or ch == "=" for ch in value)
