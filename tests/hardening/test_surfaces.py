"""mailward's own surfaces: listening addresses, secrets, file modes, paths from messages, release.

The web server's loopback default and hashed tokens are tested with the web server
itself (tests/web/test_cli.py: test_serve_binds_loopback_by_default,
test_token_create_list_revoke); this file covers the rest.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailward.cli import cli
from mailward.gateway.audit import AuditLog
from mailward.gateway.quarantine import Entry, FileQuarantine, new_entry_id, now_iso
from mailward.gateway.release import release
from mailward.gateway.server import parse_listen
from mailward.gateway.settings import GatewaySettings
from mailward.parse import parse_message
from mailward.scan import Scanner
from mailward.store import open_store
from tests.web.smtp_sink import SmtpSink, free_port

SECRET = "Zq9-very-secret-imap-password"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_milter_listens_on_loopback_by_default() -> None:
    default = parse_listen(GatewaySettings().listen)
    assert default.kind == "inet" and default.host == "127.0.0.1"
    assert parse_listen("inet:11332").host == "127.0.0.1"  # no host given: still loopback
    assert parse_listen("inet:11332@").host == "127.0.0.1"


def test_web_server_option_defaults_to_loopback() -> None:
    from mailward.web.cli import serve

    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"


def test_sqlite_store_is_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a permissive umask must not leak into the store's modes
    try:
        path = tmp_path / "new" / "mailward.db"
        open_store(f"sqlite:///{path}").close()
    finally:
        os.umask(old)
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    for extra in path.parent.iterdir():  # -wal / -shm / -journal follow the database's mode
        assert _mode(extra) & 0o077 == 0, extra
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_quarantine_files_and_directories_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        q = FileQuarantine(tmp_path / "q")
        digest = q.put_bytes(b"From: a@b.example\r\n\r\nx\r\n")
        q.add(Entry(id=new_entry_id(), sha256=digest, size=24, stored_at=now_iso(), action="quarantine",
                    status="held", verdict="recon", rcpt_to=("<a@test.local>",), mail_from="<x@b.example>"))
        AuditLog(tmp_path / "q" / "audit.jsonl").record("test", id="x")
    finally:
        os.umask(old)
    for path in (tmp_path / "q").rglob("*"):
        if path.is_dir():
            assert _mode(path) == 0o700, path
        else:
            assert _mode(path) == 0o600, path


HOSTILE_NAMES = ["../../../../tmp/mw-escape.txt", "/etc/mw-escape.txt", "..\\..\\mw-escape.txt",
                 "a/../../mw-escape.txt", "\x00../mw.txt", "CON", "." * 300]


def _with_attachments(names: list[str]) -> bytes:
    parts = [b"From: a@b.example\r\nTo: c@parliament.example\r\nSubject: ../../../etc/passwd\r\n"
             b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
             b"Content-Type: text/plain\r\n\r\nsee attached\r\n"]
    for name in names:
        encoded = name.encode("utf-8", "surrogateescape")
        parts.append(b"--b\r\nContent-Type: application/octet-stream; name=\"" + encoded + b"\"\r\n"
                     b"Content-Disposition: attachment; filename=\"" + encoded + b"\"\r\n\r\nPAYLOAD\r\n")
    return b"".join(parts) + b"--b--\r\n"


def test_message_derived_names_never_become_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scan, quarantine and defuse a message whose file names and subject are paths: no file appears."""
    from mailward.gateway.defuse import defuse

    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    raw = _with_attachments(HOSTILE_NAMES)
    before = {p for p in Path("/tmp").glob("mw-escape*")} | {p for p in Path("/etc").glob("mw-escape*")}
    result = Scanner().scan_bytes(raw, "names")
    names = [a.filename for a in parse_message(raw).attachments]
    q = FileQuarantine(tmp_path / "q")
    digest = q.put_bytes(raw)
    q.put_bytes(defuse(raw, result))
    after = {p for p in Path("/tmp").glob("mw-escape*")} | {p for p in Path("/etc").glob("mw-escape*")}
    assert after == before
    assert list(work.iterdir()) == []
    stored = sorted(p.relative_to(tmp_path / "q").as_posix() for p in (tmp_path / "q").rglob("*") if p.is_file())
    assert all(p.startswith("objects/") and len(p.rsplit("/", 1)[1]) == 64 for p in stored), stored
    assert f"objects/{digest[:2]}/{digest}" in stored
    assert "../../../../tmp/mw-escape.txt" in names and "/etc/mw-escape.txt" in names  # kept as text


def test_hunt_never_logs_or_prints_the_imap_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("MW_TEST_PW", SECRET)
    caplog.set_level(logging.DEBUG)
    db = f"sqlite:///{tmp_path / 'm.db'}"
    runner = CliRunner()
    outputs = []
    for url in (f"imap://reader@127.0.0.1:{free_port()}/INBOX", f"imaps://reader@127.0.0.1:{free_port()}/INBOX",
                f"imap://reader:{SECRET}@127.0.0.1:{free_port()}/INBOX"):
        result = runner.invoke(cli, ["hunt", url, "--password-env", "MW_TEST_PW", "--db", db])
        assert result.exit_code != 0  # nothing listens there: a clear error
        outputs.append(result.output)
    assert "password in an IMAP URL is not accepted" in outputs[-1]
    logged = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
    assert SECRET not in "\n".join(outputs) + logged
    stored = "\n".join(sqlite3.connect(tmp_path / "m.db").iterdump()) if (tmp_path / "m.db").exists() else ""
    assert SECRET not in stored


def test_hunt_with_a_real_imap_server_keeps_the_password_out(dovecot_for_hardening, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    dovecot = dovecot_for_hardening
    user = "secret-check@test.local"
    dovecot.add_user(user, SECRET)
    dovecot.deliver_files(user, [_with_attachments(["a.txt"])])
    caplog.set_level(logging.DEBUG)
    db = f"sqlite:///{tmp_path / 'm.db'}"
    url = f"imap://{user}@127.0.0.1:{dovecot.port}/INBOX"
    runner = CliRunner()
    monkeypatch.setenv("MW_TEST_PW", SECRET)
    ok = runner.invoke(cli, ["hunt", url, "--password-env", "MW_TEST_PW", "--db", db])
    assert ok.exit_code == 0, ok.output
    monkeypatch.setenv("MW_TEST_PW", SECRET + "-wrong")
    bad = runner.invoke(cli, ["hunt", url, "--password-env", "MW_TEST_PW", "--db", db])
    assert bad.exit_code != 0 and "Traceback" not in bad.output
    logged = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
    assert SECRET not in ok.output + bad.output + logged
    stored = "\n".join(sqlite3.connect(tmp_path / "m.db").iterdump())
    assert SECRET not in stored and "secret-check%40test.local@127.0.0.1" in stored  # the source is there, no password


def test_release_goes_only_to_the_configured_next_hop(tmp_path: Path) -> None:
    """Whatever the message says (headers naming other hosts), release connects to release_host:port only."""
    sink, other = SmtpSink(), SmtpSink()
    try:
        raw = (b"From: a@b.example\r\nTo: c@parliament.example\r\nX-Forward-To: evil@127.0.0.1:"
               + str(other.port).encode() + b"\r\nReturn-Path: <x@127.0.0.1>\r\n\r\nhello\r\n")
        q = FileQuarantine(tmp_path / "q")
        digest = q.put_bytes(raw)
        held = q.add(Entry(id=new_entry_id(), sha256=digest, size=len(raw), stored_at=now_iso(),
                           action="quarantine", status="held", verdict="recon",
                           rcpt_to=("<c@parliament.example>",), mail_from="<a@b.example>"))
        settings = GatewaySettings(release_host="127.0.0.1", release_port=sink.port)
        done = release(q, AuditLog(tmp_path / "audit.jsonl"), settings, held.id)
        assert done.status == "released"
        assert [(f, r) for f, r, _d in sink.received] == [("<a@b.example>", ("<c@parliament.example>",))]
        assert other.received == []
    finally:
        sink.stop()
        other.stop()


def test_the_scan_path_loads_no_http_client() -> None:
    """Scanning, defusing and hunting import no HTTP client at all (MISP push loads one on demand)."""
    import subprocess
    import sys

    code = ("import sys\nimport mailward.scan, mailward.gateway.defuse, mailward.gateway.server, mailward.hunt.runner\n"
            "from mailward.scan import Scanner\n"
            "from mailward.gateway.defuse import defuse\n"
            "raw = b'From: a@b.example\\r\\nContent-Type: text/html\\r\\n\\r\\n<img src=http://t.example/p.gif>'\n"
            "defuse(raw, Scanner().scan_bytes(raw))\n"
            "print(sorted(m for m in ('requests', 'httpx', 'urllib.request', 'http.client', 'urllib3', 'aiohttp')"
            " if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
