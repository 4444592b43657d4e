"""Round-trips of the milter protocol against the real server, with a detection-free scanner."""

from __future__ import annotations

import asyncio
import email
import hashlib
import json
import struct
from email import policy
from pathlib import Path

import pytest

from mailward.gateway import protocol as p
from mailward.gateway.quarantine import FileQuarantine, MemoryQuarantine

from .conftest import running_gateway, unit_settings
from .milter_client import MilterClient

PIXEL = "https://t.example/open.gif?u=alice"


def build(headers: str, body: str) -> bytes:
    return (headers.strip("\n").replace("\n", "\r\n") + "\r\n\r\n" + body.replace("\n", "\r\n")).encode()


NEWSLETTER = build(
    f"""From: Weekly <news@letters.example.org>
To: alice@test.local
Subject: This week
X-Mailward-Verdict: clean
x-mailward-score: 0
X-Test-Verdict: tracking
X-Test-Pixel: {PIXEL}
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8""",
    f'<html><body><p>News</p><img src="{PIXEL}" width="1" height="1"></body></html>\n',
)


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_negotiation_asks_for_no_replies_and_leading_space() -> None:
    reply, _actions, _protocol = p.negotiate(struct.pack("!III", 6, 0x1FF, 0x1FFFFF))
    assert reply.cmd == p.CMD_OPTNEG
    version, acts, proto = struct.unpack("!III", reply.data)
    assert version == 6
    assert acts & p.ACT_CHGBODY and acts & p.ACT_CHGHDRS and acts & p.ACT_ADDHDRS
    assert proto & p.P_HDR_LEADSPC and proto & p.P_NR_HDR and proto & p.P_NR_BODY
    # never ask for what the MTA did not offer
    _r, _a, limited = p.negotiate(struct.pack("!III", 6, 0x1FF, p.P_NR_HDR))
    assert limited == p.P_NR_HDR


def test_packets_round_trip() -> None:
    packet = p.change_header(2, "X-Mailward-Verdict", "").packet()
    (length,) = struct.unpack("!I", packet[:4])
    assert length == len(packet) - 4
    assert packet[4:5] == p.R_CHGHEADER
    assert struct.unpack("!I", packet[5:9])[0] == 2
    assert p.split_cstrings(packet[9:]) == [b"X-Mailward-Verdict", b""]
    chunks = p.replace_body(b"x" * 200_000)
    assert all(len(c.data) <= 65535 for c in chunks)
    assert b"".join(c.data for c in chunks) == b"x" * 200_000
    replies = [p.change_header(2, "X-Mailward-Verdict", ""), *chunks, p.CONTINUE, p.Reply(p.R_REPLBODY, b"")]
    assert p.packets(replies) == b"".join(r.packet() for r in replies)  # one write, the same bytes
    assert p.packets([]) == b""


def test_rebuild_keeps_header_bytes() -> None:
    raw = b"Subject:  two spaces\r\nX-Folded: a\r\n\tb\r\n\r\nbody\r\n"
    headers = [("Subject", "  two spaces"), ("X-Folded", " a\n\tb")]
    assert p.rebuild_message(headers, b"body\r\n", True) == raw
    rebuilt = p.rebuild_message(headers, bytearray(b"body\r\n"), True)  # the connection's buffer as it is
    assert rebuilt == raw and type(rebuilt) is bytes


def test_clean_message_gets_headers_and_foreign_ones_removed(tmp_path: Path) -> None:
    raw = build("From: a@example.org\nX-MAILWARD-Verdict: clean\nSubject: hi\nX-Mailward-Verdict: clean",
                "hello\n")

    async def scenario() -> None:
        async with running_gateway(unit_settings(tmp_path)) as (port, _gw), MilterClient("127.0.0.1", port) as client:
            out = await client.message(raw)
            assert out.final == p.R_ACCEPT
            # two headers of the same name (case-insensitive): deleted highest index first
            assert out.changed == [(2, "X-Mailward-Verdict", ""), (1, "X-MAILWARD-Verdict", "")]
            added = dict(out.added)
            assert added["X-Mailward-Verdict"] == "clean"
            assert added["X-Mailward-Score"] == "0.00"
            assert out.body is None
            # leading space negotiated: the values we add carry their own space
            assert out.of(p.R_ADDHEADER)[0] == b"X-Mailward-Verdict\0 clean\0"
    run(scenario())
    assert not list(FileQuarantine(tmp_path / "q").entries())


def test_tracking_message_is_defused_and_original_stored_first(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_gateway(unit_settings(tmp_path)) as (port, _gw), MilterClient("127.0.0.1", port) as client:
            out = await client.message(NEWSLETTER)
            assert out.final == p.R_ACCEPT
            assert out.body is not None
            assert PIXEL.encode() not in out.body
            assert b"data-mailward-banner" in out.body
            assert b"removed a hidden tracking image" in out.body
            added = dict(out.added)
            assert added["X-Mailward-Verdict"] == "tracking"
            assert added["X-Mailward-Action"] == "defuse"
            store = FileQuarantine(tmp_path / "q")
            entry = store.get(added["X-Mailward-Quarantine-Id"])
            assert store.get_bytes(entry.sha256) == NEWSLETTER  # byte-exact original
            assert entry.status == "delivered"
            defused = store.get_bytes(entry.defused_sha256)
            assert defused.endswith(out.body)
    run(scenario())
    objects = [f for f in (tmp_path / "q" / "objects").rglob("*") if f.is_file()]
    assert objects and all(f.stat().st_mode & 0o777 == 0o600 for f in objects)
    assert (tmp_path / "q").stat().st_mode & 0o777 == 0o700
    events = [json.loads(line)["event"] for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert events.count("stored") == 1 and events.count("message") == 1


def test_defusing_deletes_read_receipt_requests_and_delivering_keeps_them(tmp_path: Path) -> None:
    asked = NEWSLETTER.replace(b"X-Test-Verdict: tracking\r\n", b"X-Test-Verdict: tracking\r\n"
                               b"Disposition-Notification-To: <desk@elsewhere.example>\r\n"
                               b"Return-Receipt-To: a@elsewhere.example\r\nReturn-Receipt-To: b@elsewhere.example\r\n")
    delivered = asked.replace(b"X-Test-Verdict: tracking", b"X-Test-Verdict: clean")

    async def scenario() -> None:
        async with running_gateway(unit_settings(tmp_path)) as (port, _gw), MilterClient("127.0.0.1", port) as client:
            out = await client.message(asked)
            assert out.final == p.R_ACCEPT and dict(out.added)["X-Mailward-Action"] == "defuse"
            deleted = [(index, name) for index, name, value in out.changed if value == ""]
            assert deleted == [(1, "x-mailward-score"), (1, "X-Mailward-Verdict"), (2, "Return-Receipt-To"),
                               (1, "Return-Receipt-To"), (1, "Disposition-Notification-To")]
            assert b"read receipt" in (out.body or b"")
            kept = await client.message(delivered)
            assert [name for _index, name, _value in kept.changed] == ["x-mailward-score", "X-Mailward-Verdict"]
    run(scenario())


def test_quarantine_discards_after_storing(tmp_path: Path) -> None:
    raw = NEWSLETTER.replace(b"X-Test-Verdict: tracking", b"X-Test-Verdict: recon")

    async def scenario() -> None:
        async with running_gateway(unit_settings(tmp_path)) as (port, _gw), MilterClient("127.0.0.1", port) as client:
            out = await client.message(raw, queue_id="Q1")
            assert out.final == p.R_DISCARD
    run(scenario())
    store = FileQuarantine(tmp_path / "q")
    [entry] = list(store.entries())
    assert entry.status == "held" and entry.verdict == "recon" and entry.queue_id == "Q1"
    assert entry.rcpt_to == ("alice@test.local",) and entry.mail_from == "sender@example.org"
    assert hashlib.sha256(store.get_bytes(entry.sha256)).hexdigest() == entry.sha256
    assert store.get_bytes(entry.sha256) == raw


def test_postfix_hold_mode_uses_quarantine_reply(tmp_path: Path) -> None:
    raw = NEWSLETTER.replace(b"X-Test-Verdict: tracking", b"X-Test-Verdict: phishing")

    async def scenario() -> None:
        settings = unit_settings(tmp_path, quarantine_mode="postfix-hold")
        async with running_gateway(settings) as (port, _gw), MilterClient("127.0.0.1", port) as client:
            out = await client.message(raw)
            assert out.final == p.R_ACCEPT
            assert out.of(p.R_QUARANTINE)
    run(scenario())


def test_reject_has_a_clear_reply(tmp_path: Path) -> None:
    raw = build("From: a@example.org\nSubject: x\nX-Test-Verdict: malicious\nX-Test-Summary: known-bad sender 100%",
                "x\n")

    async def scenario() -> None:
        async with running_gateway(unit_settings(tmp_path)) as (port, _gw), MilterClient("127.0.0.1", port) as client:
            out = await client.message(raw)
            assert out.final == p.R_REPLYCODE
            assert out.reply_text == "550 5.7.1 Message refused by mailward: known-bad sender 100%%"
    run(scenario())
    [entry] = list(FileQuarantine(tmp_path / "q").entries())
    assert entry.status == "rejected"


@pytest.mark.parametrize(("on_failure", "header"), [("tempfail", "X-Test-Sleep: 5"), ("tempfail", "X-Test-Raise: 1"),
                                                     ("accept", "X-Test-Sleep: 5"), ("accept", "X-Test-Raise: 1")])
def test_failure_policy(tmp_path: Path, on_failure: str, header: str) -> None:
    raw = build(f"From: a@example.org\nSubject: x\n{header}", "x\n")

    async def scenario() -> None:
        settings = unit_settings(tmp_path, on_failure=on_failure, timeout=0.5)
        async with running_gateway(settings) as (port, _gw), MilterClient("127.0.0.1", port) as client:
            out = await client.message(raw)
            if on_failure == "tempfail":
                assert out.final == p.R_REPLYCODE
                assert out.reply_text.startswith("451 4.7.1 ")
            else:
                assert out.final == p.R_ACCEPT
                added = dict(out.added)
                assert added["X-Mailward-Verdict"] == "unscannable"
                assert ("took longer" in added["X-Mailward-Reason"]) == ("Sleep" in header)
    run(scenario())


def test_store_failure_tempfails(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = MemoryQuarantine(fail=True)
        async with running_gateway(unit_settings(tmp_path), store) as (port, _gw), MilterClient("127.0.0.1", port) as client:
            out = await client.message(NEWSLETTER)
            assert out.final == p.R_REPLYCODE and out.reply_text.startswith("451")
            assert out.body is None
    run(scenario())


def test_abort_then_next_message_on_same_connection(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_gateway(unit_settings(tmp_path)) as (port, _gw), MilterClient("127.0.0.1", port) as client:
            await client.step(p.CMD_MAIL, p.cstrings("<x@example.org>"))
            await client.step(p.CMD_HEADER, p.cstrings("X-Test-Verdict", " recon"))
            await client.abort()
            out = await client.message(build("From: a@example.org\nSubject: second", "ok\n"))
            assert out.final == p.R_ACCEPT
            assert dict(out.added)["X-Mailward-Verdict"] == "clean"
    run(scenario())


def test_large_body_is_chunked_both_ways(tmp_path: Path) -> None:
    filler = "<p>" + "words " * 40_000 + "</p>"
    raw = NEWSLETTER.replace(b"<p>News</p>", filler.encode())

    async def scenario() -> None:
        async with running_gateway(unit_settings(tmp_path)) as (port, _gw), MilterClient("127.0.0.1", port) as client:
            out = await client.message(raw, chunk=65535)
            chunks = out.of(p.R_REPLBODY)
            assert len(chunks) > 3 and all(len(c) <= 65535 for c in chunks)
            parsed = email.message_from_bytes(b"Content-Type: text/html\r\n\r\n" + (out.body or b""), policy=policy.default)
            assert "words words" in parsed.get_content()
    run(scenario())


def test_many_concurrent_connections(tmp_path: Path) -> None:
    async def one(port: int, i: int) -> bytes:
        verdict = ("clean", "tracking", "recon")[i % 3]
        raw = NEWSLETTER.replace(b"X-Test-Verdict: tracking", f"X-Test-Verdict: {verdict}".encode())
        async with MilterClient("127.0.0.1", port) as client:
            out = await client.message(raw, queue_id=f"Q{i}")
            return out.final

    async def scenario() -> list[bytes]:
        async with running_gateway(unit_settings(tmp_path)) as (port, _gw):
            return await asyncio.gather(*(one(port, i) for i in range(60)))

    finals = run(scenario())
    assert finals.count(p.R_DISCARD) == 20
    assert finals.count(p.R_ACCEPT) == 40
    assert len(list(FileQuarantine(tmp_path / "q").entries())) == 40  # 20 held + 20 defused originals


def test_garbage_closes_connection_without_killing_server(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_gateway(unit_settings(tmp_path)) as (port, _gw):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"\xff\xff\xff\xffGARBAGE")
            await writer.drain()
            assert await reader.read() == b""
            writer.close()
            async with MilterClient("127.0.0.1", port) as client:
                out = await client.message(build("From: a@example.org\nSubject: ok", "ok\n"))
                assert out.final == p.R_ACCEPT
    run(scenario())


def test_stuck_worker_processes_are_replaced(tmp_path: Path) -> None:
    """A scan that never ends must not take the gateway down with it."""
    stuck = build("From: a@example.org\nSubject: slow\nX-Test-Stuck: 60", "x\n")
    fine = build("From: a@example.org\nSubject: fine", "x\n")

    async def scenario() -> None:
        settings = unit_settings(tmp_path, workers=1, timeout=3.0)
        async with running_gateway(settings) as (port, gw), MilterClient("127.0.0.1", port) as client:
            gw.scanner.warm_up()
            out = await client.message(stuck)
            assert out.final == p.R_REPLYCODE and out.reply_text.startswith("451")
            assert gw.scanner.recycled == 1
            started = asyncio.get_running_loop().time()
            out = await client.message(fine)
            assert out.final == p.R_ACCEPT, out.replies
            assert dict(out.added)["X-Mailward-Verdict"] == "clean"
            assert asyncio.get_running_loop().time() - started < 30
    run(scenario())


@pytest.mark.parametrize("on_failure", ["tempfail", "accept"])
def test_a_slow_scan_ends_unscannable_within_the_budget(tmp_path: Path, on_failure: str) -> None:
    """The worker's own timer stops a scan at 80% of ``timeout``: the message is
    ``unscannable`` ("time budget exceeded") and nothing has to be killed."""
    slow = build("From: a@example.org\nSubject: slow\nX-Test-Sleep: 60", "x\n")

    async def scenario() -> None:
        settings = unit_settings(tmp_path, workers=1, timeout=2.0, on_failure=on_failure)
        async with running_gateway(settings) as (port, gw), MilterClient("127.0.0.1", port) as client:
            gw.scanner.warm_up()
            out = await client.message(slow)
            if on_failure == "tempfail":
                assert out.reply_text.startswith("451")
            else:
                added = dict(out.added)
                assert out.final == p.R_ACCEPT and added["X-Mailward-Verdict"] == "unscannable"
                assert added["X-Mailward-Reason"] == "time budget exceeded (1.6 s)"
            assert gw.scanner.recycled == 0
    run(scenario())
    events = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    message = [e for e in events if e["event"] == "message"][-1]
    assert message["verdict"] == "unscannable" and message["sha256"]


def test_unix_socket_and_listen_parsing(tmp_path: Path) -> None:
    from mailward.gateway.server import ListenAddress, ListenError, parse_listen

    assert parse_listen("inet:127.0.0.1:11332") == ListenAddress("inet", "127.0.0.1", 11332)
    assert parse_listen("inet:11332@127.0.0.1") == ListenAddress("inet", "127.0.0.1", 11332)
    assert parse_listen("unix:/run/mailward.sock") == ListenAddress("unix", path="/run/mailward.sock")
    for bad in ("tcp:1.2.3.4:5", "inet:127.0.0.1:99999", "inet:host:port", "unix:"):
        with pytest.raises(ListenError):
            parse_listen(bad)
    path = str(tmp_path / "m.sock")

    async def scenario() -> None:
        async with running_gateway(unit_settings(tmp_path), listen=ListenAddress("unix", path=path)), \
                MilterClient("", 0, unix=path) as client:
            out = await client.message(NEWSLETTER)
            assert out.final == p.R_ACCEPT and out.body is not None and PIXEL.encode() not in out.body
    run(scenario())


@pytest.mark.parametrize("on_limit", ["reject", "tempfail"])
def test_message_over_the_size_limit(tmp_path: Path, on_limit: str) -> None:
    async def scenario() -> None:
        settings = unit_settings(tmp_path, max_message_bytes=100, on_limit=on_limit, on_failure="accept")
        async with running_gateway(settings) as (port, _gw), MilterClient("127.0.0.1", port) as client:
            out = await client.message(NEWSLETTER)
            if on_limit == "tempfail":
                assert out.reply_text.startswith("451")
            else:  # fail-open for scan failures does not let an oversized message through
                assert out.reply_text.startswith("552 5.3.4") and "larger than 100 bytes" in out.reply_text
    run(scenario())


def test_banner_action_keeps_the_body_but_adds_the_banner(tmp_path: Path) -> None:
    from mailward.gateway.settings import Action
    from mailward.result import Verdict

    async def scenario() -> None:
        actions = {v: Action.DELIVER for v in Verdict} | {Verdict.TRACKING: Action.BANNER}
        async with running_gateway(unit_settings(tmp_path, actions=actions)) as (port, _gw), \
                MilterClient("127.0.0.1", port) as client:
            out = await client.message(NEWSLETTER)
            assert out.body is not None and b"data-mailward-banner" in out.body
            assert PIXEL.encode() in out.body  # banner only: nothing else rewritten
            assert dict(out.added)["X-Mailward-Action"] == "banner"
    run(scenario())


@pytest.mark.parametrize("on_failure", ["tempfail", "accept"])
def test_internal_error_applies_the_failure_policy(tmp_path: Path, on_failure: str) -> None:
    class BrokenAudit:
        def record(self, event: str, **fields: object) -> None:
            if event == "message":
                raise RuntimeError("audit bug (test)")

    async def scenario() -> None:
        settings = unit_settings(tmp_path, on_failure=on_failure)
        async with running_gateway(settings) as (port, gw), MilterClient("127.0.0.1", port) as client:
            gw.audit = BrokenAudit()  # type: ignore[assignment]
            out = await client.message(build("From: a@example.org\nSubject: x", "x\n"))
            if on_failure == "tempfail":
                assert out.reply_text.startswith("451")
            else:
                assert out.final == p.R_ACCEPT
                assert "internal error: RuntimeError" in dict(out.added)["X-Mailward-Reason"]
    run(scenario())
