"""The Hypothesis profile is the project's, whatever a test's own @settings say."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import PROFILE

SEEN: list[int] = []


@settings(max_examples=7, derandomize=False, database=None)
@given(st.integers())
def test_property_runs_with_the_profile(value: int) -> None:
    SEEN.append(value)
    assert isinstance(value, int)


def test_profile_owns_randomness(request: pytest.FixtureRequest) -> None:
    effective = test_property_runs_with_the_profile._hypothesis_internal_use_settings  # type: ignore[attr-defined]
    if PROFILE == "ci":
        assert effective.derandomize is True, "a test's @settings re-enabled randomness in CI"
        assert effective.database is None
        assert effective.max_examples == 7
    else:
        assert effective.derandomize is False
    assert effective.deadline is None


def test_every_collected_property_test_is_profiled(request: pytest.FixtureRequest) -> None:
    for item in request.session.items:
        test = getattr(item, "obj", None)
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if getattr(getattr(test, "hypothesis", None), "inner_test", None) is not None and own is not None:
            assert own.deadline is None, item.nodeid
            if PROFILE == "ci":
                assert own.derandomize and own.database is None, item.nodeid
