"""Alerts: each channel against a real local receiver on 127.0.0.1, retries with
backoff, and a queue that never blocks the caller."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import socket
import socketserver
import threading
import time
from email import message_from_bytes, policy

import pytest

from mailward.alerts.channels import (
    DeliveryError,
    EmailChannel,
    SyslogChannel,
    WebhookChannel,
    channels_from_config,
    syslog_line,
    webhook_payload,
)
from mailward.alerts.dispatch import AlertDispatcher, send_events
from mailward.alerts.events import CampaignEvent, diff
from mailward.alerts.smtp import SmtpRelay
from mailward.config import Config, ConfigError
from tests.web.smtp_sink import SmtpSink

EVENT = CampaignEvent("found", "C0123456789a", 'Reuters "World" News | desk=1', "recon", 3, 2, 3,
                      dt.datetime(2021, 1, 4, tzinfo=dt.UTC), dt.datetime(2021, 1, 5, tzinfo=dt.UTC))


class _Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        server = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server.got.append((self.headers.get("Content-Type"), self.headers.get("X-Token"), json.loads(body)))  # type: ignore[attr-defined]
        status = 500 if server.failures > 0 else 200  # type: ignore[attr-defined]
        server.failures -= 1  # type: ignore[attr-defined]
        self.send_response(status)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def webhook():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.got, server.failures = [], 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_webhook_json_slack_and_teams(webhook):
    url = f"http://127.0.0.1:{webhook.server_address[1]}/hook"
    for fmt in ("json", "slack", "teams"):
        WebhookChannel(url, fmt, {"X-Token": "s3"}).send(EVENT)
    (ctype, token, plain), (_, _, slack), (_, _, teams) = webhook.got
    assert ctype == "application/json" and token == "s3"
    assert plain["event"] == "campaign_found" and plain["campaign"] == "C0123456789a" and plain["targets"] == 2
    assert slack["text"] == EVENT.title and slack["blocks"][0]["type"] == "header"
    assert teams["@type"] == "MessageCard" and {"name": "Verdict", "value": "recon"} in teams["sections"][0]["facts"]


def test_webhook_retried_with_backoff_until_accepted(webhook):
    webhook.failures = 2
    sleeps: list[float] = []
    url = f"http://127.0.0.1:{webhook.server_address[1]}/hook"
    dispatcher = AlertDispatcher([WebhookChannel(url)], retries=4, backoff=0.5, sleep=sleeps.append)
    dispatcher.submit(EVENT)
    assert dispatcher.flush(20)
    assert len(webhook.got) == 3 and sleeps == [0.5, 1.0]  # doubled after each failure
    assert dispatcher.stats.delivered == 1 and dispatcher.stats.log[0].attempts == 3


def test_webhook_gives_up_after_retries(webhook):
    webhook.failures = 100
    url = f"http://127.0.0.1:{webhook.server_address[1]}/hook"
    dispatcher = AlertDispatcher([WebhookChannel(url)], retries=2, backoff=0.0)
    dispatcher.submit(EVENT)
    assert dispatcher.flush(20)
    assert len(webhook.got) == 3 and dispatcher.stats.failed == 1
    assert "HTTP 500" in dispatcher.stats.log[0].error


def test_syslog_udp_rfc5424_and_cef():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(10)
        port = sock.getsockname()[1]
        SyslogChannel("127.0.0.1", port, "udp", "rfc5424", "local4").send(EVENT)
        plain = sock.recv(65535)
        SyslogChannel("127.0.0.1", port, "udp", "cef").send(EVENT)
        cef = sock.recv(65535)
    # <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] BOM MSG; local4 (20) * 8 + warning (4) = 164
    head, _, rest = plain.partition(b" [mailward@32473 ")
    fields = head.decode().split(" ")
    assert fields[0] == "<164>1" and fields[1].endswith("Z") and fields[3] == "mailward" and fields[5] == "CAMPAIGN_FOUND"
    sd, _, msg = rest.partition(b"] \xef\xbb\xbf")
    assert b'campaign="C0123456789a"' in sd and b'targets="2"' in sd
    assert msg.decode() == EVENT.title
    cef_msg = cef.partition(b"\xef\xbb\xbf")[2].decode()
    assert cef_msg.startswith("CEF:0|mailward|mailward|")
    assert "|campaign_found|Campaign found|7|" in cef_msg
    assert "cs1=C0123456789a" in cef_msg and "cs2=Reuters \"World\" News | desk\\=1" in cef_msg


def test_syslog_tcp_octet_counting():
    got: list[bytes] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            got.append(self.rfile.read())

    server = socketserver.TCPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    SyslogChannel("127.0.0.1", server.server_address[1], "tcp").send(EVENT)
    thread.join(10)
    server.server_close()
    length, _, frame = got[0].partition(b" ")
    assert int(length) == len(frame) and frame.startswith(b"<")
    with pytest.raises(DeliveryError, match="syslog tcp"):
        SyslogChannel("127.0.0.1", server.server_address[1], "tcp", timeout=2).send(EVENT)


def test_email_through_the_smtp_relay():
    sink = SmtpSink()
    try:
        channel = EmailChannel(SmtpRelay(port=sink.port), "mailward@parliament.example", ["soc@parliament.example"])
        channel.send(EVENT)
    finally:
        sink.stop()
    sender, rcpts, data = sink.received[0]
    assert "mailward@parliament.example" in sender and rcpts == ("<soc@parliament.example>",)
    msg = message_from_bytes(data, policy=policy.default)
    assert msg["Subject"] == EVENT.title and msg["Auto-Submitted"] == "auto-generated"
    assert "mailward notify C0123456789a" in msg.get_content()


def test_submit_never_blocks_and_the_queue_is_bounded():
    release = threading.Event()

    class Stuck:
        name = "stuck"
        calls = 0

        def send(self, event: CampaignEvent) -> None:
            Stuck.calls += 1
            release.wait(30)

    dispatcher = AlertDispatcher([Stuck()], queue_size=3, retries=0)
    began = time.perf_counter()
    for _ in range(50):
        dispatcher.submit(EVENT)
    assert time.perf_counter() - began < 0.5  # the receiver hangs; the caller does not
    assert dispatcher.stats.dropped >= 46  # at most one in flight and three waiting
    release.set()
    assert dispatcher.flush(20)
    assert Stuck.calls <= 4


def test_config_builds_channels_and_refuses_nonsense(webhook):
    sink = SmtpSink()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(10)
        config = Config({
            "alerts": {
                "webhook": [{"url": f"http://127.0.0.1:{webhook.server_address[1]}/", "format": "slack"}],
                "syslog": [{"host": "127.0.0.1", "port": sock.getsockname()[1], "format": "cef"}],
                "email": [{"from": "mailward@parliament.example", "to": "soc@parliament.example"}],
                "flush_seconds": 20,
            },
            "smtp": {"host": "127.0.0.1", "port": sink.port},
        })
        assert [c.name for c in channels_from_config(config)] == ["webhook1", "syslog1", "email1"]
        dispatcher = send_events([EVENT], config)
        assert dispatcher is not None and dispatcher.stats.delivered == 3
        assert sock.recv(65535).partition(b"\xef\xbb\xbf")[2].startswith(b"CEF:0|")
    sink.stop()
    assert webhook.got[0][2]["text"] == EVENT.title and len(sink.received) == 1
    with pytest.raises(ConfigError):
        channels_from_config(Config({"alerts": {"webhook": {"url": "ftp://x", "format": "json"}}}))
    with pytest.raises(ConfigError):
        channels_from_config(Config({"alerts": {"syslog": {"protocol": "carrier-pigeon"}}}))
    assert send_events([EVENT], Config()) is None  # nothing configured: nothing to do


def test_events_found_and_grown():
    class C:
        def __init__(self, cid: str, n: int) -> None:
            self.id, self.name, self.verdict, self.message_count, self.target_count = cid, cid, "recon", n, n
            self.first_seen = self.last_seen = None

    before = {"A": frozenset({1, 2}), "B": frozenset({5})}
    after = {"A": frozenset({1, 2, 3}), "B": frozenset({5}), "Z": frozenset({9}), "Y": frozenset({0, 1, 2})}
    events = diff(before, {"A": after["A"], "B": after["B"], "Z": after["Z"]}, {k: C(k, len(v)) for k, v in after.items()})
    assert [(e.kind, e.campaign_id, e.new_messages) for e in events] == [("grown", "A", 1), ("found", "Z", 1)]
    # an earlier message renames the campaign: still "grown", with the old id
    renamed = diff(before, {"Y": after["Y"]}, {"Y": C("Y", 3)})
    assert [(e.kind, e.previous_id, e.new_messages) for e in renamed] == [("grown", "A", 1)]


def test_payload_and_line_are_stable():
    assert webhook_payload(EVENT)["source"] == "mailward"
    line = syslog_line(EVENT, hostname="gw", now=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    assert line.startswith(b"<132>1 2026-01-02T03:04:05.000Z gw mailward ")


def test_retro_match_alerts_the_campaign_it_found(webhook, tmp_path):
    from mailward.share.intel import FeedIndicator, add_indicators
    from mailward.share.retromatch import rematch
    from mailward.store import open_store

    from .retro_helpers import store_messages
    from .test_retromatch import BENIGN, TARGETS, lure_text

    config = Config({"alerts": {"webhook": {"url": f"http://127.0.0.1:{webhook.server_address[1]}/"},
                                "flush_seconds": 20}})
    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        store_messages(store, [lure_text(t, i) for i, t in enumerate(TARGETS)] + [BENIGN])
        add_indicators(store, [FeedIndicator("domain", "reuters-newsdesk.example", 90, None, "")], source="peer")
        report = rematch(store, config)
    assert [e.kind for e in report.events] == ["found"]
    assert [g[2]["event"] for g in webhook.got] == ["campaign_found"]
    assert webhook.got[0][2]["messages"] == 3 and webhook.got[0][2]["targets"] == 3
