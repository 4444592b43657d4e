from __future__ import annotations

import datetime as dt
import json

import pytest
import stix2

from mailward.share.intel import IntelError, add_indicators, import_path, read_feed

STIX = {
    "type": "bundle",
    "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
    "objects": [
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
            "created": "2024-01-01T00:00:00.000Z",
            "modified": "2024-01-01T00:00:00.000Z",
            "name": "National CERT",
            "identity_class": "organization",
        },
        *[
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": f"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd{n:02d}",
                "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                "created": "2024-01-01T00:00:00.000Z",
                "modified": "2024-01-01T00:00:00.000Z",
                "pattern": pattern,
                "pattern_type": "stix",
                "valid_from": "2024-01-01T00:00:00Z",
                **extra,
            }
            for n, (pattern, extra) in enumerate(
                [
                    ("[domain-name:value = 'evil.example']", {"confidence": 85}),
                    ("[url:value = 'https://t.evil.example/p?a=it\\'s']", {}),
                    ("[email-addr:value = 'Desk@Evil.Example'] OR [ipv4-addr:value = '203.0.113.9']", {}),
                    ("[file:hashes.'SHA-256' = '" + "ab" * 32 + "']", {"valid_until": "2030-01-01T00:00:00Z"}),
                    ("[email-message:from_ref.value = 'ceo@evil.example' AND email-message:subject = 'Hi']", {}),
                    ("[process:name = 'evil.exe']", {}),
                    ("[domain-name:value = 'old.example']", {"revoked": True}),
                    ("[url:value LIKE 'https://pfx.example/x/%']", {}),
                ]
            )
        ],
    ],
}


def test_read_stix_bundle():
    feed = read_feed(json.dumps(STIX).encode(), "cert.json")
    assert feed.format == "stix"
    assert feed.producer == "National CERT"
    got = {(i.kind, i.value) for i in feed.indicators}
    assert got == {
        ("domain", "evil.example"),
        ("url", "https://t.evil.example/p?a=it's"),
        ("email", "desk@evil.example"),
        ("ipv4", "203.0.113.9"),
        ("sha256", "ab" * 32),
        ("email", "ceo@evil.example"),
        ("subject", "Hi"),
        ("url", "https://pfx.example/x/"),
    }
    conf = {i.value: i.confidence for i in feed.indicators}
    assert conf["evil.example"] == 85
    expiry = {i.value: i.expires_at for i in feed.indicators}
    assert expiry["ab" * 32] == dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert any("process:name" in p for p in feed.problems)
    assert any("revoked" in p for p in feed.problems)
    # the bundle is valid STIX as far as the library is concerned
    stix2.parse(json.dumps(STIX), allow_custom=False)


MISP = {
    "Event": {
        "info": "Lure wave",
        "Orgc": {"name": "Peer Parliament"},
        "Attribute": [
            {"type": "email-src", "value": "desk@evil.example", "to_ids": True, "category": "Payload delivery"},
            {"type": "email-subject", "value": "Interview", "to_ids": False, "category": "Payload delivery"},
            {"type": "domain", "value": "evil.example", "to_ids": True, "category": "Network activity"},
            {"type": "domain", "value": "shared-esp.example", "to_ids": False, "category": "Network activity"},
            {"type": "ip-dst|port", "value": "203.0.113.9|443", "to_ids": True, "category": "Network activity"},
            {"type": "domain|ip", "value": "c2.example|198.51.100.4", "to_ids": True, "category": "Network activity"},
            {"type": "filename|sha256", "value": "a.pdf|" + "cd" * 32, "to_ids": True, "category": "Payload delivery"},
            {"type": "regkey", "value": "HKLM\\x", "to_ids": True, "category": "Persistence mechanism"},
        ],
        "Object": [
            {
                "name": "email",
                "Attribute": [
                    {"type": "email-src", "object_relation": "from", "value": "other@evil.example", "to_ids": True, "category": "Payload delivery"}
                ],
            }
        ],
    }
}


def test_read_misp_event():
    feed = read_feed(json.dumps(MISP).encode(), "event.json")
    assert feed.format == "misp"
    assert feed.producer == "Peer Parliament"
    got = {(i.kind, i.value) for i in feed.indicators}
    assert got == {
        ("email", "desk@evil.example"),
        ("subject", "Interview"),
        ("domain", "evil.example"),
        ("ipv4", "203.0.113.9"),
        ("domain", "c2.example"),
        ("ipv4", "198.51.100.4"),
        ("sha256", "cd" * 32),
        ("email", "other@evil.example"),
    }
    assert any("regkey" in p for p in feed.problems)
    every = read_feed(json.dumps(MISP).encode(), "event.json", all_attributes=True)
    assert ("domain", "shared-esp.example") in {(i.kind, i.value) for i in every.indicators}
    # a MISP search response (list of events) reads too
    assert len(read_feed(json.dumps({"response": [MISP]}).encode()).indicators) == len(feed.indicators)


def test_read_plain_list():
    text = (
        "# campaign infrastructure\n"
        "evil[.]example\n"
        "hxxps://t.evil.example/o.gif  # beacon\n"
        "desk@evil.example\n\n"
        "203.0.113.0/28\n"
        "url:evil2.example/x\n"
        + "EF" * 32
        + "\nnot an indicator\n"
    )
    feed = read_feed(text.encode(), "list.txt")
    assert feed.format == "list"
    assert [(i.kind, i.value) for i in feed.indicators] == [
        ("domain", "evil.example"),
        ("url", "https://t.evil.example/o.gif"),
        ("email", "desk@evil.example"),
        ("ipv4", "203.0.113.0/28"),
        ("url", "http://evil2.example/x"),
        ("sha256", "ef" * 32),
    ]
    assert feed.problems == ["line 9: not a domain name: 'not an indicator'"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "invalid JSON"),
        (b'{"type": "x"}', "neither a STIX"),
        (b'{"type": "bundle"}', "without an objects list"),
        (b'{"Event": {"Attribute": "oops"}}', "not a MISP event"),
    ],
)
def test_bad_files_give_clear_errors(data, message):
    with pytest.raises(IntelError, match=message):
        read_feed(data, "bad.json")


def test_import_dir_upserts_and_counts(tmp_path):
    from mailward.store import open_store

    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "cert.json").write_text(json.dumps(STIX))
    (feeds / "event.json").write_text(json.dumps(MISP))
    (feeds / "list.txt").write_text("evil.example\nbad.example\n")
    (feeds / ".hidden").write_text("ignored.example\n")
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        reports = import_path(store, feeds, confidence=60)
        by_file = {r.path.rsplit("/", 1)[1]: r for r in reports}
        assert set(by_file) == {"cert.json", "event.json", "list.txt"}
        assert by_file["cert.json"].source == "National CERT"
        assert by_file["event.json"].source == "Peer Parliament"
        assert by_file["list.txt"].source == "list.txt"
        assert by_file["list.txt"].added == 2
        again = import_path(store, feeds / "list.txt", confidence=70)
        assert (again[0].added, again[0].updated) == (0, 2)
        rows = {(i.source, i.value): i for i in store.indicators()}
        assert rows[("list.txt", "bad.example")].confidence == 70
        assert rows[("National CERT", "evil.example")].confidence == 85  # from the file
        assert ("x", "ignored.example") not in rows
        with pytest.raises(IntelError, match="confidence"):
            add_indicators(store, [], source="x", confidence=101)
    with pytest.raises(IntelError, match="no such file"):
        import_path(None, tmp_path / "missing")
