"""``mailward token`` and ``mailward serve`` from the command line."""

from __future__ import annotations

import re
import sqlite3

import httpx
from click.testing import CliRunner

from mailward.cli import cli

from .conftest import start_server


def run(*args: str, stdin: str | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_token_create_list_revoke(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.db'}"
    out = run("token", "create", "--role", "analyst", "--name", "ci", "--db", db)
    token = re.search(r"^(mw_\S+)$", out, re.M).group(1)
    assert len(token) > 40
    run("token", "create", "--role", "viewer", "--user", "sam", "--password-stdin", "--db", db,
        stdin="a long enough password\n")
    listed = run("token", "list", "--db", db)
    assert "analyst" in listed and "ci" in listed and "sam" in listed
    assert token not in listed and token[:10] in listed
    stored = "\n".join(sqlite3.connect(tmp_path / "m.db").iterdump())
    assert token not in stored and "a long enough password" not in stored
    assert "scrypt$" in stored
    ident = re.search(r"^\s*(\d+) token", listed, re.M).group(1)
    assert "revoked" in run("token", "revoke", ident, "--db", db)
    assert "ci" not in run("token", "list", "--db", db)
    assert "revoked" in run("token", "list", "--all", "--db", db)


def test_token_errors_are_clear(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.db'}"
    runner = CliRunner()
    bad_role = runner.invoke(cli, ["token", "create", "--role", "root", "--db", db])
    assert bad_role.exit_code == 2 and "root" in bad_role.output
    short = runner.invoke(cli, ["token", "create", "--role", "admin", "--user", "x", "--password-stdin", "--db", db],
                          input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    missing = runner.invoke(cli, ["token", "revoke", "42", "--db", db])
    assert missing.exit_code == 1 and "no token or user with id 42" in missing.output
    bad_db = runner.invoke(cli, ["token", "list", "--db", "nonsense://x"])
    assert bad_db.exit_code == 1 and "Traceback" not in bad_db.output


def test_serve_binds_loopback_by_default(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.db'}"
    config = tmp_path / "mailward.toml"
    config.write_text(f'[mailward]\ndata_dir = "{tmp_path / "var"}"\n')
    proc, url, log = start_server(tmp_path, db, config)
    try:
        assert url.startswith("http://127.0.0.1:")
        r = httpx.get(url + "/api/v1/openapi.json")
        assert r.json()["info"]["title"] == "mailward"
        assert httpx.get(url + "/api/v1/rules").status_code == 401
        assert "serving http://127.0.0.1:" in log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_with_two_worker_processes(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.db'}"
    config = tmp_path / "mailward.toml"
    config.write_text(f'[mailward]\ndata_dir = "{tmp_path / "var"}"\n')
    token = re.search(r"^(mw_\S+)$", run("token", "create", "--role", "analyst", "--db", db), re.M).group(1)
    proc, url, _log = start_server(tmp_path, db, config, "--workers", "2")
    try:
        # generous: each server process starts a scanning process (spawn, rules compiled) of its own
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
            for _ in range(6):
                r = c.post("/api/v1/scan", content=b"From: a@b.example\r\nTo: c@d.example\r\n\r\nhi\r\n",
                           headers={"Connection": "close"})
                assert r.status_code == 200 and r.json()["verdict"] == "clean"
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_secure_cookies_behind_a_tls_proxy(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.db'}"
    config = tmp_path / "mailward.toml"
    config.write_text(f'[mailward]\ndata_dir = "{tmp_path / "var"}"\n\n[web]\nsecure_cookies = true\n')
    token = re.search(r"^(mw_\S+)$", run("token", "create", "--role", "viewer", "--db", db), re.M).group(1)
    proc, url, _log = start_server(tmp_path, db, config)
    try:
        with httpx.Client(base_url=url, follow_redirects=False) as c:
            page = c.get("/login")
            assert "secure" in page.headers["set-cookie"].lower()
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            # the client keeps Secure cookies for https only: send it back by hand, as a TLS proxy would
            c.cookies.clear()
            r = c.post("/login", data={"csrf_token": csrf, "token": token},
                       headers={"Cookie": f"mw_login_csrf={page.cookies['mw_login_csrf']}"})
            session = [v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("mw_session=")]
            assert session and "; secure" in session[0].lower() and "samesite=strict" in session[0].lower()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_demo_serve_script_prints_url_and_a_working_token(tmp_path):
    import subprocess
    import sys
    import time
    from pathlib import Path

    from .smtp_sink import free_port

    repo = Path(__file__).resolve().parents[2]
    (tmp_path / "mailward.toml").write_text(f'[mailward]\ndata_dir = "{tmp_path / "var"}"\n')
    port = free_port()
    out = tmp_path / "out.txt"
    with out.open("wb") as handle:
        proc = subprocess.Popen(
            ["bash", str(repo / "scripts" / "demo-serve.sh"), str(tmp_path), f"sqlite:///{tmp_path / 'd.db'}", str(port)],
            stdout=handle, stderr=subprocess.STDOUT, env={"PATH": "/usr/bin:/bin", "MW": str(Path(sys.executable).with_name("mailward"))},
        )
    try:
        deadline = time.monotonic() + 60
        me = None
        while time.monotonic() < deadline and me is None:
            text = out.read_text()
            token = re.search(r"Token:\s+(mw_\S+)", text)
            if token and f"http://127.0.0.1:{port}/" in text:
                try:
                    me = httpx.get(f"http://127.0.0.1:{port}/api/v1/me", headers={"Authorization": f"Bearer {token.group(1)}"})
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                assert proc.poll() is None, text
                time.sleep(0.2)
        assert me is not None and me.json()["role"] == "admin", out.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
