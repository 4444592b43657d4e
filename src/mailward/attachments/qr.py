"""QR codes in images, decoded locally with zxing-cpp (docs/attachments.md: measured).

"Scan the code with your phone" moves the link off the protected computer and past
every link scanner; the decoded text that is a URL becomes a link of the part it
was found in. Images are decoded only within the limits: at most
``max_qr_pixels`` pixels (checked from the header before any pixel is decoded) and
``max_qr_images`` images per attachment; tiny images (icons, pixels) are skipped.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from ..defects import DefectKind
from .base import Collector

MIN_SIDE = 40  # a QR code needs at least 21 modules of 2 pixels
MAX_SIDE = 1600  # larger images are scaled down before decoding


def _libraries() -> tuple[Any, Any] | None:
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:  # pragma: no cover - declared dependencies
        return None
    return zxingcpp, Image


def decode_pil(image: Any, collector: Collector, where: str) -> list[str]:
    """Texts of the QR codes in a PIL image (already opened, size checked by the caller)."""
    libs = _libraries()
    if libs is None:
        return []
    zxingcpp, _ = libs
    import numpy

    width, height = image.size
    if min(width, height) < MIN_SIDE:
        return []
    if width * height > collector.limits.max_qr_pixels:
        collector.defect(DefectKind.ATTACHMENT_LIMIT, f"{where}: image of {width}x{height} not decoded for QR codes")
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's notes on palette transparency: not the reader's business
            gray = image.convert("L")
        if max(width, height) > MAX_SIDE:  # a box reduction is cheaper than zxing's own downscaling
            gray = gray.reduce(-(-max(width, height) // MAX_SIDE))
        found = zxingcpp.read_barcodes(numpy.asarray(gray), formats=zxingcpp.BarcodeFormat.QRCode)
    except Exception as exc:  # a decoder error on odd pixel data is a defect, not a failure
        collector.defect(DefectKind.ATTACHMENT_UNPARSABLE, f"{where}: {type(exc).__name__}")
        return []
    texts = [str(code.text) for code in found if getattr(code, "text", "")]
    for text in texts:
        _record(text, collector, where)
    return texts


def _record(text: str, collector: Collector, where: str) -> None:
    value = text.strip()
    lowered = value.lower()
    if lowered.startswith(("http://", "https://", "www.")):
        url = value if not lowered.startswith("www.") else "http://" + value
        collector.link(url, text="QR code", source="qr", tag="qr")
        collector.signal("QR_URL", f"{url} ({where})")
    elif lowered.startswith(("mailto:", "tel:", "sms", "wifi:", "bitcoin:", "ethereum:")):
        collector.signal("QR_OTHER", f"{value[:200]} ({where})")
    else:
        collector.signal("QR_TEXT", f"{value[:200]} ({where})")


def analyse_image(data: bytes, part: str, collector: Collector) -> None:
    libs = _libraries()
    if libs is None:
        return
    _, image_module = libs
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DecompressionBombWarning: the size is checked below
            image = image_module.open(io.BytesIO(data))
            width, height = image.size
            if width * height > collector.limits.max_qr_pixels or min(width, height) < MIN_SIDE:
                if width * height > collector.limits.max_qr_pixels:
                    collector.defect(DefectKind.ATTACHMENT_LIMIT, f"image of {width}x{height} not decoded for QR codes")
                return
            if getattr(image, "n_frames", 1) > 1:
                image.seek(0)
            image.load()
    except Exception as exc:  # Pillow raises many kinds on malformed images
        collector.defect(DefectKind.ATTACHMENT_UNPARSABLE, f"image: {type(exc).__name__}")
        return
    decode_pil(image, collector, "image")
