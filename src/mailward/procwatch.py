"""Worker processes end when the process that started them is gone.

The milter and the web server scan in ``spawn`` worker processes, the hunt in workers
forked by its fork server (which itself ends with the hunt). A worker holds both ends
of its own task pipe, so when its parent is killed (SIGKILL,
the OOM killer, a crash) it never sees end-of-file and would wait forever, holding its
memory. ``exit_with_parent`` starts a small daemon thread that checks once a second
whether the parent is still there and ends the worker when it is not: nobody is left
to read its results.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

INTERVAL = 1.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exit_with_parent(interval: float = INTERVAL) -> bool:
    """In a worker process, end it once its parent has died; returns whether it watches.

    Does nothing in a process that multiprocessing did not start (the main process,
    or an in-process thread pool standing in for workers).
    """
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid is None:
        return False
    pid = parent.pid
    # the process that forked us: the one that asked for the worker ("spawn"), or a
    # fork server (the hunt's), which itself ends when the process that asked is gone
    forked_by = os.getppid()

    def watch() -> None:
        while True:
            # re-parented (whoever forked us is gone), or the process that asked for us is
            if os.getppid() != forked_by or not _alive(pid):
                os._exit(0)
            time.sleep(interval)

    threading.Thread(target=watch, name="mailward-parent-watch", daemon=True).start()
    return True
