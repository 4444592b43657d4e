"""``mailward export stix|misp`` and ``mailward intel import|list|remove``: thin shells."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from mailward.config import Config, ConfigError, load_config
from mailward.share.campaign import ExportError, ShareSettings


def _config(path: str | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _write(text: str, output: str | None) -> None:
    if output in (None, "-"):
        click.echo(text)
        return
    try:
        Path(output).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"wrote {output}", err=True)


def _open_store(config: Config, db: str | None, *, create: bool = True) -> Any:
    from mailward.share.intel import IntelError, open_intel_store

    if not create:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        from mailward.store import default_url

        url = db or default_url(config)
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise click.ClickException(f"not a database URL: {url!r}") from None
        database = parsed.database or ""
        if parsed.get_backend_name() == "sqlite" and database and not Path(database).exists():
            raise click.ClickException(f"no store at {database} yet: import indicators or run a hunt first")
    try:
        return open_intel_store(config, db)
    except IntelError as exc:
        raise click.ClickException(str(exc)) from None


def _load_export(campaign: str, config: Config, db: str | None, **overrides: Any) -> Any:
    from mailward.share.campaign import load_export, roster_from_config

    try:
        settings = ShareSettings.from_config(config, **overrides)
        with _open_store(config, db, create=False) as store:
            export = load_export(store, campaign, settings, roster=roster_from_config(config))
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    if export.withheld:
        detail = ", ".join(f"{n} {reason}" for reason, n in sorted(export.withheld.items()))
        click.echo(f"left out to protect targets or invalid: {detail}", err=True)
    return export


_common = [
    click.argument("campaign"),
    click.option("-o", "--output", metavar="FILE", help="Write here instead of standard output."),
    click.option("--config", "config_path", metavar="FILE", help="Configuration file."),
    click.option("--db", metavar="URL", help="Store database URL (default: the configured store)."),
    click.option("--tlp", metavar="LEVEL", help="TLP level: clear, green, amber (default), amber+strict (MISP only), red; default [share] tlp."),
    click.option("--attribute-to", metavar="NAME", help="Attribute the campaign to this intrusion set / threat actor."),
    click.option("--include-targets", is_flag=True, help="Include the targets' names and addresses (left out by default)."),
]


def _with_common(func: Any) -> Any:
    for decorator in reversed(_common):
        func = decorator(func)
    return func


@click.group()
def export() -> None:
    """Share a campaign: STIX 2.1 bundle or MISP event."""


@export.command("stix")
@_with_common
def export_stix(
    campaign: str,
    output: str | None,
    config_path: str | None,
    db: str | None,
    tlp: str | None,
    attribute_to: str | None,
    include_targets: bool,
) -> None:
    """Export CAMPAIGN (id or unique id prefix) as a STIX 2.1 bundle."""
    from mailward.share.stix import bundle_json

    config = _config(config_path)
    exported = _load_export(
        campaign, config, db, tlp=tlp, attribute_to=attribute_to, include_targets=include_targets
    )
    try:
        text = bundle_json(exported)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    _write(text, output)


@export.command("misp")
@_with_common
@click.option("--push", "push_url", metavar="URL", help="Send the event to this MISP server (POST /events/add).")
@click.option("--key-env", default="MISP_KEY", show_default=True, metavar="VAR", help="Environment variable holding the MISP API key.")
@click.option("--no-verify-tls", is_flag=True, help="Do not verify the MISP server's TLS certificate.")
def export_misp(
    campaign: str,
    output: str | None,
    config_path: str | None,
    db: str | None,
    tlp: str | None,
    attribute_to: str | None,
    include_targets: bool,
    push_url: str | None,
    key_env: str,
    no_verify_tls: bool,
) -> None:
    """Export CAMPAIGN (id or unique id prefix) as a MISP event (JSON), or push it."""
    from mailward.share.misp import event_json, push_event

    config = _config(config_path)
    exported = _load_export(
        campaign, config, db, tlp=tlp, attribute_to=attribute_to, include_targets=include_targets
    )
    if push_url:
        try:
            event_id = push_event(
                exported, push_url, os.environ.get(key_env, ""), verify_tls=not no_verify_tls
            )
        except ExportError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"pushed to {push_url}: event {event_id}", err=True)
        if output:
            _write(event_json(exported), output)
        return
    _write(event_json(exported), output)


@export.command("fingerprints")
@click.argument("campaign")
@click.option("--out", "-o", "--output", "output", metavar="FILE", help="Write here instead of standard output.")
@click.option("--config", "config_path", metavar="FILE", help="Configuration file.")
@click.option("--db", metavar="URL", help="Store database URL (default: the configured store).")
@click.option("--tlp", metavar="LEVEL", help="TLP level: clear, green, amber (default), red; default [share] tlp.")
def export_fingerprints(campaign: str, output: str | None, config_path: str | None, db: str | None,
                        tlp: str | None) -> None:
    """Export CAMPAIGN's fingerprint (STIX 2.1): what lets a peer find the same campaign in its
    own mail without revealing any recipient, subject, body text or token."""
    from mailward.share.campaign import roster_from_config
    from mailward.share.fingerprints import build_fingerprint, fingerprint_json

    config = _config(config_path)
    try:
        settings = ShareSettings.from_config(config, tlp=tlp)
        with _open_store(config, db, create=False) as store:
            found = build_fingerprint(store, campaign, settings, roster=roster_from_config(config))
        text = fingerprint_json(found)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in found.counts().items())
    click.echo(f"fingerprint of {found.export.id}: {counts}", err=True)
    _write(text, output)


# -- intel ------------------------------------------------------------------


def _parse_expiry(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    text = value.strip().lower()
    now = dt.datetime.now(dt.UTC)
    units = {"d": 1, "w": 7}
    if text[:-1].isdigit() and text[-1] in units:
        return now + dt.timedelta(days=int(text[:-1]) * units[text[-1]])
    if text.isdigit():
        return now + dt.timedelta(days=int(text))
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: use days (30, 30d, 4w) or an ISO date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


TABLE_ROWS = 1000  # a table longer than this is not read by anyone


@click.group()
def intel() -> None:
    """Known indicators: import feeds, list them, remove them."""


@intel.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="FILE|DIR...")
@click.option("--source", metavar="NAME", help="Source name (default: the producer named in the file, else the file name).")
@click.option("--confidence", type=click.IntRange(0, 100), default=50, show_default=True, help="Confidence when the file gives none.")
@click.option("--expires", metavar="DAYS|DATE", help="Expire after this many days (30, 30d, 4w) or at this ISO date.")
@click.option("--all-attributes", is_flag=True, help="MISP: also import attributes not marked for detection (to_ids false).")
@click.option("--config", "config_path", metavar="FILE", help="Configuration file.")
@click.option("--db", metavar="URL", help="Store database URL.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--no-match", is_flag=True, help="Do not match the stored messages now (the next import or `intel rematch` will).")
def intel_import(
    paths: tuple[str, ...],
    source: str | None,
    confidence: int,
    expires: str | None,
    all_attributes: bool,
    config_path: str | None,
    db: str | None,
    fmt: str,
    no_match: bool,
) -> None:
    """Import STIX 2.1 bundles, MISP event JSON and plain lists (one indicator per line),
    then match every stored message against them at once (retro-match).

    A directory imports every file below it; "-" reads standard input.
    """
    from mailward.share.cli_retro import run_rematch
    from mailward.share.intel import IntelError, import_path

    config = _config(config_path)
    expires_at = _parse_expiry(expires)
    reports = []
    with _open_store(config, db) as store:
        for path in paths:
            if path == "-":
                reports.append(_import_stdin(store, source, confidence, expires_at, all_attributes))
                continue
            try:
                reports.extend(
                    import_path(
                        store,
                        Path(path),
                        source=source,
                        confidence=confidence,
                        expires_at=expires_at,
                        all_attributes=all_attributes,
                    )
                )
            except IntelError as exc:
                raise click.ClickException(str(exc)) from None
        _print_reports(reports, fmt)
        if not no_match:
            run_rematch(store, config, fmt)


def _print_reports(reports: list[Any], fmt: str) -> None:
    if fmt == "json":
        for r in reports:
            click.echo(json.dumps({"path": r.path, "format": r.format, "source": r.source, "added": r.added, "updated": r.updated, "problems": list(r.problems)}))
        return
    for r in reports:
        click.echo(f"{r.path}: {r.format}, source {r.source!r}: {r.added} added, {r.updated} refreshed, {len(r.problems)} skipped")
        for problem in r.problems[:20]:
            click.echo(f"  skipped: {problem}", err=True)
        if len(r.problems) > 20:
            click.echo(f"  ... and {len(r.problems) - 20} more", err=True)


def _import_stdin(
    store: Any, source: str | None, confidence: int, expires_at: dt.datetime | None, all_attributes: bool
) -> Any:
    from mailward.share.intel import ImportReport, IntelError, add_indicators, read_feed

    try:
        feed = read_feed(sys.stdin.buffer.read(), "-", all_attributes=all_attributes)
        name = source or feed.producer or "stdin"
        added, updated = add_indicators(
            store, feed.indicators, source=name, confidence=confidence, expires_at=expires_at
        )
    except IntelError as exc:
        raise click.ClickException(str(exc)) from None
    return ImportReport("-", feed.format, name, added, updated, tuple(feed.problems))


@intel.command("add-campaign")
@click.argument("campaign")
@click.option("--confidence", type=click.IntRange(0, 100), help="Confidence (default: from the campaign's verdict).")
@click.option("--expires", metavar="DAYS|DATE", help="Expire after this many days (30, 30d, 4w) or at this ISO date.")
@click.option("--config", "config_path", metavar="FILE", help="Configuration file.")
@click.option("--db", metavar="URL", help="Store database URL.")
def intel_add_campaign(
    campaign: str, confidence: int | None, expires: str | None, config_path: str | None, db: str | None
) -> None:
    """Match CAMPAIGN's own indicators in every future scan (source "campaign:ID").

    The same indicators an export shares: no target addresses, no free-mail or
    email-service domains.
    """
    from mailward.share.intel import add_indicators, campaign_indicators

    config = _config(config_path)
    exported = _load_export(campaign, config, db)
    items = campaign_indicators(exported)
    if confidence is not None:
        items = [dataclasses.replace(i, confidence=confidence) for i in items]
    from mailward.share.cli_retro import run_rematch

    with _open_store(config, db) as store:
        added, updated = add_indicators(
            store, items, source=f"campaign:{exported.id}", expires_at=_parse_expiry(expires)
        )
        click.echo(f"campaign {exported.id} ({exported.name}): {added} added, {updated} refreshed")
        run_rematch(store, config)


@intel.command("list")
@click.option("--kind", metavar="KIND", help="Only this kind (domain, url, email, ipv4, ipv6, sha256, ...).")
@click.option("--source", metavar="NAME", help="Only from this source.")
@click.option("--search", metavar="TEXT", help="Only values containing TEXT.")
@click.option("--expired", "include_expired", is_flag=True, help="Include expired indicators.")
@click.option("--limit", type=int, default=0, help="At most this many (0: all; a table shows the first 1,000).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--config", "config_path", metavar="FILE", help="Configuration file.")
@click.option("--db", metavar="URL", help="Store database URL.")
def intel_list(
    kind: str | None,
    source: str | None,
    search: str | None,
    include_expired: bool,
    limit: int,
    fmt: str,
    config_path: str | None,
    db: str | None,
) -> None:
    """List stored indicators."""
    config = _config(config_path)
    with _open_store(config, db, create=False) as store:
        items = store.indicators(kind=kind, source=source, include_expired=include_expired)
    if search:
        needle = search.lower()
        items = [i for i in items if needle in i.value.lower()]
    if limit > 0:
        items = items[:limit]
    if fmt == "json":
        for item in items:
            click.echo(json.dumps(item.to_json()))
        return
    if not items:
        click.echo("no indicators", err=True)
        return
    more = 0
    if limit == 0 and len(items) > TABLE_ROWS:
        more, items = len(items) - TABLE_ROWS, items[:TABLE_ROWS]
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "kind", "source", "conf", "expires", "note")
    table.add_column("value", overflow="fold")  # an indicator is copied, never shortened
    for item in items:
        table.add_row(
            str(item.id),
            item.kind,
            item.source,
            str(item.confidence),
            item.expires_at.date().isoformat() if item.expires_at else "",
            item.note[:30],
            item.value,
        )
    Console(file=sys.stdout, soft_wrap=True).print(table)
    if more:
        click.echo(f"... and {more:,} more (--limit N, or --format json for all)", err=True)


@intel.command("remove")
@click.argument("ids", nargs=-1, type=int)
@click.option("--source", metavar="NAME", help="Remove every indicator from this source.")
@click.option("--value", "values", multiple=True, metavar="VALUE", help="Remove this value (any source); repeatable.")
@click.option("--expired", is_flag=True, help="Remove every expired indicator.")
@click.option("--config", "config_path", metavar="FILE", help="Configuration file.")
@click.option("--db", metavar="URL", help="Store database URL.")
def intel_remove(
    ids: tuple[int, ...],
    source: str | None,
    values: tuple[str, ...],
    expired: bool,
    config_path: str | None,
    db: str | None,
) -> None:
    """Remove indicators by id, by source, by value, or the expired ones."""
    from mailward.share import indicator_values
    from mailward.share.intel import remove_expired

    if not (ids or source or values or expired):
        raise click.UsageError("say what to remove: IDS, --source, --value or --expired")
    config = _config(config_path)
    removed = 0
    with _open_store(config, db, create=False) as store:
        if ids:
            removed += store.remove_indicators(ids=ids)
        if source:
            removed += store.remove_indicators(source=source)
        for value in values:
            candidates = {value.strip()}
            try:
                candidates.add(indicator_values.detect(value)[1])
            except indicator_values.IndicatorError:
                pass
            for candidate in candidates:
                removed += store.remove_indicators(value=candidate)
        if expired:
            removed += remove_expired(store)
    click.echo(f"removed {removed} indicator(s)")


@intel.command("rematch")
@click.option("--config", "config_path", metavar="FILE", help="Configuration file.")
@click.option("--db", metavar="URL", help="Store database URL.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def intel_rematch(config_path: str | None, db: str | None, fmt: str) -> None:
    """Match every stored message against every unexpired indicator now (what an import does)."""
    from mailward.share.cli_retro import run_rematch

    config = _config(config_path)
    with _open_store(config, db, create=False) as store:
        run_rematch(store, config, fmt)


from mailward.share.cli_retro import register as _register_retro  # noqa: E402

_register_retro(intel)
