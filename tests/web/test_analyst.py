"""The analyst's tasks in a real browser (Debian's chromium, driven by Playwright) on
the demo store: the story at a glance, pivots, search, the quarantine's confirm step;
axe-core (the npm package in tests/web/axe, injected by Playwright; never a CDN) finds
no serious or critical accessibility violation on the main pages; no page scrolls
sideways at 390 px. Screenshots at 1440×900 and 390×844 go to test-artifacts/web/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from .test_browser import ARTIFACTS, CHROMIUM_ARGS, Recorder

pytestmark = pytest.mark.integration

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _signed_in(browser: Browser, site, viewport: dict[str, int]) -> tuple[Page, Recorder]:
    context = browser.new_context(viewport=viewport)
    recorder = Recorder()
    context.on("request", lambda r: recorder.requests.append(r.url))
    page = context.new_page()
    page.goto(site.url + "/login")
    page.get_by_label("User", exact=True).fill("ada")
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_role("form", name="With a user and password").get_by_role("button", name="Sign in").click()
    page.wait_for_url(site.url + "/")
    return page, recorder


@pytest.fixture(scope="module")
def wide(browser, site):
    page, rec = _signed_in(browser, site, WIDE)
    yield page, rec
    page.context.close()


@pytest.fixture(scope="module")
def phone(browser, site):
    page, rec = _signed_in(browser, site, PHONE)
    yield page, rec
    page.context.close()


def main_pages(site) -> dict[str, str]:
    story = site.story
    return {
        "dashboard": "/",
        "campaigns": "/campaigns",
        "campaign": f"/campaigns/{story.campaign}",
        "messages": "/messages?verdict=recon",
        "message": f"/messages/{story.message_ids['released']}",
        "targets": "/targets",
        "quarantine": "/quarantine",
        "quarantine-entry": f"/quarantine/{story.refused}",
        "intel": "/intel",
        "audit": "/audit",
        "rules": "/rules",
        "not-found": "/messages/999999999",
    }


def _shot(page: Page, name: str, size: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"))
    if size == "1440x900":
        page.screenshot(path=str(ARTIFACTS / f"{name}-{size}-full.png"), full_page=True)


def test_message_story_at_a_glance(site, wide):
    page, rec = wide
    page.goto(site.url + "/")
    # the dashboard's chart bars link to the filtered list
    bar = page.locator("svg.chart a").first
    href = bar.get_attribute("href") or ""
    query = parse_qs(urlsplit(href).query)
    assert set(query) == {"verdict", "since", "until"}
    page.goto(site.url + href)
    assert page.locator("#count").inner_text().split()[0].isdigit()
    assert page.locator("#f-verdict").input_value() == query["verdict"][0]
    # a message: the verdict, why, who, what would have leaked and what was done, in the first screen
    page.goto(site.url + f"/messages/{site.story.message_ids['released']}")
    strip = page.get_by_role("region", name="Summary")
    box = strip.bounding_box()
    assert box and box["y"] + box["height"] <= WIDE["height"], box
    text = strip.inner_text()
    assert "WHAT OPENING IT WOULD HAVE LEAKED" in text.upper() and "your IP address" in text
    assert "ada (analyst)" in text and "released" in text
    beacons = page.locator("#bcn-h").bounding_box()
    findings = page.locator("#find-h").bounding_box()
    assert beacons and findings and beacons["y"] < findings["y"] < 2 * WIDE["height"]
    first = page.locator("details.sev").first
    assert first.get_attribute("open") is None
    assert not first.locator("article").first.is_visible()  # collapsed, and opens without a script
    first.locator("summary").click()
    assert first.locator("article").first.is_visible()
    assert page.locator("a.attack").first.inner_text().startswith("T1")
    _shot(page, "message", "1440x900")
    page.get_by_role("region", name="Summary").get_by_role("link", name=re.compile(r"\(")).first.click()
    page.wait_for_load_state()
    assert page.url.startswith(site.url + "/campaigns/")
    assert page.locator("h1").inner_text().startswith("Campaign:")
    assert rec.foreign(site.url) == []


def test_campaign_story_and_pivots(site, wide):
    page, rec = wide
    page.goto(site.url + f"/campaigns/{site.story.campaign}")
    outcomes = page.locator("table.messages tbody td:last-child").all_inner_texts()
    assert {"held in quarantine", "released", "delivered defused"} <= set(outcomes)
    why = page.locator("ul.why").inner_text()
    assert "the same" in why and "pair:" not in why
    roles = page.locator("#targets tbody tr td:nth-child(2)").all_inner_texts()
    assert any(roles)
    row = page.locator("#targets tbody tr").first.bounding_box()
    assert row and row["height"] < 80  # roles on one or two lines, not six
    _shot(page, "campaign", "1440x900")
    # an indicator pivots to the messages that carry it
    page.get_by_role("region", name="Summary").locator("ul.indicators a").first.click()
    page.wait_for_load_state()
    assert "/messages?" in page.url and int(page.locator("#count").inner_text().split()[0]) > 0
    assert rec.foreign(site.url) == []


def test_search_like_an_analyst(site, wide):
    page, _rec = wide
    page.goto(site.url + "/messages")
    page.get_by_label("Subject or sender contains").fill("reuters")
    page.get_by_label("Verdict").select_option("recon")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    assert "q=reuters" in page.url and int(page.locator("#count").inner_text().split()[0]) > 0
    page.get_by_role("columnheader", name="Score").get_by_role("link").click()
    page.wait_for_load_state()
    assert "sort=score" in page.url
    page.get_by_role("link", name="Recon this week").click()
    page.wait_for_load_state()
    assert "verdict=recon" in page.url and "since=" in page.url
    page.goto(site.url + "/messages?verdict=bogus")
    assert "is not one of" in page.get_by_role("alert").inner_text()
    assert page.locator("table.messages tbody tr td.muted").count() == 1
    _shot(page, "messages-error", "1440x900")


def test_quarantine_delete_asks_first(site, wide):
    page, _rec = wide
    page.goto(site.url + "/quarantine")
    entries = page.locator("#entries tbody tr").count()
    assert page.get_by_role("link", name=re.compile(r"^message \d+")).count() >= 1
    page.locator("#entries a.danger").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Delete this quarantine entry?").is_visible()
    page.get_by_role("link", name="No, keep it").click()
    page.wait_for_load_state()
    page.goto(site.url + "/quarantine")
    assert page.locator("#entries tbody tr").count() == entries
    _shot(page, "quarantine", "1440x900")


@pytest.mark.parametrize("size", ["1440x900", "390x844"])
def test_screenshots_and_no_sideways_scroll(site, wide, phone, size):
    page, rec = wide if size == "1440x900" else phone
    width = int(size.split("x")[0])
    too_wide = {}
    for name, path in main_pages(site).items():
        page.goto(site.url + path)
        page.wait_for_load_state()
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            too_wide[name] = scroll
        assert page.get_by_role("navigation", name="Main").count() == 1, name
        if name in ("dashboard", "campaign", "message", "messages", "quarantine", "targets", "rules"):
            _shot(page, name, size)
    assert too_wide == {}, too_wide
    assert rec.foreign(site.url) == []


def test_axe_finds_no_serious_or_critical_violation(site, wide):
    page, _rec = wide
    source = AXE.read_text()
    report: dict[str, dict[str, list[str]]] = {}
    bad: dict[str, list[str]] = {}
    for name, path in {**main_pages(site), "login": "/login"}.items():
        if name == "login":
            page.context.clear_cookies()
        page.goto(site.url + path)
        page.wait_for_load_state()
        page.evaluate(source)  # through the DevTools protocol: the page's own policy still has no script-src
        result = page.evaluate("axe.run(document, {resultTypes: ['violations'], iframes: false})")
        assert len(result["passes"]) >= 10, name  # axe did run its checks on this page
        report[name] = {impact: sorted({v["id"] for v in result["violations"] if v["impact"] == impact})
                        for impact in ("critical", "serious", "moderate", "minor")}
        found = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in result["violations"]
                 if v["impact"] in ("serious", "critical")]
        if found:
            bad[name] = found
    (ARTIFACTS / "axe.json").write_text(json.dumps(report, indent=1))
    assert report["dashboard"] is not None and len(report) == len(main_pages(site)) + 1
    assert bad == {}, bad
