"""What every part of the store shares: the engine, the error, and small SQL helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, func
from sqlalchemy.orm import Session

from mailward.errors import MailwardError

from .models import SenderHistoryRow, SenderLoadHostRow


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


def history_upsert(
    s: Session,
    rows: Sequence[tuple[str, str, dt.datetime, dt.datetime, int]],
    sender_domains: Mapping[str, str] | None = None,
) -> None:
    """Add (sender, recipient, first, last, count) observations to the history.
    ``sender_domains``: the ``sender_domain`` of senders already resolved
    (``records.sender_domain_of``); the others are resolved here."""
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
    from .records import sender_domain_of

    known = sender_domains or {}
    payload = [
        {
            "sender": a[:320],
            "recipient": b[:320],
            "sender_domain": known[a] if a in known else sender_domain_of(a),
            "first_seen": f,
            "last_seen": la,
            "count": c,
        }
        for a, b, f, la, c in sorted(rows)
    ]
    for chunk in _chunks(payload, 2000):
        s.execute(stmt, chunk)


def load_hosts_upsert(s: Session, rows: Sequence[tuple[str, str, dt.datetime, dt.datetime, int]]) -> None:
    """Add (sender, load host, first, last, count) observations; host "" marks a
    sender recorded with its loads (see ``SenderLoadHostRow``)."""
    dialect = s.get_bind().dialect.name
    ins = _dialect_insert(dialect, SenderLoadHostRow)
    table = SenderLoadHostRow.__table__
    least, greatest = (func.min, func.max) if dialect == "sqlite" else (func.least, func.greatest)
    stmt = ins.on_conflict_do_update(
        index_elements=["sender", "host"],
        set_={
            "count": table.c.count + ins.excluded.count,
            "first_seen": least(table.c.first_seen, ins.excluded.first_seen),
            "last_seen": greatest(table.c.last_seen, ins.excluded.last_seen),
        },
    )
    payload = [
        {"sender": a[:320], "host": h[:255], "first_seen": f, "last_seen": la, "count": c}
        for a, h, f, la, c in sorted(rows)
    ]
    for chunk in _chunks(payload, 2000):
        s.execute(stmt, chunk)


def load_host_rows(
    items: Sequence[tuple[str, Sequence[str], dt.datetime]],
    *,
    resolved: bool = False,
) -> list[tuple[str, str, dt.datetime, dt.datetime, int]]:
    """(sender, load hosts, when) per message -> rows for ``load_hosts_upsert``: the
    registrable domain of each host, plus the "" marker per sender. ``resolved``: the
    hosts are already sites (``records.load_sites_of``, done by a hunt worker)."""
    from .records import load_sites_of

    found: dict[tuple[str, str], list[Any]] = {}
    for sender, hosts, when in items:
        if not sender:
            continue
        sender = sender.lower()
        sites = {"", *(hosts if resolved else load_sites_of(hosts))}
        for host in sites:
            entry = found.get((sender, host))
            if entry is None:
                found[(sender, host)] = [when, when, 1]
            else:
                entry[0] = min(entry[0], when)
                entry[1] = max(entry[1], when)
                entry[2] += 1
    return [(k[0], k[1], v[0], v[1], v[2]) for k, v in found.items()]


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


def plain_executemany(s: Session, table: Any, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """``INSERT INTO table (columns) VALUES (...)`` for many rows of plain values
    (strings and integers, which no column type converts), straight to the driver's
    executemany: SQLAlchemy's per-row parameter processing cost more than the insert
    itself for the ~25 fact and recipient rows of each hunted message."""
    if not rows:
        return
    dialect = s.get_bind().dialect
    if dialect.paramstyle == "qmark":
        mark = "?"
    elif dialect.paramstyle in ("format", "pyformat"):
        mark = "%s"
    else:  # a driver this code was not written for: the ordinary Core executemany
        from sqlalchemy import insert

        s.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    quote = dialect.identifier_preparer
    # names from the models, quoted by the dialect; every value is a bound parameter
    names = ", ".join(quote.quote(c) for c in columns)
    marks = ", ".join([mark] * len(columns))
    sql = f"INSERT INTO {quote.format_table(table)} ({names}) VALUES ({marks})"  # noqa: S608
    s.connection().exec_driver_sql(sql, list(rows))


def _coerce_utc(value: Any) -> dt.datetime | None:
    """Aggregates bypass the column type: SQLite hands back strings or naive values."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return None


def id_in(column: Any, ids: Sequence[int], dialect: str) -> Any:
    """``column IN ids`` for many integer ids. On PostgreSQL one array parameter
    (``= ANY(:ids)``): an IN list of 1,000 ids is 1,000 bound parameters, and
    building and parsing such a statement cost more client CPU than running it."""
    if dialect == "postgresql":
        from sqlalchemy import Integer, any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam("ids", [int(i) for i in ids], type_=ARRAY(Integer), unique=True))
    return column.in_([int(i) for i in ids])
