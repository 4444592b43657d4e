"""The milter wire protocol (version 6), as Postfix and Sendmail speak it.

A packet is a 4-byte big-endian length, one command byte, then data. This module
only encodes and decodes packets and runs one connection's read loop; what to do
with a message is the ``MilterHandler``'s business (``server.py``).

Negotiation asks Postfix not to wait for replies to connect/helo/mail/rcpt/header/
eoh/body (the ``NR_*`` protocol flags) when it offers that, so that a message costs
one round-trip at end-of-message. Reference: libmilter's ``mfdef.h`` and Postfix's
``milter8.c`` / MILTER_README.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from mailward.errors import MailwardError

VERSION = 6
MAX_PACKET = 1 << 20  # Postfix sends body chunks of at most 65535 bytes; macros are small
MAX_CHUNK = 65535  # largest body chunk in a SMFIR_REPLBODY packet

# commands from the MTA
CMD_ABORT = b"A"
CMD_BODY = b"B"
CMD_CONNECT = b"C"
CMD_MACRO = b"D"
CMD_BODYEOB = b"E"
CMD_HELO = b"H"
CMD_QUIT_NC = b"K"
CMD_HEADER = b"L"
CMD_MAIL = b"M"
CMD_EOH = b"N"
CMD_OPTNEG = b"O"
CMD_QUIT = b"Q"
CMD_RCPT = b"R"
CMD_DATA = b"T"
CMD_UNKNOWN = b"U"

# replies to the MTA
R_ADDRCPT = b"+"
R_DELRCPT = b"-"
R_ACCEPT = b"a"
R_REPLBODY = b"b"
R_CONTINUE = b"c"
R_DISCARD = b"d"
R_CHGFROM = b"e"
R_ADDHEADER = b"h"
R_INSHEADER = b"i"
R_CHGHEADER = b"m"
R_PROGRESS = b"p"
R_QUARANTINE = b"q"
R_REJECT = b"r"
R_TEMPFAIL = b"t"
R_REPLYCODE = b"y"

# actions the filter may take (negotiated)
ACT_ADDHDRS = 0x01
ACT_CHGBODY = 0x02
ACT_ADDRCPT = 0x04
ACT_DELRCPT = 0x08
ACT_CHGHDRS = 0x10
ACT_QUARANTINE = 0x20

# protocol flags: steps the MTA may skip, replies it need not wait for
P_NOCONNECT = 0x01
P_NOHELO = 0x02
P_NOMAIL = 0x04
P_NORCPT = 0x08
P_NOBODY = 0x10
P_NOHDRS = 0x20
P_NOEOH = 0x40
P_NR_HDR = 0x80
P_NOUNKNOWN = 0x100
P_NODATA = 0x200
P_SKIP = 0x400
P_RCPT_REJ = 0x800
P_NR_CONN = 0x1000
P_NR_HELO = 0x2000
P_NR_MAIL = 0x4000
P_NR_RCPT = 0x8000
P_NR_DATA = 0x10000
P_NR_UNKN = 0x20000
P_NR_EOH = 0x40000
P_NR_BODY = 0x80000
P_HDR_LEADSPC = 0x100000

WANTED_ACTIONS = ACT_ADDHDRS | ACT_CHGBODY | ACT_CHGHDRS | ACT_QUARANTINE
# what we would like: no replies before end-of-message, headers with their leading
# space (so the original bytes can be rebuilt exactly), no DATA/unknown callbacks
WANTED_PROTOCOL = (
    P_NR_CONN | P_NR_HELO | P_NR_MAIL | P_NR_RCPT | P_NR_HDR | P_NR_EOH | P_NR_BODY
    | P_NR_DATA | P_NR_UNKN | P_NOUNKNOWN | P_NODATA | P_HDR_LEADSPC
)

# command -> protocol flag meaning "do not reply to it"
_NO_REPLY_FLAG = {
    CMD_CONNECT: P_NR_CONN,
    CMD_HELO: P_NR_HELO,
    CMD_MAIL: P_NR_MAIL,
    CMD_RCPT: P_NR_RCPT,
    CMD_HEADER: P_NR_HDR,
    CMD_EOH: P_NR_EOH,
    CMD_BODY: P_NR_BODY,
    CMD_DATA: P_NR_DATA,
    CMD_UNKNOWN: P_NR_UNKN,
}


class ProtocolError(MailwardError):
    """The peer sent something that is not the milter protocol."""


def encode(cmd: bytes, data: bytes = b"") -> bytes:
    """One packet: length (command byte included), command, data."""
    return struct.pack("!I", len(data) + 1) + cmd + data


def cstrings(*values: str | bytes) -> bytes:
    """NUL-terminated strings, as most packet payloads are."""
    out = bytearray()
    for value in values:
        raw = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
        if b"\0" in raw:
            raise ValueError("a milter string cannot contain NUL")
        out += raw + b"\0"
    return bytes(out)


def split_cstrings(data: bytes) -> list[bytes]:
    """The NUL-terminated strings in a payload (a missing final NUL is tolerated)."""
    if not data:
        return []
    if data.endswith(b"\0"):
        data = data[:-1]
    return data.split(b"\0")


# -- replies ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """One packet to send to the MTA."""

    cmd: bytes
    data: bytes = b""

    def packet(self) -> bytes:
        return encode(self.cmd, self.data)


def packets(replies: Iterable[Reply]) -> bytes:
    """The packets of ``replies`` as one write; each reply's data is copied once, into it
    (a megabyte of ``REPLBODY`` chunks is not concatenated twice)."""
    return b"".join([piece for r in replies for piece in (struct.pack("!I", len(r.data) + 1), r.cmd, r.data)])


def add_header(name: str, value: str) -> Reply:
    return Reply(R_ADDHEADER, cstrings(name, value))


def change_header(index: int, name: str, value: str) -> Reply:
    """Change the ``index``-th (1-based) header called ``name``; an empty value deletes it."""
    return Reply(R_CHGHEADER, struct.pack("!I", index) + cstrings(name, value))


def replace_body(body: bytes) -> list[Reply]:
    """The new body in chunks the protocol allows (an empty body is one empty chunk)."""
    if not body:
        return [Reply(R_REPLBODY, b"")]
    return [Reply(R_REPLBODY, body[i : i + MAX_CHUNK]) for i in range(0, len(body), MAX_CHUNK)]


def reply_code(text: str) -> Reply:
    """An SMTP reply such as ``550 5.7.1 rejected``; the MTA uses it with reject/tempfail."""
    return Reply(R_REPLYCODE, cstrings(text))


def quarantine(reason: str) -> Reply:
    return Reply(R_QUARANTINE, cstrings(reason))


ACCEPT = Reply(R_ACCEPT)
CONTINUE = Reply(R_CONTINUE)
TEMPFAIL = Reply(R_TEMPFAIL)
REJECT = Reply(R_REJECT)
DISCARD = Reply(R_DISCARD)


# -- what a connection knows ------------------------------------------------


@dataclass(frozen=True, slots=True)
class WireLimits:
    """What one message may make a connection hold in memory.

    ``max_message_bytes`` counts everything kept for the message: header names and
    values, body, envelope sender and recipients. Macros have their own budget per
    connection and per message. Past a limit nothing more is kept, the message is
    marked ``over_limit`` and the handler refuses it.
    """

    max_message_bytes: int = 64 * 1024 * 1024
    max_headers: int = 10_000
    max_recipients: int = 1_000
    max_macro_bytes: int = 64 * 1024


@dataclass
class MessageState:
    """What the MTA told us about the message in progress."""

    mail_from: str = ""
    mail_args: tuple[str, ...] = ()
    rcpt_to: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)
    macros: dict[str, str] = field(default_factory=dict)
    size: int = 0  # bytes kept: headers, body, envelope
    macro_bytes: int = 0
    over_limit: str = ""  # which limit the message went past, if any

    @property
    def body_too_big(self) -> bool:
        return bool(self.over_limit)


@dataclass
class ConnectionState:
    hostname: str = ""
    family: str = ""
    address: str = ""
    port: int = 0
    helo: str = ""
    macros: dict[str, str] = field(default_factory=dict)
    macro_bytes: int = 0
    over_limit: str = ""  # a connection-level limit (macros): every message on it is refused
    protocol: int = 0  # negotiated protocol flags
    actions: int = 0  # negotiated action flags
    message: MessageState = field(default_factory=MessageState)

    def reset_message(self) -> None:
        self.message = MessageState(macros=dict(self.macros), macro_bytes=self.macro_bytes,
                                    over_limit=self.over_limit)


class MilterHandler(Protocol):
    """What the protocol loop calls: one call per message, at end-of-message."""

    async def end_of_message(self, conn: ConnectionState) -> Iterable[Reply]:
        """Return the modification packets followed by exactly one final reply
        (the refusal when ``conn.message.over_limit`` is set)."""
        ...

    def refusal(self, conn: ConnectionState) -> list[Reply]:
        """The reply that refuses a message past a limit, before its end."""
        ...


# -- the per-connection loop -------------------------------------------------


def negotiate(data: bytes) -> tuple[Reply, int, int]:
    """Answer SMFIC_OPTNEG: agree on version 6 and the intersection of what both offer."""
    if len(data) < 12:
        raise ProtocolError("short option negotiation packet")
    version, mta_actions, mta_protocol = struct.unpack("!III", data[:12])
    if version < 2:
        raise ProtocolError(f"unsupported milter protocol version {version}")
    our_version = min(version, VERSION)
    actions = mta_actions & WANTED_ACTIONS
    protocol = mta_protocol & WANTED_PROTOCOL if our_version >= 6 else 0
    reply = Reply(CMD_OPTNEG, struct.pack("!III", our_version, actions, protocol))
    return reply, actions, protocol


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def parse_connect(data: bytes, conn: ConnectionState) -> None:
    host, _, rest = data.partition(b"\0")
    conn.hostname = _decode(host)
    if not rest:
        return
    family = chr(rest[0])
    conn.family = family
    if family in ("4", "6") and len(rest) >= 3:
        conn.port = struct.unpack("!H", rest[1:3])[0]
        conn.address = _decode(rest[3:].rstrip(b"\0"))
    elif family == "L":
        conn.address = _decode(rest[3:].rstrip(b"\0"))


def parse_macros(data: bytes) -> tuple[str, dict[str, str]]:
    if not data:
        return "", {}
    for_cmd = chr(data[0])
    parts = split_cstrings(data[1:])
    macros = {}
    for i in range(0, len(parts) - 1, 2):
        macros[_decode(parts[i]).strip("{}")] = _decode(parts[i + 1])
    return for_cmd, macros


async def read_packet(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """The next (command, data), or None when the peer closed the connection."""
    try:
        head = await reader.readexactly(4)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise ProtocolError("connection closed inside a packet header") from None
        return None
    (length,) = struct.unpack("!I", head)
    if length < 1 or length > MAX_PACKET:
        raise ProtocolError(f"bad packet length {length}")
    try:
        payload = await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise ProtocolError("connection closed inside a packet") from None
    return payload[:1], payload[1:]


class Session:
    """One connection's protocol state, without I/O: packets in, replies out.

    ``handle`` returns the replies to send at once and whether the packet ended a
    message (the caller then asks the handler for its decision). Whatever the peer
    sends, what the session keeps stays inside ``limits``.
    """

    def __init__(self, limits: WireLimits) -> None:
        self.limits = limits
        self.conn = ConnectionState()

    def handle(self, cmd: bytes, data: bytes) -> tuple[list[Reply], bool]:
        conn = self.conn
        if cmd == CMD_OPTNEG:
            reply, conn.actions, conn.protocol = negotiate(data)
            return [reply], False
        if cmd == CMD_MACRO:
            self._macros(data)
            return [], False
        if cmd == CMD_BODYEOB:
            if data:
                self._collect(CMD_BODY, data)
            return [], True
        if cmd == CMD_ABORT:
            conn.reset_message()
            return [], False
        if cmd == CMD_QUIT_NC:
            self.conn = ConnectionState(protocol=conn.protocol, actions=conn.actions)
            return [], False
        self._collect(cmd, data)
        flag = _NO_REPLY_FLAG.get(cmd)
        if flag is None or not conn.protocol & flag:
            return [CONTINUE], False
        return [], False

    def end_message(self) -> None:
        self.conn.reset_message()

    def _macros(self, data: bytes) -> None:
        conn = self.conn
        for_cmd, macros = parse_macros(data)
        connection_level = for_cmd in ("C", "H")
        if connection_level:
            conn.macro_bytes += len(data)
            if conn.macro_bytes > self.limits.max_macro_bytes:
                conn.over_limit = conn.message.over_limit = f"macros over {self.limits.max_macro_bytes} bytes"
                return
            conn.macros.update(macros)
        message = conn.message
        message.macro_bytes += len(data)
        if message.macro_bytes > self.limits.max_macro_bytes:
            message.over_limit = message.over_limit or f"macros over {self.limits.max_macro_bytes} bytes"
            return
        message.macros.update(macros)

    def _keep(self, size: int) -> bool:
        """Account ``size`` more bytes for the message; False (and marked) past the limit."""
        message = self.conn.message
        if message.over_limit:
            return False
        if message.size + size > self.limits.max_message_bytes:
            message.over_limit = f"message larger than {self.limits.max_message_bytes} bytes"
            message.body.clear()
            message.headers.clear()
            return False
        message.size += size
        return True

    def _collect(self, cmd: bytes, data: bytes) -> None:
        conn, message = self.conn, self.conn.message
        if cmd == CMD_BODY:
            if self._keep(len(data)):
                message.body += data
        elif cmd == CMD_HEADER:
            if len(message.headers) >= self.limits.max_headers and not message.over_limit:
                message.over_limit = f"more than {self.limits.max_headers} header fields"
                message.headers.clear()
                message.body.clear()
            if self._keep(len(data) + 3):  # ": " and CRLF less the two NULs
                parts = split_cstrings(data)
                name = _decode(parts[0]) if parts else ""
                value = _decode(parts[1]) if len(parts) > 1 else ""
                message.headers.append((name, value))
        elif cmd == CMD_RCPT:
            if len(message.rcpt_to) >= self.limits.max_recipients and not message.over_limit:
                message.over_limit = f"more than {self.limits.max_recipients} recipients"
            parts = split_cstrings(data)
            if parts and self._keep(len(parts[0])):
                message.rcpt_to.append(_decode(parts[0]))
        elif cmd == CMD_MAIL:
            parts = split_cstrings(data)
            if parts and self._keep(len(data)):
                message.mail_from = _decode(parts[0])
                message.mail_args = tuple(_decode(p) for p in parts[1:])
        elif cmd == CMD_CONNECT:
            parse_connect(data[:4096], conn)
        elif cmd == CMD_HELO:
            parts = split_cstrings(data[:4096])
            conn.helo = _decode(parts[0]) if parts else ""


def iter_packets(buffer: bytes) -> Iterator[tuple[bytes, bytes]]:
    """The packets in ``buffer`` (framing only, no I/O); ProtocolError on a bad length."""
    at = 0
    while at < len(buffer):
        if len(buffer) - at < 4:
            raise ProtocolError("connection closed inside a packet header")
        (length,) = struct.unpack("!I", buffer[at : at + 4])
        if length < 1 or length > MAX_PACKET:
            raise ProtocolError(f"bad packet length {length}")
        if len(buffer) - at - 4 < length:
            raise ProtocolError("connection closed inside a packet")
        payload = buffer[at + 4 : at + 4 + length]
        at += 4 + length
        yield payload[:1], payload[1:]


async def serve_connection(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    handler: MilterHandler,
    *,
    limits: WireLimits | None = None,
) -> None:
    """Run one MTA connection until QUIT or close. Protocol errors close the connection.

    A message past a limit is refused at the first step where the MTA waits for an
    answer (at once when it did not negotiate the no-reply flags, else at
    end-of-message); until then whatever it sends is read and dropped.
    """
    session = Session(limits or WireLimits())
    quickack = _quickack_setter(writer)

    def send(replies: Iterable[Reply]) -> None:
        writer.write(packets(replies))

    try:
        while True:
            packet = await read_packet(reader)
            if packet is None:
                return
            quickack()
            cmd, data = packet
            if cmd == CMD_QUIT:
                return
            replies, ended = session.handle(cmd, data)
            if ended:
                send(await handler.end_of_message(session.conn))  # over a limit: the handler refuses
                session.end_message()
            elif replies and replies[0] is CONTINUE and session.conn.message.over_limit:
                send(handler.refusal(session.conn))
            else:
                send(replies)
            await writer.drain()
    except (ProtocolError, ConnectionError):
        return
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


def _quickack_setter(writer: asyncio.StreamWriter) -> Callable[[], None]:
    """Keep TCP acknowledging at once on this connection (Linux TCP_QUICKACK).

    The MTA sends many small packets we never answer (macros, and every step when
    no-reply flags are negotiated). With delayed ACKs here and Nagle's algorithm on
    the MTA side, each such gap stalls for ~40 ms. Linux leaves quick-ack mode by
    itself, so it is set again after every packet read.
    """
    sock = writer.get_extra_info("socket")
    option = getattr(socket, "TCP_QUICKACK", None)
    if sock is None or option is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return lambda: None

    def set_quickack() -> None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, option, 1)
        except OSError:
            pass

    return set_quickack


def rebuild_message(headers: list[tuple[str, str]], body: bytes | bytearray, leading_space: bool) -> bytes:
    """The message bytes as the MTA holds them: headers, blank line, body, CRLF line ends.

    With ``P_HDR_LEADSPC`` negotiated the value keeps the space after the colon, so
    the header block comes back byte for byte; without it one space is assumed. The
    body (the connection's buffer) is copied once, into the result.
    """
    out = bytearray()
    for name, value in headers:
        raw = value.encode("utf-8", "surrogateescape")
        raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        out += name.encode("utf-8", "surrogateescape") + b":"
        if not leading_space and raw:
            out += b" "
        out += raw + b"\r\n"
    out += b"\r\n"
    return b"".join((out, body))
