"""Set-based message updates (mailward.store.bulk) read back exactly as per-row ORM updates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import bindparam, select, update

from mailward.store import MessageRecord, open_store
from mailward.store.bulk import update_messages
from mailward.store.models import MessageRow

T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)
COLUMNS = ("verdict", "verdict_rank", "score", "findings", "summary", "attack", "features")


def _records(n: int) -> list[MessageRecord]:
    return [
        MessageRecord(source=f"s{i}", sha256=f"{i:064x}", verdict="clean", verdict_rank=0,
                      from_addr=f"a{i}@news.example", recipients=[f"p{i}@parliament.example"],
                      date=T0 + dt.timedelta(minutes=i), features={"keys": [f"from:a{i}@news.example"]})
        for i in range(n)
    ]


def _new_values(pk: int) -> dict[str, Any]:
    """Awkward values on purpose: quotes, tabs, newlines, backslashes and non-ASCII text
    (COPY's text format escapes them), nested JSON, a float, an empty list."""
    return {
        "id": pk, "verdict": "malicious" if pk % 2 else "suspicious", "verdict_rank": 5 if pk % 2 else 2,
        "score": 7.25 + pk, "summary": f"it's \"odd\"\tline\\n {pk}\nrésumé ✓",
        "findings": [{"rule": "INTEL_MATCH", "evidence": {"matched": ["a\\b", "c\td"], "n": pk, "x": None}}],
        "attack": [] if pk % 3 else ["T1598.003"],
        "features": {"keys": [f"from:a{pk}@news.example", f"intel:domain:evil{pk}.example"], "band": 1.5},
    }


def _read(store: Any) -> dict[int, tuple[Any, ...]]:
    cols = [getattr(MessageRow, c) for c in ("id", *COLUMNS)]
    with store.engine.connect() as conn:
        return {int(r[0]): tuple(r[1:]) for r in conn.execute(select(*cols))}


def _check_same_as_orm(url_bulk: str, url_orm: str) -> None:
    bulk, orm = open_store(url_bulk), open_store(url_orm)
    try:
        for store in (bulk, orm):
            store.write_batch(_records(40))
        pks = sorted(_read(bulk))
        assert pks == sorted(_read(orm))
        changed = [_new_values(pk) for pk in pks[::2]]  # every other message
        with bulk.engine.begin() as conn:
            assert update_messages(conn, COLUMNS, changed) == len(changed)
            # a second call in the same transaction (the temporary table is made again)
            assert update_messages(conn, ["features"], [{"id": pks[1], "features": {"keys": ["x"]}}]) == 1
        stmt = update(MessageRow).where(MessageRow.id == bindparam("pk")).values(
            {c: bindparam(f"new_{c}") for c in COLUMNS})
        with orm.engine.begin() as conn:
            conn.execute(stmt, [{"pk": v["id"], **{f"new_{c}": v[c] for c in COLUMNS}} for v in changed])
            conn.execute(update(MessageRow).where(MessageRow.id == pks[1]).values(features={"keys": ["x"]}))
        got, want = _read(bulk), _read(orm)
        assert got == want
        first = _new_values(pks[0])
        assert got[pks[0]][:3] == (first["verdict"], first["verdict_rank"], first["score"])
        assert got[pks[0]][6]["keys"][1] == f"intel:domain:evil{pks[0]}.example"
        assert got[pks[0]][3] == first["findings"] and got[pks[0]][4] == first["summary"]
        assert got[pks[1]][0] == "clean" and got[pks[1]][6] == {"keys": ["x"]}  # only its features changed
        assert got[pks[3]][0] == "clean"  # rows not given are not changed
    finally:
        bulk.close()
        orm.close()


def test_bulk_update_sqlite_same_as_orm(tmp_path):
    _check_same_as_orm(f"sqlite:///{tmp_path / 'bulk.db'}", f"sqlite:///{tmp_path / 'orm.db'}")


def test_bulk_update_sqlite_without_update_from(tmp_path, monkeypatch):
    """SQLite older than 3.33 (no UPDATE ... FROM): one UPDATE per row, same result."""
    monkeypatch.setattr("mailward.store.bulk._SQLITE_UPDATE_FROM", False)
    _check_same_as_orm(f"sqlite:///{tmp_path / 'bulk.db'}", f"sqlite:///{tmp_path / 'orm.db'}")


def test_bulk_update_rejects_unknown_columns(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        with store.engine.begin() as conn, pytest.raises(ValueError, match="nosuch"):
            update_messages(conn, ["nosuch"], [{"id": 1, "nosuch": 1}])
        with store.engine.begin() as conn:
            assert update_messages(conn, ["verdict"], []) == 0
    finally:
        store.close()


@pytest.mark.integration
def test_bulk_update_postgresql_same_as_orm(postgres):
    _check_same_as_orm(postgres.create_database("bulk_copy"), postgres.create_database("bulk_orm"))
