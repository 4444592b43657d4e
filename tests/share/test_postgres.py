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
