"""Campaign clustering on inputs built by the test: what links, what must not."""

from __future__ import annotations

import datetime as dt

from mailward.hunt.campaigns import LSH_PARAMS, ClusterParams, cluster, lsh_params
from mailward.hunt.features import content_minhash
from mailward.store import ClusterInput

T0 = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
LURE = (
    "exclusive interview request about the upcoming parliamentary vote on export controls "
    "our correspondent would like to ask you some questions for an article we publish this week "
    "please read the attached draft and reply with your comments by friday"
).split()
NEWS = (
    "good morning here are the headlines of the day markets rallied as the central bank held rates "
    "sport results from the weekend and the weather for the coming week with sunshine in the south"
).split()


def item(n: int, verdict: str, keys: list[str], *, rcpt: str, words: list[str] | None = None, **features: object) -> ClusterInput:
    return ClusterInput(
        id=n, sha256=f"{n:064x}", mailbox=rcpt, verdict=verdict,
        verdict_rank={"clean": 0, "tracking": 1, "suspicious": 2, "recon": 3, "phishing": 4}[verdict],
        date=T0 + dt.timedelta(hours=n), from_addr=next((k[5:] for k in keys if k.startswith("from:")), ""),
        from_name="", subject="", recipients=(rcpt,), features={"keys": keys, **features},
        minhash=content_minhash(words) if words else None,
        indicators=tuple({"kind": "domain", "value": k.split(":", 1)[1]} for k in keys if k.startswith(("track_host:", "esp_host:"))),
        attack=("T1598.003",) if verdict != "clean" else (),
    )


def groups(campaigns, kind="attack"):
    return sorted(sorted(c.message_ids) for c in campaigns if c.kind == kind)


def test_strong_keys_link_and_common_keys_do_not():
    inputs = [
        # campaign A: one Reply-To, from two different free-mail senders
        item(1, "recon", ["from:a1@gmail.com", "from_domain:gmail.com", "reply_to:desk@reuters-news.example"], rcpt="p1@x"),
        item(2, "recon", ["from:a2@gmail.com", "from_domain:gmail.com", "reply_to:desk@reuters-news.example"], rcpt="p2@x"),
        # campaign B: also gmail, different everything else: must not join A through gmail.com
        item(3, "phishing", ["from:b1@gmail.com", "from_domain:gmail.com", "msgid:N8@gmail.com"], rcpt="p3@x"),
        # campaign C: sent through a mailing service that newsletters use too (weak), same persona
        item(4, "recon", ["persona:bbc newsdesk", "esp_host:t.esp.example", "from:x@bbc-news.example"], rcpt="p1@x", trackers=["ESP"]),
        item(5, "recon", ["persona:bbc newsdesk", "esp_host:t.esp.example", "from:y@bbc-news2.example"], rcpt="p4@x", trackers=["ESP"]),
        # campaign D: only the ESP host in common with C: must stay apart
        item(6, "suspicious", ["persona:other", "esp_host:t.esp.example", "from:z@other.example"], rcpt="p5@x", trackers=["ESP"]),
    ]
    benign = [
        item(10 + n, "tracking", ["from_domain:gmail.com", "esp_host:t.esp.example", f"from:news{n}@shop.example", "from_domain:shop.example"], rcpt="p1@x", dkim_aligned=True)
        for n in range(4)
    ]
    campaigns, stats = cluster(inputs + benign)
    assert groups(campaigns) == [[1, 2], [3], [4, 5], [6]]
    assert stats.attack_messages == 6
    # benign mail forms its own group and never joins an attack campaign
    assert groups(campaigns, "benign") == [[10, 11, 12, 13]]
    by_members = {tuple(c.message_ids): c for c in campaigns}
    a = by_members[(1, 2)]
    assert a.targets == ("p1@x", "p2@x") and a.verdict == "recon" and a.first_seen == T0 + dt.timedelta(hours=1)
    assert "reply_to:desk@reuters-news.example" in a.links
    # an indicator that benign mail carries too is not a campaign indicator
    assert {"kind": "domain", "value": "t.esp.example"} not in by_members[(4, 5)].indicators


def test_content_similarity_links_and_can_be_turned_off():
    inputs = [
        item(1, "recon", ["from:a@one.example"], rcpt="p1@x", words=LURE),
        item(2, "recon", ["from:b@two.example"], rcpt="p2@x", words=[*LURE[:-2], "monday", "please"]),
        item(3, "recon", ["from:c@three.example"], rcpt="p3@x", words=NEWS),
    ]
    assert groups(cluster(inputs)[0]) == [[1, 2], [3]]
    assert groups(cluster(inputs, ClusterParams(use_content=False))[0]) == [[1], [2], [3]]


def test_campaign_ids_are_stable_when_mail_is_added():
    base = [item(n, "recon", ["reply_to:r@evil.example"], rcpt=f"p{n}@x") for n in range(1, 4)]
    first = cluster(base)[0][0]
    later = cluster([*base, item(9, "recon", ["reply_to:r@evil.example"], rcpt="p9@x")])[0][0]
    assert first.id == later.id and later.message_count == 4 and later.target_count == 4


def test_own_tracking_host_links_but_spam_stays_apart():
    inputs = [
        item(1, "recon", ["from:a@lookalike.example", "track_host:media.cdn-evil.example"], rcpt="p1@x"),
        item(2, "recon", ["from:b@gmail.com", "from_domain:gmail.com", "track_host:media.cdn-evil.example"], rcpt="p2@x"),
        item(3, "suspicious", ["from:spam@gmail.com", "from_domain:gmail.com"], rcpt="p2@x"),
    ]
    campaigns, _ = cluster(inputs)
    assert groups(campaigns) == [[1, 2], [3]]


def test_lsh_params_table_is_datasketchs_choice():
    from datasketch.lsh import _optimal_param

    for threshold, params in LSH_PARAMS.items():
        assert params == _optimal_param(threshold, 64, 0.5, 0.5), threshold
    assert lsh_params(0.65) == _optimal_param(0.65, 64, 0.5, 0.5)  # not in the table: computed


def test_one_read_receipt_mailbox_links_messages_from_rotating_senders():
    """A sender that changes From on every message can keep the mailbox that counts the opens."""
    inputs = [
        item(1, "suspicious", ["from:ra@host-one.example", "from_domain:host-one.example", "receipt:ti@opens.example"], rcpt="p1@x"),
        item(2, "suspicious", ["from:zw@host-two.example", "from_domain:host-two.example", "receipt:ti@opens.example"], rcpt="p2@x"),
        item(3, "suspicious", ["from:qq@host-three.example", "from_domain:host-three.example", "receipt:other@opens.example"], rcpt="p3@x"),
    ]
    campaigns, _stats = cluster(inputs)
    assert groups(campaigns) == [[1, 2], [3]]
    assert "receipt:ti@opens.example" in next(c for c in campaigns if c.message_ids == (1, 2)).links


def test_a_colleagues_forward_of_a_lure_joins_no_campaign():
    lure = ["from:desk@reuters-news.example", "track_host:px.reuters-news.example"]
    inputs = [
        item(1, "recon", lure, rcpt="p1@x"),
        item(2, "recon", lure, rcpt="p2@x"),
        # p2 forwards the lure as an attachment to IT security: the same beacon host, but
        # the security officer is no target of the attacker's
        item(3, "recon", ["from:p2@x", "track_host:px.reuters-news.example"], rcpt="security@x", forwarded=True),
    ]
    campaigns, stats = cluster(inputs)
    assert groups(campaigns) == [[1, 2]]
    assert stats.attack_messages == 2
    assert next(c for c in campaigns if c.kind == "attack").targets == ("p1@x", "p2@x")


def test_forwarded_means_an_own_authenticated_note_that_is_benign_on_its_own():
    from mailward.hunt.features import forwarded

    facts = {"attached_messages": [{"part": "2", "facts": {}}], "own_verdict": "clean",
             "org": {"inbound_from_own": True}, "auth": {"aligned": True}}
    assert forwarded(facts)
    assert not forwarded({**facts, "own_verdict": "suspicious"})  # the note is suspect itself
    assert not forwarded({**facts, "auth": {"aligned": False}})  # anyone can write the own domain into From
    assert not forwarded({**facts, "org": {"inbound_from_own": False}})  # the attacker's own wrapper
    assert not forwarded({k: v for k, v in facts.items() if k != "attached_messages"})
