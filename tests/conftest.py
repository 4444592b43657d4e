"""Shared pytest options."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from tests.hunt.services import Postgres, start_postgres

# Tests never read or write the user's real data directory (a store there would leak
# indicators and sender history into scans): every test process and the commands it
# runs get a private, empty one unless a test sets its own.
os.environ["MAILWARD_DATA_DIR"] = tempfile.mkdtemp(prefix="mailward-test-data-")
os.environ.pop("MAILWARD_CONFIG", None)


# Hypothesis profiles. "ci" (the default, and what `make test` and CI run): the same
# examples on every run (derandomized, no example database, no deadline, no
# too-slow health check: a loaded CI machine must not turn a pass into a failure), each
# test's own max_examples as its fixed budget. "fuzz" (`make fuzz`, or
# HYPOTHESIS_PROFILE=fuzz): random examples, saved failures replayed from
# .hypothesis/, FUZZ_FACTOR times each test's budget.
FUZZ_FACTOR = int(os.environ.get("HYPOTHESIS_FUZZ_FACTOR", "10"))
_QUIET_CHECKS = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("ci", derandomize=True, database=None, deadline=None, max_examples=100,
                          print_blob=True, suppress_health_check=_QUIET_CHECKS)
settings.register_profile("fuzz", derandomize=False, deadline=None, max_examples=100 * FUZZ_FACTOR,
                          database=DirectoryBasedExampleDatabase(".hypothesis/examples"),
                          suppress_health_check=_QUIET_CHECKS)
settings.register_profile("dev", parent=settings.get_profile("fuzz"), max_examples=100)
PROFILE = "ci" if os.environ.get("CI") == "true" else (os.environ.get("HYPOTHESIS_PROFILE") or "ci")
settings.load_profile(PROFILE)


def _profiled(own: settings) -> settings:
    """A test's own @settings with what the profile owns put back: a test may set its
    example budget and health checks, not randomness, the database or the deadline."""
    active = settings.default
    assert active is not None
    budget = own.max_examples * (FUZZ_FACTOR if PROFILE == "fuzz" else 1)
    return settings(own, derandomize=active.derandomize, database=active.database, deadline=None,
                    max_examples=budget,
                    suppress_health_check=sorted({*own.suppress_health_check, *_QUIET_CHECKS}, key=str))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        test = getattr(item, "obj", None)
        inner = getattr(getattr(test, "hypothesis", None), "inner_test", None)
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if inner is not None and isinstance(own, settings):
            test._hypothesis_internal_use_settings = _profiled(own)  # type: ignore[union-attr]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files from the current output instead of comparing",
    )


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """`make test` runs ``-n 2 --dist loadfile``: files whole, heavy ones first (tests/parallel.py)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from tests.parallel import FileScheduling

    return FileScheduling(config, log)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One private PostgreSQL cluster on 127.0.0.1 per test process (each test creates
    its own database in it, under a name no other test uses)."""
    server = start_postgres()
    yield server
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
