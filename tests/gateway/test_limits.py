"""The milter bounds what one connection holds: header bytes and fields, recipients,
macros, not only the body. Past a limit the message is refused (``on_limit``)."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from pathlib import Path

import pytest

from mailward.gateway import protocol as p

from .conftest import running_gateway, unit_settings
from .milter_client import POSTFIX_PROTOCOL, MilterClient

MIB = 1024 * 1024
# Postfix's offer without the "no reply" flags: the MTA waits for an answer to each step
WAITS_FOR_REPLIES = POSTFIX_PROTOCOL & ~(p.P_NR_CONN | p.P_NR_HELO | p.P_NR_MAIL | p.P_NR_RCPT | p.P_NR_HDR
                                         | p.P_NR_EOH | p.P_NR_BODY | p.P_NR_DATA | p.P_NR_UNKN)


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def _audit(tmp_path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("offer", [POSTFIX_PROTOCOL, WAITS_FOR_REPLIES], ids=["no-replies", "replies"])
def test_fifty_megabytes_of_headers_are_refused_with_bounded_memory(tmp_path: Path, offer: int) -> None:
    header_value = " " + "x" * 64_000  # Postfix passes a header of up to header_size_limit (100 KiB)
    sent = 0

    async def scenario() -> None:
        nonlocal sent
        settings = unit_settings(tmp_path, max_message_bytes=MIB)
        async with running_gateway(settings) as (port, _gw), \
                MilterClient("127.0.0.1", port, offer_protocol=offer) as client:
            await client.step(p.CMD_MAIL, p.cstrings("<a@example.org>"))
            await client.step(p.CMD_RCPT, p.cstrings("<b@test.local>"))
            refused = None
            while sent < 50 * MIB:
                reply = await client.try_step(p.CMD_HEADER, p.cstrings("X-Filler", header_value))
                sent += len(header_value)
                if reply not in (None, p.R_CONTINUE):
                    refused = reply
                    break
            if offer == WAITS_FOR_REPLIES:  # refused at the first header past the limit
                assert refused == p.R_REPLYCODE
                assert sent < MIB + 70_000
                return
            out = await client.finish()
            assert out.reply_text.startswith("552 5.3.4") and "larger than 1048576 bytes" in out.reply_text

    tracemalloc.start()
    try:
        run(scenario())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB while receiving {sent / MIB:.0f} MiB of headers"
    if offer == POSTFIX_PROTOCOL:
        assert sent >= 50 * MIB
        events = [e for e in _audit(tmp_path) if e["event"] == "message"]
        assert events[-1]["action"] == "reject" and "larger than" in str(events[-1]["reason"])


@pytest.mark.parametrize("offer", [POSTFIX_PROTOCOL, WAITS_FOR_REPLIES], ids=["no-replies", "replies"])
def test_twenty_thousand_recipients_are_refused(tmp_path: Path, offer: int) -> None:
    async def scenario() -> None:
        settings = unit_settings(tmp_path, max_message_bytes=MIB, on_limit="tempfail")
        async with running_gateway(settings) as (port, gw), \
                MilterClient("127.0.0.1", port, offer_protocol=offer) as client:
            await client.step(p.CMD_MAIL, p.cstrings("<a@example.org>"))
            answers = []
            # 20,000 one-way like Postfix; a round trip each costs a second per 1,000, so fewer there
            for n in range(20_000 if offer == POSTFIX_PROTOCOL else 1_500):
                answers.append(await client.try_step(p.CMD_RCPT, p.cstrings(f"<user{n}@test.local>")))
            if offer == WAITS_FOR_REPLIES:
                assert answers[:1000] == [p.R_CONTINUE] * 1000
                assert set(answers[1000:]) == {p.R_REPLYCODE}  # every recipient past the limit refused
            await client.try_step(p.CMD_HEADER, p.cstrings("Subject", " hi"))
            await client.try_step(p.CMD_EOH)
            out = await client.finish()
            assert out.reply_text.startswith("451") and out.final == p.R_REPLYCODE
            assert gw.in_flight == 0
    run(scenario())
    events = [e for e in _audit(tmp_path) if e["event"] == "message"]
    assert events[-1]["reason"] == "over a limit: more than 1000 recipients"
    assert len(events[-1]["rcpt_to"]) == 1000  # nothing past the limit was kept


def test_header_fields_and_macros_are_counted(tmp_path: Path) -> None:
    async def scenario() -> None:
        settings = unit_settings(tmp_path, max_headers=50, max_macro_bytes=4096)
        async with running_gateway(settings) as (port, _gw):
            async with MilterClient("127.0.0.1", port) as client:
                await client.step(p.CMD_MAIL, p.cstrings("<a@example.org>"))
                for n in range(60):
                    await client.step(p.CMD_HEADER, p.cstrings(f"X-{n}", " v"))
                out = await client.finish()
                assert "more than 50 header fields" in out.reply_text
            async with MilterClient("127.0.0.1", port) as client:
                for n in range(100):
                    await client.send(p.CMD_MACRO, b"M" + p.cstrings(f"{{m{n}}}", "v" * 100))
                await client.step(p.CMD_MAIL, p.cstrings("<a@example.org>"))
                out = await client.finish()
                assert "macros over 4096 bytes" in out.reply_text
    run(scenario())


def test_session_keeps_nothing_past_the_limits() -> None:
    """The decoder alone (what the fuzz target drives): sizes stay inside the limits."""
    limits = p.WireLimits(max_message_bytes=10_000, max_headers=20, max_recipients=5, max_macro_bytes=500)
    session = p.Session(limits)
    session.handle(p.CMD_OPTNEG, b"\0\0\0\x06\0\0\x01\xff\0\x1f\xff\xff")
    for n in range(100):
        session.handle(p.CMD_MACRO, b"C" + p.cstrings(f"k{n}", "v" * 50))
        session.handle(p.CMD_RCPT, p.cstrings(f"<r{n}@x>"))
        session.handle(p.CMD_HEADER, p.cstrings("H", "x" * 300))
        session.handle(p.CMD_BODY, b"y" * 300)
    message = session.conn.message
    assert message.over_limit
    assert len(message.rcpt_to) <= 5 and len(message.headers) <= 20
    assert len(message.body) + sum(len(v) for _n, v in message.headers) <= 10_000
    assert sum(len(k) + len(v) for k, v in session.conn.macros.items()) <= 500
