from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from mailward.model import Attachment
from mailward.parse import parse_message
from mailward.share import indicator_values
from mailward.share.matcher import IndicatorRecord, IntelMatch, IntelMatcher, load_matcher

from .conftest import benign

RAW = (
    b"Received: from relay.bad.example (relay.bad.example [203.0.113.7]) by mx.parliament.example\r\n"
    b'From: "Desk" <Desk@Reuters-Newsdesk.example>\r\n'
    b"Reply-To: x@evil-reply.example\r\n"
    b"Return-Path: <bounce@bounces.mailer.example>\r\n"
    b"To: mp@parliament.example\r\nSubject: hi\r\nMessage-ID: <a@b>\r\n"
    b"Content-Type: text/html\r\n\r\n"
    b'<a href="https://news.track.evil.example/click?u=1">x</a>'
    b'<img src="https://px.tracker.example/o.gif?uid=abc" width=1 height=1>'
    b'<a href="https://redir.example/?u=https%3A%2F%2Fbad.example%2Fpath%2Fx">y</a>'
    b'<a href="https://notbad.example/path/x">z</a>'
    b'<a href="http://192.0.2.99/x">ip</a>'
)


def _match(records, message=None, beacons=()):
    return IntelMatcher(records).match(message or parse_message(RAW), beacons)


def _by_indicator(matches):
    return {m.indicator: m for m in matches}


def test_each_kind_matches_where_it_should():
    found = _by_indicator(
        _match(
            [
                IndicatorRecord("evil.example", "domain", "cert-a", 80),
                IndicatorRecord("reuters-newsdesk.example", "domain", "cert-b", 70),
                IndicatorRecord("mailer.example", "domain", "cert-b", 60),
                IndicatorRecord("x@evil-reply.example", "email", "feed", 70),
                IndicatorRecord("203.0.113.0/24", "ipv4", "feed", 60),
                IndicatorRecord("192.0.2.99", "ipv4", "feed", 60),
                IndicatorRecord("https://px.tracker.example/o.gif", "url", "feed", 90),
                IndicatorRecord("hxxp://bad[.]example/path", "url", "feed", 90),
            ]
        )
    )
    assert found["evil.example"].matched == "news.track.evil.example"
    assert found["evil.example"].location == "link"
    assert found["evil.example"].source == "cert-a"
    assert found["reuters-newsdesk.example"].location == "from"
    assert found["mailer.example"].location == "return-path"
    assert found["x@evil-reply.example"].location == "reply-to"
    assert found["203.0.113.0/24"].matched == "203.0.113.7"
    assert found["203.0.113.0/24"].location == "received"
    assert found["192.0.2.99"].location == "link"
    assert found["https://px.tracker.example/o.gif"].location == "resource"
    # inside a redirector's encoded parameter, and only there (not in notbad.example)
    assert found["http://bad.example/path"].matched.startswith("https://redir.example/")
    assert len(found) == 8


def test_no_false_matches_on_lookalike_strings():
    matches = _match(
        [
            IndicatorRecord("track.example", "domain", "s", 50),  # not a suffix of news.track.evil.example
            IndicatorRecord("ad.example", "domain", "s", 50),  # "bad.example" must not match
            IndicatorRecord("desk@reuters-newsdesk.exampl", "email", "s", 50),
            IndicatorRecord("203.0.113.8", "ipv4", "s", 50),
            IndicatorRecord("https://tracker.example/o.gif", "url", "s", 50),  # px.tracker.example: other host
            IndicatorRecord("a" * 64, "sha256", "s", 50),
        ]
    )
    assert matches == ()


def test_beacon_urls_and_attachment_hashes():
    message = parse_message(RAW)
    sha = "ab" * 32
    attachment = Attachment("2", "a.pdf", "application/pdf", "application/pdf", 10, sha, "attachment")
    message = dataclasses.replace(message, attachments=(attachment,))
    found = _by_indicator(
        _match(
            [
                IndicatorRecord(sha.upper(), "sha256", "s", 90),
                IndicatorRecord("beacon.example/p/", "url", "s", 90),
                IndicatorRecord(message.sha256, "sha256", "s", 40),
            ],
            message,
            ["https://beacon.example/p/123.gif"],
        )
    )
    assert found[sha].location == "attachment"
    assert found["http://beacon.example/p/"].location == "beacon"
    assert found[message.sha256].location == "message"


def test_expired_public_suffix_and_unmatched_kinds_are_left_out():
    past = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    matcher = IntelMatcher(
        [
            IndicatorRecord("evil.example", "domain", "old", 80, expires_at=past),
            IndicatorRecord("co.uk", "domain", "bad feed", 80),
            IndicatorRecord("Interview", "subject", "s", 80),
            IndicatorRecord("not a domain", "domain", "s", 80),
        ]
    )
    assert len(matcher) == 0
    assert matcher.skipped == {"expired": 1, "public suffix": 1, "kind subject is not matched": 1, "invalid value": 1}
    assert matcher.match(parse_message(RAW)) == ()


def test_indicator_expiring_after_build_stops_matching():
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    matcher = IntelMatcher([IndicatorRecord("evil.example", "domain", "s", 80, expires_at=soon)])
    assert matcher.match(parse_message(RAW))
    later = IntelMatcher(
        [IndicatorRecord("evil.example", "domain", "s", 80, expires_at=soon)],
        now=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
    )
    # the record's expiry is checked again at match time
    later._records[0] = dataclasses.replace(later._records[0], expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    assert later.match(parse_message(RAW)) == ()


def test_one_match_per_indicator_and_source():
    matches = _match(
        [
            IndicatorRecord("evil.example", "domain", "a", 80),
            IndicatorRecord("evil.example", "domain", "b", 30),
        ]
    )
    assert [(m.source, m.confidence) for m in matches] == [("a", 80), ("b", 30)]
    fact = matches[0].as_fact()
    assert fact == {
        "indicator": "evil.example",
        "kind": "domain",
        "matched": "news.track.evil.example",
        "source": "a",
        "confidence": 80,
        "location": "link",
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        matches[0].source = "x"  # type: ignore[misc]
    assert isinstance(matches[0], IntelMatch)


def test_benign_message_does_not_match_campaign_indicators():
    matcher = IntelMatcher(
        [IndicatorRecord("reuters-newsdesk.example", "domain", "s", 80), IndicatorRecord("198.51.100.20", "ipv4", "s", 80)]
    )
    assert matcher.match(benign()) == ()


def test_idn_domains_compare_in_ascii():
    raw = "From: x@bücher.example\r\nTo: y@z.example\r\nSubject: s\r\n\r\nhttps://www.bücher.example/a\r\n".encode()
    found = _match([IndicatorRecord("bücher.example", "domain", "s", 50)], parse_message(raw))
    assert "from" in {m.location for m in found}
    assert found[0].indicator == "xn--bcher-kva.example"


def test_load_matcher_without_store_is_empty_and_creates_nothing(tmp_path):
    from mailward.config import Config

    config = Config({"mailward": {"data_dir": str(tmp_path / "data")}})
    matcher = load_matcher(config)
    assert matcher.empty
    assert matcher.match(parse_message(RAW)) == ()
    assert not (tmp_path / "data").exists()


def test_load_matcher_reads_store_and_caches(tmp_path):
    from mailward.config import Config
    from mailward.store import open_store

    url = f"sqlite:///{tmp_path / 's.db'}"
    config = Config({"store": {"url": url}})
    with open_store(url) as store:
        assert load_matcher(config).empty  # store exists, no indicators
        store.add_indicators([{"kind": "domain", "value": "evil.example", "source": "t", "confidence": 70}])
    first = load_matcher(config)
    assert len(first) == 1
    assert load_matcher(config) is first  # cached: built once
    with open_store(url) as store:
        store.add_indicators([{"kind": "email", "value": "x@evil-reply.example", "source": "t"}])
    second = load_matcher(config)
    assert second is not first and len(second) == 2
    assert {m.indicator for m in second.match(parse_message(RAW))} == {"evil.example", "x@evil-reply.example"}


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("evil[.]example", "domain", "evil.example"),
        ("hxxps://evil[.]example/a?b=1", "url", "https://evil.example/a?b=1"),
        ("User[@]Evil.Example", "email", "user@evil.example"),
        ("203.0.113.5", "ipv4", "203.0.113.5"),
        ("2001:DB8::1", "ipv6", "2001:db8::1"),
        ("198.51.100.0/24", "ipv4", "198.51.100.0/24"),
        ("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("d41d8cd98f00b204e9800998ecf8427e", "md5", "d41d8cd98f00b204e9800998ecf8427e"),
        ("evil.example/path", "url", "http://evil.example/path"),
    ],
)
def test_detect(text, kind, value):
    assert indicator_values.detect(text) == (kind, value)


@pytest.mark.parametrize("text", ["", "nodots", "a b.example", "999.1.1.1.1", "@evil.example", "http://"])
def test_detect_rejects(text):
    with pytest.raises(indicator_values.IndicatorError):
        indicator_values.detect(text)


def test_url_key():
    assert indicator_values.url_key("HTTPS://Evil.Example:443/T?x=1#frag") == "evil.example/t?x=1"
    assert indicator_values.url_key("http://user@evil.example") == "evil.example/"
    assert indicator_values.url_key("//evil.example:8080/a") == "evil.example:8080/a"


def test_refreshing_lookup_picks_up_imports(tmp_path):
    from mailward.config import Config
    from mailward.share.matcher import RefreshingLookup, intel_lookup
    from mailward.store import open_store

    url = f"sqlite:///{tmp_path / 's.db'}"
    config = Config({"store": {"url": url}, "intel": {"refresh_seconds": 60}})
    now = [0.0]
    lookup = RefreshingLookup(config, 60, clock=lambda: now[0])
    message = parse_message(RAW)
    assert lookup(message) == []  # no store yet
    assert isinstance(intel_lookup(config), RefreshingLookup)  # the config asks for refreshing
    assert intel_lookup(Config({"store": {"url": url}})) is None  # one-shot, nothing imported
    with open_store(url) as store:
        store.add_indicators([{"kind": "domain", "value": "evil.example", "source": "t", "confidence": 90}])
    now[0] = 30.0
    assert lookup(message) == []  # not yet time to look
    assert lookup.thread is None
    now[0] = 61.0
    lookup(message)  # starts the reload in the background
    assert lookup.thread is not None
    lookup.thread.join(timeout=30)
    assert [m["indicator"] for m in lookup(message)] == ["evil.example"]


def test_own_domains_are_never_domain_indicators():
    matcher = IntelMatcher(
        [
            IndicatorRecord("reuters-newsdesk.example", "domain", "bad feed", 90),  # "ours" below
            IndicatorRecord("newsdesk.reuters-newsdesk.example", "domain", "s", 90),  # a subdomain: kept
            IndicatorRecord("desk@reuters-newsdesk.example", "email", "s", 90),  # one address: kept
        ],
        own_domains=["Reuters-Newsdesk.example"],
    )
    assert matcher.skipped == {"own domain": 1}
    assert {m.indicator for m in matcher.match(parse_message(RAW))} == {"desk@reuters-newsdesk.example"}


def test_a_read_receipt_mailbox_is_matched_as_the_senders():
    """An attacker's mailbox named in a read-receipt request is theirs as much as a Reply-To."""
    raw = RAW.replace(b"Reply-To: x@evil-reply.example\r\n",
                      b"Disposition-Notification-To: <Opens@Receipts.example>\r\n")
    found = _by_indicator(_match([IndicatorRecord("opens@receipts.example", "email", "feed", 80),
                                  IndicatorRecord("receipts.example", "domain", "feed", 60)], parse_message(raw)))
    assert found["opens@receipts.example"].location == "receipt-to"
    assert found["receipts.example"].location == "receipt-to"
    assert not _match([IndicatorRecord("opens@receipts.example", "email", "feed", 80)])  # RAW asks for none
