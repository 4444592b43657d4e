"""``mailward hunt``, ``mailward campaigns`` and ``mailward targets``."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click

from mailward.config import Config, ConfigError, load_config
from mailward.store import Campaign, Store, StoreError, Target, open_store


def _fail(message: str) -> None:
    click.echo(f"mailward: {message}", err=True)
    sys.exit(2)


def _open(config_path: str | None, db: str | None) -> tuple[Config, Store]:
    from mailward.budget import time_budget_from

    try:
        config = load_config(config_path)
        time_budget_from(config)  # a bad [limits] time_budget is reported here, not per message
        return config, open_store(db, config=config)
    except (ConfigError, StoreError) as exc:
        _fail(str(exc))
        raise AssertionError from exc  # unreachable


_config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file (TOML).")
_db_option = click.option("--db", help="Store URL: sqlite:///PATH or postgresql://... (default: [store] url, else DATA_DIR/mailward.db).")


@click.command()
@click.argument("sources", nargs=-1)
@_config_option
@_db_option
@click.option("--accounts", "accounts_file", type=click.Path(dir_okay=False), help="TOML file listing IMAP mailboxes ([[account]] url, password_env/password_file, owner, folders).")
@click.option("--password-env", metavar="VAR", help="Environment variable holding the IMAP password for IMAP URLs given as arguments.")
@click.option("--password-file", type=click.Path(dir_okay=False), help="File holding the IMAP password for IMAP URLs given as arguments.")
@click.option("--owner", default="", help="Mailbox owner's address (the envelope recipient) for file sources, and for IMAP URLs whose login is not an address.")
@click.option("--ca-file", type=click.Path(dir_okay=False), help="CA bundle for imaps:// servers with a private CA.")
@click.option("-j", "--jobs", type=int, default=0, show_default="all cores", help="Worker processes for parse and scan.")
@click.option("--dask", "dask_address", metavar="tcp://HOST:PORT", help="Spread parse and scan over a Dask cluster (store writes stay here).")
@click.option("--batch", type=click.IntRange(1, 100_000), default=500, show_default=True, help="Messages per store transaction.")
@click.option("--no-cluster", is_flag=True, help="Do not re-cluster campaigns after the hunt (it is skipped anyway when nothing new was scanned).")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: when stderr is a terminal).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def hunt(
    sources: Sequence[str],
    config_path: str | None,
    db: str | None,
    accounts_file: str | None,
    password_env: str | None,
    password_file: str | None,
    owner: str,
    ca_file: str | None,
    jobs: int,
    dask_address: str | None,
    batch: int,
    no_cluster: bool,
    progress: bool | None,
    fmt: str,
) -> None:
    """Retro-hunt mailboxes and archives into the store, then rebuild campaigns.

    SOURCE is imap://USER@HOST[:PORT]/FOLDER or imaps://... (read-only: EXAMINE and
    BODY.PEEK, no flag changes; FOLDER "*" = every folder), a Maildir, an mbox, a
    message file or a directory. Only mail not read by an earlier hunt is scanned.
    """
    from .analysis import WorkerSettings
    from .campaigns import recluster
    from .runner import hunt as run_hunt
    from .sources import (
        FileSource,
        ImapSource,
        SourceError,
        imap_target,
        load_accounts,
        read_password,
    )

    if not sources and not accounts_file:
        _fail("nothing to hunt: give SOURCE arguments or --accounts FILE")
    config, store = _open(config_path, db)
    try:
        hunt_sources: list[Any] = []
        files = [s for s in sources if not s.lower().startswith(("imap://", "imaps://"))]
        urls = [s for s in sources if s.lower().startswith(("imap://", "imaps://"))]
        if urls:
            password = read_password(env=password_env, file=password_file)
            if not password:
                _fail("IMAP sources need --password-env VAR or --password-file FILE")
            hunt_sources += [ImapSource(imap_target(u, password=password, owner=owner, ca_file=ca_file)) for u in urls]
        if accounts_file:
            hunt_sources += [ImapSource(t) for t in load_accounts(accounts_file)]
        if files:
            hunt_sources.append(FileSource(files, owner=owner))
        settings = WorkerSettings(dict(config.data), str(config.path) if config.path else None, store.keep_bodies)
        stats = run_hunt(store, hunt_sources, settings, jobs=jobs, dask=dask_address, progress=progress, batch=batch)
        # nothing new, nothing to re-cluster (a nightly hunt over quiet mailboxes stays cheap)
        cluster_stats = None
        if not no_cluster and stats.messages:
            from mailward.alerts.events import diff, snapshot

            before = snapshot(store)
            cluster_stats = recluster(store, config=config)
            _alert(diff(before, snapshot(store), {c.id: c for c in store.campaigns(kind="attack")}), config)
    except SourceError as exc:
        _fail(str(exc))
        return
    finally:
        store.close()
    out = stats.to_json()
    _report_skipped([s.skipped for s in hunt_sources if isinstance(s, FileSource)], out)
    if cluster_stats is not None:
        out["campaigns"] = cluster_stats.campaigns
        out["benign_groups"] = cluster_stats.benign_groups
        out["cluster_seconds"] = round(cluster_stats.seconds, 3)
        out["copy_tokens"] = cluster_stats.copy_tokens
        out["copy_token_verdicts_raised"] = cluster_stats.copy_token_raised
    if fmt == "json":
        click.echo(json.dumps(out, indent=2))
        return
    verdicts = ", ".join(f"{k} {v}" for k, v in out["verdicts"].items()) or "none"
    click.echo(f"scanned {stats.messages} new messages in {stats.seconds:.1f} s ({stats.rate:.0f}/s): {verdicts}")
    if cluster_stats is not None:
        click.echo(f"{cluster_stats.campaigns} campaigns, {cluster_stats.benign_groups} benign groups")


def _alert(events: Sequence[Any], config: Config) -> None:
    """Campaigns a hunt found or grew go to the configured alert channels (background)."""
    if not events:
        return
    from mailward.alerts.dispatch import send_events

    send_events(events, config)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def _campaign_table(items: Sequence[Campaign]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for col in ("id", "verdict", "name", "messages", "targets", "first seen", "last seen", "ATT&CK"):
        table.add_column(col)
    for c in items:
        table.add_row(
            c.id, c.verdict, c.name, str(c.message_count), str(c.target_count),
            _when(c.first_seen), _when(c.last_seen), " ".join(c.attack),
        )
    Console(width=200).print(table)


@click.group(invoke_without_command=True)
@_config_option
@_db_option
@click.option("--all", "show_all", is_flag=True, help="Include benign bulk-mail groups.")
@click.option("--min-messages", type=int, default=1, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def campaigns(ctx: click.Context, config_path: str | None, db: str | None, show_all: bool, min_messages: int, fmt: str) -> None:
    """Campaigns found by hunts (``campaigns list`` is the default, ``campaigns show ID``)."""
    ctx.ensure_object(dict)
    ctx.obj.update(config_path=config_path, db=db, show_all=show_all, min_messages=min_messages, fmt=fmt)
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_campaigns)


@campaigns.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None)
@click.pass_context
def list_campaigns(ctx: click.Context, fmt: str | None = None) -> None:
    """List campaigns, strongest verdict first."""
    opts = ctx.obj
    _config, store = _open(opts["config_path"], opts["db"])
    with store:
        items = [c for c in store.campaigns(kind=None if opts["show_all"] else "attack") if c.message_count >= opts["min_messages"]]
    if (fmt or opts["fmt"]) == "json":
        click.echo(json.dumps([c.to_json() for c in items], indent=2))
    elif not items:
        click.echo("no campaigns found (run `mailward hunt` first)")
    else:
        _campaign_table(items)


@campaigns.command("show")
@click.argument("campaign_id")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None)
@click.pass_context
def show_campaign(ctx: click.Context, campaign_id: str, fmt: str | None = None) -> None:
    """One campaign: infrastructure, indicators, targets and messages."""
    opts = ctx.obj
    _config, store = _open(opts["config_path"], opts["db"])
    with store:
        found = store.campaign(campaign_id)
        if found is None:
            _fail(f"no campaign {campaign_id!r} (see `mailward campaigns`)")
            return
        messages = store.campaign_messages(found.id)
    if (fmt or opts["fmt"]) == "json":
        out = found.to_json()
        out["messages"] = [
            {k: m.to_json()[k] for k in ("id", "source", "mailbox", "message_id", "date", "from", "subject", "verdict", "recipients")}
            for m in messages
        ]
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(f"{found.id}  {found.name}")
    click.echo(f"  verdict      {found.verdict}   ({found.kind})")
    click.echo(f"  seen         {_when(found.first_seen)} .. {_when(found.last_seen)}")
    click.echo(f"  messages     {found.message_count}   targets {found.target_count}")
    click.echo(f"  senders      {', '.join(found.senders[:10])}")
    click.echo(f"  claims to be {', '.join(found.identities[:5])}")
    click.echo(f"  ATT&CK       {' '.join(found.attack) or '-'}")
    click.echo(f"  linked by    {', '.join(found.links[:6]) or '-'}")
    click.echo("  indicators")
    for ind in found.indicators[:40]:
        click.echo(f"    {ind['kind']:<8} {ind['value']}")
    if len(found.indicators) > 40:
        click.echo(f"    ... {len(found.indicators) - 40} more (--format json)")
    click.echo("  targets")
    for t in found.targets:
        click.echo(f"    {t}")
    click.echo("  messages")
    for m in messages[:50]:
        click.echo(f"    {_when(m.date)}  {m.verdict:<10} {m.from_addr} -> {', '.join(m.recipients)}  {m.subject[:60]}")


@click.command()
@_config_option
@_db_option
@click.option("--all", "show_all", is_flag=True, help="Also list roster people no campaign reached.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def targets(config_path: str | None, db: str | None, show_all: bool, fmt: str) -> None:
    """Who was targeted, by which campaigns and when, with names and roles from the roster."""
    from .roster import load_roster

    config, store = _open(config_path, db)
    try:
        roster = load_roster(config)
    except ConfigError as exc:
        _fail(str(exc))
        return
    with store:
        found: list[Target] = store.targets(roster, include_untouched=show_all)
    if fmt == "json":
        click.echo(json.dumps([t.to_json() for t in found], indent=2))
        return
    if not found:
        click.echo("no targets found (run `mailward hunt` first)")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for col in ("address", "name", "role", "campaigns", "first seen", "last seen"):
        table.add_column(col)
    for t in found:
        table.add_row(
            t.address, t.name or "-", t.role or "-",
            ", ".join(f"{c.campaign_id} ({c.messages})" for c in t.campaigns) or "-",
            _when(t.first_seen), _when(t.last_seen),
        )
    Console(width=220).print(table)


def _report_skipped(skipped: list[Any], out: dict[str, Any]) -> None:
    """Say what the file sources' walk left out (``hunt.sources.Skipped``): nothing unsaid."""
    for key, kind, said in (
        ("links_not_followed", "links", "symbolic link(s) below the sources not followed ({}); "
                                        "name a link as a source to read it"),
        ("unreadable_files", "unreadable", "file(s) or folder(s) below the sources could not be read ({}); "
                                           "the next hunt tries them again"),
    ):
        tallies = [getattr(s, kind) for s in skipped if getattr(s, kind).count]
        if tallies:
            out[key] = sum(t.count for t in tallies)
            examples = "; ".join(e for t in tallies for e in t.examples)
            click.echo(f"mailward: {out[key]} " + said.format(f"e.g. {examples}"), err=True)
