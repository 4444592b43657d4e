"""The analyst's pages over HTTP: search and its errors, pivots, the new pages, the
quarantine's confirm step and failed release, and the way back after a session ends."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from .test_sessions import _csrf, sign_in

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def viewer(site):
    c = sign_in(site, token=site.tokens["viewer"])
    yield c
    c.close()


@pytest.fixture(scope="module")
def analyst(site):
    c = sign_in(site, user="ada", password="correct horse battery")
    yield c
    c.close()


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [r for r in re.findall(r"<tr>(.*?)</tr>", body, re.S) if "No messages." not in r]


def _count(html: str) -> int:
    found = re.search(r'<p id="count">(\d+) message', html)
    assert found, html[:300]
    return int(found.group(1))


def test_a_bad_filter_is_an_error_not_everything(viewer):
    r = viewer.get("/messages", params={"verdict": "bogus"})
    assert r.status_code == 400
    assert "is not one of clean" in r.text and 'role="alert"' in r.text
    assert _rows(r.text) == []
    for params in ({"since": "yesterday"}, {"min_score": "lots"}, {"sort": "colour"}, {"campaign": "Cnope"}):
        r = viewer.get("/messages", params=params)
        assert r.status_code == 400 and _rows(r.text) == [], params
    assert viewer.get("/campaigns", params={"sort": "bogus"}).status_code == 400


def test_free_text_date_campaign_and_score_filters(site, viewer):
    everything = _count(viewer.get("/messages").text)
    reuters = viewer.get("/messages", params={"q": "REUTERS"}).text
    assert 0 < _count(reuters) < everything
    campaign = site.story.campaign
    inside = viewer.get("/messages", params={"campaign": campaign})
    assert inside.status_code == 200 and 0 < _count(inside.text) < everything
    assert f'href="/campaigns/{campaign}"' in inside.text
    day = viewer.get("/messages", params={"since": "2021-05-01", "until": "2021-05-01"}).text
    dates = re.findall(r'<td class="nowrap">(\d{4}-\d\d-\d\d) ', day)
    assert dates and set(dates) == {"2021-05-01"}
    high = viewer.get("/messages", params={"min_score": "8", "sort": "score", "order": "asc"}).text
    scores = [float(s) for s in re.findall(r'<td class="num">(\d+\.\d)</td>', high)]
    assert scores and min(scores) >= 8 and scores == sorted(scores)


def test_recipient_matching_is_partial_and_takes_aliases(site, viewer):
    import tomllib

    people = tomllib.loads(site.config_path.read_text())["organisation"]["people"]
    checked = 0
    for person in people[:6]:
        first, alias = person["addresses"][0], person["addresses"][1]
        exact = _count(viewer.get("/messages", params={"recipient": first}).text)
        if not exact:
            continue
        # the demo's mail goes to each person's first address: the name, an alias that
        # received nothing itself, and a part of the address in capitals all find it
        assert _count(viewer.get("/messages", params={"recipient": person["name"].upper()}).text) == exact
        assert _count(viewer.get("/messages", params={"recipient": alias}).text) == exact
        assert _count(viewer.get("/messages", params={"recipient": first.split("@")[0][2:].upper()}).text) >= exact
        checked += 1
    assert checked >= 3


def test_sorting_columns_link_and_order(viewer):
    page = viewer.get("/messages", params={"verdict": "recon", "sort": "date", "order": "desc"}).text
    assert 'aria-sort="descending"' in page
    assert "/messages?verdict=recon&amp;sort=score&amp;order=desc" in page
    dates = re.findall(r'<td class="nowrap">([\d-]+ [\d:]+)</td>', page)
    assert dates == sorted(dates, reverse=True)
    camps = viewer.get("/campaigns", params={"sort": "last", "order": "asc"}).text
    seen = re.findall(r'<td class="nowrap">[\d-]+</td><td class="nowrap">([\d-]+)</td>', camps)
    assert len(seen) >= 3 and seen == sorted(seen)


def test_message_page_tells_the_story(site, viewer):
    mid = site.story.message_ids["released"]
    page = viewer.get(f"/messages/{mid}").text
    strip = page.split('aria-label="Summary"', 1)[1].split("</section>", 1)[0]
    assert "What opening it would have leaked" in strip and "your IP address" in strip
    assert "released" in strip and "ada (analyst)" in strip and "the gateway" in strip
    assert "Member of Parliament" in strip or "Caseworker" in strip or "Assistant" in strip  # a role
    assert "Campaign: <a href=\"/campaigns/" in strip
    assert page.index('id="bcn-h"') < page.index('id="find-h"')  # beacons right under the verdict
    assert "<details class=\"sev sev-high\">" in page
    assert "['" not in page  # no Python lists
    assert 'href="https://attack.mitre.org/techniques/T1598/003/"' in page and "Spearphishing Link" in page


def test_campaign_page_says_what_happened_to_each_message(site, viewer):
    page = viewer.get(f"/campaigns/{site.story.campaign}").text
    assert "What happened" in page
    for words in ("held in quarantine", "delivered defused", "released", "in the mailbox (found by a hunt)"):
        assert words in page, words
    assert "pair:" not in page.split("<summary>The clustering", 1)[0].split('id="why-h"', 1)[1]
    assert "the same" in page  # "Grouped because" in words


def test_dashboard_answers_what_is_happening(viewer):
    page = viewer.get("/").text
    for label in ("New campaigns", "Recon this week", "Held now", "People targeted"):
        assert label in page
    assert re.search(r'href="/quarantine\?status=held"><span class="tile-value">\d+</span> <span class="tile-label">Held now', page)
    bars = re.findall(r'<a href="(/messages\?verdict=\w+&amp;since=[\d-]+&amp;until=[\d-]+)"', page)
    assert len(bars) > 10
    assert re.search(r'<td class="h[1-4]"><a href="/messages\?recipient=', page)  # the heat-map
    recent = page.split('id="act-h"', 1)[1].split("</section>", 1)[0]  # recent actions from the audit log
    assert recent.count("<li><time>") >= 3 and "<strong>" in recent


def test_new_pages_and_pivots(site, viewer):
    targets = viewer.get("/targets")
    assert targets.status_code == 200 and "Member of Parliament" in targets.text
    audit = viewer.get("/audit", params={"entry": site.story.released})
    assert audit.status_code == 200 and "ada (analyst)" in audit.text
    assert viewer.get("/intel").status_code == 200
    assert viewer.get("/intel", params={"kind": "nonsense"}).status_code == 400
    pivot = viewer.get("/messages", params={"indicator": "newswire-cdn.com"}).text
    assert _count(pivot) > 0
    rules = viewer.get("/rules").text
    assert '<col class="c-id">' in rules
    hits = re.search(r'>BEACON_PIXEL</a></td>\s*<td>\w+</td><td class="num">[\d.]+</td><td class="num">(\d+)</td>', rules)
    assert hits and int(hits.group(1)) > 0


def test_error_pages_keep_the_navigation(viewer):
    r = viewer.get("/messages/999999999")
    assert r.status_code == 404 and 'aria-label="Main"' in r.text and "Sign out" in r.text
    r = viewer.get("/no/such/page")
    assert r.status_code == 404 and 'aria-label="Main"' in r.text


def test_quarantine_links_confirm_and_release_defused(site, analyst):
    page = analyst.get("/quarantine").text
    assert f'href="/messages/{site.story.message_ids["held"]}"' in page
    assert f'href="/campaigns/{site.story.campaign}"' in page
    entry = site.story.held
    confirm = analyst.get(f"/quarantine/{entry}/delete")
    assert confirm.status_code == 200 and "Yes, delete it" in confirm.text
    assert analyst.get(f"/quarantine/{entry}").status_code == 200  # the GET deleted nothing
    token = _csrf(confirm.text)
    before = len(site.sink.received)
    r = analyst.post(f"/quarantine/{entry}/release", data={"csrf_token": token, "defused": "1"})
    assert r.status_code == 303 and r.headers["location"].endswith("notice=released-defused")
    shown = analyst.get(r.headers["location"]).text
    assert "the defused copy (beacons removed) was sent on" in shown and "ada (analyst)" in shown
    sent = site.sink.received[before][2]
    assert b"newswire-cdn.com/i/" not in sent or b"sendgrid.net/wf/open" not in sent
    assert analyst.get(f"/quarantine/{entry}", params={"notice": "<b>anything</b>"}).text.count("anything") == 0


def test_a_failed_release_shows_the_entry_with_the_error(site, analyst):
    entry = site.story.refused
    token = _csrf(analyst.get(f"/quarantine/{entry}").text)
    r = analyst.post(f"/quarantine/{entry}/release", data={"csrf_token": token})
    assert r.status_code == 502
    assert 'id="release-error"' in r.text and "550" in r.text
    assert 'aria-label="Main"' in r.text and f'href="/quarantine/{entry}/delete"' in r.text
    assert "held" in r.text


def test_expired_session_returns_to_the_page_asked_for(site):
    with httpx.Client(base_url=site.url, follow_redirects=False) as c:
        c.cookies.set("mw_session", "expired-or-revoked", domain="127.0.0.1")
        r = c.get("/messages", params={"verdict": "recon"})
        assert r.status_code == 303
        location = r.headers["location"]
        query = parse_qs(urlsplit(location).query)
        assert query == {"next": ["/messages?verdict=recon"], "expired": ["1"]}
        login = c.get(location).text
        assert "Your session has expired" in login
        signed = c.post("/login", data={"csrf_token": _csrf(login), "token": site.tokens["viewer"],
                                        "next": query["next"][0]})
        assert signed.status_code == 303 and signed.headers["location"] == "/messages?verdict=recon"
    with httpx.Client(base_url=site.url, follow_redirects=False) as c:
        login = c.get("/login", params={"next": "//evil.test/x"}).text
        assert "evil.test" not in login
        signed = c.post("/login", data={"csrf_token": _csrf(login), "token": site.tokens["viewer"],
                                        "next": "https://evil.test/"})
        assert signed.headers["location"] == "/"


def test_preview_policy_has_no_unrecognised_directive(site, viewer):
    mid = site.story.message_ids["held"]
    csp = viewer.get(f"/messages/{mid}/preview").headers["content-security-policy"]
    assert "navigate-to" not in csp and "default-src 'none'" in csp and "sandbox" in csp


def test_analyst_labels_a_message_and_it_is_audited(site, viewer, analyst):
    mid = site.story.message_ids["held"]
    page = analyst.get(f"/messages/{mid}").text
    assert 'id="lbl-h"' in page and "Not labelled." in page
    assert 'action="/messages/' not in viewer.get(f"/messages/{mid}").text  # a viewer sees no label form
    token = _csrf(page)
    refused = viewer.post(f"/messages/{mid}/label", data={"csrf_token": _csrf(viewer.get(f"/messages/{mid}").text),
                                                          "label": "phishing"})
    assert refused.status_code == 403
    assert analyst.post(f"/messages/{mid}/label", data={"label": "phishing"}).status_code == 403  # no CSRF token
    assert analyst.post(f"/messages/{mid}/label", data={"csrf_token": token, "label": "spam"}).status_code == 400
    done = analyst.post(f"/messages/{mid}/label", data={"csrf_token": token, "label": "phishing",
                                                        "note": "reported <b>twice</b>"})
    assert done.status_code == 303 and done.headers["location"] == f"/messages/{mid}?notice=labelled-phishing"
    shown = analyst.get(done.headers["location"]).text
    label = shown.split('id="label"', 1)[1].split("</p>", 1)[0]
    assert "Labelled <strong>phishing</strong> by ada" in label and "reported &lt;b&gt;twice&lt;/b&gt;" in label
    assert "Labelled phishing:" in shown  # the notice
    audit = viewer.get("/audit").text
    assert "labelled" in audit
    cleared = analyst.post(f"/messages/{mid}/label", data={"csrf_token": token, "label": "clear"})
    assert cleared.status_code == 303 and "Not labelled." in analyst.get(f"/messages/{mid}").text
