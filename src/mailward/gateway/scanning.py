"""Scanning off the event loop: a pool of processes (or threads) with a time budget.

Each worker builds its scanner once and then, per message, scans, picks the action
from the settings and defuses when the action asks for it. All of that is CPU work,
so it runs in worker processes; the milter's event loop only moves bytes.
"""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Any, Protocol

from mailward.budget import BudgetExceeded, over_budget, time_budget
from mailward.config import Config
from mailward.errors import MailwardError
from mailward.gateway.defuse import DefuseReport, defuse_report
from mailward.gateway.history import history_url, open_worker_history
from mailward.gateway.settings import Action, GatewaySettings
from mailward.model import Envelope
from mailward.result import ScanResult


class ScanError(MailwardError):
    """Scanning did not produce a result in time or at all. The message says why."""


class MessageScanner(Protocol):
    def scan_bytes(self, raw: bytes, source: str = "-", envelope: Envelope | None = None) -> ScanResult: ...


@dataclass(frozen=True)
class Prepared:
    """What a worker hands back: the scan, the action, the rewritten bytes if any."""

    result: ScanResult
    action: Action
    rewritten: bytes | None = None
    report: DefuseReport | None = None


def make_scanner(spec: str, config: Config, history: Any = None) -> MessageScanner:
    """Build the scanner named by ``module:attribute`` (default ``mailward.scan:Scanner``).

    ``history`` (a ``SenderHistory``) is passed as ``history=`` only when there is one,
    so scanners without first-contact support still work with history off.
    """
    module_name, _, attr = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), attr or "Scanner")
    scanner: MessageScanner = factory(config, history=history) if history is not None else factory(config)
    return scanner


_WORKER: dict[str, Any] = {}


def _init_worker(config: Config, settings: GatewaySettings) -> None:
    from mailward.procwatch import exit_with_parent

    exit_with_parent()  # a worker process ends with the milter (in-process: no-op)
    _WORKER.pop("error", None)
    _WORKER["settings"] = settings
    history = None
    url = history_url(config, settings)
    if url is not None:
        try:
            history = open_worker_history(url, config)
        except Exception as exc:  # reported by _warm: the milter does not start half-configured
            _WORKER["error"] = f"cannot open the sender history store: {type(exc).__name__}: {exc}"
            return
    _WORKER["history"] = history
    try:
        _WORKER["scanner"] = make_scanner(settings.scanner, config, history)
    except Exception as exc:  # reported by _warm / prepare_message, not as a worker traceback
        _WORKER["error"] = f"cannot build the scanner {settings.scanner!r}: {type(exc).__name__}: {exc}"


class ScannerStartError(MailwardError, RuntimeError):
    pass


def _warm() -> int:
    if "error" in _WORKER:
        raise ScannerStartError(_WORKER["error"])
    return os.getpid()


SOFT_BUDGET = 0.8  # of ``timeout``: the worker stops itself first; the pool's deadline is the backstop


def prepare_message(raw: bytes, source: str, envelope: Envelope) -> Prepared:
    """Scan, choose the action, defuse if asked, within the time budget. Runs inside a worker.

    Past ``SOFT_BUDGET * timeout`` (where a timer can interrupt: a worker process's
    main thread) the message is ``unscannable``, "time budget exceeded", and gets the
    action for that verdict (by default the failure policy).
    """
    if "error" in _WORKER:
        raise ScannerStartError(_WORKER["error"])
    scanner: MessageScanner = _WORKER["scanner"]
    settings: GatewaySettings = _WORKER["settings"]
    budget = settings.timeout * SOFT_BUDGET
    try:
        with time_budget(budget):
            result = scanner.scan_bytes(raw, source, envelope=envelope)
            result = replace(result, facts=None)  # facts stay in the worker: not needed, maybe not picklable
            action = settings.resolve(settings.action_for(result.verdict))
            if action in (Action.DEFUSE, Action.BANNER):
                rewritten, report = defuse_report(raw, result, settings, neutralise=action is Action.DEFUSE)
                return Prepared(result, action, rewritten if rewritten != raw else None, report)
            return Prepared(result, action)
    except BudgetExceeded:
        result = over_budget(raw, source, budget)
        return Prepared(result, settings.resolve(settings.action_for(result.verdict)))


class ScanPool:
    """Runs ``prepare_message`` in worker processes (``workers`` > 0) or threads (0)."""

    def __init__(self, config: Config, settings: GatewaySettings) -> None:
        self.config = config
        self.settings = settings
        self._prepare_history_store()
        self.executor: Executor = self._new_executor()
        self._overdue: list[asyncio.Future[Prepared]] = []
        self._warming: asyncio.Future[int] | None = None
        self.recycled = 0

    def _prepare_history_store(self) -> None:
        """Create/upgrade the history store once here, so workers only open it."""
        url = history_url(self.config, self.settings)
        if url is None:
            return
        from mailward.store import StoreError, open_store

        try:
            open_store(url, config=self.config, upgrade=True).close()
        except StoreError:
            pass  # the workers report the reason when they cannot open it (warm_up)

    def _new_executor(self) -> Executor:
        if self.settings.workers == 0:
            _init_worker(self.config, self.settings)
            return ThreadPoolExecutor(max_workers=4, thread_name_prefix="mailward-scan")
        return ProcessPoolExecutor(
            max_workers=self.settings.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.config, self.settings),
        )

    def warm_up(self) -> None:
        """Start every worker and build its scanner now, not on the first message.

        Raises ``ScannerStartError`` with the reason when the scanner cannot be built.
        """
        futures = [self.executor.submit(_warm) for _ in range(max(1, self.settings.workers) * 2)]
        for future in futures:
            future.result(timeout=120)

    async def prepare(self, raw: bytes, source: str, envelope: Envelope) -> Prepared:
        loop = asyncio.get_running_loop()
        if self._warming is not None and not self._warming.done():
            # a replaced pool is starting its processes: that time is not the message's budget
            try:
                await asyncio.wait_for(asyncio.shield(self._warming), 120)
            except Exception as exc:
                raise ScanError(f"the scanning processes did not restart: {exc}") from None
        try:
            future = loop.run_in_executor(self.executor, prepare_message, raw, source, envelope)
            return await asyncio.wait_for(future, self.settings.timeout)
        except TimeoutError:
            self._note_overdue(future)
            raise ScanError(f"time budget exceeded: scan took longer than {self.settings.timeout:g} s") from None
        except BrokenProcessPool:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = self._new_executor()
            raise ScanError("a scanning process died; the pool was restarted") from None
        except Exception as exc:  # the scanner promises not to raise; if it does, say what
            raise ScanError(f"scan failed: {type(exc).__name__}: {exc}") from None

    def _note_overdue(self, future: asyncio.Future[Prepared]) -> None:
        """A scan that ran out of time still occupies its worker process. Once every
        worker is held by one, the pool is replaced and the old processes killed
        (messages still in the old pool get the failure policy, i.e. are retried)."""
        if self.settings.workers == 0:
            return  # threads cannot be stopped; the scanner's own limits must hold
        self._overdue = [f for f in self._overdue if not f.done()]
        self._overdue.append(future)
        if len(self._overdue) < self.settings.workers:
            return
        old = self.executor
        self.executor = self._new_executor()
        self._overdue = []
        self.recycled += 1
        self._warming = asyncio.get_running_loop().run_in_executor(self.executor, _warm)
        processes = dict(getattr(old, "_processes", None) or {})  # not public API; best effort
        old.shutdown(wait=False, cancel_futures=True)
        for process in processes.values():
            if process.is_alive():
                process.kill()

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
