"""Attachment analysis: what a file does when the reader opens it.

``analyse_attachment(data, ...)`` decides from the declared type, the file name and
the magic bytes whether the attachment calls for opening at all (most do not: images
without a QR code in sight, plain text, calendars aside), then hands the bytes to
the analyser of its format, one module per format:

| format | module | reads |
|---|---|---|
| HTML page | ``htmlpage`` | remote loads, forms, script redirects and posts, encoded blobs |
| SVG | ``svg`` | scripts, foreignObject, links, remote loads |
| calendar | ``calendar`` | unfolded URL, ATTACH, IMAGE, X-ALT-DESC HTML, ORGANIZER |
| PDF | ``pdf`` | links, actions (on open too), forms, JavaScript, embedded files, QR codes |
| OOXML, ODF, OLE2, RTF | ``office`` | external relationships, macros, DDE, remote fields |
| ZIP | ``archive`` | nesting, encryption, dangerous members, carrier members |
| images | ``qr`` | QR codes |
| .url, .webloc, .lnk, disk images, OneNote | ``shortcuts`` | targets, remote icons, embedded files |

Analysers are pure functions of the bytes: nothing is fetched, work is bounded
(``AttachmentLimits``) and a malformed file gives defects, never an exception.
"""

from __future__ import annotations

from ..defects import DefectKind
from ..model import AttachmentReport, Defect
from .base import DEFAULT_LIMITS, AttachmentLimits, Collector
from .shortcuts import disk_image_kind

__all__ = ["DEFAULT_LIMITS", "AttachmentLimits", "analyse_attachment", "attachment_format"]

_HTML_EXTS = frozenset({"html", "htm", "shtml", "xhtml", "xht", "mht", "mhtml"})
_OOXML_EXTS = frozenset("docx docm dotx dotm xlsx xlsm xltx xltm xlsb xlam pptx pptm potx potm ppsx ppsm ppam".split())
_ODF_EXTS = frozenset("odt ods odp odg ott ots otp".split())
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp", "image/tiff")
_DISK_EXTS = frozenset({"iso", "img", "vhd", "vhdx", "dmg", "udf"})


def _ext(filename: str) -> str:
    name = filename.strip().strip(".").lower().rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[-1].strip() if "." in name else ""


def attachment_format(data: bytes, filename: str, declared_type: str, sniffed_type: str) -> str:
    """The analyser an attachment calls for, or "" when none does (cheap: name, type and magic only)."""
    ext = _ext(filename)
    declared = declared_type.lower()
    head = data[:1024]
    if sniffed_type == "application/pdf" or (b"%PDF-" in head and ext == "pdf"):
        return "pdf"
    if sniffed_type == "application/zip":
        if b"[Content_Types].xml" in data[:65536] or ext in _OOXML_EXTS or b"[Content_Types].xml" in data[-65536:]:
            return "ooxml"
        if data[30:38] == b"mimetype" or ext in _ODF_EXTS:
            return "odf"
        return "archive"
    if sniffed_type == "application/x-ole-storage":
        return "ole"
    if sniffed_type == "text/rtf" or head.startswith(b"{\\rt"):
        return "rtf"
    if head.startswith(bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3")):
        return "onenote"
    if sniffed_type == "application/x-ms-shortcut" or ext == "lnk":
        return "lnk"
    if ext in _DISK_EXTS or sniffed_type in ("application/x-iso9660-image", "application/x-apple-diskimage") or disk_image_kind(data):
        return "disk-image"
    if declared in ("text/calendar", "application/ics") or ext in ("ics", "ical", "icalendar", "vcs") or head.lstrip().upper().startswith(b"BEGIN:VCALENDAR"):
        return "calendar"
    if ext in ("url", "website") or head.lstrip().lower().startswith(b"[internetshortcut]"):
        return "url-file"
    if ext == "webloc":
        return "webloc"
    if ext == "svg" or declared == "image/svg+xml" or sniffed_type == "image/svg+xml":
        return "svg"
    if ext in _HTML_EXTS or declared in ("text/html", "application/xhtml+xml") or sniffed_type == "text/html":
        return "html"
    if sniffed_type in _IMAGE_TYPES or ((declared in _IMAGE_TYPES and head[:4] in (b"\x89PNG", b"GIF8")) or head[:3] == b"\xff\xd8\xff"):
        return "image"
    return ""


def analyse_attachment(
    data: bytes,
    *,
    part: str,
    filename: str = "",
    declared_type: str = "",
    sniffed_type: str = "",
    limits: AttachmentLimits = DEFAULT_LIMITS,
    depth: int = 0,
) -> AttachmentReport | None:
    """What the attachment does when opened, or None when its type calls for no analysis.

    Never raises: a file an analyser chokes on gives a report with the defect
    ``ATTACHMENT_UNPARSABLE``.
    """
    fmt = attachment_format(data, filename, declared_type, sniffed_type)
    if not fmt:
        return None
    collector = Collector(fmt, part, limits)
    if len(data) > limits.max_bytes:
        collector.defect(DefectKind.ATTACHMENT_LIMIT, f"{fmt}: {len(data)} bytes, not opened")
        return collector.report()
    try:
        _dispatch(fmt, data, part, collector, depth)
    except RecursionError:
        collector.defect(DefectKind.ATTACHMENT_UNPARSABLE, f"{fmt}: nesting too deep")
    except Exception as exc:  # one malformed file must not lose the message
        collector.defect(DefectKind.ATTACHMENT_UNPARSABLE, f"{fmt}: {type(exc).__name__}: {exc}"[:200])
    return collector.report()


def _dispatch(fmt: str, data: bytes, part: str, collector: Collector, depth: int) -> None:
    if fmt == "html":
        from .htmlpage import analyse_html

        analyse_html(data, part, collector)
    elif fmt == "svg":
        from .svg import analyse_svg

        analyse_svg(data, part, collector)
    elif fmt == "calendar":
        from .calendar import analyse_calendar

        analyse_calendar(data, part, collector)
    elif fmt == "pdf":
        from .pdf import analyse_pdf

        analyse_pdf(data, part, collector)
    elif fmt in ("ooxml", "odf", "ole", "rtf"):
        from . import office

        {"ooxml": office.analyse_ooxml, "odf": office.analyse_odf, "ole": office.analyse_ole, "rtf": office.analyse_rtf}[fmt](data, part, collector)
    elif fmt == "archive":
        from .archive import analyse_archive

        def member(member_data: bytes, name: str, level: int) -> AttachmentReport | None:
            if level > collector.limits.max_nesting:
                return None
            from ..sniff import sniff

            return analyse_attachment(member_data, part=part, filename=name, sniffed_type=sniff(member_data),
                                      limits=collector.limits, depth=level)

        analyse_archive(data, part, collector, member, depth)
    elif fmt == "image":
        from .qr import analyse_image

        analyse_image(data, part, collector)
    else:
        from . import shortcuts

        {
            "url-file": shortcuts.analyse_url_file,
            "webloc": shortcuts.analyse_webloc,
            "lnk": shortcuts.analyse_lnk,
            "disk-image": shortcuts.analyse_disk_image,
            "onenote": shortcuts.analyse_onenote,
        }[fmt](data, part, collector)


def report_defects(report: AttachmentReport) -> tuple[Defect, ...]:
    return report.defects
