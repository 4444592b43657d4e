"""Imported once by the hunt's fork server, before it forks any scan worker.

The hunt's workers are forked from a "forkserver" process (a fresh interpreter, with
no database connection and no thread of the hunting process) rather than each
started from nothing ("spawn"). This module is that server's preload: it imports
what a worker needs and builds the ``Scanner`` for the hunt's settings (read from the
file named by ``PRELOAD_ENV``), so that every worker starts with both already in
memory, shared copy-on-write with the server, instead of spending 3-4 s of CPU and
~100 MB of its own on them. It then analyses the built-in rule samples once
(``analysis.warm_up``), so what the scan loads on first use (attachment readers,
hosting and tracker tables) is loaded here, not again in every fresh worker. ``gc.freeze()`` keeps the collector from writing to
those objects (and so copying their pages) in every worker.

Nothing here may fail the server: a worker that finds no scanner for its settings
builds its own, as a spawned one would.
"""

from __future__ import annotations

import gc
import os
import pickle

from .analysis import PRELOAD_ENV


def _warm() -> None:
    from . import analysis, features  # noqa: F401  (imported to be shared by the workers)

    path = os.environ.get(PRELOAD_ENV)
    if path:
        try:
            with open(path, "rb") as fh:
                settings = pickle.load(fh)  # noqa: S301 - written by the hunting process, private (0600)
            if isinstance(settings, analysis.WorkerSettings):
                analysis.build_scanner(settings)
                analysis.warm_up(settings)
        except Exception:  # noqa: S110 - the workers build their own scanner then
            pass
    gc.collect()
    gc.freeze()


_warm()
