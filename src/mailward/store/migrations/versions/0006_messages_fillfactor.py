"""messages: room on each page for updates in place (PostgreSQL fillfactor 90)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:50:00

A retro-match or a rescan rewrites the verdict, findings and campaign keys of the
messages it re-judges. On PostgreSQL an updated row is a new row version; when it
fits on the same page and no indexed column changed (the campaign keys, and a
verdict that stays the same), it is a heap-only (HOT) update that touches none of the
eight indexes of ``messages``. Pages filled to 100% (the default) leave no room, so
every update wrote a new entry into every index. Fillfactor 90 keeps a tenth of each
page free for that. It applies to pages written from now on: an existing store gains
it as its messages are rewritten (``VACUUM FULL messages`` does it at once, locking
the table meanwhile). SQLite updates rows in place: nothing to do there.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE messages SET (fillfactor = 90)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE messages RESET (fillfactor)")
