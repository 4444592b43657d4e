#!/usr/bin/env python3
"""Is the web server's event loop free? /api/v1/me latency beside heavy requests (not a test).

    .venv/bin/python bench/web_loop_bench.py [--elements N] [--signins N] [--json OUT]

Starts ``mailward serve`` (a free 127.0.0.1 port, an empty temporary store, a
viewer and an analyst token, one user with a password), then times GET /api/v1/me
back to back (20 ms apart): idle; while the /scan page scans and previews an upload
of N HTML elements (40,000: about 0.5 MB); and while 4 clients each sign in N times
with the password (scrypt). Reports p50 and max latency per phase, in ms.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from web_bench import log, start_server  # noqa: E402

PASSWORD = "correct horse battery"  # a throwaway user in a temporary store


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not found:
        raise SystemExit("no CSRF token on the page")
    return found.group(1)


def _latencies(url: str, token: str, busy: Callable[[], None] | None, idle_count: int = 20) -> dict[str, Any]:
    out: list[float] = []
    thread = threading.Thread(target=busy) if busy else None
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
        c.get("/api/v1/me")
        if thread:
            thread.start()
        while (thread.is_alive() if thread else len(out) < idle_count):
            began = time.perf_counter()
            c.get("/api/v1/me").raise_for_status()
            out.append(time.perf_counter() - began)
            time.sleep(0.02)
    if thread:
        thread.join()
    return {"requests": len(out), "p50_ms": round(statistics.median(out) * 1000, 1),
            "max_ms": round(max(out) * 1000, 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--elements", type=int, default=40_000, help="HTML elements in the uploaded message")
    p.add_argument("--signins", type=int, default=3, help="password sign-ins per client (4 clients)")
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    from tests.hardening.hostile import many_elements

    raw = many_elements(args.elements)
    with tempfile.TemporaryDirectory(prefix="mailward-loop-bench-") as tmp:
        scratch = Path(tmp)
        proc, url, analyst = start_server(scratch)
        try:
            from mailward.config import load_config
            from mailward.store import open_store
            from mailward.web.auth import Auth

            store = open_store(f"sqlite:///{scratch / 'bench.db'}", config=load_config(scratch / "mailward.toml"))
            auth = Auth(store.engine)
            viewer = auth.create_token("viewer", "bench viewer")[1]
            auth.create_user("bench", PASSWORD, "analyst")
            store.close()
            session = httpx.Client(base_url=url, timeout=300, follow_redirects=False)
            session.post("/login", data={"csrf_token": _csrf(session.get("/login").text), "token": analyst})
            csrf = _csrf(session.get("/scan").text)
            session.post("/scan", data={"csrf_token": csrf}, files={"message": ("w.eml", b"From: a@b.example\r\n\r\nx")})
            took: dict[str, float] = {}

            def upload() -> None:
                began = time.perf_counter()
                r = session.post("/scan", data={"csrf_token": csrf}, files={"message": ("big.eml", raw)})
                r.raise_for_status()
                took["upload_s"] = round(time.perf_counter() - began, 2)

            def sign_ins() -> None:
                def one_client() -> None:
                    for _ in range(args.signins):
                        with httpx.Client(base_url=url, timeout=120, follow_redirects=False) as c:
                            data = {"csrf_token": _csrf(c.get("/login").text), "username": "bench", "password": PASSWORD}
                            assert c.post("/login", data=data).status_code == 303
                threads = [threading.Thread(target=one_client) for _ in range(4)]
                began = time.perf_counter()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                took["signins_s"] = round(time.perf_counter() - began, 2)

            result = {
                "upload_bytes": len(raw),
                "idle": _latencies(url, viewer, None),
                "during_upload": _latencies(url, viewer, upload),
                "during_signins": _latencies(url, viewer, sign_ins),
                **took,
            }
            session.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    text = json.dumps(result, indent=2)
    log(text)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
