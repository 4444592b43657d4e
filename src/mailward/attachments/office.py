"""Office documents: what opens, loads or runs when the document is opened.

- OOXML (docx/xlsx/pptx and their macro twins): every ``*.rels`` part is read for
  relationships with ``TargetMode="External"``: a remote template
  (``attachedTemplate``, the classic template injection in
  ``word/_rels/settings.xml.rels``), linked images, linked OLE objects, frames and
  sub-documents load from their target when the document opens; external
  hyperlinks are links. ``vbaProject.bin`` means VBA macros, ``activeX/`` ActiveX
  controls, ``embeddings/`` embedded objects; DDE and INCLUDEPICTURE fields in the
  document XML and DDE links in spreadsheets are found by text search.
- ODF (odt/ods/odp): ``xlink:href`` to a remote target in content/styles, macros in
  ``Basic/`` or ``Scripts/``.
- OLE2 (doc/xls/ppt): VBA storages and streams, embedded OLE objects and packages
  (olefile reads the directory; nothing is run).
- RTF: ``\\object`` with ``\\objupdate``, linked objects, a remote ``\\*\\template``
  and INCLUDEPICTURE fields.

XML is read with linear-time patterns, never with an XML parser that would expand
entities.
"""

from __future__ import annotations

import io

import re2

from mailward import linear_regex

from ..defects import DefectKind
from .base import TEXT_CHARS, Collector, is_remote_url
from .zipread import ZipReader

_OPTIONS = linear_regex.OPTIONS
_RELATIONSHIP = re2.compile(r"(?s)<(?:[A-Za-z0-9_]+:)?Relationship\b([^>]*)>", _OPTIONS)
_ATTR = re2.compile(r"""([A-Za-z:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""", _OPTIONS)
_DDE = re2.compile(r"(?i)\bDDE(?:AUTO)?\b", _OPTIONS)
_FIELD_REMOTE = re2.compile(r"""(?i)\b(INCLUDEPICTURE|INCLUDETEXT|IMPORT|LINK)\b[^"<]{0,40}"((?:https?:|\\\\|//)[^"]+)""", _OPTIONS)
_ODF_HREF = re2.compile(r"""<([A-Za-z0-9]+:[A-Za-z0-9-]+)\b[^>]*\bxlink:href\s*=\s*"([^"]+)\"""", _OPTIONS)
_DDE_LINK = re2.compile(r"(?i)<(?:[A-Za-z0-9]+:)?ddeLink\b[^>]*ddeService\s*=\s*\"([^\"]{0,200})\"[^>]*ddeTopic\s*=\s*\"([^\"]{0,400})\"", _OPTIONS)

# relationship type (last path segment) -> (resource kind or "" for a link, signal)
_REL_KINDS = {
    "attachedtemplate": ("office-template", "OOXML_EXTERNAL_TEMPLATE"),
    "image": ("office-image", "OOXML_EXTERNAL_IMAGE"),
    "oleobject": ("office-ole", "OOXML_EXTERNAL_OLE"),
    "package": ("office-ole", "OOXML_EXTERNAL_OLE"),
    "frame": ("office-frame", "OOXML_EXTERNAL_FRAME"),
    "subdocument": ("office-frame", "OOXML_EXTERNAL_FRAME"),
    "externallinkpath": ("office-external", "OOXML_EXTERNAL_LINK"),
    "hyperlink": ("", ""),
}


def relationships(xml: str) -> list[dict[str, str]]:
    """The attributes of each ``<Relationship>`` in a .rels part."""
    out: list[dict[str, str]] = []
    for attrs in _RELATIONSHIP.findall(xml):
        values: dict[str, str] = {}
        for name, double, single in _ATTR.findall(str(attrs)):
            values[str(name)] = str(double or single)
        out.append(values)
    return out


def external_targets(xml: str) -> list[tuple[str, str]]:
    """(relationship type tail, target) of each external relationship."""
    found = []
    for rel in relationships(xml):
        if rel.get("TargetMode", "").lower() == "external":
            kind = rel.get("Type", "").rstrip("/").rsplit("/", 1)[-1].lower()
            found.append((kind, _xml_unescape(rel.get("Target", ""))))
    return found


def _xml_unescape(value: str) -> str:
    return value.replace("&amp;", "&").replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">")


def analyse_ooxml(data: bytes, part: str, collector: Collector) -> None:
    reader = ZipReader(data, collector)
    names = reader.names
    lowered = [n.lower() for n in names]
    if any(n.endswith("vbaproject.bin") for n in lowered):
        collector.signal("VBA_MACRO", next(n for n in names if n.lower().endswith("vbaproject.bin")))
    if any(n.endswith("vbadata.xml") for n in lowered):
        collector.signal("VBA_MACRO", "vbaData.xml")
    if any("/activex/" in n for n in lowered):
        collector.signal("OOXML_ACTIVEX", next(n for n in names if "/activex/" in n.lower()))
    for name in names:
        low = name.lower()
        if "/embeddings/" in low and (low.endswith(".bin") or "oleobject" in low):
            collector.signal("OOXML_EMBEDDED_OLE", name)
        elif "/embeddings/" in low and low.rsplit(".", 1)[-1] in ("exe", "js", "vbs", "hta", "bat", "cmd", "ps1", "lnk", "scr"):
            collector.signal("OOXML_EMBEDDED_EXECUTABLE", name)
    for info in reader.infos:
        if collector.out_of_time():
            return
        low = info.filename.lower()
        if low.endswith(".rels"):
            raw = reader.read(info, 2 * 1024 * 1024)
            if raw is None:
                continue
            for kind, target in external_targets(raw.decode("utf-8", "replace")):
                _external(collector, info.filename, kind, target)
        elif low in ("word/document.xml", "word/settings.xml", "word/header1.xml", "word/footer1.xml") or (
            low.startswith("xl/externallinks/") and low.endswith(".xml")
        ):
            raw = reader.read(info)
            if raw is None:
                continue
            xml = raw.decode("utf-8", "replace")
            _fields(collector, info.filename, xml)
            if low == "word/document.xml":
                collector.text = word_text(xml)


def _external(collector: Collector, where: str, kind: str, target: str) -> None:
    resource_kind, signal = _REL_KINDS.get(kind, ("office-external", "OOXML_EXTERNAL_OTHER"))
    if not resource_kind:  # an external hyperlink: a link the reader can click
        collector.link(target, source="office", tag="hyperlink")
        return
    if target.lower().startswith(("file:///", "mhtml:", "ms-")) or is_remote_url(target) or target.startswith("\\\\"):
        collector.resource(target, resource_kind, kind)
        collector.signal(signal, f"{target} ({where})")
        if target.startswith("\\\\") or target.lower().startswith("file://"):
            collector.signal("OFFICE_UNC_PATH", target)


def _fields(collector: Collector, where: str, xml: str) -> None:
    """Field codes: DDE/DDEAUTO and remote INCLUDEPICTURE/INCLUDETEXT (split runs are joined first)."""
    if "instr" in xml or "ddeLink" in xml or "fldSimple" in xml:
        joined = _instr_text(xml)
        if _DDE.search(joined):
            collector.signal("OFFICE_DDE", f"{where}: {joined[:120].strip()}")
        for field_name, url in _FIELD_REMOTE.findall(joined):
            collector.resource(str(url), "office-field", str(field_name).lower())
            collector.signal("OFFICE_REMOTE_FIELD", f"{field_name} {url}")
    for service, topic in _DDE_LINK.findall(xml):
        collector.signal("OFFICE_DDE", f"{where}: ddeLink {service} {topic}"[:200])


# A Word document's text: the runs (``<w:t>``) in order, a space at each paragraph's end.
# Negated character classes, no nesting: linear (RE2).
_WORD_TEXT = re2.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>|(</w:p>)", _OPTIONS)


def word_text(xml: str, limit: int = TEXT_CHARS) -> str:
    """The text of ``word/document.xml`` as a reader sees it (white space collapsed), at
    most ``limit`` characters: what ``content_text`` reads when the body says next to nothing."""
    pieces: list[str] = []
    size = 0
    for match in _WORD_TEXT.finditer(xml):
        piece = " " if match.group(2) else _xml_unescape(match.group(1) or "")
        pieces.append(piece)
        size += len(piece)
        if size >= limit * 2:  # room for the white space the collapse below takes out
            break
    return " ".join("".join(pieces).split())[:limit]


_INSTR = re2.compile(r"""(?s)<w:instrText[^>]*>([^<]*)</w:instrText>|w:instr\s*=\s*"([^"]*)\"""", _OPTIONS)


def _instr_text(xml: str) -> str:
    pieces = []
    for a, b in _INSTR.findall(xml):
        pieces.append(_xml_unescape(str(a or b)))
    return "".join(pieces)


def analyse_odf(data: bytes, part: str, collector: Collector) -> None:
    reader = ZipReader(data, collector)
    names = reader.names
    for name in names:
        low = name.lower()
        if low.startswith(("basic/", "scripts/")) and not low.endswith("/"):
            collector.signal("ODF_MACRO", name)
            break
    for info in reader.infos:
        if collector.out_of_time():
            return
        if info.filename.lower() not in ("content.xml", "styles.xml", "meta.xml"):
            continue
        raw = reader.read(info)
        if raw is None:
            continue
        xml = raw.decode("utf-8", "replace")
        for element, href in _ODF_HREF.findall(xml):
            url = _xml_unescape(str(href))
            element = str(element).lower()
            if element in ("text:a", "draw:a", "office:event-listener", "script:event-listener"):
                if element.endswith("event-listener"):
                    collector.signal("ODF_MACRO", f"event listener {url}")
                elif is_remote_url(url):
                    collector.link(url, source="office", tag=element)
                continue
            if is_remote_url(url):
                kind = "office-image" if element == "draw:image" else "office-ole" if element.startswith("draw:object") else "office-external"
                collector.resource(url, kind, element)
                collector.signal("ODF_EXTERNAL_" + ("IMAGE" if kind == "office-image" else "OLE" if kind == "office-ole" else "LINK"), url)
        if "office:dde-source" in xml or "text:dde-connection" in xml:
            collector.signal("OFFICE_DDE", info.filename)


def analyse_ole(data: bytes, part: str, collector: Collector) -> None:
    try:
        import olefile
    except ImportError:  # pragma: no cover - a declared dependency
        collector.defect(DefectKind.ATTACHMENT_UNPARSABLE, "olefile is not installed")
        return
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises many kinds on malformed files
        collector.defect(DefectKind.ATTACHMENT_UNPARSABLE, f"ole: {type(exc).__name__}")
        return
    try:
        entries = ["/".join(path) for path in ole.listdir(streams=True, storages=True)[: collector.limits.max_members]]
    except Exception as exc:
        collector.defect(DefectKind.ATTACHMENT_UNPARSABLE, f"ole directory: {type(exc).__name__}")
        entries = []
    finally:
        ole.close()
    lowered = [e.lower() for e in entries]
    if any(e.endswith(("_vba_project", "/dir")) and ("vba" in e or "macros" in e) for e in lowered) or any(
        e in ("macros", "_vba_project_cur", "vba") or e.startswith(("macros/", "_vba_project_cur/")) for e in lowered
    ):
        collector.signal("VBA_MACRO", next((e for e in entries if "vba" in e.lower()), "VBA storage"))
    if "encryptedpackage" in lowered or "encryptioninfo" in lowered:
        collector.signal("OFFICE_ENCRYPTED", "password-protected Office document (content not readable)")
    if any("objectpool" in e for e in lowered):
        collector.signal("OLE_EMBEDDED_OBJECT", "ObjectPool")
    if any(e.endswith("\x01ole10native") for e in lowered):
        collector.signal("OLE_PACKAGE", "Ole10Native stream (packaged file)")
    if any(e in ("__substg1.0_0037001f", "__substg1.0_1000001f") for e in lowered):
        collector.signal("OLE_OUTLOOK_MESSAGE", "an attached Outlook .msg")
    for pattern in (b"DDEAUTO", b"D\x00D\x00E\x00A\x00U\x00T\x00O\x00"):
        if pattern in data:
            collector.signal("OFFICE_DDE", "DDEAUTO field")
            break


_RTF_TEMPLATE = re2.compile(r"""(?i)\\\*\\template\s*([^}\s]+)""", _OPTIONS)
_RTF_FIELD = re2.compile(r"""(?i)(INCLUDEPICTURE|INCLUDETEXT)\s*(?:\\\\[a-z]+\s*)*"?((?:https?:|\\\\\\\\|//)[^"}\s]+)""", _OPTIONS)


def analyse_rtf(data: bytes, part: str, collector: Collector) -> None:
    text = data[: collector.limits.max_member_bytes].decode("latin-1")
    low = text.lower()
    if "\\object" in low and "\\objdata" in low:
        collector.signal("RTF_OBJECT", "embedded object (\\objdata)")
    if "\\objupdate" in low:
        collector.signal("RTF_OBJECT_AUTOUPDATE", "\\objupdate: the object updates (loads) on open")
    if "\\objautlink" in low or "\\objlink" in low:
        collector.signal("RTF_LINKED_OBJECT", "linked object")
    for target in _RTF_TEMPLATE.findall(text):
        url = str(target)
        if is_remote_url(url):
            collector.resource(url, "office-template", "template")
            collector.signal("RTF_REMOTE_TEMPLATE", url)
    for field_name, url in _RTF_FIELD.findall(text):
        collector.resource(str(url), "office-field", str(field_name).lower())
        collector.signal("OFFICE_REMOTE_FIELD", f"{field_name} {url}")
    if _DDE.search(text) and ("fldinst" in low):
        collector.signal("OFFICE_DDE", "DDE field")
