"""The unit of work a hunt ships to a worker, and the function that does it.

``analyse_item`` parses and scans one message and returns the ``MessageRecord`` to
store. It runs in the hunting process, in a multiprocessing pool, or on a Dask
worker: each process builds its ``Scanner`` once (module-level cache keyed by the
configuration), so reference data is compiled once per process, not per message.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailward.config import Config
from mailward.store.records import MessageRecord, PackedRecord, pack_record


@dataclass(frozen=True, slots=True)
class WorkItem:
    source: str
    raw: bytes
    mailbox: str = ""  # the mailbox owner's address, when known: becomes the envelope recipient


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """What a worker needs to rebuild the hunter's configuration (picklable)."""

    config_data: Mapping[str, Any]
    config_path: str | None
    keep_bodies: bool = False

    @property
    def key(self) -> str:
        blob = json.dumps([self.config_data, self.config_path, self.keep_bodies], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


# The environment variable naming the file the hunt's fork server reads its settings
# from (mailward.hunt.preload). Defined here, not there: importing that module runs its
# warm-up, which the hunting process itself must not do (it would import the scan's
# record building, numpy included, and freeze its heap for nothing).
PRELOAD_ENV = "MAILWARD_HUNT_PRELOAD"

_SCANNERS: dict[str, Any] = {}
# (settings, its key, its time budget) of the last settings object seen: a pool worker
# or a Dask chunk passes the same object for every message, and hashing the
# configuration and rebuilding it for the budget cost ~0.5 ms a message
_LAST: list[tuple[WorkerSettings, str, float]] = []


def _derived(settings: WorkerSettings) -> tuple[str, float]:
    if _LAST and _LAST[0][0] is settings:
        return _LAST[0][1], _LAST[0][2]
    key, budget = settings.key, _budget(settings)
    _LAST[:] = [(settings, key, budget)]
    return key, budget


def build_scanner(settings: WorkerSettings) -> Any:
    """The ``Scanner`` for ``settings``, built once per process (reference data compiled)."""
    return _scanner(settings)


def _scanner(settings: WorkerSettings) -> Any:
    key = _derived(settings)[0]
    scanner = _SCANNERS.get(key)
    if scanner is None:
        from mailward.scan import Scanner

        path = Path(settings.config_path) if settings.config_path else None
        scanner = Scanner(Config(data=dict(settings.config_data), path=path))
        _SCANNERS.clear()
        _SCANNERS[key] = scanner
    return scanner


def analyse_item(item: WorkItem, settings: WorkerSettings) -> MessageRecord:
    """Parse, scan and summarise one message within the time budget. Never raises.

    A message over ``[limits] time_budget`` is stored as ``unscannable`` with the
    reason "time budget exceeded" (the budget interrupts only where signals reach:
    the hunting process and its pool workers, not Dask's task threads).
    """
    from mailward.budget import REASON, BudgetExceeded, time_budget
    from mailward.model import Envelope
    from mailward.parse import parse_message

    from .features import build_record

    budget = _derived(settings)[1]
    try:
        scanner = _scanner(settings)  # built once per process, outside any message's budget
        with time_budget(budget):
            envelope = Envelope(rcpt_to=(item.mailbox,)) if item.mailbox else None
            message = parse_message(item.raw, envelope=envelope)
            result = scanner.scan_message(message, item.source)
            return build_record(
                message,
                result,
                source=item.source,
                mailbox=item.mailbox,
                raw=item.raw if settings.keep_bodies else None,
            )
    except BudgetExceeded:
        return _unscannable(item, f"{REASON} ({budget:g} s)")
    except Exception as exc:  # a bug in an analyser must not stop a hunt over 100,000 messages
        return _unscannable(item, f"analysis failed: {type(exc).__name__}: {exc}")


# the charsets most mail is written in, beyond UTF-8 and ASCII (whose codecs are always loaded)
_COMMON_CHARSETS = ("latin-1", "cp1252", "iso-8859-15", "iso-8859-2", "cp1250", "cp1251", "koi8-r", "utf-16",
                    "gb2312", "gbk", "big5", "shift_jis", "euc-jp", "iso-2022-jp", "euc-kr")


def warm_up(settings: WorkerSettings) -> int:
    """Analyse the built-in rules' first hit samples once; returns how many were read.

    A fresh worker otherwise pays, on its first messages, for what the scan loads on
    first use: the PDF, Office, QR and archive readers' imports and the hosting and
    tracker tables (~1.5 ms a message over its first 100 on demo mail). Done once in
    the hunt's fork server, it is shared by every worker forked after. The samples are
    package data and the scan has no side effects (no sender history in a worker), so
    nothing is written and nothing a sample points to is fetched.
    """
    from mailward.rules.engine import builtin_rules_dir

    samples = builtin_rules_dir() / "samples"
    count = 0
    for sample in sorted(samples.glob("*/hit/01.eml")):
        try:
            raw = sample.read_bytes()
        except OSError:
            continue
        name = sample.parent.parent.name
        analyse_packed(WorkItem(f"warm-up:{name}", raw), settings)
        count += 1
    import codecs
    import email.generator  # noqa: F401  (imported by the email package on first use)

    for charset in _COMMON_CHARSETS:  # a codec module is imported on the first text in its charset
        codecs.lookup(charset)
    try:  # Pillow imports its other format plugins on the first image of another format
        from PIL import Image

        Image.init()
    except ImportError:  # pragma: no cover - a declared dependency
        pass
    return count


def _budget(settings: WorkerSettings) -> float:
    from mailward.budget import DEFAULT_TIME_BUDGET, time_budget_from
    from mailward.config import ConfigError

    try:
        return time_budget_from(Config(data=dict(settings.config_data)))
    except ConfigError:
        return DEFAULT_TIME_BUDGET  # the hunt's CLI has already reported a bad value


def _unscannable(item: WorkItem, reason: str) -> MessageRecord:
    return MessageRecord(
        source=item.source,
        sha256=hashlib.sha256(item.raw).hexdigest(),
        verdict="unscannable",
        verdict_rank=2,
        mailbox=item.mailbox,
        size=len(item.raw),
        recipients=[item.mailbox] if item.mailbox else [],
        reason=reason[:500],
    )


def analyse_packed(item: WorkItem, settings: WorkerSettings) -> PackedRecord:
    """``analyse_item``, packed for the writer (what crosses a process boundary)."""
    return pack_record(analyse_item(item, settings))


def analyse_chunk(items: Sequence[WorkItem], settings: WorkerSettings) -> list[PackedRecord]:
    return [analyse_packed(item, settings) for item in items]


# -- multiprocessing pool plumbing ---------------------------------------------------

_POOL_SETTINGS: WorkerSettings | None = None
_PRELOADED = False  # the worker found its scanner built (by the fork server, mailward.hunt.preload)


def pool_init(settings: WorkerSettings) -> None:
    global _POOL_SETTINGS, _PRELOADED
    from mailward.procwatch import exit_with_parent

    exit_with_parent()
    _POOL_SETTINGS = settings
    _PRELOADED = _derived(settings)[0] in _SCANNERS
    _scanner(settings)  # compile reference data before the first message arrives


def worker_info() -> dict[str, Any]:
    """What a pool worker reports about itself: its process, its parent (the fork
    server, or the hunting process for "spawn") and whether its scanner came built."""
    import os

    return {"pid": os.getpid(), "ppid": os.getppid(), "preloaded": _PRELOADED}


def pool_analyse(item: WorkItem) -> PackedRecord:
    assert _POOL_SETTINGS is not None
    return analyse_packed(item, _POOL_SETTINGS)
