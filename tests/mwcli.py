"""``mailward ARGS`` run inside the test process, for tests about what a command does.

A subprocess pays Python start-up, the imports and the rule and reference-data loading
(about 2 s of CPU) on every call; click's CliRunner runs the same command object with
the same arguments and gives the same exit code, stdout and stderr. Tests about the
installed entry point itself (start-up imports, the process's own behaviour) keep
running ``mailward`` as a subprocess.
"""

from __future__ import annotations

import subprocess

from click.testing import CliRunner

from mailward.cli import cli


def mailward(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``mailward ARGS``; an exception inside the command fails the test with its traceback."""
    result = CliRunner().invoke(cli, list(args), prog_name="mailward", catch_exceptions=False)
    return subprocess.CompletedProcess(["mailward", *args], result.exit_code, result.stdout, result.stderr)
