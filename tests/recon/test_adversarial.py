"""The adversarial generator's messages: attacks caught as recon with their beacon and
token, genuine counterparts left clean or tracking (issue 15, "Measured")."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.recon.adversarial import build_cases

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from recon_adversarial import evaluate


@pytest.fixture(scope="module")
def table() -> dict[str, dict[str, int]]:
    return evaluate(build_cases(5))


@pytest.fixture(scope="module")
def table_with_history() -> dict[str, dict[str, int]]:
    return evaluate(build_cases(5), history=True)


def test_every_technique_has_five_attacks_and_genuine_counterparts(table: dict[str, dict[str, int]]) -> None:
    assert len(table) >= 14
    for technique, row in table.items():
        assert row["attacks"] >= 5, technique
        if technique != "token-numeric-id":
            assert row["genuine"] >= 5, technique


def test_genuine_counterparts_stay_clean_or_tracking(table: dict[str, dict[str, int]],
                                                     table_with_history: dict[str, dict[str, int]]) -> None:
    for rows in (table, table_with_history):
        assert all(row.get("genuine_flagged", 0) == 0 for row in rows.values())


def test_single_message_techniques_are_recon_with_beacon_and_token(table: dict[str, dict[str, int]]) -> None:
    for technique, row in table.items():
        if technique == "token-numeric-id":
            continue
        assert row["recon"] == row["attacks"], technique
        assert row["beacon"] == row["attacks"], technique
        assert row["token"] == row["attacks"], technique


def test_compromised_account_with_history_is_recon(table_with_history: dict[str, dict[str, int]]) -> None:
    row = table_with_history["compromised-account"]
    assert row["recon"] == row["attacks"] == 5


def test_numeric_ids_are_found_only_across_copies(table: dict[str, dict[str, int]]) -> None:
    row = table["token-numeric-id"]
    assert row["token"] == row["attacks"] == 25  # batch analysis over each mailing's copies
    assert row["beacon"] == 25
