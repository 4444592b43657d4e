"""A real ``mailward serve`` on demo data hunted into a temporary SQLite store.

The demo set plus a Maildir of hostile crafted messages is hunted (as
tests/hunt does), some crafted messages are put in the quarantine, tokens of each
role are created, and the server runs as a subprocess on a free 127.0.0.1 port.
Releases go to an in-process SMTP sink.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from mailward.config import load_config
from mailward.demo import generate
from mailward.gateway.audit import AuditLog
from mailward.gateway.quarantine import Entry, FileQuarantine, new_entry_id, now_iso
from mailward.gateway.settings import load_settings
from mailward.hunt.analysis import WorkerSettings
from mailward.hunt.campaigns import recluster
from mailward.hunt.runner import hunt
from mailward.hunt.sources import FileSource
from mailward.store import open_store
from mailward.web.auth import Auth

from .crafted import ATTACKS, crafted_message
from .seed import Story, seed_gateway_story
from .smtp_sink import SmtpSink

SEED = 2021
MESSAGES = 120
MAILWARD = str(Path(sys.executable).with_name("mailward"))
CRAFTED_OWNER = "rhys.lindgren@parliament.example"


@dataclass
class Site:
    root: Path
    url: str
    db: str
    config_path: Path
    tokens: dict[str, str]
    quarantine_ids: dict[str, str]
    sink: SmtpSink
    truth: list[dict] = field(default_factory=list)
    log: Path | None = None
    story: Story | None = None

    def client(self, role: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30.0, follow_redirects=False)


def _write_crafted(maildir: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for n, (name, html) in enumerate(ATTACKS.items()):
        (maildir / "cur" / f"16200000{n:02d}.crafted{n}.test:2,S").write_bytes(crafted_message(name, html))


def start_server(root: Path, db: str, config_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    log = root / "serve.log"
    handle = log.open("wb")
    proc = subprocess.Popen(
        [MAILWARD, "serve", "--port", "0", "--db", db, "--config", str(config_path), "--log-level", "warning", *extra],
        stdout=handle, stderr=subprocess.STDOUT,
    )
    handle.close()
    deadline = time.monotonic() + 60
    url = ""
    while time.monotonic() < deadline and not url:
        found = re.search(r"serving (http://127\.0\.0\.1:\d+/)", log.read_text(errors="replace"))
        if found:
            url = found.group(1).rstrip("/")
        elif proc.poll() is not None:
            raise RuntimeError(f"mailward serve exited: {log.read_text(errors='replace')}")
        else:
            time.sleep(0.1)
    if not url:
        proc.kill()
        raise RuntimeError(f"mailward serve did not start: {log.read_text(errors='replace')}")
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/login", timeout=10).status_code == 200:
                return proc, url, log
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("mailward serve does not answer")


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    demo = root / "demo"
    generate(demo, seed=SEED, messages=MESSAGES)
    crafted = root / "crafted"
    _write_crafted(crafted)
    sink = SmtpSink()
    config_path = root / "mailward.toml"
    config_path.write_text(
        (demo / "mailward.toml").read_text()
        + f'\n[mailward]\ndata_dir = "{root / "var"}"\n\n[gateway]\nrelease_port = {sink.port}\n'
    )
    config = load_config(config_path)
    people = tomllib.loads(config_path.read_text())["organisation"]["people"]
    owner = {p["addresses"][0].partition("@")[0]: p["addresses"][0] for p in people}
    db = f"sqlite:///{root / 'mailward.db'}"
    store = open_store(db, config=config)
    sources = [FileSource([d], owner=owner[d.name]) for d in sorted((demo / "maildir").iterdir())]
    sources.append(FileSource([crafted], owner=CRAFTED_OWNER))
    hunt(store, sources, WorkerSettings(dict(config.data), str(config_path), store.keep_bodies), jobs=1, progress=False)
    recluster(store)

    settings = load_settings(config)
    quarantine = FileQuarantine(settings.quarantine_dir)
    story = seed_gateway_story(store, quarantine, AuditLog(settings.audit_log), config)
    ids = {}
    for key, name in (("script", "script"), ("css-url", "css-url"), ("pixel", "pixel"),
                      ("release-api", "pixel"), ("release-web", "pixel")):
        raw = crafted_message(name, ATTACKS[name])
        digest = quarantine.put_bytes(raw)
        entry = quarantine.add(Entry(
            id=new_entry_id(), sha256=digest, size=len(raw), stored_at=now_iso(), action="quarantine",
            status="held", verdict="recon", score=9.0, summary=f"crafted {name}", findings=("BEACON_PIXEL",),
            mail_from="<desk@newswire-example.invalid>", rcpt_to=(f"<{CRAFTED_OWNER}>",),
            subject=f"crafted {name}", message_id=f"<crafted-{name}@newswire-example.invalid>"))
        ids[key] = entry.id

    auth = Auth(store.engine)
    tokens = {role: auth.create_token(role, f"test {role}")[1] for role in ("viewer", "analyst", "admin")}
    auth.create_user("ada", "correct horse battery", "analyst")
    store.close()

    proc, url, log = start_server(root, db, config_path)
    truth = json.loads((demo / "campaigns.json").read_text())["campaigns"]
    yield Site(root, url, db, config_path, tokens, ids, sink, truth, log, story)
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    sink.stop()
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
    artifacts.mkdir(parents=True, exist_ok=True)
    shutil.copy(log, artifacts / "serve.log")
