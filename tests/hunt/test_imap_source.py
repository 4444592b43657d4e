"""IMAP source against a real Dovecot: read-only, incremental, UIDVALIDITY aware."""

from __future__ import annotations

import pytest
from imapclient import IMAPClient

from mailward.hunt.analysis import WorkItem
from mailward.hunt.sources import (
    Checkpoint,
    ImapSource,
    SourceError,
    imap_target,
    load_accounts,
    parse_imap_url,
)
from mailward.store import open_store

pytestmark = pytest.mark.integration


def msg(n: int, to: str) -> bytes:
    return (
        f"From: Desk <desk@news.example>\r\nTo: {to}\r\nSubject: item {n}\r\n"
        f"Message-ID: <{n}@news.example>\r\nDate: Tue, 5 Mar 2024 10:00:00 +0000\r\n\r\nBody {n}\r\n"
    ).encode()


def drain(source: ImapSource, store) -> list[WorkItem]:
    items = []
    for entry in source.entries():
        if isinstance(entry, WorkItem):
            items.append(entry)
        else:
            assert isinstance(entry, Checkpoint)
            store.write_batch([], imap=entry.imap)
    return items


def test_parse_imap_url():
    assert parse_imap_url("imaps://alice@parl.example@imap.parl.example/Archive/2024") == (
        "imaps", "alice@parl.example", "imap.parl.example", 993, "Archive/2024",
    )
    assert parse_imap_url("imap://bob%40x.example@127.0.0.1:1143") == ("imap", "bob@x.example", "127.0.0.1", 1143, "INBOX")
    for bad in ("http://x/y", "imap://host-only/INBOX", "imap://u@h:port/INBOX"):
        with pytest.raises(SourceError):
            parse_imap_url(bad)


def test_imap_hunt_is_read_only_and_incremental(dovecot, tmp_path):
    user = "reader@test.local"
    dovecot.add_user(user, "pw1")
    dovecot.deliver_files(user, [msg(n, user) for n in range(5)])
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    url = f"imap://{user}@127.0.0.1:{dovecot.port}/INBOX"

    source = ImapSource(imap_target(url, password="pw1"))
    assert source.prepare(store) == 5
    items = drain(source, store)
    assert [i.raw.split(b"Subject: ")[1][:6] for i in items] == [f"item {n}".encode() for n in range(5)]
    assert all(i.mailbox == user for i in items)
    assert items[0].source.startswith(f"imap://reader%40test.local@127.0.0.1:{dovecot.port}/INBOX;UIDVALIDITY=")

    with IMAPClient("127.0.0.1", port=dovecot.port, ssl=False) as client:
        client.login(user, "pw1")
        client.select_folder("INBOX")
        flags = client.get_flags(client.search("ALL"))
        assert flags and all(b"\\Seen" not in f for f in flags.values())
        client.append("INBOX", msg(99, user))

    again = ImapSource(imap_target(url, password="pw1"))
    assert again.prepare(store) == 1
    assert [b"item 99" in i.raw for i in drain(again, store)] == [True]
    third = ImapSource(imap_target(url, password="pw1"))
    assert third.prepare(store) == 0
    third.close()

    # wrong password: a clear error, no traceback
    with pytest.raises(SourceError, match="login refused"):
        ImapSource(imap_target(url, password="nope")).prepare(store)
    store.close()


def test_accounts_file(tmp_path, monkeypatch):
    (tmp_path / "pw").write_text("s3cret\n")
    monkeypatch.setenv("MW_PW", "fromenv")
    (tmp_path / "accounts.toml").write_text(
        '[[account]]\nurl = "imaps://a@x.example@imap.x.example/INBOX"\npassword_file = "pw"\n'
        '[[account]]\nurl = "imap://b@imap.x.example:1143/INBOX"\npassword_env = "MW_PW"\n'
        'owner = "b@x.example"\nfolders = ["INBOX", "Sent"]\n'
    )
    a, b = load_accounts(tmp_path / "accounts.toml")
    assert (a.password, a.mailbox, a.port) == ("s3cret", "a@x.example", 993)
    assert (b.password, b.mailbox, b.folders) == ("fromenv", "b@x.example", ("INBOX", "Sent"))
    monkeypatch.delenv("MW_PW")
    with pytest.raises(SourceError, match="MW_PW"):
        load_accounts(tmp_path / "accounts.toml")
