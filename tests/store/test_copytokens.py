"""Per-recipient ids visible only across stored copies (mailward.hunt.copytokens),
through a real SQLite store, and through a hunt."""

from __future__ import annotations

import json

from click.testing import CliRunner

from mailward.cli import cli
from mailward.hunt.campaigns import ClusterParams, recluster
from mailward.store import open_store
from tests.recon.adversarial import numeric_id_copies

from .copies import batch_tokens, fill, verdicts


def test_copies_of_one_mailing_reveal_a_numeric_id_and_raise_the_verdict(tmp_path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        sources = fill(store)
        before = verdicts(store)
        assert {before[s][0] for s in sources["attack"]} == {"tracking"}  # one copy shows nothing
        assert all(not batch_tokens(before[s][1]) for s in sources["attack"])
        recluster(store, ClusterParams(use_copy_tokens=False))
        assert verdicts(store) == before  # the step can be turned off

        stats = recluster(store)
        after = verdicts(store)
        assert stats.copy_tokens == 5 + 5 and stats.copy_token_raised == 5
        tokens = [batch_tokens(after[s][1]) for s in sources["attack"]]
        assert tokens == [[str(4100 + 17 * i)] for i in range(5)]
        assert {after[s][0] for s in sources["attack"]} == {"recon"}
        assert all("RECON_PERSONAL_TOKEN_LOAD" in m.summary or any(
            f["rule"] == "RECON_PERSONAL_TOKEN_LOAD" for f in m.findings)
            for m in store.messages(verdicts=["recon"]))
        # a genuine bulletin: the member ids are marked, the verdict stays tracking
        assert [batch_tokens(after[s][1]) for s in sources["bulletin"]] == [[str(7000 + i)] for i in range(5)]
        assert {after[s][0] for s in sources["bulletin"]} == {"tracking"}
        # two different letters with visible photos are not one mailing
        assert all(not batch_tokens(after[s][1]) for s in sources["letters"])
        assert {after[s][0] for s in sources["letters"]} <= {"clean", "tracking"}
        # the copies now form one campaign
        attack = [c for c in store.campaigns(kind="attack") if c.verdict == "recon"]
        assert len(attack) == 1 and attack[0].message_count == 5

        again = recluster(store)  # nothing left to mark
        assert again.copy_tokens == 0 and verdicts(store) == after
    finally:
        store.close()


def test_a_single_copy_is_not_enough(tmp_path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'one.db'}")
    try:
        from mailward.hunt.analysis import WorkItem, analyse_item

        from .copies import settings

        raw = numeric_id_copies(1)[0].raw
        store.write_batch([analyse_item(WorkItem("only", raw), settings())])
        assert recluster(store).copy_tokens == 0
        assert store.messages()[0].verdict == "tracking"
    finally:
        store.close()


def test_hunt_marks_copy_tokens(tmp_path) -> None:
    from .copies import CONFIG

    folder = tmp_path / "mail"
    folder.mkdir()
    for i, case in enumerate(numeric_id_copies(2)):
        (folder / f"{i}.eml").write_bytes(case.raw)
    db = f"sqlite:///{tmp_path / 'h.db'}"
    result = CliRunner().invoke(cli, ["hunt", str(folder), "--db", db, "--config", str(CONFIG), "-j", "1",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["copy_tokens"] == 5 and out["copy_token_verdicts_raised"] == 5
    store = open_store(db)
    try:
        assert {m.verdict for m in store.messages()} == {"recon"}
    finally:
        store.close()
