"""The store: one class over SQLite or PostgreSQL with the queries mailward needs.

``open_store(url)`` connects, upgrades the schema to the newest migration and returns
a ``Store``. The hunt is the only bulk writer and writes through ``write_batch``,
which commits message rows together with the hunt progress they advance, so a run
that dies half-way resumes where the last committed batch ended.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session

from mailward.config import Config

from . import migrate
from .base import StoreBase, StoreError, history_upsert
from .campaigns import CampaignsMixin
from .clusterdata import ClusterDataMixin
from .indicators import IndicatorsMixin
from .labels import LabelsMixin
from .messages import ClusterInput, FileState
from .models import (
    AnalystLabelRow,
    CampaignRow,
    FileProgressRow,
    ImapProgressRow,
    IndicatorRow,
    MessageRow,
    SenderHistoryRow,
)

DB_FILENAME = "mailward.db"


def default_url(config: Config | None = None) -> str:
    """``--db`` wins, then ``[store] url``, then a SQLite file in the data directory."""
    config = config or Config()
    configured = config.section("store").get("url")
    if configured:
        return str(configured)
    return f"sqlite:///{config.data_dir / DB_FILENAME}"


def open_store(url: str | None = None, *, config: Config | None = None, upgrade: bool = True) -> Store:
    """Open (creating when needed) the store at ``url`` and upgrade it to the newest schema."""
    chosen = url or default_url(config)
    keep_bodies = bool((config or Config()).section("store").get("keep_bodies", False))
    try:
        parsed = make_url(chosen)
    except ArgumentError:
        raise StoreError(f"not a database URL: {chosen!r} (use sqlite:///PATH or postgresql://...)") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            _create_private_file(Path(database))
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
    elif backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = create_engine(parsed, pool_pre_ping=True)
    else:
        raise StoreError(f"unsupported database {backend!r}: use sqlite:///PATH or postgresql://...")
    store = Store(engine, keep_bodies=keep_bodies)
    try:
        if upgrade:
            migrate.upgrade(engine)
        elif migrate.current_revision(engine) != migrate.head_revision():
            raise StoreError("the store's schema is not current: run `mailward db upgrade`")
    except OperationalError as exc:
        engine.dispose()
        raise StoreError(f"cannot open the store {parsed.render_as_string(hide_password=True)}: {exc.orig}") from None
    return store


def _create_private_file(path: Path) -> None:
    """The SQLite file holds who was targeted by whom: readable by its owner only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
    except OSError as exc:
        raise StoreError(f"cannot create the store file {path}: {exc.strerror}") from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Store(ClusterDataMixin, CampaignsMixin, IndicatorsMixin, LabelsMixin, StoreBase):
    """Queries and writes over one database. Thread-compatible, not shared across processes.

    The queries live in mixins by concern: messages and hunt progress
    (``messages.py``), campaigns and targets (``campaigns.py``), indicators and
    sender history (``indicators.py``), analyst labels (``labels.py``).
    """

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def info(self) -> dict[str, Any]:
        with Session(self.engine) as s:
            counts = {
                "messages": s.scalar(select(func.count()).select_from(MessageRow)) or 0,
                "campaigns": s.scalar(
                    select(func.count()).select_from(CampaignRow).where(CampaignRow.kind == "attack")
                )
                or 0,
                "benign_groups": s.scalar(
                    select(func.count()).select_from(CampaignRow).where(CampaignRow.kind == "benign")
                )
                or 0,
                "indicators": s.scalar(select(func.count()).select_from(IndicatorRow)) or 0,
                "sender_pairs": s.scalar(select(func.count()).select_from(SenderHistoryRow)) or 0,
                "imap_folders": s.scalar(select(func.count()).select_from(ImapProgressRow)) or 0,
                "files": s.scalar(select(func.count()).select_from(FileProgressRow)) or 0,
                "labels": s.scalar(select(func.count()).select_from(AnalystLabelRow)) or 0,
            }
            verdicts = dict(
                s.execute(select(MessageRow.verdict, func.count()).group_by(MessageRow.verdict)).all()
            )
        return {
            "url": self.url,
            "dialect": self.dialect,
            "revision": migrate.current_revision(self.engine),
            "head": migrate.head_revision(),
            "keep_bodies": self.keep_bodies,
            "counts": counts,
            "verdicts": {str(k): int(v) for k, v in verdicts.items()},
        }


__all__ = [
    "ClusterInput",
    "FileState",
    "Store",
    "StoreError",
    "default_url",
    "history_upsert",
    "open_store",
]
