"""Calendar invites (text/calendar, .ics): what a calendar client shows and loads.

Lines are unfolded first (RFC 5545 section 3.1: a line break followed by a space or
a tab continues the line), so a URL folded at 75 octets is read whole. Then:

- ``URL``, ``CONFERENCE``, links in ``DESCRIPTION`` / ``LOCATION`` / ``COMMENT`` and
  the Teams/Zoom ``X-`` join URLs are links;
- ``ATTACH`` with a URI value and ``IMAGE`` (RFC 7986) are remote loads: clients fetch
  them to show the attachment or picture;
- ``X-ALT-DESC;FMTTYPE=text/html`` (Outlook's HTML description) is read as HTML with
  the body analysis: its images are remote loads, its links links;
- ``ORGANIZER`` is kept, so rules can compare it with the message's sender.
"""

from __future__ import annotations

import re

from ..defects import DefectKind
from .base import Collector, is_remote_url
from .htmlpage import read_markup, read_scripts

_TEXT_URL = re.compile(r"""(?i)\b(?:https?://|www\.)[^\s<>"'`{}|\\^\[\]]{1,4096}""")
_TRAILING = ".,;:!?)]}>'\""
_FOLD = re.compile(r"\r?\n[ \t]")
_LINK_PROPS = frozenset({"URL", "CONFERENCE", "X-MICROSOFT-SKYPETEAMSMEETINGURL", "X-GOOGLE-CONFERENCE",
                         "X-MICROSOFT-ONLINEMEETINGCONFLINK", "X-ZOOM-URL"})
_TEXT_PROPS = frozenset({"DESCRIPTION", "LOCATION", "COMMENT", "SUMMARY"})
MAX_LINES = 20_000


def unfold(text: str) -> str:
    """RFC 5545 unfolding: CRLF (or a bare LF) followed by one space or tab is removed."""
    return _FOLD.sub("", text)


def unescape(value: str) -> str:
    """TEXT value escapes: \\n, \\N, \\, \\; \\\\."""
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def content_lines(text: str) -> list[tuple[str, dict[str, str], str]]:
    """(NAME, {PARAM: value}, value) for each unfolded content line."""
    out: list[tuple[str, dict[str, str], str]] = []
    for line in unfold(text).splitlines()[:MAX_LINES]:
        name_params, sep, value = _split_value(line)
        if not sep:
            continue
        pieces = name_params.split(";")
        name = pieces[0].strip().upper()
        params: dict[str, str] = {}
        for piece in pieces[1:]:
            key, _, val = piece.partition("=")
            params[key.strip().upper()] = val.strip().strip('"')
        out.append((name, params, value))
    return out


def _split_value(line: str) -> tuple[str, str, str]:
    """Split at the first colon outside a quoted parameter value."""
    quoted = False
    for index, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return line[:index], ":", line[index + 1 :]
    return line, "", ""


def calendar_text(text: str) -> str:
    """What a reader sees of the invite: summary, location and description, unescaped."""
    shown = [unescape(value) for name, _, value in content_lines(text) if name in _TEXT_PROPS]
    return "\n".join(shown)


def analyse_calendar(data: bytes, part: str, collector: Collector) -> None:
    from .base import decode_text

    text = decode_text(data[: collector.limits.max_html_chars * 2])
    lines = content_lines(text)
    if not any(name == "BEGIN" and value.strip().upper() == "VCALENDAR" for name, _, value in lines[:50]):
        collector.defect(DefectKind.CALENDAR_NO_VCALENDAR, "no BEGIN:VCALENDAR")
    for name, params, value in lines:
        if name in _LINK_PROPS or name.endswith("-URL"):
            if is_remote_url(value):
                collector.link(value.strip(), source="calendar", tag=name.lower())
        elif name == "ATTACH":
            if params.get("VALUE", "").upper() == "BINARY" or params.get("ENCODING", "").upper() == "BASE64":
                collector.signal("CALENDAR_INLINE_ATTACHMENT", params.get("X-FILENAME", "") or params.get("FMTTYPE", ""))
            elif is_remote_url(value):
                collector.resource(value, "calendar-attach", "attach")
                collector.signal("CALENDAR_REMOTE_ATTACH", value.strip())
        elif name == "IMAGE" and is_remote_url(value):
            collector.resource(value, "calendar-image", "image")
            collector.signal("CALENDAR_REMOTE_IMAGE", value.strip())
        elif name == "X-ALT-DESC" and "html" in params.get("FMTTYPE", "").lower():
            html = unescape(value)
            read_markup(html, part, collector)
            read_scripts(html, collector)
            collector.signal("CALENDAR_HTML_DESCRIPTION", f"{len(html)} chars")
        elif name in _TEXT_PROPS:
            for match in _TEXT_URL.finditer(unescape(value)):
                url = match.group(0).rstrip(_TRAILING)
                collector.link(("http://" + url) if url.lower().startswith("www.") else url, source="calendar", tag=name.lower())
        elif name == "ORGANIZER" and not collector.organizer:
            collector.organizer = value.strip().removeprefix("mailto:").removeprefix("MAILTO:").lower()[:300]
        elif name == "METHOD":
            collector.signal("CALENDAR_METHOD", value.strip().upper()[:20])
    remote = [r for r in collector.resources if is_remote_url(r.url)]
    if remote:
        collector.signal("CALENDAR_REMOTE_LOAD", remote[0].url)
