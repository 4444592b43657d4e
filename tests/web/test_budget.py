"""The web server's per-message time budget: scans and previews run in worker processes;
over the budget the answer is ``unscannable`` ("time budget exceeded")."""

from __future__ import annotations

import time

import pytest

from mailward.config import Config
from mailward.web import workers
from mailward.web.workers import AnalysisPool

from .stuck_task import stuck


def _dead(pid: int | None, timeout: float) -> bool:
    """Whether the process is gone or a zombie (killed, not yet reaped), asked of the
    kernel: ``Process.join``/``is_alive`` race with the executor's own thread, which
    reaps the same child (CI once saw ``is_alive()`` stay true after the kill)."""
    end = time.monotonic() + timeout
    while True:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                state = stat.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        if time.monotonic() > end:
            return False
        time.sleep(0.05)


RAW = b"From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nhello\r\n"


def test_soft_budget_in_the_worker_gives_unscannable() -> None:
    pool = AnalysisPool(Config(), workers=1, budget=0.000001)
    try:
        result, preview = pool.scan_sync(RAW, "upload", with_preview=True)
        assert str(result.verdict) == "unscannable" and result.reason == "time budget exceeded (1e-06 s)"
        assert "longer than the time budget" in preview
        assert pool.recycled == 0  # the worker stopped itself: nothing had to be killed
    finally:
        pool.close()


def test_hard_deadline_kills_a_stuck_worker_and_recovers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "GRACE", 0.5)
    # an ample budget for the ordinary scans, so that a loaded CI machine cannot turn
    # them into "time budget exceeded"; the short one only for the stuck worker
    pool = AnalysisPool(Config(), workers=1, budget=30)
    try:
        assert pool.scan_sync(RAW, "warm")[0].verdict == "clean"  # started and warm
        old = list(getattr(pool.executor, "_processes", {}).values())
        pool.budget = 0.5
        monkeypatch.setattr(workers, "scan_task", stuck)
        began = time.monotonic()
        result, _preview = pool.scan_sync(RAW, "upload")
        assert time.monotonic() - began < 10
        assert str(result.verdict) == "unscannable" and result.reason == "time budget exceeded (0.5 s)"
        assert pool.recycled == 1
        for process in old:
            assert _dead(process.pid, timeout=10), process.pid
        monkeypatch.undo()
        pool.budget = 30
        assert pool.scan_sync(RAW, "after")[0].verdict == "clean"  # the new worker answers
    finally:
        pool.close()
