"""Shared pytest options."""

from __future__ import annotations

import os
import tempfile

import pytest

# Tests never read or write the user's real data directory (a store there would leak
# indicators and sender history into scans): every test process and the commands it
# runs get a private, empty one unless a test sets its own.
os.environ["MAILWARD_DATA_DIR"] = tempfile.mkdtemp(prefix="mailward-test-data-")
os.environ.pop("MAILWARD_CONFIG", None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files from the current output instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
