"""Write the milter fuzz target's seed corpus: packet streams as Postfix sends them.

    python fuzz/seed_milter.py fuzz/corpus-milter
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from mailward.gateway import protocol as p  # noqa: E402

OPTNEG = p.encode(p.CMD_OPTNEG, struct.pack("!III", 6, 0x1FF, 0x1FFFFF))
CONNECT = (
    p.encode(p.CMD_MACRO, b"C" + p.cstrings("j", "mx.test.local", "{daemon_name}", "smtpd"))
    + p.encode(p.CMD_CONNECT, p.cstrings("client.example.org") + b"4" + struct.pack("!H", 40000) + p.cstrings("192.0.2.7"))
    + p.encode(p.CMD_HELO, p.cstrings("client.example.org"))
)


def message(headers: list[tuple[str, str]], body: bytes, rcpts: int = 1) -> bytes:
    out = p.encode(p.CMD_MAIL, p.cstrings("<a@example.org>", "SIZE=100"))
    out += b"".join(p.encode(p.CMD_RCPT, p.cstrings(f"<r{n}@test.local>")) for n in range(rcpts))
    out += b"".join(p.encode(p.CMD_HEADER, p.cstrings(name, value)) for name, value in headers)
    out += p.encode(p.CMD_EOH) + p.encode(p.CMD_BODY, body)
    return out + p.encode(p.CMD_MACRO, b"E" + p.cstrings("i", "ABC123")) + p.encode(p.CMD_BODYEOB)


SEEDS = {
    "plain": OPTNEG + CONNECT + message([("From", " a@example.org"), ("Subject", " hi")], b"hello\r\n")
    + p.encode(p.CMD_QUIT),
    "two-messages": OPTNEG + CONNECT + message([("Subject", " one")], b"1\r\n")
    + message([("Subject", " two\n\tfolded")], b"2\r\n", rcpts=3),
    "abort": OPTNEG + CONNECT + p.encode(p.CMD_MAIL, p.cstrings("<>")) + p.encode(p.CMD_ABORT)
    + message([("X", "")], b""),
    "quit-nc": OPTNEG + CONNECT + message([("A", " b")], b"x") + p.encode(p.CMD_QUIT_NC) + CONNECT,
    "many-rcpts": OPTNEG + message([("S", " s")], b"b", rcpts=60),
    "old-version": p.encode(p.CMD_OPTNEG, struct.pack("!III", 2, 1, 0)) + message([("S", " s")], b"b"),
    "unix-connect": OPTNEG + p.encode(p.CMD_CONNECT, p.cstrings("localhost") + b"L\0\0/run/x.sock\0"),
    "eob-with-data": OPTNEG + p.encode(p.CMD_MAIL, p.cstrings("<a@b>")) + p.encode(p.CMD_BODYEOB, b"tail"),
}


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, data in SEEDS.items():
        (out / name).write_bytes(data)
    print(f"{len(SEEDS)} seeds in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus-milter"))
