"""The audit log: one JSON object per line, appended, never rewritten.

Every gateway decision and every quarantine operation (store, release, delete) adds
a line. Lines are written with a single ``write`` on a file opened with O_APPEND,
so concurrent writers (several milter processes, the CLI) do not interleave.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mailward.gateway.quarantine import now_iso


class AuditLog:
    def __init__(self, path: Path, *, fsync: bool = False) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._lock = threading.Lock()

    def record(self, event: str, **fields: Any) -> None:
        line = json.dumps({"time": now_iso(), "event": event, **fields}, default=str, sort_keys=True)
        data = (line.replace("\n", " ") + "\n").encode()
        with self._lock:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)
                if self.fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)

    def read(self) -> Iterator[Mapping[str, Any]]:
        try:
            with self.path.open("rb") as fh:
                for line in fh:
                    if line.strip():
                        yield json.loads(line)
        except FileNotFoundError:
            return
