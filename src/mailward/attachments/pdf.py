"""PDF: links, actions, forms, JavaScript, embedded files; QR codes in page images.

Read with pikepdf (qpdf): measured faster and more robust than pypdf on real and
crafted files (docs/attachments.md). Every indirect object is visited once (up to
``max_pdf_objects``), so an action hidden in an unreferenced object is still seen:

- ``/URI`` actions are links; ``/Launch`` runs a program; ``/GoToR`` / ``/GoToE``
  with a remote file specification and ``/SubmitForm`` send data or load elsewhere;
  ``/ImportData``, ``/Rendition`` likewise noted;
- ``/JS`` or ``/JavaScript`` anywhere is JavaScript;
- ``/OpenAction`` and the document's and pages' ``/AA`` (additional actions) run on
  open: a URI action there is a remote load the moment the file is opened;
- ``/AcroForm`` (and ``/XFA``) forms, ``/EmbeddedFile`` streams and file
  attachment annotations;
- image XObjects on the first pages are decoded for QR codes;
- the text of the first pages, as a viewer lays it out, is read with PDFium
  (pypdfium2) when their content is at most ``TEXT_CONTENT_BYTES``: a lure sent as a
  PDF under an empty body says its words there.
  Measured on the 96 PDFs of the evaluation corpora: 1.3 ms a file on average against
  pypdf's 6.9 ms and pdfminer.six's 14.4 ms, with the same files giving text
  (docs/attachments.md).
"""

from __future__ import annotations

import io
import logging
import threading
import warnings
import zlib
from typing import Any

from ..defects import DefectKind
from .base import TEXT_CHARS, Collector, is_remote_url
from .qr import decode_pil

QR_PAGES = 2
PDF_RAW_PIXELS = 4_000_000  # non-JPEG page images are decompressed whole: only up to this size
QR_SIDE = 1200  # JPEG page images are decoded at about this size (a QR code survives it)
TEXT_PAGES = 2  # pages whose text is read
TEXT_CONTENT_BYTES = 512 * 1024  # pages drawn by more content than this are not read for text
# PDFium is not thread-safe: the gateway's in-process scanning threads take turns
_PDFIUM = threading.Lock()
# qpdf's notes on a damaged file ("Pages tree includes non-dictionary object; ignoring") go
# to this logger, and with no handler set up Python prints them on stderr; what is wrong
# with a file is the report's defects
logging.getLogger("pikepdf._core").setLevel(logging.ERROR)


def _name(value: Any) -> str:
    try:
        return str(value)
    except Exception:
        return ""


def _text(value: Any) -> str:
    """A PDF string as text (pikepdf decodes PDFDocEncoding and UTF-16); "" for anything else."""
    try:
        import pikepdf

        if isinstance(value, pikepdf.String | pikepdf.Name):
            return str(value)
        return value if isinstance(value, str) else ""
    except Exception:
        return ""


def _filespec(value: Any) -> str:
    """A file specification: a string, or a dictionary with /F, /UF or /URL."""
    try:
        import pikepdf

        if isinstance(value, pikepdf.Dictionary):
            for key in ("/UF", "/F", "/Unix", "/DOS", "/URL"):
                if key in value:
                    return _text(value[key])
            return ""
    except Exception:
        return ""
    return _text(value)


class _PdfWalk:
    def __init__(self, collector: Collector) -> None:
        self.collector = collector
        self.on_open: set[tuple[int, int]] = set()

    def action(self, action: Any, *, trigger: str) -> None:
        """One action dictionary; ``trigger`` is "open" for OpenAction / AA, "" otherwise."""
        import pikepdf

        if not isinstance(action, pikepdf.Dictionary):
            return
        if trigger:
            self.on_open.add(action.objgen)
        elif action.objgen in self.on_open and action.objgen != (0, 0):
            return  # already read as an action that runs on open
        kind = _name(action.get("/S", ""))
        c = self.collector
        if kind == "/URI":
            url = _text(action.get("/URI", "")).strip()
            if trigger and is_remote_url(url):
                c.resource(url, "pdf-open-action", "openaction")
                c.signal("PDF_OPEN_URI", url)
            elif url:
                c.link(url, source="pdf", tag="uri")
        elif kind == "/Launch":
            target = _filespec(action.get("/F", "")) or _filespec(action.get("/Win", ""))
            c.signal("PDF_LAUNCH", target or "launch action")
        elif kind in ("/GoToR", "/GoToE"):
            target = _filespec(action.get("/F", ""))
            if is_remote_url(target):
                c.resource(target, "pdf-remote-goto", kind.strip("/").lower()) if trigger else c.link(target, source="pdf", tag="gotor")
                c.signal("PDF_REMOTE_GOTO", target)
        elif kind == "/SubmitForm":
            target = _filespec(action.get("/F", ""))
            c.signal("PDF_SUBMIT_FORM", target or "submit action")
        elif kind in ("/ImportData", "/Rendition", "/Sound", "/Movie"):
            c.signal("PDF_ACTION_" + kind.strip("/").upper(), trigger)
        if kind == "/JavaScript" or "/JS" in action:
            c.signal("PDF_OPEN_JAVASCRIPT" if trigger else "PDF_JAVASCRIPT", _text(action.get("/JS", ""))[:120] if not isinstance(action.get("/JS", None), pikepdf.Stream) else "script stream")
        if trigger:
            c.signal("PDF_OPEN_ACTION", f"{trigger}: {kind or 'action'}")

    def triggers(self, holder: Any, where: str) -> None:
        """/AA additional actions of a document, page or annotation (run on events)."""
        import pikepdf

        aa = holder.get("/AA") if isinstance(holder, pikepdf.Dictionary) else None
        if isinstance(aa, pikepdf.Dictionary):
            for event in list(aa.keys())[:20]:
                self.action(aa[event], trigger=f"{where} {event}")


def analyse_pdf(data: bytes, part: str, collector: Collector) -> None:
    try:
        import pikepdf
    except ImportError:  # pragma: no cover - a declared dependency
        collector.defect(DefectKind.ATTACHMENT_UNPARSABLE, "pikepdf is not installed")
        return
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        collector.signal("PDF_ENCRYPTED", "needs a password to open")
        return
    except Exception as exc:  # qpdf could not make sense of it
        collector.defect(DefectKind.ATTACHMENT_UNPARSABLE, f"pdf: {type(exc).__name__}")
        return
    try:
        _walk(pdf, collector)
        if not collector.out_of_time() and _content_size(pdf) is not None:
            collector.text = page_text(data)
    except Exception as exc:  # a damaged object in the middle: keep what was found
        collector.defect(DefectKind.ATTACHMENT_UNPARSABLE, f"pdf objects: {type(exc).__name__}")
    finally:
        pdf.close()


def _content_size(pdf: Any) -> int | None:
    """The decoded size of the first pages' content streams, or None when it is over
    ``TEXT_CONTENT_BYTES`` or cannot be known cheaply (a filter other than Flate).

    PDFium cannot be interrupted and lays out a page's whole content to give its text
    (about 0.2 s a megabyte here), so a page that would keep it busy is not read; the
    size is found by inflating at most one byte past the bound, never the whole stream.
    """
    import pikepdf

    size = 0
    for index in range(min(TEXT_PAGES, len(pdf.pages))):
        contents = pdf.pages[index].obj.get("/Contents")
        for stream in (contents if isinstance(contents, pikepdf.Array) else [contents])[:50]:
            if not isinstance(stream, pikepdf.Stream):
                continue
            raw = stream.read_raw_bytes()
            filters = stream.stream_dict.get("/Filter")
            names = [_name(f) for f in filters] if isinstance(filters, pikepdf.Array) else [_name(filters)] if filters is not None else []
            if not names:
                size += len(raw)
            elif names == ["/FlateDecode"]:
                size += len(zlib.decompressobj().decompress(raw, TEXT_CONTENT_BYTES - size + 1))
            else:
                return None
            if size > TEXT_CONTENT_BYTES:
                return None
    return size


def page_text(data: bytes) -> str:
    """The text of the first ``TEXT_PAGES`` pages, white space collapsed, at most
    ``TEXT_CHARS`` characters; "" when PDFium cannot open the file (damaged, encrypted)."""
    try:
        import pypdfium2
    except ImportError:  # pragma: no cover - a declared dependency
        return ""
    chunks: list[str] = []
    with _PDFIUM:
        try:
            document = pypdfium2.PdfDocument(data)
        except Exception:  # PdfiumError: not a PDF PDFium can open, or a password is needed
            return ""
        try:
            for index in range(min(TEXT_PAGES, len(document))):
                page = document[index]
                try:
                    textpage = page.get_textpage()
                    try:
                        chunks.append(" ".join(textpage.get_text_range().split()))
                    finally:
                        textpage.close()
                finally:
                    page.close()
                if sum(map(len, chunks)) >= TEXT_CHARS:
                    break
        except Exception:  # noqa: S110 - a damaged page: keep the text of the pages before it
            pass
        finally:
            document.close()
    return " ".join(chunk for chunk in chunks if chunk)[:TEXT_CHARS]


def _walk(pdf: Any, collector: Collector) -> None:
    import pikepdf

    walk = _PdfWalk(collector)
    root = pdf.Root
    opener = root.get("/OpenAction")
    if isinstance(opener, pikepdf.Dictionary):
        walk.action(opener, trigger="OpenAction")
        chained = opener.get("/Next")
        if chained is not None:
            for item in (chained if isinstance(chained, pikepdf.Array) else [chained])[:10]:
                walk.action(item, trigger="OpenAction")
    walk.triggers(root, "document")
    if "/AcroForm" in root:
        form = root.AcroForm
        fields = form.get("/Fields")
        count = len(fields) if isinstance(fields, pikepdf.Array) else 0
        if count or "/XFA" in form:
            collector.signal("PDF_FORM", f"{count} field(s)" + (", XFA" if "/XFA" in form else ""))
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            collector.signal("PDF_OPEN_JAVASCRIPT", "document-level JavaScript (runs on open)")
        if "/EmbeddedFiles" in names:
            collector.signal("PDF_EMBEDDED_FILE", "EmbeddedFiles name tree")
    pages = pdf.pages
    for index, page in enumerate(pages):
        if index >= collector.limits.max_pdf_pages or collector.out_of_time():
            break
        walk.triggers(page.obj, f"page {index + 1}")
    for count, obj in enumerate(pdf.objects):
        if count >= collector.limits.max_pdf_objects:
            collector.defect(DefectKind.ATTACHMENT_LIMIT, f"pdf: first {count} objects examined")
            break
        if count % 500 == 0 and collector.out_of_time():
            break
        _object(obj, walk)
    _qr_images(pdf, collector)


def _object(obj: Any, walk: _PdfWalk) -> None:
    import pikepdf

    if isinstance(obj, pikepdf.Stream):
        kind = _name(obj.stream_dict.get("/Type", ""))
        if kind == "/EmbeddedFile":
            walk.collector.signal("PDF_EMBEDDED_FILE", "embedded file stream")
        return
    if not isinstance(obj, pikepdf.Dictionary):
        return
    subtype = _name(obj.get("/Subtype", ""))
    if subtype == "/FileAttachment":
        walk.collector.signal("PDF_EMBEDDED_FILE", "file attachment annotation")
    if "/S" in obj:
        walk.action(obj, trigger="")
    elif "/A" in obj:
        walk.action(obj.get("/A"), trigger="")
    elif "/JS" in obj:
        walk.collector.signal("PDF_JAVASCRIPT", "JavaScript")
    if subtype in ("/Link", "/Widget", "/Screen") and "/AA" in obj:
        walk.triggers(obj, "annotation")


def _qr_images(pdf: Any, collector: Collector) -> None:

    decoded = 0
    for index, page in enumerate(pdf.pages):
        if index >= QR_PAGES or decoded >= collector.limits.max_qr_images or collector.out_of_time():
            return
        try:
            getter = getattr(page, "get_images", None)  # pikepdf >= 10 (Page.images is deprecated)
            images = list((getter() if getter is not None else page.images).items())[:20]
        except Exception:  # noqa: S112 - a page whose resources cannot be read has no image to decode
            continue
        for name, raw in images:
            if decoded >= collector.limits.max_qr_images:
                return
            try:
                width, height = int(raw.get("/Width", 0)), int(raw.get("/Height", 0))
                flate_cap = PDF_RAW_PIXELS if _name(raw.get("/Filter", "")) != "/DCTDecode" else collector.limits.max_qr_pixels
                if width * height > min(flate_cap, collector.limits.max_qr_pixels) or min(width, height) < 40:
                    continue
                image = _page_image(raw)
            except Exception:  # noqa: S112 - an unsupported filter or colour space: not decodable
                continue
            decoded += 1
            decode_pil(image, collector, f"page {index + 1} image {name}")


def _page_image(raw: Any) -> Any:
    """A PIL image of an image XObject; JPEGs are decoded at reduced size (PIL draft mode),
    which is most of the cost on scanned pages."""
    import pikepdf
    from PIL import Image

    if _name(raw.get("/Filter", "")) == "/DCTDecode":
        image = Image.open(io.BytesIO(raw.read_raw_bytes()))
        image.draft("L", (QR_SIDE, QR_SIDE))
        return image
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pikepdf's notes on soft masks: not the reader's business
        return pikepdf.PdfImage(raw).as_pil_image()
