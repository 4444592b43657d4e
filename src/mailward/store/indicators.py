"""Indicators (local and shared intelligence) and the sender history view."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mailward.share.msgfacts import match_key

from .base import StoreBase, StoreError, _chunks, _dialect_insert, _now
from .models import (
    IndicatorRow,
)
from .records import Indicator


class IndicatorsMixin(StoreBase):
    """Indicators of compromise and the sender history view."""

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
