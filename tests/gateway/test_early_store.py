"""A worker writes a defused message's original to the quarantine while it defuses it."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from mailward.config import Config
from mailward.gateway import scanning
from mailward.gateway.quarantine import FileQuarantine
from mailward.gateway.scanning import prepare_message
from mailward.gateway.settings import Action
from mailward.model import Envelope
from tests.gateway.conftest import unit_settings

PIXEL = "https://t.example/o.gif"
ENVELOPE = Envelope(mail_from="a@example.org", rcpt_to=("alice@test.local",))


def message(*, html: bool = True, verdict: str = "tracking") -> bytes:
    body = f'<html><body><img src="{PIXEL}" width="1" height="1"><p>hi</p></body></html>' if html else "hi"
    ctype = "text/html" if html else "text/plain"
    return (f"From: a@example.org\r\nSubject: t\r\nX-Test-Verdict: {verdict}\r\nX-Test-Pixel: {PIXEL}\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: {ctype}\r\n\r\n{body}\r\n").encode()


@pytest.fixture
def worker(tmp_path: Path) -> FileQuarantine:
    settings = unit_settings(tmp_path)
    scanning._init_worker(Config(), settings, str(settings.quarantine_dir))
    yield FileQuarantine(settings.quarantine_dir)
    scanning._init_worker(Config(), settings)


def objects(store: FileQuarantine) -> set[str]:
    return {p.name for p in (store.root / "objects").glob("*/*") if not p.name.startswith(".")}


def test_a_defused_original_is_in_the_quarantine_when_the_worker_answers(worker: FileQuarantine) -> None:
    raw = message()
    prepared = prepare_message(raw, "t", ENVELOPE)
    assert prepared.action is Action.DEFUSE and prepared.rewritten is not None
    digest = hashlib.sha256(raw).hexdigest()
    assert objects(worker) == {digest}  # the original only: the milter writes the rewrite and the entry
    assert worker.get_bytes(digest) == raw
    assert worker.put_bytes(raw) == digest  # what the milter then does: found, read back, verified


def test_nothing_is_left_when_defusing_changed_nothing(worker: FileQuarantine, tmp_path: Path) -> None:
    settings = replace(unit_settings(tmp_path), banner=False)
    scanning._init_worker(Config(), settings, str(settings.quarantine_dir))
    raw = message(html=False)  # plain text, no banner: nothing to rewrite
    prepared = prepare_message(raw, "t", ENVELOPE)
    assert prepared.action is Action.DEFUSE and prepared.rewritten is None
    assert objects(worker) == set()
    # an object that was there before (an earlier message) stays
    digest = worker.put_bytes(raw)
    prepare_message(raw, "t", ENVELOPE)
    assert objects(worker) == {digest}


def test_delivered_messages_are_not_written(worker: FileQuarantine) -> None:
    assert prepare_message(message(verdict="clean"), "t", ENVELOPE).action is Action.DELIVER
    assert objects(worker) == set()


def test_a_store_that_fails_early_does_not_stop_the_defusing(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("x")
    settings = unit_settings(tmp_path)
    scanning._init_worker(Config(), settings, str(blocked))
    try:
        prepared = prepare_message(message(), "t", ENVELOPE)
    finally:
        scanning._init_worker(Config(), settings)
    assert prepared.action is Action.DEFUSE and prepared.rewritten is not None
