"""End to end: the demo campaigns in several users' IMAP mailboxes on a real Dovecot,
hunted into SQLite and into PostgreSQL; campaigns and complete target lists must
match the demo's ground truth; re-runs are incremental; Dask gives the same result.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict

import pytest
from click.testing import CliRunner
from imapclient import IMAPClient

from mailward.cli import cli
from mailward.config import load_config
from mailward.hunt.analysis import WorkerSettings
from mailward.hunt.campaigns import recluster
from mailward.hunt.runner import hunt
from mailward.hunt.sources import FileSource
from mailward.store import open_store

pytestmark = pytest.mark.integration
@pytest.fixture(scope="module")
def mailboxes(demo, dovecot, tmp_path_factory):
    """Every demo Maildir becomes one Dovecot user; an accounts file lists them all."""
    secrets = tmp_path_factory.mktemp("secrets")
    lines = []
    for user_dir in sorted((demo.root / "maildir").iterdir()):
        address = demo.owner[user_dir.name]
        box = dovecot.add_user(address, f"pw-{user_dir.name}")
        shutil.rmtree(box)
        shutil.copytree(user_dir, box)
        (secrets / user_dir.name).write_text(f"pw-{user_dir.name}\n")
        lines += [
            "[[account]]",
            f'url = "imap://{address}@127.0.0.1:{dovecot.port}/INBOX"',
            f'password_file = "{secrets / user_dir.name}"',
            "",
        ]
    dovecot.deliver_files(next(iter(demo.owner.values())), [])  # chown the copied trees
    accounts = secrets / "accounts.toml"
    accounts.write_text("\n".join(lines))
    return accounts


def run_cli(*args: str) -> dict:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def check_against_truth(demo, store) -> dict[str, str]:
    """Each true campaign is exactly one found campaign, with every target and nothing else."""
    found = store.campaigns()
    member_ids = {c.id: {m.message_id for m in store.campaign_messages(c.id)} for c in found}
    mapping = {}
    for truth in demo.truth:
        true_ids = {lab["message_id"] for lab in demo.labels if lab["campaign"] == truth["id"]}
        holders = {cid for cid, ids in member_ids.items() if ids & true_ids}
        assert len(holders) == 1, f"{truth['id']} split over {len(holders)} campaigns"
        cid = holders.pop()
        missing = true_ids - member_ids[cid]
        assert not missing, f"{truth['id']}: {len(missing)} of {len(true_ids)} messages not in {cid}"
        intruders = {demo.kind_of.get(m, "?") + ":" + str(demo.campaign_of.get(m)) for m in member_ids[cid] - true_ids}
        assert not intruders, f"{truth['id']} merged with {intruders}"
        campaign = store.campaign(cid)
        people = {demo.person_of.get(t, t) for t in campaign.targets}
        assert people == {t["name"] for t in truth["targets"]}, truth["id"]
        mapping[truth["id"]] = cid
    return mapping


def test_imap_hunt_into_sqlite_and_postgres(demo, mailboxes, dovecot, postgres, tmp_path):
    sqlite_url = f"sqlite:///{tmp_path / 'hunt.db'}"
    pg_url = postgres.create_database("hunt_demo")
    results = {}
    for url in (sqlite_url, pg_url):
        out = run_cli("hunt", "--accounts", str(mailboxes), "--db", url, "--config", str(demo.config_path),
                      "--jobs", "2", "--format", "json", "--no-progress")
        assert out["messages"] == len(demo.labels)
        store = open_store(url)
        results[url] = check_against_truth(demo, store)
        # targets: every roster person a campaign reached, with name and role
        targets = run_cli("targets", "--db", url, "--config", str(demo.config_path), "--format", "json")
        reached = defaultdict(set)
        for t in targets:
            for c in t["campaigns"]:
                reached[c["id"]].add(t["name"])
        for truth in demo.truth:
            assert reached[results[url][truth["id"]]] == {t["name"] for t in truth["targets"]}
        assert all(t["role"] for t in targets if t["name"])
        store.close()
    assert results[sqlite_url] == results[pg_url]  # same campaign ids from either store

    # nothing new: the second run scans nothing
    again = run_cli("hunt", "--accounts", str(mailboxes), "--db", sqlite_url, "--format", "json",
                    "--config", str(demo.config_path), "--no-progress")
    assert again["messages"] == 0

    # a campaign message newly delivered to someone it had not reached yet is found
    truth = demo.truth[0]
    label = next(lab for lab in demo.labels if lab["campaign"] == truth["id"])
    raw = (demo.root / label["path"]).read_bytes()
    reached = {t["mailbox"] for t in truth["targets"]}
    newcomer = next(user for user in sorted(demo.owner) if user not in reached)
    with IMAPClient("127.0.0.1", port=dovecot.port, ssl=False) as client:
        client.login(demo.owner[newcomer], f"pw-{newcomer}")
        client.append("INBOX", raw.replace(label["message_id"].encode(), b"<new-copy@example.test>"))
    third = run_cli("hunt", "--accounts", str(mailboxes), "--db", sqlite_url, "--format", "json",
                    "--config", str(demo.config_path), "--no-progress")
    assert third["messages"] == 1
    store = open_store(sqlite_url)
    campaign = store.campaign(results[sqlite_url][truth["id"]])
    assert demo.owner[newcomer] in campaign.targets
    assert campaign.message_count == truth["messages"] + 1
    store.close()


def test_dask_cluster_finds_the_same_campaigns(demo, tmp_path):
    from distributed import Client, LocalCluster

    config = load_config(demo.config_path)
    settings = WorkerSettings(dict(config.data), str(demo.config_path))

    def sources():
        return [FileSource([d], owner=demo.owner[d.name]) for d in sorted((demo.root / "maildir").iterdir())]

    local = open_store(f"sqlite:///{tmp_path / 'local.db'}")
    stats = hunt(local, sources(), settings, jobs=1, progress=False)
    assert stats.messages == len(demo.labels)
    recluster(local)

    spread = open_store(f"sqlite:///{tmp_path / 'dask.db'}")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        stats = hunt(spread, sources(), settings, dask=client, progress=False)
    assert stats.messages == len(demo.labels)
    recluster(spread)

    def summary(store):
        return sorted((c.id, c.message_count, c.targets) for c in store.campaigns())

    assert summary(local) == summary(spread) and summary(local)
    check_against_truth(demo, spread)
    local.close()
    spread.close()
