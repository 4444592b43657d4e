"""Deliver campaign events from a bounded queue in a background thread.

``submit`` never waits: an event goes into a queue of ``[alerts] queue_size``
entries (default 1,000); when it is full the oldest waiting event is dropped and
counted, so a receiver that is down can neither block a hunt nor grow memory. One
daemon thread delivers each event to every channel, retrying a channel that fails
``retries`` times with exponential backoff (``backoff_seconds``, doubled each time,
capped at ``max_backoff_seconds``). A command-line run waits at most
``flush_seconds`` at its end for what is still queued.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .channels import Channel, DeliveryError, channels_from_config
from .events import CampaignEvent

log = logging.getLogger(__name__)


@dataclass
class Delivery:
    channel: str
    event: str  # campaign id and kind
    ok: bool
    attempts: int
    error: str = ""


@dataclass
class DispatchStats:
    submitted: int = 0
    dropped: int = 0
    delivered: int = 0
    failed: int = 0
    log: list[Delivery] = field(default_factory=list)


class AlertDispatcher:
    def __init__(
        self,
        channels: Sequence[Channel],
        *,
        queue_size: int = 1000,
        retries: int = 5,
        backoff: float = 2.0,
        max_backoff: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.channels = list(channels)
        self.retries = max(0, retries)
        self.backoff = max(0.0, backoff)
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._queue: collections.deque[CampaignEvent] = collections.deque(maxlen=max(1, queue_size))
        self._cond = threading.Condition()
        self._busy = 0
        self._closed = False
        self.stats = DispatchStats()
        self._thread = threading.Thread(target=self._run, name="mailward-alerts", daemon=True)
        self._thread.start()

    def submit(self, event: CampaignEvent) -> None:
        """Queue ``event``; returns at once (drops the oldest waiting event when full)."""
        with self._cond:
            if len(self._queue) == self._queue.maxlen:
                self.stats.dropped += 1
                log.warning("alerts: queue full, dropped the oldest waiting event")
            self._queue.append(event)
            self.stats.submitted += 1
            self._cond.notify_all()

    def flush(self, timeout: float) -> bool:
        """Wait until everything queued was delivered or given up; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if not self._queue and self._closed:
                    return
                event = self._queue.popleft()
                self._busy += 1
            try:
                for channel in self.channels:
                    self._deliver(channel, event)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _deliver(self, channel: Channel, event: CampaignEvent) -> None:
        label = f"{event.campaign_id} {event.kind}"
        error = ""
        for attempt in range(self.retries + 1):
            try:
                channel.send(event)
            except DeliveryError as exc:
                error = str(exc)
                if attempt < self.retries:
                    self._sleep(min(self.max_backoff, self.backoff * (2**attempt)))
                continue
            except Exception as exc:  # a channel bug must not kill the delivery thread
                error = f"{type(exc).__name__}: {exc}"
                break
            self.stats.delivered += 1
            self.stats.log.append(Delivery(channel.name, label, True, attempt + 1))
            return
        self.stats.failed += 1
        self.stats.log.append(Delivery(channel.name, label, False, self.retries + 1, error))
        log.warning("alerts: %s could not deliver %s: %s", channel.name, label, error)


_DISPATCHERS: dict[str, AlertDispatcher] = {}
_LOCK = threading.Lock()


def dispatcher_for(config: Any) -> AlertDispatcher | None:
    """The process's dispatcher for this configuration; None when no channel is configured."""
    section = config.section("alerts")
    if not section:
        return None
    key = repr(sorted(section.items())) + repr(sorted(config.section("smtp").items()))
    with _LOCK:
        found = _DISPATCHERS.get(key)
        if found is None:
            channels = channels_from_config(config)
            if not channels:
                return None
            found = AlertDispatcher(
                channels,
                queue_size=int(section.get("queue_size", 1000)),
                retries=int(section.get("retries", 5)),
                backoff=float(section.get("backoff_seconds", 2)),
                max_backoff=float(section.get("max_backoff_seconds", 300)),
            )
            _DISPATCHERS[key] = found
        return found


def send_events(events: Sequence[CampaignEvent], config: Any, *, wait: float | None = None) -> AlertDispatcher | None:
    """Queue ``events`` for the configured channels. ``wait``: seconds to wait for
    delivery (default ``[alerts] flush_seconds``, 30; 0 for a server that returns at once)."""
    dispatcher = dispatcher_for(config)
    if dispatcher is None:
        return None
    for event in events:
        dispatcher.submit(event)
    seconds = float(config.section("alerts").get("flush_seconds", 30)) if wait is None else wait
    if seconds > 0 and not dispatcher.flush(seconds):
        log.warning("alerts: still delivering after %.0f s; undelivered events are lost at exit", seconds)
    return dispatcher
