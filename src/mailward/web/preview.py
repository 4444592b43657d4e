"""The safe preview of a message: its HTML sanitised so that showing it loads nothing.

Sanitising is done by nh3 (the Rust ammonia sanitiser) with the allow-list of tags
and attributes the gateway's defuser uses (``mailward.remote``), so scripts, event
handlers, forms, frames, <base>, <meta>, <link>, SVG and <style> blocks never reach
the browser. On top of the allow-list, every URL is
neutralised before it is written out: images become a local placeholder (a data:
URI, so not even mailward is asked for them), links lose their ``href`` (the
address stays readable in ``title``), ``srcset``/``background`` are dropped, and
an inline ``style`` keeps only the allow-listed declarations (read by tinycss2 as a
browser reads them) and none with ``url(``. The page that carries the result adds a
Content-Security-Policy (``default-src 'none'``) and a sandboxed iframe, so a
sanitiser bug still cannot load or run anything.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import nh3

from mailward.model import Message
from mailward.remote import (
    DROP_WITH_CONTENT,
    SAFE_ATTRIBUTES,
    SAFE_ELEMENTS,
    SAFE_GLOBAL_ATTRIBUTES,
    css_could_be_active,
    is_safe_image_source,
    safe_style_attribute,
)

# A grey box with a crossed-out picture: stands in for every image.
PLACEHOLDER = (
    "data:image/svg+xml,"
    "%3Csvg xmlns='http://www.w3.org/2000/svg' width='120' height='40' viewBox='0 0 120 40'%3E"
    "%3Crect width='120' height='40' fill='%23eee' stroke='%23999'/%3E"
    "%3Ctext x='60' y='24' font-size='10' text-anchor='middle' fill='%23555'%3Eimage blocked%3C/text%3E"
    "%3C/svg%3E"
)

# The allow-list is the defuser's (mailward.remote), narrowed for a fragment shown in
# our own page: no document-level elements, no <style> blocks (inline styles only).
_DOCUMENT_TAGS = {"html", "head", "body", "title", "style", "meta"}
_TAGS = set(SAFE_ELEMENTS) - _DOCUMENT_TAGS
_ATTRIBUTES = {
    "*": set(SAFE_GLOBAL_ATTRIBUTES) - {"id", "hidden"},
    **{tag: set(names) - {"target"} for tag, names in SAFE_ATTRIBUTES.items() if tag in _TAGS},
}


def _style(value: str) -> str | None:
    kept, _dropped = safe_style_attribute(value)
    return kept if kept and not css_could_be_active(kept) else None  # the preview keeps no url() at all


def _filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "style":
        return _style(value)
    if tag == "img" and attr == "src":
        return value if is_safe_image_source(value) and not value.strip().lower().startswith("cid:") else PLACEHOLDER
    if tag == "a" and attr == "href":
        return None  # never followed from the preview: the message page lists links
    if attr in ("class",) and css_could_be_active(value):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    clean_content_tags=(set(DROP_WITH_CONTENT) | _DOCUMENT_TAGS) - _TAGS,
    url_schemes={"data", "http", "https", "cid", "ftp", "mailto"},  # every one rewritten by _filter
    link_rel=None,
    strip_comments=True,
    attribute_filter=_filter,
)


def sanitise_html(source: str) -> str:
    """Email HTML -> an HTML fragment that cannot load or run anything."""
    return _CLEANER.clean(source)


@dataclass(frozen=True, slots=True)
class Preview:
    """What the preview frame shows: a whole HTML document, and what was done to it."""

    document: str
    kind: str  # "html" or "text" or "empty"


def preview_document(message: Message) -> Preview:
    """The document for the sandboxed preview frame of ``message``."""
    if message.html_parts:
        body = "\n<hr>\n".join(sanitise_html(part.text) for part in message.html_parts)
        kind = "html"
    elif message.text_parts:
        body = "\n<hr>\n".join(
            f'<pre style="white-space: pre-wrap">{html.escape(part.text)}</pre>' for part in message.text_parts
        )
        kind = "text"
    else:
        body = "<p><em>This message has no text or HTML body.</em></p>"
        kind = "empty"
    document = (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        "<style>body{font-family:sans-serif;margin:8px;color:#111;background:#fff}"
        "img{max-width:100%}</style></head><body>" + body + "</body></html>"
    )
    return Preview(document, kind)


# Served with the preview document: nothing may load except inline styles and data: images.
PREVIEW_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src 'none'; "
    "form-action 'none'; frame-src 'none'; base-uri 'none'; sandbox"
)

__all__ = ["PLACEHOLDER", "PREVIEW_CSP", "Preview", "preview_document", "sanitise_html"]
