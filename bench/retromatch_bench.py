"""Retro-match cost: a store of N messages against M newly imported indicators.

Builds a synthetic store (the rows a hunt writes: ``messages`` and their
``message_facts``, ~20 facts per message: sender address and domains, four URLs with
their hosts, a Received IP, the message and an attachment hash, a URL template and
eight body-sketch bands) on SQLite and/or a private PostgreSQL, imports M indicators
(40% domains, 25% URL prefixes, 15% addresses, 10% IPv4 of which a tenth are /24
networks, 10% SHA-256; ``--hit-rate`` of them, default 0.1%, taken from stored values
so that matches happen: a sender domain hit matches ~20 messages), and times ``mailward.share.retromatch.rematch``: the joins alone
(``match``) and the whole call (re-judging matched messages, re-clustering).

    python bench/retromatch_bench.py --messages 100000 --indicators 100000 --db sqlite --db postgresql

Prints one JSON object per database. The store is built outside the timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _h(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def message_rows(n: int, seed: int) -> tuple[list[dict[str, Any]], list[tuple[str, str, int]]]:
    """Synthetic messages and their facts (kind, value, message id)."""
    from mailward.share.msgfacts import lsh_bands

    rng = random.Random(seed)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    senders = [f"sender{i}.example" for i in range(max(10, n // 20))]
    hosts = [f"cdn{i}.host{i % 997}.example" for i in range(max(10, n // 10))]
    messages: list[dict[str, Any]] = []
    facts: list[tuple[str, str, int]] = []
    for pk in range(1, n + 1):
        domain = rng.choice(senders)
        address = f"user{rng.randrange(1000)}@{domain}"
        sha = _h("m", pk)
        messages.append({
            "id": pk, "source": f"bench/{pk}", "mailbox": "", "message_id": "", "sha256": sha, "size": 1000,
            "from_addr": address, "from_name": "", "from_domain": domain, "reply_to": "", "subject": "",
            "date": now - dt.timedelta(minutes=pk), "received_ips": [], "dkim_domains": [], "verdict": "clean",
            "verdict_rank": 0, "score": 0.0, "summary": "", "reason": "", "findings": [], "beacons": [],
            "indicators": [], "attack": [], "recipients": [], "features": {}, "minhash": None, "body": None,
            "scanned_at": now, "rule_facts": None,
        })
        f = {("email", address), ("domain", domain), ("sha256", sha), ("sha256", _h("a", pk % (n // 3 + 1))),
             ("ip", f"198.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"),
             ("tmpl", _h("t", rng.randrange(5000)))}
        for _ in range(4):
            host = rng.choice(hosts)
            f.add(("url", f"{host}/p/{rng.randrange(10**6)}/{_h('u', pk)[:16]}"))
            f.add(("domain", host))
            f.add(("domain", host.partition(".")[2]))
        sketch = rng.randbytes(256)
        f.update(("band", b) for b in lsh_bands(sketch))
        facts.extend((k, v, pk) for k, v in f)
    return messages, facts


def indicators(m: int, facts: list[tuple[str, str, int]], hit_rate: float, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed + 1)
    by_kind: dict[str, list[str]] = {}
    for kind, value, _pk in facts[: 200_000]:
        if kind == "domain" and value.count(".") != 1:
            continue  # hits on sender domains (about 20 messages each), not on a host's shared parent
        by_kind.setdefault(kind, []).append(value)
    out: list[dict[str, Any]] = []
    plan = (("domain", 0.40), ("url", 0.25), ("email", 0.15), ("ipv4", 0.10), ("sha256", 0.10))
    for kind, share in plan:
        for i in range(int(m * share)):
            hit = rng.random() < hit_rate
            if kind == "domain":
                value = rng.choice(by_kind["domain"]) if hit else f"bad{i}.evil{i % 313}.example"
            elif kind == "url":
                value = "https://" + (rng.choice(by_kind["url"]).rsplit("/", 1)[0] + "/" if hit else f"x{i}.evil.example/k/{i}/")
            elif kind == "email":
                value = rng.choice(by_kind["email"]) if hit else f"a{i}@evil{i % 101}.example"
            elif kind == "ipv4":
                if i % 10 == 0:
                    value = f"203.{i % 256}.{(i // 256) % 256}.0/24"
                else:
                    value = rng.choice(by_kind["ip"]) if hit else f"192.0.{(i // 256) % 256}.{i % 256}"
            else:
                value = rng.choice(by_kind["sha256"]) if hit else _h("bad", i)
            out.append({"kind": kind, "value": value, "source": "bench feed", "confidence": 80})
    return out


def load(store: Any, messages: list[dict[str, Any]], facts: list[tuple[str, str, int]]) -> None:
    from sqlalchemy import insert

    from mailward.store.models import MessageRow

    with store.engine.begin() as conn:
        for i in range(0, len(messages), 5000):
            conn.execute(insert(MessageRow), messages[i : i + 5000])
    if store.dialect == "postgresql":
        raw = store.engine.raw_connection()
        try:
            cur = raw.cursor()
            with cur.copy("COPY message_facts (kind, value, message_pk) FROM STDIN") as copy:
                for row in facts:
                    copy.write_row(row)
            cur.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()
        return
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM message_facts")
        conn.connection.driver_connection.executemany(
            "INSERT INTO message_facts (kind, value, message_pk) VALUES (?, ?, ?)", facts
        )


def run_one(url: str, args: argparse.Namespace, messages: list[dict[str, Any]],
            facts: list[tuple[str, str, int]], feed: list[dict[str, Any]]) -> dict[str, Any]:
    from mailward.config import Config
    from mailward.share.retromatch import rematch
    from mailward.store import open_store

    with open_store(url) as store:
        t0 = time.perf_counter()
        load(store, messages, facts)
        t1 = time.perf_counter()
        store.add_indicators(feed)
        t2 = time.perf_counter()
        cpu0 = time.process_time()
        report = rematch(store, Config(), alert=False)
        cpu = time.process_time() - cpu0
        again = rematch(store, Config(), alert=False)
        return {
            "db": store.dialect,
            "messages": len(messages),
            "facts": len(facts),
            "indicators": report.indicators,
            "load_seconds": round(t1 - t0, 1),
            "import_seconds": round(t2 - t1, 1),
            "match_seconds": round(report.match_seconds, 2),
            "rematch_seconds": round(report.seconds, 2),
            "rematch_cpu_seconds_this_process": round(cpu, 2),
            "new_matches": report.new_matches,
            "messages_matched": report.messages,
            "by_kind": report.by_kind,
            "second_run_seconds": round(again.seconds, 2),
            "second_run_new_matches": again.new_matches,
            "load_average": os.getloadavg(),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--indicators", type=int, default=10_000)
    parser.add_argument("--hit-rate", type=float, default=0.001, help="share of indicators taken from stored values")
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"], help="repeatable; default sqlite")
    parser.add_argument("--pg-url", help="an existing PostgreSQL database (default: start a private server)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", help="where the SQLite file goes (default: a temporary directory)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    messages, facts = message_rows(args.messages, args.seed)
    feed = indicators(args.indicators, facts, args.hit_rate, args.seed)
    scratch = Path(args.workdir or tempfile.mkdtemp(prefix="mailward-retro-"))
    results = []
    try:
        for db in args.db or ["sqlite"]:
            if db == "sqlite":
                path = scratch / "bench.db"
                path.unlink(missing_ok=True)
                results.append(run_one(f"sqlite:///{path}", args, messages, facts, feed))
            elif args.pg_url:
                results.append(run_one(args.pg_url, args, messages, facts, feed))
            else:
                from tests.hunt.services import start_postgres

                server = start_postgres()
                try:
                    results.append(run_one(server.create_database("retro_bench"), args, messages, facts, feed))
                finally:
                    server.stop()
                    shutil.rmtree(server.root, ignore_errors=True)
            print(json.dumps(results[-1]), flush=True)
    finally:
        if not args.workdir:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
