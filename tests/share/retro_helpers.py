"""Fill a store the way a hunt does (scan, build_record, write_batch), without a mailbox."""

from __future__ import annotations

from collections.abc import Sequence

from mailward.config import Config
from mailward.hunt.features import build_record
from mailward.parse import parse_message
from mailward.scan import Scanner

_SCANNERS: dict[int, Scanner] = {}


def scanner(config: Config | None = None) -> Scanner:
    key = id(config)
    if key not in _SCANNERS:
        _SCANNERS[key] = Scanner(config or Config(), intel=lambda _m: [])
    return _SCANNERS[key]


def store_messages(store, raws: Sequence[bytes], *, prefix: str = "m", config: Config | None = None,
                   mailboxes: Sequence[str] = ()) -> None:
    records = []
    for i, raw in enumerate(raws):
        mailbox = mailboxes[i] if i < len(mailboxes) else ""
        from mailward.model import Envelope

        message = parse_message(raw, envelope=Envelope(rcpt_to=(mailbox,)) if mailbox else None)
        result = scanner(config).scan_message(message, f"{prefix}/{i}")
        records.append(build_record(message, result, source=f"{prefix}/{i}", mailbox=mailbox))
    store.write_batch(records)
