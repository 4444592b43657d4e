"""Sender history kept in the store: has this sender written to this recipient before?

Implements the ``SenderHistory`` protocol of ``mailward.identity.history`` over the
``sender_history`` table, so that first-contact analysis works across restarts and
across several gateway instances sharing one PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from .models import SenderHistoryRow
from .store import history_upsert


class StoreSenderHistory:
    """Persistent sender -> recipient history."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def count(self, sender: str, recipient: str) -> int:
        """How many earlier messages from ``sender`` reached ``recipient``."""
        with Session(self.engine) as s:
            value = s.scalar(
                select(SenderHistoryRow.count).where(
                    SenderHistoryRow.sender == sender.lower(), SenderHistoryRow.recipient == recipient.lower()
                )
            )
            return int(value or 0)

    def first_seen(self, sender: str, recipient: str) -> dt.datetime | None:
        with Session(self.engine) as s:
            return s.scalar(
                select(SenderHistoryRow.first_seen).where(
                    SenderHistoryRow.sender == sender.lower(), SenderHistoryRow.recipient == recipient.lower()
                )
            )

    def sender_total(self, sender: str) -> int:
        """Messages from ``sender`` to anyone."""
        with Session(self.engine) as s:
            value = s.scalar(
                select(func.sum(SenderHistoryRow.count)).where(SenderHistoryRow.sender == sender.lower())
            )
            return int(value or 0)

    def record(self, sender: str, recipient: str, when: dt.datetime | None = None) -> None:
        when = when or dt.datetime.now(dt.UTC)
        with Session(self.engine) as s, s.begin():
            history_upsert(s, [(sender.lower(), recipient.lower(), when, when, 1)])
