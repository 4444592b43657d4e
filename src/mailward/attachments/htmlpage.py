"""HTML attachments: a local page the browser opens, the classic fake-login carrier.

The markup is read with the body analysis (``mailward.html.extract_html``): its
remote loads become beacons of this part, its links and forms are the message's
too. On top, the page's scripts are read as text for what phishing kits do:
redirect elsewhere (``location=``, ``location.replace``, meta refresh), post the
typed password elsewhere (``fetch``/``XMLHttpRequest``, a form action on another
host) and hide the real page in an encoded blob (``atob``, ``unescape``,
``data:`` URIs, long base64 runs). Nothing is run or fetched.
"""

from __future__ import annotations

from dataclasses import replace

import re2

from mailward import linear_regex

from ..defects import DefectKind
from ..html import extract_html
from ..model import Link
from .base import Collector, decode_text, is_remote_url

_OPTIONS = linear_regex.OPTIONS
_SCRIPT_REDIRECT = re2.compile(
    r"(?i)(?:\blocation(?:\.href)?\s*=(?:[^=]|$)|\blocation\.(?:replace|assign)\s*\(|\bwindow\.open\s*\(|\bnavigate\s*\()",
    _OPTIONS,
)
_SCRIPT_POST = re2.compile(r"(?i)\bfetch\s*\(|\bXMLHttpRequest\b|\$\.(?:ajax|post)\s*\(|\bnavigator\.sendBeacon\s*\(", _OPTIONS)
_DECODERS = re2.compile(
    r"(?i)\batob\s*\(|\bunescape\s*\(|String\.fromCharCode\s*\(|\bdecodeURIComponent\s*\(\s*escape\s*\(|\beval\s*\(|document\.write\s*\(",
    _OPTIONS,
)
_DATA_URI = re2.compile(r"(?i)data:([a-z0-9.+/-]{1,60})(?:;[a-z0-9=.+-]{1,40}){0,3};base64,([A-Za-z0-9+/=]{200,})", _OPTIONS)
_BASE64_RUN = re2.compile(r"[A-Za-z0-9+/]{256,}={0,2}", _OPTIONS)
_URL_LITERAL = re2.compile(r"""(?i)["'`](https?://[^"'`\s<>]+)["'`]""", _OPTIONS)
_TELEGRAM = re2.compile(r"(?i)api\.telegram\.org/bot|discord(?:app)?\.com/api/webhooks", _OPTIONS)
_PASSWORD = re2.compile(r"""(?i)<input[^>]{0,500}type\s*=\s*["']?password""", _OPTIONS)
_SCRIPT_BLOCK = re2.compile(r"(?is)<script[^>]*>(.*?)</script>", _OPTIONS)
_HANDLER = re2.compile(r"""(?i)\son[a-z]{3,20}\s*=\s*["']""", _OPTIONS)


def analyse_html(data: bytes, part: str, collector: Collector) -> None:
    text = decode_text(data[: collector.limits.max_html_chars * 2])[: collector.limits.max_html_chars]
    read_markup(text, part, collector)
    read_scripts(text, collector)


def read_markup(text: str, part: str, collector: Collector, *, link_source: str = "html") -> None:
    """Loads, links and forms of the markup, through the body analysis."""
    try:
        facts = extract_html(text, part, max_links=collector.limits.max_items, max_resources=collector.limits.max_items)
    except (ValueError, RecursionError, MemoryError) as exc:
        collector.defect(DefectKind.ATTACHMENT_UNPARSABLE, f"{collector.format}: {type(exc).__name__}")
        return
    if facts.flattened:
        collector.defect(DefectKind.HTML_DEEP_NESTING, "nesting flattened for analysis")
    collector.resources.extend(facts.resources[: collector.limits.max_items])
    for link in facts.links[: collector.limits.max_items]:
        collector.links.append(link if link.source == link_source else _with_source(link, link_source))
    collector.forms.extend(facts.forms)
    for form in facts.forms:
        if is_remote_url(form.action):
            collector.signal("HTML_FORM_EXTERNAL", form.action)
        if "password" in form.inputs:
            collector.signal("HTML_PASSWORD_FORM", form.action or "(posts to itself or by script)")
    for resource in facts.resources:
        if resource.kind == "meta-refresh" and is_remote_url(resource.url):
            collector.signal("HTML_META_REFRESH", resource.url)


def _with_source(link: Link, source: str) -> Link:
    return replace(link, source=source)


def read_scripts(text: str, collector: Collector) -> None:
    """What the page's scripts would do, read as text."""
    lowered_has_script = "<script" in text.lower() or "javascript:" in text.lower()
    scripts = [str(m) for m in _SCRIPT_BLOCK.findall(text)][:200] if lowered_has_script else []
    code = "\n".join(scripts)
    if scripts:
        collector.signal("HTML_SCRIPT", f"{len(scripts)} script block(s)")
    if _HANDLER.search(text):
        collector.signal("HTML_EVENT_HANDLER", "on* attribute runs script")
    if code:
        match = _SCRIPT_REDIRECT.search(code)
        if match:
            target = _URL_LITERAL.search(code[match.start() : match.start() + 2000])
            collector.signal("HTML_SCRIPT_REDIRECT", target.group(1) if target else match.group(0).strip())
            if target:
                collector.link(target.group(1), source="script", tag="script")
        if _SCRIPT_POST.search(code):
            urls = [u for u in _URL_LITERAL.findall(code)][:3]
            collector.signal("HTML_SCRIPT_POST", ", ".join(urls) or "sends data by script")
        if _TELEGRAM.search(code):
            collector.signal("HTML_EXFIL_CHAT_API", "posts to a chat bot / webhook API")
        decoder = _DECODERS.search(code)
        if decoder:
            collector.signal("HTML_ENCODED_BLOB", decoder.group(0).strip().rstrip("("))
    for match in _DATA_URI.finditer(text):
        mime = match.group(1).lower()
        if mime in ("text/html", "application/xhtml+xml", "image/svg+xml", "application/javascript", "text/javascript") or len(match.group(2)) > 20_000:
            collector.signal("HTML_ENCODED_BLOB", f"data:{mime};base64 ({len(match.group(2))} chars)")
            break
    if len(text) > 2000:
        for count, run in enumerate(_BASE64_RUN.finditer(text)):
            if count >= 500:
                break
            if len(run.group(0)) >= 2000 and not _inside_image_data(text, run.start()):
                collector.signal("HTML_ENCODED_BLOB", f"base64 run of {len(run.group(0))} chars")
                break
    if _PASSWORD.search(text):
        collector.signal("HTML_PASSWORD_FIELD", "")


def _inside_image_data(text: str, start: int) -> bool:
    """A long base64 run that is the body of a data:image URI (an inline logo) is no blob."""
    head = text[max(0, start - 80) : start].lower()
    return "data:image/" in head and "svg" not in head
