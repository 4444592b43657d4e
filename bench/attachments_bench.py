"""Attachment analysis cost per format, and the PDF and QR library comparisons.

    python bench/attachments_bench.py formats DIR [DIR...]   # time per attachment, by format, over a corpus
    python bench/attachments_bench.py pdf DIR [DIR...]       # pikepdf vs pypdf on every PDF attachment (+ crafted)
    python bench/attachments_bench.py pdftext DIR [DIR...]   # PDF page text: pypdfium2 vs pypdf vs pdfminer.six
    python bench/attachments_bench.py qr                     # zxing-cpp decode time on generated codes
    python bench/attachments_bench.py ole                    # olefile directory vs oletools.olevba on generated files

Every figure is CPU time (``time.process_time``); the messages' MIME parsing is not
counted. Nothing here fetches anything.
"""

from __future__ import annotations

import collections
import io
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from email import policy
from email.parser import BytesParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.attachments.files: crafted files

from mailward.attachments import analyse_attachment, attachment_format
from mailward.sniff import sniff
from mailward.sources import RawMessage, iter_sources

_PARSER = BytesParser(policy=policy.compat32)


def attachments(paths: list[str]) -> Iterator[tuple[str, str, bytes]]:
    """(file name, declared type, bytes) of every non-multipart leaf that is not a body text."""
    for item in iter_sources(paths):
        if not isinstance(item, RawMessage):
            continue
        try:
            mime = _PARSER.parsebytes(item.data)
            parts = list(mime.walk())
        except Exception:
            continue
        for part in parts:
            if part.is_multipart():
                continue
            ctype = part.get_content_type()
            name = part.get_filename() or ""
            if ctype in ("text/plain", "text/html") and not name:
                continue
            try:
                data = part.get_payload(decode=True)
            except Exception:
                continue
            if isinstance(data, bytes) and data:
                yield str(name), ctype, data


def cmd_formats(paths: list[str]) -> None:
    times: dict[str, list[float]] = collections.defaultdict(list)
    skipped = 0
    for name, ctype, data in attachments(paths):
        sniffed = sniff(data)
        fmt = attachment_format(data, name, ctype, sniffed)
        if not fmt:
            skipped += 1
            continue
        start = time.process_time()
        analyse_attachment(data, part="1", filename=name, declared_type=ctype, sniffed_type=sniffed)
        times[fmt].append((time.process_time() - start) * 1000)
    print(f"attachments not opened (type calls for nothing): {skipped}")
    print(f"{'format':12} {'n':>5} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for fmt, values in sorted(times.items()):
        values.sort()
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(f"{fmt:12} {len(values):5d} {statistics.median(values):10.2f} {p95:8.2f} {values[-1]:8.2f}")


def _pikepdf_walk(data: bytes) -> int:
    import pikepdf

    found = 0
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and ("/URI" in obj or "/JS" in obj or "/S" in obj or "/A" in obj):
                found += 1
    return found


def _pypdf_walk(data: bytes) -> int:
    import pypdf
    from pypdf.generic import DictionaryObject

    found = 0
    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    trailer_size = int(reader.trailer.get("/Size", 0) or 0)
    for number in range(1, trailer_size):
        try:
            obj = reader.get_object(number)
        except Exception:
            continue
        if isinstance(obj, DictionaryObject) and ("/URI" in obj or "/JS" in obj or "/S" in obj or "/A" in obj):
            found += 1
    return found


def _crafted() -> list[tuple[str, bytes]]:
    from tests.attachments import files as F

    good = F.pdf_link("https://example.net/x")
    return [
        ("truncated", good[: len(good) // 2]),
        ("no xref", good.replace(b"xref", b"xxxx")),
        ("garbage", b"%PDF-1.7\n" + b"\x00\xff garbage " * 2000),
        ("deep arrays", F.pdf("[" * 5000 + "]" * 5000)),
        ("many objects", F.pdf(*[f"<< /S /URI /URI (https://e.example/{i}) >>" for i in range(5000)])),
        ("bad stream length", F.pdf("<< /Length 999999 >>\nstream\nabc\nendstream")),
    ]


def _run(walk: Callable[[bytes], int], data: bytes) -> tuple[float, str]:
    start = time.process_time()
    try:
        walk(data)
        outcome = "ok"
    except RecursionError:
        outcome = "RecursionError"
    except Exception as exc:
        outcome = type(exc).__name__
    return (time.process_time() - start) * 1000, outcome


def cmd_pdf(paths: list[str]) -> None:
    pdfs = [(name, data) for name, _, data in attachments(paths) if data.startswith(b"%PDF") or b"%PDF-" in data[:1024]]
    print(f"{len(pdfs)} real PDF attachments")
    for label, walk in (("pikepdf", _pikepdf_walk), ("pypdf", _pypdf_walk)):
        walk(pdfs[0][1] if pdfs else _crafted()[0][1])  # import and warm up
        times, failures = [], 0
        for _, data in pdfs:
            ms, outcome = _run(walk, data)
            times.append(ms)
            failures += outcome != "ok"
        if times:
            times.sort()
            print(f"{label:8} real: median {statistics.median(times):.2f} ms, p95 {times[int(len(times) * 0.95)]:.2f} ms, "
                  f"max {times[-1]:.1f} ms, total {sum(times):.0f} ms, failures {failures}")
        for name, data in _crafted():
            ms, outcome = _run(walk, data)
            print(f"{label:8} crafted {name:18} {ms:8.1f} ms  {outcome}")


def _pdfium_text(data: bytes) -> str:
    from mailward.attachments.pdf import page_text

    return page_text(data)


def _pypdf_text(data: bytes) -> str:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages[:2])


def _pdfminer_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    return " ".join(extract_text(io.BytesIO(data), maxpages=2).split())


def cmd_pdftext(paths: list[str]) -> None:
    """The text of the first two pages: time, files that gave at least 40 characters.
    pypdf and pdfminer.six are not dependencies; a missing one is reported and skipped."""
    import importlib.util
    import logging

    logging.disable(logging.WARNING)  # pypdf and pdfminer log every damaged object
    pdfs = [data for _, _, data in attachments(paths) if data.startswith(b"%PDF") or b"%PDF-" in data[:1024]]
    print(f"{len(pdfs)} real PDF attachments")
    for label, module, extract in (("pypdfium2", "pypdfium2", _pdfium_text), ("pypdf", "pypdf", _pypdf_text),
                                   ("pdfminer.six", "pdfminer", _pdfminer_text)):
        if importlib.util.find_spec(module) is None:
            print(f"{label:12} not installed")
            continue
        times, texts, failures = [], 0, 0
        for data in pdfs:
            start = time.process_time()
            try:
                texts += len(extract(data)) >= 40
            except Exception:
                failures += 1
            times.append((time.process_time() - start) * 1000)
        if times:
            times.sort()
            print(f"{label:12} median {statistics.median(times):.2f} ms, mean {sum(times) / len(times):.2f} ms, "
                  f"max {times[-1]:.1f} ms; {texts} gave text, {failures} raised")


def cmd_qr() -> None:
    import zxingcpp
    from PIL import Image
    from tests.attachments import files as F

    for scale, label in ((4, "small"), (12, "large")):
        png = F.qr_png("https://login.example.net/verify?id=12345", scale=scale)
        image = Image.open(io.BytesIO(png)).convert("L")
        canvas = Image.new("L", (image.width * 4, image.height * 4), 255)
        canvas.paste(image, (image.width, image.height))
        for what, img in (("code alone", image), ("code on a 4x page", canvas)):
            start = time.process_time()
            for _ in range(20):
                found = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
            ms = (time.process_time() - start) * 1000 / 20
            print(f"zxing-cpp {label:5} {what:18} {img.width}x{img.height}: {ms:.2f} ms, decoded {len(found)}")
    photo = Image.effect_noise((1600, 1200), 64)
    start = time.process_time()
    zxingcpp.read_barcodes(photo, formats=zxingcpp.BarcodeFormat.QRCode)
    print(f"zxing-cpp noise 1600x1200 (no code): {(time.process_time() - start) * 1000:.2f} ms")


def cmd_ole() -> None:
    from tests.attachments import files as F

    data = F.docx(macro=True)
    start = time.process_time()
    import olefile  # noqa: F401

    print(f"import olefile: {(time.process_time() - start) * 1000:.1f} ms")
    start = time.process_time()
    from oletools import olevba  # type: ignore[import-untyped]

    print(f"import oletools.olevba: {(time.process_time() - start) * 1000:.1f} ms")
    start = time.process_time()
    for _ in range(50):
        analyse_attachment(data, part="1", filename="a.docm", sniffed_type="application/zip")
    print(f"mailward (zip directory + olefile): {(time.process_time() - start) * 1000 / 50:.2f} ms per docm")
    for label, sample in (("docx without macros", F.docx()), ("docm with a stub vbaProject.bin", data)):
        start = time.process_time()
        outcome = "ok"
        for _ in range(50):
            try:
                parser = olevba.VBA_Parser("a.docm", data=sample)
                parser.detect_vba_macros()
                parser.close()
            except Exception as exc:  # olevba raises on a stub OLE directory
                outcome = type(exc).__name__
        print(f"olevba VBA_Parser.detect_vba_macros, {label}: {(time.process_time() - start) * 1000 / 50:.2f} ms ({outcome})")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "formats":
        cmd_formats(rest)
    elif command == "pdf":
        cmd_pdf(rest)
    elif command == "pdftext":
        cmd_pdftext(rest)
    elif command == "qr":
        cmd_qr()
    elif command == "ole":
        cmd_ole()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
