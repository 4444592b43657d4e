"""The intel rules, run on their samples with the samples' indicators, and a whole scan."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailward.identity import InMemorySenderHistory
from mailward.parse import parse_message
from mailward.pipeline import Analyser
from mailward.rules.engine import load_ruleset
from mailward.rules.samples import iter_cases, run_case, sample_config
from mailward.share.matcher import IndicatorRecord, IntelMatcher, lookup_from_file

from .conftest import intel_rules_dir, intel_rules_samples

RULES: Path = intel_rules_samples()
EXTRA = [d for d in (intel_rules_dir(),) if d is not None]


def _analyser(intel):
    ruleset = load_ruleset(EXTRA, include_builtin=True, strict=True)  # lint: ids, fields, samples
    return Analyser(sample_config(RULES), history=InMemorySenderHistory(), ruleset=ruleset, intel=intel), ruleset


def _cases():
    ruleset = load_ruleset(EXTRA, include_builtin=True, strict=True)
    return [c for c in iter_cases(ruleset, RULES) if c.rule.startswith("INTEL_")]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.label)
def test_intel_rule_samples(case):
    analyser, _ = _analyser(lookup_from_file(RULES / "samples" / "intel.json"))
    outcome = run_case(analyser, case)
    assert outcome.ok, (case.label, outcome.fired)


def test_every_intel_rule_has_both_kinds_of_sample():
    kinds = {(c.rule, c.kind) for c in _cases()}
    assert kinds == {
        ("INTEL_KNOWN_INDICATOR", "hit"),
        ("INTEL_KNOWN_INDICATOR", "miss"),
        ("INTEL_INDICATOR_LOW_CONFIDENCE", "hit"),
        ("INTEL_INDICATOR_LOW_CONFIDENCE", "miss"),
    }


def test_known_indicator_makes_the_verdict_malicious_and_names_the_source():
    matcher = IntelMatcher([IndicatorRecord("reuters-newsdesk.example", "domain", "CERT-EU", 90)])
    analyser, _ = _analyser(matcher.facts)
    raw = (RULES / "samples" / "INTEL_KNOWN_INDICATOR" / "hit" / "01.eml").read_bytes()
    analysis = analyser.analyse(parse_message(raw))
    finding = next(f for f in analysis.findings if f.rule == "INTEL_KNOWN_INDICATOR")
    assert "CERT-EU" in finding.summary and "reuters-newsdesk.example" in finding.summary
    assert str(analysis.verdict) == "malicious"
    # without intel the same message is not called malicious by an intel rule
    plain, _ = _analyser(None)
    assert not any(f.rule.startswith("INTEL_") for f in plain.analyse(parse_message(raw)).findings)
