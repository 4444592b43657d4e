"""Defuse a message: rewrite it so that opening it leaks nothing, and say so in a banner.

HTML is rewritten by allow-list (``mailward.remote``): only known-safe elements,
attributes, URL schemes and CSS properties stay; everything else is dropped or
neutralised, whether or not the scan named it a beacon. On top of that:

- tracking pixels and hidden remote images are removed;
- other remote images get a local placeholder (``remote_images`` = placeholder,
  alt or remove);
- click-tracking links go straight to their real destination when the redirector
  carries it; otherwise the link stays and is marked;
- a short banner at the top of the first HTML and first text part says in plain
  words what was found and what was done.

The scan's beacons only decide the wording (a pixel is "removed", an ordinary image
is "blocked") and which links are click trackers. The HTML is prepared exactly as
the scanner prepared it (``htmlprep.prepare_html``), so both read the same tree.
Only text leaves change (``mimesplice``); headers, attachments and structure keep
their bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import Message
from typing import Any
from urllib.parse import parse_qsl, unquote

from selectolax.lexbor import LexborHTMLParser, LexborNode

from mailward import domains
from mailward.gateway.banner import DefuseReport, banner_html, banner_lines, banner_text
from mailward.gateway.mimesplice import (
    DecodeCache,
    Leaf,
    Splits,
    Written,
    drop_fields,
    rewrite_text_parts,
    split_head,
)
from mailward.gateway.settings import GatewaySettings
from mailward.headers import READ_RECEIPT_FIELDS
from mailward.html import extract_html
from mailward.htmlprep import prepare_html
from mailward.mimeskeleton import parse_mime
from mailward.remote import (
    DROP_WITH_CONTENT,
    LINK_LOAD_RELS,
    LOAD_ATTRIBUTES,
    SAFE_ELEMENTS,
    allowed_attribute,
    attribute_urls,
    css_references,
    is_remote,
    is_safe_image_source,
    is_safe_link,
    safe_style_attribute,
    safe_stylesheet,
)
from mailward.result import Beacon, ScanResult

__all__ = ["DefuseReport", "defuse", "defuse_report", "is_remote", "sanitise_css"]

LINK_KINDS = frozenset({"link", "click", "redirect", "tracked-link"})
_CLICK_SCHEMES = ("http://", "https://", "mailto:")
PLACEHOLDER_SRC = (
    "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%20width%3D%2216%22"
    "%20height%3D%2216%22%3E%3Crect%20width%3D%2216%22%20height%3D%2216%22%20fill%3D%22%23ddd%22%2F%3E%3C%2Fsvg%3E"
)
_IMAGE_LOAD_ATTRS = ("src", "srcset", "lowsrc", "dynsrc")
_CLICK_TAGS = frozenset({"a", "area"})
_ACTIVE = frozenset({"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal",
                     "noscript", "video", "audio", "track", "fencedframe", "bgsound"})


def _load_real_destination() -> Callable[[str], str | None]:
    """The beacon analyser's redirect decoder for known redirectors, then a generic one.

    Only URLs the scan already named click-tracking links get here, so a query
    parameter holding a full http(s) URL is taken as the destination.
    """
    from mailward.beacons import real_destination  # known redirectors' URL shapes

    def chained(url: str) -> str | None:
        found: str | None = real_destination(url)
        return found or _query_destination(url)

    return chained


def _query_destination(url: str) -> str | None:
    """Fallback: a query parameter that holds a full http(s) URL (url=, u=, redirect=...)."""
    query = domains.split_url(url).query
    for _key, value in parse_qsl(query, keep_blank_values=False):
        candidate = value
        for _ in range(2):
            if candidate.lower().startswith(("http://", "https://")):
                return candidate
            candidate = unquote(candidate)
    return None


def sanitise_css(css: str) -> tuple[str, bool]:
    """(a style sheet with only allow-listed rules and declarations, whether anything went)."""
    out, dropped = safe_stylesheet(css)
    return out, dropped


def _clean_url(url: str) -> str:
    return url.strip()


def _loads_remote(name: str, value: str) -> bool:
    return any(is_remote(url) for url in attribute_urls(name, value))


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
        text, _flattened, _capped = prepare_html(text)  # the scanner's tree, parsed in bounded time
        tree = LexborHTMLParser(text)
        if not self.neutralise or tree.root is None:
            return tree
        actions: list[tuple[LexborNode, str | None]] = []  # None: drop; "": unwrap; text: replace with it
        stack = [tree.root]
        while stack:  # pre-order, without entering what is dropped
            node = stack.pop()
            keep_children = self._node(node, actions)
            if keep_children:
                stack.extend(reversed(list(node.iter(include_text=True))))
        for node, action in reversed(actions):  # descendants before their ancestors
            if action is None:
                node.decompose()
            elif action == "":
                if node.child is None:
                    node.decompose()  # selectolax does not unwrap an empty element
                else:
                    node.unwrap()
            else:
                node.replace_with(action)
        return tree

    def _node(self, node: LexborNode, actions: list[tuple[LexborNode, str | None]]) -> bool:
        """Decide one node; True when its children are to be walked."""
        tag = (node.tag or "").lower()
        if tag == "-text":
            return False
        if tag == "-comment":
            # Outlook renders VML inside <!--[if mso]> comments and loads its src=;
            # no other client shows comments, so they all go
            if "//" in (node.comment_content or ""):
                self.report.active_removed += 1
            actions.append((node, None))
            return False
        if not tag or tag.startswith("-"):  # the document, a doctype or processing instruction
            return tag == "-document" or tag == "#document" or not tag
        attrs = node.attrs
        if tag in DROP_WITH_CONTENT or (tag == "meta" and "http-equiv" in {n.lower() for n in attrs.keys()}):
            self._count_dropped(tag, node)
            actions.append((node, None))
            return False
        if tag not in SAFE_ELEMENTS:
            if any(_loads_remote(n.lower(), v) for n, v in attrs.items() if v and n.lower() in LOAD_ATTRIBUTES):
                self.report.styles_removed += 1  # background= and friends on an element that goes
            actions.append((node, ""))  # its text stays, its tag and attributes go
            return True
        if tag == "style":
            self._style(node)
            return False
        if tag in _CLICK_TAGS:
            self._link(node, attrs)
        if tag == "img" and self._image(node, attrs, actions):
            return False
        self._attributes(tag, node)
        return True

    def _count_dropped(self, tag: str, node: LexborNode) -> None:
        attrs = node.attrs
        rel = (attrs.get("rel") or "").lower()
        if tag == "link":
            if "stylesheet" in rel:
                self.report.styles_removed += 1
            elif set(rel.split()) & LINK_LOAD_RELS:
                self.report.active_removed += 1
            return
        urls = [url for name, value in attrs.items() if value and name.lower() in LOAD_ATTRIBUTES
                for url in attribute_urls(name.lower(), value) if is_remote(url)]
        if any(_clean_url(u) in self.load_beacons for u in urls) or tag in ("svg", "image"):
            self.report.beacons_removed += 1
        elif tag in _ACTIVE or tag == "meta" or urls:
            self.report.active_removed += 1

    def _style(self, node: LexborNode) -> None:
        original = node.text(deep=False)  # what the browser reads: the direct text children
        css, removed = sanitise_css(original)
        if not removed and css == original:
            return
        if any(is_remote(url) for _kind, url in css_references(original)):
            self.report.styles_removed += 1
        replacement = LexborHTMLParser(f"<style>{css}</style>").css_first("style")
        if replacement is not None:
            node.replace_with(replacement)

    def _attributes(self, tag: str, node: LexborNode) -> None:
        """Keep only the allow-listed attributes; ``style`` keeps only safe declarations."""
        attrs = node.attrs
        for name, value in list(attrs.items()):
            lname = name.lower()
            if lname == "style" and value:
                css, removed = safe_style_attribute(value)
                if removed and any(is_remote(url) for _kind, url in css_references(value)):
                    self.report.styles_removed += 1
                if css:
                    attrs[name] = css
                else:
                    del attrs[name]
            elif lname == "href" and tag in _CLICK_TAGS:
                if value is not None and not is_safe_link(value):
                    del attrs[name]
            elif not allowed_attribute(tag, lname):
                if value and lname in LOAD_ATTRIBUTES and _loads_remote(lname, value):
                    self.report.styles_removed += 1  # background= and friends
                del attrs[name]

    def _image(self, node: LexborNode, attrs: Any, actions: list[tuple[LexborNode, str | None]]) -> bool:
        """A remote image: removed (a beacon, tiny or hidden) or blocked. True when the node goes."""
        remote = [(name, value) for name in _IMAGE_LOAD_ATTRS
                  if (value := attrs.get(name)) and _loads_remote(name, value)]
        src = attrs.get("src")
        if src is not None and not is_safe_image_source(src) and src != PLACEHOLDER_SRC and not remote:
            del attrs["src"]  # javascript:, svg data and other schemes that are not an image of the message
        if not remote:
            return False
        urls = [_clean_url(url) for name, value in remote for url in attribute_urls(name, value)]
        beacon = any(u in self.load_beacons and self.load_beacons[u].kind != "remote" for u in urls)
        if beacon or _tiny_or_hidden(attrs) or _hidden_ancestor(node):
            self.report.beacons_removed += 1
            actions.append((node, None))
            return True
        self.report.images_blocked += 1
        mode = self.settings.remote_images
        if mode == "remove":
            actions.append((node, None))
            return True
        if mode == "alt":
            alt = (attrs.get("alt") or "").strip()
            actions.append((node, f"[image: {alt}]" if alt else "[image]"))
            return True
        host = _host(urls[0])
        for name, _value in remote:
            del attrs[name]
        attrs["src"] = PLACEHOLDER_SRC
        attrs["title"] = f"Remote image from {host} blocked by mailward" if host else "Remote image blocked by mailward"
        if not attrs.get("alt"):
            attrs["alt"] = "[remote image blocked]"
        return False

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
    return domains.split_url(url).host


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
    raw = _bare_cr_as_crlf(raw)
    written: Written = []
    new_raw, report = _defuse_once(raw, result, settings, neutralise, written)
    if neutralise and _still_loads(new_raw, written):
        # The splice and a mail client's parser disagreed on where the parts are (mixed
        # line ends, found by the browser oracle over fuzzed messages): read with every
        # line end as CRLF, as clients do, and defuse again.
        new_raw, report = _defuse_once(_LINE_END.sub(b"\r\n", raw), result, settings, neutralise)
    return new_raw, report


def _defuse_once(
    raw: bytes, result: ScanResult, settings: GatewaySettings, neutralise: bool, written: Written | None = None
) -> tuple[bytes, DefuseReport]:
    worker = _Defuser(result, settings, neutralise)
    if neutralise:  # a read receipt tells the sender the message was opened, as a pixel does
        head, sep, body = split_head(raw)
        head, worker.report.receipts_removed = drop_fields(head, READ_RECEIPT_FIELDS)
        raw = head + sep + body
    splits = Splits()  # the three walks cut the message once
    if neutralise and settings.defuse_attachments:
        raw = _defuse_attachments(raw, result, settings, worker.report, splits)
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

    decoded: DecodeCache = {}  # the second walk reuses the first one's decoded parts
    rewrite_text_parts(raw, first_pass, decoded, splits=splits)
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

    new_raw = rewrite_text_parts(raw, second_pass, decoded, written, splits)
    return new_raw, worker.report


def _defuse_attachments(raw: bytes, result: ScanResult, settings: GatewaySettings, report: DefuseReport,
                        splits: Splits | None = None) -> bytes:
    """Attachments first (``attachdefuse``): remote relationships out of Office files, remote
    lines out of invites, attached pages through the HTML defuser, active files replaced."""
    from mailward.gateway.attachdefuse import defuse_attachments

    pages = _Defuser(result, settings, True)  # its own counters: the banner names attachments apart

    def html_defuser(text: str) -> str:
        return _serialise(pages.html(text))

    try:
        new_raw, actions = defuse_attachments(raw, html_defuser, splits)
    except Exception:  # an attachment the rewriter chokes on stays as it was; the body is still defused
        return raw
    for action in actions:
        report.attachments.append((action.action, action.filename, action.what))
        report.parts_changed.append(action.part)
    return new_raw


_BARE_CR = re.compile(rb"\r(?!\n)")
_LINE_END = re.compile(rb"\r\n|\r|\n")


def _still_loads(raw: bytes, written: Written | None = None) -> bool:
    """Would a mail client, parsing the defused message its own way, still find an
    HTML part that loads something? (the stdlib parser, as most clients read MIME)

    ``written``: the base64 bodies the splice wrote and the bytes they hold; a part
    whose body is exactly one of them is not decoded again (the same bytes).
    """
    try:
        msg = parse_mime(raw)  # = email.message_from_bytes(raw, policy=compat32), faster when big
        for part in msg.walk():
            if part.get_content_type() != "text/html" or part.is_multipart():
                continue
            known = _known_payload(part, written) if written else None
            payload = known if known is not None else part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                continue
            text = payload.decode(part.get_content_charset() or "utf-8", "replace")
            facts = extract_html(text, "check")
            if any(is_remote(resource.url) for resource in facts.resources):
                return True
    except (LookupError, ValueError, RecursionError, UnicodeError):
        return False
    return False


def _known_payload(part: Message, written: Written) -> bytes | None:
    """``part.get_payload(decode=True)`` when the part is in base64 and its body is exactly
    one the splice wrote (then it is the bytes written); None: decode it as usual."""
    if str(part.get("content-transfer-encoding", "")).lower() != "base64":  # get_payload's own test
        return None
    # the body as parsed (get_payload() without decode would pass other bytes through the charset)
    body = getattr(part, "_payload", None)
    if not isinstance(body, str) or len(body) not in {len(encoded) for encoded, _data in written}:
        return None
    try:
        as_bytes = body.encode("ascii")  # what get_payload(decode=True) decodes; written bodies are ASCII
    except UnicodeError:
        return None
    return next((data for encoded, data in written if encoded == as_bytes), None)


def _bare_cr_as_crlf(raw: bytes) -> bytes:
    """A message whose lines end in a bare CR: mail clients (and the scanner's parser)
    take CR as a line end and find the HTML part, while the splice would see one header
    line and rewrite nothing. Found by the browser oracle over fuzzed messages."""
    if b"\r" not in raw or split_head(raw)[1]:
        return raw  # a blank line ends the header: the splice reads this message as clients do
    return _BARE_CR.sub(b"\r\n", raw)


def defuse(raw: bytes, result: ScanResult, settings: GatewaySettings | None = None) -> bytes:
    """``raw`` rewritten so that opening it leaks nothing, with a banner saying what was found."""
    return defuse_report(raw, result, settings)[0]
