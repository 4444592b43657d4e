"""examples/mailward.toml loads, and docs/config.md documents every policy key."""

from __future__ import annotations

from pathlib import Path

from mailward.config import load_config
from mailward.rules.policy import DEFAULT_THRESHOLDS, Policy
from mailward.scan import Scanner

ROOT = Path(__file__).resolve().parents[2]


def test_example_config_loads() -> None:
    config = load_config(ROOT / "examples" / "mailward.toml")
    policy = Policy.from_config(config)
    assert "LINK_SHORTENER" in policy.disabled
    assert policy.scores["AUTH_SPF_SOFTFAIL"] == 1.0
    assert policy.allow_require_auth is True
    assert dict(policy.thresholds) == DEFAULT_THRESHOLDS  # the example shows the defaults
    sample = ROOT / "src/mailward/rules/builtin/samples/LINK_SHORTENER/hit/01.eml"
    result = Scanner(config).scan_bytes(sample.read_bytes())
    assert "LINK_SHORTENER" not in {f.rule for f in result.findings}


def test_config_doc_names_every_key() -> None:
    doc = (ROOT / "docs" / "config.md").read_text("utf-8")
    for key in ("tracking_cap", *DEFAULT_THRESHOLDS, "family_weights", "senders", "domains", "require_auth",
                "dirs", "disable", "[rules.scores]"):
        assert f"`{key}`" in doc or key in doc, key
