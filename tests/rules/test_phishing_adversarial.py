"""The phishing adversarial generator's messages (tests/rules/phishing_adversarial.py):
every evasion of every lure is flagged as phishing, and no genuine counterpart is flagged."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.rules.phishing_adversarial import LURES, TECHNIQUES, build_cases

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from phishing_adversarial import evaluate


@pytest.fixture(scope="module")
def table() -> dict[str, dict[str, Any]]:
    return evaluate(build_cases())


def test_every_technique_is_applied_to_every_lure(table: dict[str, dict[str, Any]]) -> None:
    assert len(TECHNIQUES) >= 30 and len(LURES) == 7
    assert set(table) == set(TECHNIQUES)
    for technique, row in table.items():
        assert row["attacks"] == row["genuine"] == len(LURES), technique


# What is still missed, in the open (technique -> "lure (verdict)"); none at present. A
# fix or a new miss must update this, so neither goes unnoticed.
KNOWN_MISSES: dict[str, list[str]] = {}


def test_every_attack_is_phishing_but_the_known_misses(table: dict[str, dict[str, Any]]) -> None:
    missed = {t: row["missed"] for t, row in table.items() if row.get("missed")}
    assert missed == KNOWN_MISSES
    short = {t: row["attacks"] - row["phishing"] for t, row in table.items() if row["phishing"] < row["attacks"]}
    assert short == {t: len(m) for t, m in KNOWN_MISSES.items()}, short


def test_no_genuine_counterpart_is_flagged(table: dict[str, dict[str, Any]]) -> None:
    flagged = {t: row.get("flagged_by") for t, row in table.items() if row.get("genuine_flagged")}
    assert not flagged, flagged


def test_the_techniques_change_the_message() -> None:
    # a technique that leaves the attack as it was would test nothing
    def content(raw: bytes) -> bytes:
        # without the headers that name the case, and without the MIME boundaries, which
        # the email package draws at random for every message
        kept = b"\n".join(line for line in raw.split(b"\n") if not line.startswith((b"Message-ID:", b"Received:")))
        return re.sub(rb"=+\d+==", b"BOUNDARY", kept)

    cases = build_cases()
    plain = {c.lure: content(c.raw) for c in cases if c.technique == "plain" and c.label == "attack"}
    for case in cases:
        if case.label == "attack" and case.technique != "plain":
            assert content(case.raw) != plain[case.lure], (case.technique, case.lure)
