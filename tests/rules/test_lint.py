"""The rule linter rejects what it promises to reject."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailward.rules.engine import builtin_rules_dir
from mailward.rules.lint import field_problems, lint_specs, used_fields
from mailward.rules.rulefile import FAMILIES, load_rule_files

GOOD = """\
id: T-0001
name: LINK_EXAMPLE
description: An example.
severity: low
score: 1
verdict: suspicious
attack: [T1566.002]
condition: link_summary.ip_hosts > 0
evidence:
  hosts: links.filter(l, l.ip_host).map(l, l.host)
summary: "Links to {hosts}."
"""


def write(tmp: Path, name: str, text: str, *, samples: bool = True) -> Path:
    path = tmp / name
    path.write_text(text)
    if samples:
        rule = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("name:"))
        for kind in ("hit", "miss"):
            (tmp / "samples" / rule / kind).mkdir(parents=True, exist_ok=True)
            (tmp / "samples" / rule / kind / "01.eml").write_bytes(b"From: a@b.c\r\n\r\nx\r\n")
    return path


def lint(tmp: Path) -> list[str]:
    specs, problems = load_rule_files([tmp])
    return problems + [str(p) for p in lint_specs(specs)]


def test_builtin_rules_are_clean_and_many() -> None:
    specs, problems = load_rule_files([builtin_rules_dir()])
    assert problems == []
    assert [str(p) for p in lint_specs(specs)] == []
    assert len(specs) >= 40
    families = {s.family for s in specs}
    assert {"beacon", "impersonation", "auth", "link", "attachment", "recon", "mime", "phishing"} <= families
    assert families <= set(FAMILIES)


def test_good_rule_passes(tmp_path: Path) -> None:
    write(tmp_path, "link_example.yaml", GOOD)
    assert lint(tmp_path) == []


def test_unknown_field(tmp_path: Path) -> None:
    write(tmp_path, "link_example.yaml", GOOD + "colour: red\n")
    problems = lint(tmp_path)
    assert any("unknown field 'colour'" in p and ":12" in p for p in problems), problems


def test_syntax_error_has_position(tmp_path: Path) -> None:
    write(tmp_path, "link_example.yaml", GOOD.replace("link_summary.ip_hosts > 0", "link_summary.ip_hosts > (0"))
    problems = lint(tmp_path)
    # the condition starts at line 8 column 12; the error is at the end (column 12 + 26)
    assert any("syntax error" in p and "link_example.yaml:8:38" in p for p in problems), problems


def test_unknown_fact_with_position(tmp_path: Path) -> None:
    write(tmp_path, "link_example.yaml", GOOD.replace("link_summary.ip_hosts > 0", "link_summary.ip_hots > 0"))
    problems = lint(tmp_path)
    assert any("unknown fact 'link_summary.ip_hots'" in p and ":8:12" in p for p in problems), problems


def test_unknown_fact_inside_macro() -> None:
    assert field_problems('links.exists(l, l.hots == "x")')
    assert not field_problems('links.exists(l, l.host == "x")')
    assert field_problems("attachments.exists(a, a.members.exists(m, m.nope))")  # members are strings
    assert field_problems("nosuch.thing")


def test_type_error_found(tmp_path: Path) -> None:
    write(tmp_path, "link_example.yaml", GOOD.replace("link_summary.ip_hosts > 0", 'link_summary.ip_hosts > "0"'))
    assert any("fails on" in p for p in lint(tmp_path))


def test_non_bool_condition(tmp_path: Path) -> None:
    write(tmp_path, "link_example.yaml", GOOD.replace("link_summary.ip_hosts > 0", "link_summary.ip_hosts"))
    assert any("must give true/false" in p for p in lint(tmp_path))


def test_duplicate_id_and_name(tmp_path: Path) -> None:
    write(tmp_path, "link_example.yaml", GOOD)
    write(tmp_path, "link_example2.yaml", GOOD)
    problems = lint(tmp_path)
    assert any("duplicate id 'T-0001'" in p for p in problems)
    assert any("duplicate name" in p for p in problems)


def test_missing_samples(tmp_path: Path) -> None:
    write(tmp_path, "link_example.yaml", GOOD, samples=False)
    problems = lint(tmp_path)
    assert any("no 'hit' samples" in p for p in problems)
    assert any("no 'miss' samples" in p for p in problems)


def test_family_prefix_and_bad_values(tmp_path: Path) -> None:
    text = GOOD.replace("severity: low", "severity: huge").replace("verdict: suspicious", "verdict: doom")
    text = text.replace("[T1566.002]", "[X1]")
    write(tmp_path, "beacon_example.yaml", text)
    problems = "\n".join(lint(tmp_path))
    assert "file name must start with 'link_'" in problems
    assert "severity must be one of" in problems
    assert "verdict must be one of" in problems
    assert "not an ATT&CK technique id" in problems


def test_summary_placeholder_must_be_evidence(tmp_path: Path) -> None:
    write(tmp_path, "link_example.yaml", GOOD.replace("{hosts}", "{nothing}"))
    assert any("'{nothing}'" in p for p in lint(tmp_path))


def test_used_fields() -> None:
    fields = used_fields('beacon_summary.loads > 0 && links.exists(l, l.ip_host && l.host != "")')
    assert fields == ["beacon_summary.loads", "links[].ip_host", "links[].host"]


def test_matches_is_rejected_for_rx() -> None:
    assert any("rx(" in msg for msg, _ in field_problems('content.text.matches("a+")'))
    assert any("rx(" in msg for msg, _ in field_problems('matches(content.text, "a+")'))
    assert not field_problems('rx("a+", content.text)')


@pytest.mark.parametrize("method", ["lowerAscii", "upperAscii", "trim", "substring"])
def test_string_extension_methods_are_refused(method: str) -> None:
    # the engine has no CEL strings extension: these fail on every message at run time
    assert any(method in msg for msg, _ in field_problems(f'content.text.{method}() == "x"'))
