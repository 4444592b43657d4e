"""Indicators in: imported feeds and our own campaigns, kept in the store.

Reading files is ``mailward.share.feeds`` (re-exported here). Storing upserts into
the store's ``indicators`` table on (kind, value, source), so importing the same feed
twice refreshes it instead of doubling it. ``IndicatorSource`` is the read-only view
the matcher is built from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailward.share import indicator_values
from mailward.share.feeds import (
    MAX_FEED_BYTES,
    Feed,
    FeedIndicator,
    IntelError,
    iter_feed_files,
    read_feed,
)
from mailward.share.matcher import IndicatorRecord

__all__ = [
    "MAX_FEED_BYTES",
    "Feed",
    "FeedIndicator",
    "ImportReport",
    "IndicatorSource",
    "IntelError",
    "add_indicators",
    "campaign_indicators",
    "import_path",
    "iter_feed_files",
    "open_intel_store",
    "read_feed",
    "remove_expired",
]


# -- the store --------------------------------------------------------------
#
# The store (mailward.store) owns the table and the insert/list/delete queries; what
# is here is what only intel needs: expiry clean-up, the matcher's read and its
# change fingerprint.


@dataclass(frozen=True, slots=True)
class ImportReport:
    path: str
    format: str
    source: str
    added: int
    updated: int
    problems: tuple[str, ...]


def open_intel_store(config: Any = None, db: str | None = None) -> Any:
    """Open (creating when needed) the store; clear IntelError when it cannot be."""
    from mailward.store import StoreError, open_store

    try:
        return open_store(db, config=config)
    except StoreError as exc:
        raise IntelError(str(exc)) from None


def add_indicators(
    store: Any,
    indicators: Iterable[FeedIndicator],
    *,
    source: str,
    confidence: int = 50,
    expires_at: dt.datetime | None = None,
) -> tuple[int, int]:
    """Upsert on (kind, value, source); return (added, refreshed)."""
    if not 0 <= confidence <= 100:
        raise IntelError(f"confidence must be 0-100, got {confidence}")
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for item in indicators:
        items.setdefault(
            (item.kind, item.value),
            {
                "kind": item.kind,
                "value": item.value,
                "source": source,
                "confidence": item.confidence if item.confidence is not None else confidence,
                "expires_at": _earliest(item.expires_at, expires_at),
                "note": item.note,
            },
        )
    before = count_indicators(store)
    written = store.add_indicators(items.values())
    added = count_indicators(store) - before
    return added, written - added


def count_indicators(store: Any) -> int:
    from sqlalchemy import func, select

    from mailward.store.models import IndicatorRow

    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count(IndicatorRow.id))).scalar_one())


def remove_expired(store: Any, *, now: dt.datetime | None = None) -> int:
    from sqlalchemy import delete

    from mailward.store.models import IndicatorRow

    when = now or dt.datetime.now(dt.UTC)
    with store.engine.begin() as conn:
        result = conn.execute(delete(IndicatorRow).where(IndicatorRow.expires_at <= when))
        return int(result.rowcount or 0)


def indicator_records(engine: Any) -> Iterator[IndicatorRecord]:
    """Every matchable indicator row, as the matcher reads them (expiry checked there)."""
    from sqlalchemy import select

    from mailward.store.models import IndicatorRow

    cols = (
        IndicatorRow.value,
        IndicatorRow.kind,
        IndicatorRow.source,
        IndicatorRow.confidence,
        IndicatorRow.expires_at,
        IndicatorRow.note,
    )
    query = select(*cols).where(IndicatorRow.kind.in_(sorted(indicator_values.MATCHABLE_KINDS)))
    with engine.connect() as conn:
        for value, kind, source, confidence, expires_at, note in conn.execute(query):
            yield IndicatorRecord(value, kind, source, int(confidence), expires_at, note or "")


def indicator_fingerprint(engine: Any) -> tuple[Any, ...] | None:
    """Changes when indicators are added, removed or refreshed; None when there are none."""
    from sqlalchemy import func, select

    from mailward.store.models import IndicatorRow

    with engine.connect() as conn:
        row = conn.execute(
            select(
                func.count(IndicatorRow.id),
                func.max(IndicatorRow.id),
                func.sum(IndicatorRow.id),
                func.sum(IndicatorRow.confidence),
                func.count(IndicatorRow.expires_at),
                func.max(IndicatorRow.expires_at),
                func.min(IndicatorRow.expires_at),
            )
        ).one()
    if not row[0]:
        return None
    return tuple(str(v) for v in row)


def _earliest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def import_path(
    store: Any,
    path: Path,
    *,
    source: str | None = None,
    confidence: int = 50,
    expires_at: dt.datetime | None = None,
    all_attributes: bool = False,
) -> list[ImportReport]:
    """Import a file or every file below a directory; one report per file."""
    reports = []
    for file in iter_feed_files(path):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise IntelError(f"cannot read {file}: {exc.strerror}") from None
        feed = read_feed(data, str(file), all_attributes=all_attributes)
        name = source or feed.producer or file.name
        added, updated = add_indicators(
            store, feed.indicators, source=name, confidence=confidence, expires_at=expires_at
        )
        reports.append(ImportReport(str(file), feed.format, name, added, updated, tuple(feed.problems)))
    return reports


def campaign_indicators(export: Any) -> list[FeedIndicator]:
    """A campaign's shareable indicators (mailward.share.campaign.CampaignExport) as a feed:
    what ``intel add-campaign`` stores so that the campaign's next message is matched."""
    out = []
    for item in export.indicators:
        if item.kind not in indicator_values.MATCHABLE_KINDS or not item.for_detection:
            continue
        out.append(FeedIndicator(item.kind, item.value, export.confidence, None, f"campaign {export.id}: {export.name}"[:500]))
    return out


class IndicatorSource:
    """What ``load_matcher`` needs from the store, without ever creating one."""

    def __init__(self, engine: Any, url: str) -> None:
        self._engine = engine
        self.url = url

    @classmethod
    def from_config(cls, config: Any = None, db: str | None = None) -> IndicatorSource | None:
        """None when there is nothing to read: no SQLite file (it is not created), or no
        indicators table yet. Reads only: no migration, no schema change."""
        from sqlalchemy import create_engine, inspect
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, SQLAlchemyError

        from mailward.store import default_url

        url = db or default_url(config)
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise IntelError(f"not a database URL: {url!r}") from None
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            database = parsed.database or ""
            if not database or database == ":memory:" or not Path(database).is_file():
                return None
            engine = create_engine(parsed, connect_args={"timeout": 30})
        elif backend == "postgresql":
            if parsed.drivername == "postgresql":
                parsed = parsed.set(drivername="postgresql+psycopg")
            engine = create_engine(parsed, pool_pre_ping=True)
        else:
            raise IntelError(f"unsupported database {backend!r}")
        try:
            if not inspect(engine).has_table("indicators"):
                engine.dispose()
                return None
        except (SQLAlchemyError, ImportError) as exc:
            engine.dispose()
            raise IntelError(f"cannot read indicators from {parsed.render_as_string(hide_password=True)}: {exc}") from None
        return cls(engine, parsed.render_as_string(hide_password=True))

    def fingerprint(self) -> tuple[Any, ...] | None:
        try:
            return indicator_fingerprint(self._engine)
        except Exception as exc:  # no table yet, locked database, server gone
            raise IntelError(f"cannot read indicators: {exc}") from None

    def records(self) -> Iterator[IndicatorRecord]:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            yield from indicator_records(self._engine)
        except SQLAlchemyError as exc:
            raise IntelError(f"cannot read indicators: {exc}") from None

    def close(self) -> None:
        self._engine.dispose()
