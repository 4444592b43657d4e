"""A killed hunt or web server leaves no worker processes behind: they end with their parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import web_bench

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
    """The multiprocessing processes below ``parent``: spawned workers, or a fork server
    and the workers it forked (children of the server, not of ``parent``)."""
    found: set[int] = set()
    todo = [parent]
    while todo:
        ppid = todo.pop()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == ppid and (
                b"spawn_main" in cmdline or b"multiprocessing.forkserver" in cmdline
            ):
                found.add(int(entry.name))
                todo.append(int(entry.name))
    return found


def _kill_and_check(parent: subprocess.Popen[bytes], workers: set[int]) -> None:
    """SIGKILL the parent; every worker must end within 30 s (they check once a second)."""
    try:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _running(workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(workers), f"workers still running after their parent was killed: {_running(workers)}"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid in _running(workers):
            os.kill(pid, signal.SIGKILL)


def test_the_main_process_is_not_watched() -> None:
    assert exit_with_parent() is False  # only processes multiprocessing started watch their parent


def test_workers_end_when_the_hunt_is_killed(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    generate(demo, seed=11, messages=300)
    hunt = subprocess.Popen([MAILWARD, "hunt", str(demo / "maildir"), "--db", f"sqlite:///{tmp_path / 'h.db'}",
                             "--config", str(demo / "mailward.toml"), "-j", "2", "--format", "json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while len(workers) < 3 and time.monotonic() < deadline and hunt.poll() is None:
        workers = _workers(hunt.pid)  # the fork server and the two workers it forked
        time.sleep(0.05)
    time.sleep(1.0)  # let them start
    _kill_and_check(hunt, workers)
    assert len(workers) == 3, f"no fork server and pool workers seen: {workers}"


def test_scan_workers_end_when_the_web_server_is_killed(tmp_path: Path) -> None:
    import httpx

    server, url, token = web_bench.start_server(tmp_path)
    workers: set[int] = set()
    try:
        answer = httpx.post(f"{url}/api/v1/scan", content=b"From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n",
                            headers={"Authorization": f"Bearer {token}"}, timeout=120)
        assert answer.status_code == 200, answer.text
        workers = _workers(server.pid)
    finally:
        _kill_and_check(server, workers)
    assert workers, "the scan ran in no worker process"
