"""Pieces of HTML extraction shared with Outlook's conditional comments.

Outlook renders ``<!--[if mso]> ... <![endif]-->`` blocks, which HTML parsers read as
comments: newsletters put VML backgrounds (``<v:fill src=...>``) and images there,
and a tracker can too. ``conditional_resources`` finds the remote loads in them;
``px`` and ``css_resources`` are the pixel-size and CSS-load readers that
``mailward.html`` uses for the rest of the document.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from .model import Resource
from .remote import css_references

__all__ = ["conditional_resources", "css_resources", "px"]

_PX = re.compile(r"^\s*(-?\d{1,7})(?:\.\d+)?\s*(px)?\s*$", re.IGNORECASE)


def px(value: str | None) -> int | None:
    if not value:
        return None
    match = _PX.match(value.replace("!important", ""))
    return int(match.group(1)) if match else None


def css_resources(css: str, part: str, tag: str, hidden: str) -> list[Resource]:
    found: list[Resource] = []
    for kind, url in css_references(css):
        if kind == "css-url":
            found.append(Resource(url=url, kind=kind, part=part, tag=tag, hidden=bool(hidden), hidden_reason=hidden))
        else:
            found.append(Resource(url=url, kind=kind, part=part, tag=tag))
    return found


_MSO_OPEN = "<!--[if"
_MSO_CLOSE = "<![endif]-->"
_VML_SOURCES = ("src", "href", "o:href")


def conditional_blocks(html: str, limit: int = 200) -> list[str]:
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


def conditional_resources(html: str, part: str) -> list[Resource]:
    """Remote loads inside Outlook conditional comments (VML fills, images, styles)."""
    found: list[Resource] = []
    for block in conditional_blocks(html):
        if "src" not in block.lower() and "url(" not in block.lower() and "background" not in block.lower():
            continue
        tree = LexborHTMLParser(block)
        root = tree.root
        for node in root.traverse(include_text=False) if root is not None else ():
            tag = (node.tag or "").lower()
            attrs = node.attributes
            width, height = px(attrs.get("width")), px(attrs.get("height"))
            for name in _VML_SOURCES:
                value = attrs.get(name)
                if value and (tag.startswith("v:") or (name == "src" and tag == "img")):
                    found.append(Resource(value.strip(), "img", part, tag, width, height))
            background = attrs.get("background")
            if background:
                found.append(Resource(background.strip(), "background", part, tag))
            style = attrs.get("style")
            if style and "url(" in style.lower():
                found.extend(css_resources(style, part, tag, ""))
        for style_node in tree.css("style"):
            found.extend(css_resources(style_node.text(deep=False), part, "style", ""))
    return found
