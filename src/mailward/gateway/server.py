"""The milter service: listens, scans each message off the loop, and answers Postfix.

At end-of-message: rebuild the message bytes, scan them within the time budget,
store the original (and the rewritten version) in the quarantine BEFORE telling
Postfix to rewrite or hold anything, then send the header changes, the new body and
the final reply. A store that fails turns into a tempfail: the sender retries, the
message is never dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from mailward.errors import MailwardError
from mailward.gateway import protocol as p
from mailward.gateway.actions import Decision, decide_replies, failure_decision, limit_decision
from mailward.gateway.audit import AuditLog
from mailward.gateway.history import HistoryRecorder
from mailward.gateway.quarantine import Entry, Quarantine, QuarantineError, new_entry_id, now_iso
from mailward.gateway.scanning import Prepared, ScanError, ScanPool
from mailward.gateway.settings import Action, GatewaySettings
from mailward.model import Envelope


class ListenError(MailwardError):
    """The listen address is not understood."""


@dataclass(frozen=True)
class ListenAddress:
    kind: str  # "inet" or "unix"
    host: str = ""
    port: int = 0
    path: str = ""


def parse_listen(spec: str) -> ListenAddress:
    """``inet:HOST:PORT``, ``inet:PORT@HOST`` (Sendmail style) or ``unix:/path``."""
    kind, _, rest = spec.partition(":")
    if kind == "unix" and rest:
        return ListenAddress("unix", path=rest)
    if kind in ("inet", "inet4"):
        if "@" in rest:
            port_s, _, host = rest.partition("@")
        else:
            host, _, port_s = rest.rpartition(":")
        try:
            port = int(port_s)
        except ValueError:
            port = -1
        if not 0 <= port <= 65535:
            raise ListenError(f"bad port in listen address {spec!r}")
        return ListenAddress("inet", host=host or "127.0.0.1", port=port)
    raise ListenError(f"listen address must be inet:HOST:PORT or unix:PATH, got {spec!r}")


class Gateway:
    """The per-message logic behind ``protocol.serve_connection``."""

    def __init__(
        self,
        settings: GatewaySettings,
        scanner: ScanPool,
        store: Quarantine,
        audit: AuditLog,
        history: HistoryRecorder | None = None,
    ) -> None:
        self.settings = settings
        self.scanner = scanner
        self.store = store
        self.audit = audit
        self.history = history  # records clean/tracking senders after the verdict (batched)
        # the quarantine store (its own threads write the objects) and audit lines, off the loop
        self.io = ThreadPoolExecutor(max_workers=8, thread_name_prefix="mailward-store")
        self.in_flight = 0

    async def end_of_message(self, conn: p.ConnectionState) -> list[p.Reply]:
        self.in_flight += 1
        try:
            return await self._end_of_message(conn)
        except Exception as exc:  # a bug of ours: the failure policy, never a dropped message
            reason = f"internal error: {type(exc).__name__}: {exc}"
            try:
                self.audit.record("internal-error", queue_id=conn.message.macros.get("i", ""), reason=reason)
            except OSError:
                pass
            decision = failure_decision(self.settings, reason)
            if decision.action is not Action.TEMPFAIL:
                decision = Decision(Action.DELIVER, None, None, reason=reason)
            return decide_replies(self.settings, decision, conn.message.headers,
                                  leading_space=bool(conn.protocol & p.P_HDR_LEADSPC),
                                  can_change_headers=bool(conn.actions & p.ACT_CHGHDRS))
        finally:
            self.in_flight -= 1

    async def _end_of_message(self, conn: p.ConnectionState) -> list[p.Reply]:
        started = time.perf_counter()
        message = conn.message
        queue_id = message.macros.get("i", "")
        envelope = Envelope(
            mail_from=_bare(message.mail_from),
            rcpt_to=tuple(_bare(r) for r in message.rcpt_to),
            client_ip=conn.address,
            client_helo=conn.helo,
            queue_id=queue_id,
        )
        headers = message.headers
        source = f"milter:{queue_id or '-'}"
        raw = b""
        if message.over_limit:
            decision = limit_decision(self.settings, message.over_limit)
            prepared: Prepared | None = None
        else:
            raw = p.rebuild_message(headers, message.body, bool(conn.protocol & p.P_HDR_LEADSPC))
            try:
                prepared = await self.scanner.prepare(raw, source, envelope)
                decision = Decision(prepared.action, prepared.result, prepared.rewritten,
                                    attachments=prepared.report.attachments_header() if prepared.report else "")
            except ScanError as exc:
                prepared = None
                decision = failure_decision(self.settings, str(exc))
        if decision.action in (Action.DEFUSE, Action.BANNER) and not conn.actions & p.ACT_CHGBODY:
            decision = failure_decision(self.settings, "the MTA did not allow body changes")
        entry_id = ""
        if self._needs_store(decision) and raw:
            try:
                entry_id = await self._store(raw, decision, envelope)
            except QuarantineError as exc:
                decision = Decision(Action.TEMPFAIL, decision.result, None, reason=f"quarantine store failed: {exc}")
        replies = decide_replies(self.settings, decision, headers, entry_id,
                                 leading_space=bool(conn.protocol & p.P_HDR_LEADSPC),
                                 can_change_headers=bool(conn.actions & p.ACT_CHGHDRS))
        # the log line is written off the event loop: a write can wait behind another
        # thread's fsync on the same file system
        await asyncio.get_running_loop().run_in_executor(self.io, functools.partial(
            self.audit.record,
            "message",
            queue_id=queue_id,
            action=str(decision.action),
            verdict=str(decision.result.verdict) if decision.result else "unscannable",
            score=round(decision.result.score, 2) if decision.result else None,
            sha256=decision.result.sha256 if decision.result and decision.result.sha256 else "",
            quarantine_id=entry_id,
            reason=decision.reason,
            mail_from=envelope.mail_from,
            rcpt_to=list(envelope.rcpt_to),
            client_ip=envelope.client_ip,
            ms=round((time.perf_counter() - started) * 1000, 1),
        ))
        if self.history is not None:
            # a queue put: the write happens later in the recorder's thread, in a batch
            self.history.record_result(decision.result, decision.action)
        return replies

    def refusal(self, conn: p.ConnectionState) -> list[p.Reply]:
        """A message past a wire limit, refused before its end (the MTA waits for this answer)."""
        decision = limit_decision(self.settings, conn.message.over_limit)
        return decide_replies(self.settings, decision, [])

    def _needs_store(self, decision: Decision) -> bool:
        if decision.action is Action.QUARANTINE:
            return True
        if decision.action in (Action.DEFUSE, Action.BANNER):
            return decision.rewritten is not None
        return decision.action is Action.REJECT and self.settings.keep_rejected

    async def _store(self, raw: bytes, decision: Decision, envelope: Envelope) -> str:
        """Keep the original (and the rewrite) on disk, verified, and the entry naming them.

        ``Quarantine.keep`` writes the objects and the entry's temporary file at the
        same time (each waits for its own fsync: ~7-20 ms for a megabyte on a virtual
        disk) and names the entry once the objects are on disk. It runs in an I/O
        thread; the event loop goes on with other connections meanwhile.
        """
        blobs = [raw] if decision.rewritten is None else [raw, decision.rewritten]

        def entry_for(digests: list[str]) -> Entry:
            return self._entry(digests, len(raw), decision, envelope)

        entry = await asyncio.get_running_loop().run_in_executor(self.io, self._keep, blobs, entry_for)
        return entry.id

    def _keep(self, blobs: list[bytes], entry_for: Callable[[list[str]], Entry]) -> Entry:
        """Runs in the I/O thread pool: the store, then its audit line."""
        entry = self.store.keep(blobs, entry_for)
        self.audit.record("stored", id=entry.id, sha256=entry.sha256, defused_sha256=entry.defused_sha256,
                          action=entry.action, status=entry.status, queue_id=entry.queue_id)
        return entry

    @staticmethod
    def _entry(digests: list[str], size: int, decision: Decision, envelope: Envelope) -> Entry:
        """The quarantine entry for the objects with these digests (original first)."""
        result = decision.result
        status = {Action.QUARANTINE: "held", Action.REJECT: "rejected"}.get(decision.action, "delivered")
        return Entry(
            id=new_entry_id(),
            sha256=digests[0],
            size=size,
            stored_at=now_iso(),
            action=str(decision.action),
            status=status,
            verdict=str(result.verdict) if result else "",
            score=float(result.score) if result else 0.0,
            summary=result.summary if result else decision.reason,
            findings=tuple(f.rule for f in result.findings) if result else (),
            mail_from=envelope.mail_from,
            rcpt_to=envelope.rcpt_to,
            client_ip=envelope.client_ip,
            client_helo=envelope.client_helo,
            queue_id=envelope.queue_id,
            message_id=result.message_id if result else "",
            subject=result.subject if result else "",
            defused_sha256=digests[1] if len(digests) > 1 else "",
            history=({"time": now_iso(), "event": "stored", "action": str(decision.action)},),
        )

    def close(self) -> None:
        self.io.shutdown(wait=True)
        self.store.close()
        if self.history is not None:
            self.history.close()


def _bare(address: str) -> str:
    """``<a@b>`` as the MTA passes it -> ``a@b`` (the null sender ``<>`` -> "")."""
    address = address.strip()
    if address.startswith("<") and address.endswith(">"):
        return address[1:-1]
    return address


async def run_server(
    gateway: Gateway,
    listen: ListenAddress,
    *,
    ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until ``stop`` is set (or SIGTERM/SIGINT), then finish the messages in flight."""
    limits = gateway.settings.wire_limits()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await p.serve_connection(reader, writer, gateway, limits=limits)

    if listen.kind == "unix":
        server = await asyncio.start_unix_server(handle, path=listen.path)
        where = f"unix:{listen.path}"
    else:
        server = await asyncio.start_server(handle, host=listen.host, port=listen.port, backlog=512)
        port = server.sockets[0].getsockname()[1] if server.sockets else listen.port
        where = f"inet:{listen.host}:{port}"
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    gateway.audit.record("milter-start", listen=where)
    if ready is not None:
        ready(where)
    async with server:
        await stop.wait()
        server.close()
        deadline = time.monotonic() + gateway.settings.timeout + 5
        while gateway.in_flight and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    gateway.audit.record("milter-stop", listen=where)
