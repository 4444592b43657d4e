from __future__ import annotations

import json

import pytest
import stix2
from stix2validator import ValidationOptions, validate_string

from mailward.config import Config
from mailward.share.campaign import ExportError, ShareSettings, load_export
from mailward.share.misp import event_json
from mailward.share.stix import bundle_json

from .conftest import CAMPAIGN_ID, TARGETS


def _settings(**kw) -> ShareSettings:
    config = Config({"organisation": {"name": "Parliament Security Team"}})
    return ShareSettings.from_config(config, **kw)


def _objects(text: str) -> list[dict]:
    return json.loads(text)["objects"]


def test_stix_bundle_parses_and_validates(store_with_campaign):
    export = load_export(store_with_campaign, CAMPAIGN_ID[:8], _settings())
    text = bundle_json(export)
    bundle = stix2.parse(text, allow_custom=False)
    assert bundle.type == "bundle"
    results = validate_string(text, ValidationOptions(version="2.1", strict=False))
    assert results.is_valid, [str(e) for e in results.errors or ()]


def test_stix_content(store_with_campaign):
    text = bundle_json(load_export(store_with_campaign, CAMPAIGN_ID, _settings()))
    objects = _objects(text)
    by_type: dict[str, list[dict]] = {}
    for obj in objects:
        by_type.setdefault(obj["type"], []).append(obj)
    producer = next(o for o in by_type["identity"] if o["name"] == "Parliament Security Team")
    campaign = by_type["campaign"][0]
    assert campaign["name"] == "Reuters News Desk"
    assert campaign["created_by_ref"] == producer["id"]
    assert campaign["external_references"][0]["external_id"] == CAMPAIGN_ID
    # TLP:AMBER on every object by default
    amber = stix2.TLP_AMBER.id
    for obj in objects:
        if obj["type"] != "marking-definition":
            assert obj["object_marking_refs"] == [amber], obj["type"]
    patterns = {o["pattern"] for o in by_type["indicator"]}
    assert "[domain-name:value = 'reuters-newsdesk.example']" in patterns
    assert "[email-addr:value = 'editor.reuters@freemail.example']" in patterns
    assert "[ipv4-addr:value = '198.51.100.21']" in patterns
    assert "[url:value = 'https://news.reuters-newsdesk.example/article/2021/china-policy']" in patterns
    assert all(o["valid_from"].startswith("2021-01-04") for o in by_type["indicator"])
    techniques = {
        o["external_references"][0]["external_id"]: o for o in by_type["attack-pattern"]
    }
    assert set(techniques) == {"T1598.003", "T1656"}
    ref = techniques["T1598.003"]["external_references"][0]
    assert ref["source_name"] == "mitre-attack"
    assert ref["url"] == "https://attack.mitre.org/techniques/T1598/003/"
    assert techniques["T1598.003"]["name"] == "Spearphishing Link"
    rels = {(r["source_ref"].split("--")[0], r["relationship_type"], r["target_ref"].split("--")[0]) for r in by_type["relationship"]}
    assert ("indicator", "indicates", "campaign") in rels
    assert ("campaign", "uses", "attack-pattern") in rels
    indicates = [r for r in by_type["relationship"] if r["relationship_type"] == "indicates"]
    assert len(indicates) == len(by_type["indicator"])
    assert "intrusion-set" not in by_type


def test_stix_leaves_targets_out_by_default(store_with_campaign):
    text = bundle_json(load_export(store_with_campaign, CAMPAIGN_ID, _settings()))
    for target in TARGETS:
        assert target not in text
        assert target.split("@")[0] not in text
    # the per-recipient pixel URLs name a target in their path: cut to the shared prefix
    assert "[url:value LIKE 'https://t.pixel-beacon.example/o/%']" in text
    assert "[domain-name:value = 'pixel-beacon.example']" in text
    event = json.loads(event_json(load_export(store_with_campaign, CAMPAIGN_ID, _settings())))["Event"]
    prefix = next(a for a in event["Attribute"] if a["value"] == "https://t.pixel-beacon.example/o/")
    assert prefix["to_ids"] is False and "prefix" in prefix["comment"]


def test_stix_include_targets_and_attribution(store_with_campaign):
    export = load_export(
        store_with_campaign, CAMPAIGN_ID, _settings(include_targets=True, attribute_to="APT31", tlp="TLP:RED")
    )
    text = bundle_json(export)
    objects = _objects(text)
    individuals = [o for o in objects if o["type"] == "identity" and o["identity_class"] == "individual"]
    assert sorted(o["contact_information"] for o in individuals) == sorted(TARGETS)
    intrusion = [o for o in objects if o["type"] == "intrusion-set"]
    assert [o["name"] for o in intrusion] == ["APT31"]
    rel_types = {o["relationship_type"] for o in objects if o["type"] == "relationship"}
    assert {"targets", "attributed-to", "indicates", "uses"} <= rel_types
    assert all(
        o.get("object_marking_refs") == [stix2.TLP_RED.id] for o in objects if o["type"] != "marking-definition"
    )
    assert stix2.parse(text, allow_custom=False)


def test_unknown_campaign_and_bad_tlp(store_with_campaign):
    with pytest.raises(ExportError, match="no campaign"):
        load_export(store_with_campaign, "nosuch", _settings())
    with pytest.raises(ExportError, match="unknown TLP"):
        _settings(tlp="purple")
    export = load_export(store_with_campaign, CAMPAIGN_ID, _settings(tlp="amber+strict"))
    with pytest.raises(ExportError, match=r"no STIX 2\.1 marking"):
        bundle_json(export)


def test_misp_event(store_with_campaign):
    text = event_json(load_export(store_with_campaign, CAMPAIGN_ID, _settings(attribute_to="APT31")))
    event = json.loads(text)["Event"]
    attrs = {(a["type"], a["value"]): a for a in event["Attribute"]}
    assert attrs[("email-src", "desk@reuters-newsdesk.example")]["to_ids"] is True
    assert attrs[("email-src", "editor.reuters@freemail.example")]["to_ids"] is True
    assert attrs[("email-subject", "Interview request: China policy")]["to_ids"] is False
    assert attrs[("domain", "reuters-newsdesk.example")]["to_ids"] is True
    assert attrs[("url", "https://news.reuters-newsdesk.example/article/2021/china-policy")]["to_ids"] is True
    # Received IPs are where the mail came from
    assert attrs[("ip-src", "198.51.100.20")]["to_ids"] is True
    tags = {t["name"] for t in event["Tag"]}
    assert "tlp:amber" in tags
    assert 'misp-galaxy:mitre-attack-pattern="Spearphishing Link - T1598.003"' in tags
    assert 'misp-galaxy:mitre-attack-pattern="Impersonation - T1656"' in tags
    assert 'misp-galaxy:threat-actor="APT31"' in tags
    assert event["Orgc"]["name"] == "Parliament Security Team"
    for target in TARGETS:
        assert target not in text
    # PyMISP reads it back
    from pymisp import MISPEvent

    again = MISPEvent()
    again.load(text)
    assert len(again.attributes) == len(event["Attribute"])


def test_misp_include_targets(store_with_campaign):
    text = event_json(load_export(store_with_campaign, CAMPAIGN_ID, _settings(include_targets=True)))
    event = json.loads(text)["Event"]
    dst = sorted(a["value"] for a in event["Attribute"] if a["type"] == "email-dst")
    assert dst == sorted(TARGETS)
    assert all(a["to_ids"] is False for a in event["Attribute"] if a["type"] == "email-dst")


def test_scrub_url():
    from mailward.share.campaign import scrub_url, target_tokens

    tokens = target_tokens(["jane.doe@parliament.example"])
    assert scrub_url("https://t.example/o.gif?x=1", tokens) == ("https://t.example/o.gif?x=1", False)
    assert scrub_url("https://t.example/o.gif?e=jane.doe%40parliament.example", tokens) == ("https://t.example/o.gif", True)
    assert scrub_url("https://t.example/o.gif?e=amFuZS5kb2VAcGFybGlhbWVudC5leGFtcGxl", tokens) == ("https://t.example/o.gif", True)
    assert scrub_url("https://t.example/c/7/jane.doe/x.gif", tokens) == ("https://t.example/c/7/", True)
    assert scrub_url("https://t.example/jane.doe@parliament.example.gif", tokens) is None


def test_shared_services_are_not_exported_for_blocking():
    import datetime as dt

    from mailward.share.campaign import build_export
    from mailward.store import Campaign

    campaign = Campaign(
        id="c1", kind="attack", name="Wave", verdict="recon",
        first_seen=dt.datetime(2024, 5, 1, tzinfo=dt.UTC), last_seen=None,
        message_count=2, target_count=2, senders=("reporter.news@gmail.com",), identities=(),
        targets=("target@parl.example",),
        indicators=(
            {"kind": "url", "value": "https://x.us3.list-manage.com/track/open.php?u=1&e=target@parl.example"},
            {"kind": "domain", "value": "gmail.com"},
            {"kind": "domain", "value": "us3.list-manage.com"},
            {"kind": "domain", "value": "evil-tracker.example"},
        ),
        attack=("T1598.003",), links=(),
    )
    export = build_export(campaign, [], _settings())
    assert export.withheld["per-recipient URL on a shared service"] == 1
    stix_text = bundle_json(export)
    patterns = {o["pattern"] for o in _objects(stix_text) if o["type"] == "indicator"}
    assert patterns == {
        "[domain-name:value = 'evil-tracker.example']",
        "[email-addr:value = 'reporter.news@gmail.com']",
    }
    assert "gmail.com" in next(o for o in _objects(stix_text) if o["type"] == "campaign")["description"]
    event = json.loads(event_json(export))["Event"]
    to_ids = {a["value"]: a["to_ids"] for a in event["Attribute"]}
    assert to_ids == {
        "gmail.com": False,
        "us3.list-manage.com": False,
        "evil-tracker.example": True,
        "reporter.news@gmail.com": True,
    }


def test_stix_ids_are_stable_across_exports(store_with_campaign):
    first = _objects(bundle_json(load_export(store_with_campaign, CAMPAIGN_ID, _settings())))
    again = _objects(bundle_json(load_export(store_with_campaign, CAMPAIGN_ID, _settings())))
    assert {o["id"] for o in first} == {o["id"] for o in again}
    other_org = ShareSettings.from_config(Config({"organisation": {"name": "Another Parliament"}}))
    other = _objects(bundle_json(load_export(store_with_campaign, CAMPAIGN_ID, other_org)))
    ids = {o["type"]: o["id"] for o in first if o["type"] in ("identity", "campaign")}
    other_ids = {o["type"]: o["id"] for o in other if o["type"] in ("identity", "campaign")}
    assert ids["identity"] != other_ids["identity"] and ids["campaign"] != other_ids["campaign"]
    for obj in first:
        if "modified" in obj:
            assert obj["created"] <= obj["modified"]


def test_benign_groups_are_not_exported(tmp_path):
    import datetime as dt

    from mailward.store import Campaign, open_store

    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        store.replace_campaigns(
            [
                Campaign(
                    id="b1", kind="benign", name="Weekly newsletter", verdict="tracking",
                    first_seen=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), last_seen=None,
                    message_count=40, target_count=40, senders=("news@shop.example",), identities=(),
                    indicators=({"kind": "domain", "value": "shop.example"},), attack=(), links=(),
                )
            ]
        )
        with pytest.raises(ExportError, match="not an attack campaign"):
            load_export(store, "b1", _settings())
