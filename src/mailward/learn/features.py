"""Content features for the learned model: what a message says, never who got it or when.

A feature is a short string such as ``"b:password"`` (a body word), ``"s:verify"`` (a
subject word), ``"l:p:login"`` (a word of a link path) or ``"f:brand:mismatch"`` (a shape
the scan's facts found). Only content goes in:

- subject words and body words (the text the rules read, ``content.text``: plain text,
  or the visible text of HTML), the sender's display-name words;
- link shape: the scheme, words of the path, a URL shown as the link text;
- attachment kinds, forms and password inputs;
- shapes the scan's facts already computed, which do not depend on the language or the
  year: a brand or own service claimed by a sender that is not theirs, links whose text
  shows another domain, brands in link hosts, free hosting, lure topics (six
  languages), credential and pressure phrases, amounts, phone numbers, the amount of text
  (``fact_features``).

Left out on purpose, because a model that learns them learns the corpus, not phishing:
recipient addresses (removed from the text too, with their local parts), every address,
URLs in the text, dates, Received chains, Message-IDs and every other header. Host names
are left out too: they date a message (the web hosts of 2002 are not those of 2025) more
than they say what it wants. So are function words (articles, prepositions, conjunctions
and the like in seven languages, ``data/function_words.yaml``): they name the language,
and training sets seldom have the same languages on both sides.

A message's features are a ``FeatureVector``: one 32-bit hash per feature (the CRC-32 of
the feature string, computed as the CRC-32 of the word seeded with that of its prefix,
through a per-prefix cache, so no feature string is built), and the words it came from,
to name any of them back for ``explain``. The cost per message stays flat: the first
``MAX_CHARS`` characters of the body text are read and the first ``MAX_WORDS`` words
give features. Words are found without a regular expression over the text: the text is
lower-cased, sentence-ending full stops and ASCII punctuation become spaces (one
``bytes.translate``), it is split at white space, and a token is a word when it is
letters only (``str.isalpha``, any script) and not a single ASCII letter. A host name, URL,
address or number is therefore never a word. Feature version 3 has no word pairs: they
doubled the number of features to hash and sum.
"""

from __future__ import annotations

import re
import zlib
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import filterfalse, islice
from typing import Any

import numpy as np

from ..model import Message
from ..yamlload import safe_load

# 4: the brand mismatch also by where the brand was named (f:brand:mismatch:<where>);
# 5: URLs in the text give no words (their query strings did), function words are no features
FEATURE_VERSION = 5
MAX_CHARS = 2_000  # characters of body text read per message: the lure is at the top, footers at the end
# what ``mailward learn`` reads since 2026-12: less cost in splitting the text into words,
# the same phishing recall (bench/RESULTS.md); a model file records its own number (files
# without it read MAX_CHARS), so older models score as they were trained
DEFAULT_BODY_CHARS = 1_000
MAX_WORDS = 250  # body words read per message
MAX_LINKS = 60
_CACHE_LIMIT = 200_000  # cached word hashes per prefix before the cache starts again

# Words: the text is lower-cased, a "." that ends a sentence and the ASCII punctuation
# in _SPACE become spaces (bytes.translate, one C pass), it is split at white space, and
# a token is a word when it is letters only (any script) and not a single ASCII letter.
# "example.com", "https://x/login", "ana@example.org" and "24h" are not words.
_SPACE_CHARS = b'",;!?()[]{}<>*|~^+=#%&$\'`-_'
_SPACE = bytes.maketrans(_SPACE_CHARS, b" " * len(_SPACE_CHARS))
_QUOTES = ("\u201c", "\u201d", "\u2019", "\u00ab", "\u00bb")  # “ ” ’ « »
_ADDRESS_SPLIT = str.maketrans("@._+-", "     ")


class FunctionWordsError(ValueError):
    """``function_words.yaml`` is malformed; the message says where."""


def parse_function_words(text: str, origin: str = "function_words.yaml") -> frozenset[str]:
    """The function words of every language in ``data/function_words.yaml``'s text."""
    loaded = safe_load(text)
    languages = loaded.get("languages") if isinstance(loaded, dict) else None
    if not isinstance(languages, list) or not languages:
        raise FunctionWordsError(f"{origin}: expected a mapping with a 'languages' list")
    words: set[str] = set()
    for i, entry in enumerate(languages):
        if not isinstance(entry, dict) or not str(entry.get("source", "")).strip() or not entry.get("language"):
            raise FunctionWordsError(f"{origin}: languages[{i}] needs a language and a source note")
        listed = str(entry.get("words", "")).split()
        if not listed or any(w != w.lower() or not w.isalpha() for w in listed):
            raise FunctionWordsError(f"{origin}: languages[{i}]: words are lower-case letters only")
        words.update(listed)
    return frozenset(words)


@cache
def function_words() -> frozenset[str]:
    """Articles, prepositions, conjunctions and the like in seven languages: they name the
    language, not the intent, so they are never features (feature version 5)."""
    text = resources.files("mailward").joinpath("data/function_words.yaml").read_text(encoding="utf-8")
    return parse_function_words(text)


# never words: pieces of URLs, a single ASCII letter and the function words
NOT_WORDS = frozenset({"http", "https", "www", "mailto", *"abcdefghijklmnopqrstuvwxyz"}) | function_words()
_URL = re.compile(r"(?i)(?:https?://|www\.)\S++")
_PATH_WORD = re.compile(r"[a-z]{3,20}")
_URL_STARTS = frozenset({"http", "www."})  # what a link text _URL matches starts with (a cheap test first)

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
    try:
        return list(map(cache.__getitem__, words))
    except KeyError:
        seed = _seed(prefix)
        for word in words:
            if word not in cache:
                cache[word] = zlib.crc32(word.encode("utf-8", "surrogatepass"), seed)
        return list(map(cache.__getitem__, words))


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.unique`` without its overhead on small arrays)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


# (start index in the hashes, prefix, tokens)
_Segment = tuple[int, str, Sequence[str]]


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
        for start, prefix, tokens in reversed(self.segments):
            if index >= start:
                return prefix + tokens[index - start]
        raise IndexError(index)

    def names(self) -> list[str]:
        return [self.name(i) for i in range(len(self.hashes))]

    def __contains__(self, feature: object) -> bool:  # for tests and checks: "b:password" in vector
        return feature in self.names()


class _Builder:
    """Collects the features' hashes and, for naming them, the words they came from."""

    def __init__(self) -> None:
        # a C array of 32-bit values: np.frombuffer reads it without converting each
        # Python int again (np.array of a list costs several times more)
        self.hashes = array("I")
        self.segments: list[_Segment] = []

    def words(self, prefix: str, words: Sequence[str]) -> None:
        if words:
            self.segments.append((len(self.hashes), prefix, words))
            self.hashes.extend(_word_hashes(prefix, words))

    def build(self) -> FeatureVector:
        return FeatureVector(hashes=np.frombuffer(self.hashes, dtype=np.uint32), segments=tuple(self.segments))


def _recipient_words(message: Message) -> frozenset[str]:
    """The words of the recipients' addresses: removed from the text, never features."""
    words: set[str] = set()
    for address in message.recipients:
        words.update(w for w in address.translate(_ADDRESS_SPLIT).split() if len(w) > 1)
    return frozenset(words)


_DROP_LIMIT = 10_000  # cached sets of dropped words (one per set of recipients) before starting again
_drops: dict[tuple[str, ...], frozenset[str]] = {}


def _dropped(message: Message) -> frozenset[str]:
    """``NOT_WORDS`` and the recipients' words: cached by the recipients, as a mailbox
    or a gateway sees the same few recipients again and again."""
    recipients = message.recipients
    drop = _drops.get(recipients)
    if drop is None:
        if len(_drops) >= _DROP_LIMIT:
            _drops.clear()
        words = _recipient_words(message)
        drop = _drops[recipients] = words | NOT_WORDS if words else NOT_WORDS
    return drop


def words_of(text: str, drop: frozenset[str] = NOT_WORDS, limit: int = MAX_WORDS, chars: int = MAX_CHARS) -> list[str]:
    """The words of the first ``chars`` characters of ``text``, lower case, without ``drop``
    (which should hold ``NOT_WORDS``: ``features`` passes the recipients' words with them)."""
    text = text[:chars].lower()
    if "http" in text or "www." in text:  # a URL's path and query give no words (feature version 5)
        text = _URL.sub(" ", text)
    text = text.replace(". ", " ").replace(".\n", " ")
    for quote in _QUOTES:
        if quote in text:
            text = text.replace(quote, " ")
    spaced = text.encode("utf-8", "surrogatepass").translate(_SPACE).decode("utf-8", "surrogatepass")
    # C loops only: letters-only tokens, without the dropped ones, the first ``limit``
    return list(islice(filterfalse(drop.__contains__, filter(str.isalpha, spaced.split())), limit))


_URL_LIMIT = 50_000  # cached link URLs before the cache starts again
_url_features: dict[str, tuple[str, ...]] = {}
_HTTP = "http"  # the first item of a web link's features (not a feature itself)


def _features_of_url(url: str) -> tuple[str, ...]:
    """The scheme, or ``_HTTP`` and words of the path, of one link URL (cached: a
    sender's links repeat)."""
    cached = _url_features.get(url)
    if cached is not None:
        return cached
    lowered = url.strip()[:300].lower()
    out: tuple[str, ...] = (_HTTP,)
    if not lowered.startswith(("http://", "https://")):
        out = (lowered.split(":", 1)[0] if lowered.startswith(("mailto:", "tel:")) else "other",)
    else:
        slash = lowered.find("/", 8)
        if slash > 0:
            path = lowered[slash:].split("?", 1)[0].split("#", 1)[0]
            if len(path) > 3:
                out += tuple("p:" + word for word in _PATH_WORD.findall(path)[:8])
    if len(_url_features) >= _URL_LIMIT:
        _url_features.clear()
    _url_features[url] = out
    return out


def _link_features(message: Message) -> list[str]:
    """Link shapes the facts do not already give: the scheme, words of the path (the
    host is left out: it dates a message) and a URL shown as the link's text."""
    out: list[str] = []
    for link in message.links[:MAX_LINKS]:
        shapes = _features_of_url(link.url)
        if shapes[0] != _HTTP:
            out.append(shapes[0])  # mailto, tel or other: no path words, no URL text
            continue
        out.extend(shapes[1:])
        text = link.text
        if text and text.lstrip()[:4].lower() in _URL_STARTS and _URL.match(text.strip()):
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


def _size(count: int) -> str:
    """A count in a few buckets: 0, 1, 2-4, 5-19, 20+."""
    return "0" if count <= 0 else "1" if count == 1 else "2-4" if count < 5 else "5-19" if count < 20 else "20+"


_LINK_SHAPES = ("ip_hosts", "shorteners", "text_mismatches", "url_text_mismatches", "lookalikes", "own_brand",
                "brand_hosts", "brand_paths", "hosting", "punycode", "redirects", "script_links")


def _claim_features(facts: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    brand = facts.get("brand") or {}
    if brand.get("claimed"):
        out += ["brand:" + str(brand.get("kind") or "other"), "brand:status:" + str(brand.get("status") or "none"),
                "brand:where:" + str(brand.get("where") or "other")]
        if brand.get("mismatch"):
            # also by where the brand was named: a display name that is not the sender's is
            # phishing's shape; a brand named in a signature or a subject is often a
            # newsletter's or a partner's, and gets its own weight (feature version 4)
            out += ["brand:mismatch", "brand:mismatch:" + str(brand.get("where") or "other")]
        if brand.get("own_service"):
            out.append("brand:own-service")
    if brand.get("sender_brand"):
        out.append("brand:in-sender-domain")
    identity = facts.get("identity") or {}
    if identity.get("claim_mismatch"):
        out.append("claim:mismatch")
    lookalike = identity.get("lookalike") or {}
    if lookalike.get("kind"):
        out.append("claim:lookalike:" + str(lookalike["kind"]))
    sender = facts.get("sender") or {}
    if sender.get("free_mail"):
        out.append("sender:free-mail")
    if sender.get("display_name_address"):
        out.append("sender:address-in-name")
    return out


def fact_features(facts: Mapping[str, Any]) -> list[str]:
    """Language- and era-independent shapes from the scan's facts (``f:`` features):
    link, claim, form and lure shapes, never a host name, an address or a date."""
    links = facts.get("link_summary") or {}
    out = ["links:" + _size(int(links.get("count") or 0)), "hosts:" + _size(len(links.get("hosts") or ()))]
    out += ["link:" + key for key in _LINK_SHAPES if links.get(key)]
    out += ["hosting:" + str(kind) for kind in list(links.get("hosting_kinds") or ())[:5]]
    claims = _claim_features(facts)
    out += claims
    content = facts.get("content") or {}
    # "deadline" was part of "extortion" until December 2026: one feature for both keeps
    # the columns of models trained before meaning what they meant
    topics = list(dict.fromkeys("extortion" if topic == "deadline" else topic for topic in content.get("lure_topics") or ()))[:8]
    out += ["lure:" + str(topic) for topic in topics]
    out.append("credential:" + _size(len(content.get("credential_phrases") or ())))
    out.append("urgency:" + _size(len(content.get("urgency_phrases") or ())))
    out += [name for name, key in (("phones", "phone_numbers"), ("amounts", "amounts"), ("order", "order_words"),
                                   ("ad-footer", "ad_footer"), ("newsroom", "newsroom_words")) if content.get(key)]
    chars = int(content.get("body_chars") or 0)
    out.append("chars:" + ("0" if chars == 0 else "<200" if chars < 200 else "<1000" if chars < 1000
                           else "<5000" if chars < 5000 else "more"))
    if any(form.get("has_password") for form in facts.get("forms") or ()):
        out.append("form:password")
    # a few conjunctions a linear model cannot build itself
    mismatch = "brand:mismatch" in claims or "claim:mismatch" in claims
    if mismatch and topics:
        out += ["claim-mismatch+lure:" + str(topic) for topic in topics]
    if links.get("hosting") and topics:
        out += ["hosting+lure:" + str(topic) for topic in topics]
    if links.get("text_mismatches") and topics:
        out.append("text-mismatch+lure")
    return out


_default_analyser: list[Any] = []


def scan_facts(message: Message, analyser: Any = None) -> dict[str, Any]:
    """The facts a scan computes for ``message`` (``mailward.pipeline.Analyser.facts``),
    with ``analyser`` or one built from the default configuration (without a model)."""
    if analyser is None:
        if not _default_analyser:
            from ..pipeline import Analyser

            _default_analyser.append(Analyser())
        analyser = _default_analyser[0]
    facts: dict[str, Any] = analyser.facts(message, model=False)
    return facts


def features(message: Message, facts: Mapping[str, Any] | None = None, *, words: bool = True,
             body_chars: int = MAX_CHARS) -> FeatureVector:
    """The content features of ``message``.

    ``facts`` are the scan's facts for it (``Analyser.facts``; computed with the default
    configuration when not given): their content text is read (``content.text``: the
    subject, a newline, the body text the rules read) and their shapes give the ``f:``
    features (``fact_features``). ``words=False`` leaves out the word features (subject,
    display name, body), for a model of shapes only. ``body_chars`` is how many characters
    of the body text are read (the model's own number: ``ContentModel.body_chars``).
    """
    if facts is None:
        facts = scan_facts(message)
    built = _Builder()
    if words:
        text = str((facts.get("content") or {}).get("text") or "")
        subject_text = message.subject or ""
        # only the first body_chars characters are read: never copy the rest of a long text
        start = len(subject_text) if text.startswith(subject_text) else 0
        body_text = text[start:start + body_chars]
        drop = _dropped(message)
        # each word once (a feature counts once): fewer hashes to look up, sum and name
        built.words("s:", list(dict.fromkeys(words_of(subject_text, drop, 30))))
        sender = message.sender_address
        if sender and sender.display_name:
            built.words("fn:", words_of(sender.display_name, drop, 8))
        built.words("b:", list(dict.fromkeys(words_of(body_text, drop, MAX_WORDS, body_chars))))
    built.words("l:", _link_features(message))
    built.words("a:", _other_features(message))
    built.words("f:", fact_features(facts))
    return built.build()


def feature_names(messages: Iterable[Message]) -> list[list[str]]:
    """The feature strings of each message (for tests and inspection)."""
    return [features(m).names() for m in messages]
