"""Two organisations (demo mail, different seeds, hence different people): A hunts and
exports a campaign fingerprint, B hunts its own mail, imports it and finds its copies;
A's export holds no recipient address, subject or token of the campaign."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from mailward.store import open_store

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def _bench():
    spec = importlib.util.spec_from_file_location("two_orgs", REPO / "bench" / "two_orgs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["two_orgs"] = module
    spec.loader.exec_module(module)
    return module


def test_peer_finds_its_copies_and_learns_nothing_about_our_targets(tmp_path):
    figures = _bench().trial(tmp_path, 100, (2021, 4242), "recon-newsdesk")
    assert figures["recipients_shared_by_a_and_b"] == 0  # two different organisations' people
    assert figures["copies_at_b"] >= 3
    assert figures["matched_at_b"] == figures["copies_at_b"]  # every copy at B found
    assert figures["false_matches_at_b"] <= 1  # (the demo's campaigns share a sending /24)
    assert figures["export"]["mailward-fingerprint:url-template"] >= 1
    assert figures["export"]["mailward-fingerprint:body-minhash"] >= 1
    assert figures["matches_by_indicator_kind"]["url-template"] >= figures["copies_at_b"]
    # what A must not have revealed: every recipient, subject and beacon token of the campaign
    text = Path(figures["export_path"]).read_text().lower()
    with open_store(figures["store_a"]) as store:
        campaign = store.campaign(figures["campaign_at_a"])
        messages = store.campaign_messages(campaign.id)
    secrets = set(campaign.targets)
    for m in messages:
        secrets.update(m.recipients)
        secrets.add(m.subject)
        secrets.update(str(b["token"]["value"]) for b in m.beacons if b.get("token"))
    secrets.discard("")
    assert len(secrets) > 2 * len(messages) // 2
    leaked = [s for s in secrets if s.lower() in text]
    assert leaked == []
    bundle = json.loads(text)
    assert {o["type"] for o in bundle["objects"]} <= {"identity", "campaign", "indicator", "relationship",
                                                       "marking-definition"}
