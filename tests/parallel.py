"""How `make test` spreads the suite over pytest-xdist workers (``-n 2 --dist loadfile``).

Each test file runs whole on one worker (so module and session fixtures are built
once per worker, and tests that start Postfix, Dovecot, PostgreSQL or chromium keep
their order inside a file). Two refinements over plain ``loadfile``:

- files that share one expensive session fixture run on the same worker, so it is
  built once, not once per worker: the web tests that use the ``site`` server
  (a hunted store plus a ``mailward serve`` subprocess);
- the longest units are handed out first (longest-processing-time-first), so the
  run does not end with one worker busy on a long file while the other idles.
  ``WEIGHTS`` holds rough seconds of the long units, measured with
  ``--durations``; every other file counts a tenth of a second per test. Only the
  order depends on them: a wrong or stale weight makes the run slower, never wrong.
"""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadFileScheduling

# files whose tests share the session-scoped ``site`` fixture of tests/web/conftest.py
WEB_SITE = "tests/web[site]"
_SITE_FILES = frozenset(
    f"tests/web/{name}.py"
    for name in ("test_analyst", "test_api", "test_browser", "test_event_loop", "test_pages", "test_schema",
                 "test_sessions")
)

# unit -> rough seconds on CI (measured with --durations=0 on a loaded machine and scaled
# to CI's average; only the order of hand-out depends on these)
WEIGHTS: dict[str, float] = {
    "tests/bench/test_smoke.py": 116,
    "tests/hardening/test_browser_oracle.py": 111,
    WEB_SITE: 97,
    "tests/hunt/test_hunt_demo.py": 59,
    "tests/hardening/test_durability.py": 56,
    "tests/web/test_cli.py": 38,
    "tests/gateway/test_postfix.py": 33,
    "tests/core/test_cli_scan.py": 29,
    "tests/hardening/test_hostile.py": 28,
    "tests/share/test_two_orgs.py": 26,
    "tests/demo/test_generate.py": 22,
    "tests/gateway/test_history.py": 22,
    "tests/hunt/test_cli.py": 21,
    "tests/bench/test_harness.py": 19,
    "tests/hardening/test_no_network.py": 18,
    "tests/web/test_budget.py": 17,
    "tests/hardening/test_surfaces.py": 15,
    "tests/gateway/test_defuse.py": 15,
    "tests/share/test_recluster_incremental.py": 12,
    "tests/share/test_scale.py": 12,
}

# every other file: the measured average of the files not listed above
SECONDS_PER_TEST = 0.1


def scope_of(nodeid: str) -> str:
    """The work unit of a test: its file, or the group of files sharing a fixture."""
    path = nodeid.split("::", 1)[0]
    return WEB_SITE if path in _SITE_FILES else path


class FileScheduling(LoadFileScheduling):
    """``--dist loadfile`` with the grouping and hand-out order described above."""

    def _split_scope(self, nodeid: str) -> str:
        return scope_of(nodeid)

    def _weight(self, scope: str) -> float:
        return WEIGHTS.get(scope, SECONDS_PER_TEST * len(self.workqueue[scope]))

    def _assign_work_unit(self, node: Any) -> None:
        heaviest = max(self.workqueue, key=self._weight)  # the first of equals: collection order
        self.workqueue.move_to_end(heaviest, last=False)
        super()._assign_work_unit(node)
