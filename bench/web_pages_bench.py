#!/usr/bin/env python3
"""Latency of the web UI's main pages on a large store (not a test).

    .venv/bin/python bench/web_pages_bench.py [--messages 100000] [--rounds 20] [--scratch DIR] [--json OUT]

1. Generates the demo mail set (seed 2021, ``--demo-messages``, 400 by default), hunts it into a small
   SQLite store, then fills a large store by copying those stored rows (facts,
   findings, beacons, campaign keys) until it holds ``--messages`` rows: each copy
   gets its own source, SHA-256, Message-ID and a date spread over a year, and copy
   ``k`` belongs to infrastructure variant ``k % 50``, so re-clustering finds about
   300 attack campaigns of ~300 messages rather than six giant ones. (Hunting
   100,000 real messages takes tens of minutes on this machine; the pages read the
   same rows either way.)
2. Re-clusters, starts ``mailward serve`` on 127.0.0.1, signs in with a token and
   GETs each main page ``--rounds`` times in turn over one keep-alive connection.
   Reports p50 and p99 (ms, client side) per page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
MAILWARD = str(Path(sys.executable).with_name("mailward"))
VARIANTS = 50


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def build_store(scratch: Path, total: int, demo_messages: int = 400) -> tuple[str, Path]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from mailward.config import load_config
    from mailward.demo import generate
    from mailward.hunt.analysis import WorkerSettings
    from mailward.hunt.campaigns import recluster
    from mailward.hunt.runner import hunt
    from mailward.hunt.sources import FileSource
    from mailward.store import MessageRecord, open_store
    from mailward.store.models import MessageRow

    demo = scratch / "demo"
    config_path = demo / "mailward.toml"
    small_db = f"sqlite:///{scratch / 'small.db'}"
    if not (scratch / "small.db").exists():
        generate(demo, seed=2021, messages=demo_messages, force=True)
        config = load_config(config_path)
        store = open_store(small_db, config=config)
        sources = [FileSource([d]) for d in sorted((demo / "maildir").iterdir())]
        hunt(store, sources, WorkerSettings(dict(config.data), str(config_path), False), jobs=1, progress=False)
        store.close()
    db_path = scratch / f"big-{total}.db"
    big_db = f"sqlite:///{db_path}"
    if db_path.exists():
        return big_db, config_path
    config = load_config(config_path)
    small = open_store(small_db, config=config)
    with Session(small.engine) as s:
        rows = list(s.scalars(select(MessageRow)))
    big = open_store(big_db, config=config)
    start = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
    t0 = time.perf_counter()
    batch: list[MessageRecord] = []
    n = 0
    while n < total:
        for row in rows:
            if n >= total:
                break
            k = n // len(rows)
            variant = k % VARIANTS
            features = dict(row.features or {})
            features["keys"] = [f"{key}~{variant}" for key in features.get("keys", ())]
            date = start + dt.timedelta(seconds=(n * 7919) % (365 * 86400))
            batch.append(MessageRecord(
                source=f"bench:{n}", sha256=hashlib.sha256(f"{n}".encode()).hexdigest(), verdict=row.verdict,
                verdict_rank=row.verdict_rank, score=row.score, mailbox=row.mailbox,
                message_id=f"<{n}.{row.message_id.strip('<>')}>", size=row.size, from_addr=row.from_addr,
                from_name=row.from_name, from_domain=row.from_domain, reply_to=row.reply_to, subject=row.subject,
                date=date, received_ips=list(row.received_ips or ()), dkim_domains=list(row.dkim_domains or ()),
                summary=row.summary, reason=row.reason, findings=list(row.findings or ()),
                beacons=list(row.beacons or ()), indicators=list(row.indicators or ()), attack=list(row.attack or ()),
                recipients=list(row.recipients or ()), features=features, minhash=row.minhash,
            ))
            n += 1
            if len(batch) >= 5000:
                big.write_batch(batch)
                batch = []
    if batch:
        big.write_batch(batch)
    log(f"wrote {total} rows in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    stats = recluster(big)
    log(f"re-clustered in {time.perf_counter() - t0:.1f} s: {stats.campaigns} campaigns")
    big.close()
    small.close()
    return big_db, config_path


def serve(db: str, config_path: Path, scratch: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    env = dict(os.environ, MAILWARD_DATA_DIR=str(scratch / "var"))
    token = subprocess.run([MAILWARD, "token", "create", "--role", "admin", "--name", "bench", "--db", db,
                            "--config", str(config_path)], capture_output=True, text=True, check=True,
                           env=env).stdout.strip()
    logf = (scratch / "serve.log").open("wb")
    proc = subprocess.Popen([MAILWARD, "serve", "--port", "0", "--db", db, "--config", str(config_path),
                             "--log-level", "warning"], stdout=logf, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"serving (http://127\.0\.0\.1:\d+)/", (scratch / "serve.log").read_text(errors="replace"))
        if found:
            return proc, found.group(1), token
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("mailward serve did not start")


def measure(url: str, token: str, paths: dict[str, str], rounds: int) -> dict[str, Any]:
    with httpx.Client(base_url=url, timeout=120, follow_redirects=False) as c:
        page = c.get("/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        assert c.post("/login", data={"csrf_token": csrf, "token": token}).status_code == 303
        times: dict[str, list[float]] = {name: [] for name in paths}
        for path in paths.values():  # warm-up: templates, rule list, first queries
            assert c.get(path).status_code == 200, path
        for _ in range(rounds):
            for name, path in paths.items():
                t0 = time.perf_counter()
                r = c.get(path)
                times[name].append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, (path, r.status_code)
    out = {}
    for name, values in times.items():
        values.sort()
        p99 = values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]
        out[name] = {"path": paths[name], "p50_ms": round(statistics.median(values), 1), "p99_ms": round(p99, 1),
                     "n": len(values)}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--messages", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--demo-messages", type=int, default=400,
                   help="demo messages hunted for the rows that are copied up to --messages")
    p.add_argument("--scratch", "--work", type=Path, default=REPO / "var" / "bench" / "web")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    args.scratch.mkdir(parents=True, exist_ok=True)
    db, config_path = build_store(args.scratch, args.messages, args.demo_messages)
    proc, url, token = serve(db, config_path, args.scratch)
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
            campaigns = api.get("/api/v1/campaigns").json()["campaigns"]
            biggest = max(campaigns, key=lambda c: c["message_count"])
            recon = api.get("/api/v1/messages", params={"verdict": "recon", "limit": 1}).json()["messages"][0]
        paths = {
            "dashboard": "/",
            "campaigns": "/campaigns",
            "campaign (largest)": f"/campaigns/{biggest['id']}",
            "messages": "/messages",
            "messages search": "/messages?q=reuters&recipient=lindgren&sort=score",
            "message": f"/messages/{recon['id']}",
            "targets": "/targets",
            "quarantine": "/quarantine",
            "rules": "/rules",
        }
        result = {"messages": args.messages, "campaigns": len(campaigns),
                  "largest_campaign": biggest["message_count"], "load": os.getloadavg(),
                  "pages": measure(url, token, paths, args.rounds)}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
