"""Parsing, scanning, previews and scrypt run off the event loop: a cheap request stays
cheap while a large upload is scanned and while several clients sign in."""

from __future__ import annotations

import re
import statistics
import threading
import time

import httpx
import pytest

from tests.hardening.hostile import many_elements

pytestmark = pytest.mark.integration


def _latencies_while(site, busy: threading.Thread) -> list[float]:
    """Time GET /api/v1/me back to back until ``busy`` ends."""
    out = []
    with site.client("viewer") as c:
        busy.start()
        while busy.is_alive():
            started = time.perf_counter()
            assert c.get("/api/v1/me").status_code == 200
            out.append(time.perf_counter() - started)
            time.sleep(0.02)
    busy.join()
    return out


def _signed_in(site) -> httpx.Client:
    c = httpx.Client(base_url=site.url, timeout=120, follow_redirects=False)
    page = c.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert c.post("/login", data={"csrf_token": token, "token": site.tokens["analyst"]}).status_code == 303
    return c


def test_me_stays_fast_while_a_large_upload_is_scanned(site):
    raw = many_elements(40_000)  # about 0.5 MB of HTML: seconds of parsing, scanning and preview
    assert 400_000 < len(raw) < 700_000
    c = _signed_in(site)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/scan").text).group(1)
    warm = c.post("/scan", data={"csrf_token": csrf}, files={"message": ("w.eml", b"From: a@b.example\r\n\r\nhi\r\n")})
    assert warm.status_code == 200  # the worker process is up
    took = {}

    def upload() -> None:
        started = time.perf_counter()
        r = c.post("/scan", data={"csrf_token": csrf}, files={"message": ("big.eml", raw)})
        took["upload"] = time.perf_counter() - started
        took["status"] = r.status_code

    latencies = _latencies_while(site, threading.Thread(target=upload))
    c.close()
    assert took["status"] == 200
    assert len(latencies) >= 3, (took, latencies)  # the upload took long enough to measure beside it
    # measured on a 2-core machine at load 15-20: about 0.5 s now, 1.8 s before (4.7 s in the review)
    assert max(latencies) < 1.5, f"/api/v1/me up to {max(latencies):.2f} s while a {took['upload']:.1f} s scan ran"
    assert statistics.median(latencies) < 0.5


def test_me_stays_fast_while_four_clients_sign_in(site):
    def sign_in_three_times() -> None:
        for _ in range(3):
            with httpx.Client(base_url=site.url, timeout=120, follow_redirects=False) as c:
                token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
                r = c.post("/login", data={"csrf_token": token, "username": "ada", "password": "correct horse battery"})
                assert r.status_code == 303 and r.headers["location"] == "/"

    def four_clients() -> None:
        threads = [threading.Thread(target=sign_in_three_times) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    latencies = _latencies_while(site, threading.Thread(target=four_clients))
    assert latencies
    # about 0.5 s now at load 15-20, 4.8 s before (scrypt on the event loop)
    assert max(latencies) < 1.5, f"/api/v1/me up to {max(latencies):.2f} s during 12 sign-ins"
