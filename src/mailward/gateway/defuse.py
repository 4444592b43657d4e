"""Defuse a message: rewrite it so that opening it leaks nothing, and say so in a banner.

- tracking pixels and hidden remote images are removed;
- other remote images get a local placeholder (``remote_images`` = placeholder,
  alt or remove);
- click-tracking links go straight to their real destination when the redirector
  carries it; otherwise the link stays and is marked;
- remote stylesheets, CSS ``@import``, ``url()`` loads and web fonts are dropped,
  and so are frames, objects, scripts, ``<base>`` and meta refresh;
- a short banner at the top of the first HTML and first text part says in plain
  words what was found and what was done.

Every remote load in the HTML goes, whether or not the scan named it a beacon: the
scan's beacons only decide the wording (a pixel is "removed", an ordinary image is
"blocked") and which links are click trackers. Only text leaves change
(``mimesplice``); headers, attachments and structure keep their bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import re2
from selectolax.lexbor import LexborHTMLParser, LexborNode

from mailward.gateway.banner import DefuseReport, banner_html, banner_lines, banner_text
from mailward.gateway.mimesplice import Leaf, rewrite_text_parts
from mailward.gateway.settings import GatewaySettings
from mailward.result import Beacon, ScanResult

__all__ = ["DefuseReport", "defuse", "defuse_report", "is_remote", "sanitise_css"]

from ..html import flatten_deep_html

LINK_KINDS = frozenset({"link", "click", "redirect", "tracked-link"})
_LOCAL_SCHEMES = ("cid:", "data:", "#", "mailto:", "tel:", "about:blank")
_CLICK_SCHEMES = ("http://", "https://", "mailto:")
PLACEHOLDER_SRC = (
    "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%20width%3D%2216%22"
    "%20height%3D%2216%22%3E%3Crect%20width%3D%2216%22%20height%3D%2216%22%20fill%3D%22%23ddd%22%2F%3E%3C%2Fsvg%3E"
)
_REMOVE_TAGS = frozenset({
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "link",
    "portal", "noscript",
})
_RESOURCE_ATTRS = (
    "src", "srcset", "lowsrc", "dynsrc", "poster", "background", "data", "href", "xlink:href",
    "codebase", "archive", "imagesrcset",
)
_IMAGE_TAGS = frozenset({"img", "image", "input"})
_CLICK_TAGS = frozenset({"a", "area"})

# CSS: every pattern is a single pass with no nested quantifiers (linear time)
# On google-re2 (linear): with the backtracking engine both were quadratic on CSS
# such as "url(url(url(..." or "@import@import..." (36 s for 80 KB of "url(").
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.max_mem = 16 << 20
# url(...), quoted or bare: groups 1-3 hold the URL (at most one is non-empty)
_CSS_URL = re2.compile(r"""(?i)url\(\s*(?:'([^'")]*)'|"([^'")]*)"|([^'")]*))\s*\)""", _RE2_OPTIONS)
_CSS_IMPORT = re2.compile(r"(?i)@import[^;]*;?", _RE2_OPTIONS)
_CSS_REMOTE_LEFT = re.compile(r"""url\(\s*['"]?\s*(?!data:|cid:)""", re.IGNORECASE)
_CSS_DANGEROUS = re.compile(r"\\|image-set\(|image\(|@import|expression\(|-moz-binding|behavior\s*:", re.IGNORECASE)


def _load_real_destination() -> Callable[[str], str | None]:
    """The beacon analyser's redirect decoder for known redirectors, then a generic one.

    Only URLs the scan already named click-tracking links get here, so a query
    parameter holding a full http(s) URL is taken as the destination.
    """
    try:
        from mailward.beacons import real_destination  # known redirectors' URL shapes
    except ImportError:
        return _query_destination

    def chained(url: str) -> str | None:
        found: str | None = real_destination(url)
        return found or _query_destination(url)

    return chained


def _query_destination(url: str) -> str | None:
    """Fallback: a query parameter that holds a full http(s) URL (url=, u=, redirect=...)."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return None
    for _key, value in parse_qsl(query, keep_blank_values=False):
        candidate = value
        for _ in range(2):
            if candidate.lower().startswith(("http://", "https://")):
                return candidate
            candidate = unquote(candidate)
    return None


def is_remote(url: str) -> bool:
    """Would a mail client fetch this from the network? (relative URLs count: <base> may point away)."""
    value = "".join(url.split()).lower()
    return bool(value) and not value.startswith(_LOCAL_SCHEMES)


def _clean_url(url: str) -> str:
    return url.strip()


def sanitise_css(css: str) -> tuple[str, bool]:
    """(CSS without remote loads, whether anything was removed)."""
    if _CSS_DANGEROUS.search(css):
        # escapes can spell url( in ways no simple scanner follows; drop the lot
        without_imports = _CSS_IMPORT.sub("", css)
        if "\\" in without_imports or _CSS_DANGEROUS.search(without_imports):
            return "", True
        css = without_imports
        removed = True
    else:
        removed = False

    def replace(match: Any) -> str:
        nonlocal removed
        if is_remote(match.group(1) or match.group(2) or match.group(3) or ""):
            removed = True
            return "none"
        return str(match.group(0))

    out = _CSS_URL.sub(replace, css)
    if _CSS_REMOTE_LEFT.search(out):
        return "", True
    return out.replace("</", "<\\/"), removed


class _Defuser:
    def __init__(self, result: ScanResult, settings: GatewaySettings, neutralise: bool) -> None:
        self.settings = settings
        self.neutralise = neutralise
        self.report = DefuseReport()
        self.real_destination = _load_real_destination()
        self.load_beacons: dict[str, Beacon] = {}
        self.link_beacons: dict[str, Beacon] = {}
        for beacon in result.beacons:
            target = self.link_beacons if beacon.kind in LINK_KINDS else self.load_beacons
            target.setdefault(_clean_url(beacon.url), beacon)
        self.seen_links: set[str] = set()  # count each tracked URL once, whichever parts it is in
        self.html_done = False
        self.text_done = False
        self.pending_banner: list[tuple[str, Leaf]] = []

    # -- links ---------------------------------------------------------------

    def destination(self, url: str) -> str | None:
        beacon = self.link_beacons.get(url)
        dest = beacon.destination if beacon and beacon.destination else None
        if not dest:
            try:
                dest = self.real_destination(url)
            except Exception:  # a decoder bug must not stop the defusing
                dest = None
        if dest and dest.lower().startswith(_CLICK_SCHEMES) and dest != url:
            return dest
        return None

    # -- HTML ----------------------------------------------------------------

    def html(self, text: str) -> LexborHTMLParser:
        # hostile nesting depth makes HTML parsing quadratic: flatten containers first
        text, _flattened = flatten_deep_html(text)
        tree = LexborHTMLParser(text)
        removals: list[tuple[LexborNode, str | None]] = []
        nodes = list(tree.root.traverse(include_text=True)) if tree.root is not None else []
        for node in nodes:
            tag = node.tag or ""
            if not self.neutralise or tag == "-text":
                continue
            if tag == "-comment":
                # Outlook renders VML inside <!--[if mso]> comments and loads its src=;
                # no other client shows comments, so they all go
                if "//" in (node.comment_content or ""):
                    self.report.active_removed += 1
                removals.append((node, None))
                continue
            if not tag or tag.startswith("-"):  # no tag: a processing instruction or doctype (no attributes)
                continue
            self._element(node, tag, removals)
        for node, replacement in reversed(removals):
            if replacement is None:
                node.decompose()
            else:
                node.replace_with(replacement)
        return tree

    def _element(self, node: LexborNode, tag: str, removals: list[tuple[LexborNode, str | None]]) -> None:
        attrs = node.attrs
        if tag in _REMOVE_TAGS or (tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh"):
            self.report.active_removed += 1
            if tag == "link" and "stylesheet" in (attrs.get("rel") or "").lower():
                self.report.styles_removed += 1
                self.report.active_removed -= 1
            removals.append((node, None))
            return
        if tag == "style":
            css, removed = sanitise_css(node.text(deep=True))
            if removed:
                self.report.styles_removed += 1
                replacement = LexborHTMLParser(f"<style>{css}</style>").css_first("style")
                if replacement is not None:
                    node.replace_with(replacement)
            return
        if "ping" in attrs:  # <a ping=...> reports the click to another URL
            del attrs["ping"]
        style = attrs.get("style")
        if style:
            css, removed = sanitise_css(style)
            if removed:
                self.report.styles_removed += 1
                if css.strip():
                    attrs["style"] = css
                else:
                    del attrs["style"]
        for name, value in list(attrs.items()):  # SVG fill/filter/mask="url(https://...)"
            if name != "style" and value and "url(" in value.lower() and sanitise_css(value)[1]:
                del attrs[name]
                self.report.styles_removed += 1
        if tag in _CLICK_TAGS:
            self._link(node, attrs)
            attr_names: tuple[str, ...] = tuple(a for a in _RESOURCE_ATTRS if a != "href")
        else:
            attr_names = _RESOURCE_ATTRS
        remote = [(name, value) for name in attr_names if (value := attrs.get(name)) and _any_remote(name, value)]
        if not remote:
            return
        is_image = tag in _IMAGE_TAGS or (tag == "source" and _parent_tag(node) == "picture")
        if is_image:
            urls = [_clean_url(v) for _n, v in remote]
            beacon = any(u in self.load_beacons and self.load_beacons[u].kind != "remote" for u in urls)
            if beacon or _tiny_or_hidden(attrs) or _hidden_ancestor(node):
                self.report.beacons_removed += 1
                removals.append((node, None))
                return
            self.report.images_blocked += 1
            mode = self.settings.remote_images
            if mode == "remove" or tag == "source":
                removals.append((node, None))
                return
            if mode == "alt":
                alt = (attrs.get("alt") or "").strip()
                removals.append((node, f"[image: {alt}]" if alt else "[image]"))
                return
            host = _host(urls[0])
            for name, _value in remote:
                del attrs[name]
            attrs["src"] = PLACEHOLDER_SRC
            attrs["title"] = f"Remote image from {host} blocked by mailward" if host else "Remote image blocked by mailward"
            if not attrs.get("alt"):
                attrs["alt"] = "[remote image blocked]"
            return
        for name, _value in remote:
            del attrs[name]
        if tag in ("video", "audio", "track"):
            self.report.active_removed += 1
        elif tag in ("use", "feimage", "image"):
            self.report.beacons_removed += 1
        else:
            self.report.styles_removed += 1  # background= and friends

    def _link(self, node: LexborNode, attrs: object) -> None:
        href = node.attrs.get("href")
        if not href:
            return
        url = _clean_url(href)
        beacon = self.link_beacons.get(url)
        dest = self.destination(url) if beacon else None
        if dest:
            node.attrs["href"] = dest
            node.attrs["title"] = f"mailward removed the click tracker ({_host(url)})"
            self._count(url, rewritten=True)
        elif beacon and self.settings.mark_tracked_links:
            who = beacon.operator or _host(url)
            node.attrs["title"] = f"Tracked link: opening it tells {who} that you clicked"
            node.insert_after(" [tracked link]")
            self._count(url, rewritten=False)

    def _count(self, url: str, *, rewritten: bool) -> None:
        if url in self.seen_links:
            return
        self.seen_links.add(url)
        if rewritten:
            self.report.links_rewritten += 1
        else:
            self.report.links_marked += 1

    # -- text ----------------------------------------------------------------

    def text(self, text: str) -> str:
        if not self.neutralise:
            return text
        for url, beacon in sorted(self.link_beacons.items(), key=lambda kv: -len(kv[0])):
            if url not in text:
                continue
            dest = self.destination(url)
            if dest:
                self._count(url, rewritten=True)
                text = text.replace(url, dest)
            elif self.settings.mark_tracked_links:
                self._count(url, rewritten=False)
                text = text.replace(url, f"{url} [tracked link]")
            del beacon
        return text


def _parent_tag(node: LexborNode) -> str:
    parent = node.parent
    return (parent.tag or "") if parent is not None else ""


def _any_remote(name: str, value: str) -> bool:
    if name in ("srcset", "imagesrcset"):
        return any(is_remote(c.strip().split(" ")[0]) for c in value.split(",") if c.strip())
    return is_remote(value)


_PX = re.compile(r"^\s*(\d{1,6})")
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0*)?\s*(?:;|$)|(?:width|height)\s*:\s*[0-2]px",
    re.IGNORECASE,
)


def _tiny_or_hidden(attrs: object) -> bool:
    get = attrs.get  # type: ignore[attr-defined]
    for name in ("width", "height"):
        value = get(name)
        if value:
            match = _PX.match(value)
            if match and int(match.group(1)) <= 2:
                return True
    if "hidden" in attrs:  # type: ignore[operator]
        return True
    style = get("style") or ""
    return bool(_HIDDEN_STYLE.search(style))


def _hidden_ancestor(node: LexborNode) -> bool:
    """Inside an element that is not displayed (display:none, hidden, zero size)."""
    parent = node.parent
    depth = 0
    while parent is not None and depth < 64 and (parent.tag or "") not in ("body", "html"):
        attrs = parent.attrs
        if "hidden" in attrs or _HIDDEN_STYLE.search(attrs.get("style") or ""):
            return True
        parent = parent.parent
        depth += 1
    return False


def _host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def _add_html_banner(tree: LexborHTMLParser, lines: list[str]) -> str:
    fragment = LexborHTMLParser(banner_html(lines)).body
    node = fragment.child if fragment is not None else None
    body = tree.body
    if node is not None and body is not None:
        if body.child is not None:
            body.child.insert_before(node)
        else:
            body.insert_child(node)
    return _serialise(tree)


def _serialise(tree: LexborHTMLParser) -> str:
    return tree.html or ""


# -- entry points -------------------------------------------------------------


def defuse_report(
    raw: bytes,
    result: ScanResult,
    settings: GatewaySettings | None = None,
    *,
    neutralise: bool = True,
) -> tuple[bytes, DefuseReport]:
    """Defuse ``raw`` (``neutralise=False``: banner only). Returns the new bytes and what was done.

    Two passes: the first rewrites the parts and counts what it removed, the second
    puts the banner built from those counts at the top of the first HTML and text part.
    """
    settings = settings or GatewaySettings()
    worker = _Defuser(result, settings, neutralise)
    if neutralise and settings.defuse_attachments:
        raw = _defuse_attachments(raw, result, settings, worker.report)
    trees: dict[str, LexborHTMLParser] = {}
    texts: dict[str, str] = {}

    def first_pass(leaf: Leaf) -> str | None:
        if leaf.content_type == "text/html":
            tree = worker.html(leaf.text)
            trees[leaf.path] = tree
            return None
        new = worker.text(leaf.text)
        texts[leaf.path] = new
        return None

    rewrite_text_parts(raw, first_pass)
    lines = banner_lines(result, worker.report, neutralise=neutralise) if settings.banner else []
    worker.report.banner = " ".join(lines)
    state = {"html": False, "text": False}

    def second_pass(leaf: Leaf) -> str | None:
        if leaf.content_type == "text/html":
            tree = trees.get(leaf.path)
            if tree is None:
                return None
            if lines and not state["html"]:
                state["html"] = True
                out = _add_html_banner(tree, lines)
            elif not neutralise:
                return None
            else:
                out = _serialise(tree)
        else:
            new = texts.get(leaf.path, leaf.text)
            if lines and not state["text"]:
                state["text"] = True
                new = banner_text(lines) + new
            elif new == leaf.text:
                return None
            out = new
        worker.report.parts_changed.append(leaf.path)
        return out

    new_raw = rewrite_text_parts(raw, second_pass)
    return new_raw, worker.report


def _defuse_attachments(raw: bytes, result: ScanResult, settings: GatewaySettings, report: DefuseReport) -> bytes:
    """Attachments first (``attachdefuse``): remote relationships out of Office files, remote
    lines out of invites, attached pages through the HTML defuser, active files replaced."""
    from mailward.gateway.attachdefuse import defuse_attachments

    pages = _Defuser(result, settings, True)  # its own counters: the banner names attachments apart

    def html_defuser(text: str) -> str:
        return _serialise(pages.html(text))

    try:
        new_raw, actions = defuse_attachments(raw, html_defuser)
    except Exception:  # an attachment the rewriter chokes on stays as it was; the body is still defused
        return raw
    for action in actions:
        report.attachments.append((action.action, action.filename, action.what))
        report.parts_changed.append(action.part)
    return new_raw


def defuse(raw: bytes, result: ScanResult, settings: GatewaySettings | None = None) -> bytes:
    """``raw`` rewritten so that opening it leaks nothing, with a banner saying what was found."""
    return defuse_report(raw, result, settings)[0]
