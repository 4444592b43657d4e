"""`mailward db label` (audited) and `mailward learn --store`: training from analyst-confirmed mail."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from mailward.config import load_config
from mailward.learn.model import ContentModel
from mailward.store import MessageRecord, open_store
from tests.learn.test_model import HAM, PHISH, _raw
from tests.mwcli import mailward


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return mailward(*args)


def test_label_then_learn_from_the_store(tmp_path: Path) -> None:
    config = tmp_path / "mailward.toml"
    config.write_text(f'[mailward]\ndata_dir = "{tmp_path / "data"}"\n[store]\nkeep_bodies = true\n')
    raws = [_raw(*item) for item in PHISH + HAM]
    digests = [hashlib.sha256(raw).hexdigest() for raw in raws]
    with open_store(config=load_config(str(config))) as store:
        store.write_batch([MessageRecord(source=f"m{n}", sha256=d, verdict="clean", verdict_rank=0, body=raw)
                           for n, (d, raw) in enumerate(zip(digests, raws, strict=True))])
    for n, digest in enumerate(digests):
        label = "phishing" if n < len(PHISH) else "ham"
        done = _run("db", "label", "--config", str(config), digest, "--as", label, "--analyst", "ana")
        assert done.returncode == 0, done.stderr
        assert f"{digest}: {label} (1 stored copy, body kept)" in done.stdout
    audit = [json.loads(line) for line in (tmp_path / "data" / "audit.jsonl").read_text().splitlines()]
    assert [(a["event"], a["sha256"], a["by"]) for a in audit][:2] == [("labelled", digests[0], "ana"),
                                                                       ("labelled", digests[1], "ana")]
    listed = _run("db", "labels", "--config", str(config), "--format", "json", "--as", "ham")
    assert {json.loads(line)["sha256"] for line in listed.stdout.splitlines()} == set(digests[len(PHISH):])

    model = tmp_path / "store-model.npz"
    learned = _run("learn", "--model", str(model), "--bits", "14", "--store", "default", "--config", str(config))
    assert learned.returncode == 0, learned.stderr
    assert "4 phishing and 4 ham messages" in learned.stdout
    assert "store: 4 phishing and 4 ham labelled messages" in learned.stderr
    assert ContentModel.load(model).meta["store_labels"] == {"phishing": 4, "ham": 4}

    cleared = _run("db", "label", "--config", str(config), digests[0], "--clear", "--analyst", "bo")
    assert cleared.returncode == 0 and "label removed" in cleared.stdout
    assert json.loads((tmp_path / "data" / "audit.jsonl").read_text().splitlines()[-1])["event"] == "label-cleared"


def test_label_errors_are_clear(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    config = tmp_path / "mailward.toml"
    config.write_text(f'[mailward]\ndata_dir = "{tmp_path}"\n')
    for args, message in [
        (("0" * 64, "--as", "ham"), "no stored message"),
        (("xyz", "--as", "ham"), "not a SHA-256"),
        (("0" * 64,), "either --as"),
    ]:
        done = _run("db", "label", "--db", url, "--config", str(config), *args, "--analyst", "ana")
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    nothing = _run("learn", "--model", str(tmp_path / "m.npz"), "--store", url)
    assert nothing.returncode == 2 and "at least one phishing and one ham" in nothing.stderr
    alone = _run("learn", "--model", str(tmp_path / "m.npz"))
    assert alone.returncode == 2 and "--store" in alone.stderr
