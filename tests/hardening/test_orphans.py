"""A killed hunt or web server leaves no worker processes behind: they end with their parent."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from mailward.demo import generate
from mailward.procwatch import exit_with_parent

MAILWARD = str(Path(sys.executable).parent / "mailward")


def _state(pid: int) -> str | None:
    """The process's state letter, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[0]


def _running(pids: set[int]) -> dict[int, str]:
    states = {pid: _state(pid) for pid in pids}
    return {pid: s for pid, s in states.items() if s is not None and s != "Z"}  # a zombie has ended


def _workers(parent: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == parent and b"spawn_main" in cmdline:
            found.add(int(entry.name))
    return found


def test_the_main_process_is_not_watched() -> None:
    assert exit_with_parent() is False  # only processes multiprocessing started watch their parent


def test_workers_end_when_the_hunt_is_killed(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    generate(demo, seed=11, messages=300)
    hunt = subprocess.Popen([MAILWARD, "hunt", str(demo / "maildir"), "--db", f"sqlite:///{tmp_path / 'h.db'}",
                             "--config", str(demo / "mailward.toml"), "-j", "2", "--format", "json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while len(workers) < 2 and time.monotonic() < deadline and hunt.poll() is None:
            workers = _workers(hunt.pid)
            time.sleep(0.05)
        assert len(workers) == 2, f"no pool workers seen (hunt exit {hunt.poll()})"
        time.sleep(1.0)  # let them build their scanners and start
        os.kill(hunt.pid, signal.SIGKILL)
        hunt.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _running(workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(workers), f"workers still running after their hunt was killed: {_running(workers)}"
    finally:
        if hunt.poll() is None:
            hunt.kill()
            hunt.wait()
        for pid in _running(workers):
            os.kill(pid, signal.SIGKILL)


def test_scan_workers_end_when_the_web_server_is_killed(tmp_path: Path) -> None:
    import httpx

    db = f"sqlite:///{tmp_path / 'web.db'}"
    config = tmp_path / "mailward.toml"
    config.write_text(f'[mailward]\ndata_dir = "{tmp_path / "var"}"\n')
    token = subprocess.run([MAILWARD, "token", "create", "--role", "analyst", "--db", db, "--config", str(config)],
                           check=True, capture_output=True, text=True).stdout.strip()
    log = tmp_path / "serve.log"
    with log.open("wb") as handle:
        server = subprocess.Popen([MAILWARD, "serve", "--port", "0", "--db", db, "--config", str(config),
                                   "--log-level", "warning"], stdout=handle, stderr=subprocess.STDOUT)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        url = None
        while url is None and time.monotonic() < deadline and server.poll() is None:
            found = re.search(r"serving (http://127\.0\.0\.1:\d+)/", log.read_text(errors="replace"))
            url = found.group(1) if found else None
            time.sleep(0.1)
        assert url, log.read_text(errors="replace")
        answer = httpx.post(f"{url}/api/v1/scan", content=b"From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n",
                            headers={"Authorization": f"Bearer {token}"}, timeout=120)
        assert answer.status_code == 200, answer.text
        workers = _workers(server.pid)
        assert workers, "the scan ran in no worker process"
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _running(workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(workers), f"scan workers still running after the server was killed: {_running(workers)}"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        for pid in _running(workers):
            os.kill(pid, signal.SIGKILL)
