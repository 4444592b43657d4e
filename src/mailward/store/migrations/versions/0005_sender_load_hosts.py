"""sender load hosts: where each sender's earlier mail loaded remote content from

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-02 00:30:00

Filled by hunts and the gateway's history recorder from mail whose verdict was clean
or tracking; read through ``StoreSenderHistory.load_hosts``. Senders recorded before
this revision have no rows: for them the history answers "not recorded" (None), as
before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sender_load_hosts",
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sender", "host"),
    )


def downgrade() -> None:
    op.drop_table("sender_load_hosts")
