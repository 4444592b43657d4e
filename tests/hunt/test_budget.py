"""The hunt's per-message time budget: a message that takes too long is stored as
``unscannable`` ("time budget exceeded"), the hunt goes on, nothing is lost."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mailward.hunt import analysis
from mailward.hunt.analysis import WorkerSettings
from mailward.hunt.runner import hunt
from mailward.hunt.sources import FileSource
from mailward.store import open_store

MESSAGE = b"From: a@example.org\r\nTo: b@example.net\r\nSubject: %d\r\nMessage-ID: <%d@example.org>\r\n\r\nhello\r\n"


def _maildir(root: Path, count: int) -> Path:
    box = root / "box"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    for n in range(count):
        (box / "cur" / f"170000000{n}.M{n}.test:2,S").write_bytes(MESSAGE % (n, n))
    return box


class _SlowOnSubjectOne:
    """Stands in for an analysis that is stuck in Python code on one message."""

    def __init__(self, real: object) -> None:
        self.real = real

    def scan_message(self, message, source):  # type: ignore[no-untyped-def]
        if message.subject == "1":
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # busy, as a pathological analyser is
                pass
        return self.real.scan_message(message, source)  # type: ignore[attr-defined]


def test_a_message_over_the_budget_is_stored_unscannable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = analysis._scanner
    monkeypatch.setattr(analysis, "_scanner", lambda settings: _SlowOnSubjectOne(real(settings)))
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    settings = WorkerSettings({"limits": {"time_budget": 0.5}}, None)
    started = time.monotonic()
    stats = hunt(store, [FileSource([_maildir(tmp_path, 3)])], settings, jobs=1, progress=False)
    assert time.monotonic() - started < 20
    assert stats.messages == 3 and stats.verdicts.get("unscannable") == 1
    held = store.messages(verdicts=["unscannable"])
    assert len(held) == 1 and held[0].reason == "time budget exceeded (0.5 s)"
    assert ".M1." in held[0].source, held[0].source
    store.close()


def test_pool_workers_keep_the_budget_too(tmp_path: Path) -> None:
    """A budget far too small for anything: every message ends unscannable, none is lost."""
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    settings = WorkerSettings({"limits": {"time_budget": 0.000001}}, None)
    stats = hunt(store, [FileSource([_maildir(tmp_path, 6)])], settings, jobs=2, progress=False)
    assert stats.messages == 6 and stats.verdicts == {"unscannable": 6}
    assert {m.reason for m in store.messages(verdicts=["unscannable"])} == {"time budget exceeded (1e-06 s)"}
    store.close()
