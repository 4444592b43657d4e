"""docs/sharing.md documents every export and intel command and option."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from mailward.share.cli import export, intel

DOC = (Path(__file__).resolve().parents[2] / "docs" / "sharing.md").read_text()


def _commands():
    for group in (export, intel):
        for name, command in group.commands.items():
            yield f"{group.name} {name}", command


@pytest.mark.parametrize(("name", "command"), list(_commands()), ids=lambda v: v if isinstance(v, str) else "")
def test_command_and_options_are_documented(name, command):
    assert f"mailward {name}" in DOC, name
    for param in command.params:
        if isinstance(param, click.Option):
            longest = max(param.opts, key=len)
            assert longest in DOC, f"{name}: {longest} is not in docs/sharing.md"
