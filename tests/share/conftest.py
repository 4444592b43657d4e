"""Messages and a stored campaign built by the tests themselves (no corpus)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mailward.model import Message
from mailward.parse import parse_message

CAMPAIGN_ID = "c0ffee000000000000000000000000aa"
TARGETS = ("jane.doe@parliament.example", "max.mustermann@parliament.example", "lea@parliament.example")


def intel_rules_dir() -> Path | None:
    """Where the intel rule files are: their own directory while they are shipped next to
    the share package, None once they are among the built-in rules."""
    import mailward.share

    staged = Path(mailward.share.__file__).parent / "rules"
    return staged if (staged / "intel_known_indicator.yaml").is_file() else None


def intel_rules_samples() -> Path:
    from mailward.rules.engine import builtin_rules_dir

    return intel_rules_dir() or builtin_rules_dir()


def lure(recipient: str, n: int) -> bytes:
    """One message of the test campaign: an impostor 'news desk' with a per-recipient pixel."""
    return (
        f"Received: from mail.newsdesk-mailer.example (mail.newsdesk-mailer.example [198.51.100.{20 + n}])\r\n"
        f"\tby mx.parliament.example with ESMTPS id X{n}; Mon, 4 Jan 2021 09:0{n}:00 +0000\r\n"
        f'From: "Reuters News Desk" <desk@reuters-newsdesk.example>\r\n'
        f"Reply-To: editor.reuters@freemail.example\r\n"
        f"To: {recipient}\r\n"
        f"Subject: Interview request: China policy\r\n"
        f"Date: Mon, 4 Jan 2021 09:0{n}:00 +0000\r\n"
        f"Message-ID: <lure{n}@reuters-newsdesk.example>\r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: text/html; charset=utf-8\r\n\r\n"
        f"<html><body><p>Dear colleague, please read our article.</p>"
        f'<a href="https://news.reuters-newsdesk.example/article/2021/china-policy">Read</a>'
        f'<img src="https://t.pixel-beacon.example/o/{recipient}/open.gif" width="1" height="1">'
        f"</body></html>\r\n"
    ).encode()


@pytest.fixture
def lures() -> list[tuple[str, Message]]:
    return [(rcpt, parse_message(lure(rcpt, i))) for i, rcpt in enumerate(TARGETS)]


def benign() -> Message:
    return parse_message(
        b"From: Friend <friend@example.org>\r\nTo: jane.doe@parliament.example\r\n"
        b"Subject: lunch\r\nReceived: from mx.example.org (mx.example.org [192.0.2.10]) by mx\r\n"
        b"Content-Type: text/plain\r\n\r\nSee https://www.example.org/menu?x=1\r\n"
    )


def fill_store(store) -> None:
    """The three lures and one attack campaign over them."""
    from mailward.store import Campaign, MessageRecord

    records = []
    for i, rcpt in enumerate(TARGETS):
        message = parse_message(lure(rcpt, i))
        records.append(
            MessageRecord(
                source=f"maildir/{i}",
                sha256=message.sha256,
                verdict="recon",
                verdict_rank=3,
                message_id=message.message_id,
                from_addr="desk@reuters-newsdesk.example",
                from_domain="reuters-newsdesk.example",
                subject=message.subject,
                date=message.date,
                received_ips=[h.from_ip for h in message.received if h.from_ip],
                recipients=[rcpt],
                attack=["T1598.003", "T1656"],
            )
        )
    store.write_batch(records)
    pks = tuple(m.id for m in store.messages(limit=100))
    indicators = (
        {"kind": "domain", "value": "reuters-newsdesk.example"},
        {"kind": "domain", "value": "pixel-beacon.example"},
        {"kind": "email", "value": "editor.reuters@freemail.example"},
        {"kind": "ipv4", "value": "198.51.100.20"},
        {"kind": "ipv4", "value": "198.51.100.21"},
        {"kind": "ipv4", "value": "198.51.100.22"},
        {"kind": "url", "value": "https://news.reuters-newsdesk.example/article/2021/china-policy"},
        *({"kind": "url", "value": f"https://t.pixel-beacon.example/o/{rcpt}/open.gif"} for rcpt in TARGETS),
        {"kind": "subject", "value": "Interview request: China policy"},
    )
    store.replace_campaigns(
        [
            Campaign(
                id=CAMPAIGN_ID,
                kind="attack",
                name="Reuters News Desk",
                verdict="recon",
                first_seen=dt.datetime(2021, 1, 4, 9, 0, tzinfo=dt.UTC),
                last_seen=dt.datetime(2021, 1, 4, 9, 2, tzinfo=dt.UTC),
                message_count=3,
                target_count=3,
                senders=("desk@reuters-newsdesk.example",),
                identities=("Reuters",),
                indicators=indicators,
                attack=("T1598.003", "T1656"),
                links=("tracking host",),
                message_ids=pks,
            )
        ]
    )


@pytest.fixture
def store_with_campaign(tmp_path: Path):
    """A SQLite store holding the three lures and one attack campaign over them."""
    from mailward.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'hunt.db'}")
    fill_store(store)
    yield store
    store.close()
