"""Keep the docs honest: every command and option is documented."""

from __future__ import annotations

import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import gen_cli_docs  # noqa: E402

from mailward.cli import cli  # noqa: E402


def test_every_command_and_option_is_in_docs_cli_md() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = []
    for path, command in gen_cli_docs.walk(cli, ["mailward"]):
        if f"`{' '.join(path)}`" not in text:
            missing.append(" ".join(path))
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                for opt in param.opts:
                    if f"`{opt}`" not in text:
                        missing.append(f"{' '.join(path)} {opt}")
    assert not missing, f"undocumented in docs/cli.md (run scripts/gen_cli_docs.py): {missing}"


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[:400]
    assert "make demo" in head and "make test" in head


def test_docs_links_resolve() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    import re

    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if "://" in target:
            continue
        assert (ROOT / target).exists(), f"README links to missing {target}"
