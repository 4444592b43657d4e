from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from mailward.demo import generate

from .services import start_dovecot

SEED = 2021
MESSAGES = 400


@pytest.fixture(scope="session")
def dovecot():
    server = start_dovecot()
    yield server
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


class Demo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.config_path = root / "mailward.toml"
        self.truth = json.loads((root / "campaigns.json").read_text())["campaigns"]
        self.labels = [json.loads(line) for line in (root / "labels.jsonl").read_text().splitlines()]
        config = tomllib.loads(self.config_path.read_text())
        self.people = config["organisation"]["people"]
        self.person_of = {a: p["name"] for p in self.people for a in p["addresses"]}
        self.owner = {p["addresses"][0].partition("@")[0]: p["addresses"][0] for p in self.people}
        self.campaign_of = {lab["message_id"]: lab["campaign"] for lab in self.labels}
        self.kind_of = {lab["message_id"]: lab["kind"] for lab in self.labels}


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    generate(root, seed=SEED, messages=MESSAGES)
    return Demo(root)
