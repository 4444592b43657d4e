from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
import stix2
from click.testing import CliRunner

from mailward.cli import cli

from .conftest import CAMPAIGN_ID, TARGETS


def _run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def db(store_with_campaign):
    return store_with_campaign.engine.url.render_as_string(hide_password=False)


def test_export_stix_to_file(db, tmp_path):
    config = tmp_path / "mailward.toml"
    config.write_text('[organisation]\nname = "Parliament IT Security"\n[share]\ntlp = "green"\n')
    out = tmp_path / "c.json"
    result = _run("export", "stix", CAMPAIGN_ID[:6], "--db", db, "--config", str(config), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "left out to protect targets" in result.output
    text = out.read_text()
    bundle = stix2.parse(text, allow_custom=False)
    names = {o.name for o in bundle.objects if o.type == "identity"}
    assert names == {"Parliament IT Security"}
    assert all(
        o.object_marking_refs == [stix2.TLP_GREEN.id] for o in bundle.objects if o.type != "marking-definition"
    )
    for target in TARGETS:
        assert target not in text


def test_export_misp_stdout_with_targets(db):
    result = _run("export", "misp", CAMPAIGN_ID, "--db", db, "--include-targets", "--tlp", "amber+strict")
    assert result.exit_code == 0, result.output
    event = json.loads(result.stdout)["Event"]
    assert {t["name"] for t in event["Tag"]} >= {"tlp:amber+strict"}
    assert sorted(a["value"] for a in event["Attribute"] if a["type"] == "email-dst") == sorted(TARGETS)


def test_export_errors_are_clear(db):
    result = _run("export", "stix", "nosuchcampaign", "--db", db)
    assert result.exit_code == 1
    assert "no campaign 'nosuchcampaign'" in result.output
    result = _run("export", "stix", CAMPAIGN_ID, "--db", db, "--tlp", "amber+strict")
    assert result.exit_code == 1 and "no STIX 2.1 marking" in result.output
    result = _run("export", "misp", CAMPAIGN_ID, "--db", "nonsense://x")
    assert result.exit_code == 1 and "Traceback" not in result.output


class _FakeMisp(BaseHTTPRequestHandler):
    """Answers like MISP's /events/add and /events/edit/<uuid> (JSON API)."""

    received: ClassVar[list[tuple[str, dict[str, str], dict]]] = []
    events: ClassVar[dict[str, int]] = {}

    def _reply(self, status: int, body: dict) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeMisp.received.append((self.path, dict(self.headers), body))
        if self.headers.get("Authorization") != "sekret":
            self._reply(403, {"name": "Authentication failed.", "message": "Authentication failed."})
            return
        event_uuid = body["Event"]["uuid"]
        if self.path == "/events/add":
            if event_uuid in _FakeMisp.events:
                text = "Event already exists, if you would like to edit it, use the url in the location field."
                self._reply(403, {"name": text, "message": text, "url": f"/events/view/{_FakeMisp.events[event_uuid]}"})
                return
            _FakeMisp.events[event_uuid] = 41 + len(_FakeMisp.events) + 1
        elif self.path != f"/events/edit/{event_uuid}":
            self._reply(404, {"name": "Not found", "message": "Not found"})
            return
        self._reply(200, {"Event": {"id": str(_FakeMisp.events[event_uuid]), "uuid": event_uuid}})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def misp_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeMisp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeMisp.received.clear()
    _FakeMisp.events.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_misp_push(db, misp_server):
    result = _run("export", "misp", CAMPAIGN_ID, "--db", db, "--push", misp_server, "--key-env", "TEST_MISP_KEY", env={"TEST_MISP_KEY": "sekret"})
    assert result.exit_code == 0, result.output
    assert "event 42" in result.output
    path, headers, body = _FakeMisp.received[-1]
    assert path == "/events/add"
    assert headers["Authorization"] == "sekret"
    assert body["Event"]["Attribute"]
    # pushed again: the same event (same uuid) is updated, not duplicated
    result = _run("export", "misp", CAMPAIGN_ID, "--db", db, "--push", misp_server, "--key-env", "TEST_MISP_KEY", env={"TEST_MISP_KEY": "sekret"})
    assert result.exit_code == 0, result.output
    assert "event 42" in result.output
    assert [p for p, _h, _b in _FakeMisp.received[-2:]] == ["/events/add", f"/events/edit/{body['Event']['uuid']}"]
    assert len(_FakeMisp.events) == 1
    result = _run("export", "misp", CAMPAIGN_ID, "--db", db, "--push", misp_server, "--key-env", "TEST_MISP_KEY", env={"TEST_MISP_KEY": "wrong"})
    assert result.exit_code == 1
    assert "refused the API key (HTTP 403)" in result.output


def test_misp_push_errors(db):
    result = _run("export", "misp", CAMPAIGN_ID, "--db", db, "--push", "http://127.0.0.1:9", "--key-env", "TEST_MISP_KEY", env={"TEST_MISP_KEY": "k"})
    assert result.exit_code == 1
    assert "cannot push to MISP at http://127.0.0.1:9: connection refused" in result.output
    result = _run("export", "misp", CAMPAIGN_ID, "--db", db, "--push", "http://127.0.0.1:9", "--key-env", "TEST_MISP_KEY_UNSET")
    assert result.exit_code == 1 and "no MISP API key" in result.output


def test_intel_import_list_remove(tmp_path):
    db = f"sqlite:///{tmp_path / 'intel.db'}"
    feed = tmp_path / "list.txt"
    feed.write_text("evil.example\nhxxp://t[.]evil.example/o.gif\n203.0.113.5\nbogus entry\n")
    result = _run("intel", "import", str(feed), "--db", db, "--source", "cert", "--confidence", "80", "--expires", "30d")
    assert result.exit_code == 0, result.output
    assert "3 added, 0 refreshed, 1 skipped" in result.output
    result = _run("intel", "list", "--db", db, "--format", "json")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {(r["kind"], r["value"], r["source"], r["confidence"]) for r in rows} == {
        ("domain", "evil.example", "cert", 80),
        ("url", "http://t.evil.example/o.gif", "cert", 80),
        ("ipv4", "203.0.113.5", "cert", 80),
    }
    assert all(r["expires_at"] for r in rows)
    result = _run("intel", "list", "--db", db)
    assert "evil.example" in result.stdout
    result = _run("intel", "remove", "--db", db, "--value", "evil[.]example")
    assert "removed 1" in result.output
    ids = [str(r["id"]) for r in rows if r["kind"] == "ipv4"]
    result = _run("intel", "remove", "--db", db, *ids)
    assert "removed 1" in result.output
    result = _run("intel", "list", "--db", db, "--format", "json")
    assert [json.loads(line)["kind"] for line in result.stdout.splitlines()] == ["url"]
    result = CliRunner().invoke(cli, ["intel", "import", "-", "--db", db, "--source", "pasted"], input="evil3.example\n")
    assert "-: list, source 'pasted': 1 added" in result.output
    result = _run("intel", "remove", "--db", db, "--source", "pasted")
    assert "removed 1" in result.output
    result = _run("intel", "remove", "--db", db)
    assert result.exit_code == 2
    result = _run("intel", "import", str(tmp_path / "missing.json"), "--db", db)
    assert result.exit_code == 1 and "no such file" in result.output


def test_list_and_export_do_not_create_a_store(tmp_path):
    db = f"sqlite:///{tmp_path / 'none' / 'x.db'}"
    for args in (("intel", "list"), ("intel", "remove", "--expired"), ("export", "stix", "c1")):
        result = _run(*args, "--db", db)
        assert result.exit_code == 1
        assert "no store at" in result.output
    assert not (tmp_path / "none").exists()


def test_intel_add_campaign_matches_the_next_message(db, lures):
    from mailward.config import Config
    from mailward.share.matcher import load_matcher

    result = _run("intel", "add-campaign", CAMPAIGN_ID[:5], "--db", db, "--expires", "60")
    assert result.exit_code == 0, result.output
    assert f"campaign {CAMPAIGN_ID} (Reuters News Desk):" in result.output
    rows = [json.loads(line) for line in _run("intel", "list", "--db", db, "--format", "json").stdout.splitlines()]
    assert {r["source"] for r in rows} == {f"campaign:{CAMPAIGN_ID}"}
    assert all(r["confidence"] == 80 for r in rows)  # from the recon verdict
    values = {r["value"] for r in rows}
    assert "reuters-newsdesk.example" in values
    assert not any(t in v for v in values for t in TARGETS)
    matcher = load_matcher(Config({"store": {"url": db}}))
    for _recipient, message in lures:
        assert matcher.match(message)
