"""Durability: SIGKILL the hunt, the web server and the milter at random points.

    python bench/durability.py                       # all three, 5 iterations each
    python bench/durability.py --parts hunt,web --iterations 20 --seed 7

Checks after every kill:
- hunt: SQLite ``PRAGMA integrity_check`` is ``ok``; the next hunt resumes (scans
  only what was not committed), and once a hunt finishes the store holds exactly the
  messages a clean, never-killed run stores (same count, same sources, no duplicate);
- web: the server restarts on the same store and answers, the store is intact;
- milter: messages in flight are tempfailed by Postfix (never accepted and lost); after
  the restart every one is delivered or quarantined (the Postfix test fixtures from
  tests/gateway are reused; needs the Debian postfix package, see INTEGRATION).

Everything runs in a private temporary directory on 127.0.0.1. Prints one line per
iteration and a JSON summary; exits non-zero on the first violation.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

MAILWARD = [sys.executable, "-c", "from mailward.cli import main; main()"]


class DurabilityError(AssertionError):
    """A kill lost or corrupted something."""


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _integrity(db: Path) -> str:
    try:
        with sqlite3.connect(db) as conn:
            return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    except sqlite3.DatabaseError as exc:  # "database disk image is malformed"
        return f"error: {exc}"


def _schema_written(db: Path) -> bool:
    """Whether the store holds a schema revision at all. The schema is written in one
    transaction, so a hunt killed while it was being written leaves none (the next hunt
    writes it); a revision that is there but not the newest is a real failure, and
    ``_stored`` says so."""
    with sqlite3.connect(db) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:  # no such table
            return False
    return row is not None


def _stored(db: Path) -> list[str]:
    from mailward.store import open_store

    store = open_store(f"sqlite:///{db}", upgrade=False)
    try:
        n = store.count_messages()
        return sorted(m.source for m in store.messages(limit=max(n, 1)))
    finally:
        store.close()


def _hunt_cmd(corpus: Path, db: Path, batch: int) -> list[str]:
    return [*MAILWARD, "hunt", str(corpus / "maildir"), "--config", str(corpus / "mailward.toml"),
            "--db", f"sqlite:///{db}", "--jobs", "2", "--batch", str(batch), "--no-progress", "--format", "json"]


def make_corpus(root: Path, messages: int, seed: int) -> Path:
    from mailward.demo import generate

    generate(root, seed=seed, messages=messages)
    return root


def hunt_loop(corpus: Path, scratch: Path, iterations: int, rng: random.Random, batch: int = 20,
              log=print) -> dict[str, object]:
    """Kill ``iterations`` hunts at random points, then let one finish; compare with a clean run."""
    clean_db = scratch / "clean.db"
    start = time.monotonic()
    subprocess.run(_hunt_cmd(corpus, clean_db, batch), env=_env(), check=True, capture_output=True)
    clean_seconds = time.monotonic() - start
    clean = _stored(clean_db)
    if len(clean) != len(set(clean)) or not clean:
        raise DurabilityError(f"the clean run stored {len(clean)} messages ({len(set(clean))} distinct)")

    db = scratch / "killed.db"
    kills, progress = 0, []
    for i in range(iterations):
        proc = subprocess.Popen(_hunt_cmd(corpus, db, batch), env=_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        # stratified: kill i lands in the i-th slice of a clean run's time (start-up,
        # batches, clustering), jittered inside its slice
        delay = max(0.3, clean_seconds * 0.95 * rng.uniform(i, i + 1) / iterations)
        try:
            proc.wait(delay)
            finished = True
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the hunt and its worker processes
            proc.wait(10)
            finished = False
            kills += 1
        if not db.exists():
            log(f"hunt  {i + 1:3d}: killed after {delay:.2f} s before the store existed")
            continue
        check = _integrity(db)
        if check != "ok":
            raise DurabilityError(f"integrity_check after a kill at {delay:.2f} s: {check}")
        if not _schema_written(db):
            log(f"hunt  {i + 1:3d}: killed after {delay:.2f} s before the store's schema was written, integrity ok")
            continue
        have = _stored(db)
        if len(have) != len(set(have)):
            raise DurabilityError(f"duplicates after a kill at {delay:.2f} s")
        if not set(have) <= set(clean):
            raise DurabilityError("the killed store holds messages the clean run does not")
        progress.append(len(have))
        log(f"hunt  {i + 1:3d}: {'finished' if finished else 'killed'} after {delay:.2f} s, "
            f"{len(have)}/{len(clean)} stored, integrity ok")
    done = subprocess.run(_hunt_cmd(corpus, db, batch), env=_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise DurabilityError(f"the resuming hunt failed: {done.stderr[-2000:]}")
    final = _stored(db)
    if final != clean or _integrity(db) != "ok":
        raise DurabilityError(f"after resuming: {len(final)} messages, the clean run has {len(clean)}")
    if any(b < a for a, b in itertools.pairwise(progress)):
        raise DurabilityError(f"a killed hunt lost committed messages: {progress}")
    log(f"hunt: {kills} kills, resumed to {len(final)} messages = clean run, integrity ok")
    return {"kills": kills, "messages": len(final), "clean_seconds": round(clean_seconds, 2), "progress": progress}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> float:
    import httpx

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise DurabilityError(f"the web server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise DurabilityError(f"the web server did not answer {url} within {timeout} s")


def web_loop(scratch: Path, db: Path, iterations: int, rng: random.Random, log=print) -> dict[str, object]:
    """SIGKILL ``mailward serve`` at random points (also mid-request) and restart it on the same store."""
    import httpx

    config = scratch / "web.toml"
    config.write_text(f'[mailward]\ndata_dir = "{scratch / "web-data"}"\n')
    token = subprocess.run([*MAILWARD, "token", "create", "--role", "analyst", "--db", f"sqlite:///{db}",
                            "--config", str(config)], env=_env(), capture_output=True, text=True, check=True
                           ).stdout.strip().splitlines()[-1]
    restarts = []
    for i in range(iterations):
        port = _free_port()
        proc = subprocess.Popen([*MAILWARD, "serve", "--db", f"sqlite:///{db}", "--config", str(config),
                                 "--port", str(port), "--log-level", "warning"], env=_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            up = _wait_http(f"http://127.0.0.1:{port}/api/v1/openapi.json", proc)
            restarts.append(round(up, 2))
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"},
                              timeout=10) as client:
                me = client.get("/api/v1/me")
                if me.status_code != 200:
                    raise DurabilityError(f"/api/v1/me answered {me.status_code} after a restart")
                deadline = time.monotonic() + rng.uniform(0.0, 1.5)
                while time.monotonic() < deadline:  # traffic in flight when the kill comes
                    client.get("/api/v1/campaigns")
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        check = _integrity(db)
        if check != "ok":
            raise DurabilityError(f"integrity_check after killing the web server: {check}")
        log(f"web   {i + 1:3d}: answered {up:.2f} s after start, killed, integrity ok")
    return {"kills": iterations, "restart_seconds_max": max(restarts) if restarts else None}


def milter_loop(scratch: Path, iterations: int, rng: random.Random, log=print) -> dict[str, object]:
    """Kill the milter at a random moment while messages are in the scan; nothing may be lost."""
    import concurrent.futures

    from tests.gateway import messages as M
    from tests.gateway.test_postfix import _start_flow, _stop_flow

    flow = _start_flow(scratch / "milter")
    totals = {"sent": 0, "tempfailed": 0, "delivered": 0, "held": 0}
    try:
        for i in range(iterations):
            batch = []
            for j in range(6):
                build, outcome = [(M.benign, "delivered"), (M.newsletter, "delivered"), (M.recon_lure, "held")][j % 3]
                token, raw = build(extra={"X-Test-Sleep": "1.0"})  # type: ignore[operator]
                batch.append((token, raw, outcome))
            with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
                futures = [pool.submit(flow.send, raw) for _t, raw, _o in batch]
                time.sleep(rng.uniform(0.0, 1.5))
                flow.milter.kill()
                codes = [f.result(timeout=60)[0] for f in futures]
            if any(code not in (250, 451) for code in codes):
                raise DurabilityError(f"unexpected SMTP replies {codes}")
            flow.milter.start()
            retry = [raw for (_t, raw, _o), code in zip(batch, codes, strict=True) if code != 250]
            for raw in retry:  # the sending MTA retries what was tempfailed
                if flow.send(raw)[0] != 250:
                    raise DurabilityError("a retried message was not accepted after the restart")
            deadline = time.monotonic() + 30
            for token, _raw, outcome in batch:
                while True:
                    held = [e for e in flow.entry_for(token) if e.status == "held"]
                    delivered = flow.is_delivered("alice", token)
                    if (outcome == "held" and held) or (outcome == "delivered" and delivered):
                        break
                    if time.monotonic() > deadline:
                        raise DurabilityError(f"message {token} ({outcome}) lost after a milter kill")
                    time.sleep(0.05)
                totals[outcome] += 1
            totals["sent"] += len(batch)
            totals["tempfailed"] += codes.count(451)
            log(f"milter {i + 1:3d}: {codes.count(451)}/{len(codes)} tempfailed by the kill, all delivered or held")
    finally:
        _stop_flow(flow)
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="hunt,web,milter")
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    scratch = Path(tempfile.mkdtemp(prefix="mailward-durability-"))
    summary: dict[str, object] = {}
    try:
        parts = args.parts.split(",")
        if "hunt" in parts or "web" in parts:
            corpus = make_corpus(scratch / "corpus", args.messages, args.seed)
        if "hunt" in parts:
            summary["hunt"] = hunt_loop(corpus, scratch, args.iterations, rng)
        if "web" in parts:
            db = scratch / "killed.db" if (scratch / "killed.db").exists() else scratch / "web.db"
            summary["web"] = web_loop(scratch, db, args.iterations, rng)
        if "milter" in parts:
            summary["milter"] = milter_loop(scratch, args.iterations, rng)
    except DurabilityError as exc:
        print(f"DURABILITY FAILURE: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
