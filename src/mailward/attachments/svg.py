"""SVG attachments: an image that is also a document with scripts, links and HTML inside.

Opened from a mail client, an .svg file goes to the browser, where ``<script>``
runs, ``<foreignObject>`` shows HTML (a login form), ``<a>`` links are clickable and
``<image>`` / ``<use>`` / CSS load from the network. The markup is read with the body
analysis (Lexbor parses SVG), scripts as text as for HTML pages.
"""

from __future__ import annotations

import re2

from mailward import linear_regex

from .base import Collector, decode_text
from .htmlpage import read_markup, read_scripts

_OPTIONS = linear_regex.OPTIONS
_XLINK_A = re2.compile(r"""(?is)<a\b[^>]*?\b(?:xlink:)?href\s*=\s*["']([^"']+)["']""", _OPTIONS)


def analyse_svg(data: bytes, part: str, collector: Collector) -> None:
    text = decode_text(data[: collector.limits.max_html_chars * 2])[: collector.limits.max_html_chars]
    lowered = text.lower()
    if "<script" in lowered:
        collector.signal("SVG_SCRIPT", "<script>")
    if "foreignobject" in lowered:
        collector.signal("SVG_FOREIGN_OBJECT", "<foreignObject> embeds HTML")
    if "javascript:" in lowered:
        collector.signal("SVG_SCRIPT", "javascript: URL")
    known: set[str] = set()
    read_markup(text, part, collector)
    known.update(link.url for link in collector.links)
    for url in _XLINK_A.findall(text):
        url = str(url).strip()
        if url and url not in known and not url.startswith("#"):
            collector.link(url, source="html", tag="a")
            known.add(url)
    if collector.links:
        collector.signal("SVG_LINK", collector.links[0].url)
    read_scripts(text, collector)
    if any(s.kind == "HTML_EVENT_HANDLER" for s in collector.signals):
        collector.signal("SVG_SCRIPT", "on* event handler")
