"""The same store on a real PostgreSQL 15 started by the fixture."""

from __future__ import annotations

import datetime as dt

import pytest

from mailward.store import Campaign, MessageRecord, Person, open_store
from mailward.store.migrate import head_revision

pytestmark = pytest.mark.integration
T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


def test_postgres_store_round_trip(postgres):
    url = postgres.create_database("store_roundtrip")
    store = open_store(url)
    try:
        assert store.dialect == "postgresql"
        assert store.info()["revision"] == head_revision()
        records = [
            MessageRecord(
                source=f"s{n}", sha256=f"{n:064x}", verdict="recon", verdict_rank=3,
                from_addr="desk@reuters-news.example", recipients=[f"p{n}@parliament.example"],
                date=T0 + dt.timedelta(hours=n), findings=[{"rule": "X", "evidence": {"a": [1]}}],
            )
            for n in range(3)
        ] + [
            MessageRecord(
                source="ok", sha256="f" * 64, verdict="clean", verdict_rank=0,
                from_addr="friend@ngo.example", recipients=["p0@parliament.example"], date=T0,
            )
        ]
        store.write_batch(records, imap=("imap://u@h:1/INBOX", 3, 4))
        store.write_batch(records[:1], imap=("imap://u@h:1/INBOX", 3, 9))  # replaced, not duplicated
        assert store.count_messages() == 4
        assert store.imap_progress("imap://u@h:1/INBOX") == (3, 9)
        ids = [m.id for m in store.messages() if m.verdict == "recon"]
        store.replace_campaigns([
            Campaign("Cpg", "attack", "desk", "recon", T0, T0, 3, 3, (), (), (), ("T1656",), (), message_ids=tuple(ids))
        ])
        targets = store.targets([Person("P Zero", ("p0@parliament.example",), "MP")])
        assert {t.address for t in targets} == {"p0@parliament.example", "p1@parliament.example", "p2@parliament.example"}
        zero = next(t for t in targets if t.address == "p0@parliament.example")
        assert zero.name == "P Zero" and zero.campaigns[0].first_seen == T0
        history = store.sender_history()
        assert history.count_from_address("friend@ngo.example", ("p0@parliament.example",)) == 1
        store.write_batch([MessageRecord(source="ok2", sha256="e" * 64, verdict="clean", verdict_rank=0,
                                         from_addr="friend@ngo.example", recipients=["p0@parliament.example"],
                                         date=T0 - dt.timedelta(days=1))])
        assert history.count_from_address("friend@ngo.example", ("p0@parliament.example",)) == 2
        assert history.first_seen("friend@ngo.example", "p0@parliament.example") == T0 - dt.timedelta(days=1)
        assert store.add_indicators([{"value": "evil.example", "kind": "domain", "source": "x"}] * 2) == 1
        assert store.indicators()[0].value == "evil.example"
    finally:
        store.close()
    again = open_store(url)  # re-open: migrations are a no-op at head
    assert again.count_messages() == 5
    again.close()


def test_web_index_migration_on_postgres(postgres):
    from tests.store.test_store import web_index_upgrade_and_downgrade

    web_index_upgrade_and_downgrade(postgres.create_database("web_index"))


def test_postgres_copy_tokens(postgres):
    from mailward.hunt.campaigns import recluster

    from .copies import batch_tokens, fill, verdicts

    store = open_store(postgres.create_database("store_copytokens"))
    try:
        sources = fill(store)
        stats = recluster(store)
        after = verdicts(store)
        assert stats.copy_tokens == 10 and stats.copy_token_raised == 5
        assert {after[s][0] for s in sources["attack"]} == {"recon"}
        assert [batch_tokens(after[s][1]) for s in sources["attack"]] == [[str(4100 + 17 * i)] for i in range(5)]
        assert {after[s][0] for s in sources["bulletin"]} == {"tracking"}
        assert all(not batch_tokens(after[s][1]) for s in sources["letters"])
    finally:
        store.close()


def test_postgres_sender_load_hosts(postgres):
    store = open_store(postgres.create_database("store_loadhosts"))
    try:
        history = store.sender_history()
        assert history.load_hosts("a@uu.se") is None
        beacons = [{"url": "https://www.uu.se/l.png", "kind": "remote", "host": "www.uu.se"}]
        for n in range(2):  # the second write goes through the upsert's conflict branch
            store.write_batch([MessageRecord(source=f"l{n}", sha256=f"{n:064x}", verdict="clean", verdict_rank=0,
                                             from_addr="a@uu.se", recipients=["p@parliament.example"],
                                             date=T0 + dt.timedelta(days=n), beacons=beacons)])
        history.record_many([("b@ngo.example", ["p@parliament.example"], ["img.ngo.example"])])
        assert history.load_hosts("a@uu.se") == {"uu.se"}
        assert history.load_hosts("b@ngo.example") == {"ngo.example"}
    finally:
        store.close()
