"""``mailward milter`` and ``mailward quarantine list|show|release|delete``."""

from __future__ import annotations

import asyncio
import json
import sys

import click

from mailward.config import ConfigError, load_config
from mailward.gateway.audit import AuditLog
from mailward.gateway.quarantine import FileQuarantine, QuarantineError
from mailward.gateway.settings import GatewaySettings, load_settings


def _settings(config_path: str | None) -> tuple[object, GatewaySettings]:
    try:
        config = load_config(config_path)
        return config, load_settings(config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.option("--listen", default=None, help="inet:HOST:PORT or unix:PATH (default from [gateway] listen).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="Configuration file (TOML).")
@click.option("--workers", type=click.IntRange(min=0), default=None, help="Scanning processes (0 = threads in the milter).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=None, help="Seconds a message may take before the failure policy applies.")
@click.option("--on-failure", type=click.Choice(["tempfail", "accept"]), default=None, help="Internal error or time-out: tempfail (fail closed) or accept with a header (fail open).")
def milter(listen: str | None, config_path: str | None, workers: int | None, timeout: float | None,
           on_failure: str | None) -> None:
    """Run the Postfix milter: scan, defuse, quarantine, reject."""
    from dataclasses import replace

    from mailward.gateway.scanning import ScannerStartError, ScanPool
    from mailward.gateway.server import Gateway, ListenError, parse_listen, run_server

    config, settings = _settings(config_path)
    overrides: dict[str, object] = {}
    if listen is not None:
        overrides["listen"] = listen
    if workers is not None:
        overrides["workers"] = workers
    if timeout is not None:
        overrides["timeout"] = timeout
    if on_failure is not None:
        overrides["on_failure"] = on_failure
    settings = replace(settings, **overrides)  # type: ignore[arg-type]
    try:
        address = parse_listen(settings.listen)
    except ListenError as exc:
        raise click.ClickException(str(exc)) from None
    pool = ScanPool(config, settings)  # type: ignore[arg-type]
    try:
        pool.warm_up()
    except ScannerStartError as exc:
        pool.close()
        raise click.ClickException(str(exc)) from None
    except Exception as exc:
        pool.close()
        raise click.ClickException(f"the scanner did not start: {type(exc).__name__}: {exc}") from None
    audit = AuditLog(settings.audit_log)
    from mailward.gateway.history import open_recorder
    from mailward.store import StoreError

    try:
        recorder = open_recorder(config, settings,  # type: ignore[arg-type]
                                 on_error=lambda reason: audit.record("history-error", reason=reason))
    except StoreError as exc:
        pool.close()
        raise click.ClickException(f"sender history: {exc}") from None
    gateway = Gateway(settings, pool, FileQuarantine(settings.quarantine_dir), audit, history=recorder)

    def ready(where: str) -> None:
        click.echo(f"mailward milter listening on {where}", err=True)

    try:
        asyncio.run(run_server(gateway, address, ready=ready))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {settings.listen}: {exc.strerror or exc}") from None
    finally:
        gateway.close()
        pool.close()


@click.group()
def quarantine() -> None:
    """List, show, release and delete quarantined messages."""


_config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                              help="Configuration file (TOML).")


def _store(config_path: str | None) -> tuple[GatewaySettings, FileQuarantine, AuditLog]:
    _config, settings = _settings(config_path)
    return settings, FileQuarantine(settings.quarantine_dir), AuditLog(settings.audit_log)


@quarantine.command("list")
@_config_option
@click.option("--status", default=None, help="Only entries with this status (held, delivered, rejected, released).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_command(config_path: str | None, status: str | None, fmt: str) -> None:
    """One line per quarantine entry, oldest first."""
    _, store, _audit = _store(config_path)
    for entry in store.entries():
        if status and entry.status != status:
            continue
        if fmt == "json":
            click.echo(json.dumps(entry.to_json(), sort_keys=True))
        else:
            rcpt = ",".join(entry.rcpt_to)
            click.echo(f"{entry.id}  {entry.status:<9} {entry.verdict:<11} {entry.action:<10} "
                       f"{entry.mail_from or '<>'} -> {rcpt}  {entry.subject[:60]}")


@quarantine.command("show")
@_config_option
@click.argument("entry_id")
@click.option("--raw", is_flag=True, help="Write the original message bytes to stdout.")
@click.option("--defused", is_flag=True, help="Write the defused version's bytes to stdout.")
def show_command(config_path: str | None, entry_id: str, raw: bool, defused: bool) -> None:
    """The entry's details (JSON), or its stored bytes."""
    _, store, audit = _store(config_path)
    try:
        entry = store.get(entry_id)
        if raw or defused:
            digest = entry.defused_sha256 if defused else entry.sha256
            if not digest:
                raise click.ClickException(f"{entry_id} has no defused version")
            data = store.get_bytes(digest)
            audit.record("viewed", id=entry_id, sha256=digest, defused=defused)  # who read held mail
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
    except QuarantineError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(entry.to_json(), sort_keys=True, indent=2))


@quarantine.command("release")
@_config_option
@click.argument("entry_id")
@click.option("--defused", is_flag=True, help="Send the defused version instead of the original.")
@click.option("--to", "rcpt", multiple=True,
              help="Send only to this recipient (repeatable). One the message was not addressed to needs "
                   "--confirm-other-recipients.")
@click.option("--confirm-other-recipients", is_flag=True,
              help="Confirm sending to recipients the message was not addressed to (audited).")
def release_command(config_path: str | None, entry_id: str, defused: bool, rcpt: tuple[str, ...],
                    confirm_other_recipients: bool) -> None:
    """Send a held message on to its recorded recipients via the next hop (release_host:release_port)."""
    import getpass

    from mailward.gateway.release import ReleaseError, release

    settings, store, audit = _store(config_path)
    try:
        by = f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        by = "cli"
    try:
        entry = release(store, audit, settings, entry_id, defused=defused, rcpt_to=rcpt,
                        confirm_other_recipients=confirm_other_recipients, by=by)
    except (QuarantineError, ReleaseError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"released {entry.id} to {settings.release_host}:{settings.release_port}")


@quarantine.command("delete")
@_config_option
@click.argument("entry_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_command(config_path: str | None, entry_id: str, yes: bool) -> None:
    """Delete an entry and, when no other entry uses them, its stored bytes."""
    _, store, audit = _store(config_path)
    if not yes:
        click.confirm(f"Delete quarantine entry {entry_id} and its stored message?", abort=True)
    try:
        entry = store.delete(entry_id)
    except QuarantineError as exc:
        raise click.ClickException(str(exc)) from None
    audit.record("deleted", id=entry.id, sha256=entry.sha256, defused_sha256=entry.defused_sha256)
    click.echo(f"deleted {entry.id}")


__all__ = ["milter", "quarantine"]
