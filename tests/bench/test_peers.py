"""The peer clients, set loading and the CPU accounting used by the benchmarks."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest

from mailward.evaluate import PeerCache, Tally, render_table
from mailward.evaluate.peers import (
    PeerResult,
    Rspamd,
    Spamd,
    check_many,
    parse_spamd_reply,
    process_tree,
    tree_cpu_seconds,
    tree_rss_bytes,
)
from mailward.evaluate.sets import SetError, labelled_sets, parse_set_arg

MESSAGE = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nhello\r\n"


def test_spamd_reply_parsing() -> None:
    spam = parse_spamd_reply(b"SPAMD/1.1 0 EX_OK\r\nContent-length: 20\r\nSpam: True ; 7.3 / 5.0\r\n\r\nHTML_MESSAGE,URIBL_X")
    assert spam.flagged and spam.score == 7.3 and spam.symbols == ("HTML_MESSAGE", "URIBL_X")
    assert spam.category == "spam (>=5)"
    ham = parse_spamd_reply(b"SPAMD/1.1 0 EX_OK\r\nSpam: False ; 4.9 / 5.0\r\n\r\n")
    assert not ham.flagged and ham.score == 4.9 and ham.symbols == ()
    # flagged is score >= 5 whatever the daemon's own threshold says
    custom = parse_spamd_reply(b"SPAMD/1.1 0 EX_OK\r\nSpam: False ; 5.0 / 8.0\r\n\r\n")
    assert custom.flagged
    bad = parse_spamd_reply(b"SPAMD/1.0 76 Bad header line\r\n\r\n")
    assert bad.error and not bad.flagged
    assert parse_spamd_reply(b"HTTP/1.1 200 OK\r\n\r\n").error == "not a spamd reply"


class _FakeRspamd(http.server.BaseHTTPRequestHandler):
    bodies: ClassVar[list[bytes]] = []

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"pong\r\n")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _FakeRspamd.bodies.append(body)
        action = "reject" if b"evil" in body else "no action"
        reply = {"action": action, "score": 16.0 if action == "reject" else 1.0, "symbols": {"B": {}, "A": {}}}
        data = json.dumps(reply).encode()
        self.send_response(200 if self.path == "/checkv2" else 404)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_rspamd_client_speaks_checkv2() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeRspamd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        peer = Rspamd(f"127.0.0.1:{server.server_address[1]}")
        assert peer.reachable() == ""
        items = [(i, MESSAGE + (b"evil" if i % 2 else b"")) for i in range(10)]
        results = list(check_many(peer, items, concurrency=3))
        assert [k for k, _ in results] == list(range(10))  # input order kept
        assert [r.flagged for _, r in results] == [bool(i % 2) for i in range(10)]
        assert results[1][1].category == "reject" and results[1][1].symbols == ("A", "B")
        assert set(_FakeRspamd.bodies) == {data for _, data in items}
    finally:
        server.shutdown()
        server.server_close()


def test_unreachable_peers_report_errors_not_exceptions() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # nothing listens on port now
    for peer in (Rspamd(f"127.0.0.1:{port}", timeout=2), Spamd(f"127.0.0.1:{port}", timeout=2)):
        assert "not reachable" in peer.reachable()
        result = peer.check(MESSAGE)
        assert result.error.startswith("connection") and not result.flagged


def test_spamd_client_speaks_spamc() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
            seen.append(data)
            conn.sendall(b"SPAMD/1.1 0 EX_OK\r\nContent-length: 5\r\nSpam: True ; 12.5 / 5.0\r\n\r\nRULE1")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    result = Spamd(f"127.0.0.1:{listener.getsockname()[1]}").check(MESSAGE)
    thread.join(5)
    listener.close()
    assert seen[0] == f"SYMBOLS SPAMC/1.5\r\nContent-length: {len(MESSAGE)}\r\n\r\n".encode() + MESSAGE
    assert result == PeerResult("spamassassin", True, "spam (>=5)", 12.5, ("RULE1",))


def test_process_tree_cpu_and_rss() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time\nx=0\nt=time.process_time()\nwhile time.process_time()-t<0.3: x+=1\ntime.sleep(30)"])
    try:
        time.sleep(0.1)
        assert child.pid in process_tree(os.getpid())
        deadline = time.monotonic() + 10
        while tree_cpu_seconds(child.pid) < 0.25 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert 0.25 <= tree_cpu_seconds(child.pid) < 5
        assert tree_cpu_seconds(os.getpid()) >= tree_cpu_seconds(child.pid)
        assert tree_rss_bytes(child.pid) > 1_000_000
    finally:
        child.kill()
        child.wait()


def test_peer_cache_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "rspamd.jsonl"
    cache = PeerCache(path)
    good = PeerResult("rspamd", True, "reject", 15.5, ("X",))
    cache.put("k1", good)
    cache.put("k2", PeerResult("rspamd", False, "error", error="HTTP 500"))
    cache.close()
    with path.open("a") as f:
        f.write('{"key": "k3", "res')  # a torn line from an interrupted run
    again = PeerCache(path)
    assert again.get("k1") == good
    assert again.get("k2") is None  # failures are not cached
    assert again.get("k3") is None


def test_set_arguments(tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(MESSAGE)
    (tmp_path / "b.eml").write_bytes(MESSAGE)
    [one] = parse_set_arg(f"{tmp_path}:ham")
    assert one.label == "ham" and one.path == tmp_path and one.members is None
    with pytest.raises(SetError, match="give a label"):
        parse_set_arg(str(tmp_path))
    with pytest.raises(SetError, match="no such file"):
        parse_set_arg(f"{tmp_path}/missing:ham")
    (tmp_path / "labels.jsonl").write_text(
        json.dumps({"file": "a.eml", "label": "recon"}) + "\n" + json.dumps({"path": "b.eml", "label": "clean"}) + "\n"
    )
    sets = parse_set_arg(str(tmp_path))
    assert [(s.label, s.members) for s in sets] == [("clean", (tmp_path / "b.eml",)), ("recon", (tmp_path / "a.eml",))]
    (tmp_path / "labels.jsonl").write_text('{"file": "nope.eml", "label": "x"}\n')
    with pytest.raises(SetError, match="does not exist"):
        labelled_sets(tmp_path)


def test_table_shows_every_tool_and_rate() -> None:
    mw = Tally("mailward", messages=4, flagged=1, trackers=2)
    mw.categories.update({"clean": 2, "tracking": 1, "phishing": 1})
    report = {
        "peers": {"rspamd": {"version": "", "error": "rspamd not reachable"}},
        "sets": [{"name": "s", "label": "ham", "goal": "flag < 1%", "path": "/x",
                  "tools": [mw.to_json(), Tally("rspamd", note="rspamd not reachable").to_json()]}],
    }
    text = render_table(report)
    assert "1 (25.0%)" in text and "2 (50.0%)" in text
    assert "not run: rspamd not reachable" in text
    assert "clean 2" in text and "goal: flag < 1%" in text
