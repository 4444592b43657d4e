"""Shared by the copy-token store tests (SQLite and PostgreSQL): mailings whose copies
carry a short per-recipient id, scanned as a hunt scans them and written to a store."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from mailward.config import load_config
from mailward.hunt.analysis import WorkerSettings, WorkItem, analyse_item
from mailward.store import Store
from tests.recon.adversarial import OTHERS, READER, numeric_id_copies

CONFIG = Path(__file__).resolve().parents[2] / "src" / "mailward" / "rules" / "builtin" / "samples" / "mailward.toml"
READERS = (READER, *OTHERS)


def settings() -> WorkerSettings:
    config = load_config(CONFIG)
    return WorkerSettings(dict(config.data), str(CONFIG))


def _bulletin(rcpt: str, i: int) -> bytes:
    """A genuine members' bulletin: one copy per member with a numeric member id."""
    msg = EmailMessage()
    msg["From"] = "Members' Association <bulletin@members-association.org>"
    msg["To"] = rcpt
    msg["Subject"] = "December bulletin"
    msg["Date"] = "Tue, 01 Dec 2026 09:00:00 +0000"
    msg["List-Unsubscribe"] = "<https://members-association.org/u>"
    msg["Message-ID"] = f"<bulletin-{i}@members-association.org>"
    msg.set_content("Hello,\n\nThis month's bulletin.\n\nUnsubscribe: https://members-association.org/u")
    msg.add_alternative(
        "<p>Hello,</p><p>This month's bulletin.</p>"
        f'<img src="https://news.members-association.org/open.gif?m={7000 + i}" width="1" height="1">',
        subtype="html",
    )
    return msg.as_bytes()


def _two_letters(rcpt: str, i: int) -> bytes:
    """One person writing two different letters to two people, each with a photo."""
    msg = EmailMessage()
    msg["From"] = "Ola Berg <ola@ola-berg.example>"
    msg["To"] = rcpt
    msg["Subject"] = ("Our meeting", "The photos")[i % 2]
    msg["Date"] = "Tue, 01 Dec 2026 10:00:00 +0000"
    msg["Message-ID"] = f"<letter-{i}@ola-berg.example>"
    msg.set_content("Dear Jan,\n\nSee the photo below.\n\nOla")
    msg.add_alternative(
        f'<p>Dear Jan,</p><p>See the photo below.</p><img src="https://ola-berg.example/img/{311 + i}.jpg" '
        'width="400" height="300">',
        subtype="html",
    )
    return msg.as_bytes()


def fill(store: Store) -> dict[str, list[str]]:
    """Write the three mailings to ``store``; returns their sources by mailing."""
    chosen = settings()
    out: dict[str, list[str]] = {"attack": [], "bulletin": [], "letters": []}
    items = [("attack", f"attack/{i}", case.raw) for i, case in enumerate(numeric_id_copies(0))]
    items += [("bulletin", f"bulletin/{i}", _bulletin(r, i)) for i, r in enumerate(READERS)]
    items += [("letters", f"letters/{i}", _two_letters(r, i)) for i, r in enumerate(READERS[:2])]
    records = []
    for group, source, raw in items:
        records.append(analyse_item(WorkItem(source, raw), chosen))
        out[group].append(source)
    store.write_batch(records)
    return out


def verdicts(store: Store) -> dict[str, tuple[str, list[dict[str, object]]]]:
    return {m.source: (m.verdict, list(m.beacons)) for m in store.messages(limit=100)}


def batch_tokens(beacons: list[dict[str, object]]) -> list[str]:
    return [str(b["token"]["value"]) for b in beacons  # type: ignore[index]
            if isinstance(b.get("token"), dict) and b["token"]["encoding"] == "batch"]  # type: ignore[index]
