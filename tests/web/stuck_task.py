"""A task that no timer can interrupt (SIGALRM blocked, as in a long call into C): for the web pool's hard deadline."""

from __future__ import annotations

import signal
import time


def stuck(raw: bytes, source: str, with_preview: bool, budget: float) -> object:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(120)
    raise AssertionError("the worker should have been killed")
