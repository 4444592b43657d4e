"""pytest plugin used by `make test`: a skipped test fails the run.

Integration tests must run for real in CI; a skip would hide a missing service.
Run plain `pytest` to allow skips while developing.
"""

from __future__ import annotations

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = reporter.stats.get("skipped", [])
    if skipped and session.exitstatus == 0:
        reporter.write_line(
            f"no_skip: {len(skipped)} test(s) skipped; every test must run in `make test`",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
