"""Opaque identifiers: a high-entropy path segment or query value that may be unique
to one copy of a message (low confidence: campaign ids look the same)."""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

import re2

from mailward.result import TokenMatch
from mailward.tokens.urls import url_components

__all__ = ["opaque_token"]

_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

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
_SLUG = re2.compile(r"[A-Za-z]+(?:-[A-Za-z]+)+")  # re2: search() would be quadratic with the stdlib
_WORD_SPLIT = re.compile(r"[-_.]")


_LABEL_MIN = 20

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
        if location == "host":
            # a token as a subdomain label (``<token>.t.example.net``): long labels
            # only, CDN and cloud host names have shorter ids
            for label in value.split(".")[:-2]:
                if len(label) >= _LABEL_MIN and _looks_opaque(label) and (best is None or len(label) > len(best[1])):
                    best = ("host", label)
            continue
        if location in ("userinfo", "fragment"):
            continue
        if _looks_opaque(value) and (best is None or len(value) > len(best[1])):
            best = (location, value)
    if best is None:
        return None
    return TokenMatch(recipient="", encoding="opaque", location=best[0], value=best[1], confidence="low")


