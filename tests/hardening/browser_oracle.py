"""A real browser as the oracle for "opening it loads nothing".

Two HTTP servers on 127.0.0.1: the *page* server serves the HTML under test (any
other request to it is a relative URL being loaded), the *beacon* server is where
every remote reference of the hostile corpus points; it counts connections as well
as requests, so a ``preconnect`` that sends nothing still shows. Debian's chromium,
driven by Playwright, renders each page.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

CORPUS = Path(__file__).parent / "hostile_html"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
    # every other host fails at once (and is still seen as a request by Playwright)
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
PAGE_PREFIX = "/page/"
SETTLE_SECONDS = 0.6  # after "load": meta refresh 0, SMIL at t=0, lazy images, fonts


@dataclass
class Log:
    requests: list[str] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str) -> None:
        with self.lock:
            self.requests.append(path)

    def snapshot(self) -> tuple[int, int]:
        with self.lock:
            return len(self.requests), self.connections


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    log: Log
    pages: dict[str, str]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.log.lock:
            self.log.connections += 1
        super().process_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        page = self.server.pages.get(self.path) if self.path.startswith(PAGE_PREFIX) else None
        if page is None:
            self.server.log.add(self.path)
            if self.path == "/favicon.ico":  # chromium asks the page's host by itself
                self.server.log.requests.pop()
            body, ctype = b"", "application/octet-stream"
        else:
            body, ctype = page.encode("utf-8"), "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET
    do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve() -> tuple[_Server, threading.Thread]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.log = Log()
    server.pages = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@dataclass
class Render:
    beacon_requests: list[str]
    beacon_connections: int
    page_requests: list[str]  # relative loads that went back to the page's own server
    browser_requests: list[str]  # every request chromium made but the page itself (any host, any scheme)

    @property
    def count(self) -> int:
        return len(self.beacon_requests) + len(self.page_requests)

    page_origin: str = ""

    @property
    def remote_loads(self) -> list[str]:
        """Loads that left for another host than the page's own (a relative URL in a
        message shown by webmail goes to the webmail, not to the sender)."""
        return [*self.beacon_requests, *(u for u in self.browser_requests if not u.startswith(self.page_origin + "/"))]

    @property
    def loads(self) -> list[str]:
        """Everything that left the page: server-side logs and chromium's own request list."""
        return [*self.beacon_requests, *self.page_requests, *self.browser_requests]


class Oracle:
    """Render HTML in chromium and say what it fetched."""

    def __init__(self, page_server: _Server, beacon_server: _Server, browser: Any) -> None:
        self.page_server = page_server
        self.beacon_server = beacon_server
        self.browser = browser
        self.origin = f"http://127.0.0.1:{beacon_server.server_address[1]}"
        self.counter = 0

    def urls(self, sample: str) -> dict[str, str]:
        """Placeholders of the corpus: {O} an absolute origin+path, {H} the same without scheme."""
        base = f"{self.origin}/s/{sample}"
        return {"{O}": base, "{H}": base.removeprefix("http:")}

    def fill(self, html: str, sample: str) -> str:
        for key, value in self.urls(sample).items():
            html = html.replace(key, value)
        return html

    def render(self, html: str, settle: float = SETTLE_SECONDS) -> Render:
        self.counter += 1
        path = f"{PAGE_PREFIX}{self.counter}/index.html"
        self.page_server.pages[path] = html
        beacon_before = self.beacon_server.log.snapshot()
        page_before = self.page_server.log.snapshot()[0]
        context = self.browser.new_context(viewport={"width": 800, "height": 600}, java_script_enabled=True)
        page_url = f"http://127.0.0.1:{self.page_server.server_address[1]}{path}"
        seen: list[str] = []
        context.on("request", lambda request: seen.append(request.url))
        try:
            page = context.new_page()
            page.goto(page_url, wait_until="load", timeout=20_000)
            page.mouse.move(50, 50)  # hover: cursor images
            time.sleep(settle)
        finally:
            context.close()
        time.sleep(0.05)
        with self.beacon_server.log.lock:
            beacon = self.beacon_server.log.requests[beacon_before[0]:]
            connections = self.beacon_server.log.connections - beacon_before[1]
        with self.page_server.log.lock:
            own = self.page_server.log.requests[page_before:]
        # what goes to the network (cid:, data:, about: and the like resolve locally or nowhere)
        others = [u for u in seen if u != page_url and u.lower().startswith(("http:", "https:", "ws:", "wss:", "ftp:"))
                  and not u.endswith("/favicon.ico")]
        return Render(list(beacon), connections, list(own), others,
                      f"http://127.0.0.1:{self.page_server.server_address[1]}")


@contextmanager
def oracle() -> Iterator[Oracle]:
    page_server, _ = _serve()
    beacon_server, _ = _serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            try:
                yield Oracle(page_server, beacon_server, browser)
            finally:
                browser.close()
    finally:
        page_server.shutdown()
        beacon_server.shutdown()
        page_server.server_close()
        beacon_server.server_close()


def corpus() -> dict[str, str]:
    return {path.stem: path.read_text() for path in sorted(CORPUS.glob("*.html"))}
