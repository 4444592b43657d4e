"""the web's index on message dates (newest first, the dashboard's recent days)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 00:40:00

The web UI used to create this index itself when it started; a store that a web
server already opened has it, hence ``if_not_exists``. The name stays the one the
web gave it, so such a store does not get a second copy.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_web_messages_date", "messages", ["date"], unique=False, if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_web_messages_date", table_name="messages", if_exists=True)
