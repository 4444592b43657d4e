"""No network during analysis: scan, hunt and the milter's analysis run with every
outbound connection and name look-up refused and recorded; any attempt fails the test.

The messages are full of remote images, tracking links and lookalike domains: the
very things mailward must never fetch or resolve.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mailward.demo import builders

TRIPWIRE = Path(__file__).parent / "tripwire"
MAILWARD = str(Path(sys.executable).parent / "mailward")


def _mailbox(root: Path) -> Path:
    box = root / "maildir" / "alice"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    messages = [
        builders.newsletter(),
        builders.recon_lure(),
        builders.recon_lure(claimed="BBC News"),
        builders.phishing(),
        builders.journalist_enquiry(),
        builders.spam(),
    ]
    for index, raw in enumerate(messages):
        (box / "new" / f"{index}.mailward-test").write_bytes(raw)
    return root / "maildir"


def _run(args: list[str], log: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(TRIPWIRE),
        "MAILWARD_TRIPWIRE_LOG": str(log),
        "MAILWARD_DATA_DIR": str(tmp / "data"),
    }
    return subprocess.run([MAILWARD, *args], capture_output=True, text=True, env=env, timeout=300, check=False)


@pytest.fixture
def tripwire_log(tmp_path: Path) -> Path:
    return tmp_path / "tripwire.log"


def _assert_tripwire_loaded(log: Path, tmp: Path) -> None:
    """The tripwire itself must work, or the test proves nothing."""
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('192.0.2.1', 80), timeout=1)"],
        env={**os.environ, "PYTHONPATH": str(TRIPWIRE), "MAILWARD_TRIPWIRE_LOG": str(log)},
        capture_output=True, text=True, check=False,
    )
    assert probe.returncode != 0 and "blocked by the test tripwire" in probe.stderr
    assert log.read_text().strip(), "tripwire did not record the probe"
    log.unlink()


def test_scan_and_hunt_make_no_connection(tmp_path: Path, tripwire_log: Path) -> None:
    _assert_tripwire_loaded(tripwire_log, tmp_path)
    maildir = _mailbox(tmp_path)
    scan = _run(["scan", "--format", "json", "--jobs", "2", str(maildir)], tripwire_log, tmp_path)
    assert scan.returncode == 0, scan.stderr
    assert len(scan.stdout.splitlines()) == 6
    assert '"beacons": [{' in scan.stdout  # the messages really carry beacons
    hunt = _run(
        ["hunt", "--db", f"sqlite:///{tmp_path / 'store.db'}", "--jobs", "2", "--no-progress", str(maildir)],
        tripwire_log, tmp_path,
    )
    assert hunt.returncode == 0, hunt.stderr
    attempts = tripwire_log.read_text() if tripwire_log.exists() else ""
    assert attempts == "", f"network access attempted:\n{attempts}"


def test_milter_analysis_makes_no_connection(tmp_path: Path, tripwire_log: Path) -> None:
    """The gateway's analysis and defuse, in a process with the tripwire loaded."""
    code = (
        "from mailward.demo import builders\n"
        "from mailward.gateway.scanning import prepare_message\n"
        "from mailward.gateway import scanning\n"
        "from mailward.config import Config\n"
        "from mailward.gateway.settings import load_settings\n"
        "from mailward.model import Envelope\n"
        "scanning._init_worker(Config(), load_settings(Config()))\n"
        "for raw in (builders.recon_lure(), builders.newsletter(), builders.phishing()):\n"
        "    prepared = prepare_message(raw, 'milter', Envelope(mail_from='x@example.org', rcpt_to=('alice@parliament.example',)))\n"
        "    print(prepared.result.verdict)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(TRIPWIRE), "MAILWARD_TRIPWIRE_LOG": str(tripwire_log)},
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.split()) == 3
    attempts = tripwire_log.read_text() if tripwire_log.exists() else ""
    assert attempts == "", f"network access attempted:\n{attempts}"
