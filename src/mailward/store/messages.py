"""Stored messages: the hunt's batched writes with their progress, and the message queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from .base import (
    StoreBase,
    _chunks,
    _now,
    history_upsert,
    load_host_rows,
    load_hosts_upsert,
)
from .bulk import insert_rows, message_values
from .models import (
    CampaignMemberRow,
    FileProgressRow,
    ImapProgressRow,
    MessageRow,
    RecipientRow,
)
from .records import ROW_COLUMNS, MessageRecord, PackedRecord, StoredMessage, pack_record


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


_BODY = ROW_COLUMNS.index("body")


def _write_file_progress(s: Session, files: Sequence[tuple[str, int, int, int]], now: dt.datetime) -> None:
    """Insert or update the files' progress rows: one query for which exist, then one
    executemany each way (not a get and a flush per file: a Maildir is a file per message)."""
    rows = {
        path: {"path": path, "size": size, "mtime_ns": mtime_ns, "messages": count, "updated_at": now}
        for path, size, mtime_ns, count in files
    }
    known: set[str] = set()
    for chunk in _chunks(list(rows), 500):
        known.update(s.scalars(select(FileProgressRow.path).where(FileProgressRow.path.in_(chunk))))
    new = [row for path, row in rows.items() if path not in known]
    old = [row for path, row in rows.items() if path in known]
    if new:
        s.execute(insert(FileProgressRow), new)
    if old:
        s.execute(update(FileProgressRow), old)


class MessagesMixin(StoreBase):
    """Hunt progress, the hunt's batched writes and the message queries."""

    # -- hunt progress ----------------------------------------------------------

    def imap_progress(self, folder_key: str) -> tuple[int, int] | None:
        """(UIDVALIDITY, last UID read) of a folder, or None if never hunted."""
        with Session(self.engine) as s:
            row = s.get(ImapProgressRow, folder_key)
            return None if row is None else (int(row.uidvalidity), int(row.last_uid))

    def file_states_for(self, paths: Sequence[str]) -> dict[str, FileState]:
        """The stored progress of these files (those never hunted are left out)."""
        found: dict[str, FileState] = {}
        with Session(self.engine) as s:
            for chunk in _chunks(list(dict.fromkeys(paths)), 500):
                for r in s.scalars(select(FileProgressRow).where(FileProgressRow.path.in_(chunk))):
                    found[r.path] = FileState(int(r.size), int(r.mtime_ns), int(r.messages))
        return found

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
        records: Sequence[MessageRecord | PackedRecord],
        *,
        imap: tuple[str, int, int] | None = None,
        files: Sequence[tuple[str, int, int, int]] = (),
    ) -> None:
        """Store scanned messages and the progress they represent, in one transaction.

        ``records`` come packed from the hunt's workers (``records.pack_record``) or
        as ``MessageRecord`` objects, packed here. ``imap`` is (folder key,
        UIDVALIDITY, last UID); ``files`` are (path, size, mtime_ns, messages). A
        source already stored is replaced.
        """
        now = _now()
        with Session(self.engine) as s, s.begin():
            if records:
                self._insert_messages(s, [r if isinstance(r, PackedRecord) else pack_record(r) for r in records], now)
            if imap is not None:
                key, validity, last_uid = imap
                row = s.get(ImapProgressRow, key)
                if row is None:
                    s.add(ImapProgressRow(folder_key=key, uidvalidity=validity, last_uid=last_uid, updated_at=now))
                else:
                    row.uidvalidity = validity
                    row.last_uid = max(int(row.last_uid), last_uid) if row.uidvalidity == validity else last_uid
                    row.updated_at = now
            if files:
                _write_file_progress(s, files, now)

    def _insert_messages(self, s: Session, packed: Sequence[PackedRecord], now: dt.datetime) -> None:
        conn = s.connection()
        sources = list(dict.fromkeys(p.source for p in packed))
        for chunk in _chunks(sources, 500):
            s.execute(delete(MessageRow).where(MessageRow.source.in_(chunk)))
        if len(sources) < len(packed):  # the same source twice in a batch: the last one wins
            last = {p.source: p for p in packed}
            packed = list(last.values())
        rows = [p.row for p in packed]
        if not self.keep_bodies:
            rows = [(*row[:_BODY], None, *row[_BODY + 1:]) if row[_BODY] is not None else row for row in rows]
        # Driver-level inserts (COPY on PostgreSQL), then the new ids by source (unique).
        # Not INSERT ... RETURNING: SQLAlchemy sends that as multi-row INSERTs whose text
        # depends on how the batch splits, and SQLite's driver keeps up to 128 such prepared
        # statements of thousands of parameters each (the hunting process grew by ~9 MB
        # every 1,000 messages, native memory, SQLite's own heap).
        insert_rows(conn, "messages", (*ROW_COLUMNS, "scanned_at"), message_values(conn, rows, (now,)))
        pk_by_source: dict[str, int] = {}
        for chunk in _chunks(sources, 500):
            found = s.execute(select(MessageRow.id, MessageRow.source).where(MessageRow.source.in_(chunk)))
            pk_by_source.update((source, pk) for pk, source in found)
        rcpt_rows = [
            (pk_by_source[p.source], a)
            for p in packed
            for a in dict.fromkeys(addr.lower() for addr in p.recipients if addr)
        ]
        insert_rows(conn, "message_recipients", ("message_pk", "address"), rcpt_rows)
        fact_rows = [(pk_by_source[p.source], kind, value) for p in packed for kind, value in dict.fromkeys(p.match_facts)]
        for chunk in _chunks(fact_rows, 5000):
            insert_rows(conn, "message_facts", ("message_pk", "kind", "value"), chunk)
        self._record_history(s, packed, now)

    def _record_history(self, s: Session, records: Sequence[PackedRecord], now: dt.datetime) -> None:
        # Only mail that looked legitimate makes a sender familiar: an attacker's
        # earlier messages must not turn their next one into a "known" contact.
        pairs: dict[tuple[str, str], list[Any]] = {}
        loads: list[tuple[str, Sequence[str], dt.datetime]] = []
        sender_domains: dict[str, str] = {}
        for r in records:
            if r.verdict_rank >= 2 or not r.from_addr:
                continue
            when = r.date or now
            sender = r.from_addr.lower()
            sender_domains[sender] = r.sender_domain
            loads.append((sender, r.load_sites, when))
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
            history_upsert(s, [(k[0], k[1], v[0], v[1], v[2]) for k, v in pairs.items()], sender_domains)
        if loads:
            load_hosts_upsert(s, load_host_rows(loads, resolved=True))

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
        last = 0
        with Session(self.engine) as s:
            while True:
                rows = s.execute(
                    select(*CLUSTER_COLUMNS).where(MessageRow.id > last).order_by(MessageRow.id).limit(batch)
                ).all()
                if not rows:
                    return
                for r in rows:
                    yield cluster_input(r)
                last = rows[-1][0]


CLUSTER_COLUMNS = (
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


def cluster_input(r: Any) -> ClusterInput:
    """A row of ``CLUSTER_COLUMNS`` as clustering takes it."""
    return ClusterInput(
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
