"""Issue point 4: a campaign exported to STIX and to MISP, imported into a fresh store,
matches every one of its messages at scan time (and not an unrelated message)."""

from __future__ import annotations

from mailward.config import Config
from mailward.share.campaign import ShareSettings, load_export
from mailward.share.intel import import_path, open_intel_store
from mailward.share.matcher import load_matcher
from mailward.share.misp import event_json
from mailward.share.stix import bundle_json

from .conftest import CAMPAIGN_ID, benign


def test_stix_and_misp_round_trip_match_every_campaign_message(store_with_campaign, lures, tmp_path):
    settings = ShareSettings.from_config(Config({"organisation": {"name": "Parliament A"}}))
    export = load_export(store_with_campaign, CAMPAIGN_ID, settings)
    (tmp_path / "campaign.stix.json").write_text(bundle_json(export))
    (tmp_path / "campaign.misp.json").write_text(event_json(export))

    fresh = Config({"store": {"url": f"sqlite:///{tmp_path / 'peer.db'}"}})
    with open_intel_store(fresh) as peer:
        stix_report = import_path(peer, tmp_path / "campaign.stix.json", source="stix-peer")
        misp_report = import_path(peer, tmp_path / "campaign.misp.json", source="misp-peer")
    assert stix_report[0].format == "stix" and stix_report[0].added >= 6
    assert misp_report[0].format == "misp" and misp_report[0].added >= 6

    matcher = load_matcher(fresh)
    assert len(matcher) >= 12
    assert len(lures) == export.message_count == 3
    for recipient, message in lures:
        matches = matcher.match(message, ())
        sources = {m.source for m in matches}
        assert sources == {"stix-peer", "misp-peer"}, (recipient, matches)
        kinds = {m.kind for m in matches}
        # sender, reply-to, sending IP and the lure's link are all known now
        assert {"domain", "email", "ipv4", "url"} <= kinds, (recipient, kinds)
    assert matcher.match(benign(), ()) == ()
