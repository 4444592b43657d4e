"""SIGKILL the hunt and the web server at random points: no corrupt store, no lost or doubled message.

A bounded run of bench/durability.py (which also kills the milter under a real
Postfix; the milter case is tested in tests/gateway/test_postfix.py:
test_killed_milter_loses_nothing).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import durability


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # the smallest demo set; batches of 5 still give 20 commits for the kills to land between
    return durability.make_corpus(tmp_path_factory.mktemp("durability-corpus"), messages=100, seed=11)


def test_killed_hunts_resume_to_the_clean_result(corpus: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    summary = durability.hunt_loop(corpus, tmp_path, iterations=3, rng=random.Random(5), batch=5,
                                   log=lines.append)
    assert summary["messages"] == 100
    assert summary["kills"] >= 1, lines
    assert lines[-1].startswith("hunt: ") and "= clean run, integrity ok" in lines[-1]


def test_killed_web_server_restarts_on_an_intact_store(corpus: Path, tmp_path: Path) -> None:
    from mailward.store import open_store

    db = tmp_path / "web.db"
    open_store(f"sqlite:///{db}").close()
    lines: list[str] = []
    summary = durability.web_loop(tmp_path, db, iterations=2, rng=random.Random(3), log=lines.append)
    assert summary["kills"] == 2 and len(lines) == 2
    assert all("integrity ok" in line for line in lines)


def test_a_violation_is_reported(tmp_path: Path) -> None:
    """The checker itself can fail: a corrupted database is caught by integrity_check."""
    import sqlite3

    db = tmp_path / "c.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("CREATE INDEX i ON t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [(str(n) * 50,) for n in range(2000)])
    data = bytearray(db.read_bytes())
    data[4096 * 3 + 200: 4096 * 3 + 600] = b"\xff" * 400  # scribble over a b-tree page
    db.write_bytes(bytes(data))
    assert durability._integrity(db) != "ok"


def test_a_store_killed_before_its_schema_is_told_apart(tmp_path: Path) -> None:
    """A hunt killed while the store file exists but before its schema (written in one
    transaction) is there: the loop waits for the next hunt instead of reading it."""
    import sqlite3

    from mailward.store import open_store

    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert not durability._schema_written(empty)
    ready = tmp_path / "ready.db"
    open_store(f"sqlite:///{ready}").close()
    assert durability._schema_written(ready)
    assert durability._stored(ready) == []
