"""The store on SQLite: schema, writes with progress, queries, indicators, history."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest
from sqlalchemy import inspect

from mailward.config import Config
from mailward.store import Campaign, MessageRecord, Person, StoreError, default_url, open_store
from mailward.store.migrate import head_revision
from mailward.store.models import Base

T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


def record(source: str, verdict: str = "recon", rank: int = 3, **kw: object) -> MessageRecord:
    base: dict[str, object] = {
        "source": source,
        "sha256": (source.encode().hex() * 64)[:64],
        "verdict": verdict,
        "verdict_rank": rank,
        "from_addr": "desk@reuters-news.example",
        "recipients": ["amelia@parliament.example"],
        "date": T0,
    }
    base.update(kw)
    return MessageRecord(**base)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path):
    s = open_store(f"sqlite:///{tmp_path / 'sub' / 'mailward.db'}")
    yield s
    s.close()


def test_sqlite_file_is_private_and_at_head(store, tmp_path):
    path = tmp_path / "sub" / "mailward.db"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert store.info()["revision"] == head_revision() != ""


def test_migrations_match_models(store):
    tables = set(inspect(store.engine).get_table_names()) - {"alembic_version"}
    assert tables == set(Base.metadata.tables)
    for name, table in Base.metadata.tables.items():
        columns = {c["name"] for c in inspect(store.engine).get_columns(name)}
        assert columns == set(table.columns.keys()), name


def test_default_url_uses_config_then_data_dir(tmp_path):
    assert default_url(Config({"store": {"url": "postgresql://x/y"}})) == "postgresql://x/y"
    url = default_url(Config({"mailward": {"data_dir": str(tmp_path)}}))
    assert url == f"sqlite:///{tmp_path / 'mailward.db'}"


def test_bad_url_is_a_clear_error():
    with pytest.raises(StoreError, match="unsupported database"):
        open_store("mysql://x/y")
    with pytest.raises(StoreError, match="not a database URL"):
        open_store("::nonsense::")


def test_write_batch_commits_progress_and_replaces_sources(store):
    store.write_batch([record("a"), record("b")], imap=("imap://u@h:143/INBOX", 7, 2))
    assert store.imap_progress("imap://u@h:143/INBOX") == (7, 2)
    store.write_batch([record("a", subject="again")], files=[("/x/y", 10, 20, 1)])
    assert store.count_messages() == 2
    assert {m.subject for m in store.messages()} == {"again", ""}
    assert store.file_states_for(["/x/y"])["/x/y"].size == 10
    # UIDVALIDITY changed: the folder's old messages go, progress restarts
    store.write_batch([record("imap://u@h:143/INBOX;UIDVALIDITY=7/;UID=1")])
    assert store.reset_imap_folder("imap://u@h:143/INBOX", 8) == 1
    assert store.imap_progress("imap://u@h:143/INBOX") == (8, 0)


def test_bodies_only_when_configured(tmp_path):
    plain = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    keep = open_store(f"sqlite:///{tmp_path / 'b.db'}", config=Config({"store": {"keep_bodies": True}}))
    for s in (plain, keep):
        s.write_batch([record("m", body=b"raw bytes")])
    assert plain.message_body(plain.messages()[0].id) is None
    assert keep.message_body(keep.messages()[0].id) == b"raw bytes"
    plain.close()
    keep.close()


def test_campaigns_and_targets_join_the_roster(store):
    store.write_batch(
        [
            record("1", recipients=["amelia@parliament.example"], date=T0),
            record("2", recipients=["AMELIA@parl.example"], date=T0 + dt.timedelta(days=2)),
            record("3", recipients=["owen@parliament.example"], date=T0 + dt.timedelta(days=1)),
            record("4", verdict="clean", rank=0, recipients=["owen@parliament.example"]),
        ]
    )
    by_source = {m.source: m.id for m in store.messages()}
    campaign = Campaign(
        id="Cabc", kind="attack", name="Reuters desk", verdict="recon", first_seen=T0,
        last_seen=T0 + dt.timedelta(days=2), message_count=3, target_count=3,
        senders=("desk@reuters-news.example",), identities=(), indicators=({"kind": "domain", "value": "reuters-news.example"},),
        attack=("T1598.003",), links=(), message_ids=(by_source["1"], by_source["2"], by_source["3"]),
    )
    store.replace_campaigns([campaign])
    got = store.campaign("Cab")
    assert got is not None and got.targets == ("amelia@parl.example", "amelia@parliament.example", "owen@parliament.example")
    assert store.messages(campaign="Cabc", limit=10)[0].source == "2"  # newest first
    roster = [Person("Amelia Whitcombe", ("amelia@parliament.example", "amelia@parl.example"), "MP")]
    targets = {t.address: t for t in store.targets(roster)}
    assert targets["amelia@parl.example"].name == "Amelia Whitcombe"
    assert targets["owen@parliament.example"].role == ""
    hit = targets["amelia@parliament.example"].campaigns[0]
    assert (hit.campaign_id, hit.messages, hit.first_seen) == ("Cabc", 1, T0)
    assert targets["amelia@parl.example"].last_seen == T0 + dt.timedelta(days=2)
    store.replace_campaigns([])
    assert store.campaigns() == [] and store.targets(roster) == []


def test_indicators_upsert_expire_remove(store):
    past = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    n = store.add_indicators(
        [
            {"value": "evil.example", "kind": "domain", "source": "cert", "confidence": 80},
            {"value": "evil.example", "kind": "domain", "source": "cert", "confidence": 90},
            {"value": "203.0.113.9", "kind": "ipv4", "source": "peer", "expires_at": past},
        ]
    )
    assert n == 2
    live = store.indicators()
    assert [(i.value, i.confidence) for i in live] == [("evil.example", 90)]
    assert len(store.indicators(include_expired=True)) == 2
    with pytest.raises(StoreError):
        store.add_indicators([{"value": "x", "kind": "domain", "confidence": 101}])
    assert store.remove_indicators(source="peer") == 1
    assert store.remove_indicators(ids=[live[0].id]) == 1
    assert store.indicators(include_expired=True) == []


def test_sender_history_counts_only_legitimate_mail(store):
    store.write_batch(
        [
            record("c1", verdict="clean", rank=0, from_addr="colleague@ngo.example"),
            record("c2", verdict="tracking", rank=1, from_addr="colleague@ngo.example", date=T0 + dt.timedelta(days=3)),
            record("r1", from_addr="spy@lookalike.example"),
        ]
    )
    history = store.sender_history()
    assert history.count_from_address("Colleague@ngo.example", ("amelia@parliament.example",)) == 2
    assert history.first_seen("colleague@ngo.example", "amelia@parliament.example") == T0
    assert history.count_from_address("spy@lookalike.example", ("amelia@parliament.example",)) == 0
    history.record("spy@lookalike.example", ["amelia@parliament.example"], T0)
    assert history.count_from_address("spy@lookalike.example", ("amelia@parliament.example",)) == 1


def test_store_history_is_a_sender_history(store):
    from mailward.identity.history import SenderHistory, first_contact

    history: SenderHistory = store.sender_history()
    store.write_batch([record("n1", verdict="clean", rank=0, from_addr="editor@news.bbc.co.uk")])
    assert history.count_from_domain("bbc.co.uk", ("amelia@parliament.example",)) == 1
    assert history.count_from_domain("www.bbc.co.uk", None) == 1
    assert history.count_from_domain("bbc.co.uk", ("owen@parliament.example",)) == 0
    seen = first_contact(history, "editor@news.bbc.co.uk", ("amelia@parliament.example",))
    assert not seen.address and not seen.domain and seen.previous_messages == 1
    new = first_contact(history, "desk@reuters-news.example", ("amelia@parliament.example",))
    assert new.address and new.domain and new.organisation


def test_migrations_create_the_models_indexes(store):
    """Every index the models declare exists after the migrations, and no other."""
    for name, table in Base.metadata.tables.items():
        declared = {index.name for index in table.indexes}
        present = {index["name"] for index in inspect(store.engine).get_indexes(name)}
        assert present == declared, name
    assert "ix_web_messages_date" in {i["name"] for i in inspect(store.engine).get_indexes("messages")}


def web_index_upgrade_and_downgrade(url: str) -> None:
    """A store the web already gave its date index (before migration 0003) upgrades
    cleanly; downgrading to 0002 takes the index away again."""
    from sqlalchemy import create_engine, text

    from mailward.store import migrate

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        migrate.upgrade(engine, "0002")
        with engine.begin() as conn:  # what the web did on start before 0003
            conn.execute(text("CREATE INDEX IF NOT EXISTS ix_web_messages_date ON messages (date)"))
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == head_revision()
        names = [i["name"] for i in inspect(engine).get_indexes("messages")]
        assert names.count("ix_web_messages_date") == 1
        from alembic import command

        with engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0002")
        assert "ix_web_messages_date" not in {i["name"] for i in inspect(engine).get_indexes("messages")}
        migrate.upgrade(engine)
        assert "ix_web_messages_date" in {i["name"] for i in inspect(engine).get_indexes("messages")}
    finally:
        engine.dispose()


def test_web_index_migration_on_sqlite(tmp_path):
    web_index_upgrade_and_downgrade(f"sqlite:///{tmp_path / 'web.db'}")


def test_file_states_for_looks_up_only_the_paths_asked(store):
    store.write_batch([], files=[(f"/m/{i}", i, i * 10, 1) for i in range(1200)])
    asked = [f"/m/{i}" for i in range(0, 1200, 2)] + ["/m/never", "/m/4"]
    found = store.file_states_for(asked)
    assert sorted(found) == sorted(f"/m/{i}" for i in range(0, 1200, 2))
    assert found["/m/10"].size == 10 and found["/m/10"].mtime_ns == 100


_KILLED_MID_MIGRATION = """
import os, sys
from mailward.store import migrate

real = migrate.command.upgrade

def upgrade_then_die(cfg, revision):
    real(cfg, revision)  # every table written, the revision stamped, nothing committed yet
    os._exit(9)          # as a SIGKILL would: no rollback, no cleanup

migrate.command.upgrade = upgrade_then_die
from mailward.store import open_store
open_store("sqlite:///" + sys.argv[1])
"""


def test_a_process_killed_while_writing_the_schema_leaves_an_openable_store(tmp_path):
    """The schema is written in one transaction on SQLite too (Python's sqlite3 commits
    each CREATE TABLE on its own unless told otherwise): a hunt killed at start-up must
    not leave tables without a revision, which no later run could open."""
    import sqlite3
    import subprocess
    import sys

    db = tmp_path / "killed.db"
    child = subprocess.run([sys.executable, "-c", _KILLED_MID_MIGRATION, str(db)], capture_output=True, timeout=120)
    assert child.returncode == 9, child.stderr.decode()
    with sqlite3.connect(db) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert tables == []  # rolled back as a whole
    with open_store(f"sqlite:///{db}") as again:
        assert again.info()["revision"] == head_revision()


def test_a_failed_migration_rolls_back_on_sqlite(tmp_path, monkeypatch):
    from sqlalchemy import create_engine

    from mailward.store import migrate

    real = migrate.command.upgrade

    def upgrade_then_fail(cfg, revision):
        real(cfg, revision)
        raise RuntimeError("disk full, say")

    engine = create_engine(f"sqlite:///{tmp_path / 'f.db'}")
    try:
        monkeypatch.setattr(migrate.command, "upgrade", upgrade_then_fail)
        with pytest.raises(RuntimeError):
            migrate.upgrade(engine)
        assert migrate.current_revision(engine) == ""
        assert inspect(engine).get_table_names() == []  # not one CREATE TABLE kept
        monkeypatch.undo()
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == head_revision()
    finally:
        engine.dispose()
