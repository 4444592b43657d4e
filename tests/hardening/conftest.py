"""Real services for the hardening tests (started in private directories, high ports)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.hunt.services import Dovecot, start_dovecot


@pytest.fixture(scope="module")
def dovecot_for_hardening() -> Iterator[Dovecot]:
    server = start_dovecot()
    yield server
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)
