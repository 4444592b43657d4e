"""``mailward intel matches`` and ``mailward rescan``; the retro-match after imports."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import click

from mailward.config import Config


def report_rematch(report: Any, fmt: str = "table") -> None:
    """One line (or a JSON object on stderr for json output) about a retro-match."""
    if fmt == "json":
        click.echo(json.dumps({"retro_match": report.to_json()}))
        return
    click.echo(
        f"retro-match: {report.indicators} indicators against the store in {report.match_seconds:.2f} s: "
        f"{report.new_matches} new matches in {report.messages} messages, {report.changed} verdicts changed"
        + (f", {report.not_reevaluated} without stored rule facts (hunt them again)" if report.not_reevaluated else ""),
        err=fmt != "table",
    )
    for event in report.events:
        click.echo(f"  {event.title}")


def run_rematch(store: Any, config: Config, fmt: str = "table") -> Any:
    from mailward.share.retromatch import rematch

    report = rematch(store, config)
    report_rematch(report, fmt)
    return report


def _since(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: use an ISO date (2026-03-01) or date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def register(intel: click.Group) -> None:
    @intel.command("matches")
    @click.option("--source", metavar="NAME", help="Only indicators from this source.")
    @click.option("--since", metavar="DATE", help="Only matches found at or after this ISO date.")
    @click.option("--limit", type=int, default=0, help="At most this many (0: all).")
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
    @click.option("--config", "config_path", metavar="FILE", help="Configuration file.")
    @click.option("--db", metavar="URL", help="Store database URL.")
    def intel_matches(source: str | None, since: str | None, limit: int, fmt: str, config_path: str | None,
                      db: str | None) -> None:
        """Stored messages that an indicator matched (found at import or by a later hunt).

        JSON Lines: sha256 (the message's), indicator, kind, source, confidence,
        matched (the message's value), location, time, message (store id).
        """
        from mailward.share.cli import _config, _open_store
        from mailward.share.retromatch import list_matches

        config = _config(config_path)
        with _open_store(config, db, create=False) as store:
            rows = list_matches(store, source=source, since=_since(since), limit=limit)
        if fmt == "json":
            for row in rows:
                click.echo(json.dumps(row.to_json()))
            return
        if not rows:
            click.echo("no matches", err=True)
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("time", "message sha256", "kind", "source", "conf", "location")
        table.add_column("indicator", overflow="fold")
        for row in rows:
            table.add_row(row.matched_at.strftime("%Y-%m-%d %H:%M"), row.sha256[:16], row.kind, row.indicator_source,
                          str(row.confidence), row.location, row.indicator if row.kind != "body-minhash" else "(body sketch)")
        Console(file=sys.stdout, soft_wrap=True).print(table)


@click.command()
@click.option("--since", metavar="DATE", help="Only messages dated at or after this ISO date.")
@click.option("--no-cluster", is_flag=True, help="Do not rebuild campaigns afterwards.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--config", "config_path", metavar="FILE", help="Configuration file.")
@click.option("--db", metavar="URL", help="Store database URL.")
def rescan(since: str | None, no_cluster: bool, fmt: str, config_path: str | None, db: str | None) -> None:
    """Re-run the current rules over the facts stored for every message (no mailbox is read).

    For when rules, scores or thresholds changed. Messages stored before rule facts
    were kept are counted and left as they are (hunt them again). Campaigns are
    rebuilt when a verdict changed; campaigns found or grown are alerted.
    """
    from mailward.share.cli import _config, _open_store
    from mailward.share.reverdict import rescan as run_rescan

    config = _config(config_path)
    with _open_store(config, db, create=False) as store:
        outcome, events = run_rescan(store, config, since=_since(since), recluster=not no_cluster)
    if fmt == "json":
        out = outcome.to_json()
        out["campaign_events"] = [e.to_json() for e in events]
        click.echo(json.dumps(out, indent=2))
        return
    moves = ", ".join(f"{k} {v}" for k, v in sorted(outcome.transitions.items())) or "none"
    click.echo(f"re-judged {outcome.messages} messages in {outcome.seconds:.1f} s: {outcome.changed} verdicts changed ({moves})")
    if outcome.missing:
        click.echo(f"{outcome.missing} messages have no stored rule facts (hunted before they were kept): hunt them again")
    for event in events:
        click.echo(f"  {event.title}")
