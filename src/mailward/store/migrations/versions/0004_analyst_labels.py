"""analyst labels: what an analyst confirmed a stored message to be (phishing or ham)

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-02 00:20:00

One row per message content (SHA-256 of the raw bytes), so every stored copy of the
same message carries the label. ``mailward learn --store`` trains on the labelled
messages whose bodies the store kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analyst_labels",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("analyst", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_index(op.f("ix_analyst_labels_label"), "analyst_labels", ["label"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_analyst_labels_label"), table_name="analyst_labels")
    op.drop_table("analyst_labels")
