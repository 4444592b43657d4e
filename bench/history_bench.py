"""Cost of the gateway's sender-history lookups and writes (SQLite store in a temp dir).

    .venv/bin/python bench/history_bench.py [--senders N] [--lookups N]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from mailward.gateway.history import CachedSenderHistory
from mailward.identity.history import first_contact
from mailward.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=20_000, help="(sender, recipient) pairs in the store")
    parser.add_argument("--lookups", type=int, default=2000, help="look-ups timed per case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/history.db")
        history = store.sender_history()
        history.record_many([(f"s{i}@d{i % 500}.example", (f"r{i % 50}@org.example",)) for i in range(args.senders)])
        cached = CachedSenderHistory(history)

        def run(label: str, sender: object, n: int = args.lookups) -> None:
            wall, cpu = time.perf_counter(), time.process_time()
            for i in range(n):
                first_contact(cached, sender(i), ("r1@org.example",))  # type: ignore[operator]
            print(f"{label}: {(time.perf_counter() - wall) / n * 1e3:.3f} ms wall, "
                  f"{(time.process_time() - cpu) / n * 1e3:.3f} ms CPU per message")

        run("unknown sender", lambda i: f"new{i}@x{i}.example")
        run("known sender (cached)", lambda i: "s1@d1.example")
        started = time.perf_counter()
        history.record_many([(f"n{i}@x.example", ("r1@org.example",)) for i in range(500)])
        print(f"500 pairs recorded in one batch: {(time.perf_counter() - started) * 1e3:.1f} ms")
        store.close()


if __name__ == "__main__":
    main()
