"""The REST API against a real server on hunted demo data: answers, filters, roles."""

from __future__ import annotations

import json

import pytest

from mailward.demo.builders import recon_lure

from .crafted import ATTACKS, crafted_message

pytestmark = pytest.mark.integration


def test_openapi_schema_lists_every_area(site):
    with site.client() as c:
        schema = c.get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    for path in ("/api/v1/scan", "/api/v1/messages", "/api/v1/messages/{message_id}", "/api/v1/campaigns",
                 "/api/v1/campaigns/{campaign_id}", "/api/v1/campaigns/{campaign_id}/targets",
                 "/api/v1/campaigns/{campaign_id}/timeline", "/api/v1/campaigns/{campaign_id}/export/{fmt}",
                 "/api/v1/targets", "/api/v1/quarantine", "/api/v1/quarantine/{entry_id}",
                 "/api/v1/quarantine/{entry_id}/release", "/api/v1/rules", "/api/v1/rules/test", "/api/v1/intel",
                 "/api/v1/tokens"):
        assert path in paths, path
    assert "HTTPBearer" in schema["components"]["securitySchemes"]


def test_no_token_is_401_and_bad_token_is_401(site):
    with site.client() as c:
        assert c.get("/api/v1/messages").status_code == 401
        r = c.get("/api/v1/messages", headers={"Authorization": "Bearer mw_not-a-real-token"})
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == "Bearer"


def test_scan_a_posted_message(site):
    raw = recon_lure(("Rhys Lindgren", "rhys.lindgren@parliament.example"))
    with site.client("analyst") as c:
        r = c.post("/api/v1/scan", content=raw, headers={"Content-Type": "message/rfc822"})
    assert r.status_code == 200
    body = r.json()
    assert body["verdict"] == "recon"
    assert body["beacons"], body
    assert any(b["per_recipient"] for b in body["beacons"])


def test_scan_garbage_is_unscannable_or_clean_never_500(site):
    with site.client("analyst") as c:
        r = c.post("/api/v1/scan", content=b"\x00\xff" * 50, headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 200
        assert r.json()["verdict"] in ("unscannable", "clean")
        assert c.post("/api/v1/scan", content=b"").status_code == 400


def test_message_search_filters(site):
    with site.client("viewer") as c:
        everything = c.get("/api/v1/messages", params={"limit": 500}).json()
        assert everything["total"] >= 120
        recon = c.get("/api/v1/messages", params={"verdict": "recon", "limit": 500}).json()
        assert recon["total"] > 0
        assert {m["verdict"] for m in recon["messages"]} == {"recon"}
        crafted = c.get("/api/v1/messages", params={"sender": "newswire-example.invalid", "limit": 500}).json()
        assert crafted["total"] == len(ATTACKS)
        to_rhys = c.get("/api/v1/messages", params={"recipient": "RHYS.LINDGREN@parliament.example", "limit": 500}).json()
        assert all("rhys.lindgren@parliament.example" in [r.lower() for r in m["recipients"]] for m in to_rhys["messages"])
        assert to_rhys["total"] >= len(ATTACKS)
        pixel = c.get("/api/v1/messages", params={"rule": "BEACON_PIXEL", "limit": 500}).json()
        assert pixel["total"] > 0
        assert all(any(f["rule"] == "BEACON_PIXEL" for f in m["findings"]) for m in pixel["messages"])
        dated = c.get("/api/v1/messages", params={"since": "2021-05-03T00:00:00Z", "until": "2021-05-04T00:00:00Z",
                                                 "limit": 500}).json()
        assert dated["total"] >= len(ATTACKS)
        assert all(m["date"].startswith("2021-05-03") for m in dated["messages"])
        page = c.get("/api/v1/messages", params={"limit": 5, "offset": 5}).json()
        assert [m["id"] for m in page["messages"]] == [m["id"] for m in everything["messages"][5:10]]
        assert c.get("/api/v1/messages", params={"verdict": "nonsense"}).status_code == 422
        assert c.get("/api/v1/messages", params={"since": "yesterday"}).status_code == 422
        one = c.get(f"/api/v1/messages/{crafted['messages'][0]['id']}").json()
        assert one["preview_available"] == "source file"
        assert c.get("/api/v1/messages/999999999").status_code == 404


def test_campaigns_targets_timeline_and_exports(site):
    with site.client("analyst") as c:
        campaigns = c.get("/api/v1/campaigns").json()["campaigns"]
        assert len(campaigns) >= len([t for t in site.truth if t.get("kind", "attack") != "benign"]) - 1
        cid = campaigns[0]["id"]
        shown = c.get(f"/api/v1/campaigns/{cid[:8]}").json()
        assert shown["id"] == cid
        targets = c.get(f"/api/v1/campaigns/{cid}/targets").json()["targets"]
        assert {t["address"] for t in targets} == set(shown["targets"])
        assert all(t["name"] and t["role"] for t in targets if t["address"].endswith("parliament.example"))
        days = c.get(f"/api/v1/campaigns/{cid}/timeline").json()["days"]
        assert sum(d["messages"] for d in days) == shown["message_count"]
        stix = c.get(f"/api/v1/campaigns/{cid}/export/stix")
        assert stix.status_code == 200
        bundle = stix.json()
        assert bundle["type"] == "bundle"
        assert any(o["type"] == "indicator" for o in bundle["objects"])
        misp = c.get(f"/api/v1/campaigns/{cid}/export/misp")
        assert misp.status_code == 200
        assert "Event" in misp.json() or "info" in json.dumps(misp.json())
        assert c.get("/api/v1/campaigns/doesnotexist").status_code == 404
        targets_all = c.get("/api/v1/targets").json()["targets"]
        assert targets_all and targets_all[0]["campaigns"]


ROLE_MATRIX = [
    # method, path, body, lowest role allowed
    ("GET", "/api/v1/messages", None, "viewer"),
    ("GET", "/api/v1/campaigns", None, "viewer"),
    ("GET", "/api/v1/targets", None, "viewer"),
    ("GET", "/api/v1/quarantine", None, "viewer"),
    ("GET", "/api/v1/rules", None, "viewer"),
    ("GET", "/api/v1/intel", None, "viewer"),
    ("POST", "/api/v1/scan", b"From: a@b.example\r\n\r\nhi\r\n", "analyst"),
    ("POST", "/api/v1/rules/test", b"From: a@b.example\r\n\r\nhi\r\n", "analyst"),
    ("POST", "/api/v1/intel?source=role-test", b"evil-role-test.example\n", "analyst"),
    ("GET", "/api/v1/campaigns/{cid}/export/stix", None, "analyst"),
    ("GET", "/api/v1/campaigns/{cid}/export/misp", None, "analyst"),
    ("POST", "/api/v1/quarantine/no-such-entry/release", None, "analyst"),
    ("DELETE", "/api/v1/quarantine/no-such-entry", None, "analyst"),
    ("GET", "/api/v1/tokens", None, "admin"),
    ("POST", "/api/v1/tokens", {"role": "viewer", "name": "made in role test"}, "admin"),
]
ORDER = ["viewer", "analyst", "admin"]


@pytest.mark.parametrize(("method", "path", "body", "lowest"), ROLE_MATRIX)
@pytest.mark.parametrize("role", ORDER)
def test_roles_are_enforced(site, role, method, path, body, lowest):
    with site.client("viewer") as c:
        cid = c.get("/api/v1/campaigns").json()["campaigns"][0]["id"]
    kwargs = {"json": body} if isinstance(body, dict) else {"content": body} if body else {}
    with site.client(role) as c:
        r = c.request(method, path.format(cid=cid), **kwargs)
    if ORDER.index(role) < ORDER.index(lowest):
        assert r.status_code == 403, (role, path, r.text)
    else:
        assert r.status_code in (200, 201, 404), (role, path, r.status_code, r.text)


def test_quarantine_list_show_release_delete(site):
    entry_id = site.quarantine_ids["pixel"]
    with site.client("analyst") as c:
        listed = c.get("/api/v1/quarantine", params={"status": "held"}).json()["entries"]
        assert entry_id in {e["id"] for e in listed}
        assert c.get(f"/api/v1/quarantine/{entry_id}").json()["subject"] == "crafted pixel"
        before = len(site.sink.received)
        r = c.post(f"/api/v1/quarantine/{entry_id}/release", json={"defused": False})
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "released"
        assert len(site.sink.received) == before + 1
        mail_from, rcpts, data = site.sink.received[-1]
        assert "newswire-example.invalid" in mail_from
        assert "rhys.lindgren@parliament.example" in rcpts[0]
        assert b"MARKER-pixel" in data
        again = c.post(f"/api/v1/quarantine/{entry_id}/release")
        assert again.status_code == 409
        assert c.delete(f"/api/v1/quarantine/{entry_id}").json() == {"deleted": entry_id}
        assert c.get(f"/api/v1/quarantine/{entry_id}").status_code == 404
        assert c.get("/api/v1/quarantine/..%2F..%2Fetc").status_code == 404
    audit = (site.root / "var" / "audit.jsonl").read_text()
    assert '"event": "released"' in audit and '"event": "deleted"' in audit


def test_rules_list_and_test(site):
    raw = recon_lure(("Rhys Lindgren", "rhys.lindgren@parliament.example"))
    with site.client("analyst") as c:
        rules = c.get("/api/v1/rules").json()["rules"]
        names = {r["name"] for r in rules}
        assert "BEACON_PIXEL" in names and len(rules) > 40
        tested = c.post("/api/v1/rules/test", params={"rule": "BEACON_RECIPIENT_TOKEN"}, content=raw).json()
        assert tested["verdict"] == "recon"
        assert tested["rule_fired"] is True
        assert "BEACON_RECIPIENT_TOKEN" in tested["fired"]
        clean = c.post("/api/v1/rules/test", params={"rule": "BEACON_RECIPIENT_TOKEN"},
                       content=b"From: a@b.example\r\nTo: c@d.example\r\nSubject: hi\r\n\r\nhello\r\n").json()
        assert clean["rule_fired"] is False


def test_intel_import_and_list(site):
    feed = b"evil-newsdesk.example\nhttps://tracker.evil-newsdesk.example/p.gif\n203.0.113.77\n"
    with site.client("analyst") as c:
        r = c.post("/api/v1/intel", params={"source": "api-test", "confidence": 80}, content=feed,
                   headers={"Content-Type": "text/plain"})
        assert r.status_code == 200, r.text
        assert r.json()["added"] == 3
        listed = c.get("/api/v1/intel", params={"source": "api-test"}).json()
        assert {i["value"] for i in listed["indicators"]} >= {"evil-newsdesk.example", "203.0.113.77"}
        assert all(i["confidence"] == 80 for i in listed["indicators"])
        again = c.post("/api/v1/intel", params={"source": "api-test"}, content=feed).json()
        assert again["added"] == 0 and again["updated"] == 3
        bad = c.post("/api/v1/intel", content=b'{"type": "bundle", "objects": 5}', headers={"Content-Type": "application/json"})
        assert bad.status_code in (200, 400)
        assert bad.status_code != 500


def test_tokens_create_use_and_revoke(site):
    with site.client("admin") as c:
        made = c.post("/api/v1/tokens", json={"role": "viewer", "name": "temporary"})
        assert made.status_code == 201
        token = made.json()["token"]
        listed = c.get("/api/v1/tokens").json()["credentials"]
        row = next(x for x in listed if x["id"] == made.json()["id"])
        assert "token" not in row and token not in json.dumps(listed)
        assert token.startswith(row["token_prefix"])
        with site.client() as anon:
            h = {"Authorization": f"Bearer {token}"}
            assert anon.get("/api/v1/me", headers=h).json() == {"name": "temporary", "role": "viewer"}
            assert c.delete(f"/api/v1/tokens/{row['id']}").json()["revoked"] is True
            assert anon.get("/api/v1/me", headers=h).status_code == 401
        assert c.post("/api/v1/tokens", json={"role": "root"}).status_code == 422
        assert c.delete("/api/v1/tokens/99999999").status_code == 404


def test_tokens_are_stored_hashed(site):
    import sqlite3

    conn = sqlite3.connect(site.db.removeprefix("sqlite:///"))
    try:
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    for token in site.tokens.values():
        assert token not in dump
        assert token[:10] in dump  # the listed prefix is there, the rest is not


def test_crafted_message_scan_is_not_clean(site):
    with site.client("analyst") as c:
        body = c.post("/api/v1/scan", content=crafted_message("pixel", ATTACKS["pixel"])).json()
    assert body["beacons"], body


NEW_RULE = """id: MW-9901
name: BEACON_MANY_PIXELS
description: >
  Three or more tracking pixels in one message.
severity: low
score: 0.5
verdict: tracking
attack: [T1598.003]
tags: [beacon]
references:
  - https://attack.mitre.org/techniques/T1598/003/
condition: beacon_summary.pixels > 2
summary: "Several tracking pixels."
"""


def test_rule_lint_is_admin_only_and_finds_problems(site):
    with site.client("analyst") as c:
        assert c.post("/api/v1/rules/lint", content=NEW_RULE.encode()).status_code == 403
    with site.client("admin") as c:
        good = c.post("/api/v1/rules/lint", content=NEW_RULE.encode(), headers={"Content-Type": "application/yaml"}).json()
        assert good["name"] == "BEACON_MANY_PIXELS"
        assert good["ok"] is True, good["problems"]
        clash = c.post("/api/v1/rules/lint", content=NEW_RULE.replace("MW-9901", "MW-0001").encode()).json()
        assert clash["ok"] is False and any("MW-0001" in p for p in clash["problems"])
        broken = c.post("/api/v1/rules/lint", content=NEW_RULE.replace("beacon_summary.pixels > 2", "beacon_summary.pixels >").encode()).json()
        assert broken["ok"] is False and broken["problems"]
        unknown = c.post("/api/v1/rules/lint", content=NEW_RULE.replace("beacon_summary.pixels", "no_such_fact.x").encode()).json()
        assert unknown["ok"] is False
        assert c.post("/api/v1/rules/lint", content=b"\xff\xfe").status_code == 400


def _audit_events(site) -> list[dict]:
    lines = (site.root / "var" / "audit.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_release_goes_only_to_the_recorded_recipients(site):
    """The reproduction from the review: an analyst released a held message outside."""
    entry_id = site.quarantine_ids["release-api"]
    path = f"/api/v1/quarantine/{entry_id}/release"
    before = len(site.sink.received)
    outside = {"rcpt_to": ["anyone@outside.example"]}
    with site.client("analyst") as c:
        r = c.post(path, json=outside)
        assert r.status_code == 403, r.text
        r = c.post(path, json={**outside, "confirm_other_recipients": True})
        assert r.status_code == 403, r.text  # confirming does not lift the role
    with site.client("admin") as c:
        r = c.post(path, json=outside)
        assert r.status_code == 422 and "confirmation" in r.json()["detail"]
        assert len(site.sink.received) == before
        assert c.get(f"/api/v1/quarantine/{entry_id}").json()["status"] == "held"
        r = c.post(path, json={**outside, "confirm_other_recipients": True})
        assert r.status_code == 200, r.text
    assert len(site.sink.received) == before + 1
    assert site.sink.received[-1][1] == ("<anyone@outside.example>",)
    mine = [e for e in _audit_events(site) if e.get("id") == entry_id]
    assert [e["event"] for e in mine] == ["release-refused", "release-refused", "release-refused",
                                          "release-other-recipients", "released", "release-requested"]
    assert mine[0]["by"] == "test analyst" and mine[0]["other_recipients"] == ["anyone@outside.example"]
    assert mine[4]["other_recipients"] == ["anyone@outside.example"] and mine[4]["by"] == "test admin (admin)"
