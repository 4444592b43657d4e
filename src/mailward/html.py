"""Extract links, remote resources and forms from an HTML body part.

Uses selectolax's Lexbor parser (measured ~2x lxml and ~20x BeautifulSoup on mail
HTML; see docs/architecture.md). Nothing here fetches anything: URLs are only
recorded as written.

Hiding is resolved from inline ``style`` attributes, ``hidden`` attributes and
top-level ``<style>`` rules (``.class``, ``#id``, ``tag``, ``tag.class`` selectors,
and descendant selectors ending in a class or id; rules inside ``@media`` are left
out), on the element itself or any ancestor. ``<base href>`` is applied to relative
URLs, and Outlook conditional comments (``<!--[if mso]>``), which Outlook renders,
are searched for VML and image sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin

import re2
from selectolax.lexbor import LexborHTMLParser, LexborNode

from .model import Form, Link, Resource

# CSS patterns run on google-re2 (linear time whatever the input): with Python's
# backtracking engine ``/\*.*?\*/`` is quadratic on "/* /* /* ..." (30 s for 90 KB)
# and the bounded url()/@font-face scans cost up to 8,192 steps per start.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.max_mem = 16 << 20
# url(...): quoted or bare; groups 1-3 hold the URL (only one of them is non-empty)
_CSS_URL = re2.compile(
    r"""(?i)url\(\s*(?:'([^'")\s]+)'|"([^'")\s]+)"|([^'")\s]+))\s*\)""", _RE2_OPTIONS)
_CSS_IMPORT = re2.compile(r"""(?i)@import\s+(?:url\(\s*)?['"]?([^'")\s;]+)""", _RE2_OPTIONS)
_FONT_FACE = re2.compile(r"(?i)@font-face\s*\{([^}]*)\}", _RE2_OPTIONS)
# image-set("a.png" 1x, "b.png" 2x): candidates may be bare strings instead of url()
_IMAGE_SET = re2.compile(r"(?i)image-set\(([^)]*)\)", _RE2_OPTIONS)
_CSS_STRING = re2.compile("'([^'\"\\s]+)'|\"([^'\"\\s]+)\"", _RE2_OPTIONS)
_PX = re.compile(r"^\s*(-?\d{1,7})(?:\.\d+)?\s*(px)?\s*$", re.IGNORECASE)
_COMMENT = re2.compile(r"(?s)/\*.*?\*/", _RE2_OPTIONS)
_HAS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]{0,30}:")

_MEDIA_TAGS = {
    "iframe": ("src", "iframe"),
    "frame": ("src", "iframe"),
    "embed": ("src", "embed"),
    "audio": ("src", "audio"),
    "video": ("src", "video"),
    "source": ("src", "source"),
    "track": ("src", "track"),
}


@dataclass(frozen=True, slots=True)
class HtmlFacts:
    links: tuple[Link, ...]
    resources: tuple[Resource, ...]
    forms: tuple[Form, ...]
    truncated: bool = False
    flattened: bool = False  # nesting deeper than MAX_HTML_DEPTH was flattened


def _declarations(style: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in style.split(";"):
        name, sep, value = chunk.partition(":")
        if sep:
            out[name.strip().lower()] = value.strip().lower()
    return out


def _px(value: str | None) -> int | None:
    if not value:
        return None
    match = _PX.match(value.replace("!important", ""))
    return int(match.group(1)) if match else None


def hiding_reason(decls: dict[str, str]) -> str:
    """Why these CSS declarations hide an element, or ""."""
    display = decls.get("display", "")
    if display.startswith("none"):
        return "display:none"
    if decls.get("visibility", "").startswith(("hidden", "collapse")):
        return "visibility:hidden"
    opacity = decls.get("opacity", "").replace("!important", "").strip()
    if opacity:
        try:
            if float(opacity) <= 0.01:
                return "opacity:0"
        except ValueError:
            pass
    for prop in ("max-height", "max-width"):
        if _px(decls.get(prop)) == 0:
            return f"{prop}:0"
    width, height = _px(decls.get("width")), _px(decls.get("height"))
    if (width == 0 or height == 0) and ("overflow" in decls or width == height == 0):
        return "zero size"
    for prop in ("left", "top", "margin-left", "margin-top", "text-indent"):
        offset = _px(decls.get(prop))
        if offset is not None and offset <= -1000:
            return "off-screen"
    if "clip" in decls and "rect(0" in decls["clip"].replace(" ", ""):
        return "clipped"
    clip_path = decls.get("clip-path", "").replace(" ", "")
    if clip_path.startswith(("inset(50%", "inset(100%", "circle(0", "polygon(0000")):
        return "clipped"
    if decls.get("mso-hide", "").startswith("all"):
        return "mso-hide:all"
    transform = decls.get("transform", "").replace(" ", "")
    if transform.startswith(("scale(0)", "scale(0,", "scale(0.0)", "scalex(0)", "scaley(0)")):
        return "transform:scale(0)"
    font_size = _px(decls.get("font-size"))
    if font_size == 0 and decls.get("line-height", "").startswith("0"):
        return "zero size"
    return ""


class _StyleSheet:
    """The simple selectors of ``<style>`` blocks that hide or size elements."""

    def __init__(self, css: str) -> None:
        self.hidden: dict[str, str] = {}  # selector key -> reason
        self.sizes: dict[str, tuple[int | None, int | None]] = {}
        css = _COMMENT.sub("", css)
        for selectors, body in _top_level_rules(css):
            if len(selectors) > 4096:
                continue
            decls = _declarations(body)
            reason = hiding_reason(decls)
            width, height = _px(decls.get("width")), _px(decls.get("height"))
            if not reason and width is None and height is None:
                continue
            for selector in selectors.split(","):
                key = _selector_key(selector)
                if not key:
                    continue
                if reason:
                    self.hidden[key] = reason
                if width is not None or height is not None:
                    self.sizes[key] = (width, height)

    def keys_for(self, node: LexborNode) -> list[str]:
        tag = (node.tag or "").lower()
        attrs = node.attributes
        keys = [tag]
        for cls in (attrs.get("class") or "").split():
            cls = cls.lower()
            keys.append("." + cls)
            keys.append(f"{tag}.{cls}")
        ident = attrs.get("id")
        if ident:
            keys.append("#" + ident.lower())
            keys.append(f"{tag}#{ident.lower()}")
        return keys

    def reason_for(self, node: LexborNode) -> str:
        if not self.hidden:
            return ""
        for key in self.keys_for(node):
            reason = self.hidden.get(key)
            if reason:
                return f"{reason} (stylesheet {key})"
        return ""


_BRACE = re.compile(r"[{}]")


def _top_level_rules(css: str) -> Iterable[tuple[str, str]]:
    """(selectors, declarations) of the top-level rules of a style sheet.

    Rules inside at-rule blocks (``@media``, ``@supports``, ...) are skipped: a rule
    that hides an element only on small screens does not hide it everywhere.
    ``@font-face`` and ``@import`` are handled elsewhere. Linear: one pass over the
    text with a brace counter.
    """
    depth = 0
    start = 0
    selectors = ""
    skip = False
    for brace in _BRACE.finditer(css):
        index = brace.start()
        char = brace.group()
        if char == "{":
            if depth == 0:
                selectors = css[start:index].rsplit(";", 1)[-1].strip()  # drop a preceding @import ...;
                skip = selectors.startswith("@")
                start = index + 1
            depth += 1
        elif char == "}":
            if depth == 0:
                start = index + 1
                continue
            depth -= 1
            if depth == 0:
                if not skip:
                    yield selectors, css[start:index]
                start = index + 1


_SIMPLE_SELECTOR = re.compile(r"^[a-z0-9_-]*(?:[.#][a-z0-9_-]+)?$")


def _selector_key(selector: str) -> str:
    """The key a rule applies to: a simple selector (``tag``, ``.class``, ``#id``,
    ``tag.class``), or the last part of a descendant/child selector when that part
    names a class or an id (``.wrap .trk`` -> ``.trk``). Pseudo-classes and
    attribute selectors are left out."""
    key = selector.strip().lower()
    if not key or ":" in key or "[" in key or "*" in key:
        return ""
    if " " in key or ">" in key or "+" in key or "~" in key:
        last = re.split(r"[\s>+~]+", key)[-1]
        if "." not in last and "#" not in last:
            return ""  # "div img" would hide every image: too broad to trust
        key = last
    return key if _SIMPLE_SELECTOR.match(key) else ""


def _own_hiding(node: LexborNode, sheet: _StyleSheet) -> str:
    attrs = node.attributes
    if "hidden" in attrs:
        return "hidden attribute"
    style = attrs.get("style")
    if style:
        reason = hiding_reason(_declarations(style))
        if reason:
            return reason
    return sheet.reason_for(node)


def _ancestor_hiding(node: LexborNode, sheet: _StyleSheet, cache: dict[int, str]) -> str:
    chain: list[LexborNode] = []
    parent = node.parent
    reason = ""
    depth = 0
    while parent is not None and depth < 256:
        key = parent.mem_id
        if key in cache:
            reason = cache[key]
            break
        chain.append(parent)
        tag = parent.tag
        if tag in ("html", "-document", "#document"):
            break
        own = _own_hiding(parent, sheet)
        if own:
            reason = f"ancestor <{tag}> {own}"
            break
        parent = parent.parent
        depth += 1
    for seen in chain:
        cache[seen.mem_id] = reason
    return reason


def _size(node: LexborNode, sheet: _StyleSheet) -> tuple[int | None, int | None]:
    attrs = node.attributes
    width, height = _px(attrs.get("width")), _px(attrs.get("height"))
    style = attrs.get("style")
    if style:
        decls = _declarations(style)
        css_w, css_h = _px(decls.get("width")), _px(decls.get("height"))
        width = css_w if css_w is not None else width
        height = css_h if css_h is not None else height
    if (width is None or height is None) and sheet.sizes:
        for key in sheet.keys_for(node):
            if key in sheet.sizes:
                sheet_w, sheet_h = sheet.sizes[key]
                width = sheet_w if width is None else width
                height = sheet_h if height is None else height
    return width, height


def _srcset_urls(value: str) -> Iterable[str]:
    for candidate in value.split(","):
        url = candidate.strip().split(" ")[0].strip()
        if url:
            yield url


_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n]?|(.))", re.DOTALL)


def _css_unescape_one(match: re.Match[str]) -> str:
    if match.group(1):
        code = int(match.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    return match.group(2)


def _css_unescape(css: str) -> str:
    """CSS escapes (``\\75 rl(``, ``u\\rl(``) spelled out, so that url() is found."""
    return _CSS_ESCAPE.sub(_css_unescape_one, css) if "\\" in css else css


def _found(pattern: Any, text: str) -> list[str]:
    """The non-empty group of each match of a pattern whose alternatives each capture once.

    RE2 caps counted repetition at 1,000, so the patterns use ``+`` and URLs longer than
    4,096 characters are dropped here instead.
    """
    found = (next((g for g in groups if g), "") for groups in pattern.findall(text))
    return [url for url in found if len(url) <= 4096]


def _css_resources(css: str, part: str, tag: str, hidden: str) -> list[Resource]:
    found: list[Resource] = []
    css = _css_unescape(_COMMENT.sub("", css))
    font_urls: set[str] = set()  # already reported as a font or an import
    for body in _FONT_FACE.findall(css):
        for url in _found(_CSS_URL, body):
            font_urls.add(url)
            found.append(Resource(url=url, kind="font", part=part, tag=tag))
    for url in _CSS_IMPORT.findall(css):
        font_urls.add(url)
        found.append(Resource(url=url, kind="import", part=part, tag=tag))
    urls = _found(_CSS_URL, css)
    if "image-set" in css.lower():
        for body in _IMAGE_SET.findall(css):
            urls.extend(_found(_CSS_STRING, body))
    for url in dict.fromkeys(urls):
        if url in font_urls:
            continue
        found.append(
            Resource(url=url, kind="css-url", part=part, tag=tag, hidden=bool(hidden), hidden_reason=hidden)
        )
    return found


_MSO_OPEN = "<!--[if"
_MSO_CLOSE = "<![endif]-->"
_VML_SOURCES = ("src", "href", "o:href")


def _conditional_blocks(html: str, limit: int = 200) -> list[str]:
    """Inner HTML of ``<!--[if mso]> ... <![endif]-->`` blocks.

    HTML parsers treat them as comments, but Outlook renders them: newsletters put
    VML backgrounds (``<v:fill src=...>``) and images there, and a tracker can too.
    """
    blocks: list[str] = []
    lower = html.lower()
    pos = lower.find(_MSO_OPEN)
    while pos >= 0 and len(blocks) < limit:
        open_end = lower.find("]>", pos)
        if open_end < 0:
            break
        close = lower.find(_MSO_CLOSE, open_end)
        if close < 0:
            break
        blocks.append(html[open_end + 2 : close])
        pos = lower.find(_MSO_OPEN, close)
    return blocks


def _conditional_resources(html: str, part: str) -> list[Resource]:
    """Remote loads inside Outlook conditional comments (VML fills, images, styles)."""
    found: list[Resource] = []
    for block in _conditional_blocks(html):
        if "src" not in block.lower() and "url(" not in block.lower() and "background" not in block.lower():
            continue
        tree = LexborHTMLParser(block)
        root = tree.root
        for node in root.traverse(include_text=False) if root is not None else ():
            tag = (node.tag or "").lower()
            attrs = node.attributes
            width, height = _px(attrs.get("width")), _px(attrs.get("height"))
            for name in _VML_SOURCES:
                value = attrs.get(name)
                if value and (tag.startswith("v:") or (name == "src" and tag == "img")):
                    found.append(Resource(value.strip(), "img", part, tag, width, height))
            background = attrs.get("background")
            if background:
                found.append(Resource(background.strip(), "background", part, tag))
            style = attrs.get("style")
            if style and "url(" in style.lower():
                found.extend(_css_resources(style, part, tag, ""))
        for style_node in tree.css("style"):
            found.extend(_css_resources(style_node.text(deep=True), part, "style", ""))
    return found


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,20})")
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)
# Tags kept when deep nesting forces a flattening: everything that loads or links.
_CONTAINER = re.compile(
    r"</?(?!(?:a|area|img|image|input|link|style|base|meta|form|iframe|frame|object|embed|video|audio|source|track|svg|use|picture|html|head|body)\b)[A-Za-z][A-Za-z0-9]{0,20}\b[^<>]{0,4096}>"
)
MAX_HTML_DEPTH = 1000


def _nesting_depth(html: str) -> int:
    """Approximate element nesting depth from the tag stream (linear)."""
    depth = deepest = 0
    for closing, name in _TAG.findall(html):  # tuples built in C: a third faster than Match objects
        if name.lower() in _VOID:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
    return deepest


def flatten_deep_html(html: str) -> tuple[str, bool]:
    """HTML parsers take quadratic time on very deep nesting (measured: Lexbor ~3 s at
    20,000 levels, minutes at 100,000). Past ``MAX_HTML_DEPTH`` the container tags are
    dropped, keeping every element that loads or links, so beacons are still found.
    """
    if html.count("<") < MAX_HTML_DEPTH or _nesting_depth(html) <= MAX_HTML_DEPTH:
        return html, False
    return _CONTAINER.sub("", html), True


def extract_html(
    html: str, part: str, *, max_links: int = 5000, max_resources: int = 5000
) -> HtmlFacts:
    """Links, resources and forms of one HTML part. Never raises on markup."""
    html, flattened = flatten_deep_html(html)
    tree = LexborHTMLParser(html)
    sheet_css = "\n".join(node.text(deep=True) for node in tree.css("style"))
    sheet = _StyleSheet(sheet_css) if sheet_css else _StyleSheet("")
    cache: dict[int, str] = {}
    links: list[Link] = []
    resources: list[Resource] = []
    forms: list[Form] = []
    truncated = False

    def hidden_of(node: LexborNode) -> str:
        return _own_hiding(node, sheet) or _ancestor_hiding(node, sheet, cache)

    # <base href="https://..."> makes every relative URL remote
    base_node = tree.css_first("base[href]")
    base = (base_node.attributes.get("href") or "").strip() if base_node is not None else ""
    if not base.lower().startswith(("http://", "https://", "//")):
        base = ""

    def resolve(url: str) -> str:
        if not base or not url or url.startswith("#") or _HAS_SCHEME.match(url):
            return url
        return urljoin(base, url)

    def add(resource: Resource) -> None:
        nonlocal truncated
        if base:
            resolved = resolve(resource.url)
            if resolved != resource.url:
                resource = replace(resource, url=resolved)
        if len(resources) < max_resources:
            resources.append(resource)
        else:
            truncated = True

    if sheet_css:
        for resource in _css_resources(sheet_css, part, "style", ""):
            add(resource)

    root = tree.root
    nodes = root.traverse(include_text=False) if root is not None else ()
    for node in nodes:
        tag = (node.tag or "").lower()
        attrs = node.attributes
        if tag in ("a", "area"):
            href = attrs.get("href")
            if href:
                if len(links) < max_links:
                    text = node.text(deep=True, separator=" ", strip=True) if tag == "a" else (attrs.get("alt") or "")
                    links.append(Link(url=resolve(href.strip()), text=text[:500], part=part, source="html", tag=tag))
                else:
                    truncated = True
        elif tag == "img" or (tag == "input" and (attrs.get("type") or "").lower() == "image"):
            width, height = _size(node, sheet)
            reason = hidden_of(node)
            kind = "img" if tag == "img" else "input-image"
            src = attrs.get("src")
            alt = attrs.get("alt") or ""
            if src:
                add(Resource(src.strip(), kind, part, tag, width, height, bool(reason), reason, alt))
            srcset = attrs.get("srcset")
            if srcset:
                for url in _srcset_urls(srcset):
                    add(Resource(url, "srcset", part, tag, width, height, bool(reason), reason, alt))
            for legacy in ("lowsrc", "dynsrc"):  # old Internet Explorer / Outlook attributes
                value = attrs.get(legacy)
                if value:
                    add(Resource(value.strip(), "img", part, tag, width, height, bool(reason), reason, alt))
        elif tag in ("image", "feimage", "use") and node.parent is not None:
            # SVG <image href>, <feImage href>, <use href="other.svg#x">
            href = attrs.get("href") or attrs.get("xlink:href")
            if href and not href.startswith("#"):
                width, height = _size(node, sheet)
                reason = hidden_of(node)
                add(Resource(href.strip(), "img", part, tag, width, height, bool(reason), reason))
        elif tag == "link":
            href = attrs.get("href")
            rel = (attrs.get("rel") or "").lower()
            if href:
                kind = "stylesheet" if "stylesheet" in rel else ("font" if "font" in (attrs.get("as") or "") else "link-other")
                if rel and any(r in rel for r in ("stylesheet", "preload", "prefetch", "icon", "import")):
                    add(Resource(href.strip(), kind, part, tag))
        elif tag in _MEDIA_TAGS:
            attr, kind = _MEDIA_TAGS[tag]
            src = attrs.get(attr)
            reason = hidden_of(node)
            width, height = _size(node, sheet)
            if src:
                add(Resource(src.strip(), kind, part, tag, width, height, bool(reason), reason))
            if tag == "source" and attrs.get("srcset"):  # <picture><source srcset>
                for url in _srcset_urls(attrs.get("srcset") or ""):
                    add(Resource(url, "srcset", part, tag, width, height, bool(reason), reason))
            if tag == "video" and attrs.get("poster"):
                add(Resource((attrs.get("poster") or "").strip(), "poster", part, tag, width, height, bool(reason), reason))
        elif tag == "object":
            data = attrs.get("data")
            if data:
                width, height = _size(node, sheet)
                reason = hidden_of(node)
                add(Resource(data.strip(), "object", part, tag, width, height, bool(reason), reason))
        elif tag == "meta":
            if (attrs.get("http-equiv") or "").lower() == "refresh":
                content = attrs.get("content") or ""
                _, _, url = content.partition("=")
                if url.strip():
                    add(Resource(url.strip().strip("'\""), "meta-refresh", part, tag))
        elif tag == "form":
            inputs = tuple(
                (child.attributes.get("type") or "text").lower() for child in node.css("input")
            )
            forms.append(
                Form(
                    action=(attrs.get("action") or "").strip(),
                    method=(attrs.get("method") or "get").lower(),
                    part=part,
                    inputs=inputs,
                )
            )
        background = attrs.get("background")
        if background:
            reason = hidden_of(node)
            add(Resource(background.strip(), "background", part, tag, hidden=bool(reason), hidden_reason=reason))
        style = attrs.get("style")
        if style and ("url(" in style.lower() or "image-set" in style.lower() or "\\" in style):
            reason = hidden_of(node)
            for resource in _css_resources(style, part, tag, reason):
                add(resource)

    if "<!--[if" in html.lower():
        for resource in _conditional_resources(html, part):
            add(resource)

    # no visible text: nothing read it (the rules take theirs from ``rules.derive.strip_tags``)
    return HtmlFacts(tuple(links), tuple(resources), tuple(forms), truncated, flattened)
