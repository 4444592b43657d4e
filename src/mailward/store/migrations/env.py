"""Alembic environment: run by ``mailward.store.migrate`` with an open connection.

The store always runs migrations programmatically (``open_store`` upgrades to head);
the connection is handed over in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from mailward.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when alembic is run by hand
    raise RuntimeError("run migrations through mailward.store (mailward db upgrade)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
