"""Read queries the web pages need beyond the store's own (search, counts per day)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from mailward.store import Store, StoredMessage
from mailward.store.models import CampaignMemberRow, MessageRow, RecipientRow

VERDICTS = ("clean", "tracking", "suspicious", "unscannable", "recon", "phishing", "malicious")


@dataclass(frozen=True, slots=True)
class MessageQuery:
    verdict: str | None = None
    sender: str | None = None  # address or domain (substring, case-insensitive)
    recipient: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    rule: str | None = None
    campaign: str | None = None
    limit: int = 50
    offset: int = 0


def _like(value: str) -> str:
    return "%" + value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_messages(store: Store, q: MessageQuery) -> tuple[list[StoredMessage], int]:
    """Messages matching every given filter, newest first, and how many match in all."""
    with Session(store.engine) as s:
        query = select(MessageRow.id, MessageRow.findings) if q.rule else select(MessageRow.id)
        if q.verdict:
            query = query.where(MessageRow.verdict == q.verdict)
        if q.sender:
            query = query.where(func.lower(MessageRow.from_addr).like(_like(q.sender), escape="\\"))
        if q.recipient:
            query = query.where(
                MessageRow.id.in_(select(RecipientRow.message_pk).where(RecipientRow.address == q.recipient.lower()))
            )
        if q.since:
            query = query.where(MessageRow.date >= q.since)
        if q.until:
            query = query.where(MessageRow.date < q.until)
        if q.campaign:
            query = query.where(
                MessageRow.id.in_(select(CampaignMemberRow.message_pk).where(CampaignMemberRow.campaign_id == q.campaign))
            )
        if q.rule:
            # the JSON text narrows it down; the exact rule name is checked below
            query = query.where(cast(MessageRow.findings, String).like(_like(q.rule).upper(), escape="\\"))
        query = query.order_by(MessageRow.date.desc(), MessageRow.id.desc())
        if q.rule:
            ids = [pk for pk, findings in s.execute(query) if any(f.get("rule") == q.rule for f in findings or ())]
            total = len(ids)
            ids = ids[q.offset : q.offset + q.limit]
        else:
            total = int(s.scalar(select(func.count()).select_from(query.subquery())) or 0)
            ids = list(s.scalars(query.limit(q.limit).offset(q.offset)))
    found = [store.message(pk) for pk in ids]
    return [m for m in found if m is not None], total


def verdicts_by_day(store: Store, days: int = 30) -> tuple[list[dt.date], dict[str, list[int]]]:
    """Message counts per day and verdict over the ``days`` days up to the newest message."""
    with Session(store.engine) as s:
        newest = s.scalar(select(func.max(MessageRow.date)))
        if newest is None:
            return [], {}
        if isinstance(newest, str):
            newest = dt.datetime.fromisoformat(newest)
        end = newest.date()
        start = end - dt.timedelta(days=days - 1)
        since = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
        rows = s.execute(select(MessageRow.date, MessageRow.verdict).where(MessageRow.date >= since)).all()
    counts: dict[str, Counter[dt.date]] = defaultdict(Counter)
    for when, verdict in rows:
        if when is not None:
            counts[verdict][when.date()] += 1
    axis = [start + dt.timedelta(days=n) for n in range(days)]
    return axis, {v: [counts[v][d] for d in axis] for v in VERDICTS if v in counts}


def campaign_timeline(messages: list[StoredMessage]) -> list[dict[str, Any]]:
    """Per day: how many campaign messages and how many distinct recipients."""
    per_day: dict[dt.date, list[StoredMessage]] = defaultdict(list)
    for m in messages:
        if m.date is not None:
            per_day[m.date.date()].append(m)
    out = []
    for day in sorted(per_day):
        items = per_day[day]
        out.append({
            "date": day.isoformat(),
            "messages": len(items),
            "recipients": len({r for m in items for r in m.recipients}),
        })
    return out
