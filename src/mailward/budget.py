"""A per-message time budget: analysis that takes too long ends as ``unscannable``.

``time_budget(seconds)`` arms a SIGALRM timer around a block; when it fires inside
Python code, ``BudgetExceeded`` is raised there. It derives from ``BaseException`` so
that the analysers' own ``except Exception`` (which turn a bug into "analysis
failed") do not swallow it. A signal can only interrupt Python code: a long call into
C (the HTML parser, RE2) ends first, which is why those inputs have their own size
limits, and why the gateway and the web server also run analysis in worker processes
they can kill (a hard deadline behind this soft one).

Only the main thread of a process receives signals. Elsewhere (a Dask worker's
task threads, the web server's thread pool) ``time_budget`` does nothing and the
caller must use a process it can kill.

The budget comes from ``[limits] time_budget`` (seconds, default 30; 0 turns it
off); the milter uses its own ``[gateway] timeout``.
"""

from __future__ import annotations

import hashlib
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .config import Config, ConfigError
from .result import ScanResult, Verdict

DEFAULT_TIME_BUDGET = 30.0
REASON = "time budget exceeded"


class BudgetExceeded(BaseException):  # like KeyboardInterrupt: a stop, not an error
    """The block ran past its time budget."""


def time_budget_from(config: Config | None) -> float:
    """``[limits] time_budget`` in seconds (0: no budget)."""
    value = (config or Config()).section("limits").get("time_budget", DEFAULT_TIME_BUDGET)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"[limits] time_budget must be a number of seconds >= 0, got {value!r}")
    return float(value)


def can_interrupt() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise ``BudgetExceeded`` inside the block after ``seconds`` (main thread only; 0: none)."""
    if seconds <= 0 or not can_interrupt():
        yield
        return

    def _expired(_signum: int, _frame: Any) -> None:
        raise BudgetExceeded(f"{REASON} ({seconds:g} s)")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def over_budget(raw: bytes, source: str, seconds: float) -> ScanResult:
    """The result for a message whose analysis ran out of time: ``unscannable``, with the reason."""
    reason = f"{REASON} ({seconds:g} s)"
    return ScanResult(
        source=source,
        verdict=Verdict.UNSCANNABLE,
        score=0.0,
        reason=reason,
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        summary=f"mailward could not analyse this message: {reason}",
    )
