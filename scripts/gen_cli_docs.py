"""Regenerate the reference part of docs/cli.md from the click commands.

    python scripts/gen_cli_docs.py          # rewrite docs/cli.md
    python scripts/gen_cli_docs.py --check  # exit 1 when docs/cli.md is stale

tests/test_docs.py fails when a command or option is undocumented.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

from mailward.cli import cli

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
MARK = "<!-- generated below by scripts/gen_cli_docs.py: do not edit by hand -->"


def walk(command: click.Command, path: list[str]) -> Iterator[tuple[list[str], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, [*path, name])


def reference() -> str:
    out: list[str] = [MARK, ""]
    for path, command in walk(cli, ["mailward"]):
        out.append(f"### `{' '.join(path)}`")
        out.append("")
        ctx = click.Context(command, info_name=" ".join(path))
        out.append("```")
        out.append(command.get_usage(ctx).strip())
        out.append("```")
        out.append("")
        if command.help:
            out.append(click.unstyle(command.help).strip().replace("\b\n", ""))
            out.append("")
        params = [p for p in command.params if isinstance(p, click.Option) and not p.hidden]
        if params:
            out.append("| option | meaning |")
            out.append("|---|---|")
            for param in params:
                names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
                helptext = (param.help or "").replace("|", "\\|").replace("\n", " ")
                out.append(f"| {names} | {helptext} |")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def render() -> str:
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    head = current.split(MARK)[0] if MARK in current else current
    return head.rstrip() + "\n\n" + reference()


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if DOC.read_text(encoding="utf-8") == text else 1)
    DOC.write_text(text, encoding="utf-8")
