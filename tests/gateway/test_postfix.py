"""The gateway in a real mail flow: a private Postfix on 127.0.0.1 hands every message
to ``mailward milter``; the tests talk SMTP and read the delivered Maildir files,
the quarantine and the SMTP replies.

The milter runs ``tests.gateway.fake_scanner:PinnedScanner``: the real scanner, with
the verdict pinned by an ``X-Test-Verdict`` header so that every gateway action is
exercised whatever the detection rules decide today. ``test_real_verdicts_*`` runs
without pinning and checks the gateway applies whatever the real scan says.
"""

from __future__ import annotations

import concurrent.futures
import email
import json
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailward.gateway.quarantine import FileQuarantine

from . import messages as M
from .postfix_instance import REPO, Milter, PrivatePostfix, free_port, write_milter_config

pytestmark = pytest.mark.integration


@dataclass
class Flow:
    root: Path
    postfix: PrivatePostfix
    milter: Milter
    config: Path

    @property
    def store(self) -> FileQuarantine:
        return FileQuarantine(self.root / "quarantine")

    def send(self, raw: bytes, rcpts: tuple[str, ...] = ("alice@test.local",),
             sender: str = "sender@example.org") -> tuple[int, str]:
        """(SMTP code of the final reply to DATA, its text)."""
        with smtplib.SMTP("127.0.0.1", self.postfix.smtp_port, timeout=60) as smtp:
            try:
                smtp.sendmail(sender, list(rcpts), raw)
            except smtplib.SMTPDataError as exc:
                return exc.smtp_code, exc.smtp_error.decode(errors="replace")
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()))
                return code, text.decode(errors="replace")
            except smtplib.SMTPSenderRefused as exc:
                return exc.smtp_code, exc.smtp_error.decode(errors="replace")
        return 250, ""

    def find_delivered(self, user: str, token: str, timeout: float = 20) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for raw in self.postfix.delivered(user):
                if token.encode() in raw:
                    msg = email.message_from_bytes(raw, policy=policy.default)
                    assert isinstance(msg, EmailMessage)
                    return msg
            time.sleep(0.05)
        raise AssertionError(f"message {token} not delivered to {user}; maillog:\n{self.maillog()[-2000:]}")

    def delivered_raw(self, user: str, token: str) -> bytes:
        self.find_delivered(user, token)
        return next(r for r in self.postfix.delivered(user) if token.encode() in r)

    def is_delivered(self, user: str, token: str) -> bool:
        return any(token.encode() in raw for raw in self.postfix.delivered(user))

    def entry_for(self, token: str) -> list:  # type: ignore[type-arg]
        return [e for e in self.store.entries() if token in e.message_id]

    def maillog(self) -> str:
        return self.postfix.maillog.read_text() if self.postfix.maillog.exists() else ""

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", "from mailward.cli import main; main()", *args,
                               "--config", str(self.config)], capture_output=True, text=True, cwd=REPO, check=False,
                              timeout=60)


def _start_flow(root: Path, **gateway: object) -> Flow:
    root.mkdir(parents=True, exist_ok=True)
    milter_port = free_port()
    postfix = PrivatePostfix(milter_port=milter_port)
    postfix.start()
    config = root / "mailward.toml"
    write_milter_config(config, root, postfix.release_port, **gateway)
    milter = Milter(config, milter_port, root / "milter.log")
    try:
        milter.start()
    except Exception:
        postfix.stop()
        raise
    return Flow(root, postfix, milter, config)


def _stop_flow(flow: Flow) -> None:
    flow.milter.stop()
    flow.postfix.stop()


@pytest.fixture(scope="session")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    started = _start_flow(tmp_path_factory.mktemp("gateway"))
    try:
        yield started
    finally:
        _stop_flow(started)


def _html(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def _text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_benign_message_is_delivered_unchanged_with_verdict_headers(flow: Flow) -> None:
    token, raw = M.benign(extra={"X-Mailward-Verdict": "clean", "X-Mailward-Findings": "forged",
                                 "Disposition-Notification-To": "colleague@example.org"})
    # more forgeries, in other spellings and between other headers
    raw = raw.replace(b"\r\nSubject:", b"\r\nx-mailward-verdict: forged-lower\r\nX-MAILWARD-SCORE: -100\r\nSubject:", 1)
    raw = raw.replace(b"\r\nTo:", b"\r\nX-MAILWARD-Verdict: forged-upper\r\nTo:", 1)
    assert flow.send(raw) == (250, "")
    delivered = flow.delivered_raw("alice", token)
    msg = email.message_from_bytes(delivered, policy=policy.default)
    assert msg.get_all("X-Mailward-Verdict") == ["clean"]  # the forged copy is gone
    assert b"\nX-Mailward-Verdict: clean\n" in delivered  # one space after the colon, as usual
    assert "forged" not in (msg.get_all("X-Mailward-Findings") or [])
    assert len(msg.get_all("X-Mailward-Score") or []) == 1 and msg["X-Mailward-Score"] != "-100"
    assert b"forged" not in delivered
    # the body is byte for byte what was sent
    assert delivered.replace(b"\r\n", b"\n").endswith(raw.split(b"\r\n\r\n", 1)[1].replace(b"\r\n", b"\n"))
    assert not flow.entry_for(token)  # nothing rewritten, nothing stored
    assert msg["Disposition-Notification-To"] == "colleague@example.org"  # delivered: no header is taken out


def test_tracked_newsletter_is_defused_and_original_kept(flow: Flow) -> None:
    token, raw = M.newsletter(extra={"Disposition-Notification-To": "<desk@elsewhere.example>"})
    assert flow.send(raw) == (250, "")
    msg = flow.find_delivered("alice", token)
    assert msg["X-Mailward-Verdict"] == "tracking"
    assert msg["X-Mailward-Action"] == "defuse"
    assert msg["Disposition-Notification-To"] is None  # defused: the read-receipt request went too
    html = _html(msg)
    text = _text(msg)
    assert M.PIXEL not in html and "tracking/open" not in html
    assert M.REMOTE_IMG not in html
    assert "fonts.example-cdn.net" not in html and "@import" not in html
    assert "cdn.example-news.org/bg.png" not in html
    assert M.CLICK_DEST in html and M.CLICK not in html  # the redirector is gone
    assert "data-mailward-banner" in html and "mailward" in text.splitlines()[0]
    assert "removed a hidden tracking image" in html and "Elastic Email" in html and "your IP address" in html
    # the stored original is exactly what the sender sent
    [entry] = flow.entry_for(token)
    assert entry.status == "delivered" and entry.action == "defuse"
    assert flow.store.get_bytes(entry.sha256) == raw
    assert msg["X-Mailward-Quarantine-Id"] == entry.id
    # the defused copy can be sent again, to someone else, through the release hop: confirmed only
    refused = flow.cli("quarantine", "release", entry.id, "--defused", "--to", "bob@test.local")
    assert refused.returncode == 1 and "recorded recipients" in refused.stderr
    released = flow.cli("quarantine", "release", entry.id, "--defused", "--to", "bob@test.local",
                        "--confirm-other-recipients")
    assert released.returncode == 0, released.stderr
    again = flow.delivered_raw("bob", token)
    assert b"tracking/open" not in again and b"data-mailward-banner" in again
    assert again.endswith(flow.store.get_bytes(entry.defused_sha256).split(b"\r\n\r\n", 1)[1].replace(b"\r\n", b"\n"))


def test_recon_lure_is_quarantined_not_delivered(flow: Flow) -> None:
    token, raw = M.recon_lure(to="bob@test.local")
    assert flow.send(raw, rcpts=("bob@test.local",)) == (250, "")
    deadline = time.monotonic() + 10
    while not flow.entry_for(token) and time.monotonic() < deadline:
        time.sleep(0.05)
    [entry] = flow.entry_for(token)
    assert entry.status == "held" and entry.verdict == "recon"
    assert entry.rcpt_to == ("bob@test.local",)
    assert flow.store.get_bytes(entry.sha256) == raw
    time.sleep(1)
    assert not flow.is_delivered("bob", token)


def test_phishing_is_quarantined_and_release_delivers_the_original(flow: Flow) -> None:
    token, raw = M.phishing(to="carol@test.local")
    assert flow.send(raw, rcpts=("carol@test.local",)) == (250, "")
    deadline = time.monotonic() + 10
    while not flow.entry_for(token) and time.monotonic() < deadline:
        time.sleep(0.05)
    [entry] = flow.entry_for(token)
    assert entry.verdict == "phishing" and entry.status == "held"
    listed = flow.cli("quarantine", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert entry.id in listed.stdout
    shown = flow.cli("quarantine", "show", entry.id)
    assert json.loads(shown.stdout)["sha256"] == entry.sha256
    released = flow.cli("quarantine", "release", entry.id)
    assert released.returncode == 0, released.stderr
    delivered = flow.delivered_raw("carol", token)
    # released through the milter-free next hop: the original body, no verdict headers
    assert b"X-Mailward-Verdict" not in delivered
    assert delivered.replace(b"\r\n", b"\n").endswith(raw.split(b"\r\n\r\n", 1)[1].replace(b"\r\n", b"\n"))
    assert flow.store.get(entry.id).status == "released"
    events = [json.loads(line) for line in (flow.root / "audit.jsonl").read_text().splitlines()]
    assert any(e["event"] == "released" and e["id"] == entry.id for e in events)
    deleted = flow.cli("quarantine", "delete", "--yes", entry.id)
    assert deleted.returncode == 0, deleted.stderr
    assert not flow.entry_for(token)


def test_malicious_is_rejected_with_a_clear_reply(flow: Flow) -> None:
    token, raw = M.phishing(pinned="malicious")
    code, text = flow.send(raw)
    assert code == 550
    assert "5.7.1" in text and "refused by mailward" in text
    assert not flow.is_delivered("alice", token)


def test_scanner_error_tempfails(flow: Flow) -> None:
    token, raw = M.benign(extra={"X-Test-Raise": "1"})
    code, text = flow.send(raw)
    assert code == 451 and "try again" in text
    assert not flow.is_delivered("alice", token)


def test_malformed_message_is_scanned_and_delivered(flow: Flow) -> None:
    token, raw = M.malformed(pinned="tracking")
    assert flow.send(raw) == (250, "")
    delivered = flow.delivered_raw("alice", token)
    assert b"X-Mailward-Verdict: tracking" in delivered
    [entry] = flow.entry_for(token) or [None]
    if entry is not None:  # rewritten: the original is kept byte for byte
        assert flow.store.get_bytes(entry.sha256) == raw


def test_real_verdicts_drive_the_action(flow: Flow) -> None:
    """No pinning: whatever the real scanner decides, the configured action follows,
    and the outcome Postfix shows matches that action."""
    import hashlib

    from mailward.gateway.settings import DEFAULT_ACTIONS, Action, GatewaySettings
    from mailward.result import Verdict

    settings = GatewaySettings()
    for build in (M.benign, M.newsletter, M.recon_lure, M.phishing):
        token, raw = build(pinned=None)  # type: ignore[operator]
        digest = hashlib.sha256(raw).hexdigest()
        code, _text = flow.send(raw)
        deadline = time.monotonic() + 10
        events: list[dict[str, object]] = []
        while not events and time.monotonic() < deadline:
            events = [e for e in map(json.loads, (flow.root / "audit.jsonl").read_text().splitlines())
                      if e.get("event") == "message" and e.get("sha256") == digest]
            time.sleep(0.05)
        [event] = events
        verdict = Verdict(str(event["verdict"]))
        action = settings.resolve(DEFAULT_ACTIONS[verdict])
        assert event["action"] == str(action), build.__name__
        if action is Action.REJECT:
            assert code == 550
        elif action is Action.TEMPFAIL:
            assert code == 451
        elif action is Action.QUARANTINE:
            assert code == 250
            assert flow.entry_for(token)[0].status == "held"
        else:
            assert code == 250
            msg = flow.find_delivered("alice", token)
            assert msg["X-Mailward-Verdict"] == str(verdict), build.__name__


def test_killed_milter_loses_nothing(tmp_path: Path) -> None:
    """SIGKILL the milter while messages are in flight: every message ends up delivered
    or quarantined once the senders retry what was tempfailed, as MTAs do."""
    flow = _start_flow(tmp_path / "kill")
    try:
        batch: list[tuple[str, bytes, str]] = []
        for i in range(9):
            build, outcome = [(M.benign, "delivered"), (M.newsletter, "delivered"), (M.recon_lure, "held")][i % 3]
            token, raw = build(extra={"X-Test-Sleep": "1.5"})  # type: ignore[operator]
            batch.append((token, raw, outcome))
        with concurrent.futures.ThreadPoolExecutor(max_workers=9) as pool:
            futures = [pool.submit(flow.send, raw) for _t, raw, _o in batch]
            time.sleep(0.7)  # the messages are now inside the scan
            flow.milter.kill()
            codes = [f.result(timeout=60)[0] for f in futures]
        assert all(code in (250, 451) for code in codes), codes
        assert codes.count(451) >= 6, codes  # the in-flight ones were tempfailed, not accepted
        # while the milter is down, Postfix tempfails (milter_default_action = tempfail)
        late = [M.benign(), M.newsletter()]
        assert [flow.send(raw)[0] for _t, raw in late] == [451, 451]
        flow.milter.start()
        retry = [raw for (_t, raw, _o), code in zip(batch, codes, strict=True) if code != 250]
        retry += [raw for _t, raw in late]
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:  # within the 10 s budget
            assert list(pool.map(lambda raw: flow.send(raw)[0], retry)) == [250] * len(retry)
        expectations = batch + [(t, r, "delivered") for t, r in late]
        deadline = time.monotonic() + 20
        for token, raw, outcome in expectations:
            while time.monotonic() < deadline:
                held = [e for e in flow.entry_for(token) if e.status == "held"]
                delivered = flow.is_delivered("alice", token)
                if (outcome == "held" and held) or (outcome == "delivered" and delivered):
                    break
                time.sleep(0.05)
            if outcome == "held":
                assert held and flow.store.get_bytes(held[0].sha256) == raw, token
                assert not flow.is_delivered("alice", token)
            else:
                assert flow.is_delivered("alice", token), token
    finally:
        _stop_flow(flow)


def test_sigterm_finishes_the_message_in_flight(tmp_path: Path) -> None:
    flow = _start_flow(tmp_path / "term")
    try:
        token, raw = M.newsletter(extra={"X-Test-Sleep": "2"})
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(flow.send, raw)
            time.sleep(1.0)  # inside the scan now
            assert flow.milter.proc is not None
            flow.milter.proc.send_signal(15)
            assert future.result(timeout=60) == (250, "")
        assert flow.milter.proc.wait(30) == 0
        msg = flow.find_delivered("alice", token)
        assert msg["X-Mailward-Verdict"] == "tracking"
        events = [json.loads(line)["event"] for line in (flow.root / "audit.jsonl").read_text().splitlines()]
        assert events[-1] == "milter-stop"
    finally:
        _stop_flow(flow)


def test_the_documented_dsn_setting_turns_delivery_notifications_off() -> None:
    """docs/deploy-postfix.md, "Delivery notifications": a milter cannot take NOTIFY=SUCCESS
    off a recipient, Postfix can stop offering DSN. What that page says Postfix does."""
    replies = {}
    for name, extra in (("default", {}), ("documented", {"smtpd_discard_ehlo_keywords": "silent-discard, dsn"})):
        postfix = PrivatePostfix(milter_port=free_port(), extra={"smtpd_milters": "", "non_smtpd_milters": "", **extra})
        postfix.start()
        try:
            with smtplib.SMTP("127.0.0.1", postfix.smtp_port, timeout=20) as smtp:
                smtp.ehlo("client.example")
                offered = smtp.has_extn("dsn")
                smtp.docmd("MAIL FROM:<sender@example.org>")
                replies[name] = (offered, smtp.docmd("RCPT TO:<alice@test.local> NOTIFY=SUCCESS"))
        finally:
            postfix.stop()
    assert replies["default"] == (True, (250, b"2.1.5 Ok"))
    offered, (code, text) = replies["documented"]
    assert not offered and code == 501 and b"DSN support is disabled" in text
