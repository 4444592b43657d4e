"""``mailward db``: upgrade and inspect the store."""

from __future__ import annotations

import json
import sys

import click

from mailward.config import ConfigError, load_config

from .store import StoreError, open_store


@click.group()
def db() -> None:
    """The store (SQLite by default, PostgreSQL by URL)."""


def _store(config_path: str | None, url: str | None, *, upgrade: bool):  # type: ignore[no-untyped-def]
    try:
        return open_store(url, config=load_config(config_path), upgrade=upgrade)
    except (ConfigError, StoreError) as exc:
        click.echo(f"mailward: {exc}", err=True)
        sys.exit(2)


@db.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--db", "url", help="Store URL (default: [store] url, else DATA_DIR/mailward.db).")
def upgrade(config_path: str | None, url: str | None) -> None:
    """Create the store or bring its schema to the newest migration."""
    store = _store(config_path, url, upgrade=True)
    with store:
        info = store.info()
    click.echo(f"{info['url']}: schema at {info['revision']}")


@db.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--db", "url", help="Store URL (default: [store] url, else DATA_DIR/mailward.db).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def info(config_path: str | None, url: str | None, fmt: str) -> None:
    """Where the store is, its schema revision and what it holds."""
    store = _store(config_path, url, upgrade=False)
    with store:
        data = store.info()
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"store     {data['url']}")
    click.echo(f"schema    {data['revision']} (newest {data['head']})")
    click.echo(f"bodies    {'kept' if data['keep_bodies'] else 'not kept'}")
    for key, value in data["counts"].items():
        click.echo(f"{key:<13} {value}")
    if data["verdicts"]:
        click.echo("verdicts  " + ", ".join(f"{k} {v}" for k, v in sorted(data["verdicts"].items())))


@db.command("label")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--db", "url", help="Store URL (default: [store] url, else DATA_DIR/mailward.db).")
@click.argument("sha256")
@click.option("--as", "label", type=click.Choice(["phishing", "ham"]),
              help="What the analyst confirmed the message to be.")
@click.option("--clear", is_flag=True, help="Remove the message's label instead.")
@click.option("--analyst", required=True, metavar="NAME", help="Who confirms it (stored and audited).")
@click.option("--note", default="", help="Why, in a few words (stored with the label).")
def label_command(config_path: str | None, url: str | None, sha256: str, label: str | None, clear: bool,
                  analyst: str, note: str) -> None:
    """Label a stored message (by the SHA-256 of its bytes) as phishing or ham.

    Every stored copy of the message carries the label; `mailward learn --store` trains
    on labelled messages whose bodies were kept. The change is written to the audit log
    ([gateway] audit_log). Exit code 2 when the store holds no such message.
    """
    if clear == (label is not None):
        click.echo("mailward: db label: give either --as phishing|ham or --clear", err=True)
        sys.exit(2)
    from mailward.gateway.audit import AuditLog
    from mailward.gateway.settings import load_settings

    try:
        config = load_config(config_path)
        audit = AuditLog(load_settings(config).audit_log)
        store = open_store(url, config=config)
    except (ConfigError, StoreError) as exc:
        click.echo(f"mailward: {exc}", err=True)
        sys.exit(2)
    with store:
        try:
            if clear:
                removed = store.clear_label(sha256)
                audit.record("label-cleared", sha256=sha256.strip().lower(), by=analyst, had_label=removed)
                click.echo(f"{sha256.strip().lower()}: label {'removed' if removed else 'was not set'}")
                return
            assert label is not None
            done = store.set_label(sha256, label, analyst=analyst, note=note)
        except StoreError as exc:
            click.echo(f"mailward: db label: {exc}", err=True)
            sys.exit(2)
    audit.record("labelled", sha256=done.sha256, label=done.label, by=done.analyst, note=done.note,
                 source="cli")
    body = "body kept" if done.has_body else "no body kept: `learn --store` cannot use it"
    click.echo(f"{done.sha256}: {done.label} ({done.copies} stored cop{'y' if done.copies == 1 else 'ies'}, {body})")


@db.command("labels")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--db", "url", help="Store URL (default: [store] url, else DATA_DIR/mailward.db).")
@click.option("--as", "label", type=click.Choice(["phishing", "ham"]), help="Only this label.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def labels_command(config_path: str | None, url: str | None, label: str | None, fmt: str) -> None:
    """The analyst labels, newest first."""
    store = _store(config_path, url, upgrade=True)
    with store:
        rows = store.labels(label=label)
    for row in rows:
        if fmt == "json":
            click.echo(json.dumps(row.to_json(), sort_keys=True))
        else:
            click.echo(f"{row.sha256}  {row.label:<8} {row.labelled_at:%Y-%m-%d %H:%M}  {row.analyst}  "
                       f"copies={row.copies} body={'yes' if row.has_body else 'no'}  {row.note[:60]}")
