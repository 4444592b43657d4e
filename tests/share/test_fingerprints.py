"""The fingerprint bundle: what it holds, that the importer reads it, and that a leak
refuses the export."""

from __future__ import annotations

import json

import pytest

from mailward.config import Config
from mailward.hunt.campaigns import recluster
from mailward.share.campaign import ExportError, ShareSettings
from mailward.share.feeds import read_feed
from mailward.share.fingerprints import build_fingerprint, fingerprint_json
from mailward.share.intel import add_indicators
from mailward.share.retromatch import list_matches, rematch
from mailward.store import open_store

from .retro_helpers import store_messages
from .test_retromatch import BENIGN, TARGETS, lure_text


@pytest.fixture
def exported(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        store_messages(store, [lure_text(t, i) for i, t in enumerate(TARGETS)] + [BENIGN], mailboxes=TARGETS)
        recluster(store)
        campaign = store.campaigns()[0]
        found = build_fingerprint(store, campaign.id, ShareSettings(organisation="Org A"))
        yield found, fingerprint_json(found), store, campaign


def test_bundle_holds_infrastructure_templates_sketches_and_nothing_personal(exported):
    found, text, _store, _campaign = exported
    assert found.counts() == {"sender_infrastructure": len(found.senders), "tracker_hosts": 1,
                              "url_templates": 1, "body_sketches": 1}
    assert found.trackers == ["t.pixel-beacon.example"]
    assert ("email", "desk@reuters-newsdesk.example") in found.senders
    lowered = text.lower()
    for secret in [*TARGETS, "interview request: china policy", "jane.doe", "max.mustermann"]:
        assert secret not in lowered
    assert "our correspondents" not in lowered and "foreign interference" not in lowered  # no body text
    types = {o["type"] for o in json.loads(text)["objects"]}
    assert types == {"identity", "campaign", "indicator", "relationship", "marking-definition"}


def test_peer_imports_and_matches_its_copies(exported, tmp_path):
    _found, text, _store, _campaign = exported
    feed = read_feed(text.encode(), "fp.json")
    kinds = {i.kind for i in feed.indicators}
    assert {"url-template", "body-minhash", "email", "domain"} <= kinds and not feed.problems
    peer_targets = ["ana@senate.example", "bo@senate.example"]
    with open_store(f"sqlite:///{tmp_path / 'b.db'}") as peer:
        store_messages(peer, [lure_text(t, i) for i, t in enumerate(peer_targets)] + [BENIGN], mailboxes=peer_targets)
        add_indicators(peer, feed.indicators, source="Org A", confidence=80)
        report = rematch(peer, Config())
        matched = {m.source for m in list_matches(peer)}
        assert matched == {"m/0", "m/1"}
        assert report.by_kind["tmpl"] == 2 and report.by_kind["band"] == 2


def test_a_leak_refuses_the_export(exported):
    found, _text, _store, _campaign = exported
    found.senders.append(("email", TARGETS[0]))  # as if a bug put a target in
    with pytest.raises(ExportError, match="would reveal"):
        fingerprint_json(found)


def test_unknown_fingerprint_patterns_are_reported():
    doc = {"type": "bundle", "id": "bundle--1", "objects": [
        {"type": "indicator", "id": "indicator--1", "pattern_type": "mailward-fingerprint", "pattern": "nonsense"},
        {"type": "indicator", "id": "indicator--2", "pattern_type": "mailward-fingerprint",
         "pattern": "body-minhash = 'AAAA'"},
    ]}
    feed = read_feed(json.dumps(doc).encode(), "x.json")
    assert feed.indicators == [] and len(feed.problems) == 2
