"""Notices to targeted people: one per person, only their messages, plain words,
defanged, templates a site can replace, sending confirmed and audited."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

import pytest
from click.testing import CliRunner

from mailward.cli import cli
from mailward.config import Config
from mailward.hunt.campaigns import recluster
from mailward.notify import (
    NotifyError,
    NotifySettings,
    build_notices,
    defang,
    send_notices,
    write_notices,
)
from mailward.store import open_store
from tests.web.smtp_sink import SmtpSink

from .retro_helpers import store_messages
from .test_retromatch import BENIGN, TARGETS, lure_text

PEOPLE = [
    {"name": "Jane Doe", "addresses": [TARGETS[0]], "role": "Member"},
    {"name": "Max Mustermann", "addresses": [TARGETS[1]], "role": "Member"},
]


def _config(tmp_path, **notify) -> Config:
    data = {
        "organisation": {"name": "Example Parliament", "people": PEOPLE},
        "notify": {"from": "security@parliament.example", "team_name": "the Parliamentary Security Team",
                   "team_contact": "020 7946 0000", "report_name": "the NCSC",
                   "report_contact": "report@ncsc.example", **notify},
        "gateway": {"audit_log": str(tmp_path / "audit.jsonl")},
    }
    return Config(data)


@pytest.fixture
def site(tmp_path):
    db = f"sqlite:///{tmp_path / 'n.db'}"
    with open_store(db) as store:
        store_messages(store, [lure_text(t, i) for i, t in enumerate(TARGETS)] + [BENIGN], mailboxes=TARGETS)
        recluster(store)
        campaign = store.campaigns()[0]
        yield store, campaign, db


def test_one_notice_per_target_with_only_their_messages(site, tmp_path):
    store, campaign, _db = site
    notices = build_notices(store, campaign.id[:6], _config(tmp_path))
    assert [n.address for n in notices] == sorted(TARGETS)
    for notice in notices:
        others = [t for t in TARGETS if t != notice.address]
        for body in (notice.text, notice.html):
            assert not any(o in body for o in others)  # never another target
            assert "http://" not in body and "https://" not in body  # nothing live
            assert "t.pixel-beacon.example" not in body and "t[.]pixel-beacon[.]example" in body
            assert "Interview request: China policy" in body  # which message
            assert "Reuters News Desk" in body and "desk@reuters-newsdesk[.]example" in body  # who it pretended to be
            assert "internet (IP) address" in body and "which email program" in body  # what it told the attacker
            assert "two-step verification" in body and "home internet router" in body  # what to do
            assert "report@ncsc.example" in body and "020 7946 0000" in body
            assert "disarmed the hidden tracking" in body  # what the team did
    jane = next(n for n in notices if n.address == TARGETS[0])
    assert jane.text.startswith("Dear Jane Doe,") and "04 January 2021, 09:00 UTC" in jane.text


def test_written_eml_is_ready_to_send_and_html_prints(site, tmp_path):
    store, campaign, _db = site
    config = _config(tmp_path)
    notices = build_notices(store, campaign.id, config)
    files = write_notices(notices, tmp_path / "out", NotifySettings.from_config(config))
    assert len(files) == 2 * len(TARGETS)
    eml = message_from_bytes((tmp_path / "out" / "jane-doe-parliament-example.eml").read_bytes(), policy=policy.default)
    assert eml["From"] == "the Parliamentary Security Team <security@parliament.example>"
    assert eml["To"] == "Jane Doe <jane.doe@parliament.example>" and "what to do" in eml["Subject"]
    assert eml.get_body(("plain",)) is not None and eml.get_body(("html",)) is not None
    html = (tmp_path / "out" / "jane-doe-parliament-example.html").read_text()
    assert "default-src 'none'" in html and "<img" not in html and "<link" not in html and "@media print" in html


def test_site_templates_replace_and_translate(site, tmp_path):
    store, campaign, _db = site
    own = tmp_path / "templates"
    own.mkdir()
    (own / "notice.fr.txt.j2").write_text("Bonjour {{ person.name }}, {{ messages|length }} message(s) de {{ messages[0].sender }}.\n")
    (own / "subject.fr.txt.j2").write_text("Messages ciblés : que faire\n")
    notices = build_notices(store, campaign.id, _config(tmp_path, templates=str(own), language="fr"))
    jane = next(n for n in notices if n.address == TARGETS[0])
    assert jane.text.strip() == "Bonjour Jane Doe, 1 message(s) de desk@reuters-newsdesk[.]example."
    assert jane.subject == "Messages ciblés : que faire"
    assert "two-step verification" in jane.html  # no French HTML: the default one
    with pytest.raises(NotifyError, match="not a directory"):
        build_notices(store, campaign.id, _config(tmp_path, templates=str(tmp_path / "missing")))


def test_sending_needs_confirmation_and_is_audited(site, tmp_path):
    _store, campaign, db = site
    sink = SmtpSink()
    try:
        config_path = tmp_path / "m.toml"
        people = "".join(
            f'[[organisation.people]]\nname = "{p["name"]}"\naddresses = ["{p["addresses"][0]}"]\n' for p in PEOPLE
        )
        config_path.write_text(
            f'[organisation]\nname = "Example Parliament"\n{people}'
            f'[notify]\nfrom = "security@parliament.example"\n'
            f'[smtp]\nhost = "127.0.0.1"\nport = {sink.port}\n'
            f'[gateway]\naudit_log = "{tmp_path / "audit.jsonl"}"\n'
        )
        runner = CliRunner()
        base = ["notify", campaign.id, "--out", str(tmp_path / "o"), "--db", db, "--config", str(config_path)]
        no_name = runner.invoke(cli, [*base, "--send"])
        assert no_name.exit_code == 2 and "--analyst" in no_name.output
        declined = runner.invoke(cli, [*base, "--send", "--analyst", "A. Analyst"], input="n\n")
        assert declined.exit_code == 1 and "not sent" in declined.output and sink.received == []
        done = runner.invoke(cli, [*base, "--send", "--analyst", "A. Analyst", "--only", TARGETS[0], "--format", "json"],
                             input="y\n")
        assert done.exit_code == 0, done.output
        report = json.loads(done.output[done.output.index("{"):])
        assert [n["address"] for n in report["notices"]] == [TARGETS[0]] and report["notices"][0]["sent"]
    finally:
        sink.stop()
    assert len(sink.received) == 1 and sink.received[0][1] == (f"<{TARGETS[0]}>",)
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(a["event"], a["to"], a["by"]) for a in audit] == [("notice-sent", TARGETS[0], "A. Analyst")]


def test_failed_sending_is_audited_and_reported(site, tmp_path):
    from mailward.gateway.audit import AuditLog
    from tests.hunt.services import free_port

    store, campaign, _db = site
    config = Config({**_config(tmp_path).data, "smtp": {"host": "127.0.0.1", "port": free_port(), "timeout_seconds": 3}})
    audit = AuditLog(tmp_path / "audit.jsonl")
    with pytest.raises(NotifyError, match="0 sent before"):
        send_notices(build_notices(store, campaign.id, config), config, analyst="A. Analyst", audit=audit)
    assert [e["event"] for e in audit.read()] == ["notice-failed"]
    with pytest.raises(NotifyError, match="analyst"):
        send_notices([], config, analyst=" ", audit=audit)


def test_unknown_campaign_is_a_clear_error(site, tmp_path):
    store, _campaign, _db = site
    with pytest.raises(NotifyError, match="no campaign"):
        build_notices(store, "Cnothere", _config(tmp_path))


def test_defang():
    assert defang("see https://evil.example/x and a.b@c.example") == "see hxxps://evil[.]example/x and a.b@c[.]example"
    assert defang("HTTP://Evil.Example") == "hxxp://Evil[.]Example"


# starlette's in-process client warns that it wants another HTTP library; the request
# path is the same one `mailward serve` runs
@pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient.")
def test_api_notify_returns_and_sends_with_confirmation(site, tmp_path):
    from fastapi.testclient import TestClient

    from mailward.web.app import create_app
    from mailward.web.auth import Auth

    store, campaign, _db = site
    sink = SmtpSink()
    try:
        config = Config({**_config(tmp_path).data, "smtp": {"host": "127.0.0.1", "port": sink.port}})
        _info, token = Auth(store.engine).create_token("analyst", "ana")
        _vinfo, viewer = Auth(store.engine).create_token("viewer", "vic")
        with TestClient(create_app(config, store)) as client:
            url = f"/api/v1/campaigns/{campaign.id}/notify"
            assert client.post(url, headers={"Authorization": f"Bearer {viewer}"}).status_code == 403
            auth = {"Authorization": f"Bearer {token}"}
            listed = client.post(url, headers=auth).json()
            assert len(listed["notices"]) == 3 and not any(n["sent"] for n in listed["notices"])
            assert client.post(url, headers=auth, json={"send": True}).status_code == 400
            sent = client.post(url, headers=auth, json={"send": True, "confirm": True, "only": [TARGETS[1]]}).json()
            assert [n["sent"] for n in sent["notices"]] == [True]
    finally:
        sink.stop()
    assert len(sink.received) == 1
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert audit[-1]["event"] == "notice-sent" and audit[-1]["by"] == "ana"


def test_a_read_receipt_request_is_explained(tmp_path):
    """A receipt is not a loaded image: the notice says what sending one tells the sender."""
    asked = [lure_text(t, i).replace(b"\r\nSubject:", b"\r\nDisposition-Notification-To: <opens@receipts-box.example>"
                                     b"\r\nSubject:", 1) for i, t in enumerate(TARGETS)]
    with open_store(f"sqlite:///{tmp_path / 'r.db'}") as store:
        store_messages(store, asked, mailboxes=TARGETS)
        recluster(store)
        [campaign] = store.campaigns()
        notices = build_notices(store, campaign.id, _config(tmp_path))
        assert notices
        for notice in notices:
            assert "read receipt" in notice.text and "Turning images off does not stop" in notice.text
            assert "Some of these messages also asked" in notice.text  # the lures track by image too
            assert "read receipt" in notice.html
    # the plain lures ask for none: no paragraph about it
    with open_store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        store_messages(store, [lure_text(t, i) for i, t in enumerate(TARGETS)], mailboxes=TARGETS)
        recluster(store)
        plain = build_notices(store, store.campaigns()[0].id, _config(tmp_path))
        assert plain and not any("read receipt" in n.text for n in plain)
