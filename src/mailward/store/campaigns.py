"""Campaigns: the clustering result and who it targeted."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from .base import _RANK, _chunks, _coerce_utc, _now
from .messages import MessagesMixin
from .models import (
    CampaignMemberRow,
    CampaignRow,
    MessageRow,
    RecipientRow,
)
from .records import Campaign, CampaignHit, Person, StoredMessage, Target


class CampaignsMixin(MessagesMixin):
    """The clustering result: campaigns, their messages and their targets."""

    # -- campaigns --------------------------------------------------------------------

    def replace_campaigns(self, campaigns: Sequence[Campaign]) -> None:
        """Swap in a new clustering result atomically."""
        with Session(self.engine) as s, s.begin():
            s.execute(delete(CampaignMemberRow))
            s.execute(delete(CampaignRow))
            _insert_campaigns(s, campaigns)

    def swap_campaigns(self, remove: Sequence[str], add: Sequence[Campaign]) -> None:
        """Replace some campaigns (by id) with others, atomically: a partial re-clustering."""
        with Session(self.engine) as s, s.begin():
            for chunk in _chunks(sorted(set(remove) | {c.id for c in add}), 500):
                s.execute(delete(CampaignMemberRow).where(CampaignMemberRow.campaign_id.in_(list(chunk))))
                s.execute(delete(CampaignRow).where(CampaignRow.id.in_(list(chunk))))
            _insert_campaigns(s, add)

    def campaigns(self, *, kind: str | None = "attack") -> list[Campaign]:
        """Strongest verdict first, then most recent."""
        with Session(self.engine) as s:
            q = select(CampaignRow)
            if kind:
                q = q.where(CampaignRow.kind == kind)
            q = q.order_by(CampaignRow.verdict_rank.desc(), CampaignRow.last_seen.desc(), CampaignRow.id)
            return [_campaign(row) for row in s.scalars(q)]

    def campaign(self, ident: str) -> Campaign | None:
        """A campaign by id or unique id prefix, with its targets and message ids."""
        with Session(self.engine) as s:
            row = s.get(CampaignRow, ident)
            if row is None and ident:
                like = ident.replace("%", "").replace("_", "\\_")
                found = s.scalars(
                    select(CampaignRow).where(CampaignRow.id.like(like + "%", escape="\\")).limit(2)
                ).all()
                row = found[0] if len(found) == 1 else None
            if row is None:
                return None
            pks = tuple(
                s.scalars(
                    select(CampaignMemberRow.message_pk)
                    .where(CampaignMemberRow.campaign_id == row.id)
                    .order_by(CampaignMemberRow.message_pk)
                )
            )
            targets = tuple(
                s.scalars(
                    select(RecipientRow.address)
                    .join(CampaignMemberRow, CampaignMemberRow.message_pk == RecipientRow.message_pk)
                    .where(CampaignMemberRow.campaign_id == row.id)
                    .distinct()
                    .order_by(RecipientRow.address)
                )
            )
            return _campaign(row, targets=targets, message_ids=pks)

    def campaign_messages(self, ident: str, *, limit: int = 100_000) -> list[StoredMessage]:
        found = self.campaign(ident)
        if found is None:
            return []
        return self.messages(campaign=found.id, limit=limit)

    def targets(self, roster: Sequence[Person] = (), *, kind: str = "attack", include_untouched: bool = False) -> list[Target]:
        """Who received campaign mail, by which campaigns and when, joined with the roster."""
        with Session(self.engine) as s:
            rows = s.execute(
                select(
                    RecipientRow.address,
                    CampaignRow.id,
                    CampaignRow.name,
                    CampaignRow.verdict,
                    func.min(MessageRow.date),
                    func.max(MessageRow.date),
                    func.count(MessageRow.id),
                )
                .join(CampaignMemberRow, CampaignMemberRow.message_pk == RecipientRow.message_pk)
                .join(CampaignRow, CampaignRow.id == CampaignMemberRow.campaign_id)
                .join(MessageRow, MessageRow.id == RecipientRow.message_pk)
                .where(CampaignRow.kind == kind)
                .group_by(RecipientRow.address, CampaignRow.id, CampaignRow.name, CampaignRow.verdict)
            ).all()
        by_address: dict[str, list[CampaignHit]] = defaultdict(list)
        utc = _coerce_utc
        for address, cid, name, verdict, first, last, count in rows:
            by_address[address].append(CampaignHit(cid, name, verdict, utc(first), utc(last), int(count)))
        people: dict[str, Person] = {}
        for person in roster:
            for address in person.addresses:
                people[address.lower()] = person
        out: list[Target] = []
        for address, hits in by_address.items():
            found = people.get(address)
            hits.sort(key=lambda h: (h.first_seen or dt.datetime.max.replace(tzinfo=dt.UTC), h.campaign_id))
            out.append(Target(address, found.name if found else "", found.role if found else "", tuple(hits)))
        if include_untouched:
            for address, person in people.items():
                if address not in by_address:
                    out.append(Target(address, person.name, person.role, ()))
        out.sort(key=lambda t: (-len(t.campaigns), t.address))
        return out


def _insert_campaigns(s: Session, campaigns: Sequence[Campaign]) -> None:
    if not campaigns:
        return
    now = _now()
    s.execute(
        insert(CampaignRow),
        [
            {
                "id": c.id,
                "kind": c.kind,
                "name": c.name[:500],
                "verdict": c.verdict,
                "verdict_rank": _RANK.get(c.verdict, 0),
                "first_seen": c.first_seen,
                "last_seen": c.last_seen,
                "message_count": c.message_count,
                "target_count": c.target_count,
                "senders": list(c.senders),
                "identities": list(c.identities),
                "indicators": list(c.indicators),
                "attack": list(c.attack),
                "links": list(c.links),
                "updated_at": now,
            }
            for c in campaigns
        ],
    )
    members = [{"campaign_id": c.id, "message_pk": pk} for c in campaigns for pk in c.message_ids]
    for chunk in _chunks(members, 5000):
        s.execute(insert(CampaignMemberRow), chunk)


def _campaign(row: CampaignRow, *, targets: tuple[str, ...] = (), message_ids: tuple[int, ...] = ()) -> Campaign:
    return Campaign(
        id=row.id,
        kind=row.kind,
        name=row.name,
        verdict=row.verdict,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        message_count=row.message_count,
        target_count=row.target_count,
        senders=tuple(row.senders or ()),
        identities=tuple(row.identities or ()),
        indicators=tuple(row.indicators or ()),
        attack=tuple(row.attack or ()),
        links=tuple(row.links or ()),
        targets=targets,
        message_ids=message_ids,
    )
