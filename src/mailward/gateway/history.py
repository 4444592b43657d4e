"""Sender history in the gateway: first-contact lookups in the workers, recording after the reply.

Each scanning worker reads the history through ``CachedSenderHistory`` (a small
in-process cache over the store; only counts above zero are cached, because the
history only grows: a sender once known stays known, while an unknown sender may
become known at any moment). The milter process records, after the verdict, that the
From address has written to the envelope recipients, but only when the verdict is
``clean`` or ``tracking`` and the message was delivered: attack mail never makes its
sender familiar; with the pair it records the hosts the message loaded from (for
``recon.new_load_host``). Recording goes through ``HistoryRecorder``, a background thread
that batches the writes, so the SMTP reply never waits on the database; a failed
write is logged and the message is unaffected.

Which store: ``[gateway] history`` -- absent means "on when ``[store] url`` is
configured"; ``true`` uses the store (``[store] url``, else ``mailward.db`` in the
data directory); ``false`` turns first contact off in the gateway.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from mailward import domains
from mailward.config import Config
from mailward.gateway.settings import Action, GatewaySettings
from mailward.result import ScanResult, Verdict

log = logging.getLogger("mailward.gateway.history")

KNOWN_VERDICTS = (Verdict.CLEAN, Verdict.TRACKING)
DELIVERED = (Action.DELIVER, Action.DEFUSE, Action.BANNER)


def history_url(config: Config, settings: GatewaySettings) -> str | None:
    """The store URL the gateway keeps sender history in, or None when history is off."""
    if settings.history is False:
        return None
    configured = config.section("store").get("url")
    if settings.history is None and not configured:
        return None
    from mailward.store import default_url

    return default_url(config)


class CachedSenderHistory:
    """``SenderHistory`` over another one, with a bounded cache of positive counts.

    A lookup that fails (database gone, locked for too long) is logged and answered
    as "known", i.e. as if there were no history: no first-contact finding is raised
    on a guess, and the message is still scanned.
    """

    def __init__(self, inner: Any, *, size: int = 4096, ttl: float = 300.0) -> None:
        self.inner = inner
        self.size = size
        self.ttl = ttl
        self._cache: OrderedDict[tuple[Any, ...], tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._memo = threading.local()
        self.lookups = 0
        self.hits = 0
        self.errors = 0

    def _get(self, key: tuple[Any, ...], fetch: Callable[[], int]) -> int:
        now = time.monotonic()
        with self._lock:
            self.lookups += 1
            cached = self._cache.get(key)
            if cached is not None and now - cached[0] < self.ttl:
                self._cache.move_to_end(key)
                self.hits += 1
                return cached[1]
        try:
            value = int(fetch())
        except Exception as exc:
            self.errors += 1
            log.warning("sender history lookup failed (treated as known): %s: %s", type(exc).__name__, exc)
            return 1
        if value > 0:
            self._remember(key, value)
        return value

    def _remember(self, key: tuple[Any, ...], value: int) -> None:
        with self._lock:
            self._cache[key] = (time.monotonic(), value)
            self._cache.move_to_end(key)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)

    def count_from_address(self, sender: str, recipients: tuple[str, ...]) -> int:
        rcpts = tuple(sorted(r.lower() for r in recipients))
        key = ("a", sender.lower(), rcpts)
        if not hasattr(self.inner, "contact_counts"):
            return self._get(key, lambda: self.inner.count_from_address(sender, recipients))

        def fetch() -> int:
            # one query for the three counts first_contact() asks for, in this order;
            # the two domain counts wait in a per-thread memo for the next two calls
            address, domain_rcpts, domain_all = self.inner.contact_counts(sender, recipients)
            domain = _registrable(sender.lower().rpartition("@")[2])
            self._memo.value = (time.monotonic(), {("d", domain, rcpts): domain_rcpts, ("d", domain, None): domain_all})
            return int(address)

        return self._get(key, fetch)

    def load_hosts(self, sender: str) -> set[str] | None:
        """The inner history's ``load_hosts`` (None when it has none or the lookup
        fails: the rules then treat every host as not recorded). Not cached: the recon
        facts ask only for a DMARC-aligned known sender whose message carries a
        per-recipient load."""
        lookup = getattr(self.inner, "load_hosts", None)
        if lookup is None:
            return None
        try:
            hosts = lookup(sender)
        except Exception as exc:
            self.errors += 1
            log.warning("sender load-host lookup failed (treated as not recorded): %s: %s", type(exc).__name__, exc)
            return None
        return None if hosts is None else set(hosts)

    def count_from_domain(self, domain: str, recipients: tuple[str, ...] | None) -> int:
        rcpts = None if recipients is None else tuple(sorted(r.lower() for r in recipients))
        key = ("d", _registrable(domain.lower()), rcpts)
        memo = getattr(self._memo, "value", None)
        if memo is not None and time.monotonic() - memo[0] < 2.0 and key in memo[1]:
            value = int(memo[1].pop(key))
            if value > 0:
                self._remember(key, value)
            return value
        return self._get(key, lambda: self.inner.count_from_domain(domain, recipients))


def _registrable(domain: str) -> str:
    """The key the store uses (``SqlSenderHistory.count_from_domain``)."""
    return domains.registrable(domain) or domain


def open_worker_history(url: str, config: Config) -> CachedSenderHistory:
    """What a scanning worker passes to ``Scanner(history=...)``: read-only, cached.

    The schema is created/upgraded once by the milter process (``open_recorder``)
    before the workers start, so workers never run migrations concurrently.
    """
    from mailward.store import open_store

    store = open_store(url, config=config, upgrade=False)
    return CachedSenderHistory(store.sender_history())


def should_record(result: ScanResult | None, action: Action) -> bool:
    """Only delivered mail whose verdict was clean or tracking makes a sender known."""
    return (
        result is not None
        and result.verdict in KNOWN_VERDICTS
        and action in DELIVERED
        and bool(result.sender)
        and bool(result.recipients)
    )


class HistoryRecorder:
    """Records sender -> recipients pairs in batches from a background thread.

    ``add`` only puts the pair on a bounded queue (never blocks; when the queue is
    full the pair is dropped and counted). The thread writes whatever has queued up
    in one transaction every ``interval`` seconds or ``batch`` pairs.
    """

    def __init__(self, history: Any, *, interval: float = 0.2, batch: int = 500,
                 max_queue: int = 100_000, on_error: Callable[[str], None] | None = None,
                 close_store: Callable[[], None] | None = None) -> None:
        self.history = history
        self.interval = interval
        self.batch = batch
        self.on_error = on_error
        self._close_store = close_store
        self._queue: queue.Queue[tuple[str, tuple[str, ...], tuple[str, ...] | None] | None] = queue.Queue(max_queue)
        self.recorded = 0
        self.dropped = 0
        self.failed = 0
        self._thread = threading.Thread(target=self._run, name="mailward-history", daemon=True)
        self._thread.start()

    def add(self, sender: str, recipients: tuple[str, ...], hosts: tuple[str, ...] | None = None) -> None:
        """Queue one delivered message; ``hosts``: where its loads on open came from."""
        try:
            self._queue.put_nowait((sender, recipients, hosts))
        except queue.Full:
            self.dropped += 1
            log.warning("sender history queue full: %s not recorded", sender)

    def record_result(self, result: ScanResult | None, action: Action) -> bool:
        """Queue ``result``'s sender and recipients when ``should_record``; True if queued."""
        if not should_record(result, action):
            return False
        assert result is not None
        hosts = tuple(dict.fromkeys(b.host for b in result.beacons if b.kind != "link" and b.host))
        self.add(result.sender, result.recipients, hosts)
        return True

    def _run(self) -> None:
        stopping = False
        while not stopping:
            try:
                first = self._queue.get(timeout=self.interval)
            except queue.Empty:
                continue
            taken = 1
            items: list[tuple[str, tuple[str, ...], tuple[str, ...] | None]] = []
            if first is None:
                stopping = True
            else:
                items.append(first)
            while len(items) < self.batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                taken += 1
                if item is None:
                    stopping = True
                    break
                items.append(item)
            if items:
                self._write(items)
            for _ in range(taken):
                self._queue.task_done()

    def _write(self, items: list[tuple[str, tuple[str, ...], tuple[str, ...] | None]]) -> None:
        try:
            self.history.record_many(items)
            self.recorded += len(items)
        except Exception as exc:  # logged, never raised: the messages are long delivered
            self.failed += len(items)
            reason = f"sender history write failed ({len(items)} message(s)): {type(exc).__name__}: {exc}"
            log.warning("%s", reason)
            if self.on_error is not None:
                try:
                    self.on_error(reason)
                except Exception as err:  # the audit log itself failed: the log line above stays
                    log.warning("cannot write the history error to the audit log: %s", err)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.02)
        return self._queue.unfinished_tasks == 0

    def close(self, timeout: float = 10.0) -> None:
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            pass
        self._thread.join(timeout)
        if self._close_store is not None:
            self._close_store()


def open_recorder(config: Config, settings: GatewaySettings,
                  on_error: Callable[[str], None] | None = None) -> HistoryRecorder | None:
    """Open (creating/upgrading) the history store for the milter process; None when off.

    Raises ``mailward.store.StoreError`` with the reason when the store cannot be opened.
    """
    url = history_url(config, settings)
    if url is None:
        return None
    from mailward.store import open_store

    store = open_store(url, config=config, upgrade=True)
    return HistoryRecorder(store.sender_history(), on_error=on_error, close_store=store.close)
