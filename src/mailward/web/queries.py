"""Read queries the web pages need beyond the store's own (search, counts per day)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, or_, select, text
from sqlalchemy.orm import Session

from mailward.store import Store, StoredMessage
from mailward.store.models import CampaignMemberRow, CampaignRow, MessageRow, RecipientRow

VERDICTS = ("clean", "tracking", "suspicious", "unscannable", "recon", "phishing", "malicious")
SORTS = {
    "date": MessageRow.date,
    "score": MessageRow.score,
    "verdict": MessageRow.verdict_rank,
    "from": MessageRow.from_addr,
    "subject": MessageRow.subject,
}


@dataclass(frozen=True, slots=True)
class MessageQuery:
    verdict: str | None = None
    sender: str | None = None  # address or domain (substring, case-insensitive)
    recipient: str | None = None  # part of an address, case-insensitive
    recipient_any: tuple[str, ...] = ()  # or any of these addresses (a person's aliases)
    text: str | None = None  # part of the subject, the sender's address or name
    indicator: str | None = None  # part of one of the message's indicators
    min_score: float | None = None
    max_score: float | None = None
    sort: str = "date"
    descending: bool = True
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    rule: str | None = None
    campaign: str | None = None
    limit: int = 50
    offset: int = 0


def _like(value: str) -> str:
    return "%" + value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _json_like(column: Any, value: str) -> Any:
    return cast(column, String).like(_like(value), escape="\\")


def search_messages(store: Store, q: MessageQuery) -> tuple[list[StoredMessage], int]:
    """Messages matching every given filter in the asked order, and how many match in all."""
    with Session(store.engine) as s:
        query = select(MessageRow.id, MessageRow.findings) if q.rule else select(MessageRow.id)
        if q.verdict:
            query = query.where(MessageRow.verdict == q.verdict)
        if q.sender:
            query = query.where(func.lower(MessageRow.from_addr).like(_like(q.sender), escape="\\"))
        if q.text:
            pattern = _like(q.text)
            query = query.where(or_(
                func.lower(MessageRow.subject).like(pattern, escape="\\"),
                func.lower(MessageRow.from_addr).like(pattern, escape="\\"),
                func.lower(MessageRow.from_name).like(pattern, escape="\\"),
            ))
        if q.recipient or q.recipient_any:
            wanted = []
            if q.recipient:
                wanted.append(RecipientRow.address.like(_like(q.recipient), escape="\\"))
            if q.recipient_any:
                wanted.append(RecipientRow.address.in_([a.lower() for a in q.recipient_any]))
            query = query.where(MessageRow.id.in_(select(RecipientRow.message_pk).where(or_(*wanted))))
        if q.indicator:
            query = query.where(func.lower(cast(MessageRow.indicators, String)).like(_like(q.indicator), escape="\\"))
        if q.min_score is not None:
            query = query.where(MessageRow.score >= q.min_score)
        if q.max_score is not None:
            query = query.where(MessageRow.score <= q.max_score)
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
        column = SORTS.get(q.sort, MessageRow.date)
        if q.descending:
            query = query.order_by(column.desc(), MessageRow.id.desc())
        else:
            query = query.order_by(column.asc(), MessageRow.id.asc())
        if q.rule:
            ids = [pk for pk, findings in s.execute(query) if any(f.get("rule") == q.rule for f in findings or ())]
            total = len(ids)
            ids = ids[q.offset : q.offset + q.limit]
        else:
            total = int(s.scalar(select(func.count()).select_from(query.subquery())) or 0)
            ids = list(s.scalars(query.limit(q.limit).offset(q.offset)))
    return store.messages_by_id(ids), total


def stored_copies(store: Store, entries: list[Any]) -> dict[str, list[tuple[int, str | None]]]:
    """For quarantine entries: the stored messages with the same bytes or Message-ID, as
    ``{entry id: [(message id, campaign id), ...]}``."""
    shas = {e.sha256 for e in entries if e.sha256}
    msgids = {e.message_id.strip() for e in entries if e.message_id and e.message_id.strip()}
    if not shas and not msgids:
        return {}
    rows: list[Any] = []
    with Session(store.engine) as s:
        base = select(MessageRow.id, MessageRow.sha256, MessageRow.message_id, CampaignMemberRow.campaign_id).outerjoin(
            CampaignMemberRow, CampaignMemberRow.message_pk == MessageRow.id)
        for chunk in _chunked(sorted(shas), 500):
            rows.extend(s.execute(base.where(MessageRow.sha256.in_(chunk))))
        for chunk in _chunked(sorted(msgids), 500):
            rows.extend(s.execute(base.where(MessageRow.message_id.in_(chunk))))
    out: dict[str, list[tuple[int, str | None]]] = {}
    for e in entries:
        mid = e.message_id.strip() if e.message_id else ""
        found = {pk: cid for pk, sha, msgid, cid in rows if sha == e.sha256 or (mid and msgid == mid)}
        if found:
            out[e.id] = sorted(found.items())
    return out


def _chunked(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def newest_date(store: Store) -> dt.datetime | None:
    with Session(store.engine) as s:
        newest = s.scalar(select(func.max(MessageRow.date)))
    if isinstance(newest, str):
        newest = dt.datetime.fromisoformat(newest)
    if newest is not None and newest.tzinfo is None:
        newest = newest.replace(tzinfo=dt.UTC)
    return newest


def count_since(store: Store, since: dt.datetime, verdicts: tuple[str, ...]) -> int:
    with Session(store.engine) as s:
        return int(s.scalar(select(func.count()).select_from(MessageRow).where(
            MessageRow.date >= since, MessageRow.verdict.in_(verdicts))) or 0)


def campaign_names(store: Store) -> dict[str, str]:
    with Session(store.engine) as s:
        return {cid: name or cid[:12] for cid, name in s.execute(select(CampaignRow.id, CampaignRow.name))}


_RULE_HITS_SQL = {
    "sqlite": "SELECT json_extract(f.value, '$.rule'), count(DISTINCT m.id) "
              "FROM messages AS m, json_each(m.findings) AS f GROUP BY 1",
    "postgresql": "SELECT f ->> 'rule', count(DISTINCT m.id) "
                  "FROM messages AS m, json_array_elements(m.findings::json) AS f GROUP BY 1",
}


def rule_hits(store: Store) -> Counter[str]:
    """How many stored messages each rule fired on (in the database where it can)."""
    hits: Counter[str] = Counter()
    with Session(store.engine) as s:
        sql = _RULE_HITS_SQL.get(store.dialect)
        if sql:
            for rule, count in s.execute(text(sql)):
                if rule:
                    hits[str(rule)] = int(count)
            return hits
        for (findings,) in s.execute(select(MessageRow.findings).execution_options(yield_per=2000)):
            hits.update({str(f.get("rule")) for f in findings or () if isinstance(f, dict)})
    return hits


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


@dataclass
class CampaignOverview:
    """What a campaign page needs over all its members, without loading every full row."""

    points: list[dict[str, Any]]  # as campaign_timeline
    members: list[tuple[int, str, str]]  # (id, sha256, message_id), newest first
    recent: list[StoredMessage]  # the newest ``limit`` in full
    beacons: list[list[dict[str, Any]]]  # the beacon lists of up to ``sample`` newest members


def campaign_overview(store: Store, campaign_id: str, *, limit: int = 200, sample: int = 500) -> CampaignOverview:
    member = select(CampaignMemberRow.message_pk).where(CampaignMemberRow.campaign_id == campaign_id)
    with Session(store.engine) as s:
        rows = s.execute(select(MessageRow.id, MessageRow.date, MessageRow.sha256, MessageRow.message_id)
                         .where(MessageRow.id.in_(member))
                         .order_by(MessageRow.date.desc(), MessageRow.id.desc())).all()
        recipients: dict[int, list[str]] = defaultdict(list)
        for pk, address in s.execute(select(RecipientRow.message_pk, RecipientRow.address)
                                     .where(RecipientRow.message_pk.in_(member))):
            recipients[pk].append(address)
        ids = [r[0] for r in rows]
        beacons = [list(b or ()) for b in s.scalars(select(MessageRow.beacons).where(MessageRow.id.in_(ids[:sample])))]
    per_day: dict[dt.date, list[int]] = defaultdict(list)
    for pk, when, _sha, _mid in rows:
        if when is not None:
            per_day[when.date()].append(pk)
    points = [{"date": day.isoformat(), "messages": len(pks),
               "recipients": len({a for pk in pks for a in recipients[pk]})} for day, pks in sorted(per_day.items())]
    return CampaignOverview(points, [(r[0], r[2], r[3]) for r in rows], store.messages_by_id(ids[:limit]), beacons)


def campaign_targets(store: Store, campaign_id: str, roster: Any) -> list[dict[str, Any]]:
    """One campaign's recipients with their roster names and roles, most messages first."""
    member = select(CampaignMemberRow.message_pk).where(CampaignMemberRow.campaign_id == campaign_id)
    with Session(store.engine) as s:
        rows = s.execute(select(RecipientRow.address, func.count(), func.min(MessageRow.date), func.max(MessageRow.date))
                         .join(MessageRow, MessageRow.id == RecipientRow.message_pk)
                         .where(RecipientRow.message_pk.in_(member)).group_by(RecipientRow.address)).all()
    people = {a.lower(): p for p in roster for a in p.addresses}
    out = []
    for address, count, first, last in rows:
        person = people.get(address)
        out.append({"address": address, "name": person.name if person else "", "role": person.role if person else "",
                    "messages": int(count), "first_seen": first, "last_seen": last})
    return sorted(out, key=lambda x: (-x["messages"], x["address"]))


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
