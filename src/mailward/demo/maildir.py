"""Deliver one message into a Maildir the way a mail store does (tmp/, then rename into new/).

For tests that need "a message that arrived after the last hunt". The generator
itself writes straight into cur/ and new/: nobody reads the set while it is made.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

_counter = itertools.count(1)


def deliver(maildir: Path, raw: bytes, *, timestamp: int = 1617235200,
            host: str = "mailstore.parliament.example") -> Path:
    """Write ``raw`` into ``maildir`` (creating cur/, new/, tmp/) and return its path in new/."""
    maildir = Path(maildir)
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    while True:
        name = f"{timestamp}.M{next(_counter)}P{os.getpid()}.{host},S={len(raw)}"
        final = maildir / "new" / name
        if not final.exists():
            break
    staging = maildir / "tmp" / name
    staging.write_bytes(raw)
    os.replace(staging, final)
    return final
