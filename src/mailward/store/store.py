"""The store: one class over SQLite or PostgreSQL with the queries mailward needs.

``open_store(url)`` connects, upgrades the schema to the newest migration and returns
a ``Store``. The hunt is the only bulk writer and writes through ``write_batch``,
which commits message rows together with the hunt progress they advance, so a run
that dies half-way resumes where the last committed batch ended.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session

from mailward.config import Config
from mailward.errors import MailwardError
from mailward.share.msgfacts import match_key

from . import migrate
from .models import (
    CampaignMemberRow,
    CampaignRow,
    FileProgressRow,
    ImapProgressRow,
    IndicatorRow,
    MessageFactRow,
    MessageRow,
    RecipientRow,
    SenderHistoryRow,
)
from .records import Campaign, CampaignHit, Indicator, MessageRecord, Person, StoredMessage, Target

DB_FILENAME = "mailward.db"


class StoreError(MailwardError):
    """The store cannot be opened or used. The message says why, without a traceback."""


def default_url(config: Config | None = None) -> str:
    """``--db`` wins, then ``[store] url``, then a SQLite file in the data directory."""
    config = config or Config()
    configured = config.section("store").get("url")
    if configured:
        return str(configured)
    return f"sqlite:///{config.data_dir / DB_FILENAME}"


def open_store(url: str | None = None, *, config: Config | None = None, upgrade: bool = True) -> Store:
    """Open (creating when needed) the store at ``url`` and upgrade it to the newest schema."""
    chosen = url or default_url(config)
    keep_bodies = bool((config or Config()).section("store").get("keep_bodies", False))
    try:
        parsed = make_url(chosen)
    except ArgumentError:
        raise StoreError(f"not a database URL: {chosen!r} (use sqlite:///PATH or postgresql://...)") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            _create_private_file(Path(database))
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
    elif backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = create_engine(parsed, pool_pre_ping=True)
    else:
        raise StoreError(f"unsupported database {backend!r}: use sqlite:///PATH or postgresql://...")
    store = Store(engine, keep_bodies=keep_bodies)
    try:
        if upgrade:
            migrate.upgrade(engine)
        elif migrate.current_revision(engine) != migrate.head_revision():
            raise StoreError("the store's schema is not current: run `mailward db upgrade`")
    except OperationalError as exc:
        engine.dispose()
        raise StoreError(f"cannot open the store {parsed.render_as_string(hide_password=True)}: {exc.orig}") from None
    return store


def _create_private_file(path: Path) -> None:
    """The SQLite file holds who was targeted by whom: readable by its owner only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
    except OSError as exc:
        raise StoreError(f"cannot create the store file {path}: {exc.strerror}") from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class FileState:
    size: int
    mtime_ns: int
    messages: int


@dataclass(frozen=True, slots=True)
class ClusterInput:
    """The part of a stored message the campaign clustering reads."""

    id: int
    sha256: str
    mailbox: str
    verdict: str
    verdict_rank: int
    date: dt.datetime | None
    from_addr: str
    from_name: str
    subject: str
    recipients: tuple[str, ...]
    features: dict[str, Any]
    minhash: bytes | None
    indicators: tuple[dict[str, str], ...]
    attack: tuple[str, ...]


class Store:
    """Queries and writes over one database. Thread-compatible, not shared across processes."""

    def __init__(self, engine: Engine, *, keep_bodies: bool = False) -> None:
        self.engine = engine
        self.keep_bodies = keep_bodies

    # -- lifecycle ------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def info(self) -> dict[str, Any]:
        with Session(self.engine) as s:
            counts = {
                "messages": s.scalar(select(func.count()).select_from(MessageRow)) or 0,
                "campaigns": s.scalar(
                    select(func.count()).select_from(CampaignRow).where(CampaignRow.kind == "attack")
                )
                or 0,
                "benign_groups": s.scalar(
                    select(func.count()).select_from(CampaignRow).where(CampaignRow.kind == "benign")
                )
                or 0,
                "indicators": s.scalar(select(func.count()).select_from(IndicatorRow)) or 0,
                "sender_pairs": s.scalar(select(func.count()).select_from(SenderHistoryRow)) or 0,
                "imap_folders": s.scalar(select(func.count()).select_from(ImapProgressRow)) or 0,
                "files": s.scalar(select(func.count()).select_from(FileProgressRow)) or 0,
            }
            verdicts = dict(
                s.execute(select(MessageRow.verdict, func.count()).group_by(MessageRow.verdict)).all()
            )
        return {
            "url": self.url,
            "dialect": self.dialect,
            "revision": migrate.current_revision(self.engine),
            "head": migrate.head_revision(),
            "keep_bodies": self.keep_bodies,
            "counts": counts,
            "verdicts": {str(k): int(v) for k, v in verdicts.items()},
        }

    # -- hunt progress ----------------------------------------------------------

    def imap_progress(self, folder_key: str) -> tuple[int, int] | None:
        """(UIDVALIDITY, last UID read) of a folder, or None if never hunted."""
        with Session(self.engine) as s:
            row = s.get(ImapProgressRow, folder_key)
            return None if row is None else (int(row.uidvalidity), int(row.last_uid))

    def file_states(self, prefix: str = "") -> dict[str, FileState]:
        with Session(self.engine) as s:
            query = select(FileProgressRow)
            if prefix:
                query = query.where(FileProgressRow.path.startswith(prefix, autoescape=True))
            return {
                r.path: FileState(int(r.size), int(r.mtime_ns), int(r.messages))
                for r in s.scalars(query)
            }

    def reset_imap_folder(self, folder_key: str, uidvalidity: int) -> int:
        """UIDVALIDITY changed: forget the folder's old messages; they will be read again."""
        with Session(self.engine) as s, s.begin():
            pattern = folder_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            result = s.execute(
                delete(MessageRow).where(MessageRow.source.like(pattern + ";UIDVALIDITY=%", escape="\\"))
            )
            s.execute(delete(ImapProgressRow).where(ImapProgressRow.folder_key == folder_key))
            s.add(ImapProgressRow(folder_key=folder_key, uidvalidity=uidvalidity, last_uid=0, updated_at=_now()))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def write_batch(
        self,
        records: Sequence[MessageRecord],
        *,
        imap: tuple[str, int, int] | None = None,
        files: Sequence[tuple[str, int, int, int]] = (),
    ) -> None:
        """Store scanned messages and the progress they represent, in one transaction.

        ``imap`` is (folder key, UIDVALIDITY, last UID); ``files`` are (path, size,
        mtime_ns, messages). A source already stored is replaced.
        """
        now = _now()
        with Session(self.engine) as s, s.begin():
            if records:
                sources = [r.source for r in records]
                for chunk in _chunks(sources, 500):
                    s.execute(delete(MessageRow).where(MessageRow.source.in_(chunk)))
                rows = [self._row(r, now) for r in records]
                ids = s.execute(insert(MessageRow).returning(MessageRow.id, MessageRow.source), rows).all()
                pk_by_source = {source: pk for pk, source in ids}
                rcpt_rows = [
                    {"message_pk": pk_by_source[r.source], "address": a}
                    for r in records
                    for a in dict.fromkeys(addr.lower() for addr in r.recipients if addr)
                ]
                if rcpt_rows:
                    s.execute(insert(RecipientRow), rcpt_rows)
                fact_rows = [
                    {"message_pk": pk_by_source[r.source], "kind": kind, "value": value}
                    for r in records
                    for kind, value in dict.fromkeys(r.match_facts)
                ]
                for chunk in _chunks(fact_rows, 5000):
                    s.execute(insert(MessageFactRow), chunk)
                self._record_history(s, records, now)
            if imap is not None:
                key, validity, last_uid = imap
                row = s.get(ImapProgressRow, key)
                if row is None:
                    s.add(ImapProgressRow(folder_key=key, uidvalidity=validity, last_uid=last_uid, updated_at=now))
                else:
                    row.uidvalidity = validity
                    row.last_uid = max(int(row.last_uid), last_uid) if row.uidvalidity == validity else last_uid
                    row.updated_at = now
            for path, size, mtime_ns, count in files:
                row_f = s.get(FileProgressRow, path)
                if row_f is None:
                    s.add(FileProgressRow(path=path, size=size, mtime_ns=mtime_ns, messages=count, updated_at=now))
                else:
                    row_f.size, row_f.mtime_ns, row_f.messages, row_f.updated_at = size, mtime_ns, count, now

    def _row(self, r: MessageRecord, now: dt.datetime) -> dict[str, Any]:
        return {
            "source": r.source[:1024],
            "mailbox": r.mailbox[:320],
            "message_id": r.message_id[:998],
            "sha256": r.sha256,
            "size": r.size,
            "from_addr": r.from_addr[:320],
            "from_name": r.from_name[:500],
            "from_domain": r.from_domain[:255],
            "reply_to": r.reply_to[:320],
            "subject": r.subject,
            "date": r.date,
            "received_ips": list(r.received_ips),
            "dkim_domains": list(r.dkim_domains),
            "verdict": r.verdict,
            "verdict_rank": r.verdict_rank,
            "score": float(r.score),
            "summary": r.summary,
            "reason": r.reason,
            "findings": r.findings,
            "beacons": r.beacons,
            "indicators": r.indicators,
            "attack": r.attack,
            "recipients": r.recipients,
            "features": r.features,
            "minhash": r.minhash,
            "body": r.body if self.keep_bodies else None,
            "scanned_at": now,
            "rule_facts": r.rule_facts,
        }

    def _record_history(self, s: Session, records: Sequence[MessageRecord], now: dt.datetime) -> None:
        # Only mail that looked legitimate makes a sender familiar: an attacker's
        # earlier messages must not turn their next one into a "known" contact.
        pairs: dict[tuple[str, str], list[Any]] = {}
        for r in records:
            if r.verdict_rank >= 2 or not r.from_addr:
                continue
            when = r.date or now
            sender = r.from_addr.lower()
            for rcpt in r.recipients:
                key = (sender, rcpt.lower())
                entry = pairs.get(key)
                if entry is None:
                    pairs[key] = [when, when, 1]
                else:
                    entry[0] = min(entry[0], when)
                    entry[1] = max(entry[1], when)
                    entry[2] += 1
        if pairs:
            history_upsert(s, [(k[0], k[1], v[0], v[1], v[2]) for k, v in pairs.items()])

    # -- messages --------------------------------------------------------------------

    def count_messages(self, *, min_rank: int = 0) -> int:
        with Session(self.engine) as s:
            return int(
                s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.verdict_rank >= min_rank))
                or 0
            )

    def messages(
        self,
        *,
        verdicts: Iterable[str] | None = None,
        campaign: str | None = None,
        recipient: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[StoredMessage]:
        """Newest first; filters combine."""
        with Session(self.engine) as s:
            q = select(MessageRow, CampaignMemberRow.campaign_id).outerjoin(
                CampaignMemberRow, CampaignMemberRow.message_pk == MessageRow.id
            )
            if verdicts:
                q = q.where(MessageRow.verdict.in_(list(verdicts)))
            if campaign:
                q = q.where(CampaignMemberRow.campaign_id == campaign)
            if recipient:
                q = q.join(RecipientRow, RecipientRow.message_pk == MessageRow.id).where(
                    RecipientRow.address == recipient.lower()
                )
            q = q.order_by(MessageRow.date.desc(), MessageRow.id.desc()).limit(limit).offset(offset)
            return [_stored(row, cid) for row, cid in s.execute(q).all()]

    def message(self, pk: int) -> StoredMessage | None:
        with Session(self.engine) as s:
            got = s.execute(
                select(MessageRow, CampaignMemberRow.campaign_id)
                .outerjoin(CampaignMemberRow, CampaignMemberRow.message_pk == MessageRow.id)
                .where(MessageRow.id == pk)
            ).first()
            return None if got is None else _stored(got[0], got[1])

    def messages_by_id(self, pks: Sequence[int]) -> list[StoredMessage]:
        """The stored messages with these ids, in the order given (missing ones left out)."""
        if not pks:
            return []
        with Session(self.engine) as s:
            rows = s.execute(
                select(MessageRow, CampaignMemberRow.campaign_id)
                .outerjoin(CampaignMemberRow, CampaignMemberRow.message_pk == MessageRow.id)
                .where(MessageRow.id.in_(list(pks)))
            ).all()
        found = {row.id: _stored(row, cid) for row, cid in rows}
        return [found[pk] for pk in pks if pk in found]

    def message_body(self, pk: int) -> bytes | None:
        with Session(self.engine) as s:
            return s.scalar(select(MessageRow.body).where(MessageRow.id == pk))

    def cluster_inputs(self, *, batch: int = 5000) -> Iterator[ClusterInput]:
        """Every stored message, in id order, with what clustering needs (streams)."""
        cols = (
            MessageRow.id,
            MessageRow.sha256,
            MessageRow.mailbox,
            MessageRow.verdict,
            MessageRow.verdict_rank,
            MessageRow.date,
            MessageRow.from_addr,
            MessageRow.from_name,
            MessageRow.subject,
            MessageRow.recipients,
            MessageRow.features,
            MessageRow.minhash,
            MessageRow.indicators,
            MessageRow.attack,
        )
        last = 0
        with Session(self.engine) as s:
            while True:
                rows = s.execute(select(*cols).where(MessageRow.id > last).order_by(MessageRow.id).limit(batch)).all()
                if not rows:
                    return
                for r in rows:
                    yield ClusterInput(
                        id=r[0],
                        sha256=r[1],
                        mailbox=r[2],
                        verdict=r[3],
                        verdict_rank=r[4],
                        date=r[5],
                        from_addr=r[6],
                        from_name=r[7],
                        subject=r[8],
                        recipients=tuple(r[9] or ()),
                        features=r[10] or {},
                        minhash=r[11],
                        indicators=tuple(r[12] or ()),
                        attack=tuple(r[13] or ()),
                    )
                last = rows[-1][0]

    # -- campaigns --------------------------------------------------------------------

    def replace_campaigns(self, campaigns: Sequence[Campaign]) -> None:
        """Swap in a new clustering result atomically."""
        now = _now()
        with Session(self.engine) as s, s.begin():
            s.execute(delete(CampaignMemberRow))
            s.execute(delete(CampaignRow))
            if campaigns:
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

    # -- indicators -------------------------------------------------------------------

    def add_indicators(self, items: Iterable[dict[str, Any]]) -> int:
        """Insert or refresh indicators; each item has value, kind and optionally source,
        confidence, expires_at, note. Returns how many were written."""
        now = _now()
        rows = []
        for item in items:
            confidence = int(item.get("confidence", 50))
            if not 0 <= confidence <= 100:
                raise StoreError(f"confidence must be 0-100, got {confidence} for {item.get('value')!r}")
            value = str(item["value"])[:2048]
            rows.append(
                {
                    "value": value,
                    "kind": str(item["kind"]),
                    "match_key": match_key(str(item["kind"]), value),
                    "source": str(item.get("source", ""))[:500],
                    "confidence": confidence,
                    "created_at": item.get("created_at") or now,
                    "expires_at": item.get("expires_at"),
                    "note": str(item.get("note", "")),
                }
            )
        if not rows:
            return 0
        with Session(self.engine) as s, s.begin():
            # de-duplicate within the batch, last one wins
            unique = {(r["kind"], r["value"], r["source"]): r for r in rows}
            ins = _dialect_insert(self.dialect, IndicatorRow)
            stmt = ins.on_conflict_do_update(
                index_elements=["kind", "value", "source"],
                set_={
                    "match_key": ins.excluded.match_key,
                    "confidence": ins.excluded.confidence,
                    "expires_at": ins.excluded.expires_at,
                    "note": ins.excluded.note,
                },
            )
            for chunk in _chunks(list(unique.values()), 2000):
                s.execute(stmt, chunk)
        return len(unique)

    def indicators(
        self, *, kind: str | None = None, source: str | None = None, include_expired: bool = False
    ) -> list[Indicator]:
        with Session(self.engine) as s:
            q = select(IndicatorRow)
            if kind:
                q = q.where(IndicatorRow.kind == kind)
            if source:
                q = q.where(IndicatorRow.source == source)
            if not include_expired:
                q = q.where((IndicatorRow.expires_at.is_(None)) | (IndicatorRow.expires_at > _now()))
            q = q.order_by(IndicatorRow.id)
            return [
                Indicator(r.id, r.value, r.kind, r.source, r.confidence, r.created_at, r.expires_at, r.note)
                for r in s.scalars(q)
            ]

    def remove_indicators(
        self, *, ids: Iterable[int] = (), source: str | None = None, value: str | None = None
    ) -> int:
        """Delete by id, by source, or by value; returns how many went."""
        conditions: list[Any] = []
        id_list = list(ids)
        if id_list:
            conditions.append(IndicatorRow.id.in_(id_list))
        if source is not None:
            conditions.append(IndicatorRow.source == source)
        if value is not None:
            conditions.append(IndicatorRow.value == value)
        if not conditions:
            return 0
        with Session(self.engine) as s, s.begin():
            total = 0
            for cond in conditions:
                total += int(s.execute(delete(IndicatorRow).where(cond)).rowcount or 0)  # type: ignore[attr-defined]
            return total

    # -- sender history ---------------------------------------------------------------

    def sender_history(self) -> Any:
        from .history import StoreSenderHistory

        return StoreSenderHistory(self.engine)


def history_upsert(s: Session, rows: Sequence[tuple[str, str, dt.datetime, dt.datetime, int]]) -> None:
    """Add (sender, recipient, first, last, count) observations to the history."""
    dialect = s.get_bind().dialect.name
    ins = _dialect_insert(dialect, SenderHistoryRow)
    table = SenderHistoryRow.__table__
    stmt = ins.on_conflict_do_update(
        index_elements=["sender", "recipient"],
        set_={
            "count": table.c.count + ins.excluded.count,
            "first_seen": func.min(table.c.first_seen, ins.excluded.first_seen)
            if dialect == "sqlite"
            else func.least(table.c.first_seen, ins.excluded.first_seen),
            "last_seen": func.max(table.c.last_seen, ins.excluded.last_seen)
            if dialect == "sqlite"
            else func.greatest(table.c.last_seen, ins.excluded.last_seen),
        },
    )
    from mailward import domains

    payload = [
        {
            "sender": a[:320],
            "recipient": b[:320],
            "sender_domain": (domains.registrable(a.rpartition("@")[2]) or a.rpartition("@")[2])[:255],
            "first_seen": f,
            "last_seen": la,
            "count": c,
        }
        for a, b, f, la, c in sorted(rows)
    ]
    for chunk in _chunks(payload, 2000):
        s.execute(stmt, chunk)


def _dialect_insert(dialect: str, model: Any) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model)


_RANK = {"clean": 0, "tracking": 1, "suspicious": 2, "unscannable": 2, "recon": 3, "phishing": 4, "malicious": 5}


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _coerce_utc(value: Any) -> dt.datetime | None:
    """Aggregates bypass the column type: SQLite hands back strings or naive values."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return None


def _stored(row: MessageRow, campaign_id: str | None) -> StoredMessage:
    return StoredMessage(
        id=row.id,
        source=row.source,
        mailbox=row.mailbox,
        message_id=row.message_id,
        sha256=row.sha256,
        size=row.size,
        from_addr=row.from_addr,
        from_name=row.from_name,
        from_domain=row.from_domain,
        reply_to=row.reply_to,
        subject=row.subject,
        date=row.date,
        received_ips=tuple(row.received_ips or ()),
        dkim_domains=tuple(row.dkim_domains or ()),
        verdict=row.verdict,
        score=row.score,
        summary=row.summary,
        reason=row.reason,
        findings=tuple(row.findings or ()),
        beacons=tuple(row.beacons or ()),
        indicators=tuple(row.indicators or ()),
        attack=tuple(row.attack or ()),
        recipients=tuple(row.recipients or ()),
        scanned_at=row.scanned_at,
        campaign_id=campaign_id,
    )


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


__all__ = [
    "ClusterInput",
    "FileState",
    "Store",
    "StoreError",
    "default_url",
    "open_store",
]
