"""Message analysis for the web server: in worker processes, within a time budget.

Parsing, scanning and rendering a preview are CPU work on bytes someone else wrote.
In the server's own process they would hold the GIL and slow every other request
(a 0.5 MB upload blocked ``/api/v1/me`` for seconds), and nothing could stop one
that runs too long. So they run in a small pool of worker processes
(``[web] scan_workers``, default 1):

- workers run at a lower CPU priority (nice 5) than the server process;
- each worker keeps ``[limits] time_budget`` per message with a timer (soft: a
  message over it comes back ``unscannable``, "time budget exceeded");
- the server waits at most the budget plus a grace period (hard); past it the
  worker processes are killed and replaced, and the caller gets the same
  ``unscannable`` result.

``scan_workers = 0`` runs the work in threads of the server instead (tests, tiny
installs): no hard deadline, and the soft one does not apply in threads.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import threading
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Any

from mailward.budget import BudgetExceeded, over_budget, time_budget
from mailward.config import Config
from mailward.result import ScanResult

GRACE = 5.0  # seconds past the budget before the worker processes are killed
OVER_BUDGET_PREVIEW = (
    "<!doctype html><meta charset=utf-8><title>No preview</title>"
    "<p>No preview: rendering this message took longer than the time budget.</p>"
)

_STATE: dict[str, Any] = {}


def _init(config_data: dict[str, Any], config_path: str | None, lower_priority: bool = False) -> None:
    import os

    from mailward.procwatch import exit_with_parent
    from mailward.scan import Scanner

    exit_with_parent()  # a worker process ends with the server (in-process: no-op)
    if lower_priority:
        # a scan may take seconds of CPU; the server's own process (sign-in, pages, the
        # API) should win the CPU over it, so scanning workers run at a lower priority
        os.nice(5)
    _STATE["scanner"] = Scanner(Config(data=config_data, path=Path(config_path) if config_path else None))


def _warm() -> bool:
    return "scanner" in _STATE


def _preview_of(raw: bytes) -> str:
    from mailward.parse import parse_message

    from .preview import preview_document

    return preview_document(parse_message(raw)).document


def scan_task(raw: bytes, source: str, with_preview: bool, budget: float) -> tuple[ScanResult, str]:
    """Scan (and render the preview of) one message. Runs in a worker."""
    try:
        with time_budget(budget):
            result = _STATE["scanner"].scan_bytes(raw, source=source)
            preview = _preview_of(raw) if with_preview else ""
    except BudgetExceeded:
        return over_budget(raw, source, budget), OVER_BUDGET_PREVIEW if with_preview else ""
    return replace(result, facts=None), preview  # facts stay here: large, maybe not picklable


def preview_task(raw: bytes, budget: float) -> tuple[tuple[tuple[str, str], ...], str]:
    """The header fields (name, value) and the safe preview of stored bytes. Runs in a worker."""
    from mailward.parse import parse_message

    try:
        with time_budget(budget):
            return tuple(parse_message(raw).headers), _preview_of(raw)
    except BudgetExceeded:
        return (), OVER_BUDGET_PREVIEW


class AnalysisPool:
    """The worker processes (or threads) that scan and render for the web server."""

    def __init__(self, config: Config, *, workers: int = 1, budget: float = 30.0) -> None:
        self.config = config
        self.workers = workers
        self.budget = budget
        self.recycled = 0
        self._lock = threading.Lock()
        self._warming: list[concurrent.futures.Future[Any]] = []
        self.executor = self._new_executor()

    def _new_executor(self) -> Executor:
        initargs = (dict(self.config.data), str(self.config.path) if self.config.path else None)
        if self.workers == 0:
            _init(*initargs)
            return ThreadPoolExecutor(max_workers=4, thread_name_prefix="mailward-web-scan")
        executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_init, initargs=(*initargs, True))
        # start the processes and build their scanners now; that time is no message's budget
        self._warming = [executor.submit(_warm) for _ in range(self.workers)]
        return executor

    @property
    def deadline(self) -> float | None:
        if self.workers == 0 or self.budget <= 0:
            return None
        return self.budget + GRACE

    def _replace(self, broken: Executor) -> None:
        """Kill the workers of ``broken`` (stuck past the deadline, or dead) and start new ones."""
        with self._lock:
            if self.executor is not broken:
                return  # another request replaced it already
            self.executor = self._new_executor()
            self.recycled += 1
        processes = dict(getattr(broken, "_processes", None) or {})  # not public API; best effort
        broken.shutdown(wait=False, cancel_futures=True)
        for process in processes.values():
            process.kill()  # harmless on one already dead; is_alive() would race the executor's reaping

    def _submit(self, fn: Any, *args: Any) -> tuple[Executor, concurrent.futures.Future[Any]]:
        executor = self.executor
        try:
            return executor, executor.submit(fn, *args)
        except (BrokenProcessPool, RuntimeError):
            self._replace(executor)
            executor = self.executor
            return executor, executor.submit(fn, *args)

    def _wait(self, executor: Executor, future: concurrent.futures.Future[Any]) -> Any:
        try:
            for warming in list(self._warming):
                warming.result(timeout=120)
            return future.result(timeout=self.deadline)
        except (concurrent.futures.TimeoutError, BrokenProcessPool):
            self._replace(executor)
            return None

    def scan_sync(self, raw: bytes, source: str, *, with_preview: bool = False) -> tuple[ScanResult, str]:
        executor, future = self._submit(scan_task, raw, source, with_preview, self.budget)
        got = self._wait(executor, future)
        if got is None:
            return over_budget(raw, source, self.budget), OVER_BUDGET_PREVIEW if with_preview else ""
        result: tuple[ScanResult, str] = got
        return result

    async def scan(self, raw: bytes, source: str, *, with_preview: bool = False) -> tuple[ScanResult, str]:
        """Scan off the event loop; never raises for the message's sake."""
        return await asyncio.get_running_loop().run_in_executor(
            None, lambda: self.scan_sync(raw, source, with_preview=with_preview))

    def preview_sync(self, raw: bytes) -> tuple[tuple[tuple[str, str], ...], str]:
        executor, future = self._submit(preview_task, raw, self.budget)
        got = self._wait(executor, future)
        if got is None:
            return (), OVER_BUDGET_PREVIEW
        result: tuple[tuple[tuple[str, str], ...], str] = got
        return result

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
