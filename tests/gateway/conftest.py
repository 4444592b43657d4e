from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

from mailward.config import Config
from mailward.gateway.audit import AuditLog
from mailward.gateway.quarantine import FileQuarantine, Quarantine
from mailward.gateway.scanning import ScanPool
from mailward.gateway.server import Gateway, ListenAddress, run_server
from mailward.gateway.settings import GatewaySettings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unit_settings(tmp: Path, **over: object) -> GatewaySettings:
    base = GatewaySettings(
        workers=0,
        timeout=2.0,
        quarantine_dir=tmp / "q",
        audit_log=tmp / "audit.jsonl",
        scanner="tests.gateway.fake_scanner:StaticScanner",
    )
    return replace(base, **over)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def running_gateway(settings: GatewaySettings, store: Quarantine | None = None,
                          listen: ListenAddress | None = None) -> AsyncIterator[tuple[int, Gateway]]:
    """A Gateway on 127.0.0.1:<ephemeral> (or ``listen``) inside the running event loop."""
    pool = ScanPool(Config(), settings)
    gateway = Gateway(settings, pool, store or FileQuarantine(settings.quarantine_dir), AuditLog(settings.audit_log))
    port = free_port()
    stop = asyncio.Event()
    ready = asyncio.Event()
    task = asyncio.create_task(run_server(gateway, listen or ListenAddress("inet", "127.0.0.1", port),
                                          ready=lambda _w: ready.set(), stop=stop))
    await asyncio.wait_for(ready.wait(), 10)
    try:
        yield port, gateway
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        gateway.close()
        pool.close()
