"""The installed `mailward` console script, run as a user would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .samples import SAMPLES

MAILWARD = shutil.which("mailward") or str(Path(sys.executable).parent / "mailward")


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([MAILWARD, *args], input=stdin, capture_output=True, timeout=120, check=False, env=env)


@pytest.fixture
def mailbox(tmp_path: Path) -> Path:
    for name, raw in SAMPLES.items():
        (tmp_path / f"{name}.eml").write_bytes(raw)
    return tmp_path


def test_console_script_is_installed() -> None:
    assert Path(MAILWARD).exists(), "pip install -e . did not install the console script"


def test_scan_json_lines_contract(mailbox: Path) -> None:
    proc = run("scan", "--format", "json", "--jobs", "2", str(mailbox))
    assert proc.returncode == 0, proc.stderr.decode()
    records = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert {Path(r["source"]).stem for r in records} >= {"plain_utf8", "html_newsletter", "nested_rfc822"}
    for record in records:
        for key in ("source", "message_id", "verdict", "score", "findings", "beacons"):
            assert key in record
        for finding in record["findings"]:
            assert {"rule", "severity", "summary", "attack", "evidence"} <= set(finding)
        for beacon in record["beacons"]:
            assert {"url", "kind", "operator", "per_recipient", "leaks"} <= set(beacon)
    plain = next(r for r in records if r["source"].endswith("plain_utf8.eml"))
    assert plain["message_id"] == "<abc123@example.org>"


def test_scan_one_job_and_two_jobs_agree(mailbox: Path) -> None:
    one = run("scan", "--format", "json", "--jobs", "1", str(mailbox))
    two = run("scan", "--format", "json", "--jobs", "2", str(mailbox))
    assert one.returncode == two.returncode == 0
    strip = lambda out: sorted((json.loads(line)["source"], json.loads(line)["verdict"]) for line in out.decode().splitlines())  # noqa: E731
    assert strip(one.stdout) == strip(two.stdout)


def test_scan_stdin() -> None:
    proc = run("scan", "--format", "json", "-", stdin=SAMPLES["plain_utf8"])
    assert proc.returncode == 0
    record = json.loads(proc.stdout)
    assert record["source"] == "-"


def test_table_format(mailbox: Path) -> None:
    proc = run("scan", "--format", "table", str(mailbox / "plain_utf8.eml"))
    assert proc.returncode == 0
    out = proc.stdout.decode()
    assert "verdict" in out and "jane.doe@example.org" in out
    assert "1 message(s) scanned" in proc.stderr.decode()


def test_missing_path_exit_code_and_one_line_error(tmp_path: Path) -> None:
    proc = run("scan", str(tmp_path / "missing.eml"))
    assert proc.returncode == 2
    err = proc.stderr.decode().strip()
    assert "no such file or directory" in err
    assert "Traceback" not in err and len(err.splitlines()) == 1


def test_bad_config_is_a_clear_error(tmp_path: Path, mailbox: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml")
    proc = run("scan", "--config", str(bad), str(mailbox))
    assert proc.returncode == 2
    assert b"invalid TOML" in proc.stderr and b"Traceback" not in proc.stderr


def test_fail_on(mailbox: Path) -> None:
    clean = run("scan", "--format", "json", "--fail-on", "malicious", str(mailbox / "plain_utf8.eml"))
    assert clean.returncode == 0
    garbage = run("scan", "--format", "json", "--fail-on", "clean", str(mailbox / "garbage.eml"))
    assert garbage.returncode == 1
