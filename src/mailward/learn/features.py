"""Content features for the learned model: what a message says, never who got it or when.

A feature is a short string such as ``"b:password"`` (a body word), ``"s:verify"`` (a
subject word) or ``"lp:login"`` (a word of a link path). Only content goes in:

- subject words and word pairs, body words and word pairs (the text the rules read,
  ``mailward.facts.build.content_text``: plain text, or the visible text of HTML),
  the sender's display-name words;
- link shape: IP-literal or punycode hosts, path words, a URL shown as the link text;
- attachment kinds, forms and password inputs.

Left out on purpose, because a model that learns them learns the corpus, not phishing:
recipient addresses (removed from the text too, with their local parts), every address,
URLs in the text, dates, Received chains, Message-IDs and every other header. Host names
are left out too: they date a message (the web hosts of 2002 are not those of 2025) more
than they say what it wants.

A message's features are a ``FeatureVector``: one 32-bit hash per feature, computed
without building the feature strings (CRC-32 seeded with the prefix; word pairs combine
their words' hashes with integer arithmetic in NumPy), and a way to name any of them
back for ``explain``. Words seen before hit a cache. The cost per message stays flat:
the first ``MAX_CHARS`` characters of the body text are read, the first ``MAX_WORDS``
words give features and the first ``MAX_PAIR_WORDS`` give pairs.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..model import Message

FEATURE_VERSION = 2
MAX_CHARS = 3_000  # characters of body text read per message: the lure is at the top, footers at the end
MAX_WORDS = 400  # body words read per message
MAX_PAIR_WORDS = 200  # of which this many give word pairs
MAX_LINKS = 60
_CACHE_LIMIT = 200_000  # cached word hashes per prefix before the cache starts again

# Every pattern here is linear on attacker text: a match can only start where the
# previous character could not continue it (a look-behind of one character), and a
# word is at most 25 characters. A word right after ".", "/", "@", ":", "=", "?" or
# "%" is a part of a host name, URL or address, not prose: it is skipped, so host
# names and the domains of addresses never become features.
_WORD = re.compile(r"(?<![\w&#./@:=?%'-])[^\W\d_][\w'-]{1,24}")
_NOT_WORDS = frozenset({"http", "https", "www", "mailto"})
_URL = re.compile(r"(?i)(?:https?://|www\.)\S++")
_PATH_WORD = re.compile(r"[a-z]{3,20}")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")

_PAIR_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(29)
_LOW32 = np.uint64(0xFFFFFFFF)
_caches: dict[str, dict[str, int]] = {}


def _seed(prefix: str) -> int:
    return zlib.crc32(prefix.encode())


def feature_hash(feature: str) -> int:
    """The 32-bit hash of a single (not pair) feature string such as ``"b:password"``."""
    return zlib.crc32(feature.encode("utf-8", "surrogatepass"))


def _word_hashes(prefix: str, words: Sequence[str]) -> list[int]:
    """CRC-32 of ``prefix + word`` for each word (``feature_hash``), through a per-prefix cache."""
    cache = _caches.get(prefix)
    if cache is None or len(cache) > _CACHE_LIMIT:
        cache = _caches[prefix] = {}
    missing = [w for w in dict.fromkeys(words) if w not in cache]
    if missing:
        seed = _seed(prefix)
        for word in missing:
            cache[word] = zlib.crc32(word.encode("utf-8", "surrogatepass"), seed)
    return list(map(cache.__getitem__, words))


def _pair_hashes(hashes: np.ndarray, salt: int) -> np.ndarray:
    """One hash per neighbouring pair, from the two words' hashes (order matters)."""
    first = hashes[:-1].astype(np.uint64)
    mixed = first * _PAIR_MULTIPLIER + hashes[1:].astype(np.uint64)
    mixed ^= mixed >> _SHIFT
    return (mixed & _LOW32).astype(np.uint32) ^ np.uint32(salt)


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.unique`` without its overhead on small arrays)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


@dataclass(frozen=True)
class _Segment:
    start: int
    prefix: str  # "b:" for words, "b2:" for pairs of those words
    tokens: tuple[str, ...]
    pairs: bool


@dataclass(frozen=True)
class FeatureVector:
    """A message's features as 32-bit hashes, with their names kept for ``explain``."""

    hashes: np.ndarray  # uint32, one per feature (the same feature may appear twice)
    segments: tuple[_Segment, ...]

    def __len__(self) -> int:
        return len(self.hashes)

    def masked(self, bits: int) -> np.ndarray:
        return self.hashes & np.uint32((1 << bits) - 1)

    def columns(self, bits: int) -> np.ndarray:
        """The distinct columns of a ``2**bits`` model this message has, sorted."""
        return distinct(self.masked(bits))

    def name_of_column(self, column: int, bits: int) -> str:
        """The name of the first feature that falls in ``column``."""
        return self.name(int(np.flatnonzero(self.masked(bits) == column)[0]))

    def name(self, index: int) -> str:
        for segment in reversed(self.segments):
            if index >= segment.start:
                at = index - segment.start
                if segment.pairs:
                    return f"{segment.prefix}{segment.tokens[at]}_{segment.tokens[at + 1]}"
                return segment.prefix + segment.tokens[at]
        raise IndexError(index)

    def names(self) -> list[str]:
        return [self.name(i) for i in range(len(self.hashes))]

    def __contains__(self, feature: object) -> bool:  # for tests and checks: "b:password" in vector
        return feature in self.names()


class _Builder:
    """Collects word hashes in a list; word pairs are hashed in one NumPy pass at the end."""

    def __init__(self) -> None:
        self.hashes: list[int] = []
        self.segments: list[_Segment] = []
        self.pairs: list[tuple[int, int, str, tuple[str, ...]]] = []  # (start, words, prefix, tokens)

    def words(self, prefix: str, words: Sequence[str], pair_prefix: str = "", pair_limit: int = 0) -> None:
        if not words:
            return
        start = len(self.hashes)
        tokens = tuple(words)
        self.segments.append(_Segment(start, prefix, tokens, False))
        self.hashes.extend(_word_hashes(prefix, words))
        if pair_prefix and len(words) > 1:
            head = tokens[: pair_limit or len(tokens)]
            self.pairs.append((start, len(head), pair_prefix, head))

    def build(self) -> FeatureVector:
        words = np.array(self.hashes, dtype=np.uint32)
        parts = [words]
        size = len(words)
        segments = list(self.segments)
        for start, count, prefix, tokens in self.pairs:
            pairs = _pair_hashes(words[start : start + count], _seed(prefix))
            segments.append(_Segment(size, prefix, tokens, True))
            parts.append(pairs)
            size += len(pairs)
        hashes = np.concatenate(parts) if len(parts) > 1 else words
        return FeatureVector(hashes=hashes, segments=tuple(segments))


def _recipient_words(message: Message) -> frozenset[str]:
    """The words of the recipients' addresses: removed from the text, never features."""
    words: set[str] = set()
    for address in message.recipients:
        words.update(w for w in re.split(r"[@._+-]", address.lower()) if len(w) > 1)
    return frozenset(words)


def _words(text: str, drop: frozenset[str], limit: int) -> list[str]:
    words = _WORD.findall(text[:MAX_CHARS].lower())
    return [w for w in words if w not in drop][:limit]


def _host_and_path(url: str) -> tuple[str, str]:
    """Host and path of an http(s) URL; cheaper than ``urlsplit`` and enough here."""
    rest = url.split("://", 1)[1] if "://" in url else url
    cut = len(rest)
    for stop in "/?#\\":
        at = rest.find(stop)
        if 0 <= at < cut:
            cut = at
    authority, path = rest[:cut], rest[cut:]
    for stop in "?#":
        path = path.split(stop, 1)[0]
    host = authority.rpartition("@")[2]
    if host.startswith("["):
        return host.split("]", 1)[0] + "]", path
    return host.split(":", 1)[0].lower(), path


def _link_features(message: Message) -> list[str]:
    out: list[str] = []
    for link in message.links[:MAX_LINKS]:
        url = link.url.strip()[:2000]
        lowered = url[:12].lower()
        if lowered.startswith(("mailto:", "tel:")):
            out.append(lowered.split(":", 1)[0])
            continue
        if not lowered.startswith(("http://", "https://")):
            out.append("other")
            continue
        host, path = _host_and_path(url)
        if host.startswith("[") or _IPV4.match(host):
            out.append("ip-literal")
        elif host.startswith("xn--") or ".xn--" in host:
            out.append("punycode")
        out.extend("p:" + word for word in _PATH_WORD.findall(path.lower())[:8])
        if link.text and _URL.match(link.text.strip()):
            out.append("url-text")
    return list(dict.fromkeys(out))


def _other_features(message: Message) -> list[str]:
    out: list[str] = []
    for form in message.forms:
        out.append("form")
        if "password" in form.inputs:
            out.append("form:password")
    for attachment in message.attachments[:10]:
        name = attachment.filename.lower()
        out.append("ext:" + (name.rsplit(".", 1)[-1][:8] if "." in name else ""))
        if attachment.sniffed_type:
            out.append("type:" + attachment.sniffed_type.lower()[:40])
    return list(dict.fromkeys(out))


def features(message: Message, text: str | None = None) -> FeatureVector:
    """The content features of ``message``. ``text`` is ``content_text(message)`` when the
    scan already extracted it (the subject, a newline, the body text)."""
    if text is None:
        from ..facts.build import content_text

        text = content_text(message)
    subject_text = message.subject or ""
    body_text = text[len(subject_text):] if text.startswith(subject_text) else text
    drop = _recipient_words(message) | _NOT_WORDS
    built = _Builder()
    built.words("s:", _words(subject_text, drop, 30), "s2:")
    sender = message.sender_address
    if sender and sender.display_name:
        built.words("fn:", _words(sender.display_name, drop, 8))
    built.words("b:", _words(body_text, drop, MAX_WORDS), "b2:", MAX_PAIR_WORDS)
    built.words("l:", _link_features(message))
    built.words("a:", _other_features(message))
    return built.build()


def feature_names(messages: Iterable[Message]) -> list[list[str]]:
    """The feature strings of each message (for tests and inspection)."""
    return [features(m).names() for m in messages]
