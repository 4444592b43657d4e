"""Retro-match cost: a store of N messages against M newly imported indicators.

Builds a synthetic store (the rows a hunt writes: ``messages`` and their
``message_facts``, ~20 facts per message: sender address and domains, four URLs with
their hosts, a Received IP, the message and an attachment hash, a URL template and
eight body-sketch bands) on SQLite and/or a private PostgreSQL, imports M indicators
(40% domains, 25% URL prefixes, 15% addresses, 10% IPv4 of which a tenth are /24
networks, 10% SHA-256; ``--hit-rate`` of them, default 0.1%, taken from stored values
so that matches happen: a sender domain hit matches ~20 messages), and times
``mailward.share.retromatch.rematch`` per phase (``phases``: joins, re-judging the
matched messages, re-clustering), with the CPU of this process and, on PostgreSQL,
of the server. ``--attack-share`` (default 1%) of the messages are attack mail so
that re-clustering has campaigns to rebuild; ``--full`` re-clusters the whole store
(the behaviour before incremental re-clustering), ``--check-full`` compares the two.

    python bench/retromatch_bench.py --messages 1000000 --indicators 100000 --db sqlite --db postgresql --keep /tmp/retro-bench

Prints one JSON object per database. The store is built outside the timing;
``--keep DIR`` builds it once (generated once for both databases, bulk-loaded with
the indexes rebuilt at the end) and resets it before each later run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import pickle
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _h(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


CHUNK = 20_000  # messages generated and written at a time (the 1,000,000 store never sits in memory)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def is_attack(pk: int, share: float) -> bool:
    """A fixed share of the messages is attack mail (spread evenly, no random draw)."""
    return (pk * 2654435761) % 10_000 < share * 10_000


def message_chunks(n: int, seed: int, attack_share: float = 0.0
                   ) -> Iterator[tuple[list[dict[str, Any]], list[tuple[str, str, int]]]]:
    """Synthetic messages and their facts (kind, value, message id), CHUNK messages at a time."""
    from mailward.share.msgfacts import lsh_bands

    rng = random.Random(seed)
    rnd, bits = rng.random, rng.getrandbits
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    senders = [f"sender{i}.example" for i in range(max(10, n // 20))]
    hosts = [(f"cdn{i}.host{i % 997}.example", f"host{i % 997}.example") for i in range(max(10, n // 10))]
    templates = [_h("t", i) for i in range(5000)]
    messages: list[dict[str, Any]] = []
    facts: list[tuple[str, str, int]] = []
    for pk in range(1, n + 1):
        domain = senders[int(rnd() * len(senders))]
        address = f"user{int(rnd() * 1000)}@{domain}"
        sha = _sha(f"m{pk}")
        attack = is_attack(pk, attack_share)
        keys = [f"from_domain:{domain}"]
        messages.append({
            "id": pk, "source": f"bench/{pk}", "mailbox": "", "message_id": "", "sha256": sha, "size": 1000,
            "from_addr": address, "from_name": "", "from_domain": domain, "reply_to": "", "subject": "",
            "date": now - dt.timedelta(minutes=pk), "received_ips": [], "dkim_domains": [],
            "verdict": "suspicious" if attack else "clean", "verdict_rank": 2 if attack else 0, "score": 0.0,
            "summary": "", "reason": "", "findings": [], "beacons": [], "indicators": [], "attack": [],
            "recipients": [f"r{pk % 500}@org.example"], "features": {"keys": keys},
            "minhash": None, "body": None, "scanned_at": now, "rule_facts": None,
        })
        ip = bits(24)
        f = {("email", address), ("domain", domain), ("sha256", sha), ("sha256", _sha(f"a{pk % (n // 3 + 1)}")),
             ("ip", f"198.{ip >> 16}.{(ip >> 8) & 255}.{ip & 255}"), ("tmpl", templates[int(rnd() * 5000)])}
        token = _sha(f"u{pk}")[:16]
        for i in range(4):
            host, parent = hosts[int(rnd() * len(hosts))]
            f.add(("url", f"{host}/p/{int(rnd() * 1_000_000)}/{token}"))
            f.add(("domain", host))
            f.add(("domain", parent))
            if attack and i == 0:  # attack mail: linked by its sender address and its (tracking) host
                keys += [f"from:{address}", f"track_host:{host}"]
        f.update(("band", b) for b in lsh_bands(rng.randbytes(256)))
        facts.extend((k, v, pk) for k, v in sorted(f))
        if len(messages) == CHUNK or pk == n:
            yield messages, facts
            messages, facts = [], []


def cached_chunks(n: int, seed: int, attack_share: float, cache: Path | None
                  ) -> Iterator[tuple[list[dict[str, Any]], list[tuple[str, str, int]]]]:
    """``message_chunks``, generated once into ``cache`` (one pickle a chunk) and read back
    from there for the next database: generating is the slow part of building."""
    if cache is None:
        yield from message_chunks(n, seed, attack_share)
        return
    folder = cache / f"gen_{n}_{seed}_{int(attack_share * 10_000)}"
    if folder.exists():  # generated, or being generated by another run: follow it
        for i in range(-(-n // CHUNK)):
            path = folder / f"chunk-{i:05d}.pickle"
            # a chunk is whole once the next one is begun (or all are)
            while not ((folder / f"chunk-{i + 1:05d}.pickle").exists() or (folder / "done").exists()):
                time.sleep(2)
            with path.open("rb") as fh:
                yield pickle.load(fh)
        return
    folder.mkdir(parents=True, exist_ok=True)
    for i, chunk in enumerate(message_chunks(n, seed, attack_share)):
        with (folder / f"chunk-{i:05d}.pickle").open("wb") as fh:
            pickle.dump(chunk, fh, protocol=pickle.HIGHEST_PROTOCOL)
        yield chunk
    (folder / "done").touch()


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


def build(store: Any, args: argparse.Namespace) -> tuple[int, list[tuple[str, str, int]]]:
    """Write the synthetic store (messages, facts, campaigns as a hunt leaves them);
    return the number of facts and the first facts (indicators are drawn from them).
    Bulk load: the indexes of both tables are dropped first and built once at the end."""
    from mailward.hunt.campaigns import (
        _ATTACK_VERDICTS,
        BenignStats,
        ClusterParams,
        ClusterStats,
        cluster_attack,
    )
    from mailward.store.models import MessageRow

    pg = store.dialect == "postgresql"
    columns = [c.name for c in MessageRow.__table__.columns]
    raw = store.engine.raw_connection()
    cur = raw.cursor()
    indexes = _drop_indexes(cur, pg)
    raw.commit()
    total, first = 0, []
    if pg:
        from psycopg.types.json import Json

        json_cols = {i for i, c in enumerate(MessageRow.__table__.columns) if c.type.__class__.__name__ == "JSON"}
    else:
        procs = [c.type.bind_processor(store.engine.dialect) for c in MessageRow.__table__.columns]
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA cache_size=-1000000")
        cur.execute("CREATE TABLE bench_staging (kind TEXT, value TEXT, message_pk INTEGER)")
    for messages, facts in cached_chunks(args.messages, args.seed, args.attack_share, args.cache):
        rows = [[m[c] for c in columns] for m in messages]
        if pg:
            with cur.copy(f"COPY messages ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([Json(v) if i in json_cols else v for i, v in enumerate(row)])
            with cur.copy("COPY message_facts (kind, value, message_pk) FROM STDIN") as copy:
                for fact in facts:
                    copy.write_row(fact)
        else:
            rows = [[p(v) if p else v for p, v in zip(procs, row, strict=True)] for row in rows]
            cur.executemany(f"INSERT INTO messages ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                            rows)
            cur.executemany("INSERT INTO bench_staging VALUES (?, ?, ?)", facts)
        raw.commit()
        total += len(facts)
        if not first:
            first = facts[:200_000]
    if not pg:  # in key order: the primary key's b-tree is appended to, not scattered
        cur.execute("INSERT INTO message_facts (kind, value, message_pk) "
                    "SELECT kind, value, message_pk FROM bench_staging ORDER BY kind, value, message_pk")
        cur.execute("DROP TABLE bench_staging")
    else:
        cur.execute("SET maintenance_work_mem = '1GB'")
    for sql in indexes:
        cur.execute(sql)
    cur.execute("ANALYZE")
    raw.commit()
    raw.close()
    # the campaigns a hunt would have left: the synthetic store has no bulk-mail groups,
    # so clustering its attack mail (as the incremental pass does) is the full result
    attack = store.attack_inputs(sorted(_ATTACK_VERDICTS))
    keys, inds = store.benign_usage({k for a in attack for k in a.features.get("keys", ())}, ())
    store.replace_campaigns(cluster_attack(attack, BenignStats(keys, inds), ClusterParams(), ClusterStats()))
    with store.engine.begin() as conn:  # kept to put back before each run
        conn.exec_driver_sql("DROP TABLE IF EXISTS bench_campaigns")
        conn.exec_driver_sql("DROP TABLE IF EXISTS bench_members")
        conn.exec_driver_sql("CREATE TABLE bench_campaigns AS SELECT * FROM campaigns")
        conn.exec_driver_sql("CREATE TABLE bench_members AS SELECT * FROM campaign_members")
    return total, first


def _drop_indexes(cur: Any, pg: bool) -> list[str]:
    """Drop the secondary indexes (and on PostgreSQL the facts' keys) of messages and
    message_facts; return the statements that put them back."""
    if not pg:
        found = cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                            "AND tbl_name IN ('messages', 'message_facts')").fetchall()
        for name, _sql in found:
            cur.execute(f'DROP INDEX "{name}"')
        return [sql for _name, sql in found]
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('messages', 'message_facts') "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)")
    found = cur.fetchall()
    for name, _sql in found:
        cur.execute(f'DROP INDEX "{name}"')
    cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'message_facts'::regclass")
    constraints = cur.fetchall()
    for name, _sql in constraints:
        cur.execute(f'ALTER TABLE message_facts DROP CONSTRAINT "{name}"')
    return [sql for _name, sql in found] + [f'ALTER TABLE message_facts ADD CONSTRAINT "{name}" {sql}'
                                           for name, sql in constraints]


def reset(store: Any) -> None:
    """Undo a previous run on a kept store: its matches, indicators, campaign keys and campaigns."""
    from sqlalchemy import bindparam, select, update

    from mailward.store.models import MessageRow

    with store.engine.begin() as conn:
        pks = [int(r[0]) for r in conn.exec_driver_sql("SELECT DISTINCT message_pk FROM intel_matches")]
        rows = []
        for start in range(0, len(pks), 5000):
            chunk = pks[start : start + 5000]
            for pk, features in conn.execute(select(MessageRow.id, MessageRow.features).where(MessageRow.id.in_(chunk))):
                keys = [k for k in (features or {}).get("keys", []) if not k.startswith("intel:")]
                rows.append({"pk": pk, "f": {**(features or {}), "keys": keys}})
        if rows:
            stmt = update(MessageRow).where(MessageRow.id == bindparam("pk")).values(features=bindparam("f"))
            conn.execute(stmt, rows)
        for sql in ("DELETE FROM intel_matches", "DELETE FROM indicators", "DELETE FROM campaign_members",
                    "DELETE FROM campaigns", "INSERT INTO campaigns SELECT * FROM bench_campaigns",
                    "INSERT INTO campaign_members SELECT * FROM bench_members"):
            conn.exec_driver_sql(sql)


def first_facts(n: int, seed: int, share: float, cache: Path | None) -> list[tuple[str, str, int]]:
    return next(cached_chunks(n, seed, share, cache))[1][:200_000]


def server_cpu(postmaster: int | None) -> float:
    """CPU seconds (user + system) of the PostgreSQL server's processes so far."""
    if not postmaster:
        return 0.0
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster or stat.parent.name == str(postmaster):
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run_one(url: str, args: argparse.Namespace, kept: Path | None, postmaster: int | None = None) -> dict[str, Any]:
    from mailward.config import Config
    from mailward.share.retromatch import rematch
    from mailward.store import open_store

    out: dict[str, Any] = {}
    with open_store(url) as store:
        t0 = time.perf_counter()
        if kept is not None and kept.exists():
            meta = json.loads(kept.read_text())
            reset(store)
            first = first_facts(args.messages, args.seed, args.attack_share, args.cache)
            out["store"] = f"kept ({kept.parent})"
            out["reset_seconds"] = round(time.perf_counter() - t0, 1)
        else:
            total, first = build(store, args)
            meta = {"facts": total, "build_seconds": round(time.perf_counter() - t0, 1)}
            if kept is not None:
                kept.write_text(json.dumps(meta))
            if args.build_only:
                return {"db": store.dialect, "built": str(kept), **meta}
        feed = indicators(args.indicators, first, args.hit_rate, args.seed)
        t1 = time.perf_counter()
        store.add_indicators(feed)
        t2 = time.perf_counter()
        load0, cpu0, server0 = os.getloadavg(), time.process_time(), server_cpu(postmaster)
        report = rematch(store, Config(), alert=False, incremental=args.incremental)
        cpu = time.process_time() - cpu0
        out.update(_figures(store, report, meta, t2 - t1, cpu, load0))
        if postmaster:
            out["rematch_cpu_seconds_postgresql_server"] = round(server_cpu(postmaster) - server0, 2)
        if args.check_full:
            out["full_recluster_equal"] = same_as_full(store)
        again = rematch(store, Config(), alert=False, incremental=args.incremental)
        out["second_run_seconds"] = round(again.seconds, 2)
        out["second_run_new_matches"] = again.new_matches
        out["load_average_after"] = os.getloadavg()
        return out


def _figures(store: Any, report: Any, meta: dict[str, Any], import_seconds: float, cpu: float,
             load0: tuple[float, float, float]) -> dict[str, Any]:
    import resource

    with store.engine.connect() as conn:
        messages = int(conn.exec_driver_sql("SELECT count(*) FROM messages").scalar_one())
        campaigns = int(conn.exec_driver_sql("SELECT count(*) FROM campaigns WHERE kind = 'attack'").scalar_one())
    return {
        "db": store.dialect,
        "messages": messages,
        "facts": meta["facts"],
        "build_seconds": meta.get("build_seconds"),
        "indicators": report.indicators,
        "import_seconds": round(import_seconds, 1),
        "match_seconds": round(report.match_seconds, 2),
        "rematch_seconds": round(report.seconds, 2),
        "phases": {k: round(v, 2) for k, v in report.timings.items()},
        "rematch_cpu_seconds_this_process": round(cpu, 2),
        "peak_rss_mb_this_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "new_matches": report.new_matches,
        "messages_matched": report.messages,
        "by_kind": report.by_kind,
        "attack_campaigns_after": campaigns,
        "campaign_events": len(report.events),
        "load_average_before": load0,
    }


def same_as_full(store: Any) -> bool:
    """Whether the campaigns the retro-match left equal a full re-clustering's."""
    from mailward.hunt.campaigns import cluster

    def stored() -> set[tuple[Any, ...]]:
        return {(c.id, c.kind, c.message_count, c.verdict, c.name) for c in store.campaigns(kind=None)}

    got = stored()
    full, _stats = cluster(store.cluster_inputs())
    return got == {(c.id, c.kind, c.message_count, c.verdict, c.name) for c in full}


def start_kept_postgres(root: Path) -> Any:
    """The private PostgreSQL server, its data kept under ``root`` between runs."""
    from tests.hunt.services import PGBIN, Postgres, free_port

    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    server = Postgres(root)
    if not (root / "data").exists():
        server.start()
        return server
    server.port = free_port()
    server._run(str(PGBIN / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "log"), "-w", "-t", "120",
                "-o", f"-c listen_addresses=127.0.0.1 -p {server.port} -k {root} -c fsync=off", "start")
    server.proc_pid = int((root / "data" / "postmaster.pid").read_text().splitlines()[0])
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--indicators", type=int, default=10_000)
    parser.add_argument("--hit-rate", type=float, default=0.001, help="share of indicators taken from stored values")
    parser.add_argument("--attack-share", type=float, default=0.01, help="share of stored messages judged suspicious")
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"], help="repeatable; default sqlite")
    parser.add_argument("--pg-url", help="an existing PostgreSQL database (default: start a private server)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", help="where the SQLite file goes (default: a temporary directory)")
    parser.add_argument("--keep", metavar="DIR", help="build the stores once in DIR and reuse them (SQLite file, "
                        "PostgreSQL data directory); a kept store is reset before each run")
    parser.add_argument("--full", dest="incremental", action="store_false",
                        help="re-cluster the whole store (as before incremental re-clustering)")
    parser.add_argument("--pg-dir", help="with --keep: the kept PostgreSQL data directory (default DIR/pg)")
    parser.add_argument("--build-only", action="store_true", help="with --keep: build the stores, do not run")
    parser.add_argument("--check-full", action="store_true",
                        help="after the run, compare the campaigns with a full re-clustering (slow)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    keep = Path(args.keep) if args.keep else None
    args.cache = keep
    scratch = keep or Path(args.workdir or tempfile.mkdtemp(prefix="mailward-retro-"))
    scratch.mkdir(parents=True, exist_ok=True)
    name = f"retro2_{args.messages}_{args.seed}_{int(args.attack_share * 10_000)}"
    try:
        for db in args.db or ["sqlite"]:
            marker = keep / f"{name}.{db}.json" if keep else None
            if db == "sqlite":
                path = scratch / f"{name}.db" if keep else scratch / "bench.db"
                if marker is None or not marker.exists():
                    path.unlink(missing_ok=True)
                result = run_one(f"sqlite:///{path}", args, marker)
            elif args.pg_url:
                result = run_one(args.pg_url, args, None)
            else:
                result = _run_postgres(args, keep, name, marker)
            print(json.dumps(result), flush=True)
    finally:
        if not args.workdir and not keep:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _run_postgres(args: argparse.Namespace, keep: Path | None, name: str, marker: Path | None) -> dict[str, Any]:
    from tests.hunt.services import start_postgres

    server = start_kept_postgres(Path(args.pg_dir) if args.pg_dir else keep / "pg") if keep else start_postgres()
    try:
        if marker is None or not marker.exists():
            if keep:
                from tests.hunt.services import PGBIN

                server._run(str(PGBIN / "dropdb"), "--if-exists", "-h", "127.0.0.1", "-p", str(server.port),
                            "-U", "postgres", name)
            url = server.create_database(name)
        else:
            url = server.url(name)
        return run_one(url, args, marker, server.proc_pid)
    finally:
        server.stop()
        if not keep:
            shutil.rmtree(server.root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
