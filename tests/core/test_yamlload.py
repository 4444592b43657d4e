"""``mailward.yamlload``: libyaml's safe loader gives the data files the values PyYAML's pure-Python one gives."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from mailward import yamlload

DATA_FILES = sorted(p.name for p in resources.files("mailward.data").iterdir() if p.name.endswith(".yaml"))


def test_the_fast_loader_is_libyamls_safe_loader_when_pyyaml_has_it() -> None:
    assert yaml.__with_libyaml__  # the shared environment has it; without it start-up is ~0.2 s slower
    assert yamlload.SAFE_LOADER is yaml.CSafeLoader


@pytest.mark.parametrize("name", DATA_FILES)
def test_every_data_file_loads_to_the_same_values_as_yaml_safe_load(name: str) -> None:
    text = resources.files("mailward.data").joinpath(name).read_text("utf-8")
    assert yamlload.safe_load(text) == yaml.safe_load(text)


def test_it_refuses_python_object_tags() -> None:
    with pytest.raises(yaml.YAMLError):
        yamlload.safe_load("x: !!python/object/apply:os.system ['true']\n")


def test_scalars_resolve_as_safe_load_resolves_them() -> None:
    text = "a: 1\nb: true\nc: 2026-12-02\nd: '1'\ne: null\nf: 1.5\ng: [x, y]\n"
    assert yamlload.safe_load(text) == yaml.safe_load(text)
    assert yamlload.safe_load(text)["a"] == 1 and yamlload.safe_load(text)["b"] is True
