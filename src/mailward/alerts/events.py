"""Which campaigns are new or bigger after a re-clustering.

Campaign ids are derived from a campaign's earliest message, so a campaign that
gains an earlier message gets a new id: an after-campaign is matched to the
before-campaign it shares most messages with. No shared message: found. More
messages than that before-campaign had: grown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Snapshot = dict[str, frozenset[int]]


@dataclass(frozen=True, slots=True)
class CampaignEvent:
    kind: str  # "found" or "grown"
    campaign_id: str
    name: str
    verdict: str
    messages: int
    targets: int
    new_messages: int
    first_seen: dt.datetime | None
    last_seen: dt.datetime | None
    previous_id: str = ""  # the campaign it grew from, when its id changed

    @property
    def title(self) -> str:
        if self.kind == "found":
            return f"mailward: new campaign {self.campaign_id} '{self.name}' ({self.verdict}, {self.messages} messages, {self.targets} targets)"
        return (f"mailward: campaign {self.campaign_id} '{self.name}' grew by {self.new_messages} "
                f"to {self.messages} messages, {self.targets} targets ({self.verdict})")

    def to_json(self) -> dict[str, Any]:
        return {
            "event": f"campaign_{self.kind}",
            "campaign": self.campaign_id,
            "name": self.name,
            "verdict": self.verdict,
            "messages": self.messages,
            "targets": self.targets,
            "new_messages": self.new_messages,
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "previous_id": self.previous_id or None,
            "summary": self.title,
        }


def snapshot(store: Any) -> Snapshot:
    """Attack campaigns and their member messages, as they are now."""
    from sqlalchemy import select

    from mailward.store.models import CampaignMemberRow, CampaignRow

    out: dict[str, set[int]] = {}
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(CampaignMemberRow.campaign_id, CampaignMemberRow.message_pk)
            .join(CampaignRow, CampaignRow.id == CampaignMemberRow.campaign_id)
            .where(CampaignRow.kind == "attack")
        )
        for cid, pk in rows:
            out.setdefault(str(cid), set()).add(int(pk))
    return {k: frozenset(v) for k, v in out.items()}


def diff(before: Snapshot, after: Snapshot, campaigns: dict[str, Any]) -> list[CampaignEvent]:
    """Events for the campaigns of ``after`` that are new or larger than in ``before``."""
    owner: dict[int, str] = {pk: cid for cid, pks in before.items() for pk in pks}
    events: list[CampaignEvent] = []
    for cid, pks in sorted(after.items()):
        overlap: dict[str, int] = {}
        for pk in pks:
            prev = owner.get(pk)
            if prev is not None:
                overlap[prev] = overlap.get(prev, 0) + 1
        info = campaigns.get(cid)
        if info is None:
            continue
        if not overlap:
            kind, prev_id, added = "found", "", len(pks)
        else:
            prev_id = max(sorted(overlap), key=lambda k: overlap[k])
            added = len(pks - before[prev_id])
            if added == 0:
                continue
            kind = "grown"
        events.append(
            CampaignEvent(kind, cid, info.name, info.verdict, info.message_count, info.target_count, added,
                          info.first_seen, info.last_seen, prev_id if prev_id != cid else "")
        )
    return events


def rebuild_and_report(store: Any, before: Snapshot | None, config: Any = None, *, alert: bool = True,
                       wait: float | None = None,
                       changed: Mapping[int, tuple[Any, Any]] | None = None) -> list[CampaignEvent]:
    """Re-cluster the store (only around the ``changed`` messages when given: their
    (verdict, features) before and after the change); return (and, when alerts are
    configured, send) the events."""
    from mailward.hunt.campaigns import recluster
    from mailward.hunt.incremental import recluster_changed

    if before is None:
        before = snapshot(store)
    if changed is not None:
        recluster_changed(store, {pk: b for pk, (b, _a) in changed.items()},
                          {pk: a for pk, (_b, a) in changed.items()})
    else:
        recluster(store, config=config)
    after = snapshot(store)
    campaigns = {c.id: c for c in store.campaigns(kind="attack")}
    events = diff(before, after, campaigns)
    if alert and events and config is not None:
        try:
            from .dispatch import send_events
        except ImportError:  # pragma: no cover - a build without alert channels
            return events
        send_events(events, config, wait=wait)
    return events
