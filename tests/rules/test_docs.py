"""docs/rules.md is generated from the code and must not be stale."""

from __future__ import annotations

from pathlib import Path

from mailward.rules.docs import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_rules_doc_is_current() -> None:
    assert DOC.read_text("utf-8") == render(), "docs/rules.md is stale: run scripts/gen_rules_doc.py"


def test_rules_doc_lists_every_fact_and_rule() -> None:
    from mailward.rules.engine import default_ruleset
    from mailward.rules.schema import iter_fields

    text = render()
    for path, _ in iter_fields():
        assert f"`{path}`" in text
    for rule in default_ruleset().rules:
        assert f"`{rule.name}`" in text
