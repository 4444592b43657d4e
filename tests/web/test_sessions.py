"""Browser sign-in: session cookie flags, CSRF on every state-changing form, role checks on pages."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.integration


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def sign_in(site, *, token: str | None = None, user: str | None = None, password: str = "") -> httpx.Client:
    c = httpx.Client(base_url=site.url, timeout=30, follow_redirects=False)
    page = c.get("/login")
    data = {"csrf_token": _csrf(page.text)}
    data.update({"token": token} if token else {"username": user or "", "password": password})
    r = c.post("/login", data=data)
    assert r.status_code == 303
    return c


@pytest.fixture
def signin(site):
    clients = []

    def make(**kwargs) -> httpx.Client:
        c = sign_in(site, **kwargs)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


def test_pages_need_a_session(site):
    with httpx.Client(base_url=site.url, follow_redirects=False) as c:
        assert c.get("/").headers["location"] == "/login"
        for path in ("/campaigns", "/messages", "/quarantine", "/rules", "/admin/tokens", "/messages/1/preview"):
            r = c.get(path)
            assert r.status_code == 303 and r.headers["location"] == "/login?next=" + path.replace("/", "%2F"), path


def test_token_sign_in_sets_a_strict_httponly_cookie(site, signin):
    c = signin(token=site.tokens["viewer"])
    cookie = next(v for k, v in c.get("/login").request.headers.items() if k == "cookie")
    assert "mw_session=" in cookie
    with httpx.Client(base_url=site.url, follow_redirects=False) as raw:
        page = raw.get("/login")
        r = raw.post("/login", data={"csrf_token": _csrf(page.text), "token": site.tokens["viewer"]})
        header = r.headers["set-cookie"].lower()
        session = next(part for part in header.split(", mw_") if "mw_session" in part or part.startswith("session"))
        assert "httponly" in session and "samesite=strict" in session and "path=/" in session
        assert "secure" not in session  # plain http on 127.0.0.1; Secure is added behind https
    assert c.get("/").status_code == 200


def test_password_sign_in_and_wrong_password(site, signin):
    c = signin(user="ada", password="correct horse battery")
    assert "ada (analyst)" in c.get("/").text
    with httpx.Client(base_url=site.url, follow_redirects=False) as bad:
        page = bad.get("/login")
        r = bad.post("/login", data={"csrf_token": _csrf(page.text), "username": "ada", "password": "wrong password!"})
        assert r.status_code == 303 and r.headers["location"].startswith("/login?error=")
        assert bad.get("/").status_code == 303


def test_sign_in_form_needs_its_csrf_cookie(site):
    with httpx.Client(base_url=site.url, follow_redirects=False) as c:
        r = c.post("/login", data={"csrf_token": "forged", "token": site.tokens["admin"]})
        assert r.status_code == 403
        assert "mw_session" not in r.headers.get("set-cookie", "")


def _first_held(site, c) -> str:
    page = c.get("/quarantine", params={"status": "held"}).text
    ids = re.findall(r'action="/quarantine/([^/"]+)/release"', page)
    assert ids, page[:2000]
    return ids[0]


def test_state_changing_forms_need_the_session_csrf_token(site, signin):
    c = signin(token=site.tokens["analyst"])
    entry = site.quarantine_ids["css-url"]
    for bad in ({}, {"csrf_token": ""}, {"csrf_token": "x" * 43}):
        r = c.post(f"/quarantine/{entry}/delete", data=bad)
        assert r.status_code == 403, bad
    assert c.get(f"/quarantine/{entry}").status_code == 200  # still there
    # another session's token does not work either
    other = signin(token=site.tokens["analyst"])
    foreign = _csrf(other.get("/quarantine").text)
    assert c.post(f"/quarantine/{entry}/delete", data={"csrf_token": foreign}).status_code == 403
    # logout needs it too
    assert c.post("/logout", data={}).status_code == 403
    assert c.get("/").status_code == 200


def test_release_and_delete_from_the_ui(site, signin):
    c = signin(token=site.tokens["analyst"])
    entry = site.quarantine_ids["css-url"]
    token = _csrf(c.get(f"/quarantine/{entry}").text)
    before = len(site.sink.received)
    r = c.post(f"/quarantine/{entry}/release", data={"csrf_token": token})
    assert r.status_code == 303
    assert len(site.sink.received) == before + 1
    assert "released" in c.get(f"/quarantine/{entry}").text
    r = c.post(f"/quarantine/{entry}/delete", data={"csrf_token": token})
    assert r.status_code == 303
    assert c.get(f"/quarantine/{entry}").status_code == 404


def test_viewer_sees_no_actions_and_cannot_post_them(site, signin):
    c = signin(token=site.tokens["viewer"])
    entry = site.quarantine_ids["script"]
    page = c.get(f"/quarantine/{entry}").text
    assert "/release" not in page and "/delete" not in page
    token = _csrf(page)
    assert c.post(f"/quarantine/{entry}/release", data={"csrf_token": token}).status_code == 403
    assert c.post(f"/quarantine/{entry}/delete", data={"csrf_token": token}).status_code == 403
    assert c.get("/admin/tokens").status_code == 403
    cid = re.search(r'href="/campaigns/([A-Za-z0-9]+)"', c.get("/campaigns").text).group(1)
    assert "/export/stix" not in c.get(f"/campaigns/{cid}").text
    assert c.get(f"/campaigns/{cid}/export/stix").status_code == 403


def test_admin_creates_and_revokes_a_user_in_the_ui(site, signin):
    c = signin(token=site.tokens["admin"])
    token = _csrf(c.get("/admin/tokens").text)
    r = c.post("/admin/tokens", data={"csrf_token": token, "kind": "token", "role": "viewer", "name": "ui-made"})
    assert r.status_code == 200
    new = re.search(r'id="new-token">([^<]+)<', r.text).group(1)
    with httpx.Client(base_url=site.url) as api:
        assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"}).json()["name"] == "ui-made"
    cred_id = re.search(r"<tr><td>(\d+)</td><td>token</td><td>ui-made</td>", r.text).group(1)
    assert c.post(f"/admin/tokens/{cred_id}/revoke", data={"csrf_token": "nope"}).status_code == 403
    assert c.post(f"/admin/tokens/{cred_id}/revoke", data={"csrf_token": token}).status_code == 303
    with httpx.Client(base_url=site.url) as api:
        assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"}).status_code == 401


def test_revoking_a_token_ends_its_sessions(site, signin):
    with httpx.Client(base_url=site.url, headers={"Authorization": f"Bearer {site.tokens['admin']}"}) as api:
        made = api.post("/api/v1/tokens", json={"role": "viewer", "name": "short-lived"}).json()
        c = signin(token=made["token"])
        assert c.get("/").status_code == 200
        api.delete(f"/api/v1/tokens/{made['id']}")
    assert c.get("/").status_code == 303


def test_every_page_has_a_strict_policy(site, signin):
    c = signin(token=site.tokens["admin"])
    for path in ("/", "/campaigns", "/messages", "/quarantine", "/rules", "/admin/tokens", "/login", "/api/docs",
                 "/targets", "/intel", "/audit", f"/campaigns/{site.story.campaign}",
                 f"/messages/{site.story.message_ids['held']}"):
        r = c.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp and "http" not in csp, path
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "<script" not in r.text.lower(), path
        assert not re.search(r"""src=["']https?://""", r.text), path
        # the only links off the site: ATT&CK technique pages, plain links that load nothing
        assert not re.search(r"""href=["']https?://(?!attack\.mitre\.org/techniques/)""", r.text), path


def test_errors_are_pages_for_pages_and_json_for_the_api(site, signin):
    c = signin(token=site.tokens["viewer"])
    page = c.get("/campaigns/zzzz")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "no campaign" in page.text and "<script" not in page.text
    with site.client("viewer") as api:
        r = api.get("/api/v1/campaigns/zzzz")
        assert r.status_code == 404 and r.json()["detail"].startswith("no campaign")


def test_scan_upload_page_needs_analyst_and_csrf(site, signin):
    raw = b"From: a@b.example\r\nTo: c@d.example\r\nSubject: upload test\r\n\r\nhello\r\n"
    viewer = signin(token=site.tokens["viewer"])
    assert viewer.get("/scan").status_code == 403
    analyst = signin(token=site.tokens["analyst"])
    token = _csrf(analyst.get("/scan").text)
    files = {"message": ("m.eml", raw, "message/rfc822")}
    assert analyst.post("/scan", files=files, data={"csrf_token": "wrong"}).status_code == 403
    r = analyst.post("/scan", files=files, data={"csrf_token": token})
    assert r.status_code == 200
    assert "upload test" in r.text and 'sandbox=""' in r.text and "srcdoc=" in r.text
    assert analyst.post("/scan", data={"csrf_token": token}).status_code == 400


def test_login_error_text_cannot_be_chosen_by_a_link(site):
    with httpx.Client(base_url=site.url) as c:
        page = c.get("/login", params={"error": "Call +1 555 0100 to verify your account"}).text
    assert "555 0100" not in page and "Sign-in failed" in page
