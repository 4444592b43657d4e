"""``mailward.yamlload``: libyaml's safe loader gives the data files the values PyYAML's pure-Python one gives."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

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


RULE_FILES = sorted((Path(__file__).resolve().parents[2] / "src/mailward/rules/builtin").glob("*.yaml"))


def _shape(node: yaml.Node) -> object:
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.value, node.style, node.start_mark.line, node.start_mark.column)
    if isinstance(node, yaml.MappingNode):
        return (node.tag, [(_shape(k), _shape(v)) for k, v in node.value])
    return (node.tag, [_shape(v) for v in node.value])


def test_compose_and_load_gives_what_compose_and_load_give_on_every_rule_file() -> None:
    assert len(RULE_FILES) > 100
    for path in RULE_FILES:
        text = path.read_text("utf-8")
        node, data = yamlload.compose_and_load(text)
        assert data == yaml.safe_load(text), path.name
        assert _shape(node) == _shape(yaml.compose(text, Loader=yamlload.SAFE_LOADER)), path.name


def test_compose_and_load_of_nothing_and_of_broken_yaml() -> None:
    assert yamlload.compose_and_load("") == (None, None)
    with pytest.raises(yaml.YAMLError):
        yamlload.compose_and_load("a: [1, 2\n")
    with pytest.raises(yaml.YAMLError):
        yamlload.compose_and_load("a: 1\n---\nb: 2\n")  # one document only, as yaml.load
