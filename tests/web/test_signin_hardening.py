"""Sign-in throttling and its audit, the small urlencoded /login body, fixed notices,
and the release form's recipient policy, on an in-process app (its own store)."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest

from mailward.config import Config
from mailward.gateway.quarantine import Entry, new_entry_id, now_iso
from mailward.store import open_store
from mailward.web.app import create_app
from mailward.web.throttle import SignInThrottle, ThrottleSettings

from .smtp_sink import SmtpSink

with warnings.catch_warnings():  # starlette asks for its "httpx2" fork; plain httpx works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def app(tmp_path: Path):
    sink = SmtpSink()
    config = Config(data={"mailward": {"data_dir": str(tmp_path / "var")},
                          "gateway": {"release_port": sink.port},
                          "web": {"scan_workers": 0}})
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}", config=config)
    application = create_app(config, store)
    ctx = application.state.ctx
    ctx.clock = Clock()
    ctx.throttle = SignInThrottle(ThrottleSettings(max_keys=50), clock=ctx.clock)
    ctx.auth.create_user("ada", PASSWORD, "analyst")
    ctx.auth.create_user("root", PASSWORD, "admin")
    ctx.sink = sink
    yield application
    sink.stop()
    store.close()


def _audit(app) -> list[dict]:
    path = app.state.ctx.audit.path
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _try(client: TestClient, user: str, password: str) -> int:
    token = _csrf(client.get("/login").text)
    return client.post("/login", data={"csrf_token": token, "username": user, "password": password},
                       follow_redirects=False).status_code


def _signed_in(app, user: str) -> TestClient:
    client = TestClient(app)
    assert _try(client, user, PASSWORD) == 303
    return client


def test_thirty_wrong_passwords_then_the_right_one_does_not_sign_in(app) -> None:
    client = TestClient(app)
    codes = [_try(client, "ada", f"guess number {n}") for n in range(30)]
    assert codes[:5] == [303] * 5  # five free failures, then the account is locked with backoff
    assert 429 in codes[5:]
    assert _try(client, "ada", PASSWORD) == 429
    assert client.get("/").status_code in (200, 303) and "ada (analyst)" not in client.get("/").text
    failed = [e for e in _audit(app) if e["event"] == "sign-in-failed"]
    assert len(failed) == 31 and failed[0]["reason"] == "wrong user or password"
    assert failed[-1]["reason"] == "throttled" and failed[-1]["name"] == "ada"
    assert all(PASSWORD not in json.dumps(e) and "guess number" not in json.dumps(e) for e in failed)
    app.state.ctx.clock.now += 901  # the longest lock has passed
    assert _try(client, "ada", PASSWORD) == 303


def test_backoff_doubles_and_success_clears_the_account() -> None:
    clock = Clock()
    throttle = SignInThrottle(ThrottleSettings(account_free=2, address_free=0, base=1.0, ceiling=8.0), clock=clock)
    waits = []
    for _ in range(7):
        throttle.failed("ada", "192.0.2.1")
        waits.append(throttle.wait("ada", "192.0.2.1"))
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 8.0]
    throttle.succeeded("ada")
    assert throttle.wait("ada", "192.0.2.1") == 0.0


def test_one_address_trying_many_accounts_is_throttled(app) -> None:
    client = TestClient(app)
    codes = [_try(client, f"user{n}", "wrong password") for n in range(40)]
    assert codes[:20] == [303] * 20 and codes[-1] == 429
    assert _try(client, "root", PASSWORD) == 429  # the address is locked whatever the account


def test_throttle_state_is_bounded() -> None:
    throttle = SignInThrottle(ThrottleSettings(max_keys=100, address_free=0))
    for n in range(20_000):
        throttle.failed(f"user{n}", "")
    assert throttle.size() <= 100


def test_login_accepts_only_small_urlencoded_bodies(app) -> None:
    client = TestClient(app)
    token = _csrf(client.get("/login").text)
    multipart = client.post("/login", data={"csrf_token": token, "username": "ada", "password": PASSWORD},
                            files={"f": ("x", b"x" * 10)}, follow_redirects=False)
    assert multipart.status_code == 415
    json_body = client.post("/login", json={"csrf_token": token}, follow_redirects=False)
    assert json_body.status_code == 415
    big = client.post("/login", content=b"csrf_token=" + b"a" * 10_000, follow_redirects=False,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert big.status_code == 413

    def chunks():  # no Content-Length: refused once the body passes the limit
        for _ in range(1000):
            yield b"a" * 1024

    streamed = client.post("/login", content=chunks(), follow_redirects=False,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert streamed.status_code == 413
    forged = client.post("/login", data={"csrf_token": "forged", "username": "ada", "password": PASSWORD},
                         follow_redirects=False)
    assert forged.status_code == 403  # the CSRF check still holds
    assert _try(client, "ada", PASSWORD) == 303


def _held(app, rcpt: str = "<alice@parliament.example>") -> str:
    quarantine = app.state.ctx.quarantine
    raw = b"From: desk@news.example\r\nTo: alice@parliament.example\r\nSubject: held\r\n\r\nhello\r\n"
    digest = quarantine.put_bytes(raw)
    return quarantine.add(Entry(id=new_entry_id(), sha256=digest, size=len(raw), stored_at=now_iso(),
                                action="quarantine", status="held", verdict="recon", rcpt_to=(rcpt,),
                                mail_from="<desk@news.example>", subject="held")).id


def test_notices_are_fixed_sentences_chosen_by_key(app) -> None:
    client = _signed_in(app, "ada")
    entry = _held(app)
    crafted = client.get(f"/quarantine/{entry}", params={"notice": "Your account is locked: call +1 555 0100"})
    assert "call +1 555 0100" not in crafted.text and 'class="notice"' not in crafted.text
    released = client.get(f"/quarantine/{entry}", params={"notice": "released"})
    from mailward.web.pages import NOTICES

    assert NOTICES["released"] in released.text and 'class="notice"' in released.text


def test_release_form_other_recipients_need_admin_and_confirmation(app) -> None:
    sink = app.state.ctx.sink
    entry = _held(app)
    analyst = _signed_in(app, "ada")
    page = analyst.get(f"/quarantine/{entry}").text
    assert 'name="rcpt_to"' not in page  # the field is for admins only
    other = {"csrf_token": _csrf(page), "rcpt_to": "anyone@outside.example", "confirm_other_recipients": "1"}
    assert analyst.post(f"/quarantine/{entry}/release", data=other, follow_redirects=False).status_code == 403
    admin = _signed_in(app, "root")
    page = admin.get(f"/quarantine/{entry}").text
    assert 'name="rcpt_to"' in page and 'name="confirm_other_recipients"' in page
    unconfirmed = {"csrf_token": _csrf(page), "rcpt_to": "anyone@outside.example"}
    assert admin.post(f"/quarantine/{entry}/release", data=unconfirmed, follow_redirects=False).status_code == 422
    assert sink.received == []
    r = admin.post(f"/quarantine/{entry}/release", data={**other, "csrf_token": _csrf(page)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?notice=released-other")
    assert sink.received[-1][1] == ("<anyone@outside.example>",)
    events = [e["event"] for e in _audit(app) if e.get("id") == entry]
    assert events == ["release-refused", "release-refused", "release-other-recipients", "released",
                      "release-requested"]
