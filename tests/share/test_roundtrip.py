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


def test_round_trip_from_a_hunted_campaign_through_the_cli_and_scanner(tmp_path):
    """hunt -> campaigns -> export stix/misp -> intel import (fresh store) -> scan: every message flagged."""
    import json

    from click.testing import CliRunner

    from mailward.cli import cli
    from mailward.config import load_config
    from mailward.parse import parse_message
    from mailward.scan import Scanner
    from mailward.share.matcher import intel_lookup

    from .conftest import TARGETS, intel_rules_dir, lure

    mail = tmp_path / "mail"
    mail.mkdir()
    raws = [lure(rcpt, i) for i, rcpt in enumerate(TARGETS)]
    for i, raw in enumerate(raws):
        (mail / f"{i}.eml").write_bytes(raw)
    hunted = f"sqlite:///{tmp_path / 'hunt.db'}"
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("hunt", str(mail), "--db", hunted, "-j", "1", "--no-progress")
    campaigns = json.loads(run("campaigns", "--db", hunted, "--format", "json"))
    assert len(campaigns) == 1 and campaigns[0]["message_count"] == 3
    ident = campaigns[0]["id"]
    run("export", "stix", ident, "--db", hunted, "-o", str(tmp_path / "c.stix.json"))
    run("export", "misp", ident, "--db", hunted, "-o", str(tmp_path / "c.misp.json"))

    fresh = tmp_path / "peer.toml"
    rules = intel_rules_dir()
    fresh.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path / "peer.db"}"\n'
        + (f'[rules]\ndirs = ["{rules}"]\n' if rules else "")
    )
    run("intel", "import", str(tmp_path / "c.stix.json"), "--config", str(fresh), "--source", "stix-peer")
    run("intel", "import", str(tmp_path / "c.misp.json"), "--config", str(fresh), "--source", "misp-peer")

    config = load_config(fresh)
    lookup = intel_lookup(config)
    assert lookup is not None
    scanner = Scanner(config, intel=lookup)
    for raw in raws:
        assert {m["source"] for m in lookup(parse_message(raw))} == {"stix-peer", "misp-peer"}
        result = scanner.scan_bytes(raw)
        intel = [f for f in result.findings if f.rule == "INTEL_KNOWN_INDICATOR"]
        assert intel, [f.rule for f in result.findings]
        assert "stix-peer" in intel[0].summary
        assert str(result.verdict) == "malicious"
