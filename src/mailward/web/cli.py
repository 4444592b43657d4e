"""``mailward serve`` and ``mailward token create|list|revoke``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mailward.config import Config, ConfigError, load_config
from mailward.store import Store, StoreError, open_store

_config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file (TOML).")
_db_option = click.option("--db", help="Store URL: sqlite:///PATH or postgresql://... (default: [store] url, else DATA_DIR/mailward.db).")


def _open(config_path: str | None, db: str | None) -> tuple[Config, Store]:
    try:
        config = load_config(config_path)
        return config, open_store(db, config=config)
    except (ConfigError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep it local; put a TLS proxy in front for others).")
@click.option("--port", type=click.IntRange(0, 65535), default=8700, show_default=True, help="TCP port (0: any free port).")
@_config_option
@_db_option
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Server processes (scans are CPU-bound: up to one per core).")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]), default="info", show_default=True)
def serve(host: str, port: int, config_path: str | None, db: str | None, workers: int, log_level: str) -> None:
    """Serve the web UI and the REST API (/api/v1, schema at /api/v1/openapi.json)."""
    import socket

    import uvicorn

    from .app import create_app

    config, store = _open(config_path, db)
    app = create_app(config, store)
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted sockets inherit it
        sock.bind((host, port))
        sock.listen(2048)  # connections wait in the backlog until the server (or its workers) accept
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"mailward serving http://{shown}:{bound}/ (API: /api/v1, docs: /api/docs); Ctrl-C stops", err=True)
    options: dict[str, object] = {"log_level": log_level, "proxy_headers": False, "server_header": False,
                                  "access_log": log_level in ("info", "debug")}
    if workers > 1:
        import os

        from .app import ENV_CONFIG, ENV_DB

        store.close()  # each worker opens its own
        os.environ[ENV_CONFIG] = str(Path(config_path).resolve()) if config_path else ""
        os.environ[ENV_DB] = db or ""
        sock.set_inheritable(True)
        uvicorn.run("mailward.web.app:app_from_env", factory=True, workers=workers, fd=sock.fileno(),
                    **options)  # type: ignore[arg-type]
        return
    server = uvicorn.Server(uvicorn.Config(app, **options))  # type: ignore[arg-type]
    try:
        server.run(sockets=[sock])
    finally:
        store.close()


@click.group()
def token() -> None:
    """API tokens and web users: create, list, revoke."""


@token.command("create")
@click.option("--role", type=click.Choice(["viewer", "analyst", "admin"]), required=True, help="viewer reads; analyst also scans, releases, exports; admin also manages tokens.")
@click.option("--name", default="", help="A label for the token (who or what uses it).")
@click.option("--user", "user", default=None, help="Create a user who signs in with a password instead of a token.")
@click.option("--password-stdin", is_flag=True, help="Read the user's password from standard input (first line).")
@_config_option
@_db_option
def create_command(role: str, name: str, user: str | None, password_stdin: bool, config_path: str | None, db: str | None) -> None:
    """Create an API token (printed once, stored only as its SHA-256) or a user."""
    from .auth import Auth, AuthError

    if password_stdin and not user:
        raise click.ClickException("--password-stdin needs --user NAME")
    _config, store = _open(config_path, db)
    try:
        auth = Auth(store.engine)
        if user:
            if password_stdin:
                password = sys.stdin.readline().rstrip("\r\n")
            else:
                password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
            info = auth.create_user(user, password, role)
            click.echo(f"user {info.name} ({info.role}) created, id {info.id}")
        else:
            info, secret = auth.create_token(role, name)
            click.echo(secret)
            click.echo(f"token id {info.id} ({info.role}); shown once, store it now", err=True)
    except AuthError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()


@token.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include revoked tokens and users.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@_config_option
@_db_option
def list_command(show_all: bool, as_json: bool, config_path: str | None, db: str | None) -> None:
    """List tokens and users (never the secrets)."""
    from .auth import Auth

    _config, store = _open(config_path, db)
    try:
        for info in Auth(store.engine).list(include_revoked=show_all):
            if as_json:
                click.echo(json.dumps(info.to_json()))
            else:
                state = " revoked" if info.revoked else ""
                click.echo(f"{info.id:4} {info.kind:5} {info.role:8} {info.token_prefix or '-':12} {info.name}{state}")
    finally:
        store.close()


@token.command("revoke")
@click.argument("credential_id", type=int)
@_config_option
@_db_option
def revoke_command(credential_id: int, config_path: str | None, db: str | None) -> None:
    """Revoke a token or user by id (its browser sessions end too)."""
    from .auth import Auth, AuthError

    _config, store = _open(config_path, db)
    try:
        info = Auth(store.engine).revoke(credential_id)
    except AuthError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"revoked {info.kind} {info.id} ({info.name})")
