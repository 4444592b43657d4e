"""``mailward notify CAMPAIGN --out DIR [--send]``: notices to the people a campaign targeted."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mailward.config import ConfigError, load_config


@click.command()
@click.argument("campaign")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Directory for the .eml and .html notices.")
@click.option("--only", "only", multiple=True, metavar="ADDRESS", help="Only this target (repeatable).")
@click.option("--send", is_flag=True, help="Also send each notice through the [smtp] relay (asks for confirmation; audited).")
@click.option("--analyst", metavar="NAME", help="Who confirms the sending (recorded in the audit log); needed with --send.")
@click.option("--yes", is_flag=True, help="Confirm --send without the interactive question (the analyst's name is still required).")
@click.option("--config", "config_path", metavar="FILE", help="Configuration file.")
@click.option("--db", metavar="URL", help="Store database URL.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def notify(campaign: str, out_dir: str, only: tuple[str, ...], send: bool, analyst: str | None, yes: bool,
           config_path: str | None, db: str | None, fmt: str) -> None:
    """Write one notice per person CAMPAIGN targeted: DIR/ADDRESS.eml (ready to send from
    the security team) and DIR/ADDRESS.html (printable).

    Each says, in plain words, which messages they got and when, who the messages pretended
    to be, what opening them would have told the sender, what the team did and what to do
    now. Hosts and addresses are defanged; no tracking URL is ever included.
    """
    from mailward.share.cli import _open_store

    from .notices import NotifyError, NotifySettings, build_notices, send_notices, write_notices

    try:
        config = load_config(config_path)
        settings = NotifySettings.from_config(config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if send and not (analyst or "").strip():
        raise click.UsageError("--send needs --analyst NAME: who confirms the sending is recorded")
    try:
        with _open_store(config, db, create=False) as store:
            notices = build_notices(store, campaign, config)
    except NotifyError as exc:
        raise click.ClickException(str(exc)) from None
    if only:
        wanted = {a.lower() for a in only}
        notices = [n for n in notices if n.address.lower() in wanted]
    if not notices:
        raise click.ClickException("no targeted person to notify")
    written = write_notices(notices, Path(out_dir), settings)
    sent: list[str] = []
    if send:
        from mailward.alerts.smtp import relay_from
        from mailward.gateway.audit import AuditLog
        from mailward.gateway.settings import load_settings

        relay = relay_from(config)
        question = (f"Send {len(notices)} notice(s) from {settings.sender} through {relay.host}:{relay.port} to "
                    f"{', '.join(n.address for n in notices[:5])}{' ...' if len(notices) > 5 else ''}?")
        if not yes and not click.confirm(question, default=False):
            raise click.ClickException("not sent (the notices are in " + out_dir + ")")
        audit = AuditLog(load_settings(config).audit_log)
        try:
            sent = send_notices(notices, config, analyst=str(analyst), audit=audit)
        except NotifyError as exc:
            raise click.ClickException(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps({"campaign": notices[0].campaign_id, "notices": [
            {"address": n.address, "name": n.name, "messages": n.messages, "subject": n.subject,
             "eml": str(Path(out_dir) / f"{n.slug}.eml"), "html": str(Path(out_dir) / f"{n.slug}.html"),
             "sent": n.address in sent} for n in notices]}, indent=2))
        return
    click.echo(f"{len(notices)} notices ({len(written)} files) in {out_dir}" + (f"; sent {len(sent)}" if send else ""))
    for n in notices:
        click.echo(f"  {n.address:<40} {n.messages} message(s){'  sent' if n.address in sent else ''}")
