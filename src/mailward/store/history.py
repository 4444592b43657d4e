"""Sender history kept in the store: has this sender written to these people before?

``StoreSenderHistory`` implements ``mailward.identity.history.SenderHistory`` over the
``sender_history`` table, so that first-contact analysis survives restarts and is
shared by several gateway instances on one PostgreSQL. Hunts fill it from mail
whose verdict was clean or tracking (attack mail never makes a sender familiar).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, and_, bindparam, case, func, select
from sqlalchemy.orm import Session

from mailward import domains

from .base import history_upsert, load_host_rows, load_hosts_upsert
from .models import SenderHistoryRow, SenderLoadHostRow


class StoreSenderHistory:
    """Persistent sender -> recipient history (the ``SenderHistory`` protocol)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def count_from_address(self, sender: str, recipients: tuple[str, ...]) -> int:
        """Earlier messages from ``sender`` to any of ``recipients``."""
        if not recipients:
            return 0
        with Session(self.engine) as s:
            value = s.scalar(
                select(func.sum(SenderHistoryRow.count)).where(
                    SenderHistoryRow.sender == sender.lower(),
                    SenderHistoryRow.recipient.in_([r.lower() for r in recipients]),
                )
            )
            return int(value or 0)

    def count_from_domain(self, domain: str, recipients: tuple[str, ...] | None) -> int:
        """Earlier messages from anyone at registrable ``domain`` to any of ``recipients``;
        to anyone at all when ``recipients`` is None."""
        domain = domains.registrable(domain.lower()) or domain.lower()
        query = select(func.sum(SenderHistoryRow.count)).where(SenderHistoryRow.sender_domain == domain)
        if recipients is not None:
            if not recipients:
                return 0
            query = query.where(SenderHistoryRow.recipient.in_([r.lower() for r in recipients]))
        with Session(self.engine) as s:
            return int(s.scalar(query) or 0)

    def first_seen(self, sender: str, recipient: str) -> dt.datetime | None:
        with Session(self.engine) as s:
            return s.scalar(
                select(SenderHistoryRow.first_seen).where(
                    SenderHistoryRow.sender == sender.lower(), SenderHistoryRow.recipient == recipient.lower()
                )
            )

    def record(self, sender: str, recipients: Iterable[str], when: dt.datetime | None = None,
               hosts: Iterable[str] | None = None) -> None:
        """Count one delivered message from ``sender`` to ``recipients``; ``hosts``:
        where its remote loads came from (None: not known, nothing recorded)."""
        when = when or dt.datetime.now(dt.UTC)
        rows = [(sender.lower(), r.lower(), when, when, 1) for r in dict.fromkeys(recipients)]
        if rows:
            with Session(self.engine) as s, s.begin():
                history_upsert(s, rows)
                if hosts is not None:
                    load_hosts_upsert(s, load_host_rows([(sender, list(hosts), when)]))

    def record_many(self, items: Iterable[tuple[Any, ...]], when: dt.datetime | None = None) -> None:
        """Count several delivered messages in one transaction: (sender, recipients)
        or (sender, recipients, load hosts) each."""
        when = when or dt.datetime.now(dt.UTC)
        pairs: dict[tuple[str, str], int] = {}
        loads: list[tuple[str, list[str], dt.datetime]] = []
        for sender, recipients, *rest in items:
            if not sender:
                continue
            for rcpt in dict.fromkeys(r.lower() for r in recipients):
                if rcpt:
                    key = (sender.lower(), rcpt)
                    pairs[key] = pairs.get(key, 0) + 1
            if rest and rest[0] is not None:
                loads.append((sender, list(rest[0]), when))
        if pairs:
            with Session(self.engine) as s, s.begin():
                history_upsert(s, [(a, b, when, when, n) for (a, b), n in pairs.items()])
                if loads:
                    load_hosts_upsert(s, load_host_rows(loads))

    def load_hosts(self, sender: str) -> set[str] | None:
        """Registrable domains this sender's earlier (clean or tracking) mail loaded
        from; None when none of its mail was recorded with its loads."""
        with Session(self.engine) as s:
            hosts = s.scalars(select(SenderLoadHostRow.host).where(SenderLoadHostRow.sender == sender.lower())).all()
        if not hosts:
            return None
        return {h for h in hosts if h}

    def contact_counts(self, sender: str, recipients: tuple[str, ...]) -> tuple[int, int, int]:
        """The three first-contact counts in one query: earlier messages from ``sender``
        to ``recipients``, from its registrable domain to ``recipients``, and from its
        domain to anyone (the same as ``count_from_address``, ``count_from_domain``
        with and without recipients)."""
        sender = sender.lower()
        raw_domain = sender.rpartition("@")[2]
        domain = domains.registrable(raw_domain) or raw_domain
        rcpts = [r.lower() for r in recipients]
        with self.engine.connect() as conn:
            row = conn.execute(_contact_query(), {"sender": sender, "domain": domain, "rcpts": rcpts or [""]}).one()
        if not rcpts:
            return 0, 0, int(row[2] or 0)
        return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


_CONTACT_QUERY: Any = None


def _contact_query() -> Any:
    """Built once per process: building a statement costs more than running it."""
    global _CONTACT_QUERY
    if _CONTACT_QUERY is None:
        row = SenderHistoryRow
        to_them = row.recipient.in_(bindparam("rcpts", expanding=True))
        _CONTACT_QUERY = select(
            func.sum(case((and_(row.sender == bindparam("sender"), to_them), row.count), else_=0)),
            func.sum(case((to_them, row.count), else_=0)),
            func.sum(row.count),
        ).where(row.sender_domain == bindparam("domain"))
    return _CONTACT_QUERY
