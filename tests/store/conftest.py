from __future__ import annotations

import shutil

import pytest

from tests.hunt.services import start_postgres


@pytest.fixture(scope="session")
def postgres():
    server = start_postgres()
    yield server
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)
