from __future__ import annotations

from pathlib import Path

import pytest

from mailward.demo import DemoSummary, generate


@pytest.fixture(scope="session")
def demo_set(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    """The default demo set, generated once for the session."""
    return generate(tmp_path_factory.mktemp("demo") / "set", seed=2021)


@pytest.fixture(scope="session")
def demo_dir(demo_set: DemoSummary) -> Path:
    return demo_set.out_dir
