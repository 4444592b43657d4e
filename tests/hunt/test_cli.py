"""The hunt, campaigns, targets and db commands over files: Maildir and mbox, incremental,
resumable after a crash, clear errors."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner

from mailward.cli import cli
from mailward.config import load_config
from mailward.demo import generate
from mailward.hunt.analysis import WorkerSettings
from mailward.hunt.runner import hunt
from mailward.hunt.sources import FileSource
from mailward.store import open_store


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("small")
    generate(root, seed=7, messages=120, mbox=True)
    return root


def test_hunt_maildirs_then_campaigns_targets_db(small, tmp_path):
    db = f"sqlite:///{tmp_path / 'm.db'}"
    cfg = str(small / "mailward.toml")
    labels = (small / "labels.jsonl").read_text().splitlines()
    out = json.loads(run("hunt", str(small / "maildir"), "--db", db, "--config", cfg, "-j", "1", "--format", "json"))
    assert out["messages"] == len(labels) and out["campaigns"] >= 1
    assert json.loads(run("hunt", str(small / "maildir"), "--db", db, "--config", cfg, "-j", "1", "--format", "json"))["messages"] == 0

    # a mail client marks a message read: the file moves from new/ to cur/ with flags; not new mail
    moved = next((small / "maildir").glob("*/new/*"), None)
    if moved is not None:
        os.rename(moved, moved.parent.parent / "cur" / (moved.name + ":2,S"))
    # a newly delivered file is
    first_box = sorted((small / "maildir").iterdir())[0]
    sample = next(first_box.glob("cur/*"))
    shutil.copy(sample, first_box / "new" / "1700000000.M1P1.newly-delivered")
    again = json.loads(run("hunt", str(small / "maildir"), "--db", db, "--config", cfg, "-j", "1", "--format", "json"))
    assert again["messages"] == 1

    listed = json.loads(run("campaigns", "--db", db, "--config", cfg, "--format", "json"))
    truth = json.loads((small / "campaigns.json").read_text())["campaigns"]
    assert len(listed) >= len(truth)
    top = listed[0]
    assert top["targets"] == [] and top["target_count"] >= 1  # the list is a summary
    shown = json.loads(run("campaigns", "--db", db, "--config", cfg, "show", top["id"], "--format", "json"))
    assert len(shown["messages"]) == top["message_count"] and len(shown["targets"]) == top["target_count"]
    assert all(m["verdict"] in ("suspicious", "recon", "phishing", "malicious") for m in shown["messages"])
    table = run("campaigns", "--db", db, "--config", cfg, "show", top["id"][:6])
    assert top["name"] in table and "indicators" in table
    assert "no campaign" in run("campaigns", "--db", db, "show", "Cnope", code=2)
    assert top["id"] in run("campaigns", "--db", db)

    targets = json.loads(run("targets", "--db", db, "--config", cfg, "--format", "json"))
    roster = {a for p in load_config(cfg).data["organisation"]["people"] for a in p["addresses"]}
    assert targets and all(t["address"] in roster and t["name"] and t["campaigns"] for t in targets)
    assert "first seen" in run("targets", "--db", db, "--config", cfg)

    info = json.loads(run("db", "info", "--db", db, "--format", "json"))
    assert info["counts"]["messages"] == len(labels) + 1 and info["revision"] == info["head"]
    assert "schema at" in run("db", "upgrade", "--db", db)


def test_mbox_is_incremental(small, tmp_path):
    db = f"sqlite:///{tmp_path / 'm.db'}"
    mbox = tmp_path / "all.mbox"
    shutil.copy(small / "all.mbox", mbox)
    n = len((small / "labels.jsonl").read_text().splitlines())
    assert json.loads(run("hunt", str(mbox), "--db", db, "-j", "1", "--format", "json", "--no-cluster"))["messages"] == n
    with mbox.open("ab") as fh:
        fh.write(b"From someone Mon Jan  1 00:00:00 2024\nFrom: a@b.example\nTo: c@d.example\nSubject: late\n\nhi\n")
    later = json.loads(run("hunt", str(mbox), "--db", db, "-j", "1", "--format", "json", "--no-cluster"))
    assert later["messages"] == 1
    store = open_store(db)
    assert store.messages(limit=1)[0].source.endswith(f"#{n + 1}") or any(
        m.source.endswith(f"#{n + 1}") for m in store.messages(limit=n + 5)
    )
    store.close()


def test_crash_resumes_without_loss_or_duplicates(small, tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    settings = WorkerSettings(dict(load_config(small / "mailward.toml").data), None)
    n = len([p for p in (small / "maildir").glob("*/*/*") if p.parent.name in ("cur", "new")])
    committed = []

    def crash(count: int) -> None:
        committed.append(count)
        if len(committed) == 2:
            raise KeyboardInterrupt  # the operator hits ^C, or the machine goes down

    with pytest.raises(KeyboardInterrupt):
        hunt(store, [FileSource([small / "maildir"])], settings, jobs=2, batch=25, on_batch=crash, progress=False)
    assert store.count_messages() == sum(committed) == 50
    stats = hunt(store, [FileSource([small / "maildir"])], settings, jobs=1, progress=False)
    assert stats.messages == n - 50
    assert store.count_messages() == n
    assert len({m.source for m in store.messages(limit=n)}) == n
    store.close()


def test_bad_sources_are_clear_errors(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.db'}"
    assert "no such file" in run("hunt", str(tmp_path / "missing"), "--db", db, code=2)
    assert "need --password-env" in run("hunt", "imap://u@127.0.0.1:1/INBOX", "--db", db, code=2)
    assert "not set" in run("hunt", "imap://u@127.0.0.1:1/INBOX", "--password-env", "MW_NO_SUCH_VAR", "--db", db, code=2)
    assert "IMAP URL without a user" in run("hunt", "imaps://host/INBOX", "--password-env", "PATH", "--db", db, code=2)
    assert "cannot connect" in run("hunt", "imap://u@127.0.0.1:1/INBOX", "--password-env", "PATH", "--db", db, code=2)
    assert "unsupported database" in run("hunt", str(tmp_path), "--db", "mysql://x/y", code=2)
    assert "nothing to hunt" in run("hunt", "--db", db, code=2)


def test_links_not_followed_are_reported(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "loop").symlink_to(tree)
    db = f"sqlite:///{tmp_path / 'm.db'}"
    result = CliRunner().invoke(cli, ["hunt", str(tree), "--db", db, "--format", "json", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "1 symbolic link(s) below the sources not followed" in result.stderr
    assert json.loads(result.stdout)["links_not_followed"] == 1


def test_unreadable_files_are_reported(tmp_path, monkeypatch):
    from mailward.hunt import sources as hunt_sources

    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "m.eml").write_bytes(b"From: a@example.org\r\nSubject: x\r\n\r\nhello\r\n")

    def refusing(path, *, follow):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(hunt_sources, "open_regular", refusing)
    db = f"sqlite:///{tmp_path / 'm.db'}"
    result = CliRunner().invoke(cli, ["hunt", str(tree), "--db", db, "--format", "json", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "1 file(s) or folder(s) below the sources could not be read" in result.stderr
    assert "m.eml: Permission denied" in result.stderr
    assert json.loads(result.stdout)["unreadable_files"] == 1
