"""Sender history in the live mail flow: first contact through the milter, with the real scanner.

The gateway runs with worker processes and the real ``mailward.scan:Scanner`` over a
SQLite store; messages go through the milter protocol client as Postfix sends them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from mailward.config import Config
from mailward.gateway import protocol as p
from mailward.gateway.audit import AuditLog
from mailward.gateway.history import (
    CachedSenderHistory,
    HistoryRecorder,
    history_url,
    open_recorder,
)
from mailward.gateway.quarantine import FileQuarantine
from mailward.gateway.scanning import ScannerStartError, ScanPool
from mailward.gateway.server import Gateway, ListenAddress, run_server
from mailward.gateway.settings import Action, GatewaySettings, load_settings
from mailward.identity import InMemorySenderHistory
from mailward.result import ScanResult, Verdict
from mailward.store import open_store

from .conftest import free_port
from .milter_client import MilterClient

RCPT = "maria.keller@northland-parliament.org"
# base64 of the recipient's address: a per-recipient token in the pixel URL
TOKEN = "bWFyaWEua2VsbGVyQG5vcnRobGFuZC1wYXJsaWFtZW50Lm9yZw"
FIRST_CONTACT_RULES = {"BEACON_FIRST_CONTACT_TOKEN", "BEACON_FIRST_CONTACT_LOAD"}


def build(headers: str, body: str) -> bytes:
    return (headers.strip("\n").replace("\n", "\r\n") + "\r\n\r\n" + body.replace("\n", "\r\n")).encode()


def beacon_message(sender: str, n: int, rcpt: str = RCPT) -> bytes:
    domain = sender.rpartition("@")[2]
    token = base64.urlsafe_b64encode(rcpt.encode()).decode().rstrip("=")
    return build(
        f"""From: {sender}
To: <{rcpt}>
Subject: Weekly briefing {n}
Date: Tue, 03 Mar 2026 09:15:00 +0000
Message-ID: <beacon-{n}@{domain}>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8""",
        "<html><body><p>Dear Ms Keller,</p><p>Please find today's briefing below.</p>"
        f'<img src="https://{domain}/o.gif?e={token}" width="1" height="1" alt=""></body></html>\n',
    )


def plain_message(sender: str, n: int, rcpt: str = RCPT) -> bytes:
    domain = sender.rpartition("@")[2]
    return build(
        f"""From: {sender}
To: <{rcpt}>
Subject: Minutes of Tuesday's meeting {n}
Date: Tue, 03 Mar 2026 10:15:00 +0000
Message-ID: <plain-{n}@{domain}>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8""",
        "Dear Maria,\n\nthe minutes are below. Thanks for chairing.\n\nBest,\nTom\n",
    )


def findings(out: object) -> set[str]:
    added = dict(out.added)  # type: ignore[attr-defined]
    return {r.strip() for r in added.get("X-Mailward-Findings", "").split(",")} - {"none", ""}


def verdict(out: object) -> str:
    return dict(out.added)["X-Mailward-Verdict"]  # type: ignore[attr-defined]


def gateway_config(tmp: Path, **gateway: object) -> Config:
    return Config({
        "mailward": {"data_dir": str(tmp / "data")},
        "store": {"url": f"sqlite:///{tmp / 'history.db'}"},
        "gateway": {"workers": 1, "timeout": 30.0, "quarantine_dir": str(tmp / "q"),
                    "audit_log": str(tmp / "audit.jsonl"), **gateway},
    })


@contextlib.asynccontextmanager
async def live_gateway(config: Config) -> AsyncIterator[tuple[int, Gateway, HistoryRecorder]]:
    settings = load_settings(config)
    audit = AuditLog(settings.audit_log)
    recorder = open_recorder(config, settings, on_error=lambda reason: audit.record("history-error", reason=reason))
    assert recorder is not None
    pool = ScanPool(config, settings)
    await asyncio.get_running_loop().run_in_executor(None, pool.warm_up)
    gateway = Gateway(settings, pool, FileQuarantine(settings.quarantine_dir), audit, history=recorder)
    port = free_port()
    stop = asyncio.Event()
    ready = asyncio.Event()
    task = asyncio.create_task(run_server(gateway, ListenAddress("inet", "127.0.0.1", port),
                                          ready=lambda _w: ready.set(), stop=stop))
    await asyncio.wait_for(ready.wait(), 10)
    try:
        yield port, gateway, recorder
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        gateway.close()
        pool.close()


async def send(port: int, raw: bytes, sender: str, queue_id: str) -> object:
    async with MilterClient("127.0.0.1", port) as client:
        return await client.message(raw, mail_from=f"<{sender}>", rcpts=(f"<{RCPT}>",), queue_id=queue_id)


def known_count(tmp: Path, sender: str) -> int:
    store = open_store(f"sqlite:///{tmp / 'history.db'}", upgrade=False)
    try:
        return int(store.sender_history().count_from_address(sender, (RCPT,)))
    finally:
        store.close()


def test_first_contact_then_known_after_a_clean_exchange(tmp_path: Path) -> None:
    sender = "news@shop-weekly.example"

    async def scenario() -> None:
        async with live_gateway(gateway_config(tmp_path)) as (port, _gw, recorder):
            first = await send(port, beacon_message(sender, 1), sender, "Q1")
            assert findings(first) & FIRST_CONTACT_RULES, dict(first.added)  # type: ignore[attr-defined]
            recorder.flush()
            # the beacon message was not clean/tracking: the sender is still unknown
            assert verdict(first) not in ("clean", "tracking")
            assert known_count(tmp_path, sender) == 0
            again = await send(port, beacon_message(sender, 2), sender, "Q2")
            assert findings(again) & FIRST_CONTACT_RULES

            clean = await send(port, plain_message(sender, 3), sender, "Q3")
            assert verdict(clean) == "clean", dict(clean.added)  # type: ignore[attr-defined]
            assert clean.final == p.R_ACCEPT  # type: ignore[attr-defined]
            assert recorder.flush()
            assert known_count(tmp_path, sender) == 1

            later = await send(port, beacon_message(sender, 4), sender, "Q4")
            assert not findings(later) & FIRST_CONTACT_RULES, dict(later.added)  # type: ignore[attr-defined]
            # another sender at another domain is still a first contact
            other = "news@other-weekly.example"
            stranger = await send(port, beacon_message(other, 5), other, "Q5")
            assert findings(stranger) & FIRST_CONTACT_RULES

    asyncio.run(scenario())
    # the history survives a restart: a new gateway on the same store knows the sender
    async def restarted() -> None:
        async with live_gateway(gateway_config(tmp_path)) as (port, _gw, _rec):
            out = await send(port, beacon_message(sender, 6), sender, "Q6")
            assert not findings(out) & FIRST_CONTACT_RULES

    asyncio.run(restarted())


def test_attack_mail_never_makes_its_sender_known(tmp_path: Path) -> None:
    sender = "jane.doe.press@gmail.com"
    lure = build(
        f"""From: Jane Doe | Reuters <{sender}>
To: Maria Keller <{RCPT}>
Subject: Interview request
Date: Tue, 03 Mar 2026 09:15:00 +0000
Message-ID: <lure-1@gmail.com>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8""",
        "<html><body><p>Dear Ms Keller, I am a journalist at Reuters writing an article for our newsroom "
        "and would like an interview.</p>"
        f'<img src="https://px.unknown-metrics.net/o.gif?e={TOKEN}" width="1" height="1" alt=""></body></html>\n',
    )

    async def scenario() -> None:
        async with live_gateway(gateway_config(tmp_path)) as (port, _gw, recorder):
            for i in range(3):
                out = await send(port, lure, sender, f"L{i}")
                assert out.final == p.R_DISCARD  # type: ignore[attr-defined]  # quarantined
            assert recorder.flush()
            assert recorder.recorded == 0
    asyncio.run(scenario())
    assert known_count(tmp_path, sender) == 0
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    verdicts = [a["verdict"] for a in audit if a["event"] == "message"]
    assert len(verdicts) == 3 and set(verdicts) <= {"recon", "phishing"}, verdicts
    assert not [a for a in audit if a["event"] == "history-error"]
    held = list(FileQuarantine(tmp_path / "q").entries())
    assert len(held) == 3
    assert all("RECON_TOKEN_FIRST_CONTACT_FREE_MAIL_NEWSROOM" in e.findings for e in held), [e.findings for e in held]


def test_history_setting_and_url(tmp_path: Path) -> None:
    base = Config({"mailward": {"data_dir": str(tmp_path)}})
    assert history_url(base, load_settings(base)) is None  # no store configured: off
    on = Config({"mailward": {"data_dir": str(tmp_path)}, "gateway": {"history": True}})
    assert history_url(on, load_settings(on)) == f"sqlite:///{tmp_path / 'mailward.db'}"
    stored = Config({"store": {"url": "sqlite:////x/y.db"}})
    assert history_url(stored, load_settings(stored)) == "sqlite:////x/y.db"
    off = Config({"store": {"url": "sqlite:////x/y.db"}, "gateway": {"history": False}})
    assert history_url(off, load_settings(off)) is None
    from mailward.config import ConfigError

    with pytest.raises(ConfigError, match="history"):
        load_settings(Config({"gateway": {"history": "yes"}}))


def test_unopenable_history_store_stops_the_milter_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    config = Config({"store": {"url": f"sqlite:///{tmp_path / 'file' / 'h.db'}"}})
    settings = replace(load_settings(config), workers=0, quarantine_dir=tmp_path / "q")
    pool = ScanPool(config, settings)
    try:
        with pytest.raises(ScannerStartError, match="sender history"):
            pool.warm_up()
    finally:
        pool.close()


def test_cache_keeps_known_senders_and_asks_again_for_unknown_ones() -> None:
    inner = InMemorySenderHistory()
    calls: list[str] = []

    class Counting:
        def count_from_address(self, sender: str, recipients: tuple[str, ...]) -> int:
            calls.append(sender)
            return inner.count_from_address(sender, recipients)

        def count_from_domain(self, domain: str, recipients: tuple[str, ...] | None) -> int:
            return inner.count_from_domain(domain, recipients)

    cached = CachedSenderHistory(Counting(), size=2)
    assert cached.count_from_address("a@x.example", (RCPT,)) == 0
    assert cached.count_from_address("a@x.example", (RCPT,)) == 0
    assert len(calls) == 2  # an unknown answer is not cached: the sender may become known
    inner.record("a@x.example", [RCPT])
    assert cached.count_from_address("A@x.example", (RCPT,)) == 1
    assert cached.count_from_address("a@x.example", (RCPT,)) == 1
    assert len(calls) == 3 and cached.hits == 1


def test_failed_lookup_counts_as_known_and_failed_write_is_logged() -> None:
    class Broken:
        def count_from_address(self, sender: str, recipients: tuple[str, ...]) -> int:
            raise OSError("database is gone")

        def count_from_domain(self, domain: str, recipients: tuple[str, ...] | None) -> int:
            raise OSError("database is gone")

        def record_many(self, items: object) -> None:
            raise OSError("disk full")

    cached = CachedSenderHistory(Broken())
    assert cached.count_from_address("a@x.example", (RCPT,)) == 1 and cached.errors == 1
    errors: list[str] = []
    recorder = HistoryRecorder(Broken(), on_error=errors.append)
    result = ScanResult(source="-", verdict=Verdict.CLEAN, score=0.0, sender="a@x.example", recipients=(RCPT,))
    assert recorder.record_result(result, Action.DELIVER)
    assert recorder.flush()
    recorder.close()
    assert recorder.failed == 1 and errors and "disk full" in errors[0]


@pytest.mark.parametrize(("verdict_", "action", "expected"), [
    (Verdict.CLEAN, Action.DELIVER, True),
    (Verdict.TRACKING, Action.DEFUSE, True),
    (Verdict.TRACKING, Action.QUARANTINE, False),  # not delivered: not an exchange
    (Verdict.SUSPICIOUS, Action.DEFUSE, False),
    (Verdict.RECON, Action.QUARANTINE, False),
    (Verdict.PHISHING, Action.DELIVER, False),
    (Verdict.UNSCANNABLE, Action.DELIVER, False),
])
def test_only_delivered_clean_or_tracking_mail_is_recorded(verdict_: Verdict, action: Action, expected: bool) -> None:
    from mailward.gateway.history import should_record

    result = ScanResult(source="-", verdict=verdict_, score=0.0, sender="a@x.example", recipients=(RCPT,))
    assert should_record(result, action) is expected


def test_settings_default_is_auto() -> None:
    assert GatewaySettings().history is None


@pytest.mark.integration
def test_postfix_round_trip_first_contact_then_known(tmp_path: Path) -> None:
    """The real mail flow: a private Postfix hands each message to ``mailward milter``
    (real scanner, ``[gateway] history = true``: the store in the data directory)."""
    from .test_postfix import _start_flow, _stop_flow

    sender = "news@weekly-briefing.example"
    rcpt = "alice@test.local"
    flow = _start_flow(tmp_path / "flow", scanner="mailward.scan:Scanner", history=True, workers=1)
    db = tmp_path / "flow" / "data" / "mailward.db"

    def delivered_findings(n: int) -> set[str]:
        msg = flow.find_delivered("alice", f"<beacon-{n}@" if n != 2 else f"<plain-{n}@")
        value = str(msg["X-Mailward-Findings"] or "")
        return {r.strip() for r in value.split(",")} - {"none", ""}

    def known() -> int:
        store = open_store(f"sqlite:///{db}", upgrade=False)
        try:
            return int(store.sender_history().count_from_address(sender, (rcpt,)))
        finally:
            store.close()

    try:
        assert flow.send(beacon_message(sender, 1, rcpt), (rcpt,), sender)[0] == 250
        assert delivered_findings(1) & FIRST_CONTACT_RULES
        assert flow.send(plain_message(sender, 2, rcpt), (rcpt,), sender)[0] == 250
        assert flow.find_delivered("alice", "<plain-2@")["X-Mailward-Verdict"] == "clean"
        deadline = time.monotonic() + 10
        while known() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert known() == 1
        assert flow.send(beacon_message(sender, 3, rcpt), (rcpt,), sender)[0] == 250
        assert not delivered_findings(3) & FIRST_CONTACT_RULES
    finally:
        _stop_flow(flow)


def test_cached_store_history_agrees_with_the_in_memory_one(tmp_path: Path) -> None:
    """One query per unknown sender (``contact_counts``) gives the same first-contact
    answer as the three separate counts."""
    from mailward.identity.history import first_contact

    store = open_store(f"sqlite:///{tmp_path / 'h.db'}")
    memory = InMemorySenderHistory()
    pairs = [("tom@partner.example", (RCPT,)), ("ann@partner.example", ("bob@northland-parliament.org",)),
             ("x@mail.partner.example", (RCPT, "bob@northland-parliament.org"))]
    store.sender_history().record_many(pairs)
    for sender, rcpts in pairs:
        memory.record(sender, rcpts)
    inner = store.sender_history()
    queries: list[str] = []
    original = inner.contact_counts

    def counting(sender: str, recipients: tuple[str, ...]) -> tuple[int, int, int]:
        queries.append(sender)
        return original(sender, recipients)

    inner.contact_counts = counting  # type: ignore[method-assign]
    cached = CachedSenderHistory(inner)
    cases = [("tom@partner.example", (RCPT,)), ("ann@partner.example", (RCPT,)),
             ("new@partner.example", ("carol@northland-parliament.org",)), ("eve@elsewhere.example", (RCPT,)),
             ("TOM@partner.example", ("bob@northland-parliament.org", RCPT)), ("tom@partner.example", ())]
    for sender, rcpts in cases:
        assert first_contact(cached, sender, rcpts) == first_contact(memory, sender, rcpts), (sender, rcpts)
    assert first_contact(cached, "eve@elsewhere.example", (RCPT,)).address is True
    assert first_contact(cached, "tom@partner.example", (RCPT,)).address is False
    assert len(queries) <= len(cases) + 1  # one query per lookup, not three
    store.close()
