"""Incremental re-clustering (after a retro-match) leaves exactly the campaigns a full
re-clustering of the store leaves, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from mailward.config import Config
from mailward.hunt.campaigns import _ATTACK_VERDICTS, recluster
from mailward.hunt.incremental import recluster_changed
from mailward.share.intel import FeedIndicator, add_indicators
from mailward.share.retromatch import rematch
from mailward.store import open_store
from mailward.store.clusterdata import NOT_BENIGN
from mailward.store.models import CampaignMemberRow, CampaignRow, MessageFactRow, MessageRow

VERDICTS = ("clean", "clean", "clean", "tracking", "suspicious", "recon", "phishing", "malicious", "unscannable")
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _sketch(rng: random.Random, family: int) -> bytes:
    """Near-identical bodies within a family (a few of 128 values differ)."""
    import numpy as np

    base = np.random.default_rng(family).integers(0, 2**32, 128, dtype=np.uint32)
    for _ in range(rng.randrange(0, 20)):
        base[rng.randrange(128)] = rng.getrandbits(32)
    return base.tobytes()


def _message(rng: random.Random, pk: int) -> dict[str, Any]:
    verdict = rng.choice(VERDICTS)
    domain = f"d{rng.randrange(8)}.example"
    keys = [f"from_domain:{domain}", f"from:u{rng.randrange(12)}@{domain}"]
    if rng.random() < 0.5:
        keys.append(f"track_host:t{rng.randrange(10)}.example")
    if rng.random() < 0.4:
        keys += [f"persona:name{rng.randrange(4)}", f"ip:198.51.100.{rng.randrange(6)}"]
    if rng.random() < 0.2:
        keys.append("from_domain:gmail.com")  # free mail: never links
    features: dict[str, Any] = {"keys": keys}
    if verdict in ("clean", "tracking") and rng.random() < 0.5:
        features["list_id"] = f"list{rng.randrange(5)}"
    if verdict == "tracking" and rng.random() < 0.6:
        features["dkim_aligned"] = True
    indicators = [{"kind": "domain", "value": f"i{rng.randrange(10)}.example"} for _ in range(rng.randrange(3))]
    return {
        "id": pk, "source": f"t/{pk}", "sha256": f"{pk:064x}", "from_addr": keys[1].partition(":")[2],
        "from_name": rng.choice(["", "Desk", "News"]), "from_domain": domain, "subject": f"s{rng.randrange(5)}",
        "date": NOW - dt.timedelta(hours=rng.randrange(1000)), "verdict": verdict,
        "verdict_rank": {"clean": 0, "tracking": 1}.get(verdict, 3), "features": features,
        "recipients": [f"r{rng.randrange(30)}@org.example"], "indicators": indicators,
        "attack": ["T1598"] if verdict in _ATTACK_VERDICTS else [],
        "minhash": _sketch(rng, rng.randrange(4)) if rng.random() < 0.4 else None, "scanned_at": NOW,
    }


def _campaigns(store) -> dict[str, tuple[Any, ...]]:
    with store.engine.connect() as conn:
        members: dict[str, set[int]] = {}
        for cid, pk in conn.execute(select(CampaignMemberRow.campaign_id, CampaignMemberRow.message_pk)):
            members.setdefault(cid, set()).add(pk)
        rows = conn.execute(select(CampaignRow).order_by(CampaignRow.id)).mappings().all()
    return {
        r["id"]: (*(r[k] for k in ("kind", "name", "verdict", "first_seen", "last_seen", "message_count",
                                   "target_count", "senders", "identities", "indicators", "attack", "links")),
                  frozenset(members.get(r["id"], ())))
        for r in rows
    }


def _fill(store, rng: random.Random, n: int = 160) -> None:
    with store.engine.begin() as conn:
        conn.execute(insert(MessageRow), [_message(rng, pk) for pk in range(1, n + 1)])
    recluster(store)


def _change(store, rng: random.Random, verdicts: tuple[str, ...]) -> dict[int, Any]:
    """Give some messages intel keys (as the retro-match does) and maybe a new verdict."""
    pks = rng.sample(range(1, 161), 30)
    before = store.states(pks)
    with store.engine.begin() as conn:
        for pk in pks:
            features = dict(before[pk][1])
            features["keys"] = [*features["keys"], f"intel:domain:bad{rng.randrange(4)}.example"]
            values: dict[str, Any] = {"features": features}
            if verdicts and rng.random() < 0.5:
                values["verdict"] = rng.choice(verdicts)
            conn.execute(update(MessageRow).where(MessageRow.id == pk).values(**values))
    return before


def _check(url: str, seed: int, verdicts: tuple[str, ...]) -> dict[str, float]:
    rng = random.Random(seed)
    with open_store(url) as store:
        _fill(store, rng)
        assert any(c[0] == "benign" for c in _campaigns(store).values())  # the test has bulk-mail groups
        before = _change(store, rng, verdicts)
        stats = recluster_changed(store, before)
        incremental = _campaigns(store)
        recluster(store)
        assert incremental == _campaigns(store)
        assert sum(1 for c in incremental.values() if c[0] == "attack") >= 3
        return stats.timings


@pytest.mark.parametrize("seed", range(6))
def test_intel_keys_and_attack_verdicts_sqlite(tmp_path, seed):
    """The retro-match's own change: intel keys, verdicts raised: no full pass needed."""
    timings = _check(f"sqlite:///{tmp_path / 'c.db'}", seed, ("phishing", "malicious"))
    assert "full" not in timings and "benign_usage" in timings


@pytest.mark.parametrize("seed", range(6))
def test_any_verdict_change_sqlite(tmp_path, seed):
    """Verdicts lowered too: messages join and leave bulk-mail groups (a full pass when
    a group without a stored campaign gains one)."""
    _check(f"sqlite:///{tmp_path / 'c.db'}", seed, VERDICTS)


@pytest.mark.integration
def test_incremental_equals_full_on_postgresql(postgres):
    for seed in range(3):
        timings = _check(postgres.create_database(f"incr_raise_{seed}"), seed, ("phishing", "malicious"))
        assert "full" not in timings
        _check(postgres.create_database(f"incr_any_{seed}"), seed, VERDICTS)


def test_not_benign_verdicts_agree_with_clustering():
    from mailward.hunt.campaigns import is_benign

    assert {v for v in (*VERDICTS, "unknown") if not is_benign(v)} == set(NOT_BENIGN)


def test_rematch_incremental_and_full_agree(tmp_path):
    """The whole retro-match, once with each re-clustering, from the same store."""
    results = []
    for name, incremental in (("inc", True), ("full", False)):
        rng = random.Random(11)
        with open_store(f"sqlite:///{tmp_path / name}.db") as store:
            _fill(store, rng)
            with store.engine.begin() as conn:
                conn.execute(insert(MessageFactRow), [
                    {"kind": "domain", "value": f"d{pk % 8}.example", "message_pk": pk} for pk in range(1, 161)
                ])
            add_indicators(store, [FeedIndicator("domain", "d3.example", 90, None, "")], source="peer")
            report = rematch(store, Config(), alert=False, incremental=incremental)
            assert report.messages == 20
            results.append((_campaigns(store), sorted(e.to_json()["campaign"] for e in report.events)))
    assert results[0] == results[1]
