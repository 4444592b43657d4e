"""The milter fuzz target's corpus (fuzz/corpus-milter, kept in the repository) replayed
through the protocol decoder: no exception but ProtocolError, nothing past the limits.
Inputs the fuzzer found crashing are added there and replayed here forever."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailward.gateway import protocol as p

CORPUS = Path(__file__).resolve().parents[2] / "fuzz" / "corpus-milter"
LIMITS = p.WireLimits(max_message_bytes=64 * 1024, max_headers=200, max_recipients=50, max_macro_bytes=4096)


@pytest.mark.parametrize("path", sorted(CORPUS.iterdir()), ids=lambda path: path.name)
def test_corpus_input_decodes_within_limits(path: Path) -> None:
    session = p.Session(LIMITS)
    messages = 0
    try:
        for cmd, payload in p.iter_packets(path.read_bytes()):
            _replies, ended = session.handle(cmd, payload)
            message = session.conn.message
            assert len(message.headers) <= LIMITS.max_headers and len(message.rcpt_to) <= LIMITS.max_recipients
            assert len(message.body) <= LIMITS.max_message_bytes
            if ended:
                messages += 1
                if not message.over_limit:
                    p.rebuild_message(message.headers, bytes(message.body), True)
                session.end_message()
    except p.ProtocolError:
        return
    assert messages >= 0


def test_the_corpus_is_there_and_small() -> None:
    files = list(CORPUS.iterdir())
    assert len(files) >= 8
    assert sum(f.stat().st_size for f in files) < 512 * 1024
