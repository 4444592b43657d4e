"""The MTA side of the milter protocol, for tests: sends what Postfix sends, collects replies."""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass, field

from mailward.gateway import protocol as p

# what Postfix 3.7 offers in SMFIC_OPTNEG (all actions, all protocol steps)
POSTFIX_ACTIONS = 0x1FF
POSTFIX_PROTOCOL = 0x1FFFFF


@dataclass
class Outcome:
    replies: list[tuple[bytes, bytes]] = field(default_factory=list)

    @property
    def final(self) -> bytes:
        return self.replies[-1][0]

    def of(self, cmd: bytes) -> list[bytes]:
        return [data for c, data in self.replies if c == cmd]

    @property
    def body(self) -> bytes | None:
        chunks = self.of(p.R_REPLBODY)
        return b"".join(chunks) if chunks else None

    @property
    def added(self) -> list[tuple[str, str]]:
        out = []
        for data in self.of(p.R_ADDHEADER):
            name, value = p.split_cstrings(data)[:2]
            out.append((name.decode(), value.decode().removeprefix(" ")))
        return out

    @property
    def changed(self) -> list[tuple[int, str, str]]:
        out = []
        for data in self.of(p.R_CHGHEADER):
            (index,) = struct.unpack("!I", data[:4])
            name, value = p.split_cstrings(data[4:])[:2]
            out.append((index, name.decode(), value.decode()))
        return out

    @property
    def reply_text(self) -> str:
        codes = self.of(p.R_REPLYCODE)
        return codes[-1].rstrip(b"\0").decode() if codes else ""


def split_message(raw: bytes) -> tuple[list[tuple[str, str]], bytes]:
    """Headers (value with its leading space, folded lines kept) and body, as Postfix passes them."""
    head, _, body = raw.partition(b"\r\n\r\n")
    headers: list[tuple[str, str]] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + "\n" + line.decode("utf-8", "surrogateescape"))
            continue
        name, _, value = line.partition(b":")
        headers.append((name.decode(), value.decode("utf-8", "surrogateescape")))
    return headers, body


class MilterClient:
    def __init__(self, host: str, port: int, *, unix: str = "", offer_protocol: int = POSTFIX_PROTOCOL) -> None:
        self.host, self.port, self.unix = host, port, unix
        self.offer_protocol = offer_protocol
        self.reader: asyncio.StreamReader
        self.writer: asyncio.StreamWriter
        self.protocol = 0

    async def __aenter__(self) -> MilterClient:
        if self.unix:
            self.reader, self.writer = await asyncio.open_unix_connection(self.unix)
        else:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        await self.send(p.CMD_OPTNEG, struct.pack("!III", 6, POSTFIX_ACTIONS, self.offer_protocol))
        cmd, data = await self.recv()
        assert cmd == p.CMD_OPTNEG
        _v, _a, self.protocol = struct.unpack("!III", data[:12])
        await self.send(p.CMD_MACRO, b"C" + p.cstrings("j", "mx.test.local", "{daemon_name}", "smtpd"))
        await self.step(p.CMD_CONNECT, p.cstrings("client.example.org") + b"4" + struct.pack("!H", 40000) + p.cstrings("192.0.2.7"))
        await self.step(p.CMD_HELO, p.cstrings("client.example.org"))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.send(p.CMD_QUIT)
        self.writer.close()

    async def send(self, cmd: bytes, data: bytes = b"") -> None:
        self.writer.write(p.encode(cmd, data))
        await self.writer.drain()

    async def recv(self) -> tuple[bytes, bytes]:
        packet = await p.read_packet(self.reader)
        assert packet is not None, "milter closed the connection"
        return packet

    async def step(self, cmd: bytes, data: bytes = b"") -> None:
        """Send a command; read its CONTINUE unless no reply was negotiated."""
        reply = await self.try_step(cmd, data)
        assert reply in (None, p.R_CONTINUE), reply

    async def try_step(self, cmd: bytes, data: bytes = b"") -> bytes | None:
        """Send a command; return the milter's answer (None when no reply was negotiated)."""
        await self.send(cmd, data)
        flag = p._NO_REPLY_FLAG.get(cmd)
        if flag is None or not self.protocol & flag:
            reply, _ = await self.recv()
            return reply
        return None

    async def finish(self) -> Outcome:
        """End-of-message, then the replies up to the final one."""
        await self.send(p.CMD_BODYEOB)
        outcome = Outcome()
        finals = {p.R_ACCEPT, p.R_CONTINUE, p.R_DISCARD, p.R_REJECT, p.R_TEMPFAIL, p.R_REPLYCODE}
        while True:
            cmd, data = await self.recv()
            outcome.replies.append((cmd, data))
            if cmd in finals:
                return outcome

    async def message(self, raw: bytes, *, mail_from: str = "<sender@example.org>",
                      rcpts: tuple[str, ...] = ("<alice@test.local>",), queue_id: str = "ABC123",
                      chunk: int = 65535) -> Outcome:
        await self.step(p.CMD_MAIL, p.cstrings(mail_from, "SIZE=100"))
        for rcpt in rcpts:
            await self.step(p.CMD_RCPT, p.cstrings(rcpt))
        headers, body = split_message(raw)
        for name, value in headers:
            await self.step(p.CMD_HEADER, p.cstrings(name, value))
        await self.step(p.CMD_EOH)
        for i in range(0, len(body), chunk):
            await self.step(p.CMD_BODY, body[i : i + chunk])
        await self.send(p.CMD_MACRO, b"E" + p.cstrings("i", queue_id))
        return await self.finish()

    async def abort(self) -> None:
        await self.send(p.CMD_ABORT)
