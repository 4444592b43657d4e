"""Extract links, remote resources and forms from an HTML body part.

Uses selectolax's Lexbor parser (measured ~2x lxml and ~20x BeautifulSoup on mail
HTML; see docs/architecture.md). Nothing here fetches anything: URLs are only
recorded as written.

Hiding is resolved from inline ``style`` attributes, ``hidden`` attributes and
top-level ``<style>`` rules (``.class``, ``#id``, ``tag``, ``tag.class`` selectors,
and descendant selectors ending in a class or id; rules inside ``@media`` are left
out), on the element itself or any ancestor. ``<base href>`` is applied to relative
URLs, and so is a base the part's MIME header names (``Content-Base``, else
``Content-Location``), which Thunderbird writes into the page ahead of the document's
own ``<base>``. Outlook conditional comments (``<!--[if mso]>``), which Outlook renders,
are searched for VML and image sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .html_conditional import conditional_resources as _conditional_resources
from .html_conditional import css_resources as _css_resources
from .html_conditional import px as _px
from .htmlprep import prepare_html
from .model import Form, Link, Resource
from .remote import (
    ANIMATED_URL_ATTRIBUTES,
    ANIMATION_ELEMENTS,
    ANIMATION_VALUE_ATTRIBUTES,
    LINK_ELEMENTS,
    LINK_LOAD_RELS,
    LOAD_ATTRIBUTES,
    animation_urls,
    attribute_urls,
    could_load_css,
    refresh_url,
    strip_css_comments,
)
from .urlbase import bounded_base, data_document, is_remote_base, joined, rebased

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
    attributes_capped: bool = False  # an element or the part had more attributes than the bounds
    header_base_hits: int = 0  # relative URLs that only the part's header base makes remote


def _declarations(style: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in style.split(";"):
        name, sep, value = chunk.partition(":")
        if sep:
            out[name.strip().lower()] = value.strip().lower()
    return out


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
        css = strip_css_comments(css)
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

    def keys_for(self, node: LexborNode, attrs: dict[str, str | None]) -> list[str]:
        """The selector keys of ``node``; ``attrs`` is its ``attributes`` (read once by the caller)."""
        tag = (node.tag or "").lower()
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

    def reason_for(self, node: LexborNode, attrs: dict[str, str | None]) -> str:
        if not self.hidden:
            return ""
        for key in self.keys_for(node, attrs):
            reason = self.hidden.get(key)
            if reason:
                return f"{reason} (stylesheet {key})"
        return ""


# A sender's messages carry the same <style> text (a newsletter template): its reading
# (never changed after it is made) is kept per process, for sheets up to 64 KB, 64 of
# them (at most 4 MB).
MAX_CACHED_SHEET = 65536
_cached_sheet = lru_cache(maxsize=64)(_StyleSheet)


def _style_sheet(css: str) -> _StyleSheet:
    return _cached_sheet(css) if len(css) <= MAX_CACHED_SHEET else _StyleSheet(css)


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


def _uncached_style_hiding(style: str) -> str:
    return hiding_reason(_declarations(style))


# Newsletters repeat the same few inline styles on hundreds of elements: what a style
# hides and sizes is kept per style text, per process. Longer styles are read afresh,
# so each cache holds at most 4,096 x 2 KB.
_style_hiding = lru_cache(maxsize=4096)(_uncached_style_hiding)
MAX_CACHED_STYLE = 2048


def _own_hiding(node: LexborNode, sheet: _StyleSheet, attrs: dict[str, str | None]) -> str:
    if "hidden" in attrs:
        return "hidden attribute"
    style = attrs.get("style")
    if style:
        reason = _style_hiding(style) if len(style) <= MAX_CACHED_STYLE else _uncached_style_hiding(style)
        if reason:
            return reason
    return sheet.reason_for(node, attrs)


def _uncached_style_size(style: str) -> tuple[int | None, int | None]:
    decls = _declarations(style)
    return _px(decls.get("width")), _px(decls.get("height"))


_style_size = lru_cache(maxsize=4096)(_uncached_style_size)


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
        own = _own_hiding(parent, sheet, parent.attributes)
        if own:
            reason = f"ancestor <{tag}> {own}"
            break
        parent = parent.parent
        depth += 1
    for seen in chain:
        cache[seen.mem_id] = reason
    return reason


def _size(node: LexborNode, sheet: _StyleSheet, attrs: dict[str, str | None]) -> tuple[int | None, int | None]:
    width, height = _px(attrs.get("width")), _px(attrs.get("height"))
    style = attrs.get("style")
    if style:
        css_w, css_h = _style_size(style) if len(style) <= MAX_CACHED_STYLE else _uncached_style_size(style)
        width = css_w if css_w is not None else width
        height = css_h if css_h is not None else height
    if (width is None or height is None) and sheet.sizes:
        for key in sheet.keys_for(node, attrs):
            if key in sheet.sizes:
                sheet_w, sheet_h = sheet.sizes[key]
                width = sheet_w if width is None else width
                height = sheet_h if height is None else height
    return width, height


def _srcset_urls(value: str) -> Iterable[str]:
    return attribute_urls("srcset", value)


_GENERIC_KIND = {
    "iframe": "iframe", "frame": "iframe", "embed": "embed", "object": "object", "applet": "object",
    "script": "embed", "audio": "audio", "video": "video", "source": "source", "track": "track",
    "img": "img", "image": "img", "feimage": "img", "use": "img", "input": "input-image",
}
_NESTED_DOCUMENT_TAGS = frozenset({"iframe", "frame", "object", "embed"})
MAX_NESTED_DOCUMENTS = 2  # srcdoc / data: documents inside documents, levels scanned


class _Collector:
    """Resources, links and forms of one parsed HTML tree (see ``extract_html``)."""

    def __init__(self, tree: LexborHTMLParser, html: str, part: str, max_links: int, max_resources: int,
                 depth: int, header_base: str = "", related: frozenset[str] = frozenset()) -> None:
        self.part = part
        self.max_links = max_links
        self.max_resources = max_resources
        self.depth = depth
        self.links: list[Link] = []
        self.resources: list[Resource] = []
        self.forms: list[Form] = []
        self.truncated = False
        self.node_urls: set[str] = set()
        # a <style> or <base> element needs its start tag in the text: without one, the
        # selector (about 30 us each) is not run
        styles = tree.css("style") if _STYLE_TAG.search(html) else ()
        sheet_css = "\n".join(node.text(deep=False) for node in styles)  # the browser's view
        self.sheet_css = sheet_css
        self.sheet = _style_sheet(sheet_css)
        self.cache: dict[int, str] = {}
        # <base href="https://..."> makes every relative URL remote
        base_node = tree.css_first("base[href]") if _BASE_TAG.search(html) else None
        base = (base_node.attributes.get("href") or "").strip() if base_node is not None else ""
        base = bounded_base(base) if is_remote_base(base) else ""
        # a base from the part's MIME header comes first (Thunderbird writes it as a <base>
        # ahead of the page); its hits are the URLs the markup alone leaves relative
        self.base = header_base or base
        self.count_header_hits = bool(header_base) and not base
        self.header_base_hits = 0
        # the Content-Location names of the parts beside this one, as written and resolved:
        # a URL naming one of them is that part, not a load
        self.related = related | frozenset(joined(self.base, name) for name in related) if self.base else related

    def hidden_of(self, node: LexborNode, attrs: dict[str, str | None]) -> str:
        """Why ``node`` (whose ``attributes`` are ``attrs``) or an ancestor is hidden, or ""."""
        return _own_hiding(node, self.sheet, attrs) or _ancestor_hiding(node, self.sheet, self.cache)

    def resolve(self, url: str) -> str:
        resolved = rebased(url, self.base) if self.base else url
        if resolved == url or (self.related and (url in self.related or resolved in self.related)):
            return url  # not relative, or another part of the message by its Content-Location
        if self.count_header_hits:
            self.header_base_hits += 1
        return resolved

    def add(self, resource: Resource) -> None:
        self.node_urls.add(resource.url)
        if len(self.resources) >= self.max_resources:
            self.truncated = True
            return
        if self.base:
            resolved = self.resolve(resource.url)
            if resolved != resource.url:
                resource = replace(resource, url=resolved)
        self.resources.append(resource)

    def element(self, node: LexborNode, tag: str, attrs: dict[str, str | None]) -> None:
        self.node_urls = set()
        if tag in ("a", "area"):
            self._link(node, tag, attrs)
        elif tag == "img" or (tag == "input" and (attrs.get("type") or "").lower() == "image"):
            self._image(node, tag, attrs)
        elif tag in ("image", "feimage", "use") and node.parent is not None:
            # SVG <image href>, <feImage href>, <use href="other.svg#x">
            href = attrs.get("href") or attrs.get("xlink:href")
            if href and not href.startswith("#"):
                width, height = _size(node, self.sheet, attrs)
                reason = self.hidden_of(node, attrs)
                self.add(Resource(href.strip(), "img", self.part, tag, width, height, bool(reason), reason))
        elif tag in ANIMATION_ELEMENTS:
            self._animation(node, tag, attrs)
        elif tag == "link":
            self._link_element(tag, attrs)
        elif tag in _MEDIA_TAGS:
            self._media(node, tag, attrs)
        elif tag == "object":
            data = attrs.get("data")
            if data:
                width, height = _size(node, self.sheet, attrs)
                reason = self.hidden_of(node, attrs)
                self.add(Resource(data.strip(), "object", self.part, tag, width, height, bool(reason), reason))
        elif tag == "meta":
            if (attrs.get("http-equiv") or "").strip().lower() == "refresh":
                url = refresh_url(attrs.get("content") or "")
                if url:
                    self.add(Resource(url, "meta-refresh", self.part, tag))
        elif tag == "form":
            inputs = tuple((child.attributes.get("type") or "text").lower() for child in node.css("input"))
            action = (attrs.get("action") or "").strip()
            self.forms.append(Form(action=self.resolve(action), method=(attrs.get("method") or "get").lower(), part=self.part,
                                   inputs=inputs))
        background = attrs.get("background")
        if background:
            reason = self.hidden_of(node, attrs)
            self.add(Resource(background.strip(), "background", self.part, tag, hidden=bool(reason),
                              hidden_reason=reason))
        style = attrs.get("style")
        if style and could_load_css(style):
            reason = self.hidden_of(node, attrs)
            for resource in _css_resources(style, self.part, tag, reason):
                self.add(resource)
        self._generic(tag, attrs)

    def _link(self, node: LexborNode, tag: str, attrs: dict[str, str | None]) -> None:
        href = attrs.get("href") or attrs.get("xlink:href")
        if not href:
            return
        if len(self.links) < self.max_links:
            text = node.text(deep=True, separator=" ", strip=True) if tag == "a" else (attrs.get("alt") or "")
            self.links.append(Link(url=self.resolve(href.strip()), text=text[:500], part=self.part, source="html",
                                   tag=tag))
        else:
            self.truncated = True

    def _image(self, node: LexborNode, tag: str, attrs: dict[str, str | None]) -> None:
        width, height = _size(node, self.sheet, attrs)
        reason = self.hidden_of(node, attrs)
        kind = "img" if tag == "img" else "input-image"
        alt = attrs.get("alt") or ""
        src = attrs.get("src")
        if src:
            self.add(Resource(src.strip(), kind, self.part, tag, width, height, bool(reason), reason, alt))
        srcset = attrs.get("srcset")
        if srcset:
            for url in _srcset_urls(srcset):
                self.add(Resource(url, "srcset", self.part, tag, width, height, bool(reason), reason, alt))
        for legacy in ("lowsrc", "dynsrc"):  # old Internet Explorer / Outlook attributes
            value = attrs.get(legacy)
            if value:
                self.add(Resource(value.strip(), "img", self.part, tag, width, height, bool(reason), reason, alt))

    def _animation(self, node: LexborNode, tag: str, attrs: dict[str, str | None]) -> None:
        """SMIL ``<set attributeName=href to=...>``/``<animate values=...>``: the target element
        (the parent, or the one ``href=#id`` names) loads each value. Values with url() load too."""
        lower = {name.lower(): value for name, value in attrs.items()}  # SVG keeps "attributeName"
        values = [lower.get(name) or "" for name in ANIMATION_VALUE_ATTRIBUTES]
        target_attr = (lower.get("attributename") or "").strip().lower()
        if target_attr in ANIMATED_URL_ATTRIBUTES:
            target = node.parent
            target_tag = (target.tag or "").lower() if target is not None else tag
            reason = self.hidden_of(node, attrs)
            for url in animation_urls(values):
                if not url.startswith("#"):
                    self.add(Resource(url, "img", self.part, target_tag, hidden=bool(reason), hidden_reason=reason))
        for value in values:
            if could_load_css(value):
                for resource in _css_resources(value, self.part, tag, ""):
                    self.add(resource)

    def _link_element(self, tag: str, attrs: dict[str, str | None]) -> None:
        rel = (attrs.get("rel") or "").lower()
        rels = set(rel.split())
        for name in ("href", "imagesrcset"):
            value = attrs.get(name)
            if not value or not (rels & LINK_LOAD_RELS):
                continue
            kind = "stylesheet" if "stylesheet" in rels else ("font" if "font" in (attrs.get("as") or "") else
                                                              "link-other")
            for url in attribute_urls(name, value):
                self.add(Resource(url, kind, self.part, tag))

    def _media(self, node: LexborNode, tag: str, attrs: dict[str, str | None]) -> None:
        attr, kind = _MEDIA_TAGS[tag]
        src = attrs.get(attr)
        reason = self.hidden_of(node, attrs)
        width, height = _size(node, self.sheet, attrs)
        if src:
            self.add(Resource(src.strip(), kind, self.part, tag, width, height, bool(reason), reason))
        if tag == "source" and attrs.get("srcset"):  # <picture><source srcset>
            for url in _srcset_urls(attrs.get("srcset") or ""):
                self.add(Resource(url, "srcset", self.part, tag, width, height, bool(reason), reason))
        if tag == "video" and attrs.get("poster"):
            self.add(Resource((attrs.get("poster") or "").strip(), "poster", self.part, tag, width, height,
                              bool(reason), reason))
        if tag in _NESTED_DOCUMENT_TAGS:
            self._nested(tag, attrs)

    def _generic(self, tag: str, attrs: dict[str, str | None]) -> None:
        """Every other attribute that loads (remote.LOAD_ATTRIBUTES) on an element the
        branches above did not read: ``<script src>``, ``<embed src>``, SVG ``href``..."""
        if tag in ("base", "link") or (tag == "object" and attrs.get("data")):
            if tag == "object":
                self._nested(tag, attrs)
            return
        for name, value in attrs.items():
            if not value or name not in LOAD_ATTRIBUTES or (name in ("href", "xlink:href") and tag in LINK_ELEMENTS):
                continue
            for url in attribute_urls(name, value):
                if url in self.node_urls or url.startswith("#"):
                    continue
                self.add(Resource(url, _GENERIC_KIND.get(tag, "link-other"), self.part, tag))

    def _nested(self, tag: str, attrs: dict[str, str | None]) -> None:
        """A frame's ``srcdoc`` and a ``data:`` document in a frame or object load what they hold."""
        if self.depth >= MAX_NESTED_DOCUMENTS:
            return
        documents = [attrs.get("srcdoc") or ""]
        for name in ("src", "data"):
            documents.append(data_document(attrs.get(name) or ""))
        for document in documents:
            if not document:
                continue
            inner = extract_html(document, self.part, max_links=max(0, self.max_links - len(self.links)),
                                 max_resources=max(0, self.max_resources - len(self.resources)), depth=self.depth + 1)
            for resource in inner.resources:
                self.add(replace(resource, tag=f"{tag}>{resource.tag}"))
            # a srcdoc document has the page's base (about:srcdoc takes its parent's)
            self.links.extend(replace(link, url=self.resolve(link.url)) if self.base else link for link in inner.links)
            self.truncated = self.truncated or inner.truncated


# What ``_Collector.element`` reads: the tags it handles itself, and on any other
# element the attributes that load (``_generic``), ``background`` and ``style``.
_ELEMENT_TAGS = frozenset({
    "a", "area", "img", "input", "image", "feimage", "use", *ANIMATION_ELEMENTS, "link", *_MEDIA_TAGS,
    "object", "meta", "form",
})  # fmt: skip
_LOADING_ATTRIBUTES = frozenset({*LOAD_ATTRIBUTES, "background"})
# ``"<!--[if" in html.lower()`` without lower-casing the whole part (only ASCII I and F
# lower-case to i and f)
_CONDITIONAL_COMMENT = re.compile(r"<!--\[[iI][fF]")
# the start tags that make a <style> or a <base> element (the tokenizer lower-cases
# only ASCII letters in tag names)
_STYLE_TAG = re.compile(r"<[sS][tT][yY][lL][eE]")
_BASE_TAG = re.compile(r"<[bB][aA][sS][eE]")


def extract_html(
    html: str, part: str, *, max_links: int = 5000, max_resources: int = 5000, depth: int = 0,
    header_base: str = "", related: frozenset[str] = frozenset(),
) -> HtmlFacts:
    """Links, resources and forms of one HTML part. Never raises on markup.

    ``header_base`` is the base URL the part's MIME header names (``header_base_url``),
    ``related`` the Content-Location names of the parts beside it in a multipart/related
    (a relative URL naming one of them is that part, not a load).

    The text is first prepared as the defuser prepares it (``prepare_html``: template
    content opened, deep nesting flattened, attributes bounded), so both see one tree."""
    html, flattened, capped = prepare_html(html)
    tree = LexborHTMLParser(html)
    collector = _Collector(tree, html, part, max_links, max_resources, depth,
                           header_base if is_remote_base(header_base) else "", related)
    if collector.sheet_css:
        for resource in _css_resources(collector.sheet_css, part, "style", ""):
            collector.add(resource)
    root = tree.root
    for node in root.traverse(include_text=False) if root is not None else ():
        tag = (node.tag or "").lower()
        if tag and not tag.startswith(("-", "#")):
            attrs = node.attributes
            # most elements (td, tr, div...) neither load, link nor hide anything themselves;
            # on another element a style that cannot load is all ``element`` would read
            if tag in _ELEMENT_TAGS or not _LOADING_ATTRIBUTES.isdisjoint(attrs):
                collector.element(node, tag, attrs)
            elif "style" in attrs:
                style = attrs["style"]
                if style and could_load_css(style):
                    collector.element(node, tag, attrs)
    if _CONDITIONAL_COMMENT.search(html):
        for resource in _conditional_resources(html, part):
            collector.add(resource)
    # no visible text: nothing read it (the rules take theirs from ``facts.message_cues.strip_tags``)
    return HtmlFacts(tuple(collector.links), tuple(collector.resources), tuple(collector.forms), collector.truncated,
                     flattened, capped, collector.header_base_hits)
