"""retro-match: message facts, intel matches, stored rule facts, indicator match keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:30:00

Messages stored before this revision get the facts their stored columns allow
(sender addresses and domains, Received IPs, beacon URLs and templates, the
message and attachment hashes, body sketch bands); links that were not beacons
and the rule facts are only known for messages hunted after it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FactText = sa.Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("rule_facts", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("indicators") as batch:
        batch.add_column(sa.Column("match_key", FactText, nullable=False, server_default=""))
    op.create_index("ix_indicators_kind_match_key", "indicators", ["kind", "match_key"], unique=False)
    op.create_table(
        "message_facts",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", FactText, nullable=False),
        sa.Column("message_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["message_pk"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("kind", "value", "message_pk"),
    )
    op.create_index("ix_message_facts_message_pk", "message_facts", ["message_pk"], unique=False)
    op.create_table(
        "intel_matches",
        sa.Column("message_pk", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=16), nullable=False),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicators.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_pk"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_pk", "indicator_id"),
    )
    op.create_index(op.f("ix_intel_matches_indicator_id"), "intel_matches", ["indicator_id"], unique=False)
    op.create_index(op.f("ix_intel_matches_matched_at"), "intel_matches", ["matched_at"], unique=False)
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    from mailward.share.msgfacts import match_key, stored_row_facts

    ind = sa.table("indicators", sa.column("id"), sa.column("kind"), sa.column("value"), sa.column("match_key"))
    rows = conn.execute(sa.select(ind.c.id, ind.c.kind, ind.c.value)).all()
    for ident, kind, value in rows:
        key = match_key(kind, value)
        if key:
            conn.execute(sa.update(ind).where(ind.c.id == ident).values(match_key=key))
    msg = sa.table(
        "messages",
        sa.column("id"),
        sa.column("sha256"),
        sa.column("from_addr"),
        sa.column("reply_to"),
        sa.column("received_ips", sa.JSON()),
        sa.column("beacons", sa.JSON()),
        sa.column("indicators", sa.JSON()),
        sa.column("minhash"),
    )
    facts = sa.table("message_facts", sa.column("kind"), sa.column("value"), sa.column("message_pk"))
    last = 0
    while True:
        batch = conn.execute(
            sa.select(msg).where(msg.c.id > last).order_by(msg.c.id).limit(2000)
        ).all()
        if not batch:
            return
        out = [
            {"message_pk": r.id, "kind": k, "value": v}
            for r in batch
            for k, v in stored_row_facts(
                r.sha256, r.from_addr, r.reply_to, r.received_ips or [], r.beacons or [], r.indicators or [], r.minhash
            )
        ]
        if out:
            conn.execute(sa.insert(facts), out)
        last = batch[-1].id


def downgrade() -> None:
    op.drop_index(op.f("ix_intel_matches_matched_at"), table_name="intel_matches")
    op.drop_index(op.f("ix_intel_matches_indicator_id"), table_name="intel_matches")
    op.drop_table("intel_matches")
    op.drop_index("ix_message_facts_message_pk", table_name="message_facts")
    op.drop_table("message_facts")
    op.drop_index("ix_indicators_kind_match_key", table_name="indicators")
    with op.batch_alter_table("indicators") as batch:
        batch.drop_column("match_key")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("rule_facts")
