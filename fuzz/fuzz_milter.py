"""atheris fuzz target over the milter protocol decoder: framing, negotiation, macros,
connect/helo/mail/rcpt/header/body packets and the rebuilt message.

    python fuzz/fuzz_milter.py -max_total_time=60 fuzz/corpus-milter

The input is a stream of milter packets as an MTA would send them. The decoder may
refuse it (``ProtocolError``: the connection is closed), anything else is a bug, and
so is a message that keeps more than its limits allow. The seed corpus is
``fuzz/corpus-milter`` (kept in the repository, written by ``fuzz/seed_milter.py``).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from mailward.gateway import protocol as p

LIMITS = p.WireLimits(max_message_bytes=64 * 1024, max_headers=200, max_recipients=50, max_macro_bytes=4096)


def _check(session: p.Session) -> None:
    message = session.conn.message
    kept = len(message.body) + sum(len(n) + len(v) for n, v in message.headers) + sum(map(len, message.rcpt_to))
    if kept > LIMITS.max_message_bytes + 1:  # lossless decode can only shrink: bytes >= characters
        raise AssertionError(f"message keeps {kept} bytes")
    if len(message.headers) > LIMITS.max_headers or len(message.rcpt_to) > LIMITS.max_recipients:
        raise AssertionError("more header fields or recipients than the limits")
    if message.macro_bytes <= LIMITS.max_macro_bytes:
        return
    if not message.over_limit:
        raise AssertionError("macros past the limit without over_limit")


def one_input(data: bytes) -> None:
    session = p.Session(LIMITS)
    try:
        for cmd, payload in p.iter_packets(data):
            _replies, ended = session.handle(cmd, payload)
            _check(session)
            if ended:
                conn = session.conn
                if not conn.message.over_limit:
                    raw = p.rebuild_message(conn.message.headers, bytes(conn.message.body),
                                            bool(conn.protocol & p.P_HDR_LEADSPC))
                    if len(raw) > 2 * LIMITS.max_message_bytes + 4 * LIMITS.max_headers + 2:
                        raise AssertionError(f"rebuilt message of {len(raw)} bytes")
                session.end_message()
    except p.ProtocolError:
        return


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
