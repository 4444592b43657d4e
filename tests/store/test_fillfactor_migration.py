"""Migration 0006: PostgreSQL keeps a tenth of each ``messages`` page free, so that
re-judging updates rows in place (HOT); SQLite has nothing to change."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from mailward.store import MessageRecord, migrate, open_store


def _fillfactor(engine) -> list[str]:
    with engine.connect() as conn:
        options = conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'messages'")).scalar_one()
    return list(options or [])


def test_fillfactor_migration_is_a_no_op_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'ff.db'}"
    store = open_store(url)
    try:
        store.write_batch([MessageRecord(source="a", sha256="a" * 64, verdict="clean", verdict_rank=0)])
        assert migrate.current_revision(store.engine) == "0006"
        with store.engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0005")
        assert migrate.current_revision(store.engine) == "0005"
        migrate.upgrade(store.engine)
        assert migrate.current_revision(store.engine) == "0006"
        assert store.count_messages() == 1
    finally:
        store.close()


@pytest.mark.integration
def test_fillfactor_migration_on_postgresql(postgres):
    url = postgres.create_database("fillfactor").replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    try:
        migrate.upgrade(engine, "0005")
        assert _fillfactor(engine) == []
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == "0006"
        assert _fillfactor(engine) == ["fillfactor=90"]
        with engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0005")
        assert _fillfactor(engine) == []
        migrate.upgrade(engine)
        assert _fillfactor(engine) == ["fillfactor=90"]
    finally:
        engine.dispose()
