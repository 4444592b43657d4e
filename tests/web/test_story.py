"""The words the pages put on what the store holds (no server needed)."""

from __future__ import annotations

import datetime as dt

from mailward.gateway.quarantine import Entry
from mailward.store import Person, StoredMessage
from mailward.web.charts import nice_ticks, stacked_bars
from mailward.web.pages import local_path
from mailward.web.story import (
    ActionIndex,
    aliases,
    evidence_text,
    grouped_because,
    leaks_of,
    message_sentence,
    pivot,
    severity_groups,
    techniques,
)


def _message(**kw) -> StoredMessage:
    values = dict(id=1, source="x", mailbox="m", message_id="<a@b>", sha256="s" * 64, size=1, from_addr="a@b.test",
                  from_name="", from_domain="b.test", reply_to="", subject="hi", date=None, received_ips=(),
                  dkim_domains=(), verdict="recon", score=9.0, summary="Reconnaissance: x. (+3 more findings)",
                  reason="", findings=(), beacons=(), indicators=(), attack=(), recipients=("p@org.test",),
                  scanned_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    values.update(kw)
    return StoredMessage(**values)


def test_grouped_because_speaks_words_not_keys():
    said = grouped_because("pair:claimed:the economist+msgid_shape:H12.N6")
    assert said == "claims to be The Economist, together with Message-IDs of the same shape (H12.N6)"
    assert grouped_because("track_host:media.newswire-cdn.com") == "the same tracking host media.newswire-cdn.com"
    assert grouped_because("from:a@b.test") == "the same sender address a@b.test"
    assert "in the query:ref" in grouped_because("token:img.x.test|query:ref")
    assert grouped_because("unknownkind:v") == "unknownkind:v"


def test_evidence_is_values_not_python_reprs():
    assert evidence_text(["bbc-worldservice.co"]) == "bbc-worldservice.co"
    assert evidence_text(["a", "b"]) == "a, b"
    assert evidence_text({"host": "x", "n": [1, 2]}) == "host: x; n: 1, 2"
    assert evidence_text(True) == "yes"
    assert "[" not in evidence_text([["nested"]])


def test_attack_ids_carry_names_and_links():
    got = techniques(["T1598.003", "T1656", "T1598.003", "not-an-id"])
    assert [t.id for t in got] == ["T1598.003", "T1656"]
    assert got[0].name == "Phishing for Information: Spearphishing Link"
    assert got[0].url == "https://attack.mitre.org/techniques/T1598/003/"
    assert got[1].name == "Impersonation"


def test_every_rule_attack_id_has_a_name():
    from mailward.rules.engine import load_ruleset
    from mailward.rules.policy import Policy
    from mailward.share.attack import TECHNIQUES

    ids = {t for r in load_ruleset(Policy().rule_dirs).rules for t in r.spec.attack}
    assert ids and ids <= set(TECHNIQUES), sorted(ids - set(TECHNIQUES))


def test_findings_group_by_severity_most_severe_first():
    groups = severity_groups([{"rule": "A", "severity": "low"}, {"rule": "B", "severity": "high"},
                              {"rule": "C", "severity": "high"}, {"rule": "D", "severity": "odd"}])
    assert [(s, [f["rule"] for f in fs]) for s, fs in groups] == [("high", ["B", "C"]), ("low", ["A"]), ("odd", ["D"])]


def test_leak_roll_up_over_messages():
    beacon = {"leaks": ["ip", "open-time"], "per_recipient": True, "token": {"recipient": "p@org.test"}}
    leaks = leaks_of([_message(beacons=(beacon,)), _message(beacons=({"leaks": ["device"]},)), _message()])
    assert leaks.messages_with_beacons == 2 and leaks.per_recipient == 1
    assert leaks.identified == ["p@org.test"]
    assert leaks.words[0].startswith("your IP address") and any("device" in w for w in leaks.words)
    assert message_sentence(_message()) == "Reconnaissance: x."


def test_aliases_find_a_person_by_name_or_part_of_any_address():
    roster = [Person("Rhys Lindgren", ("rhys.lindgren@parliament.example", "lindgren.r.mp@parliament.example")),
              Person("Owen Takahashi", ("owen.takahashi@parliament.example",))]
    assert aliases("LINDGREN.R", roster) == ["rhys.lindgren@parliament.example", "lindgren.r.mp@parliament.example"]
    assert aliases("rhys", roster)[1] == "lindgren.r.mp@parliament.example"
    assert aliases("nobody", roster) == [] and aliases(" ", roster) == []


def test_pivots_are_local_filtered_views():
    assert pivot("email", "a@b.test") == "/messages?sender=a%40b.test"
    assert pivot("domain", "x.test") == "/messages?indicator=x.test"
    assert pivot("subject", "Hello there") == "/messages?q=Hello+there"


def test_next_after_sign_in_stays_on_this_site():
    assert local_path("/messages?verdict=recon") == "/messages?verdict=recon"
    for bad in ("//evil.test/", "https://evil.test/", "/\\evil.test", "evil", "", "/login?next=/x", "/x\r\nSet-Cookie: a"):
        assert local_path(bad) == "/", bad


def test_history_says_who_acted():
    entry = Entry(id="E1", sha256="s", size=1, stored_at="2026-01-01T00:00:00+00:00", action="quarantine",
                  status="released")
    audit = [
        {"time": "2026-01-01T00:00:00+00:00", "event": "stored", "id": "E1", "action": "quarantine"},
        {"time": "2026-01-01T01:00:00+00:00", "event": "released", "id": "E1", "defused": True, "recipients": ["p@o"]},
        {"time": "2026-01-01T01:00:01+00:00", "event": "release-requested", "id": "E1", "by": "ada", "role": "analyst"},
        {"time": "2026-01-01T02:00:00+00:00", "event": "deleted", "id": "E1", "by": "bob", "role": "admin"},
    ]
    got = ActionIndex.build([entry], audit).history(entry)
    assert [(a.what, a.who) for a in got] == [
        ("held in quarantine", "the gateway"),
        ("released the defused copy to p@o", "ada (analyst)"),
        ("deleted", "bob (admin)"),
    ]
    message = _message(sha256="s")
    assert ActionIndex.build([entry], audit).outcome(message) == "released"
    assert ActionIndex.build([], []).outcome(message) == "mailbox"


def test_chart_has_gridlines_round_ticks_and_linked_bars():
    assert nice_ticks(37) == [0, 10, 20, 30, 40]
    assert nice_ticks(0) == [0, 1]
    days = [dt.date(2026, 1, 1), dt.date(2026, 1, 2)]
    svg = stacked_bars(days, {"recon": [3, 0], "clean": [1, 37]}, title="t <x>",
                       link=lambda d, v: f"/messages?verdict={v}&since={d}")
    assert svg.count("<line") == 5  # one per tick
    assert '<a href="/messages?verdict=recon&amp;since=2026-01-01"' in svg
    assert "t &lt;x&gt;" in svg and "<x>" not in svg
