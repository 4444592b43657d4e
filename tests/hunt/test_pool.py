"""Pool workers fork from a server that has imported the scan and built the scanner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mailward.hunt import runner

SRC = str(Path(__file__).resolve().parents[2] / "src")
RAW = b"From: Desk <desk@news.example>\r\nTo: p@parliament.example\r\nSubject: hello\r\n\r\nHello there.\r\n"

# run in a fresh interpreter: the fork server is one per process and would otherwise
# have been started by an earlier test, for other settings
SCRIPT = """
import json, os, sys
from mailward.hunt.analysis import WorkerSettings, WorkItem, worker_info
from mailward.hunt.runner import PoolExecutor
if __name__ == "__main__":
    method, raw, recycle = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])
    settings = WorkerSettings({"limits": {"time_budget": 30}}, None)
    ex = PoolExecutor(settings, 2, method=method, chunksize=1, recycle=recycle)
    try:
        infos = [ex.pool.apply(worker_info) for _ in range(6)]
        records = list(ex.map([WorkItem("a", raw), WorkItem("b", b"no header at all")]))
    finally:
        ex.close()
    print(json.dumps({"me": os.getpid(), "infos": infos,
                      "records": [[r.source, r.verdict] for r in records]}))
"""


def _run(method: str, tmp_path: Path, recycle: int = 0) -> dict:
    script = tmp_path / "pool_probe.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, str(script), method, RAW.decode(), str(recycle)], capture_output=True, text=True,
                         env=env, timeout=300, check=True)
    return json.loads(out.stdout)


def test_forkserver_workers_start_with_the_scanner_built(tmp_path: Path) -> None:
    got = _run("forkserver", tmp_path)
    workers = {i["pid"] for i in got["infos"]}
    assert len(workers) <= 2
    assert all(i["preloaded"] for i in got["infos"])
    assert all(i["ppid"] != got["me"] for i in got["infos"])  # forked by the server, not by the hunt
    assert got["records"] == [["a", "clean"], ["b", "unscannable"]]


def test_recycled_workers_are_fresh_forks_that_start_preloaded(tmp_path: Path) -> None:
    # one message per worker: every task goes to a new fork of the server
    got = _run("forkserver", tmp_path, recycle=1)
    workers = {i["pid"] for i in got["infos"]}
    assert len(workers) == 6
    assert all(i["preloaded"] for i in got["infos"])
    assert all(i["ppid"] != got["me"] for i in got["infos"])
    assert got["records"] == [["a", "clean"], ["b", "unscannable"]]


def test_spawned_workers_are_not_recycled(tmp_path: Path) -> None:
    got = _run("spawn", tmp_path, recycle=1)
    assert len({i["pid"] for i in got["infos"]}) <= 2


def test_recycle_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILWARD_HUNT_RECYCLE", "500")
    assert runner._recycle() == 500
    monkeypatch.setenv("MAILWARD_HUNT_RECYCLE", "0")
    assert runner._recycle() == 0
    monkeypatch.setenv("MAILWARD_HUNT_RECYCLE", "many")
    assert runner._recycle() == runner.RECYCLE
    monkeypatch.delenv("MAILWARD_HUNT_RECYCLE")
    assert runner._recycle() == runner.RECYCLE


def test_spawned_workers_build_their_own(tmp_path: Path) -> None:
    got = _run("spawn", tmp_path)
    assert not any(i["preloaded"] for i in got["infos"])
    assert all(i["ppid"] == got["me"] for i in got["infos"])
    assert got["records"] == [["a", "clean"], ["b", "unscannable"]]


def test_forkserver_is_the_default_where_there_is_one() -> None:
    import multiprocessing

    assert runner.START_METHOD == ("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")


WARM_SCRIPT = """
import json, sys
from pathlib import Path
import yaml
from mailward.hunt.analysis import WorkerSettings, WorkItem, analyse_packed, build_scanner, warm_up
settings = WorkerSettings({}, None)
build_scanner(settings)
readers = ("pikepdf", "olefile", "zxingcpp", "mailward.attachments.pdf", "mailward.facts.links")
before = [m for m in readers if m in sys.modules]
warmed = warm_up(settings)
after = [m for m in readers if m in sys.modules]
modules = set(sys.modules)
loads = []
original = yaml.load
yaml.load = lambda *a, **k: loads.append(1) or original(*a, **k)
files = sorted(p for p in Path(sys.argv[1]).rglob("*") if p.is_file() and p.parent.name in ("cur", "new"))
for path in files:
    analyse_packed(WorkItem(str(path), path.read_bytes()), settings)
print(json.dumps({"warmed": warmed, "before": before, "after": after, "messages": len(files),
                  "new": sorted(set(sys.modules) - modules), "yaml": len(loads)}))
"""


def test_warm_up_leaves_nothing_for_a_fresh_worker_to_load(tmp_path: Path) -> None:
    # what the fork server does before forking: after it, analysing real-looking mail
    # (the demo's, with its attachments) imports no module and reads no YAML table
    from mailward.demo.generate import generate

    generate(tmp_path / "demo", messages=300)
    script = tmp_path / "warm_probe.py"
    script.write_text(WARM_SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, str(script), str(tmp_path / "demo")], capture_output=True, text=True,
                         env=env, timeout=300, check=True)
    got = json.loads(out.stdout)
    assert got["warmed"] > 100
    assert got["messages"] >= 290
    assert "pikepdf" not in got["before"] and "pikepdf" in got["after"]
    assert got["new"] == []
    assert got["yaml"] == 0
