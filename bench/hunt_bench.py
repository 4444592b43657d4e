"""Hunt throughput and memory, and campaign clustering time.

    .venv/bin/python bench/hunt_bench.py [--messages 10000] [--modes 1,2,dask]
                                         [--cluster-sizes 10000,100000] [--json OUT]

1. Generates the demo mail set (``mailward.demo.generate``, seed 2021) once per size
   under ``--scratch`` and hunts its Maildirs into a fresh SQLite store with
   ``mailward hunt --jobs 1``, ``--jobs 2`` and ``--dask`` on a 2-worker local Dask
   cluster (processes, 127.0.0.1). Reports messages/s and the peak resident memory
   summed over the hunting process and its workers (sampled from /proc every 0.1 s),
   as RSS (shared pages counted in every process) and as PSS (counted once).
2. Times ``mailward.hunt.campaigns.cluster`` on synthetic inputs shaped like hunted
   mail (10 % suspicious or worse in campaigns of 20-400 messages, the rest ordinary
   mail and newsletters sharing mailing-service infrastructure) at each
   ``--cluster-sizes`` size, and the real re-clustering of the hunted store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
MW = [PY, "-c", "from mailward.cli import main; main()"]


from proctree import children  # noqa: E402  (bench/ is on sys.path when run as a script)


def log(msg: str) -> None:
    print(f"hunt_bench: {msg}", file=sys.stderr, flush=True)


# -- memory sampling ----------------------------------------------------------


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    """Proportional set size: each shared page counted once across the processes that
    share it (a forked worker shares its parent's imported code and data)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_ticks(pid: int) -> int:
    """utime + stime of a process so far, in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(children(p))
    return pids


class PeakRss:
    """Peak of the summed RSS (and PSS) of a process tree plus some extra pids."""

    def __init__(self, pid: int, extra: list[int] | None = None) -> None:
        self.pid, self.extra = pid, extra or []
        self.peak_kb = 0
        self.peak_pss_kb = 0
        self.peak_extra_kb = 0
        self.cpu_ticks: dict[int, int] = {}  # last seen CPU of every process of the tree
        self.cpu_base = {p: _cpu_ticks(p) for p in self.extra}  # Dask workers started before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            tree = _tree(self.pid)
            pids = tree + self.extra
            for p in pids:
                self.cpu_ticks[p] = max(self.cpu_ticks.get(p, 0), _cpu_ticks(p))
            own = sum(_rss_kb(p) for p in tree)
            extra = sum(_rss_kb(p) for p in self.extra)
            self.peak_kb = max(self.peak_kb, own + extra)
            self.peak_pss_kb = max(self.peak_pss_kb, sum(_pss_kb(p) for p in pids))
            self.peak_extra_kb = max(self.peak_extra_kb, extra)
            self._stop.wait(0.1)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


# -- hunting -------------------------------------------------------------------


def demo_set(scratch: Path, messages: int) -> Path:
    root = scratch / f"demo-{messages}"
    if (root / "campaigns.json").exists():
        return root
    from mailward.demo import generate

    log(f"generating {messages} demo messages in {root}")
    generate(root, seed=2021, messages=messages, force=True)
    return root


def hunt_once(root: Path, scratch: Path, mode: str, db_url: str = "") -> dict[str, Any]:
    """One hunt into a fresh store: SQLite under ``scratch``, or ``db_url`` (an empty database)."""
    if not db_url:
        db = scratch / f"hunt-{mode}.db"
        for stale in scratch.glob(f"hunt-{mode}.db*"):
            stale.unlink()
        db_url = f"sqlite:///{db}"
    argv = [*MW, "hunt", str(root / "maildir"), "--config", str(root / "mailward.toml"),
            "--db", db_url, "--no-cluster", "--no-progress", "--format", "json"]
    cluster = client = None
    extra: list[int] = []
    if mode == "dask":
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        client = Client(cluster)
        extra = list(client.run(os.getpid).values())
        argv += ["--dask", cluster.scheduler_address]
    else:
        argv += ["--jobs", mode]
    started = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    sampler = PeakRss(proc.pid, extra)
    try:
        stdout, stderr = proc.communicate()
    finally:
        if proc.poll() is None:  # the bench was stopped (Ctrl-C, SIGTERM): do not leave the hunt running
            proc.terminate()
            proc.wait()
        sampler.stop()
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # user+system of the hunting process and the workers it reaped (not a database server's)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    # workers forked by a fork server are not the hunting process's children to reap:
    # their CPU is what the sampler saw in /proc (to within its 0.1 s period)
    sampled = (sum(sampler.cpu_ticks.values()) - sum(sampler.cpu_base.values())) / os.sysconf("SC_CLK_TCK")
    cpu = max(cpu, sampled)
    if client is not None and cluster is not None:
        client.close()
        cluster.close()
    if proc.returncode != 0:
        raise SystemExit(f"hunt {mode} failed: {stderr[-2000:]}")
    out = json.loads(stdout)
    result = {
        "mode": f"--jobs {mode}" if mode != "dask" else "--dask (LocalCluster, 2 worker processes)",
        "messages": out["messages"],
        "hunt_seconds": out["seconds"],
        "wall_seconds": round(wall, 2),
        "messages_per_second": round(out["messages"] / out["seconds"], 1) if out["seconds"] else 0.0,
        "peak_rss_mb": round(sampler.peak_kb / 1024, 1),
        # RSS counts a page shared by N processes N times; PSS counts it once in all
        "peak_pss_mb": round(sampler.peak_pss_kb / 1024, 1),
        "cpu_seconds": round(cpu, 2),
        "cpu_ms_per_message": round(cpu * 1000 / out["messages"], 2) if out["messages"] else 0.0,
        # the hunting tree's CPU (with --dask, the Dask workers' too, counted from the hunt's start);
        # what 2 idle cores would do if the hunt were CPU-bound: the figure that survives a shared machine
        # the hunting process alone (reading the sources, feeding the workers, writing the store)
        "cpu_ms_per_message_hunting_process": round(
            sampler.cpu_ticks.get(proc.pid, 0) / os.sysconf("SC_CLK_TCK") * 1000 / out["messages"], 2
        ) if out["messages"] else 0.0,
        "cpu_bound_messages_per_second_2_cores": round(2 * out["messages"] / cpu, 1) if cpu else 0.0,
        "database": db_url.split(":", 1)[0],
        "loadavg_end": os.getloadavg(),
        "verdicts": out["verdicts"],
    }
    if mode == "dask":
        result["peak_rss_dask_workers_mb"] = round(sampler.peak_extra_kb / 1024, 1)

    from mailward.hunt.campaigns import recluster
    from mailward.store import open_store

    store = open_store(db_url)
    t0, c0 = time.perf_counter(), time.process_time()
    stats = recluster(store)
    result["recluster_seconds"] = round(time.perf_counter() - t0, 3)
    # its CPU (this process's; on PostgreSQL the server's is not counted): the figure a busy machine leaves standing
    result["recluster_cpu_ms_per_message"] = round((time.process_time() - c0) * 1000 / out["messages"], 3) \
        if out["messages"] else 0.0
    result["campaigns"] = stats.campaigns
    result["attack_messages"] = stats.attack_messages
    store.close()
    return result


def hunt_postgres(root: Path, scratch: Path, mode: str) -> dict[str, Any]:
    """``hunt_once`` into a private PostgreSQL server (tests/hunt/services.py), stopped afterwards."""
    sys.path.insert(0, str(REPO))
    from tests.hunt.services import start_postgres

    server = start_postgres()
    try:
        result = hunt_once(root, scratch, mode, server.create_database("hunt_bench"))
        result["note"] = "the PostgreSQL server's own CPU and memory are not counted"
        return result
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


# -- clustering on synthetic inputs ------------------------------------------------


def synthetic_inputs(n: int, seed: int = 1) -> list[Any]:
    from mailward.hunt.features import content_minhash
    from mailward.store import ClusterInput

    rng = random.Random(seed)
    words = [f"w{i}" for i in range(3000)]
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    people = [f"p{i}@parliament.example" for i in range(max(50, n // 80))]
    esps = [f"esp{i}.example" for i in range(8)]
    outlets = [f"outlet{i}" for i in range(40)]
    items: list[Any] = []
    attack_left = n // 10
    cid = 0
    while attack_left > 0:
        size = min(attack_left, rng.randrange(20, 400))
        cid += 1
        article = rng.sample(words, 200)
        domain = f"lookalike{cid}.example"
        esp = rng.choice(esps)
        for k in range(size):
            text = article[:] if k % 3 else rng.sample(words, 200)
            keys = [
                f"from:desk{k % 3}@{domain}", f"from_domain:{domain}", f"persona:persona {cid}",
                f"claimed:claimed outlet {cid}", f"esp_host:{esp}", f"ip:198.51.{cid % 250}.{k % 7}",
                f"track_host:img.{domain}", f"track_url:img.{domain}/i/{{}}.gif", f"msgid_shape:N8.H{cid % 9}",
            ]
            items.append(ClusterInput(
                id=len(items) + 1, sha256=f"{len(items):064x}", mailbox=rng.choice(people), verdict="recon",
                verdict_rank=3, date=t0 + dt.timedelta(minutes=len(items)), from_addr=f"desk{k % 3}@{domain}",
                from_name=f"Persona {cid}", subject="", recipients=(rng.choice(people),),
                features={"keys": keys, "beacon_urls": [f"https://img.{domain}/i/{rng.getrandbits(64):x}.gif"]},
                minhash=content_minhash(text),
                indicators=({"kind": "domain", "value": domain}, {"kind": "domain", "value": f"img.{domain}"}),
                attack=("T1598.003", "T1656"),
            ))
        attack_left -= size
    while len(items) < n:
        sender_domain = f"news{rng.randrange(300)}.example"
        esp = rng.choice(esps)
        keys = [f"from:letters@{sender_domain}", f"from_domain:{sender_domain}", f"dkim:{sender_domain}",
                f"esp_host:{esp}", f"persona:{rng.choice(outlets)}", f"ip:203.0.113.{rng.randrange(250)}"]
        items.append(ClusterInput(
            id=len(items) + 1, sha256=f"{len(items):064x}", mailbox=rng.choice(people),
            verdict=rng.choice(("clean", "tracking")), verdict_rank=1, date=t0 + dt.timedelta(minutes=len(items)),
            from_addr=f"letters@{sender_domain}", from_name="", subject="", recipients=(rng.choice(people),),
            features={"keys": keys, "dkim_aligned": True, "list_id": f"<{sender_domain}>"}, minhash=None,
            indicators=({"kind": "domain", "value": sender_domain},), attack=(),
        ))
    rng.shuffle(items)
    return items


def time_clustering(n: int) -> dict[str, Any]:
    from mailward.hunt.campaigns import cluster

    inputs = synthetic_inputs(n)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    _campaigns, stats = cluster(inputs)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    true_campaigns = len({k for i in inputs if i.verdict == "recon" for k in i.features["keys"] if k.startswith("persona:persona")})
    return {
        "messages": n,
        "attack_messages": stats.attack_messages,
        "seconds": round(seconds, 3),
        "stages": {k: round(v, 3) for k, v in stats.timings.items()},
        "campaigns": stats.campaigns,
        "true_campaigns": true_campaigns,
        "benign_groups": stats.benign_groups,
        "peak_rss_growth_mb": round(max(0, after - before) / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--messages", type=int, default=10_000, help="demo messages to hunt (default 10000)")
    p.add_argument("--modes", default="1,2,dask", help="comma-separated: job counts and/or 'dask'")
    p.add_argument("--cluster-sizes", default="10000,100000", help="synthetic clustering sizes")
    p.add_argument("--scratch", "--work", type=Path, default=REPO / "var" / "bench" / "hunt")
    p.add_argument("--json", type=Path, help="write the results as JSON here")
    p.add_argument("--quick", action="store_true", help="1,000 messages; clustering at 10,000 only")
    p.add_argument("--db", action="append", choices=["sqlite", "postgresql"],
                   help="store to hunt into (repeatable; default sqlite); postgresql starts a private server")
    args = p.parse_args(argv)
    if args.quick:
        args.messages, args.cluster_sizes = 1000, "10000"
    args.scratch.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "loadavg_start": os.getloadavg()},
        "hunt": [],
        "clustering": [],
    }
    if args.messages > 0:
        root = demo_set(args.scratch, args.messages)
        for db in args.db or ["sqlite"]:
            for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
                log(f"hunting {args.messages} messages, mode {mode}, {db}")
                res = hunt_postgres(root, args.scratch, mode) if db == "postgresql" else hunt_once(root, args.scratch, mode)
                log(json.dumps(res))
                results["hunt"].append(res)
    for size in [int(s) for s in args.cluster_sizes.split(",") if s.strip()]:
        log(f"clustering {size} synthetic messages")
        res = time_clustering(size)
        log(json.dumps(res))
        results["clustering"].append(res)
    results["machine"]["loadavg_end"] = os.getloadavg()
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    if os.environ.get("MAILWARD_BENCH_CLEAN"):
        shutil.rmtree(args.scratch, ignore_errors=True)
    return 0


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    sys.exit(main())
