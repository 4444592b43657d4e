"""Defuse attachments: what a file would load or run when opened is taken out of it.

Each attachment leaf whose type calls for it is analysed again here
(``mailward.attachments``, a pure function of its bytes; a PNG, JPEG or GIF, told by
its first bytes, is left as it is without decoding the rest) and then:

- an Office (OOXML) document that loads a remote template, image, OLE object,
  frame or sub-document when opened keeps its content, but those relationships are
  pointed at a local path that does not exist (``file:///C:/mailward-removed``) and
  the package is zipped again; every other member keeps its bytes;
- a calendar invite loses its remote ``ATTACH`` and ``IMAGE`` lines and its HTML
  description (``X-ALT-DESC``); the plain description and the event stay;
- an attached HTML page goes through the same HTML defusing as the body;
- a file whose analysis found active content (JavaScript or an action on open in a
  PDF, macros, DDE, an SVG script, a shortcut, an embedded payload, a credential
  form posting elsewhere) is replaced by a short text part naming the file, its
  SHA-256 and why it was removed.

The original message is kept byte-exact by the gateway before any rewrite (the
quarantine store), so a removed attachment can be released by an operator.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from mailward.attachments import analyse_attachment
from mailward.attachments.calendar import unfold
from mailward.attachments.office import external_targets
from mailward.gateway.mimesplice import Entity, Splits, _decode_transfer, walk_entities
from mailward.model import AttachmentReport
from mailward.sniff import sniff

LOCAL_TARGET = "file:///C:/mailward-removed"
_REMOTE_REL_TYPES = frozenset({"attachedtemplate", "image", "oleobject", "package", "frame", "subdocument",
                               "externallinkpath"})
# signals that make a file dangerous to hand over as it is
STRIP_SIGNALS = frozenset({
    "PDF_JAVASCRIPT", "PDF_OPEN_JAVASCRIPT", "PDF_LAUNCH", "PDF_OPEN_URI", "PDF_REMOTE_GOTO", "PDF_SUBMIT_FORM",
    "VBA_MACRO", "ODF_MACRO", "OFFICE_DDE", "OFFICE_REMOTE_FIELD", "OOXML_ACTIVEX", "OOXML_EMBEDDED_EXECUTABLE",
    "OLE_PACKAGE", "RTF_REMOTE_TEMPLATE", "RTF_OBJECT_AUTOUPDATE", "ODF_EXTERNAL_IMAGE", "ODF_EXTERNAL_OLE",
    "ODF_EXTERNAL_LINK",
    "SVG_SCRIPT", "SVG_FOREIGN_OBJECT", "HTML_FORM_EXTERNAL", "HTML_SCRIPT_REDIRECT", "HTML_SCRIPT_POST",
    "HTML_EXFIL_CHAT_API", "HTML_ENCODED_BLOB", "HTML_META_REFRESH",
    "SHORTCUT_REMOTE_ICON", "SHORTCUT_UNC_PATH", "SHORTCUT_LOCAL_TARGET", "LNK_REMOTE_TARGET", "LNK_RUNS_INTERPRETER",
    "OFFICE_UNC_PATH",
    "ONENOTE_EMBEDDED_FILE", "ONENOTE_EMBEDDED_EXECUTABLE", "ARCHIVE_BOMB",
})
_CAL_DROP = re.compile(r"^(?:ATTACH|IMAGE|X-ALT-DESC)[;:]", re.IGNORECASE)
_FILENAME = re.compile(r"""(?i)\b(?:file)?name\*?\s*=\s*(?:"([^"]*)"|([^;\s]+))""")


@dataclass(frozen=True)
class AttachmentAction:
    """What was done to one attachment, for the banner, the headers and the audit log."""

    part: str
    filename: str
    action: str  # "rewritten" or "removed"
    what: str  # in words: "remote template", "JavaScript", ...


# (attachment bytes, HTML text) -> the defused HTML text (the body defuser, given by the caller)
HtmlDefuser = Callable[[str], str]


def defuse_attachments(raw: bytes, html_defuser: HtmlDefuser | None = None,
                       splits: Splits | None = None) -> tuple[bytes, list[AttachmentAction]]:
    """``raw`` with its attachments defused, and what was done (empty: ``raw`` itself).
    ``splits``: shared with the body walks that follow (``mimesplice.Splits``)."""
    done: list[AttachmentAction] = []
    new = walk_entities(raw, _Walker(done, html_defuser), enter_messages=False, splits=splits)
    return new, done


class _Walker:
    """The attachment leaves (``mimesplice.walk_entities``; attached messages are not entered)."""

    def __init__(self, done: list[AttachmentAction], html_defuser: HtmlDefuser | None) -> None:
        self.done = done
        self.html_defuser = html_defuser

    def __call__(self, entity: Entity) -> bytes:
        info = entity.info
        if info.ctype.startswith(("multipart/", "message/")):
            return entity.raw
        is_body = (info.ctype in ("text/plain", "text/html") and info.disposition != "attachment"
                   and b"name" not in entity.head.lower())
        if is_body:
            return entity.raw
        return self.leaf(entity.raw, entity.head, entity.sep, entity.body, info.ctype, info.cte, entity.path)

    def leaf(self, raw: bytes, head: bytes, sep: bytes, body: bytes, ctype: str, cte: str, path: str) -> bytes:
        if _raster_image(body, cte):
            return raw  # what the full decode below would find, without decoding a megabyte
        data = _decode_transfer(body, cte)
        if data is None:
            return raw
        filename = _filename(head)
        sniffed = sniff(data)
        if sniffed.startswith("image/") and sniffed != "image/svg+xml":
            return raw  # QR codes are reported, not removed: the picture itself loads nothing
        report = analyse_attachment(data, part=path, filename=filename, declared_type=ctype, sniffed_type=sniffed)
        if report is None:
            return raw
        danger = sorted(report.signal_kinds & STRIP_SIGNALS)
        eol = b"\r\n" if b"\r\n" in raw[:2000] else b"\n"
        if report.format == "ooxml" and not danger:
            rewritten, what = rewrite_ooxml(data)
            if rewritten is not None:
                self.done.append(AttachmentAction(path, filename, "rewritten", what))
                return _with_body(head, sep, rewritten, cte, eol) or self.remove(path, filename, data, what, eol)
            return raw
        if report.format == "calendar" and not danger and _calendar_loads(report):
            text = data.decode("utf-8", "replace")
            cleaned = rewrite_calendar(text)
            if cleaned != text:
                self.done.append(AttachmentAction(path, filename, "rewritten", "remote attachment, image or HTML description"))
                return _with_body(head, sep, cleaned.encode("utf-8"), cte, eol) or raw
            return raw
        if report.format == "html" and not danger and self.html_defuser is not None and report.resources:
            text = data.decode("utf-8", "replace")
            new_text = self.html_defuser(text)
            if new_text != text:
                self.done.append(AttachmentAction(path, filename, "rewritten", "remote loads of the attached page"))
                return _with_body(head, sep, new_text.encode("utf-8"), cte, eol) or raw
            return raw
        if danger:
            return self.remove(path, filename, data, _words(danger), eol)
        return raw

    def remove(self, path: str, filename: str, data: bytes, what: str, eol: bytes) -> bytes:
        self.done.append(AttachmentAction(path, filename, "removed", what))
        name = filename or "attachment"
        text = (
            f"mailward removed the attachment {name!r} ({len(data)} bytes, SHA-256 {hashlib.sha256(data).hexdigest()}):"
            f" it contains {what}. The original message is kept by the mail gateway; ask your administrator if you need it."
        )
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:80] or "attachment"
        head = (
            f'Content-Type: text/plain; charset="utf-8"{eol.decode()}'
            f"Content-Transfer-Encoding: base64{eol.decode()}"
            f'Content-Disposition: attachment; filename="{safe}.removed.txt"{eol.decode()}'
        ).encode()
        encoded = base64.encodebytes(text.encode("utf-8")).replace(b"\n", eol)
        return head + eol + encoded


SNIFF_PREFIX = 4096  # bytes of a base64 body read to tell a raster image by its first bytes
_BASE64_TEXT = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/ \t\r\n\x0b\x0c"
_RASTER = frozenset({"image/png", "image/jpeg", "image/gif"})


def _raster_image(body: bytes, cte: str) -> bool:
    """True when the part's decoded bytes start like a PNG, JPEG or GIF, read from the
    first base64 characters only: ``sniff`` of the whole decode says the same, and
    ``leaf`` leaves such a part as it is (a picture loads nothing). Only when the
    first ``SNIFF_PREFIX`` bytes are base64 letters and whitespace, so that the whole
    decode starts with the same 18 bytes; anything else is decided by the full decode.
    (Those three types are matched at offset 0 by ``sniff``, after entries that are
    all offset-0 signatures of at most 8 bytes: 18 bytes decide as all of them do.)
    """
    if cte != "base64":
        return False
    prefix = body[:SNIFF_PREFIX]
    if prefix.translate(None, _BASE64_TEXT):
        return False
    letters = b"".join(prefix.split())
    if len(letters) < 24:
        return False
    try:
        first = binascii.a2b_base64(letters[:24])
    except binascii.Error:
        return False
    return sniff(first) in _RASTER


def _with_body(head: bytes, sep: bytes, data: bytes, cte: str, eol: bytes) -> bytes | None:
    """The entity with new content in its own transfer encoding; None when that cannot carry it."""
    if cte == "base64":
        return head + sep + base64.encodebytes(data).replace(b"\n", eol)
    if cte in ("", "7bit", "8bit", "quoted-printable") and data.isascii() and b"\x00" not in data:
        if cte == "quoted-printable":
            import quopri

            return head + sep + quopri.encodestring(data.replace(b"\r\n", b"\n")).replace(b"\n", eol)
        return head + sep + data.replace(b"\r\n", b"\n").replace(b"\n", eol)
    return None


def _filename(head: bytes) -> str:
    text = head.decode("utf-8", "replace")
    text = re.sub(r"\r?\n[ \t]+", " ", text)
    match = _FILENAME.search(text)
    if not match:
        return ""
    return (match.group(1) or match.group(2) or "").strip()[:200]


def _calendar_loads(report: AttachmentReport) -> bool:
    return bool(report.resources) or "CALENDAR_HTML_DESCRIPTION" in report.signal_kinds


def rewrite_calendar(text: str) -> str:
    """The invite without ATTACH, IMAGE and X-ALT-DESC lines (unfolded first, then kept unfolded)."""
    eol = "\r\n" if "\r\n" in text else "\n"
    lines = unfold(text).splitlines()
    kept = [line for line in lines if not _CAL_DROP.match(line) or (line.upper().startswith("ATTACH") and "BASE64" in line.upper().split(":", 1)[0])]
    if len(kept) == len(lines):
        return text
    return eol.join(kept) + eol


def rewrite_ooxml(data: bytes) -> tuple[bytes | None, str]:
    """(the package with remote-loading external relationships pointed at a local path, what), or (None, "")."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        infos = source.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, KeyError):
        return None, ""
    if len(infos) > 2000:
        return None, ""
    changed: dict[str, bytes] = {}
    kinds: dict[str, None] = {}
    for info in infos:
        if not info.filename.lower().endswith(".rels") or info.file_size > 4 * 1024 * 1024:
            continue
        try:
            xml = source.read(info).decode("utf-8", "replace")
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, KeyError):
            return None, ""
        targets = [(k, t) for k, t in external_targets(xml) if k in _REMOTE_REL_TYPES]
        if not targets:
            continue
        new_xml = _point_local(xml)
        if new_xml != xml:
            changed[info.filename] = new_xml.encode("utf-8")
            for kind, _ in targets:
                kinds.setdefault({"attachedtemplate": "remote template", "image": "linked image",
                                  "oleobject": "linked OLE object", "package": "linked OLE object"}.get(kind, "external link"), None)
    if not changed:
        return None, ""
    out = io.BytesIO()
    total = 0
    with zipfile.ZipFile(out, "w") as target:
        for info in infos:
            if info.file_size > 64 * 1024 * 1024 or total > 256 * 1024 * 1024:
                return None, ""
            try:
                content = changed.get(info.filename) or source.read(info)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, KeyError):
                return None, ""
            total += len(content)
            target.writestr(info, content, compress_type=info.compress_type)
    order = ["remote template", "linked OLE object", "linked image", "external link"]
    return out.getvalue(), " and ".join(sorted(kinds, key=order.index))


_REL_ELEMENT = re.compile(r"<(?:[A-Za-z0-9_]+:)?Relationship\b[^>]*>")
_TARGET = re.compile(r"""\bTarget\s*=\s*("[^"]*"|'[^']*')""")


def _point_local(xml: str) -> str:
    def fix(match: re.Match[str]) -> str:
        element = match.group(0)
        if not re.search(r"""TargetMode\s*=\s*["']External["']""", element, re.IGNORECASE):
            return element
        rel_type = re.search(r"""\bType\s*=\s*["']([^"']*)["']""", element)
        kind = rel_type.group(1).rstrip("/").rsplit("/", 1)[-1].lower() if rel_type else ""
        if kind not in _REMOTE_REL_TYPES:
            return element
        return _TARGET.sub(f'Target="{LOCAL_TARGET}"', element, count=1)

    return _REL_ELEMENT.sub(fix, xml)


_WORDS = {
    "PDF_JAVASCRIPT": "JavaScript", "PDF_OPEN_JAVASCRIPT": "JavaScript that runs on open", "PDF_LAUNCH": "an action that starts a program",
    "PDF_OPEN_URI": "an action that contacts a web address on open", "PDF_REMOTE_GOTO": "an action that opens a remote file",
    "PDF_SUBMIT_FORM": "a form that sends what is typed elsewhere", "VBA_MACRO": "macros", "ODF_MACRO": "macros",
    "OFFICE_DDE": "a DDE field that starts a program", "OFFICE_REMOTE_FIELD": "a field that loads from the network",
    "OOXML_ACTIVEX": "ActiveX controls", "OOXML_EMBEDDED_EXECUTABLE": "an embedded program", "OLE_PACKAGE": "an embedded package",
    "RTF_REMOTE_TEMPLATE": "a remote template", "RTF_OBJECT_AUTOUPDATE": "an object that updates itself on open",
    "SVG_SCRIPT": "a script", "SVG_FOREIGN_OBJECT": "an embedded web page", "HTML_FORM_EXTERNAL": "a form that sends what is typed elsewhere",
    "HTML_SCRIPT_REDIRECT": "a script that redirects to a web site", "HTML_SCRIPT_POST": "a script that sends data",
    "HTML_EXFIL_CHAT_API": "a script that sends data to a chat bot", "HTML_ENCODED_BLOB": "hidden encoded content",
    "HTML_META_REFRESH": "a redirect to a web site", "SHORTCUT_REMOTE_ICON": "an icon loaded from a remote share",
    "SHORTCUT_UNC_PATH": "a path on a remote share", "SHORTCUT_LOCAL_TARGET": "a target that is a file, a share or a program, not a web page",
    "LNK_REMOTE_TARGET": "a target on a remote share or web site",
    "LNK_RUNS_INTERPRETER": "a command interpreter", "OFFICE_UNC_PATH": "a path on a remote share",
    "ONENOTE_EMBEDDED_FILE": "an embedded file", "ONENOTE_EMBEDDED_EXECUTABLE": "an embedded program",
    "ODF_EXTERNAL_IMAGE": "a linked remote image", "ODF_EXTERNAL_OLE": "a linked remote object", "ODF_EXTERNAL_LINK": "an external link",
    "ARCHIVE_BOMB": "a decompression bomb",
}


def _words(kinds: list[str]) -> str:
    words = list(dict.fromkeys(_WORDS.get(k, k.lower().replace("_", " ")) for k in kinds))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
