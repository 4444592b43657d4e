"""Retro-match: indicators that arrive later find the stored messages at once,
from the facts the store keeps (no mailbox is read again)."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner
from sqlalchemy import select

from mailward.cli import cli
from mailward.config import Config
from mailward.hunt.features import unpack_rule_facts
from mailward.parse import parse_message
from mailward.share.intel import FeedIndicator, add_indicators
from mailward.share.msgfacts import message_facts
from mailward.share.retromatch import list_matches, rematch
from mailward.share.reverdict import Reevaluator, rescan
from mailward.store import open_store
from mailward.store.models import MessageRow

from .conftest import TARGETS, lure
from .retro_helpers import store_messages

BENIGN = (
    b"From: Friend <friend@example.org>\r\nTo: jane.doe@parliament.example\r\n"
    b"Subject: lunch\r\nReceived: from mx.example.org (mx.example.org [192.0.2.10]) by mx\r\n"
    b"Date: Tue, 5 Jan 2021 12:00:00 +0000\r\n"
    b"Content-Type: text/plain\r\n\r\nSee https://www.example.org/menu?x=1\r\n"
)
ATTACHED = (
    b"From: Clerk <clerk@committee.example>\r\nTo: jane.doe@parliament.example\r\nSubject: papers\r\n"
    b"Received: from out.committee.example (out.committee.example [203.0.113.77]) by mx\r\n"
    b"Date: Wed, 6 Jan 2021 12:00:00 +0000\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
    b"Content-Type: text/plain\r\n\r\nPlease find the agenda attached; see "
    b"https://redirect.example/r?u=https%3A%2F%2Fkit.phish.example%2Flogin%2Fx\r\n"
    b"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=a.bin\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n--b--\r\n"
)


STORY = (
    b"Our correspondents have been following the committee's work on foreign interference "
    b"closely this winter, and we would value your view on the new proposals before the vote "
    b"next month, in particular the provisions on transparency of overseas funding."
)


def lure_text(recipient: str, n: int) -> bytes:
    """A conftest lure with a story long enough to be sketched."""
    return lure(recipient, n).replace(b"Dear colleague, please read our article.", STORY)


def _store(tmp_path, name="s"):
    return open_store(f"sqlite:///{tmp_path / name}.db")


def _fill(store):
    store_messages(store, [lure_text(t, i) for i, t in enumerate(TARGETS)] + [BENIGN, ATTACHED])


def test_facts_cover_senders_hosts_urls_ips_and_hashes():
    facts = set(message_facts(parse_message(ATTACHED)))
    assert ("email", "clerk@committee.example") in facts
    assert ("domain", "committee.example") in facts
    assert ("ip", "203.0.113.77") in facts
    assert ("url", "redirect.example/r?u=https%3a%2f%2fkit.phish.example%2flogin%2fx") in facts
    assert ("url", "kit.phish.example/login/x") in facts  # inside the redirector's parameter
    assert ("domain", "kit.phish.example") in facts and ("domain", "phish.example") in facts
    assert not any(k == "domain" and v == "example" for k, v in facts)  # a public suffix is never a fact
    hashes = {v for k, v in facts if k == "sha256"}
    assert len(hashes) == 2  # the message and its attachment


def test_import_matches_every_stored_message_at_once(tmp_path):
    with _store(tmp_path) as store:
        _fill(store)
        assert {m.verdict for m in store.messages()} >= {"clean"}
        add_indicators(store, [
            FeedIndicator("domain", "reuters-newsdesk.example", 90, None, ""),   # the lures' sender domain
            FeedIndicator("url", "https://kit.phish.example/login/", 90, None, ""),  # inside a redirect
            FeedIndicator("ipv4", "203.0.113.0/24", 90, None, ""),                 # a network
            FeedIndicator("domain", "unrelated.example", 90, None, ""),
        ], source="peer")
        report = rematch(store, Config())
        assert report.messages == 4 and report.indicators == 4
        rows = list_matches(store)
        by_kind: dict[str, set[str]] = {}
        for row in rows:
            by_kind.setdefault(row.kind, set()).add(row.source)
        assert by_kind["domain"] == {"m/0", "m/1", "m/2"}
        assert by_kind["url"] == {"m/4"} and by_kind["ipv4"] == {"m/4"}
        assert all(len(r.sha256) == 64 and r.indicator_source == "peer" for r in rows)
        # the benign message is untouched; the matched ones are judged again: known indicators
        verdicts = {m.source: m.verdict for m in store.messages()}
        assert verdicts["m/3"] == "clean"
        assert {verdicts[s] for s in ("m/0", "m/1", "m/2", "m/4")} == {"malicious"}
        assert any(e.kind == "found" for e in report.events)
        sizes = sorted(c.message_count for c in store.campaigns())
        assert sizes == [1, 3]  # the three lures together; the redirect message on its own
        # nothing new the second time
        again = rematch(store, Config())
        assert again.new_matches == 0 and again.messages == 0 and again.events == []


def test_own_domains_and_expired_indicators_never_match(tmp_path):
    config = Config({"organisation": {"domains": ["parliament.example"]}})
    with _store(tmp_path) as store:
        _fill(store)
        past = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        add_indicators(store, [FeedIndicator("domain", "parliament.example", 90, None, "")], source="bad feed")
        add_indicators(store, [FeedIndicator("email", "clerk@committee.example", 90, past, "")], source="old")
        report = rematch(store, config)
        assert report.new_matches == 0 and list_matches(store) == []


def test_body_sketch_and_url_template_fingerprints_match(tmp_path):
    from mailward.share.msgfacts import sketch_text, stripped_template, template_hash

    with _store(tmp_path) as store:
        _fill(store)
        with store.engine.connect() as conn:
            minhash = conn.execute(select(MessageRow.minhash).where(MessageRow.source == "m/0")).scalar_one()
        assert minhash
        tmpl = template_hash(stripped_template("https://t.pixel-beacon.example/o/someone@x.example/open.gif"))
        add_indicators(store, [FeedIndicator("body-minhash", sketch_text(minhash), 80, None, ""),
                               FeedIndicator("url-template", tmpl, 80, None, "")], source="peer")
        report = rematch(store, Config())
        assert report.by_kind["band"] == 3 and report.by_kind["tmpl"] == 3  # the three lures, nothing else
        assert {r.source for r in list_matches(store)} == {"m/0", "m/1", "m/2"}


def test_stored_rule_facts_give_the_scan_verdict(tmp_path):
    raws = [lure_text(t, i) for i, t in enumerate(TARGETS)] + [BENIGN, ATTACHED]
    judge = Reevaluator(Config())
    with _store(tmp_path) as store:
        store_messages(store, raws)
        with store.engine.connect() as conn:
            rows = conn.execute(select(MessageRow.source, MessageRow.verdict, MessageRow.score, MessageRow.rule_facts)).all()
    assert len(rows) == len(raws)
    for _source, verdict, score, blob in rows:
        facts = unpack_rule_facts(blob)
        assert facts is not None
        again, again_score, *_ = judge.judge(facts)
        assert (str(again), round(again_score, 3)) == (verdict, round(score, 3))


def test_facts_stored_before_a_field_existed_are_judged_with_it_empty(tmp_path, caplog):
    # a hunt of an older mailward stored facts without the fields added since; a rule
    # reading one must still evaluate (the field is empty), not fail on every message
    free = (b"From: Daniel Okafor <danielokafor1961@gmail.com>\r\nTo: jane.doe@parliament.example\r\n"
            b"Reply-To: daniel.okafor.office@hotmail.com\r\nSubject: Good day\r\n"
            b"Date: Tue, 5 Jan 2021 12:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n"
            b"I have a transaction of 3.8 million euros to discuss with you in confidence.\r\n")
    judge = Reevaluator(Config())
    with _store(tmp_path) as store:
        store_messages(store, [free])
        with store.engine.connect() as conn:
            [(verdict, blob)] = conn.execute(select(MessageRow.verdict, MessageRow.rule_facts)).all()
    assert verdict == "suspicious"  # PHISHING_ADVANCE_FEE_REPLY_DIVERTED, from the new fact
    facts = unpack_rule_facts(blob)
    assert facts is not None and facts["sender"]["reply_to_free_other"] is True
    del facts["sender"]["reply_to_free_other"]  # as an older mailward stored them
    with caplog.at_level("WARNING"):
        again, _score, findings, *_ = judge.judge(facts)
    assert str(again) == "clean" and findings == []  # the older analysis could not tell
    assert facts["sender"]["reply_to_free_other"] is False
    assert "failed to evaluate" not in caplog.text


def test_rescan_applies_changed_rules_without_reading_mail(tmp_path):
    with _store(tmp_path) as store:
        _fill(store)
        before = {m.source: m.verdict for m in store.messages()}
        assert before["m/0"] in ("recon", "phishing", "suspicious")
        fired = {f["rule"] for f in store.messages(limit=10)[0].findings} | {
            f["rule"] for m in store.messages() for f in m.findings if m.source == "m/0"
        }
        # turn every rule that fired on the lures off: they are judged clean now
        config = Config({"rules": {"disable": sorted(fired)}})
        outcome, _events = rescan(store, config, since=dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
        after = {m.source: m.verdict for m in store.messages()}
        assert outcome.messages == 5 and outcome.changed >= 1
        assert after["m/0"] in ("clean", "tracking")
        assert outcome.transitions
        # a date after every message: nothing is judged
        later, _ = rescan(store, Config(), since=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        assert later.messages == 0


def test_cli_import_matches_and_lists(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    with open_store(db) as store:
        _fill(store)
    feed = tmp_path / "feed.txt"
    feed.write_text("reuters-newsdesk[.]example\n")
    runner = CliRunner()
    out = runner.invoke(cli, ["intel", "import", "--db", db, "--confidence", "85", "--format", "json", str(feed)])
    assert out.exit_code == 0, out.output
    lines = [json.loads(line) for line in out.output.splitlines() if line.startswith("{")]
    retro = [x["retro_match"] for x in lines if "retro_match" in x]
    assert retro and retro[0]["new_matches"] == 3 and retro[0]["messages"] == 3
    listed = runner.invoke(cli, ["intel", "matches", "--db", db, "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert len(rows) == 3
    assert set(rows[0]) >= {"sha256", "indicator", "source", "time"}
    assert {r["indicator"] for r in rows} == {"reuters-newsdesk.example"} and {r["source"] for r in rows} == {"feed.txt"}
    table = runner.invoke(cli, ["intel", "matches", "--db", db])
    assert table.exit_code == 0 and "feed.txt" in table.output
    resc = runner.invoke(cli, ["rescan", "--db", db, "--format", "json"])
    assert resc.exit_code == 0, resc.output
    assert json.loads(resc.output)["messages"] == 5
    bad = runner.invoke(cli, ["rescan", "--db", db, "--since", "yesterday"])
    assert bad.exit_code == 2 and "ISO date" in bad.output


def test_migration_backfills_facts_of_messages_stored_before(tmp_path):
    """A store hunted before facts were kept: the upgrade derives what its columns allow,
    and such messages are matched (their verdict stays: no rule facts to re-judge)."""
    from sqlalchemy import create_engine, insert

    from mailward.store import migrate
    from mailward.store.models import MessageFactRow

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    migrate.upgrade(engine, "0001")
    old = sqlalchemy_table_messages()
    with engine.begin() as conn:
        conn.execute(insert(old), [{
            "id": 1, "source": "old/1", "mailbox": "", "message_id": "", "sha256": "ab" * 32, "size": 10,
            "from_addr": "desk@reuters-newsdesk.example", "from_name": "", "from_domain": "reuters-newsdesk.example",
            "reply_to": "", "subject": "", "date": None, "received_ips": ["198.51.100.20"], "dkim_domains": [],
            "verdict": "recon", "verdict_rank": 3, "score": 5.0, "summary": "", "reason": "", "findings": [],
            "beacons": [{"url": "https://t.pixel-beacon.example/o/x/open.gif", "token": None}], "indicators": [],
            "attack": [], "recipients": [], "features": {}, "minhash": None, "body": None,
            "scanned_at": dt.datetime(2021, 1, 1),
        }])
    engine.dispose()
    with open_store(url) as store:
        with store.engine.connect() as conn:
            facts = set(conn.execute(select(MessageFactRow.kind, MessageFactRow.value)).all())
        assert ("email", "desk@reuters-newsdesk.example") in facts
        assert ("domain", "pixel-beacon.example") in facts and ("ip", "198.51.100.20") in facts
        assert ("url", "t.pixel-beacon.example/o/x/open.gif") in facts
        add_indicators(store, [FeedIndicator("ipv4", "198.51.100.20", 90, None, "")], source="peer")
        report = rematch(store, Config())
        assert report.messages == 1 and report.not_reevaluated == 1 and report.changed == 0


def sqlalchemy_table_messages():
    import sqlalchemy as sa

    from mailward.store.models import Base

    table = Base.metadata.tables["messages"]
    return sa.table("messages", *[sa.column(c.name, c.type) for c in table.columns if c.name != "rule_facts"])
