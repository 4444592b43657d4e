"""What in an HTML body can load something remote, and what is known to be safe.

The one definition read by HTML analysis (``mailward.html``: what to report as a
beacon), the gateway's defuser (``mailward.gateway.defuse``: what to keep) and the web
preview (``mailward.web.preview``: what nh3 lets through). Two halves:

- **what loads**: the attributes that hold URLs and whether showing the message
  fetches them (``LOAD_ATTRIBUTES``) or only a click does (``CLICK_ATTRIBUTES``),
  the SVG animation attributes that can set an ``href``, and CSS read as the
  scanner finds it (``css_references``: ``url()``, ``@import``, ``@font-face``,
  ``image-set()``, with escapes and comments resolved; linear time on re2);
- **what is safe** (the allow-list): the elements, attributes, URL schemes, CSS
  properties and CSS functions that cannot load anything. Defusing keeps only these;
  everything else is dropped or neutralised, so a load the first half forgot still
  cannot survive. CSS is kept only after tinycss2 has tokenised it as a browser
  does (escapes, comments, ``url`` tokens) and each declaration passed the list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import re2
import tinycss2

from mailward import linear_regex

# -- what loads -------------------------------------------------------------------

# attribute -> how its value holds URLs: "url" one URL, "srcset" candidates,
# "list" space-separated URLs. Showing the element fetches these (on the elements a
# browser or mail client loads them for; listed wide on purpose).
LOAD_ATTRIBUTES: dict[str, str] = {
    "src": "url", "srcset": "srcset", "imagesrcset": "srcset", "lowsrc": "url", "dynsrc": "url",
    "poster": "url", "background": "url", "data": "url", "codebase": "url", "archive": "list",
    "code": "url", "href": "url", "xlink:href": "url",
}
# URL-bearing attributes no current browser fetches on open; defusing drops them all the same
OTHER_URL_ATTRIBUTES: dict[str, str] = {
    "longdesc": "url", "usemap": "url", "profile": "url", "manifest": "url", "itemtype": "list",
    "cite": "url", "icon": "url", "xml:base": "url", "srcdoc": "html",
}
# a user action (click, submit) sends these; never fetched on open
CLICK_ATTRIBUTES: dict[str, str] = {"href": "url", "ping": "list", "action": "url", "formaction": "url"}
# elements whose href is a link (followed on click), not a load
LINK_ELEMENTS = frozenset({"a", "area"})
# SVG/SMIL animation: attributeName=href (or xlink:href) with these makes the target load
ANIMATION_ELEMENTS = frozenset({"set", "animate", "animatemotion", "animatetransform", "animatecolor"})
ANIMATION_VALUE_ATTRIBUTES = ("to", "from", "by", "values")
ANIMATED_URL_ATTRIBUTES = frozenset({"href", "xlink:href", "src"})

# <link rel=...> values that make the client fetch (or connect to) the href
LINK_LOAD_RELS = frozenset({
    "stylesheet", "preload", "prefetch", "modulepreload", "prerender", "dns-prefetch", "preconnect",
    "icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon", "import", "manifest",
})

# schemes a mail client resolves from the message itself (or nowhere)
LOCAL_SCHEMES = ("cid:", "data:", "#", "about:blank", "mailto:", "tel:")
# link targets a defused message may keep
SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:", "#")
_SAFE_DATA_IMAGE = re.compile(r"data:image/(?:png|gif|jpe?g|webp|bmp);base64,[A-Za-z0-9+/=\s]*\Z", re.I)
_WHITESPACE_AND_CONTROLS = re.compile(r"[\x00-\x20\x7f]+")


def is_remote(url: str) -> bool:
    """Would a mail client go to the network for this? Anything not local counts,
    relative URLs included (a ``<base>`` or the client's own base may point away).
    Browsers drop tabs, newlines and leading controls from URLs, so do we."""
    value = _WHITESPACE_AND_CONTROLS.sub("", url).lower()
    return bool(value) and not value.startswith(LOCAL_SCHEMES)


def is_safe_image_source(url: str) -> bool:
    """An image source that loads nothing: a message part (cid:) or inline raster data."""
    value = url.strip()
    return value.lower().startswith("cid:") or bool(_SAFE_DATA_IMAGE.match(value))


def is_safe_link(url: str) -> bool:
    value = _WHITESPACE_AND_CONTROLS.sub("", url).lower()
    return value.startswith(SAFE_LINK_SCHEMES)


def attribute_urls(name: str, value: str) -> list[str]:
    """The URLs an attribute value holds, split as its kind says (see LOAD_ATTRIBUTES)."""
    how = LOAD_ATTRIBUTES.get(name) or CLICK_ATTRIBUTES.get(name) or "url"
    if how == "srcset":
        return [url for c in value.split(",") if (url := c.strip().split(" ")[0].strip())]
    if how == "list":
        return value.split()
    value = value.strip()
    return [value] if value else []


def animation_urls(values: Iterable[str]) -> list[str]:
    """URLs in SMIL to/from/by/values (``values`` is a ``;`` list)."""
    found: list[str] = []
    for value in values:
        found.extend(part.strip() for part in value.split(";") if part.strip())
    return found


def refresh_url(content: str) -> str:
    """The target of ``<meta http-equiv=refresh content="5; url=...">``, or ""."""
    _, sep, rest = content.partition(";")
    if not sep:
        _, sep, rest = content.partition(",")
    rest = rest.strip()
    if rest[:4].lower() == "url=":
        rest = rest[4:]
    elif "=" in rest[:8]:
        rest = rest.partition("=")[2]
    return rest.strip().strip("'\"")


# -- CSS: what the scanner looks for ---------------------------------------------
# google-re2 (linear whatever the input): with Python's backtracking engine
# ``/\*.*?\*/`` is quadratic on "/* /* /* ..." and url( scans on "url(url(url(...".
# The scanner runs on every message, so it uses these patterns (fast, and erring on
# the side of reporting); defusing reads CSS with a real tokenizer (below).
_RE2_OPTIONS = linear_regex.OPTIONS
# url(...): quoted (spaces and parentheses allowed inside) or bare; one group is non-empty
_CSS_URL = re2.compile(
    r"""(?i)url\(\s*(?:'([^'\n]+)'|"([^"\n]+)"|([^'")\s]+))\s*\)""", _RE2_OPTIONS)
_CSS_IMPORT = re2.compile(r"""(?i)@import\s*(?:url\(\s*)?['"]?([^'")\s;]+)""", _RE2_OPTIONS)
_FONT_FACE = re2.compile(r"(?i)@font-face\s*\{([^}]*)\}", _RE2_OPTIONS)
# image-set("a.png" 1x, "b.png" 2x): candidates may be bare strings instead of url()
_IMAGE_SET = re2.compile(r"(?i)image-set\(([^)]*)\)", _RE2_OPTIONS)
_CSS_STRING = re2.compile("'([^'\"\\s]+)'|\"([^'\"\\s]+)\"", _RE2_OPTIONS)
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n]?|(.))", re.DOTALL)


def strip_css_comments(css: str) -> str:
    """CSS without ``/* ... */`` (an unclosed one runs to the end, as in the browser).
    A find() loop: linear, where a regex is quadratic (backtracking) or slow per match (re2)."""
    if "/*" not in css:
        return css
    out: list[str] = []
    pos = 0
    while True:
        start = css.find("/*", pos)
        if start < 0:
            out.append(css[pos:])
            break
        out.append(css[pos:start])
        end = css.find("*/", start + 2)
        if end < 0:
            break
        out.append(" ")
        pos = end + 2
    return "".join(out)


def _css_unescape_one(match: re.Match[str]) -> str:
    if match.group(1):
        code = int(match.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    return match.group(2)


def css_unescape(css: str) -> str:
    """CSS escapes (``\\75 rl(``, ``u\\rl(``) spelled out, so that url() is found."""
    return _CSS_ESCAPE.sub(_css_unescape_one, css) if "\\" in css else css


def _found(pattern: Any, text: str) -> list[str]:
    """The non-empty group of each match of a pattern whose alternatives each capture once.
    RE2 caps counted repetition at 1,000, so URLs longer than 4,096 characters are dropped here."""
    found = (next((g for g in groups if g), "").strip() for groups in pattern.findall(text))
    return [url for url in found if url and len(url) <= 4096]


def css_references(css: str) -> list[tuple[str, str]]:
    """(kind, url) of every reference in CSS text (a style sheet or a style attribute)
    that could load: kinds ``font`` (@font-face src), ``import`` and ``css-url`` (url(),
    image-set() strings). Comments removed and escapes spelled out first."""
    css = css_unescape(strip_css_comments(css))
    found: list[tuple[str, str]] = []
    seen: set[str] = set()  # a font or an import is not reported again as a css-url
    for body in _FONT_FACE.findall(css):
        for url in _found(_CSS_URL, body):
            seen.add(url)
            found.append(("font", url))
    for url in _CSS_IMPORT.findall(css):
        if len(url) <= 4096:
            seen.add(url)
            found.append(("import", url))
    urls = _found(_CSS_URL, css)
    if "image-set" in css.lower():
        for body in _IMAGE_SET.findall(css):
            urls.extend(_found(_CSS_STRING, body))
    found.extend(("css-url", url) for url in dict.fromkeys(urls) if url not in seen)
    return found


def could_load_css(css: str) -> bool:
    """Cheap pre-check: CSS without these characters and words cannot load anything."""
    lower = css.lower()
    return "(" in css or "@" in css or "\\" in css or "image" in lower


# Any spelling of a CSS construct that can load something or run code (url(),
# image-set, @import, src(), IE expression() and behavior, -moz-binding, or an escape
# that could hide one). Stricter than the allow-list: a place that shows CSS in our own
# pages (the web preview) refuses a value that matches, even one the allow-list kept.
_CSS_ACTIVE = re.compile(r"url\s*\(|image-set|@import|expression\s*\(|\\|behavior|-moz-binding|src\s*\(", re.I)


def css_could_be_active(css: str) -> bool:
    """Does ``css`` name anything that loads or runs, in any spelling (see ``_CSS_ACTIVE``)?"""
    return bool(_CSS_ACTIVE.search(css))


# -- what is safe: the allow-list ------------------------------------------------

# Elements a defused message keeps. Anything else is unwrapped (its text stays,
# its tag and attributes go), or dropped with its content (DROP_WITH_CONTENT).
SAFE_ELEMENTS = frozenset({
    "html", "head", "body", "title", "style", "meta",
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "big", "blockquote", "br", "caption",
    "center", "cite", "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
    "figcaption", "figure", "font", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img",
    "ins", "kbd", "li", "main", "mark", "nav", "ol", "p", "pre", "q", "s", "samp", "section", "small",
    "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "time", "tr", "tt", "u", "ul", "var", "wbr", "label", "legend", "fieldset", "ruby", "rt", "rp",
})
# Elements that go with everything inside them: active or foreign content whose
# children are not ordinary text (or whose text the reader never sees).
DROP_WITH_CONTENT = frozenset({
    "script", "template", "iframe", "frame", "frameset", "object", "embed", "applet", "param", "noscript",
    "noembed", "noframes", "svg", "math", "video", "audio", "source", "track", "canvas", "portal",
    "xmp", "plaintext", "listing", "textarea", "select", "option", "button", "input", "link", "base",
    "dialog", "map", "area", "bgsound", "image", "fencedframe", "keygen", "menuitem",
})
# attributes any safe element may keep (none can hold a URL)
SAFE_GLOBAL_ATTRIBUTES = frozenset({
    "class", "id", "title", "lang", "dir", "align", "valign", "width", "height", "style", "role",
    "hidden", "translate", "aria-hidden", "aria-label",
})
SAFE_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "name", "target"}),
    "img": frozenset({"src", "alt", "border", "hspace", "vspace"}),
    "table": frozenset({"border", "cellpadding", "cellspacing", "bgcolor", "summary", "frame", "rules"}),
    "td": frozenset({"colspan", "rowspan", "bgcolor", "nowrap", "headers", "scope", "abbr"}),
    "th": frozenset({"colspan", "rowspan", "bgcolor", "nowrap", "headers", "scope", "abbr"}),
    "tr": frozenset({"bgcolor"}),
    "tbody": frozenset({"bgcolor"}), "thead": frozenset({"bgcolor"}), "tfoot": frozenset({"bgcolor"}),
    "body": frozenset({"bgcolor", "text", "link", "vlink", "alink", "leftmargin", "topmargin",
                       "marginwidth", "marginheight"}),
    "font": frozenset({"color", "face", "size"}),
    "ol": frozenset({"start", "type", "reversed"}), "ul": frozenset({"type"}), "li": frozenset({"value", "type"}),
    "col": frozenset({"span"}), "colgroup": frozenset({"span"}),
    "hr": frozenset({"noshade", "size", "color"}), "br": frozenset({"clear"}),
    "meta": frozenset({"charset", "name", "content"}),  # http-equiv is dropped: refresh, set-cookie, CSP
    "time": frozenset({"datetime"}), "del": frozenset({"datetime"}), "ins": frozenset({"datetime"}),
    "details": frozenset({"open"}), "style": frozenset({"type", "media"}),
    "div": frozenset({"bgcolor"}), "p": frozenset({"bgcolor"}), "span": frozenset({"bgcolor"}),
}


def allowed_attribute(tag: str, name: str) -> bool:
    return name in SAFE_GLOBAL_ATTRIBUTES or name in SAFE_ATTRIBUTES.get(tag, ())


# CSS properties a defused message keeps (none takes an image or a URL as its value
# here: values are also checked token by token, see ``safe_css_value``)
SAFE_CSS_PROPERTIES = frozenset({
    "color", "background-color", "opacity", "visibility", "display", "direction", "unicode-bidi",
    "width", "height", "min-width", "min-height", "max-width", "max-height", "box-sizing", "overflow",
    "overflow-x", "overflow-y", "float", "clear", "position", "top", "right", "bottom", "left", "z-index",
    "vertical-align", "text-align", "text-decoration", "text-decoration-line", "text-decoration-color",
    "text-decoration-style", "text-transform", "text-indent", "text-overflow", "text-shadow",
    "letter-spacing", "word-spacing", "word-break", "word-wrap", "overflow-wrap", "white-space",
    "line-height", "font", "font-family", "font-size", "font-style", "font-variant", "font-weight",
    "font-stretch", "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-top", "border-right", "border-bottom", "border-left", "border-color",
    "border-style", "border-width", "border-radius", "border-collapse", "border-spacing",
    "border-top-color", "border-right-color", "border-bottom-color", "border-left-color",
    "border-top-style", "border-right-style", "border-bottom-style", "border-left-style",
    "border-top-width", "border-right-width", "border-bottom-width", "border-left-width",
    "border-top-left-radius", "border-top-right-radius", "border-bottom-left-radius",
    "border-bottom-right-radius", "outline", "outline-color", "outline-style", "outline-width",
    "table-layout", "caption-side", "empty-cells", "list-style-type", "list-style-position",
    "box-shadow", "text-size-adjust", "-webkit-text-size-adjust", "-ms-text-size-adjust",
    "-webkit-font-smoothing", "-moz-osx-font-smoothing", "hyphens", "tab-size", "cursor",
    "flex", "flex-direction", "flex-wrap", "flex-grow", "flex-shrink", "flex-basis", "justify-content",
    "align-items", "align-content", "align-self", "gap", "row-gap", "column-gap", "order",
    "mso-line-height-rule", "mso-table-lspace", "mso-table-rspace", "mso-hide", "mso-padding-alt",
    "mso-border-alt", "mso-font-width", "mso-text-raise", "mso-style-priority", "mso-margin-top-alt",
    "mso-margin-bottom-alt", "mso-ansi-font-size", "mso-bidi-font-size", "mso-height-rule",
    "clip", "background", "background-image", "background-position", "background-repeat", "background-size",
    "background-attachment", "background-clip", "background-origin",
})
# functions allowed inside a kept CSS value (none can name a resource)
SAFE_CSS_FUNCTIONS = frozenset({
    "rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "calc", "min", "max", "clamp",
    "rect", "inset", "translate", "translatex", "translatey", "scale", "rotate",
})
_SAFE_CSS_TOKENS = frozenset({
    "whitespace", "ident", "number", "percentage", "dimension", "hash", "string", "literal", "comment",
})
# at-rules whose body is more rules, kept when their rules are safe
SAFE_AT_RULES = frozenset({"media"})


MAX_CSS_CHARS = 128 * 1024  # CSS kept per style sheet or attribute; longer goes whole
_MAX_CSS_DEPTH = 16  # nested functions and blocks in a kept value
_BRACKET = re.compile(r"[{}()\[\]]")  # a character class: linear on Python re too (re2 findall is slow with many matches)


def _too_deep(css: str) -> bool:
    """Nesting deeper than any real sheet: tinycss2 would take seconds on "{{{{...", so
    such CSS goes whole without being tokenised (one linear pass over the brackets)."""
    depth = 0
    for bracket in _BRACKET.findall(css):
        if bracket in "{([":
            depth += 1
            if depth > 4 * _MAX_CSS_DEPTH:
                return True
        elif depth:
            depth -= 1
    return False
_NON_RESOURCE_FUNCTIONS = frozenset({"not", "is", "where", "has", "nth-child", "nth-last-child", "nth-of-type",
                                     "nth-last-of-type", "lang", "dir"})


def safe_css_value(tokens: Iterable[Any], depth: int = 0) -> bool:
    """True when no token of a value can load anything (plain values, known functions,
    and url() only to a message part or inline raster data)."""
    if depth > _MAX_CSS_DEPTH:
        return False
    for token in tokens:
        kind = getattr(token, "type", "")
        if kind == "url":
            if not is_safe_image_source(str(token.value)):
                return False
        elif kind == "function" and token.lower_name == "url":
            args = [a for a in token.arguments if getattr(a, "type", "") not in ("whitespace", "comment")]
            if len(args) != 1 or getattr(args[0], "type", "") != "string" \
                    or not is_safe_image_source(str(args[0].value)):
                return False
        elif kind == "function":
            if token.lower_name not in SAFE_CSS_FUNCTIONS or not safe_css_value(token.arguments, depth + 1):
                return False
        elif kind == "() block":
            if not safe_css_value(token.content, depth + 1):
                return False
        elif kind == "literal":
            if token.value in ("<", "{", "}", "@", "\\"):
                return False
        elif kind not in _SAFE_CSS_TOKENS:
            return False  # at-keywords, [] and {} blocks, bad strings and urls
    return True


def _safe_prelude(tokens: Iterable[Any], depth: int = 0) -> bool:
    """Selectors and media queries: plain tokens, pseudo-class functions, no URL."""
    if depth > _MAX_CSS_DEPTH:
        return False
    for token in tokens:
        kind = getattr(token, "type", "")
        if kind in ("url", "at-keyword", "{} block", "error", "bad-url", "bad-string"):
            return False
        if kind == "function" and (token.lower_name not in _NON_RESOURCE_FUNCTIONS | SAFE_CSS_FUNCTIONS
                                   or not _safe_prelude(token.arguments, depth + 1)):
            return False
        if kind in ("() block", "[] block") and not _safe_prelude(token.content, depth + 1):
            return False
    return True


def _declarations(tokens: list[Any], joiner: str, spacer: str) -> tuple[str, bool]:
    kept: list[str] = []
    dropped = False
    for decl in tinycss2.parse_blocks_contents(tokens, skip_comments=True, skip_whitespace=True):
        if getattr(decl, "type", "") != "declaration":
            dropped = True  # nested rules, at-rules, parse errors
            continue
        if decl.lower_name not in SAFE_CSS_PROPERTIES or not safe_css_value(decl.value):
            dropped = True
            continue
        value = tinycss2.serialize(decl.value).strip()
        if not value or "<" in value:
            dropped = True
            continue
        kept.append(f"{decl.lower_name}:{spacer}{value}{' !important' if decl.important else ''}")
    return joiner.join(kept), dropped


def safe_style_attribute(style: str) -> tuple[str, bool]:
    """(the declarations of a ``style`` attribute that the allow-list keeps, whether any went)."""
    if len(style) > MAX_CSS_CHARS or _too_deep(style):
        return "", True
    try:
        return _declarations(tinycss2.parse_component_value_list(style), "; ", " ")
    except RecursionError:
        return "", True


def safe_stylesheet(css: str) -> tuple[str, bool]:
    """(a style sheet with only allow-listed rules and declarations, whether anything went).

    Qualified rules keep their selectors (selectors load nothing) and their safe
    declarations; ``@media`` keeps its safe rules; every other at-rule (``@import``,
    ``@font-face``, ``@namespace``, ...) goes. Re-serialised from tokens, so no escape
    or comment trick survives in the text either. Past ``MAX_CSS_CHARS`` the sheet goes.
    """
    if len(css) > MAX_CSS_CHARS or _too_deep(css):
        return "", True
    try:
        return _rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True), 0)
    except RecursionError:
        return "", True


def _rules(rules: list[Any], depth: int) -> tuple[str, bool]:
    parts: list[str] = []
    dropped = False
    for rule in rules:
        kind = getattr(rule, "type", "")
        prelude_tokens = getattr(rule, "prelude", None) or []
        if kind not in ("qualified-rule", "at-rule") or not _safe_prelude(prelude_tokens):
            dropped = True
            continue
        prelude = tinycss2.serialize(prelude_tokens).strip()
        if "<" in prelude:
            dropped = True
        elif kind == "qualified-rule":
            body, lost = _declarations(rule.content, ";", "")
            dropped = dropped or lost
            if body:
                parts.append(f"{prelude}{{{body}}}")
        elif rule.lower_at_keyword in SAFE_AT_RULES and rule.content is not None and depth < 4:
            inner, lost = _rules(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True),
                                 depth + 1)
            dropped = dropped or lost
            if inner:
                parts.append(f"@media {prelude}{{{inner}}}")
        else:
            dropped = True
    return "".join(parts), dropped


__all__ = [
    "ANIMATED_URL_ATTRIBUTES",
    "ANIMATION_ELEMENTS",
    "ANIMATION_VALUE_ATTRIBUTES",
    "CLICK_ATTRIBUTES",
    "DROP_WITH_CONTENT",
    "LINK_ELEMENTS",
    "LINK_LOAD_RELS",
    "LOAD_ATTRIBUTES",
    "LOCAL_SCHEMES",
    "OTHER_URL_ATTRIBUTES",
    "SAFE_ATTRIBUTES",
    "SAFE_CSS_FUNCTIONS",
    "SAFE_CSS_PROPERTIES",
    "SAFE_ELEMENTS",
    "SAFE_GLOBAL_ATTRIBUTES",
    "allowed_attribute",
    "animation_urls",
    "attribute_urls",
    "could_load_css",
    "css_could_be_active",
    "css_references",
    "css_unescape",
    "is_remote",
    "is_safe_image_source",
    "is_safe_link",
    "refresh_url",
    "safe_css_value",
    "safe_style_attribute",
    "safe_stylesheet",
    "strip_css_comments",
]
