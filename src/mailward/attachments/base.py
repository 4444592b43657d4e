"""What every attachment analyser shares: limits, a time budget and a collector.

Analysers are pure functions of an attachment's bytes. They never fetch anything and
never raise on malformed input: what is wrong with a file becomes a ``Defect`` and
what was not read because of a limit is said in one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..defects import DefectKind
from ..model import AttachmentReport, Defect, Form, Link, Resource, Signal


@dataclass(frozen=True, slots=True)
class AttachmentLimits:
    """Bounds on the work spent on one attachment."""

    max_bytes: int = 20 * 1024 * 1024  # larger files are not opened (a defect says so)
    max_members: int = 500  # ZIP / OOXML / ODF entries examined
    max_member_bytes: int = 8 * 1024 * 1024  # one member decompressed at most this much
    max_total_bytes: int = 32 * 1024 * 1024  # all members of one file together
    max_ratio: int = 200  # decompressed / compressed above this: a bomb, not read
    max_nesting: int = 3  # archives inside archives
    max_pdf_objects: int = 20_000
    max_pdf_pages: int = 500
    max_qr_images: int = 4  # images decoded for QR codes per attachment
    max_qr_pixels: int = 12_000_000  # larger images are not decoded
    max_html_chars: int = 2 * 1024 * 1024
    max_items: int = 200  # links / resources / signals kept per attachment
    seconds: float = 2.0  # wall-clock budget per attachment; analysis stops at the next check


DEFAULT_LIMITS = AttachmentLimits()
# characters of a document's text kept (a PDF's first pages, a Word document's body)
TEXT_CHARS = 3000


class Budget:
    """A deadline checked between steps (pure-Python parsers cannot be interrupted)."""

    __slots__ = ("deadline",)

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def spent(self) -> bool:
        return time.monotonic() > self.deadline


@dataclass
class Collector:
    """Mutable while one analyser runs; ``report()`` freezes it."""

    format: str
    part: str
    limits: AttachmentLimits = DEFAULT_LIMITS
    budget: Budget | None = None
    resources: list[Resource] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    defects: list[Defect] = field(default_factory=list)
    organizer: str = ""
    text: str = ""
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.budget is None:
            self.budget = Budget(self.limits.seconds)

    def out_of_time(self) -> bool:
        assert self.budget is not None
        if self.budget.spent():
            self.defect(DefectKind.ATTACHMENT_TIME_LIMIT, f"{self.format}: analysis stopped after {self.limits.seconds:g} s")
            return True
        return False

    def signal(self, kind: str, detail: str = "") -> None:
        key = (kind, detail[:300])
        if key in self._seen or len(self.signals) >= self.limits.max_items:
            return
        self._seen.add(key)
        self.signals.append(Signal(kind, detail[:300]))

    def defect(self, kind: DefectKind | str, detail: str = "") -> None:
        if len(self.defects) < 50 and not any(d.kind == kind and d.detail == detail[:200] for d in self.defects):
            self.defects.append(Defect(kind, detail[:200], self.part))

    def resource(self, url: str, kind: str, tag: str = "", *, hidden: bool = False, reason: str = "") -> None:
        url = url.strip()
        if url and len(self.resources) < self.limits.max_items:
            self.resources.append(Resource(url[:4096], kind, self.part, tag or kind, hidden=hidden, hidden_reason=reason))

    def link(self, url: str, text: str = "", source: str = "attachment", tag: str = "") -> None:
        url = url.strip()
        if url and len(self.links) < self.limits.max_items:
            self.links.append(Link(url=url[:4096], text=text[:500], part=self.part, source=source, tag=tag or source))

    def report(self) -> AttachmentReport:
        return AttachmentReport(
            format=self.format,
            resources=tuple(self.resources),
            links=tuple(self.links),
            forms=tuple(self.forms),
            signals=tuple(self.signals),
            defects=tuple(self.defects),
            organizer=self.organizer,
            text=self.text,
        )


def decode_text(data: bytes) -> str:
    """Bytes of a text file (HTML, SVG, calendar) as text: BOM first, then UTF-8, then cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def is_remote_url(url: str) -> bool:
    """Loading it goes to the network: http(s), protocol-relative, ftp, or a UNC / file:// share on a host."""
    value = "".join(url.split()).lower()
    if value.startswith(("http://", "https://", "//", "ftp://", "\\\\", "http:\\\\", "https:\\\\")):
        return True
    return value.startswith("file://") and not value.startswith(("file:///", "file://localhost/"))
