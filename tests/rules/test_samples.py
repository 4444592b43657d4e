"""Every built-in rule fires on its hit samples and not on its miss samples."""

from __future__ import annotations

import pytest

from mailward.rules.engine import builtin_rules_dir, default_ruleset
from mailward.rules.samples import SampleCase, iter_cases, run_case, sample_analyser

CASES = list(iter_cases(default_ruleset(), builtin_rules_dir()))


@pytest.fixture(scope="module")
def analyser():
    return sample_analyser(builtin_rules_dir(), default_ruleset())


def test_every_rule_has_hit_and_miss_samples() -> None:
    kinds: dict[str, set[str]] = {}
    for case in CASES:
        kinds.setdefault(case.rule, set()).add(case.kind)
    names = {rule.name for rule in default_ruleset().rules}
    assert names == set(kinds)
    assert all(k == {"hit", "miss"} for k in kinds.values())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_sample(analyser, case: SampleCase) -> None:
    outcome = run_case(analyser, case)
    if case.kind == "hit":
        assert case.rule in outcome.fired, f"{case.label} must fire; fired {outcome.fired}"
    else:
        assert case.rule not in outcome.fired, f"{case.label} must not fire; fired {outcome.fired}"
