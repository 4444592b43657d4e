"""The ``mailward`` command: a thin shell over the library.

Commands live in the modules that own them and are loaded lazily, so that
``mailward scan`` does not import the web framework or the database layer. A
feature adds itself by adding one line to ``_COMMANDS``; docs/cli.md documents
every command and option (tests/test_docs.py fails when one is missing).
"""

from __future__ import annotations

import importlib
import sys

import click

# command name -> "module:attribute" of a click.Command
_COMMANDS: dict[str, str] = {
    "scan": "mailward.scan.cli:scan",
    "explain": "mailward.rules.cli:explain",
    "demo": "mailward.demo.cli:demo",
    "rules": "mailward.rules.cli:rules",
    "eval": "mailward.evaluate:eval_command",
    "hunt": "mailward.hunt.cli:hunt",
    "campaigns": "mailward.hunt.cli:campaigns",
    "targets": "mailward.hunt.cli:targets",
    "db": "mailward.store.cli:db",
    "milter": "mailward.gateway.cli:milter",
    "quarantine": "mailward.gateway.cli:quarantine",
    "export": "mailward.share.cli:export",
    "intel": "mailward.share.cli:intel",
    "rescan": "mailward.share.cli_retro:rescan",
    "notify": "mailward.notify.cli:notify",
    "serve": "mailward.web.cli:serve",
    "token": "mailward.web.cli:token",
    "learn": "mailward.learn.cli:learn",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in _COMMANDS if self._load(name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = _COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # a feature that is not installed in this build; anything else is a bug
            if exc.name and (exc.name == module_name or module_name.startswith(exc.name + ".")):
                return None
            raise
        command = getattr(module, attr, None)
        return command if isinstance(command, click.Command) else None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mailward")
def cli() -> None:
    """mailward: find, defuse and share reconnaissance beacons and impersonation in email.

    mailward never fetches anything a message points to.
    """


def main() -> None:
    try:
        cli.main(prog_name="mailward")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
