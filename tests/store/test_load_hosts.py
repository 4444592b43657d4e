"""Where a sender's earlier mail loaded from (store revision 0005): written by the
hunt's batched writes and the gateway's recorder, read by the recon facts."""

from __future__ import annotations

import datetime as dt

import pytest

from mailward.config import load_config
from mailward.gateway.history import CachedSenderHistory, HistoryRecorder
from mailward.gateway.settings import Action
from mailward.result import Beacon, ScanResult, Verdict
from mailward.scan import Scanner
from mailward.store import MessageRecord, Store, open_store
from tests.recon.adversarial import READER, compromised_account

from .copies import CONFIG

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
SENDER = "prof.lindgren@uu.se"  # compromised_account(0)'s genuine account
ATTACK_HOST = "bit.ly"  # where compromised_account(0)'s hidden load goes


def _record(source: str, sender: str, hosts: list[str], verdict: str = "clean", kind: str = "remote") -> MessageRecord:
    return MessageRecord(
        source=source, sha256=source.encode().hex().ljust(64, "0")[:64], verdict=verdict,
        verdict_rank={"clean": 0, "tracking": 1, "recon": 3}[verdict], from_addr=sender, recipients=[READER],
        date=T0, beacons=[{"url": f"https://{h}/x.png", "kind": kind, "host": h} for h in hosts],
    )


@pytest.fixture()
def store(tmp_path) -> Store:
    opened = open_store(f"sqlite:///{tmp_path / 'h.db'}")
    yield opened
    opened.close()


def test_hunt_writes_record_load_hosts_of_legitimate_mail_only(store: Store) -> None:
    history = store.sender_history()
    assert history.load_hosts(SENDER) is None  # nothing recorded
    store.write_batch([
        _record("a", SENDER, ["www.uu.se", "media.uu.se"]),
        _record("b", SENDER, ["cdn.example-images.net"], verdict="tracking"),
        _record("c", "quiet@ngo.example", []),  # recorded, loads nothing
        _record("d", "attacker@evil.example", ["t.evil.example"], verdict="recon"),  # never familiar
        _record("e", SENDER, ["t.co"], kind="link"),  # links are not loads
    ])
    assert history.load_hosts(SENDER) == {"uu.se", "example-images.net"}
    assert history.load_hosts("PROF.Lindgren@UU.se") == {"uu.se", "example-images.net"}
    assert history.load_hosts("quiet@ngo.example") == set()
    assert history.load_hosts("attacker@evil.example") is None
    assert CachedSenderHistory(history).load_hosts(SENDER) == {"uu.se", "example-images.net"}


def _scan(store: Store, raw: bytes) -> tuple[set[str], dict[str, object]]:
    scanner = Scanner(load_config(CONFIG), history=store.sender_history(), intel=None)
    result = scanner.scan_bytes(raw, "m.eml")
    facts = result.facts if isinstance(result.facts, dict) else {}
    return {f.rule for f in result.findings}, dict(facts.get("recon", {}))


def test_first_time_third_party_load_is_recon_and_a_known_host_is_not(store: Store) -> None:
    attack = compromised_account(0)[0].raw
    # the sender wrote three times before, loading only from its own domain
    store.write_batch([_record(f"old{i}", SENDER, ["www.uu.se"]) for i in range(3)])
    rules, recon = _scan(store, attack)
    assert recon["aligned_known_sender"] and recon["load_host"] == ATTACK_HOST
    assert recon["new_load_host"] == "new"
    assert "RECON_KNOWN_SENDER_NEW_TRACKER" in rules

    # its earlier mail did load from that host: not a new tracker
    store.write_batch([_record("old-shortener", SENDER, [ATTACK_HOST])])
    rules, recon = _scan(store, attack)
    assert recon["new_load_host"] == "seen"
    assert "RECON_KNOWN_SENDER_NEW_TRACKER" not in rules


def test_gateway_recorder_records_load_hosts(store: Store) -> None:
    recorder = HistoryRecorder(store.sender_history())
    beacons = (Beacon(url="https://img.partner.example/a.png", kind="remote", operator="partner.example",
                      host="img.partner.example"),
               Beacon(url="https://click.example/r", kind="link", operator="click.example", host="click.example"))
    result = ScanResult(source="-", verdict=Verdict.TRACKING, score=0.0, sender="x@ngo.example",
                        recipients=(READER,), beacons=beacons)
    assert recorder.record_result(result, Action.DELIVER)
    assert recorder.flush()
    recorder.close()
    history = store.sender_history()
    assert history.load_hosts("x@ngo.example") == {"partner.example"}
    assert history.count_from_address("x@ngo.example", (READER,)) == 1


def test_packed_records_carry_the_history_domains_so_the_writer_needs_no_suffix_list(
    store: Store, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hunt worker resolves the sender's registrable domain and the load sites; the
    writer stores them as given and never parses the public suffix list itself. The
    history is the same as when the writer resolves them (a gateway's record)."""
    from sqlalchemy import text

    from mailward import domains
    from mailward.store.records import pack_record

    records = [
        _record("a", "Desk@Mail.News.example.co.uk", ["img.cdn.example.co.uk", "T.Evil.example"]),
        _record("b", "desk@mail.news.example.co.uk", ["www.uu.se"], verdict="tracking"),
        _record("c", "x@localhost", ["203.0.113.9"]),
    ]
    packed = [pack_record(r) for r in records]

    def no_list(*_a: object, **_k: object) -> object:
        raise AssertionError("the writer parsed the public suffix list")

    monkeypatch.setattr(domains, "registrable", no_list)
    monkeypatch.setattr(domains, "site", no_list)
    store.write_batch(packed)
    monkeypatch.undo()

    other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        history = other.sender_history()
        for r in records:
            history.record(r.from_addr, r.recipients, T0, hosts=[b["host"] for b in r.beacons])

        def rows(s: Store) -> list[tuple[object, ...]]:
            with s.engine.connect() as conn:
                hist = conn.execute(text("SELECT sender, recipient, sender_domain, count FROM sender_history"
                                         " ORDER BY 1, 2")).all()
                loads = conn.execute(text("SELECT sender, host, count FROM sender_load_hosts ORDER BY 1, 2")).all()
            return [tuple(r) for r in [*hist, *loads]]

        assert rows(store) == rows(other)
        assert ("desk@mail.news.example.co.uk", READER.lower(), "example.co.uk", 2) in rows(store)
        assert ("desk@mail.news.example.co.uk", "example.co.uk", 1) in rows(store)
    finally:
        other.close()
