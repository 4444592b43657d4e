"""Sign-in throttling: failed attempts per account and per client address, with backoff.

After ``free`` failures for a key (an account name, or a client address), each
further failure locks that key for ``base * 2**(failures - free)`` seconds, at most
``ceiling``. While a key is locked every sign-in for it is refused without looking
at the password, so guessing stops paying and the right password does not help the
guesser either. A successful sign-in clears the account's count (not the address's).
A key with no failure for ``forget`` seconds is forgotten.

State is in memory, per server process (so per worker with ``--workers N``), and
bounded: each table keeps at most ``max_keys`` keys and drops the least recently
failed ones first. A restart forgets everything.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ThrottleSettings:
    account_free: int = 5  # failures per account before the backoff starts
    address_free: int = 20  # failures per client address (0: no per-address throttling)
    base: float = 1.0  # seconds of the first lock
    ceiling: float = 900.0  # longest lock
    forget: float = 3600.0  # a key without failures for this long starts again from zero
    max_keys: int = 10_000  # per table


@dataclass(slots=True)
class _State:
    failures: int
    last: float
    locked_until: float


class _Table:
    def __init__(self, free: int, settings: ThrottleSettings) -> None:
        self.free = free
        self.settings = settings
        self.keys: OrderedDict[str, _State] = OrderedDict()

    def wait(self, key: str, now: float) -> float:
        state = self.keys.get(key)
        if state is None or self.free <= 0:
            return 0.0
        if now - state.last > self.settings.forget:
            del self.keys[key]
            return 0.0
        return max(0.0, state.locked_until - now)

    def fail(self, key: str, now: float) -> None:
        if self.free <= 0:
            return
        state = self.keys.pop(key, None)
        if state is None or now - state.last > self.settings.forget:
            state = _State(0, now, 0.0)
        state.failures += 1
        state.last = now
        over = state.failures - self.free
        if over > 0:
            lock = min(self.settings.ceiling, self.settings.base * 2 ** min(over - 1, 40))
            state.locked_until = max(state.locked_until, now + lock)
        self.keys[key] = state  # most recent at the end
        while len(self.keys) > self.settings.max_keys:
            self.keys.popitem(last=False)

    def clear(self, key: str) -> None:
        self.keys.pop(key, None)


class SignInThrottle:
    def __init__(self, settings: ThrottleSettings | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings or ThrottleSettings()
        self.clock = clock
        self.accounts = _Table(self.settings.account_free, self.settings)
        self.addresses = _Table(self.settings.address_free, self.settings)
        self._lock = threading.Lock()

    def wait(self, account: str, address: str) -> float:
        """Seconds until a sign-in for ``account`` from ``address`` may be tried (0: now)."""
        now = self.clock()
        with self._lock:
            by_account = self.accounts.wait(account.lower(), now) if account else 0.0
            return max(by_account, self.addresses.wait(address, now) if address else 0.0)

    def failed(self, account: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            if account:
                self.accounts.fail(account.lower(), now)
            if address:
                self.addresses.fail(address, now)

    def succeeded(self, account: str) -> None:
        with self._lock:
            if account:
                self.accounts.clear(account.lower())

    def size(self) -> int:
        with self._lock:
            return len(self.accounts.keys) + len(self.addresses.keys)
