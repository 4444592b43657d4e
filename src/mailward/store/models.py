"""SQLAlchemy 2 models of the store.

The schema itself is owned by the Alembic migrations in ``store/migrations``; these
classes describe the same tables for queries. A test checks that the two agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware datetimes in, UTC out, on SQLite (which has no zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""


class MessageRow(Base):
    """One scanned copy of a message, at one source (a mailbox UID or a file)."""

    __tablename__ = "messages"
    # the web lists messages newest first and counts recent days (migration 0003)
    __table_args__ = (Index("ix_web_messages_date", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(1024), unique=True)
    mailbox: Mapped[str] = mapped_column(String(320), default="", index=True)
    message_id: Mapped[str] = mapped_column(String(998), default="", index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    from_addr: Mapped[str] = mapped_column(String(320), default="", index=True)
    from_name: Mapped[str] = mapped_column(String(500), default="")
    from_domain: Mapped[str] = mapped_column(String(255), default="")
    reply_to: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    received_ips: Mapped[list[Any]] = mapped_column(JSON, default=list)
    dkim_domains: Mapped[list[Any]] = mapped_column(JSON, default=list)
    verdict: Mapped[str] = mapped_column(String(16), index=True)
    verdict_rank: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    summary: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    findings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    beacons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    indicators: Mapped[list[Any]] = mapped_column(JSON, default=list)
    attack: Mapped[list[Any]] = mapped_column(JSON, default=list)
    recipients: Mapped[list[Any]] = mapped_column(JSON, default=list)
    features: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    scanned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # the rule facts of the scan (zlib-compressed JSON): `mailward rescan` and the
    # retro-match re-run the rules over them without reading the mailbox again
    rule_facts: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


# Byte order on both databases, so that a URL prefix is a range of the index
# (PostgreSQL's default collation would order by locale).
FactText = Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")


class MessageFactRow(Base):
    """What an indicator can match in one stored message (mailward.share.msgfacts):
    the retro-match joins indicators to these rows instead of re-reading mailboxes."""

    __tablename__ = "message_facts"
    __table_args__ = (Index("ix_message_facts_message_pk", "message_pk"),)

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # email, domain, url, ip, sha256, tmpl, band
    value: Mapped[str] = mapped_column(FactText, primary_key=True)
    message_pk: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )


class AnalystLabelRow(Base):
    """What an analyst confirmed a message to be ("phishing" or "ham"), by content hash:
    every stored copy of the message carries it. Training data for ``mailward learn --store``."""

    __tablename__ = "analyst_labels"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(16), index=True)
    analyst: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    labelled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class IntelMatchRow(Base):
    """An indicator that matched a stored message (found by the retro-match)."""

    __tablename__ = "intel_matches"

    message_pk: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    matched: Mapped[str] = mapped_column(Text, default="")  # the message's value that matched
    location: Mapped[str] = mapped_column(String(16), default="")  # which fact kind
    matched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class RecipientRow(Base):
    """Who one stored message was for (one row per address): the targets query."""

    __tablename__ = "message_recipients"

    message_pk: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str] = mapped_column(String(320), primary_key=True, index=True)


class SenderHistoryRow(Base):
    """How often a sender has written to a recipient: feeds first-contact analysis."""

    __tablename__ = "sender_history"

    sender: Mapped[str] = mapped_column(String(320), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320), primary_key=True)
    sender_domain: Mapped[str] = mapped_column(String(255), default="", index=True)  # registrable
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(Integer, default=0)


class SenderLoadHostRow(Base):
    """Where a sender's mail loaded remote content from (registrable domains; host ""
    marks a sender whose mail was recorded with its loads, even when it loaded
    nothing). Feeds ``recon.new_load_host``: a known sender that suddenly tags its
    reader through a host its mail never used is a compromised-account sign."""

    __tablename__ = "sender_load_hosts"

    sender: Mapped[str] = mapped_column(String(320), primary_key=True)
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(Integer, default=0)


class CampaignRow(Base):
    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="attack", index=True)
    name: Mapped[str] = mapped_column(String(500), default="")
    verdict: Mapped[str] = mapped_column(String(16), default="")
    verdict_rank: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    target_count: Mapped[int] = mapped_column(Integer, default=0)
    senders: Mapped[list[Any]] = mapped_column(JSON, default=list)
    identities: Mapped[list[Any]] = mapped_column(JSON, default=list)
    indicators: Mapped[list[Any]] = mapped_column(JSON, default=list)
    attack: Mapped[list[Any]] = mapped_column(JSON, default=list)
    links: Mapped[list[Any]] = mapped_column(JSON, default=list)  # why members were joined
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CampaignMemberRow(Base):
    __tablename__ = "campaign_members"

    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    message_pk: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ImapProgressRow(Base):
    """How far a hunt has read one IMAP folder."""

    __tablename__ = "hunt_imap"

    folder_key: Mapped[str] = mapped_column(String(1024), primary_key=True)  # imap://user@host:port/folder
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class FileProgressRow(Base):
    """A file (or mbox) a hunt has read, with what it looked like then."""

    __tablename__ = "hunt_files"

    path: Mapped[str] = mapped_column(String(2048), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    messages: Mapped[int] = mapped_column(Integer, default=1)  # mbox: messages read so far
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class IndicatorRow(Base):
    """A threat-intelligence indicator (imported or derived from a campaign)."""

    __tablename__ = "indicators"
    __table_args__ = (
        UniqueConstraint("kind", "value", "source", name="uq_indicators_kind_value_source"),
        Index("ix_indicators_value", "value"),
        Index("ix_indicators_kind_match_key", "kind", "match_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(32))  # domain, url, email, ipv4, ipv6, sha256, md5, sha1
    source: Mapped[str] = mapped_column(String(500), default="")
    confidence: Mapped[int] = mapped_column(Integer, default=50)  # 0-100
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # the form stored facts are compared in (mailward.share.msgfacts.match_key);
    # "" when the indicator is matched some other way (networks, sketches) or never
    match_key: Mapped[str] = mapped_column(FactText, default="")
