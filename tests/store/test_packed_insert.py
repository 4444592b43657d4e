"""The hunt's packed inserts (records.pack_record -> write_batch, COPY on PostgreSQL)
store exactly what SQLAlchemy's ORM insert of the same record stores."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from mailward.store import MessageRecord, open_store
from mailward.store.models import MessageRow
from mailward.store.records import JSON_COLUMNS, ROW_COLUMNS, PackedRecord, pack_record

T0 = dt.datetime(2024, 3, 1, 9, 0, 5, 123456, tzinfo=dt.UTC)


def _records(n: int) -> list[MessageRecord]:
    """Awkward values on purpose: quotes, tabs, newlines, backslashes, non-ASCII text
    (COPY's text format escapes them), nested JSON with None, bytes, a naive-free date."""
    out = []
    for i in range(n):
        out.append(MessageRecord(
            source=f"maildir/p{i}/\t'odd\"{i}", sha256=f"{i:064x}", verdict="recon" if i % 2 else "clean",
            verdict_rank=3 if i % 2 else 0, score=1.5 * i, mailbox=f"p{i}@parliament.example",
            message_id=f"<{i}@x>", size=1000 + i, from_addr=f"desk{i}@news.example", from_name=f"Désk \\ {i}",
            from_domain="news.example", reply_to="", subject=f"line\nbreak ✓ {i}",
            date=None if i == 3 else T0 + dt.timedelta(hours=i), received_ips=["203.0.113.7"],
            dkim_domains=["news.example"], summary="it's \"odd\"\tline\\n", reason="",
            findings=[{"rule": "X", "evidence": {"a": [1, None, "c\td"], "ü": 2.5}}],
            beacons=[{"url": f"https://t.example/{i}", "kind": "pixel", "host": "t.example"},
                     {"url": "https://l.example/", "kind": "link", "host": "l.example"}],
            indicators=[{"kind": "domain", "value": "news.example"}], attack=["T1598.003"],
            recipients=[f"P{i}@Parliament.example", f"p{i}@parliament.example"],
            features={"keys": [f"from:desk{i}@news.example"], "dkim_aligned": True},
            minhash=bytes(range(256)), body=b"raw\x00bytes" if i == 1 else None,
            match_facts=[("domain", "news.example"), ("url", f"https://t.example/{i}"), ("domain", "news.example")],
            rule_facts=b"\x78\x9c\x00",
        ))
    return out


def _orm_insert(store: Any, records: list[MessageRecord], now: dt.datetime) -> None:
    with store.engine.begin() as conn:
        conn.execute(insert(MessageRow), [
            {**dict(zip(ROW_COLUMNS, (getattr(r, c) for c in ROW_COLUMNS), strict=True)),
             "body": r.body if store.keep_bodies else None, "scanned_at": now}
            for r in records
        ])


def _raw_rows(store: Any) -> list[tuple[Any, ...]]:
    """Every column but the id as the database holds it (JSON as its stored text)."""
    cast = "::text" if store.dialect == "postgresql" else ""
    cols = ", ".join(f"{c}{cast}" if c in JSON_COLUMNS else c for c in ROW_COLUMNS)
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT {cols} FROM messages ORDER BY source"))]


def _check(url_packed: str, url_orm: str) -> None:
    packed, orm = open_store(url_packed), open_store(url_orm)
    try:
        records = _records(6)
        packed.write_batch([pickle.loads(pickle.dumps(pack_record(r))) for r in records])
        with packed.engine.connect() as conn:
            now = conn.execute(select(MessageRow.scanned_at).limit(1)).scalar_one()
        _orm_insert(orm, records, now)
        assert _raw_rows(packed) == _raw_rows(orm)
        stored = {m.source: m for m in packed.messages(limit=10)}
        first = stored[records[1].source]
        assert first.findings == tuple(records[1].findings) and first.date == records[1].date
        assert packed.message_body(first.id) is None  # keep_bodies is off
        assert stored[records[3].source].date is None
        with packed.engine.connect() as conn:
            rcpts = conn.execute(text("SELECT address FROM message_recipients WHERE message_pk = :pk"),
                                 {"pk": first.id}).scalars().all()
            facts = conn.execute(text("SELECT kind, value FROM message_facts WHERE message_pk = :pk ORDER BY value"),
                                 {"pk": first.id}).all()
        assert rcpts == ["p1@parliament.example"]  # lower-cased, once
        assert [tuple(f) for f in facts] == [("url", "https://t.example/1"), ("domain", "news.example")]
        # only the clean ones make their sender familiar, with their load hosts (not links)
        with packed.engine.connect() as conn:
            senders = conn.execute(text("SELECT DISTINCT sender FROM sender_history ORDER BY sender")).scalars().all()
            hosts = conn.execute(text("SELECT DISTINCT host FROM sender_load_hosts ORDER BY host")).scalars().all()
        assert senders == ["desk0@news.example", "desk2@news.example", "desk4@news.example"]
        assert hosts == ["", "t.example"]
    finally:
        packed.close()
        orm.close()


def test_packed_insert_sqlite_same_as_orm(tmp_path):
    _check(f"sqlite:///{tmp_path / 'packed.db'}", f"sqlite:///{tmp_path / 'orm.db'}")


@pytest.mark.integration
def test_packed_insert_postgresql_same_as_orm(postgres):
    _check(postgres.create_database("packed_copy"), postgres.create_database("packed_orm"))


def test_same_source_twice_in_a_batch_keeps_the_last(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        a, b = _records(2)
        b.source = a.source
        store.write_batch([a, b])
        got = store.messages()
        assert [(m.source, m.verdict) for m in got] == [(a.source, "recon")]
    finally:
        store.close()


def test_packed_record_is_plain_data():
    clean, recon = _records(2)
    packed = pack_record(clean)
    assert isinstance(packed, PackedRecord)
    # what the sender history keeps, resolved where the record was packed
    assert packed.load_sites == ("t.example",)  # the link is not a load on open
    assert packed.sender_domain == "news.example"
    assert pack_record(recon).load_sites == () and pack_record(recon).sender_domain == ""  # never history
    record = recon
    packed = pack_record(record)
    assert packed.row[ROW_COLUMNS.index("findings")] == '[{"rule": "X", "evidence": {"a": [1, null, "c\\td"], "\\u00fc": 2.5}}]'
    long = MessageRecord(source="s" * 2000, sha256="0" * 64, verdict="clean", verdict_rank=0)
    assert pack_record(long).source == "s" * 1024  # the column's length, and the key the writer looks up by
