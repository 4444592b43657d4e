"""Archives: nested, encrypted, holding executables; members that are themselves carriers.

ZIP archives are read within the limits of ``ZipReader``: the directory always (the
member names were already read at parse time), member bytes only when small enough
and not a bomb. A member that is itself an archive is opened up to ``max_nesting``
levels; a member of a carrier format (HTML, SVG, PDF, Office, shortcut, disk image,
OneNote) is analysed like an attachment, its findings marked with the member path.
RAR, 7z, gzip and CAB archives are recognised by magic but not opened.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import AttachmentReport
from .base import Collector
from .zipread import ZipReader

# (member bytes, member name, depth) -> its report, or None when its type calls for nothing
MemberAnalyser = Callable[[bytes, str, int], AttachmentReport | None]

_EXECUTABLE_EXTS = frozenset(
    "exe scr com pif cpl msi dll jar js jse vbs vbe wsf wsh hta ps1 bat cmd lnk url iso img vhd vhdx one "
    "docm xlsm pptm xll reg scf library-ms appref-ms".split()
)
_ARCHIVE_EXTS = frozenset("zip jar docx xlsx pptx 7z rar gz tgz cab".split())


def analyse_archive(data: bytes, part: str, collector: Collector, analyse_member: MemberAnalyser, depth: int = 0) -> None:
    reader = ZipReader(data, collector)
    prefix = ""
    _walk(reader, collector, analyse_member, depth, prefix)


def _walk(reader: ZipReader, collector: Collector, analyse_member: MemberAnalyser, depth: int, prefix: str) -> None:
    limits = collector.limits
    if depth > 0:
        collector.signal("ARCHIVE_NESTED", f"{prefix.rstrip('/')} (level {depth + 1})")
    for info in reader.infos:
        if collector.out_of_time():
            return
        name = info.filename
        path = prefix + name
        ext = name.lower().rsplit(".", 1)[-1] if "." in name.rsplit("/", 1)[-1] else ""
        if reader.encrypted(info):
            collector.signal("ARCHIVE_ENCRYPTED", path)
            continue
        if ext in _EXECUTABLE_EXTS:
            collector.signal("ARCHIVE_DANGEROUS_MEMBER", path)
        if info.is_dir() or info.file_size == 0:
            continue
        head = reader.read(info, min(limits.max_member_bytes, 8 * 1024 * 1024))
        if head is None:
            continue
        if head.startswith(b"PK\x03\x04") and ext not in ("docx", "xlsx", "pptx", "odt", "ods", "odp", "docm", "xlsm", "pptm"):
            if depth + 1 >= limits.max_nesting:
                collector.signal("ARCHIVE_TOO_DEEP", path)
                continue
            inner = ZipReader(head, collector)
            inner.read_total = reader.read_total
            _walk(inner, collector, analyse_member, depth + 1, path + "/")
            reader.read_total = inner.read_total
            continue
        if head.startswith(b"MZ"):
            collector.signal("ARCHIVE_DANGEROUS_MEMBER", f"{path} (executable by its bytes)")
        report = analyse_member(head, path, depth + 1)
        if report is None:
            continue
        for signal in report.signals:
            collector.signal(signal.kind, f"{path}: {signal.detail}" if signal.detail else path)
        for defect in report.defects:
            collector.defect(defect.kind, f"{path}: {defect.detail}")
        collector.resources.extend(report.resources[: limits.max_items - len(collector.resources)])
        collector.links.extend(report.links[: limits.max_items - len(collector.links)])
        collector.forms.extend(report.forms)
