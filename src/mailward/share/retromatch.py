"""Retro-match: new indicators against every stored message, at once, in the database.

When indicators arrive (``mailward intel import``, ``intel add-campaign``, the API)
the store already holds, per message, what an indicator can match
(``message_facts``, see ``mailward.share.msgfacts``). Matching is then one
``INSERT ... SELECT`` join per kind of fact, run by the database over its indexes:

* equal values (addresses, domains and their parents, IPs, hashes, URL templates):
  ``indicators.match_key = message_facts.value``;
* URL prefixes: ``value >= key AND value < key || U+10FFFF``, a range of the same
  index (byte order: the column is collated "C" on PostgreSQL);
* IP networks and body sketches in Python, over the few rows they concern: the
  distinct stored IPs, and the messages that share a LSH band with a sketch
  (verified on the whole sketch).

Matches land in ``intel_matches`` (unique per message and indicator, so running it
again finds nothing new). The messages with new matches are then re-evaluated by
the current rules with their matches as ``intel`` facts (``mailward.share.reverdict``),
and the campaigns are rebuilt; a campaign found or grown is reported as an event
(``mailward.alerts``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.engine import Connection

from mailward.share import msgfacts
from mailward.store.models import IndicatorRow, IntelMatchRow, MessageRow, UTCDateTime

SKETCH_THRESHOLD = 0.8  # estimated Jaccard for a body sketch to match (as the clustering)

LOCATION = {
    "email": "sender",
    "domain": "host",
    "url": "url",
    "ip": "ip",
    "sha256": "hash",
    "tmpl": "url-template",
    "band": "body",
}

# (indicator kinds, fact kind, how): one INSERT ... SELECT each
_JOINS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("email",), "email", "eq"),
    (("domain",), "domain", "eq"),
    (("ipv4", "ipv6"), "ip", "eq"),
    (("sha256",), "sha256", "eq"),
    (("url-template",), "tmpl", "eq"),
    (("url",), "url", "prefix"),
)

_TOP = "\U0010ffff"  # sorts after every character: key || TOP bounds the keys it prefixes


@dataclass
class RematchReport:
    indicators: int = 0  # unexpired indicators compared
    new_matches: int = 0  # (message, indicator) pairs not matched before
    messages: int = 0  # messages with a new match
    changed: int = 0  # of which the verdict changed
    not_reevaluated: int = 0  # stored before rule facts were kept: verdict left as it was
    match_seconds: float = 0.0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
    by_kind: dict[str, int] = field(default_factory=dict)
    events: list[Any] = field(default_factory=list)  # mailward.alerts.CampaignEvent

    def to_json(self) -> dict[str, Any]:
        return {
            "indicators": self.indicators,
            "new_matches": self.new_matches,
            "messages": self.messages,
            "verdicts_changed": self.changed,
            "not_reevaluated": self.not_reevaluated,
            "match_seconds": round(self.match_seconds, 3),
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "by_kind": dict(self.by_kind),
            "campaign_events": [e.to_json() for e in self.events],
        }


def protected_indicator_ids(conn: Connection, own_domains: Iterable[str]) -> list[int]:
    """Domain indicators naming the organisation's own domains or their parents: a bad
    feed entry would otherwise flag all internal mail (the scan-time matcher skips them too)."""
    from mailward.share.indicator_values import host_ascii

    protected: set[str] = set()
    for own in own_domains:
        host = host_ascii(str(own))
        while "." in host:
            protected.add(host)
            host = host.partition(".")[2]
    if not protected:
        return []
    rows = conn.execute(
        select(IndicatorRow.id).where(IndicatorRow.kind == "domain", IndicatorRow.value.in_(sorted(protected)))
    )
    return [int(r[0]) for r in rows]


_EQUAL = "f.value = i.match_key"
_PREFIX = "f.value >= i.match_key AND f.value < i.match_key || :top"
# The indicators in key order, then one probe of the facts index each: walked in
# order, consecutive probes land on the same or the next index pages (PostgreSQL read
# the indicators in table order, i.e. random places in a 1.5 GB index; SQLite already
# walked ix_indicators_kind_match_key). CROSS JOIN keeps that order on SQLite; on
# PostgreSQL a subquery with ORDER BY is not flattened (EXPLAIN at 1,000,000 messages:
# a nested loop over the facts' primary key; bench/RESULTS.md, 2026-12-02 03:30).
_JOIN = """
    INSERT INTO intel_matches (message_pk, indicator_id, matched, location, matched_at)
    SELECT f.message_pk, i.id, f.value, :location, :now
    FROM (SELECT id, match_key FROM indicators
          WHERE kind IN :kinds AND match_key <> ''
            AND (expires_at IS NULL OR expires_at > :now) AND id NOT IN :excluded
          ORDER BY match_key) AS i
    CROSS JOIN message_facts f
    WHERE f.kind = :fkind AND {condition}
    ON CONFLICT DO NOTHING
"""
_STATEMENTS = {
    how: text(_JOIN.replace("{condition}", condition)).bindparams(
        bindparam("now", type_=UTCDateTime()),
        bindparam("kinds", expanding=True),
        bindparam("excluded", expanding=True),
    )
    for how, condition in (("eq", _EQUAL), ("prefix", _PREFIX))
}


def match_all(conn: Connection, now: dt.datetime, *, own_domains: Iterable[str] = (),
              sketch_threshold: float = SKETCH_THRESHOLD) -> dict[str, int]:
    """Insert every new (message, indicator) match; return how many per fact kind."""
    excluded = protected_indicator_ids(conn, own_domains)
    if conn.dialect.name == "postgresql":
        # index probes, not analytics: compiling them (JIT) cost up to a second a statement
        conn.exec_driver_sql("SET LOCAL jit = off")
    counts: dict[str, int] = {}
    for kinds, fkind, how in _JOINS:
        params: dict[str, Any] = {"now": now, "fkind": fkind, "location": LOCATION[fkind],
                                  "kinds": list(kinds), "excluded": excluded or [-1]}
        if how == "prefix":
            params["top"] = _TOP
        result = conn.execute(_STATEMENTS[how], params)
        counts[fkind] = int(result.rowcount or 0)
    counts["ip-network"] = _match_networks(conn, now)
    counts["band"] = _match_sketches(conn, now, sketch_threshold)
    return counts


def _unexpired(now: dt.datetime) -> Any:
    return (IndicatorRow.expires_at.is_(None)) | (IndicatorRow.expires_at > now)


def _insert_matches(conn: Connection, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    from mailward.store.base import _dialect_insert

    stmt = _dialect_insert(conn.dialect.name, IntelMatchRow).on_conflict_do_nothing()
    # executemany's rowcount is not reliable on every driver: count this run's rows
    when = rows[0]["matched_at"]
    counted = select(func.count()).select_from(IntelMatchRow).where(IntelMatchRow.matched_at == when)
    before = int(conn.execute(counted).scalar_one())
    for start in range(0, len(rows), 2000):
        conn.execute(stmt, rows[start : start + 2000])
    return int(conn.execute(counted).scalar_one()) - before


def _match_networks(conn: Connection, now: dt.datetime) -> int:
    """IP network indicators: an IPv4 network is a few ranges of the facts index (the
    dotted prefixes it covers: 203.0.113.0/24 is "203.0.113."), each hit checked with
    ``ipaddress``; IPv6 networks (text prefixes do not work on compressed addresses)
    are compared with the distinct stored IPv6 addresses."""
    nets = [
        (int(i), ipaddress.ip_network(v, strict=False))
        for i, v in conn.execute(
            select(IndicatorRow.id, IndicatorRow.value).where(
                IndicatorRow.kind.in_(("ipv4", "ipv6")), IndicatorRow.value.contains("/"), _unexpired(now)
            )
        )
    ]
    if not nets:
        return 0
    found: set[tuple[int, int, str]] = set()  # (message, indicator, ip)
    in_range = text("SELECT message_pk, value FROM message_facts WHERE kind = 'ip' AND value >= :lo AND value < :hi")
    for ident, net in nets:
        if net.version != 4:
            continue
        for prefix in _dotted_prefixes(net):
            for pk, value in conn.execute(in_range, {"lo": prefix, "hi": prefix + _TOP}):
                if _ip_in(value, net):
                    found.add((int(pk), ident, value))
    v6 = [(ident, net) for ident, net in nets if net.version == 6]
    if v6:
        ips = conn.execute(text("SELECT DISTINCT value FROM message_facts WHERE kind = 'ip' AND value LIKE '%:%'"))
        by_ip = text("SELECT message_pk FROM message_facts WHERE kind = 'ip' AND value = :v")
        for value in ips.scalars().all():
            for ident, net in v6:
                if _ip_in(value, net):
                    found.update((int(pk), ident, value) for pk in conn.execute(by_ip, {"v": value}).scalars())
    rows = [{"message_pk": pk, "indicator_id": ident, "matched": value, "location": "ip", "matched_at": now}
            for pk, ident, value in sorted(found)]
    return _insert_matches(conn, rows)


def _ip_in(value: str, net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    try:
        return ipaddress.ip_address(value) in net
    except ValueError:
        return False


def _dotted_prefixes(net: ipaddress.IPv4Network) -> list[str]:
    """Text prefixes covering every address of an IPv4 network: whole octets, with
    their trailing dot ("10.1." for 10.1.0.0/16); a /22 is four /24 prefixes."""
    octets = -(-net.prefixlen // 8)  # rounded up
    if octets == 0:
        return [""]
    first = int(net.network_address) >> (32 - 8 * octets)
    out = []
    for n in range(first, first + (1 << (8 * octets - net.prefixlen))):
        parts = [str((n >> (8 * (octets - 1 - i))) & 255) for i in range(octets)]
        out.append(".".join(parts) + ("." if octets < 4 else ""))
    return out


def _match_sketches(conn: Connection, now: dt.datetime, threshold: float) -> int:
    sketches: dict[int, bytes] = {}
    for ident, value in conn.execute(
        select(IndicatorRow.id, IndicatorRow.value).where(IndicatorRow.kind == "body-minhash", _unexpired(now))
    ):
        raw = msgfacts.sketch_bytes(value)
        if raw is not None:
            sketches[int(ident)] = raw
    if not sketches:
        return 0
    by_band: dict[str, list[int]] = defaultdict(list)
    for ident, raw in sketches.items():
        for band in msgfacts.lsh_bands(raw):
            by_band[band].append(ident)
    candidates: dict[int, set[int]] = defaultdict(set)  # message -> indicators
    bands = sorted(by_band)
    for start in range(0, len(bands), 500):
        chunk = bands[start : start + 500]
        query = text("SELECT message_pk, value FROM message_facts WHERE kind = 'band' AND value IN :vals").bindparams(
            bindparam("vals", expanding=True)
        )
        for pk, band in conn.execute(query, {"vals": chunk}):
            candidates[int(pk)].update(by_band[band])
    rows: list[dict[str, Any]] = []
    pks = sorted(candidates)
    for start in range(0, len(pks), 2000):
        chunk_pks = pks[start : start + 2000]
        for pk, minhash in conn.execute(select(MessageRow.id, MessageRow.minhash).where(MessageRow.id.in_(chunk_pks))):
            if not minhash:
                continue
            for ident in candidates[int(pk)]:
                score = msgfacts.jaccard(sketches[ident], minhash)
                if score >= threshold:
                    rows.append({"message_pk": pk, "indicator_id": ident, "matched": f"jaccard {score:.2f}",
                                 "location": "body", "matched_at": now})
    return _insert_matches(conn, rows)


def matched_pks(conn: Connection, now: dt.datetime) -> list[int]:
    query = select(IntelMatchRow.message_pk).where(IntelMatchRow.matched_at == now).distinct()
    return sorted(int(r[0]) for r in conn.execute(query))


def rematch(store: Any, config: Any = None, *, recluster: bool = True, alert: bool = True,
            alert_wait: float | None = None, now: dt.datetime | None = None,
            incremental: bool = True) -> RematchReport:
    """Match every unexpired indicator against every stored message; re-evaluate the
    messages with new matches, rebuild campaigns and report campaigns found or grown.
    ``incremental``: re-cluster around the matched messages only
    (``mailward.hunt.incremental``; same campaigns), else the whole store."""
    from mailward.share.reverdict import Reevaluator, States, reevaluate

    began = time.perf_counter()
    report = RematchReport()
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    own = _own_domains(config)
    intel_cfg = config.section("intel") if config is not None else {}
    threshold = float(intel_cfg.get("sketch_threshold", SKETCH_THRESHOLD))
    with store.engine.begin() as conn:
        report.indicators = int(
            conn.execute(select(func.count(IndicatorRow.id)).where(_unexpired(when))).scalar_one()
        )
        report.by_kind = match_all(conn, when, own_domains=own, sketch_threshold=threshold)
        report.timings["match"] = time.perf_counter() - began
        pks = matched_pks(conn, when)
    report.match_seconds = time.perf_counter() - began
    report.timings["matched_messages"] = report.match_seconds - report.timings["match"]
    report.new_matches = sum(report.by_kind.values())
    report.messages = len(pks)
    if pks:
        t0 = time.perf_counter()
        before = _snapshot(store) if recluster else None
        report.timings["snapshot"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        states: States | None = {} if recluster and incremental else None  # the re-clustering starts from them
        outcome = reevaluate(store, pks, Reevaluator(config), states)
        report.changed, report.not_reevaluated = outcome.changed, outcome.missing
        report.timings["reevaluate"] = time.perf_counter() - t0
        report.timings.update({f"reevaluate_{k}": v for k, v in outcome.timings.items()})
        if recluster:
            from mailward.alerts.events import rebuild_and_report

            t0 = time.perf_counter()
            report.events = rebuild_and_report(store, before, config, alert=alert, wait=alert_wait,
                                               changed=states)
            report.timings["recluster"] = time.perf_counter() - t0
    report.seconds = time.perf_counter() - began
    return report


def _snapshot(store: Any) -> Any:
    from mailward.alerts.events import snapshot

    return snapshot(store)


def _own_domains(config: Any) -> list[str]:
    if config is None:
        return []
    domains = config.section("organisation").get("domains", [])
    return [str(d) for d in domains] if isinstance(domains, list) else []


@dataclass(frozen=True, slots=True)
class MatchRow:
    sha256: str
    message_pk: int
    source: str
    indicator: str
    kind: str
    indicator_source: str
    confidence: int
    matched: str
    location: str
    matched_at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "message": self.message_pk,
            "mailbox_source": self.source,
            "indicator": self.indicator,
            "kind": self.kind,
            "source": self.indicator_source,
            "confidence": self.confidence,
            "matched": self.matched,
            "location": self.location,
            "time": self.matched_at.isoformat(),
        }


def list_matches(store: Any, *, source: str | None = None, since: dt.datetime | None = None,
                 limit: int = 0) -> list[MatchRow]:
    """Stored messages an indicator matched, newest match first."""
    query = (
        select(
            MessageRow.sha256, MessageRow.id, MessageRow.source, IndicatorRow.value, IndicatorRow.kind,
            IndicatorRow.source, IndicatorRow.confidence, IntelMatchRow.matched, IntelMatchRow.location,
            IntelMatchRow.matched_at,
        )
        .join(MessageRow, MessageRow.id == IntelMatchRow.message_pk)
        .join(IndicatorRow, IndicatorRow.id == IntelMatchRow.indicator_id)
        .order_by(IntelMatchRow.matched_at.desc(), MessageRow.id, IndicatorRow.id)
    )
    if source:
        query = query.where(IndicatorRow.source == source)
    if since is not None:
        query = query.where(IntelMatchRow.matched_at >= since)
    if limit:
        query = query.limit(limit)
    with store.engine.connect() as conn:
        return [MatchRow(str(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), int(r[6]), str(r[7]),
                         str(r[8]), r[9]) for r in conn.execute(query)]


def intel_facts(conn: Connection, pks: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The ``intel`` rule facts of each message: every stored match, as the scan-time
    matcher writes them (indicator, kind, matched, source, confidence, location)."""
    from mailward.store.base import id_in

    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(pks), 2000):
        chunk = list(pks[start : start + 2000])
        query = (
            select(IntelMatchRow.message_pk, IndicatorRow.value, IndicatorRow.kind, IntelMatchRow.matched,
                   IndicatorRow.source, IndicatorRow.confidence, IntelMatchRow.location)
            .join(IndicatorRow, IndicatorRow.id == IntelMatchRow.indicator_id)
            # the range as well: PostgreSQL then reads the chunk's part of the primary key
            # instead of scanning every match for each chunk (72 -> 18 ms a chunk at 124,552 matches)
            .where(id_in(IntelMatchRow.message_pk, chunk, conn.dialect.name),
                   IntelMatchRow.message_pk.between(min(chunk), max(chunk)))
            .order_by(IntelMatchRow.message_pk, IndicatorRow.confidence.desc(), IndicatorRow.id)
        )
        for pk, value, kind, matched, source, confidence, location in conn.execute(query):
            shown = value if kind != "body-minhash" else "body sketch"
            out[int(pk)].append({"indicator": shown, "kind": kind, "matched": matched, "source": source,
                                 "confidence": int(confidence), "location": location})
    return out
