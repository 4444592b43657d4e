"""Text folding shared by the claim matcher and the lookalike index.

``fold`` turns message-controlled text into a comparable form: Unicode
compatibility forms and confusable characters mapped to their Latin prototype
(TR39 skeleton, from the Unicode confusables data shipped by the
``confusable-homoglyphs`` package), accents removed, lower case, every run of
non-word characters replaced by one space. ``skeleton`` does the same for a
domain label and also folds the ASCII look-alikes that TR39 treats as
confusable (``rn``/``m``, ``vv``/``w``, ``0``/``o``, ``1``/``l``).

Both run in linear time: a translate table and two linear regular expressions.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources

_NON_WORD = re.compile(r"[\W_]+")  # a single character class: linear
_ASCII_FOLDS = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("0", "o"), ("1", "l"), ("|", "l"))

# Scripts whose letters are confusable with Latin ones: seeing them in a domain that
# otherwise reads as Latin is "mixed script".
_LATIN_LOOKALIKE_SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC")


@lru_cache(maxsize=1)
def _confusable_table() -> dict[int, str]:
    """Map each non-ASCII character confusable with an ASCII letter or digit to it."""
    try:
        data = json.loads(
            resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
        )
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - dependency missing
        data = {}
    table: dict[int, str] = {}
    for char, glyphs in data.items():
        if len(char) != 1 or char.isascii():
            continue
        for glyph in glyphs:
            target = glyph.get("c", "")
            if len(target) == 1 and target.isascii() and target.isalnum():
                table[ord(char)] = target.lower()
                break
        else:
            # No single ASCII prototype: some map to an ASCII pair (e.g. U+0271 -> "rn")
            for glyph in glyphs:
                target = glyph.get("c", "")
                if 1 < len(target) <= 2 and target.isascii() and target.isalnum():
                    table[ord(char)] = target.lower()
                    break
    return table


_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def _strip_marks(text: str) -> str:
    return _MARKS.sub("", unicodedata.normalize("NFD", text))


_MARK_SIGNS = {ord(c): " " for c in "\u2122\u00ae\u00a9\u2120"}  # trade mark, registered, copyright, service mark


def unconfuse(text: str) -> str:
    """``text`` with every character confusable with an ASCII letter or digit replaced by
    it (lower case): "Pаssword" with a Cyrillic а reads "Password"."""
    return text.translate(_confusable_table())


def fold_chars(text: str) -> str:
    """Compatibility-normalise, map confusables to Latin, drop accents, lower-case."""
    if not text.isascii():
        text = text.translate(_MARK_SIGNS)  # "McAfee™": the sign is not part of the name
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = text.translate(_confusable_table())
        text = _strip_marks(text)
    return text.lower()


def fold(text: str) -> str:
    """Fold ``text`` for matching: see the module docstring. No leading/trailing space."""
    if len(text) <= _FOLD_CACHED_LENGTH:
        return _fold_short(text)
    return _NON_WORD.sub(" ", fold_chars(text)).strip()


# Names, segments and signature lines recur across the analysers of one message and
# across messages (a sender's display name): short texts are folded once per process.
_FOLD_CACHED_LENGTH = 200


@lru_cache(maxsize=16384)
def _fold_short(text: str) -> str:
    return _NON_WORD.sub(" ", fold_chars(text)).strip()


def compact(text: str) -> str:
    """``fold`` without any separator: "The New-York Times" -> "thenewyorktimes"."""
    return fold(text).replace(" ", "")


def skeleton(label: str) -> str:
    """The TR39-style skeleton of a domain label or domain, for homoglyph comparison."""
    text = fold_chars(label)
    for a, b in _ASCII_FOLDS:
        text = text.replace(a, b)
    return text


def scripts_of(text: str) -> frozenset[str]:
    """The scripts of the letters in ``text`` (first word of the Unicode name)."""
    found: set[str] = set()
    for char in text:
        if char.isascii():
            if char.isalpha():
                found.add("LATIN")
            continue
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        found.add(name.split(" ", 1)[0] if name else "UNKNOWN")
    return frozenset(found)


def is_mixed_script(text: str) -> bool:
    """Latin letters together with letters of a script that has Latin look-alikes,
    or only such look-alike letters that all fold to ASCII (a whole-script confusable)."""
    found = scripts_of(text)
    lookalike = found.intersection(_LATIN_LOOKALIKE_SCRIPTS)
    if not lookalike:
        return False
    if "LATIN" in found:
        return True
    return fold_chars(text).isascii()
