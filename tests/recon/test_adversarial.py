"""The adversarial generator's messages: attacks caught as recon with their beacon and
token, genuine counterparts left clean or tracking (issue 15, "Measured")."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.recon.adversarial import build_cases

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from recon_adversarial import evaluate


@pytest.fixture(scope="module")
def table() -> dict[str, dict[str, Any]]:
    return evaluate(build_cases(5), hunt=True)


@pytest.fixture(scope="module")
def table_with_history() -> dict[str, dict[str, Any]]:
    return evaluate(build_cases(5), history=True)


NUMERIC = ("token-numeric-id", "token-numeric-id (hunt)")


def test_every_technique_has_five_attacks_and_genuine_counterparts(table: dict[str, dict[str, Any]]) -> None:
    assert len(table) >= 23
    assert sum(t.startswith("attach-") for t in table) == 8
    for technique, row in table.items():
        assert row["attacks"] >= 5, technique
        if technique not in NUMERIC:
            assert row["genuine"] >= 5, technique


def test_genuine_counterparts_stay_clean_or_tracking(table: dict[str, dict[str, Any]],
                                                     table_with_history: dict[str, dict[str, Any]]) -> None:
    for rows in (table, table_with_history):
        flagged = {t: row.get("genuine_flagged", 0) for t, row in rows.items()}
        assert not any(flagged.values()), flagged


def test_single_message_techniques_are_recon_with_beacon_and_token(table: dict[str, dict[str, Any]]) -> None:
    for technique, row in table.items():
        if technique in NUMERIC or technique.startswith("attach-"):
            continue
        assert row["recon"] == row["attacks"], technique
        if technique == "read-receipt":  # no image, no link: the read-receipt request is the beacon
            assert row["beacon"] == row["token"] == 0 and row["recon_rule"] == row["attacks"] == 5
            continue
        assert row["beacon"] == row["attacks"], technique
        assert row["token"] == row["attacks"], technique


def test_attachment_techniques_fire_recon_rules_with_beacon_and_token(table: dict[str, dict[str, Any]]) -> None:
    for technique, row in table.items():
        if not technique.startswith("attach-"):
            continue
        assert row["beacon"] == row["token"] == row["attacks"] == 5, technique
        if technique == "attach-url-webloc":
            # the .url files' remote icon is a load; a .webloc only holds a link (clicked, not loaded)
            assert row["recon_rule"] == row["caught"] == 3
            continue
        assert row["caught"] == row["recon_rule"] == row["attacks"], technique
    # a remote template and attached pages argue for more than recon
    assert table["attach-docx-remote-template"]["recon"] == 0
    assert table["attach-calendar"]["recon"] == table["attach-pdf-open-action"]["recon"] == 5


def test_compromised_account_with_history_is_recon(table_with_history: dict[str, dict[str, Any]]) -> None:
    row = table_with_history["compromised-account"]
    assert row["recon"] == row["attacks"] == 5


def test_numeric_ids_are_found_only_across_copies(table: dict[str, dict[str, Any]]) -> None:
    row = table["token-numeric-id"]
    assert row["token"] == row["attacks"] == 25  # batch analysis over each mailing's copies
    assert row["beacon"] == 25 and row["recon"] == 0  # each copy alone is tracking
    hunted = table["token-numeric-id (hunt)"]
    assert hunted["recon"] == hunted["token"] == hunted["attacks"] == 25  # the hunt's copy comparison
