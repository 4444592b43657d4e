"""Set-based writes of many stored messages at once: the hunt's inserts
(``insert_rows``) and the retro-match's re-judging and ``mailward rescan``
(``update_messages``).

A hunt inserts ~25 rows a message (the message, its recipients, its facts). On
PostgreSQL they go through ``COPY`` (one stream per table and batch, no statement
per row); on SQLite through the driver's ``executemany`` of one prepared ``INSERT``
(in-process, no round trips). Either way the values are the driver-level ones: the
caller has already applied the column types (``message_values``).

Writing a new verdict or new campaign keys back one ``UPDATE`` per message costs a
statement (and on PostgreSQL a round trip in the pipeline) per row: at 120,000 matched
messages that was half of a retro-match on PostgreSQL. Here the new values go to the
database in bulk and one statement applies them:

* PostgreSQL: ``COPY`` into a temporary table shaped like the columns (created from
  ``messages`` itself, so the types are the same), then one ``UPDATE ... FROM``;
* SQLite: a temporary table filled by one prepared ``INSERT`` (in-process, no round
  trips), then one ``UPDATE ... FROM`` (SQLite 3.33 or newer, else one ``UPDATE`` per
  row, as before).

The values are what SQLAlchemy would bind for the column: JSON columns go through the
engine's JSON serialiser, so a row written here reads back exactly as one written
through the ORM (tests/store/test_bulk_update.py compares them on both databases).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Connection

from .models import MessageRow
from .records import JSON_COLUMNS, ROW_COLUMNS

_COLUMNS = MessageRow.__table__.columns
_TEMP = "mw_message_updates"
_SQLITE_UPDATE_FROM = sqlite3.sqlite_version_info >= (3, 33, 0)


def insert_rows(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (driver-level values in ``columns`` order) into ``table``, in the
    caller's transaction. ``table`` and ``columns`` are the models' names, never input."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"  # noqa: S608
    conn.exec_driver_sql(sql, [tuple(r) for r in rows])


_PROCESSORS: dict[tuple[str, str], list[tuple[int, Any]]] = {}


def message_values(conn: Connection, rows: Sequence[Sequence[Any]], extra: Sequence[Any] = ()) -> list[list[Any]]:
    """``PackedRecord.row`` values (``records.ROW_COLUMNS`` order, JSON columns already
    text) followed by ``extra``, as the driver takes them: each other column's type
    applied as SQLAlchemy would (times to UTC, and on SQLite to its text form)."""
    dialect = conn.dialect
    procs = _PROCESSORS.get((dialect.name, dialect.driver))
    if procs is None:
        procs = []
        for i, name in enumerate((*ROW_COLUMNS, "scanned_at")):
            if name in JSON_COLUMNS:
                continue
            proc = _COLUMNS[name].type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                procs.append((i, proc))
        _PROCESSORS[(dialect.name, dialect.driver)] = procs
    out = []
    for row in rows:
        values = [*row, *extra]
        for i, proc in procs:
            if i < len(values):
                values[i] = proc(values[i])
        out.append(values)
    return out


def update_messages(conn: Connection, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> int:
    """Set ``columns`` of the messages in ``rows`` (each a mapping with ``id`` and every
    column of ``columns``), in the caller's transaction. Returns the number of rows given."""
    if not rows:
        return 0
    names = sorted(set(columns))
    unknown = [c for c in names if c not in _COLUMNS or c == "id"]
    if unknown or not names:
        raise ValueError(f"not updatable message columns: {unknown or names}")
    if conn.dialect.name == "postgresql":
        _update_postgresql(conn, names, rows)
    elif conn.dialect.name == "sqlite" and _SQLITE_UPDATE_FROM:
        _update_sqlite(conn, names, rows)
    else:
        _update_each(conn, names, rows)
    return len(rows)


def _bound(conn: Connection, names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """Each row as the driver-level values SQLAlchemy would bind (JSON serialised, ...)."""
    procs = [_COLUMNS[n].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for n in names]
    return [[int(row["id"]), *(p(row[n]) if p else row[n] for p, n in zip(procs, names, strict=True))]
            for row in rows]


def _create_temp(conn: Connection, names: Sequence[str], pg: bool) -> None:
    """The temporary table: ``id`` and ``names``, empty. On PostgreSQL typed as in
    ``messages`` (COPY parses each value by its column's type); on SQLite untyped, so
    that a value is stored as given and ``messages`` applies its own column affinity
    when the UPDATE copies it, exactly as it would for a direct bind."""
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_TEMP}")
    if pg:
        # names are columns of MessageRow (checked by update_messages), never input
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {_TEMP} AS "  # noqa: S608
                             f"SELECT {', '.join(['id', *names])} FROM messages WHERE false")
    else:
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {_TEMP} (id INTEGER PRIMARY KEY, {', '.join(names)})")


def _apply_temp(conn: Connection, names: Sequence[str]) -> None:
    assignments = ", ".join(f"{n} = u.{n}" for n in names)
    conn.exec_driver_sql(f"UPDATE messages SET {assignments} FROM {_TEMP} AS u WHERE messages.id = u.id")  # noqa: S608
    conn.exec_driver_sql(f"DROP TABLE {_TEMP}")


def _update_postgresql(conn: Connection, names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    _create_temp(conn, names, pg=True)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {_TEMP} ({', '.join(['id', *names])}) FROM STDIN") as copy:
            for row in _bound(conn, names, rows):
                copy.write_row(row)
    finally:
        cursor.close()
    conn.exec_driver_sql(f"ANALYZE {_TEMP}")  # plan the join for the rows it holds, not for an empty table
    _apply_temp(conn, names)


def _update_sqlite(conn: Connection, names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    _create_temp(conn, names, pg=False)
    marks = ", ".join("?" * (len(names) + 1))
    conn.exec_driver_sql(f"INSERT INTO {_TEMP} ({', '.join(['id', *names])}) VALUES ({marks})",  # noqa: S608
                         [tuple(r) for r in _bound(conn, names, rows)])
    _apply_temp(conn, names)


def _update_each(conn: Connection, names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    stmt = update(MessageRow).where(MessageRow.id == bindparam("pk")).values(
        {n: bindparam(f"new_{n}") for n in names}
    )
    conn.execute(stmt, [{"pk": int(r["id"]), **{f"new_{n}": r[n] for n in names}} for r in rows])
