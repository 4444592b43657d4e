"""Content-type sniffing from magic bytes, for attachments.

A small table of the types that matter for mail threats (executables, scripts,
Office containers, archives, disk images, shortcuts). The declared type is the
sender's claim; this is what the bytes are.
"""

from __future__ import annotations

import io
import zipfile

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "application/pdf"),
    (b"MZ", 0, "application/x-dosexec"),
    (b"\x7fELF", 0, "application/x-executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "application/x-ole-storage"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"PK\x05\x06", 0, "application/zip"),
    (b"Rar!\x1a\x07", 0, "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", 0, "application/x-7z-compressed"),
    (b"\x1f\x8b", 0, "application/gzip"),
    (b"BZh", 0, "application/x-bzip2"),
    (b"\xfd7zXZ\x00", 0, "application/x-xz"),
    (b"L\x00\x00\x00\x01\x14\x02\x00", 0, "application/x-ms-shortcut"),
    (b"{\\rtf", 0, "text/rtf"),
    (b"\x78\x9f\x3e\x22", 0, "application/vnd.ms-tnef"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"RIFF", 0, "application/x-riff"),
    (b"CD001", 0x8001, "application/x-iso9660-image"),
    (b"CD001", 0x8801, "application/x-iso9660-image"),
    (b"koly", -512, "application/x-apple-diskimage"),
    (b"MSCF", 0, "application/vnd.ms-cab-compressed"),
    (b"#!", 0, "text/x-script"),
)

_TEXT_MARKERS: tuple[tuple[bytes, str], ...] = (
    (b"<!doctype html", "text/html"),
    (b"<html", "text/html"),
    (b"<svg", "image/svg+xml"),
    (b"<?xml", "application/xml"),
)


def sniff(data: bytes) -> str:
    """The type the bytes are, or "" when unknown."""
    for magic, offset, mime in _MAGIC:
        if offset >= 0:
            if data[offset : offset + len(magic)] == magic:
                return mime
        elif len(data) >= -offset and data[offset : offset + len(magic)] == magic:
            return mime
    head = data[:512].lstrip().lower()
    for marker, mime in _TEXT_MARKERS:
        if head.startswith(marker):
            return mime
    if b"<script" in head:
        return "text/html"
    return ""


def zip_is_encrypted(data: bytes) -> bool:
    """True when a ZIP's first local file header has the encryption flag set."""
    if data[:4] != b"PK\x03\x04" or len(data) < 8:
        return False
    flags = int.from_bytes(data[6:8], "little")
    return bool(flags & 0x1)


def zip_directory(data: bytes, max_members: int = 200) -> tuple[bool, tuple[str, ...]]:
    """(encrypted, member names) of a ZIP read from its central directory only.

    Nothing is decompressed (a zip bomb costs nothing here). Anything that is not a
    readable ZIP gives ``(False, ())``.
    """
    if not data.startswith(b"PK"):
        return False, ()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()[:max_members]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, KeyError):
        return zip_is_encrypted(data), ()
    encrypted = any(info.flag_bits & 0x1 for info in infos)
    return encrypted, tuple(info.filename[:500] for info in infos)
