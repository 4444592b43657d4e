"""A real browser (Debian's chromium, driven by Playwright) on a real ``mailward serve``.

Signs in, reads the dashboard, a campaign and a message with a beacon, and records
every request the browser makes: showing a message preview must not make a single
request to any host other than the mailward server, and no script in a hostile
message may run. Screenshots go to test-artifacts/web/.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, sync_playwright

from .crafted import ATTACKS

pytestmark = pytest.mark.integration

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]


class Recorder:
    """Every request, console message and dialog of a browser context."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.console: list[str] = []

    def clear(self) -> None:
        self.requests.clear()
        self.dialogs.clear()
        self.console.clear()

    def foreign(self, server: str) -> list[str]:
        own = urlsplit(server).netloc
        return [u for u in self.requests if not u.startswith("data:") and urlsplit(u).netloc != own]


@pytest.fixture(scope="module")
def browser_page(site):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        recorder = Recorder()
        context.on("request", lambda r: recorder.requests.append(r.url))
        page = context.new_page()
        page.on("dialog", lambda d: (recorder.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: recorder.console.append(m.text))
        page.goto(site.url + "/login")
        page.get_by_label("User", exact=True).fill("ada")
        page.get_by_label("Password", exact=True).fill("correct horse battery")
        page.get_by_role("form", name="With a user and password").get_by_role("button", name="Sign in").click()
        page.wait_for_url(site.url + "/")
        yield page, recorder
        context.close()
        browser.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if page.locator("#preview").count():
        # full-page shots leave out-of-process frames blank: take the preview on its own
        page.locator("#preview").scroll_into_view_if_needed()
        page.locator("#preview").screenshot(path=str(ARTIFACTS / f"{name}-preview.png"))


def test_dashboard(site, browser_page):
    page, rec = browser_page
    page.goto(site.url + "/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    chart = page.locator("svg.chart")
    assert chart.count() == 1
    assert "Messages by verdict" in (chart.get_attribute("aria-label") or "")
    assert page.locator("svg.chart rect[fill]").count() > 10
    campaigns = page.locator("section[aria-labelledby=camp-h] tbody tr")
    assert campaigns.count() >= 3
    people = page.locator("section[aria-labelledby=heat-h] tbody tr")
    assert people.count() >= 3
    roster_names = {p["name"] for t in site.truth for p in t["targets"]}
    shown = people.first.locator("th").first.inner_text()
    assert any(name in shown for name in roster_names), shown
    assert page.locator("header").get_by_text("ada (analyst)").is_visible()
    shot(page, "dashboard")
    assert rec.foreign(site.url) == []


def test_campaign_page(site, browser_page):
    page, rec = browser_page
    page.goto(site.url + "/")
    link = page.locator("section[aria-labelledby=camp-h] tbody tr a").first
    name = link.inner_text()
    link.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Campaign:")
    assert name in page.locator("h1").inner_text()
    assert page.locator("svg.chart").count() == 1
    rows = page.locator("#targets tbody tr")
    assert rows.count() >= 1
    assert rows.first.locator("td").nth(1).inner_text().strip()  # a role from the roster
    assert page.get_by_role("link", name="STIX 2.1 bundle").is_visible()
    assert page.get_by_role("link", name="MISP event").is_visible()
    assert page.get_by_role("heading", name="Senders and claimed identities").is_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="STIX 2.1 bundle").click()
    downloaded = Path(info.value.path()).read_text()
    assert '"type": "bundle"' in downloaded or '"type":"bundle"' in downloaded
    shot(page, "campaign")
    assert rec.foreign(site.url) == []


def _beacon_message(site) -> int:
    with site.client("viewer") as c:
        found = c.get("/api/v1/messages", params={"verdict": "recon", "rule": "BEACON_RECIPIENT_TOKEN", "limit": 50}).json()
        for m in found["messages"]:
            if m["beacons"] and c.get(f"/api/v1/messages/{m['id']}").json()["preview_available"]:
                return int(m["id"])
    raise AssertionError("no recon message with a beacon and a preview in the demo store")


def _open_preview(page: Page, site, rec: Recorder, path: str) -> None:
    rec.clear()
    page.goto(site.url + path)
    page.wait_for_load_state("networkidle")
    frame = page.frame_locator("#preview")
    frame.locator("body").wait_for()
    page.wait_for_timeout(300)  # give meta refresh, timers and lazy loads a chance to fire


def test_message_with_a_beacon_loads_nothing_remote(site, browser_page):
    page, rec = browser_page
    mid = _beacon_message(site)
    _open_preview(page, site, rec, f"/messages/{mid}")
    assert page.locator("#verdict").inner_text() == "recon"
    beacons = page.locator("#beacons tbody tr")
    assert beacons.count() >= 1
    told = page.locator("#beacons").inner_text()
    assert "IP address" in told or "when you opened" in told
    assert "per-recipient" in told
    iframe = page.locator("#preview")
    assert iframe.get_attribute("sandbox") == ""
    body_text = page.frame_locator("#preview").locator("body").inner_text()
    assert len(body_text) > 40
    placeholders = page.frame_locator("#preview").locator("img[src^='data:image/svg+xml']")
    assert placeholders.count() >= 1  # the beacon is there, as the local placeholder
    shot(page, "message-with-beacon")
    assert rec.foreign(site.url) == [], rec.foreign(site.url)
    assert any(u.endswith(f"/messages/{mid}/preview") for u in rec.requests)
    assert rec.dialogs == []


def _crafted_ids(site) -> dict[str, int]:
    with site.client("viewer") as c:
        found = c.get("/api/v1/messages", params={"sender": "newswire-example.invalid", "limit": 100}).json()["messages"]
    return {m["subject"].removeprefix("crafted "): int(m["id"]) for m in found}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_hostile_message_neither_runs_nor_loads(site, browser_page, name):
    page, rec = browser_page
    mid = _crafted_ids(site)[name]
    _open_preview(page, site, rec, f"/messages/{mid}")
    frame = page.frame_locator("#preview")
    assert f"MARKER-{name}" in frame.locator("body").inner_text()
    assert "PWNED" not in page.title()
    frames = [f for f in page.frames if f.url.endswith("/preview")]
    assert len(frames) == 1
    assert "PWNED" not in frames[0].title()
    assert rec.foreign(site.url) == [], rec.foreign(site.url)
    assert rec.dialogs == []
    assert page.url == site.url + f"/messages/{mid}"  # no meta refresh or script navigated away
    preview_requests = [u for u in rec.requests if "/preview" in u]
    assert len(preview_requests) == 1, preview_requests
    if name in ("script", "css-url", "svg-xlink"):
        shot(page, f"crafted-{name}")


def test_quarantine_preview_loads_nothing_remote(site, browser_page):
    page, rec = browser_page
    entry = site.quarantine_ids["script"]
    _open_preview(page, site, rec, f"/quarantine/{entry}")
    assert "MARKER-script" in page.frame_locator("#preview").locator("body").inner_text()
    assert rec.foreign(site.url) == []
    assert rec.dialogs == []
    shot(page, "quarantine-entry")


def test_pages_have_labels_and_alt_texts(site, browser_page):
    page, _rec = browser_page
    for path in ("/", "/messages", "/quarantine", "/rules", "/campaigns"):
        page.goto(site.url + path)
        for element in page.locator("input:not([type=hidden]), select").all():
            ident = element.get_attribute("id")
            assert ident and page.locator(f"label[for={ident}]").count() == 1, (path, ident)
        for img in page.locator("img").all():
            assert img.get_attribute("alt") is not None, path
        for frame in page.locator("iframe").all():
            assert frame.get_attribute("title"), path
        assert re.search(r"\S", page.locator("h1").inner_text())


def test_scan_an_uploaded_message_in_the_ui(site, browser_page, tmp_path):
    from .crafted import crafted_message

    page, rec = browser_page
    eml = tmp_path / "hostile.eml"
    html = ATTACKS["pixel"] + ATTACKS["css-url"] + ATTACKS["script"] + ATTACKS["srcset"]
    eml.write_bytes(crafted_message("upload", html))
    page.goto(site.url + "/scan")
    page.get_by_label("Message file (.eml)").set_input_files(str(eml))
    rec.clear()
    page.get_by_role("button", name="Scan").click()
    page.wait_for_load_state("networkidle")
    page.frame_locator("#preview").locator("body").wait_for()
    page.wait_for_timeout(300)
    assert page.locator("#verdict").inner_text() != ""
    assert page.locator("#beacons tbody tr").count() >= 1
    assert "MARKER-upload" in page.frame_locator("#preview").locator("body").inner_text()
    assert page.locator("#preview").get_attribute("sandbox") == ""
    assert rec.foreign(site.url) == [], rec.foreign(site.url)
    assert rec.dialogs == [] and "PWNED" not in page.title()
    shot(page, "scan-upload")
