"""What re-clustering a part of the store needs (``mailward.hunt.incremental``).

A full re-clustering reads every stored message into Python. After a retro-match only
the messages it matched changed, so the incremental re-clustering reads the attack
messages (few, by the ``verdict`` index), the messages that changed and their
campaigns, and asks the database for the only thing it needs from the rest of the
store: how often ordinary mail uses each key and indicator that attack mail uses.
The database counts those in one pass over the JSON columns, in C, without
handing a row to Python.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .base import _chunks
from .messages import ClusterInput, MessagesMixin
from .models import CampaignMemberRow, CampaignRow

# ordinary mail: neither attack nor unscannable, as mailward.hunt.campaigns (a test checks they agree)
NOT_BENIGN = ("suspicious", "recon", "phishing", "malicious", "unscannable")

_KEYS_SQLITE = """
    SELECT j.value, count(*) FROM messages m, json_each(m.features, '$.keys') j
    WHERE m.verdict NOT IN ('suspicious', 'recon', 'phishing', 'malicious', 'unscannable') AND json_type(m.features, '$.keys') = 'array'
      AND j.value IN (SELECT value FROM mw_wanted_keys)
    GROUP BY j.value
"""
_KEYS_PG = """
    SELECT j.value, count(*) FROM messages m
    CROSS JOIN LATERAL json_array_elements_text(
        CASE WHEN json_typeof(m.features -> 'keys') = 'array' THEN m.features -> 'keys' END) AS j(value)
    WHERE m.verdict NOT IN ('suspicious', 'recon', 'phishing', 'malicious', 'unscannable') AND j.value IN (SELECT value FROM mw_wanted_keys)
    GROUP BY j.value
"""
_INDICATORS_SQLITE = """
    SELECT w.kind, w.value, count(*) FROM messages m, json_each(m.indicators) j
    JOIN mw_wanted_indicators w
      ON w.kind = json_extract(j.value, '$.kind') AND w.value = json_extract(j.value, '$.value')
    WHERE m.verdict NOT IN ('suspicious', 'recon', 'phishing', 'malicious', 'unscannable') AND m.indicators <> '[]'
      AND json_type(m.indicators) = 'array' AND j.type = 'object'
    GROUP BY w.kind, w.value
"""
_INDICATORS_PG = """
    SELECT w.kind, w.value, count(*) FROM messages m
    CROSS JOIN LATERAL json_array_elements(
        CASE WHEN json_typeof(m.indicators) = 'array' THEN m.indicators END) AS j(item)
    JOIN mw_wanted_indicators w
      ON json_typeof(j.item) = 'object' AND w.kind = j.item ->> 'kind' AND w.value = j.item ->> 'value'
    WHERE m.verdict NOT IN ('suspicious', 'recon', 'phishing', 'malicious', 'unscannable') AND m.indicators::text <> '[]'
    GROUP BY w.kind, w.value
"""


class ClusterDataMixin(MessagesMixin):
    """Reads for the incremental re-clustering."""

    def benign_usage(self, keys: Iterable[str], indicators: Iterable[tuple[str, str]]
                     ) -> tuple[Counter[str], Counter[tuple[str, str]]]:
        """How many ordinary (not attack, not unscannable) messages use each of ``keys``
        in their campaign keys, and each (kind, value) of ``indicators``: the counts
        ``mailward.hunt.campaigns.cluster`` takes over the whole store, for these only."""
        wanted_keys = sorted(set(keys))
        wanted_ind = sorted({(k, v) for k, v in indicators if k and v})
        key_counts: Counter[str] = Counter()
        ind_counts: Counter[tuple[str, str]] = Counter()
        pg = self.dialect == "postgresql"
        with self.engine.begin() as conn:
            if wanted_keys:
                _temp(conn, pg, "mw_wanted_keys", [(k,) for k in wanted_keys])
                for value, count in conn.exec_driver_sql(_KEYS_PG if pg else _KEYS_SQLITE):
                    key_counts[str(value)] = int(count)
            if wanted_ind:
                _temp(conn, pg, "mw_wanted_indicators", wanted_ind)
                for kind, value, count in conn.exec_driver_sql(_INDICATORS_PG if pg else _INDICATORS_SQLITE):
                    ind_counts[(str(kind), str(value))] = int(count)
        return key_counts, ind_counts

    def attack_inputs(self, verdicts: Sequence[str]) -> list[ClusterInput]:
        """Every message with one of these verdicts, in id order (by the verdict index)."""
        from .models import MessageRow

        return self._inputs(MessageRow.verdict.in_(list(verdicts)))

    def inputs_by_id(self, pks: Sequence[int]) -> dict[int, ClusterInput]:
        from .models import MessageRow

        out: dict[int, ClusterInput] = {}
        for chunk in _chunks(sorted(set(pks)), 2000):
            out.update((i.id, i) for i in self._inputs(MessageRow.id.in_(list(chunk))))
        return out

    def states(self, pks: Sequence[int]) -> dict[int, tuple[str, dict[str, Any]]]:
        """The verdict and campaign features of these messages."""
        from .models import MessageRow

        out: dict[int, tuple[str, dict[str, Any]]] = {}
        with Session(self.engine) as s:
            for chunk in _chunks(sorted(set(pks)), 2000):
                rows = s.execute(select(MessageRow.id, MessageRow.verdict, MessageRow.features)
                                 .where(MessageRow.id.in_(list(chunk))))
                out.update((int(pk), (str(verdict), features or {})) for pk, verdict, features in rows)
        return out

    def _inputs(self, where: Any) -> list[ClusterInput]:
        from .messages import CLUSTER_COLUMNS, cluster_input

        with Session(self.engine) as s:
            rows = s.execute(select(*CLUSTER_COLUMNS).where(where).order_by(CLUSTER_COLUMNS[0])).all()
        return [cluster_input(r) for r in rows]

    def campaigns_of(self, pks: Sequence[int]) -> dict[int, tuple[str, str]]:
        """The campaign (id, kind) of each of these messages that is in one."""
        out: dict[int, tuple[str, str]] = {}
        with Session(self.engine) as s:
            for chunk in _chunks(sorted(set(pks)), 2000):
                rows = s.execute(
                    select(CampaignMemberRow.message_pk, CampaignRow.id, CampaignRow.kind)
                    .join(CampaignRow, CampaignRow.id == CampaignMemberRow.campaign_id)
                    .where(CampaignMemberRow.message_pk.in_(list(chunk)))
                )
                out.update((int(pk), (str(cid), str(kind))) for pk, cid, kind in rows)
        return out

    def campaign_ids(self, kind: str) -> list[str]:
        with Session(self.engine) as s:
            return [str(r) for r in s.scalars(select(CampaignRow.id).where(CampaignRow.kind == kind))]

    def member_ids(self, campaign_ids: Iterable[str]) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        with Session(self.engine) as s:
            for chunk in _chunks(sorted(set(campaign_ids)), 500):
                rows = s.execute(
                    select(CampaignMemberRow.campaign_id, CampaignMemberRow.message_pk)
                    .where(CampaignMemberRow.campaign_id.in_(list(chunk)))
                )
                for cid, pk in rows:
                    out.setdefault(str(cid), []).append(int(pk))
        return out


_TEMP = {  # name: (create on SQLite, create on PostgreSQL, empty, insert with qmark / format parameters)
    "mw_wanted_keys": (
        "CREATE TEMP TABLE IF NOT EXISTS mw_wanted_keys (value TEXT PRIMARY KEY)",
        "CREATE TEMP TABLE IF NOT EXISTS mw_wanted_keys (value TEXT PRIMARY KEY) ON COMMIT DELETE ROWS",
        "DELETE FROM mw_wanted_keys",
        "INSERT INTO mw_wanted_keys VALUES (?)",
        "INSERT INTO mw_wanted_keys VALUES (%s)",
        "ANALYZE mw_wanted_keys",
    ),
    "mw_wanted_indicators": (
        "CREATE TEMP TABLE IF NOT EXISTS mw_wanted_indicators (kind TEXT, value TEXT, PRIMARY KEY (kind, value))",
        "CREATE TEMP TABLE IF NOT EXISTS mw_wanted_indicators (kind TEXT, value TEXT, PRIMARY KEY (kind, value))"
        " ON COMMIT DELETE ROWS",
        "DELETE FROM mw_wanted_indicators",
        "INSERT INTO mw_wanted_indicators VALUES (?, ?)",
        "INSERT INTO mw_wanted_indicators VALUES (%s, %s)",
        "ANALYZE mw_wanted_indicators",
    ),
}


def _temp(conn: Connection, pg: bool, name: str, rows: Sequence[tuple[str, ...]]) -> None:
    """The temporary table ``name`` holding ``rows`` (emptied first), for this transaction."""
    create_lite, create_pg, empty, insert_lite, insert_pg, analyze = _TEMP[name]
    conn.exec_driver_sql(create_pg if pg else create_lite)
    conn.exec_driver_sql(empty)
    for chunk in _chunks(list(rows), 5000):
        conn.exec_driver_sql(insert_pg if pg else insert_lite, list(chunk))
    if pg:
        conn.exec_driver_sql(analyze)
