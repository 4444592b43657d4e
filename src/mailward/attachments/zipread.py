"""Bounded reading of ZIP members (Office containers and archives).

A member is decompressed only when its declared size, its compression ratio and the
running total stay under the limits, and the read stops at the declared size even
when the archive lies about it.
"""

from __future__ import annotations

import io
import zipfile

from ..defects import DefectKind
from .base import Collector

ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError, KeyError,
              RuntimeError, UnicodeDecodeError, IndexError, OverflowError)


class ZipReader:
    def __init__(self, data: bytes, collector: Collector) -> None:
        self.collector = collector
        self.read_total = 0
        self.archive: zipfile.ZipFile | None = None
        self.infos: list[zipfile.ZipInfo] = []
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            infos = self.archive.infolist()
        except ZIP_ERRORS as exc:
            collector.defect(DefectKind.ATTACHMENT_UNPARSABLE, f"{collector.format}: not a readable ZIP ({type(exc).__name__})")
            return
        limit = collector.limits.max_members
        if len(infos) > limit:
            collector.defect(DefectKind.ATTACHMENT_LIMIT, f"{len(infos)} members, first {limit} examined")
        self.infos = infos[:limit]

    @property
    def names(self) -> list[str]:
        return [info.filename for info in self.infos]

    def encrypted(self, info: zipfile.ZipInfo) -> bool:
        return bool(info.flag_bits & 0x1)

    def read(self, info: zipfile.ZipInfo, max_bytes: int | None = None) -> bytes | None:
        """The member's bytes, or None (a defect says why) when a limit forbids it."""
        limits = self.collector.limits
        cap = min(max_bytes or limits.max_member_bytes, limits.max_member_bytes)
        if self.archive is None or self.encrypted(info):
            return None
        if info.file_size > cap:
            self.collector.defect(DefectKind.ATTACHMENT_LIMIT, f"{info.filename[:100]}: {info.file_size} bytes not read")
            return None
        if info.compress_size and info.file_size / max(1, info.compress_size) > limits.max_ratio:
            self.collector.signal("ARCHIVE_BOMB", f"{info.filename[:100]}: ratio {info.file_size // max(1, info.compress_size)}")
            return None
        if self.read_total + info.file_size > limits.max_total_bytes:
            self.collector.defect(DefectKind.ATTACHMENT_LIMIT, "total decompressed size reached")
            return None
        try:
            with self.archive.open(info) as handle:
                data = handle.read(cap + 1)
        except ZIP_ERRORS as exc:
            self.collector.defect(DefectKind.ATTACHMENT_UNPARSABLE, f"{info.filename[:100]}: {type(exc).__name__}")
            return None
        if len(data) > cap:  # the directory lied about the size
            self.collector.signal("ARCHIVE_BOMB", f"{info.filename[:100]}: larger than declared")
            return None
        self.read_total += len(data)
        return data

    def read_name(self, name: str, max_bytes: int | None = None) -> bytes | None:
        for info in self.infos:
            if info.filename == name:
                return self.read(info, max_bytes)
        return None
