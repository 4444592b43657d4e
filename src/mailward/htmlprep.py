"""The text the HTML parser gets, made safe to parse in bounded time.

Shared by analysis (``mailward.html``) and defusing (``mailward.gateway.defuse``) so
that both read one and the same tree: ``<template>`` content opened, hostile nesting
flattened, attributes per element and per part bounded, all with linear scans that
run before Lexbor does.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate

from .remote import ANIMATION_VALUE_ATTRIBUTES, LOAD_ATTRIBUTES

# Tags kept when deep nesting forces a flattening: everything that loads or links.
_CONTAINER = re.compile(
    r"</?(?!(?:a|area|img|image|input|link|style|base|meta|form|iframe|frame|object|embed|video|audio|source|track|svg|use|picture|html|head|body)\b)[A-Za-z][A-Za-z0-9]{0,20}\b[^<>]{0,4096}>"
)
MAX_HTML_DEPTH = 1000


# the start and end tags whose name (up to 21 letters and digits) is not a void
# element's, ASCII case-insensitive: the group is "/" for an end tag
_NON_VOID_TAG = re.compile(
    r"<(/?)(?!(?:area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr)(?![A-Za-z0-9]))"
    r"[A-Za-z][A-Za-z0-9]{0,20}",
    re.IGNORECASE | re.ASCII,
)
_STEP = {"": 1, "/": -1}


def _nesting_depth(html: str) -> int:
    """Approximate element nesting depth from the tag stream (linear): an opening tag
    goes one deeper, a closing one back (never above the top). The depth after each
    tag is the running sum minus its lowest point so far, counted in C."""
    sums = list(accumulate(map(_STEP.__getitem__, _NON_VOID_TAG.findall(html))))
    if not sums:
        return 0
    lows = accumulate(sums, min, initial=0)
    next(lows)
    return max(0, max(map(int.__sub__, sums, lows)))


def flatten_deep_html(html: str) -> tuple[str, bool]:
    """HTML parsers take quadratic time on very deep nesting (measured: Lexbor ~3 s at
    20,000 levels, minutes at 100,000). Past ``MAX_HTML_DEPTH`` the container tags are
    dropped, keeping every element that loads or links, so beacons are still found.
    """
    if html.count("<") < MAX_HTML_DEPTH or _nesting_depth(html) <= MAX_HTML_DEPTH:
        return html, False
    return _CONTAINER.sub("", html), True


MAX_ATTRIBUTES_PER_ELEMENT = 256
MAX_ATTRIBUTES_TOTAL = 100_000
# attributes kept past the bounds: those that can load or hide something (first of each name)
_KEPT_PAST_BOUND = frozenset({*LOAD_ATTRIBUTES, "style", "width", "height", "hidden", "rel", "type", "http-equiv",
                              "content", "attributename", *ANIMATION_VALUE_ATTRIBUTES, "srcdoc", "class", "id"})
_TAG_START = re.compile(r"<[A-Za-z]")
_TAG_NAME = re.compile(r"[^\s/>]*")
# one attribute as the HTML tokenizer reads it: a name, then maybe = and a value (an
# unclosed quote runs to the end, as in the browser). Character classes only, and the
# gap before a name is matched on its own, so no start backtracks over a long run.
_ATTRIBUTE_GAP = re.compile(r"[\s/]*")
_ATTRIBUTE = re.compile(r"""([^\s/>][^\s/>=]*)(?:\s*=\s*("[^"]*(?:"|\Z)|'[^']*(?:'|\Z)|[^\s>]*))?""")
_TEMPLATE_TAG = re.compile(r"</?template\b[^<>]{0,8192}>?", re.IGNORECASE)


def open_templates(html: str) -> str:
    """``<template>`` tags taken out (their content stays, as ordinary markup).

    A declarative shadow root (``<template shadowrootmode=open>``) is shown by the
    browser, but Lexbor keeps template content out of the tree walk: opened here, the
    content is scanned and defused like the rest. Tags become a space, so removing one
    cannot join the text around it into a new tag."""
    if not _TEMPLATE_TAG.search(html):  # what lower-casing the whole part told
        return html
    return _TEMPLATE_TAG.sub(" ", html)


# A whole start tag as ``_bound_attributes_exact`` reads it (name, then gap+attribute
# units, greedy, nothing after): one C-level match per tag instead of a Python loop per
# attribute. Its span bounds the attribute count (every attribute is at least a character).
# Possessive quantifiers: no match of these patterns needs to give characters back
# (each run stops at a character the next piece cannot start with), so they read the
# same units as ``_ATTRIBUTE_GAP`` + ``_ATTRIBUTE``, a third faster.
_UNIT = r"""[\s/]*+[^\s/>][^\s/>=]*+(?:\s*+=\s*+(?:"[^"]*+(?:"|\Z)|'[^']*+(?:'|\Z)|[^\s>]*+))?"""
# The group: the tag's attribute text (all of the match after the name).
_START_TAG = re.compile(r"<[A-Za-z][^\s/>]*+((?:" + _UNIT + ")*+)")
_UNITS = re.compile(_UNIT)


# A start tag of more than ``MAX_ATTRIBUTES_PER_ELEMENT`` units, found without a
# Python step per tag; atomic units read as ``_START_TAG`` does and never give back.
@lru_cache(maxsize=4)
def _long_start_tag(units: int) -> re.Pattern[str]:
    return re.compile(r"<[A-Za-z][^\s/>]*+(?>" + _UNIT + "){" + str(units) + "}")


_LONG_START_TAG = _long_start_tag(MAX_ATTRIBUTES_PER_ELEMENT + 1)


def _within_bounds(html: str) -> bool:
    """True when no element can have more than ``MAX_ATTRIBUTES_PER_ELEMENT`` attributes and
    the part not more than ``MAX_ATTRIBUTES_TOTAL`` (then the exact scan would change nothing).

    A part of at most ``MAX_ATTRIBUTES_TOTAL`` characters has no more attributes than
    that (every attribute is at least a character), so only a start tag with too many
    can make it exceed: one search, which may also stop at a "<" inside a quoted value
    (the exact scan then finds nothing to change). Longer parts: each start tag's
    attribute text is taken in one ``findall``; a text no longer than the per-element
    bound is within it, a longer one is counted; the total is bounded by the texts'
    lengths and, past that, counted in one ``findall`` over the texts joined by ">"
    (which no attribute can start, continue or end in: a quoted value left open runs
    to the end of the part, so only the last text can hold one)."""
    per_element = MAX_ATTRIBUTES_PER_ELEMENT
    if len(html) <= MAX_ATTRIBUTES_TOTAL:
        return _long_start_tag(per_element + 1).search(html) is None
    texts = _START_TAG.findall(html)
    for text in texts:
        if len(text) > per_element and len(_UNITS.findall(text)) > per_element:
            return False
    if sum(map(len, texts)) <= MAX_ATTRIBUTES_TOTAL:
        return True
    return attribute_total(texts) <= MAX_ATTRIBUTES_TOTAL


def attribute_total(texts: list[str]) -> int:
    """How many attributes the start tags whose attribute texts are ``texts`` hold, in
    one ``findall`` over the texts joined by ">" (see ``_within_bounds``)."""
    return len(_UNITS.findall(">".join(texts)))


def bound_attributes(html: str) -> tuple[str, bool]:
    """(html, capped): at most ``MAX_ATTRIBUTES_PER_ELEMENT`` attributes on an element and
    ``MAX_ATTRIBUTES_TOTAL`` in the part, before the HTML parser runs.

    Lexbor's time grows with the square of an element's attribute count (measured: one
    element with 200,000 attributes, 95 s). A cheap scan reads each start tag as the
    browser's tokenizer does; past a bound only the first attribute of each name that
    can load or hide something stays (a browser ignores repeated names anyway), so
    beacons are still found and defusing still removes them."""
    if len(html) < 2 * MAX_ATTRIBUTES_PER_ELEMENT or _within_bounds(html):
        return html, False
    return _bound_attributes_exact(html)


def _bound_attributes_exact(html: str) -> tuple[str, bool]:
    out: list[str] = []
    emitted = 0  # html[:emitted] is in out
    scanned = 0  # end of the last start tag read
    total = 0
    capped = False
    for start_match in _TAG_START.finditer(html):
        start = start_match.start()
        if start < scanned:
            continue  # inside the previous tag (a quoted value)
        name_end = _TAG_NAME.match(html, start + 1)
        cursor = name_end.end() if name_end else start + 1
        attrs: list[tuple[int, int, str]] = []
        while True:
            gap = _ATTRIBUTE_GAP.match(html, cursor)
            found = _ATTRIBUTE.match(html, gap.end() if gap else cursor)
            if found is None:
                break
            attrs.append((found.start(1), found.end(), found.group(1).lower()))
            cursor = found.end()
        scanned = cursor
        if not attrs:
            continue  # nothing to bound (the total may already be past its bound: kept names)
        if len(attrs) <= MAX_ATTRIBUTES_PER_ELEMENT and total + len(attrs) <= MAX_ATTRIBUTES_TOTAL:
            total += len(attrs)
            continue
        capped = True
        budget = max(0, min(MAX_ATTRIBUTES_PER_ELEMENT, MAX_ATTRIBUTES_TOTAL - total))
        seen: set[str] = set()
        kept: list[str] = []
        for index, (a_start, a_end, a_name) in enumerate(attrs):
            if a_name in seen:
                continue
            seen.add(a_name)
            if index < budget or a_name in _KEPT_PAST_BOUND:
                kept.append(html[a_start:a_end])
        out.append(html[emitted:attrs[0][0]])
        out.append(" ".join(kept))
        emitted = cursor
        total += len(kept)
    if not capped:
        return html, False
    out.append(html[emitted:])
    return "".join(out), True


def prepare_html(html: str) -> tuple[str, bool, bool]:
    """The text both the scanner and the defuser give the parser: template content
    opened, deep nesting flattened, attributes bounded. (html, flattened, capped)."""
    html = open_templates(html)
    html, flattened = flatten_deep_html(html)
    html, capped = bound_attributes(html)
    return html, flattened, capped


__all__ = ["MAX_ATTRIBUTES_PER_ELEMENT", "MAX_ATTRIBUTES_TOTAL", "MAX_HTML_DEPTH", "bound_attributes", "flatten_deep_html",
           "open_templates", "prepare_html"]
