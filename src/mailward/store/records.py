"""Plain data that goes into and comes out of the store.

Hunt workers build ``MessageRecord`` objects and hand them back packed
(``pack_record``: the row already in column order, its JSON columns already
serialised), so that the single writing process only inserts; the CLI, the web UI and the exporters read ``Campaign``,
``Target`` and ``StoredMessage`` and never touch the ORM.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class MessageRecord:
    """What the store keeps about one scanned message copy."""

    source: str
    sha256: str
    verdict: str
    verdict_rank: int
    score: float = 0.0
    mailbox: str = ""
    message_id: str = ""
    size: int = 0
    from_addr: str = ""
    from_name: str = ""
    from_domain: str = ""
    reply_to: str = ""
    subject: str = ""
    date: dt.datetime | None = None
    received_ips: list[str] = field(default_factory=list)
    dkim_domains: list[str] = field(default_factory=list)
    summary: str = ""
    reason: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    beacons: list[dict[str, Any]] = field(default_factory=list)
    indicators: list[dict[str, str]] = field(default_factory=list)  # {"kind": ..., "value": ...}
    attack: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    features: dict[str, Any] = field(default_factory=dict)  # campaign keys (hunt.features)
    minhash: bytes | None = None
    body: bytes | None = None
    match_facts: list[tuple[str, str]] = field(default_factory=list)  # mailward.share.msgfacts
    rule_facts: bytes | None = None  # zlib-compressed JSON of the scan's rule facts


# The columns of ``messages`` that a hunt writes, in the order of ``PackedRecord.row``
# (``scanned_at`` is the writer's: the time of the transaction).
ROW_COLUMNS = (
    "source", "mailbox", "message_id", "sha256", "size", "from_addr", "from_name", "from_domain",
    "reply_to", "subject", "date", "received_ips", "dkim_domains", "verdict", "verdict_rank", "score",
    "summary", "reason", "findings", "beacons", "indicators", "attack", "recipients", "features",
    "minhash", "body", "rule_facts",
)
# serialised by ``pack_record`` with ``json.dumps``, which is what SQLAlchemy's JSON type
# binds (no custom serialiser is configured): the stored text is the same either way
JSON_COLUMNS = frozenset(
    {"received_ips", "dkim_domains", "findings", "beacons", "indicators", "attack", "recipients", "features"}
)


@dataclass(frozen=True, slots=True)
class PackedRecord:
    """A ``MessageRecord`` as a worker hands it to the writer: the ``messages`` row as
    values in ``ROW_COLUMNS`` order (JSON columns as text), plus what the writer reads
    apart (recipient and fact rows, the sender history). Pickles to a few strings
    instead of nested lists of dicts, and the writer serialises nothing."""

    source: str
    verdict: str
    verdict_rank: int
    size: int
    from_addr: str
    date: dt.datetime | None
    recipients: tuple[str, ...]
    # for the sender history, resolved where the scan ran (the writer then needs no
    # public suffix list): the registrable domain of ``from_addr`` (or its domain part)
    # and the sites (registrable domains) the message loads from on open
    sender_domain: str
    load_sites: tuple[str, ...]
    match_facts: tuple[tuple[str, str], ...]
    row: tuple[Any, ...]


# ``json.dumps`` with its defaults, less the check for circular references (a record
# is built from plain scan output): the same text, ~10 % less time
_DUMPS = json.JSONEncoder(check_circular=False).encode


def load_hosts_of(beacons: Sequence[Any]) -> list[str]:
    """Hosts of a message's loads on open (beacons of every kind but link)."""
    return [str(b.get("host", "")) for b in beacons
            if isinstance(b, dict) and b.get("kind") != "link" and b.get("host")]


def sender_domain_of(sender: str) -> str:
    """The sender history's ``sender_domain`` of an address: the registrable domain of
    its domain part, or the domain part itself when it has none (cut to the column)."""
    from mailward import domains

    part = sender.lower().rpartition("@")[2]
    return (domains.registrable(part) or part)[:255]


def load_sites_of(hosts: Sequence[str]) -> tuple[str, ...]:
    """The sites (registrable domains, else the host) of load hosts, as the sender
    history keeps them: lower-case, each once, in first-seen order."""
    from mailward import domains

    return tuple(dict.fromkeys((domains.site(h.lower()) or h.lower()) for h in hosts if h))


def pack_record(r: MessageRecord) -> PackedRecord:
    """``r`` as the writer inserts it (lengths cut to the columns' sizes)."""
    dumps = _DUMPS
    remembered = r.verdict_rank < 2 and bool(r.from_addr)  # what the sender history will keep
    row = (
        r.source[:1024], r.mailbox[:320], r.message_id[:998], r.sha256, r.size, r.from_addr[:320],
        r.from_name[:500], r.from_domain[:255], r.reply_to[:320], r.subject, r.date,
        dumps(list(r.received_ips)), dumps(list(r.dkim_domains)), r.verdict, r.verdict_rank, float(r.score),
        r.summary, r.reason, dumps(r.findings), dumps(r.beacons), dumps(r.indicators), dumps(r.attack),
        dumps(r.recipients), dumps(r.features), r.minhash, r.body, r.rule_facts,
    )
    return PackedRecord(
        source=row[0],
        verdict=r.verdict,
        verdict_rank=r.verdict_rank,
        size=r.size,
        from_addr=r.from_addr,
        date=r.date,
        recipients=tuple(r.recipients),
        sender_domain=sender_domain_of(r.from_addr) if remembered else "",
        load_sites=load_sites_of(load_hosts_of(r.beacons)) if remembered else (),
        match_facts=tuple(r.match_facts),
        row=row,
    )


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: int
    source: str
    mailbox: str
    message_id: str
    sha256: str
    size: int
    from_addr: str
    from_name: str
    from_domain: str
    reply_to: str
    subject: str
    date: dt.datetime | None
    received_ips: tuple[str, ...]
    dkim_domains: tuple[str, ...]
    verdict: str
    score: float
    summary: str
    reason: str
    findings: tuple[dict[str, Any], ...]
    beacons: tuple[dict[str, Any], ...]
    indicators: tuple[dict[str, str], ...]
    attack: tuple[str, ...]
    recipients: tuple[str, ...]
    scanned_at: dt.datetime
    campaign_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "mailbox": self.mailbox,
            "message_id": self.message_id,
            "sha256": self.sha256,
            "size": self.size,
            "from": self.from_addr,
            "from_name": self.from_name,
            "reply_to": self.reply_to,
            "subject": self.subject,
            "date": _iso(self.date),
            "received_ips": list(self.received_ips),
            "dkim_domains": list(self.dkim_domains),
            "verdict": self.verdict,
            "score": self.score,
            "summary": self.summary,
            "reason": self.reason,
            "findings": list(self.findings),
            "beacons": list(self.beacons),
            "indicators": list(self.indicators),
            "attack": list(self.attack),
            "recipients": list(self.recipients),
            "scanned_at": _iso(self.scanned_at),
            "campaign": self.campaign_id,
        }


@dataclass(frozen=True, slots=True)
class Campaign:
    """A group of messages sent by one operation, as the clustering found it.

    ``kind`` is "attack" (members are suspicious or worse) or "benign" (newsletters
    and other bulk mail grouped by identical infrastructure; never mixed with attacks).
    ``indicators`` are ``{"kind", "value"}`` objects with kinds from
    ``mailward.share.indicator_values`` (domain, url, email, ipv4, ipv6, sha256, subject).
    """

    id: str
    kind: str
    name: str
    verdict: str
    first_seen: dt.datetime | None
    last_seen: dt.datetime | None
    message_count: int
    target_count: int
    senders: tuple[str, ...]
    identities: tuple[str, ...]
    indicators: tuple[dict[str, str], ...]
    attack: tuple[str, ...]
    links: tuple[str, ...]
    targets: tuple[str, ...] = ()
    message_ids: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "verdict": self.verdict,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "message_count": self.message_count,
            "target_count": self.target_count,
            "senders": list(self.senders),
            "identities": list(self.identities),
            "indicators": list(self.indicators),
            "attack": list(self.attack),
            "linked_by": list(self.links),
            "targets": list(self.targets),
            "messages": list(self.message_ids),
        }


@dataclass(frozen=True, slots=True)
class CampaignHit:
    campaign_id: str
    campaign_name: str
    verdict: str
    first_seen: dt.datetime | None
    last_seen: dt.datetime | None
    messages: int


@dataclass(frozen=True, slots=True)
class Target:
    """One address that received campaign mail, with the roster entry when known."""

    address: str
    name: str
    role: str
    campaigns: tuple[CampaignHit, ...]

    @property
    def first_seen(self) -> dt.datetime | None:
        dates = [c.first_seen for c in self.campaigns if c.first_seen]
        return min(dates) if dates else None

    @property
    def last_seen(self) -> dt.datetime | None:
        dates = [c.last_seen for c in self.campaigns if c.last_seen]
        return max(dates) if dates else None

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "name": self.name,
            "role": self.role,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "campaigns": [
                {
                    "id": c.campaign_id,
                    "name": c.campaign_name,
                    "verdict": c.verdict,
                    "first_seen": _iso(c.first_seen),
                    "last_seen": _iso(c.last_seen),
                    "messages": c.messages,
                }
                for c in self.campaigns
            ],
        }


@dataclass(frozen=True, slots=True)
class Indicator:
    id: int
    value: str
    kind: str
    source: str
    confidence: int
    created_at: dt.datetime
    expires_at: dt.datetime | None
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "value": self.value,
            "kind": self.kind,
            "source": self.source,
            "confidence": self.confidence,
            "created_at": _iso(self.created_at),
            "expires_at": _iso(self.expires_at),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Person:
    """A protected person from the config's ``[[organisation.people]]`` roster."""

    name: str
    addresses: tuple[str, ...]
    role: str = ""


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
