"""Run the store's Alembic migrations programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return heads[0] if heads else ""


def current_revision(engine: Engine) -> str:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() or ""


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest) in one transaction: a
    process killed half-way leaves the store as it was, and the next one upgrades it."""
    if revision == "head" and current_revision(engine) == head_revision():
        return  # the common case: nothing to write, so no write lock is taken
    if engine.dialect.name == "sqlite":
        _upgrade_sqlite(engine, revision)
        return
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def _upgrade_sqlite(engine: Engine, revision: str) -> None:
    """Python's sqlite3 opens a transaction only before INSERT, UPDATE or DELETE, so each
    CREATE TABLE committed on its own: a hunt killed while the schema was written left
    tables without a revision, and a store no later run could open. Here the migration
    runs inside an explicit ``BEGIN IMMEDIATE`` (which also makes a second process that
    opens the same new store wait, then find the schema current)."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        saved = raw.isolation_level  # type: ignore[union-attr]
        raw.isolation_level = None  # type: ignore[union-attr]  # we issue BEGIN ourselves
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            command.upgrade(alembic_config(conn), revision)
            conn.commit()  # sqlite3's commit() ends any open transaction
        finally:
            if conn.in_transaction():
                conn.rollback()
            raw.isolation_level = saved  # type: ignore[union-attr]
