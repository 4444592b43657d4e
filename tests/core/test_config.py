"""The configuration is validated once, and every subsystem reads the same values."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailward.config import Config, ConfigError, load_config
from mailward.identity import IdentitySettings
from mailward.pipeline import Analyser
from mailward.scan import Scanner
from mailward.share.matcher import _own_domains


def test_bare_string_organisation_domain_is_one_domain_everywhere() -> None:
    config = Config({"organisation": {"domains": "Parliament.Example."}})
    assert config.section("organisation")["domains"] == ["parliament.example"]
    assert IdentitySettings.from_config(config).domains == ("parliament.example",)
    assert Analyser(config).org_domains == ("parliament.example",)
    assert _own_domains(config) == ["parliament.example"]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[limits]\nmax_partz = 3\n", "[limits] max_partz: unknown key"),
        ("[limits]\nmax_parts = 'many'\n", "[limits] max_parts: Input should be a valid integer"),
        ("[limits]\nmax_parts = -1\n", "[limits] max_parts"),
        ("[nonsense]\nx = 1\n", "unknown section [nonsense]"),
        ("[policy.thresholds]\ndoom = 1\n", "[policy] thresholds.doom: unknown key"),
        ("[store]\nkeep_bodies = 'yes'\n", "[store] keep_bodies"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "mailward.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_limits_come_from_the_validated_section() -> None:
    assert Scanner(Config({"limits": {"max_parts": 7}})).limits.max_parts == 7
    assert Config({"limits": {}}).section("limits") == {}
    # the time budget sits in [limits] too but is not a parser limit
    assert Scanner(Config({"limits": {"time_budget": 10}})).limits == Scanner().limits


def test_string_lists_are_read_one_way() -> None:
    """identity settings and the rule policy read string lists through one function."""
    from mailward.config import string_list

    assert string_list("Parliament.Example", "organisation.domains", "f.toml", lower=True) == ("parliament.example",)
    assert string_list([" a ", "", "B"], "rules.disable", "f.toml") == ("a", "B")
    with pytest.raises(ConfigError, match=r"f\.toml: rules\.disable must be a list of strings"):
        string_list(["a", 3], "rules.disable", "f.toml")
