"""initial schema: messages, recipients, sender history, campaigns, hunt progress, indicators

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 01:16:27.288791
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    _create_campaigns_progress_indicators()
    _create_messages_history_members()


def _create_campaigns_progress_indicators() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("verdict_rank", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("target_count", sa.Integer(), nullable=False),
        sa.Column("senders", sa.JSON(), nullable=False),
        sa.Column("identities", sa.JSON(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("attack", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_campaigns_kind"), "campaigns", ["kind"], unique=False)

    op.create_table(
        "hunt_files",
        sa.Column("path", sa.String(length=2048), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("path"),
    )
    op.create_table(
        "hunt_imap",
        sa.Column("folder_key", sa.String(length=1024), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("folder_key"),
    )
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=2048), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "value", "source", name="uq_indicators_kind_value_source"),
    )
    op.create_index("ix_indicators_value", "indicators", ["value"], unique=False)


def _create_messages_history_members() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=1024), nullable=False),
        sa.Column("mailbox", sa.String(length=320), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("from_addr", sa.String(length=320), nullable=False),
        sa.Column("from_name", sa.String(length=500), nullable=False),
        sa.Column("from_domain", sa.String(length=255), nullable=False),
        sa.Column("reply_to", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_ips", sa.JSON(), nullable=False),
        sa.Column("dkim_domains", sa.JSON(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("verdict_rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("beacons", sa.JSON(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("attack", sa.JSON(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("minhash", sa.LargeBinary(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source"),
    )
    op.create_index(op.f("ix_messages_from_addr"), "messages", ["from_addr"], unique=False)
    op.create_index(op.f("ix_messages_mailbox"), "messages", ["mailbox"], unique=False)
    op.create_index(op.f("ix_messages_message_id"), "messages", ["message_id"], unique=False)
    op.create_index(op.f("ix_messages_sha256"), "messages", ["sha256"], unique=False)
    op.create_index(op.f("ix_messages_verdict"), "messages", ["verdict"], unique=False)

    op.create_table(
        "sender_history",
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("sender_domain", sa.String(length=255), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sender", "recipient"),
    )
    op.create_index(op.f("ix_sender_history_sender_domain"), "sender_history", ["sender_domain"], unique=False)
    op.create_table(
        "campaign_members",
        sa.Column("campaign_id", sa.String(length=32), nullable=False),
        sa.Column("message_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_pk"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id", "message_pk"),
    )
    op.create_index(
        op.f("ix_campaign_members_message_pk"), "campaign_members", ["message_pk"], unique=False
    )

    op.create_table(
        "message_recipients",
        sa.Column("message_pk", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(["message_pk"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_pk", "address"),
    )
    op.create_index(
        op.f("ix_message_recipients_address"), "message_recipients", ["address"], unique=False
    )


def downgrade() -> None:

    op.drop_index(op.f("ix_message_recipients_address"), table_name="message_recipients")

    op.drop_table("message_recipients")
    op.drop_index(op.f("ix_campaign_members_message_pk"), table_name="campaign_members")

    op.drop_table("campaign_members")
    op.drop_index(op.f("ix_sender_history_sender_domain"), table_name="sender_history")
    op.drop_table("sender_history")
    op.drop_index(op.f("ix_messages_verdict"), table_name="messages")
    op.drop_index(op.f("ix_messages_sha256"), table_name="messages")
    op.drop_index(op.f("ix_messages_message_id"), table_name="messages")
    op.drop_index(op.f("ix_messages_mailbox"), table_name="messages")
    op.drop_index(op.f("ix_messages_from_addr"), table_name="messages")

    op.drop_table("messages")
    op.drop_index("ix_indicators_value", table_name="indicators")

    op.drop_table("indicators")
    op.drop_table("hunt_imap")
    op.drop_table("hunt_files")
    op.drop_index(op.f("ix_campaigns_kind"), table_name="campaigns")

    op.drop_table("campaigns")
