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
