"""Analyst labels: "this stored message is phishing" or "this one is wanted mail".

A label is kept per message content (the SHA-256 of the raw bytes), so every stored
copy carries it, with who set it and when. ``mailward learn --store`` trains the
content model on the labelled messages whose bodies the store kept
(``[store] keep_bodies``). Setting a label again replaces it; clearing removes it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .base import StoreBase, StoreError, _dialect_insert, _now
from .models import AnalystLabelRow, MessageRow

LABELS = ("phishing", "ham")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class AnalystLabel:
    sha256: str
    label: str  # "phishing" or "ham"
    analyst: str
    note: str
    labelled_at: dt.datetime
    copies: int = 0  # stored messages with this content
    has_body: bool = False  # whether the store kept a body to learn from

    def to_json(self) -> dict[str, object]:
        return {"sha256": self.sha256, "label": self.label, "analyst": self.analyst, "note": self.note,
                "labelled_at": self.labelled_at.isoformat(), "copies": self.copies, "has_body": self.has_body}


def check_sha256(value: str) -> str:
    digest = value.strip().lower()
    if not _SHA256.fullmatch(digest):
        raise StoreError(f"not a SHA-256 (64 hex digits): {value[:80]!r}")
    return digest


class LabelsMixin(StoreBase):
    """Set, clear and read analyst labels; the labelled bodies for training."""

    def set_label(self, sha256: str, label: str, *, analyst: str, note: str = "") -> AnalystLabel:
        """Label every stored copy of the message ``sha256``. A message the store does not
        hold cannot be labelled (a typo would otherwise become training data later)."""
        digest = check_sha256(sha256)
        if label not in LABELS:
            raise StoreError(f"unknown label {label!r}: use one of {', '.join(LABELS)}")
        who = analyst.strip()
        if not who:
            raise StoreError("a label needs the analyst's name")
        with Session(self.engine) as s, s.begin():
            copies = s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.sha256 == digest)) or 0
            if not copies:
                raise StoreError(f"no stored message has SHA-256 {digest}")
            values = {"sha256": digest, "label": label, "analyst": who[:200], "note": note[:2000],
                      "labelled_at": _now()}
            ins = _dialect_insert(self.dialect, AnalystLabelRow)
            s.execute(ins.values(**values).on_conflict_do_update(
                index_elements=["sha256"],
                set_={k: ins.excluded[k] for k in ("label", "analyst", "note", "labelled_at")},
            ))
        found = self.label(digest)
        assert found is not None
        return found

    def clear_label(self, sha256: str) -> bool:
        """Remove the label of ``sha256``; False when it had none."""
        digest = check_sha256(sha256)
        with Session(self.engine) as s, s.begin():
            result = s.execute(delete(AnalystLabelRow).where(AnalystLabelRow.sha256 == digest))
        return bool(getattr(result, "rowcount", 0))

    def label(self, sha256: str) -> AnalystLabel | None:
        labels = self.labels(sha256s=(check_sha256(sha256),))
        return labels[0] if labels else None

    def labels(self, *, label: str | None = None, sha256s: tuple[str, ...] = ()) -> list[AnalystLabel]:
        """Labels, newest first, with how many stored copies each has and whether a body was kept."""
        copies = (
            select(MessageRow.sha256, func.count().label("n"), func.count(MessageRow.body).label("bodies"))
            .group_by(MessageRow.sha256)
            .subquery()
        )
        query = (
            select(AnalystLabelRow, copies.c.n, copies.c.bodies)
            .outerjoin(copies, copies.c.sha256 == AnalystLabelRow.sha256)
            .order_by(AnalystLabelRow.labelled_at.desc(), AnalystLabelRow.sha256)
        )
        if label is not None:
            query = query.where(AnalystLabelRow.label == label)
        if sha256s:
            query = query.where(AnalystLabelRow.sha256.in_(sha256s))
        with Session(self.engine) as s:
            rows = s.execute(query).all()
        return [
            AnalystLabel(r.sha256, r.label, r.analyst, r.note, r.labelled_at, int(n or 0), bool(bodies))
            for r, n, bodies in rows
        ]

    def labelled_bodies(self) -> Iterator[tuple[str, str, bytes | None]]:
        """(sha256, label, raw message or None) for every label, one stored copy each:
        None when the store kept no body for it (``[store] keep_bodies`` was off)."""
        with Session(self.engine) as s:
            labelled = s.execute(select(AnalystLabelRow.sha256, AnalystLabelRow.label)
                                 .order_by(AnalystLabelRow.sha256)).all()
            for digest, label in labelled:
                body = s.scalar(
                    select(MessageRow.body)
                    .where(MessageRow.sha256 == digest, MessageRow.body.is_not(None))
                    .order_by(MessageRow.id)
                    .limit(1)
                )
                yield digest, label, body
