"""What every part of the store shares: the engine, the error, and small SQL helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Engine, func
from sqlalchemy.orm import Session

from mailward.errors import MailwardError

from .models import SenderHistoryRow


class StoreError(MailwardError):
    """The store cannot be opened or used. The message says why, without a traceback."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StoreBase:
    """The engine the query mixins work on."""

    def __init__(self, engine: Engine, *, keep_bodies: bool = False) -> None:
        self.engine = engine
        self.keep_bodies = keep_bodies

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()


def history_upsert(s: Session, rows: Sequence[tuple[str, str, dt.datetime, dt.datetime, int]]) -> None:
    """Add (sender, recipient, first, last, count) observations to the history."""
    dialect = s.get_bind().dialect.name
    ins = _dialect_insert(dialect, SenderHistoryRow)
    table = SenderHistoryRow.__table__
    stmt = ins.on_conflict_do_update(
        index_elements=["sender", "recipient"],
        set_={
            "count": table.c.count + ins.excluded.count,
            "first_seen": func.min(table.c.first_seen, ins.excluded.first_seen)
            if dialect == "sqlite"
            else func.least(table.c.first_seen, ins.excluded.first_seen),
            "last_seen": func.max(table.c.last_seen, ins.excluded.last_seen)
            if dialect == "sqlite"
            else func.greatest(table.c.last_seen, ins.excluded.last_seen),
        },
    )
    from mailward import domains

    payload = [
        {
            "sender": a[:320],
            "recipient": b[:320],
            "sender_domain": (domains.registrable(a.rpartition("@")[2]) or a.rpartition("@")[2])[:255],
            "first_seen": f,
            "last_seen": la,
            "count": c,
        }
        for a, b, f, la, c in sorted(rows)
    ]
    for chunk in _chunks(payload, 2000):
        s.execute(stmt, chunk)


def _dialect_insert(dialect: str, model: Any) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model)


_RANK = {"clean": 0, "tracking": 1, "suspicious": 2, "unscannable": 2, "recon": 3, "phishing": 4, "malicious": 5}


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _coerce_utc(value: Any) -> dt.datetime | None:
    """Aggregates bypass the column type: SQLite hands back strings or naive values."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return None
