"""``mailward scan``: scan files, directories, mbox files, Maildirs or stdin.

Exit codes (docs/cli.md):
  0  every message scanned, none at or above ``--fail-on``
  1  at least one message at or above ``--fail-on``
  2  usage error, bad configuration, a missing path, or inputs that could not be read
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import IO

import click

from ..config import Config, ConfigError, load_config
from ..model import Envelope
from ..pipeline import with_model
from ..result import Verdict
from ..sources import RawMessage, SourceNotFound, UnreadableSource, check_paths, iter_sources
from . import Scanner

EXIT_OK, EXIT_FAIL_ON, EXIT_ERROR = 0, 1, 2
_CHUNK = 8  # messages per task sent to a worker process

# -- worker side ------------------------------------------------------------------

_worker_scanner: Scanner | None = None
_worker_envelope: Envelope | None = None


def _warm_scanner(config: Config, recipients: tuple[str, ...]) -> None:
    """Build the scanner once in the parent; forked workers inherit it, compiled and warm."""
    global _worker_scanner, _worker_envelope
    _worker_scanner = Scanner(config)
    _worker_envelope = Envelope(rcpt_to=recipients) if recipients else None
    _worker_scanner.scan_bytes(_WARM_UP, "warm-up")  # loads lazily compiled reference data


_WARM_UP = (
    b"From: Warm Up <warm@example.org>\r\nTo: a@example.org\r\nSubject: warm-up\r\n"
    b"Content-Type: text/html\r\n\r\n<p>hi</p><a href=\"https://example.org/\">x</a>\r\n"
)


def _scan_chunk(chunk: list[tuple[str, bytes]]) -> list[dict[str, object]]:
    assert _worker_scanner is not None
    return [
        _worker_scanner.scan_bytes(data, source, _worker_envelope).to_json() for source, data in chunk
    ]


def _chunks(items: Iterable[RawMessage | UnreadableSource], errors: list[UnreadableSource]) -> Iterator[list[tuple[str, bytes]]]:
    chunk: list[tuple[str, bytes]] = []
    for item in items:
        if isinstance(item, UnreadableSource):
            errors.append(item)
            click.echo(f"mailward: {item.source}: {item.error}", err=True)
            continue
        chunk.append((item.source, item.data))
        if len(chunk) >= _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def scan_records(
    paths: list[str], config: Config, jobs: int, recipients: tuple[str, ...], errors: list[UnreadableSource]
) -> Iterator[dict[str, object]]:
    """Scan every message under ``paths``; yield JSON records in input order."""
    items = iter_sources(paths)
    if jobs <= 1:
        scanner = Scanner(config)
        envelope = Envelope(rcpt_to=recipients) if recipients else None
        for chunk in _chunks(items, errors):
            for source, data in chunk:
                yield scanner.scan_bytes(data, source, envelope).to_json()
        return
    # fork: workers share the parent's warm scanner (rules compiled, reference data loaded)
    # instead of paying seconds of start-up each
    _warm_scanner(config, recipients)
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs) as pool:
        for records in pool.imap(_scan_chunk, _chunks(items, errors), chunksize=1):
            yield from records


# -- output -----------------------------------------------------------------------

_VERDICT_STYLE = {
    "clean": "green",
    "tracking": "cyan",
    "suspicious": "yellow",
    "recon": "bold red",
    "phishing": "bold red",
    "malicious": "bold magenta",
    "unscannable": "bold yellow",
}


def _top(record: dict[str, object]) -> str:
    findings = record.get("findings") or []
    assert isinstance(findings, list)
    ranked = sorted(findings, key=lambda f: -float(f.get("score", 0) or 0))
    names = [str(f["rule"]) for f in ranked if f.get("severity") != "info"][:3]
    beacons = record.get("beacons") or []
    assert isinstance(beacons, list)
    if beacons:
        operators = sorted({str(b.get("operator", "")) for b in beacons})
        names.append(f"{len(beacons)} beacon(s): " + ", ".join(operators[:3]))
    if record.get("verdict") == "unscannable":
        names.append(str(record.get("reason", "")))
    return "; ".join(names)


class TableWriter:
    """Rich table output, printed in blocks so memory stays flat on long runs."""

    def __init__(self, stream: IO[str], block: int = 500) -> None:
        from rich.console import Console

        self.console = Console(file=stream, soft_wrap=False)
        self.block = block
        self.rows: list[dict[str, object]] = []
        self.first = True

    def write(self, record: dict[str, object]) -> None:
        self.rows.append(record)
        if len(self.rows) >= self.block:
            self.flush()

    def flush(self) -> None:
        from rich.table import Table

        if not self.rows:
            return
        table = Table(show_header=self.first, header_style="bold", expand=False, pad_edge=False)
        table.add_column("verdict", no_wrap=True, min_width=11)
        table.add_column("score", justify="right", min_width=5, no_wrap=True)
        table.add_column("from", overflow="ellipsis", max_width=34, no_wrap=True)
        table.add_column("subject", overflow="ellipsis", max_width=40, no_wrap=True)
        table.add_column("findings", overflow="fold", max_width=60)
        for record in self.rows:
            verdict = str(record["verdict"])
            table.add_row(
                f"[{_VERDICT_STYLE.get(verdict, '')}]{verdict}[/]",
                f"{float(record['score']):.1f}",  # type: ignore[arg-type]
                str(record.get("sender") or "?"),
                str(record.get("subject") or ""),
                _top(record),
            )
        self.console.print(table)
        self.rows = []
        self.first = False


# -- the command ------------------------------------------------------------------


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Output format; default: table on a terminal, JSON Lines otherwise.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="TOML configuration file (default: $MAILWARD_CONFIG or embedded defaults).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Worker processes (0 = all cores).")
@click.option("--fail-on", type=click.Choice([v.value for v in Verdict]), default=None,
              help="Exit 1 when any message gets this verdict or a worse one.")
@click.option("--recipient", "recipients", multiple=True,
              help="Envelope recipient of the scanned messages (repeatable); improves per-recipient token detection.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None,
              help="A content model from `mailward learn` (overrides [model] path; docs/model.md).")
def scan(paths: tuple[str, ...], fmt: str | None, config_path: str | None, jobs: int,
         fail_on: str | None, recipients: tuple[str, ...], progress: bool | None,
         model_path: str | None) -> None:
    """Scan messages for beacons, impersonation and phishing.

    PATHS are files, directories (every message below them), mbox files, Maildirs,
    or - for standard input. Nothing a message points to is ever fetched.
    """
    try:
        config = with_model(load_config(config_path), model_path)
        check_paths(paths)
    except (ConfigError, SourceNotFound) as exc:
        click.echo(f"mailward: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else "json"
    if jobs == 0:
        jobs = os.cpu_count() or 1
    if paths == ("-",):
        jobs = 1
    show_progress = sys.stderr.isatty() if progress is None else progress
    errors: list[UnreadableSource] = []
    counts: Counter[str] = Counter()
    threshold = Verdict(fail_on) if fail_on else None
    failed = False
    table = TableWriter(sys.stdout) if fmt == "table" else None

    records = scan_records(list(paths), config, jobs, recipients, errors)
    if show_progress:
        records = _with_progress(records)
    try:
        for record in records:
            verdict = Verdict(str(record["verdict"]))
            counts[verdict.value] += 1
            if threshold is not None and (
                verdict is threshold or (threshold is not Verdict.UNSCANNABLE and verdict.rank >= threshold.rank)
            ):
                failed = True
            if table is not None:
                table.write(record)
            else:
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if table is not None:
            table.flush()
        sys.stdout.flush()
    total = sum(counts.values())
    if fmt == "table" or show_progress:
        parts = ", ".join(f"{counts[v.value]} {v.value}" for v in Verdict if counts[v.value])
        click.echo(f"{total} message(s) scanned: {parts or 'none'}", err=True)
    if errors:
        click.echo(f"mailward: {len(errors)} input(s) could not be read", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FAIL_ON if failed else EXIT_OK)


def _with_progress(records: Iterator[dict[str, object]]) -> Iterator[dict[str, object]]:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.completed} messages"), BarColumn(bar_width=None), TimeElapsedColumn())
    with Progress(*columns, transient=True, console=Console(stderr=True), redirect_stdout=False) as bar:
        task = bar.add_task("scan", total=None)
        for record in records:
            bar.advance(task)
            yield record

