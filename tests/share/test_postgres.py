"""The same export -> import -> match round trip on a real PostgreSQL (started by the fixture)."""

from __future__ import annotations

import pytest

from mailward.config import Config
from mailward.share.campaign import ShareSettings, load_export
from mailward.share.intel import import_path, open_intel_store, remove_expired
from mailward.share.matcher import load_matcher
from mailward.share.stix import bundle_json

from .conftest import CAMPAIGN_ID, benign, fill_store

pytestmark = pytest.mark.integration


def test_round_trip_on_postgresql(postgres, lures, tmp_path):
    from mailward.store import open_store

    hunted = postgres.create_database("share_hunt")
    with open_store(hunted) as store:
        fill_store(store)
        export = load_export(store, CAMPAIGN_ID, ShareSettings())
    (tmp_path / "c.json").write_text(bundle_json(export))

    peer = Config({"store": {"url": postgres.create_database("share_peer")}})
    assert load_matcher(peer).empty  # schema there, no indicators
    with open_intel_store(peer) as store:
        report = import_path(store, tmp_path / "c.json", source="peer", expires_at=None)
        assert report[0].added >= 6
        again = import_path(store, tmp_path / "c.json", source="peer")
        assert again[0].added == 0 and again[0].updated == report[0].added
        assert remove_expired(store) == 0
    matcher = load_matcher(peer)
    assert len(matcher) == report[0].added
    for _recipient, message in lures:
        assert {m.source for m in matcher.match(message)} == {"peer"}
    assert matcher.match(benign()) == ()


def test_retro_match_on_postgresql(postgres):
    """The same joins (equality, URL prefix ranges in byte order, networks, sketches) on PostgreSQL."""
    from sqlalchemy import select

    from mailward.share.intel import FeedIndicator, add_indicators
    from mailward.share.msgfacts import sketch_text
    from mailward.share.retromatch import list_matches, rematch
    from mailward.store import open_store
    from mailward.store.models import MessageRow

    from .retro_helpers import store_messages
    from .test_retromatch import ATTACHED, BENIGN, TARGETS, lure_text

    with open_store(postgres.create_database("retro")) as store:
        store_messages(store, [lure_text(t, i) for i, t in enumerate(TARGETS)] + [BENIGN, ATTACHED])
        with store.engine.connect() as conn:
            minhash = conn.execute(select(MessageRow.minhash).where(MessageRow.source == "m/0")).scalar_one()
        add_indicators(store, [
            FeedIndicator("email", "desk@reuters-newsdesk.example", 90, None, ""),
            FeedIndicator("url", "https://kit.phish.example/login/", 90, None, ""),
            FeedIndicator("url", "https://kit.phish.example/logout/", 90, None, ""),
            FeedIndicator("ipv4", "203.0.113.0/24", 90, None, ""),
            FeedIndicator("body-minhash", sketch_text(minhash), 90, None, ""),
        ], source="peer")
        report = rematch(store, Config())
        assert report.by_kind["email"] == 3 and report.by_kind["url"] == 1
        assert report.by_kind["ip-network"] == 1 and report.by_kind["band"] == 3
        assert {r.source for r in list_matches(store)} == {"m/0", "m/1", "m/2", "m/4"}
        assert {m.verdict for m in store.messages() if m.source != "m/3"} == {"malicious"}
        assert rematch(store, Config()).new_matches == 0
