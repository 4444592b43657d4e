"""Re-run the current rules over the rule facts a hunt stored: ``mailward rescan``,
and the second half of the retro-match (a message that new indicators matched is
judged again with the matches as its ``intel`` facts).

Nothing is read from a mailbox: every stored message since the hunts that keep rule
facts (schema revision 0002) carries them, compressed, in ``messages.rule_facts``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from mailward.config import Config
from mailward.hunt.features import unpack_rule_facts
from mailward.pipeline import judge
from mailward.result import Verdict
from mailward.rules.engine import default_ruleset, load_ruleset
from mailward.rules.policy import Policy, summarise
from mailward.rules.schema import filler
from mailward.store.models import MessageRow

BATCH = 1000  # messages read per query (IN list)
WRITE_BATCH = 20_000  # messages judged and written back per transaction


class Reevaluator:
    """The rules and policy of a configuration, compiled once."""

    def __init__(self, config: Config | None = None) -> None:
        self.policy = Policy.from_config(config)
        self.ruleset = load_ruleset(self.policy.rule_dirs) if self.policy.rule_dirs else default_ruleset()
        self._fill = filler(only=self.ruleset.projection)  # only what the rules read

    def judge(self, facts: dict[str, Any]) -> tuple[Verdict, float, list[dict[str, Any]], str, list[str]]:
        self._fill(facts)  # facts stored by an older mailward lack the fields added since
        # with the attached messages' facts, as the scan judged them (mailward.pipeline.judge)
        verdict, score, findings = judge(self.ruleset, self.policy, facts, self._fill)
        attack: dict[str, None] = {}
        for finding in findings:
            for tid in finding.attack:
                attack.setdefault(tid, None)
        return verdict, float(score), [f.to_json() for f in findings], summarise(verdict, findings), list(attack)


@dataclass
class Outcome:
    messages: int = 0
    changed: int = 0  # verdict changed
    missing: int = 0  # no stored rule facts (hunted before they were kept)
    transitions: dict[str, int] = field(default_factory=dict)  # "clean->malicious": n
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # seconds: read, judge, write

    def to_json(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "verdicts_changed": self.changed,
            "without_rule_facts": self.missing,
            "transitions": dict(sorted(self.transitions.items())),
            "seconds": round(self.seconds, 3),
        }


def merge_intel(scanned: Any, stored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A message's intel matches: those found when it was scanned, then the stored ones,
    each (indicator, source) once (used by re-judging and by the copy-token step)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for item in [*(scanned if isinstance(scanned, list) else []), *stored]:
        if isinstance(item, dict):
            out.setdefault((str(item.get("indicator")), str(item.get("source"))), item)
    return sorted(out.values(), key=lambda m: (-int(m.get("confidence", 0)), str(m.get("kind")), str(m.get("indicator"))))


# a message's (verdict, campaign features) before and after it was judged again
States = dict[int, tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]]


def reevaluate(store: Any, pks: Sequence[int], judge: Reevaluator, states: States | None = None) -> Outcome:
    """Judge the given stored messages again (with their stored intel matches);
    ``states``, when given, receives each message's verdict and features before and after.
    One transaction per ``WRITE_BATCH`` messages, read ``BATCH`` at a time and written
    back set-based (``mailward.store.bulk``: one statement per set of changed columns)."""
    from mailward.share.retromatch import intel_facts
    from mailward.store.base import id_in
    from mailward.store.bulk import update_messages

    began = time.perf_counter()
    outcome = Outcome()
    ordered = sorted(set(pks))
    for start in range(0, len(ordered), WRITE_BATCH):
        with store.engine.begin() as conn:
            updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for sub in range(start, min(start + WRITE_BATCH, len(ordered)), BATCH):
                t0 = time.perf_counter()
                chunk = ordered[sub : sub + BATCH]
                matches = intel_facts(conn, chunk)
                rows = conn.execute(
                    select(MessageRow.id, MessageRow.rule_facts, MessageRow.verdict, MessageRow.features).where(
                        id_in(MessageRow.id, chunk, conn.dialect.name)
                    )
                ).all()
                t1 = time.perf_counter()
                for pk, blob, old, features in rows:
                    values = _apply(judge, outcome, blob, str(old), dict(features or {}), matches.get(int(pk), []))
                    if states is not None:
                        states[int(pk)] = ((str(old), features or {}),
                                           (str(values.get("verdict", old)), values.get("features", features or {})))
                    if values:
                        updates.setdefault(tuple(sorted(values)), []).append({"id": int(pk), **values})
                _add(outcome.timings, "read", t1 - t0)
                _add(outcome.timings, "judge", time.perf_counter() - t1)
            t0 = time.perf_counter()
            for keys, batch in updates.items():  # one set-based update per set of changed columns
                update_messages(conn, keys, batch)
            _add(outcome.timings, "write", time.perf_counter() - t0)
    outcome.seconds = time.perf_counter() - began
    return outcome


def _add(timings: dict[str, float], phase: str, seconds: float) -> None:
    timings[phase] = timings.get(phase, 0.0) + seconds


def _apply(judge: Reevaluator, outcome: Outcome, blob: bytes | None, old: str,
           features: dict[str, Any], matches: list[dict[str, Any]]) -> dict[str, Any]:
    """The columns of one message that change (its verdict, findings, campaign keys)."""
    outcome.messages += 1
    values: dict[str, Any] = {}
    if matches:
        keys = list(features.get("keys", []))
        for m in matches:
            key = f"intel:{m['kind']}:{m['indicator']}"[:300]
            if key not in keys:
                keys.append(key)
        features["keys"] = keys
        values["features"] = features
    facts = unpack_rule_facts(blob)
    if facts is None:
        outcome.missing += 1
    else:
        facts["intel"] = merge_intel(facts.get("intel"), matches)
        verdict, score, findings, summary, attack = judge.judge(facts)
        values.update(verdict=str(verdict), verdict_rank=verdict.rank, score=score, findings=findings,
                      summary=summary, attack=attack)
        if str(verdict) != old:
            outcome.changed += 1
            key = f"{old}->{verdict}"
            outcome.transitions[key] = outcome.transitions.get(key, 0) + 1
    return values


def rescan(store: Any, config: Config | None = None, *, since: dt.datetime | None = None,
           recluster: bool = True, alert: bool = True) -> tuple[Outcome, list[Any]]:
    """Re-run the current rules over every stored message (dated ``since`` or later)
    and rebuild the campaigns when a verdict changed. Returns the outcome and the
    campaign events (found, grown)."""
    query = select(MessageRow.id).order_by(MessageRow.id)
    if since is not None:
        query = query.where(MessageRow.date >= since)
    with store.engine.connect() as conn:
        pks = [int(r[0]) for r in conn.execute(query)]
    from mailward.alerts.events import rebuild_and_report, snapshot

    before = snapshot(store) if recluster else None
    outcome = reevaluate(store, pks, Reevaluator(config))
    events: list[Any] = []
    if recluster and outcome.changed:
        events = rebuild_and_report(store, before, config, alert=alert)
    return outcome, events
