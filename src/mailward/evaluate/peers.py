"""Clients for the peer scanners that evaluations compare mailward with.

rspamd is asked over its HTTP protocol (``POST /checkv2``), SpamAssassin's spamd over
the SPAMC protocol, both on 127.0.0.1. Nothing here starts or installs a daemon: the
benchmark scripts do that (bench/peers/). A peer that cannot be reached gives a
``PeerResult`` with ``error`` set, never an exception.

``tree_cpu_seconds`` reads /proc to sum the CPU time of a daemon and its workers, so
that a benchmark can compare the CPU a peer spent with the CPU mailward spent.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

RSPAMD_DEFAULT = "127.0.0.1:11333"
SPAMD_DEFAULT = "127.0.0.1:7830"
SA_THRESHOLD = 5.0  # SpamAssassin's customary required_score: at or above it counts as flagged


@dataclass(frozen=True, slots=True)
class PeerResult:
    """What one peer said about one message."""

    peer: str
    flagged: bool
    category: str  # rspamd: its action; spamassassin: "spam (>=5)" or "ham (<5)"; "error"
    score: float = 0.0
    symbols: tuple[str, ...] = ()
    error: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "peer": self.peer,
            "flagged": self.flagged,
            "category": self.category,
            "score": self.score,
            "symbols": list(self.symbols),
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> PeerResult:
        symbols = data.get("symbols") or []
        score = data.get("score", 0.0)
        return cls(
            peer=str(data.get("peer", "")),
            flagged=bool(data.get("flagged")),
            category=str(data.get("category", "")),
            score=float(score) if isinstance(score, int | float | str) else 0.0,
            symbols=tuple(str(s) for s in symbols) if isinstance(symbols, list) else (),
            error=str(data.get("error", "")),
        )


class Peer(Protocol):
    name: str

    def check(self, data: bytes) -> PeerResult: ...

    def reachable(self) -> str:
        """"" when the daemon answers, else why not."""
        ...

    def version(self) -> str: ...


def _split_hostport(value: str, default_port: int) -> tuple[str, int]:
    value = value.removeprefix("http://").rstrip("/")
    host, _, port = value.rpartition(":")
    if not host:
        return value, default_port
    try:
        return host, int(port)
    except ValueError:
        raise ValueError(f"bad host:port {value!r}") from None


def _command_version(argv: list[str]) -> str:
    if shutil.which(argv[0]) is None:
        return ""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)  # noqa: S603 - fixed argv
    except (OSError, subprocess.SubprocessError):
        return ""
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else ""


class Rspamd:
    """rspamd's normal worker, asked over HTTP ``/checkv2``."""

    name = "rspamd"

    def __init__(self, address: str = RSPAMD_DEFAULT, timeout: float = 60.0) -> None:
        self.host, self.port = _split_hostport(address, 11333)
        self.timeout = timeout

    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers={"Content-Type": "message/rfc822"})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def reachable(self) -> str:
        try:
            status, body = self._request("GET", "/ping")
        except OSError as exc:
            return f"rspamd not reachable at {self.host}:{self.port}: {exc}"
        if status != 200 or not body.strip().startswith(b"pong"):
            return f"rspamd at {self.host}:{self.port} answered /ping with {status}"
        return ""

    def version(self) -> str:
        return _command_version(["rspamd", "--version"])

    def check(self, data: bytes) -> PeerResult:
        try:
            status, body = self._request("POST", "/checkv2", data)
        except OSError as exc:
            return PeerResult(self.name, False, "error", error=f"connection: {exc}")
        if status != 200:
            return PeerResult(self.name, False, "error", error=f"HTTP {status}")
        try:
            reply = json.loads(body)
        except ValueError:
            return PeerResult(self.name, False, "error", error="reply is not JSON")
        action = str(reply.get("action", "")) or "error"
        symbols = reply.get("symbols") or {}
        return PeerResult(
            peer=self.name,
            flagged=action != "no action",
            category=action,
            score=float(reply.get("score", 0.0) or 0.0),
            symbols=tuple(sorted(symbols)) if isinstance(symbols, dict) else (),
        )


class Spamd:
    """SpamAssassin's spamd, asked with the SPAMC/1.5 ``SYMBOLS`` command."""

    name = "spamassassin"

    def __init__(self, address: str = SPAMD_DEFAULT, timeout: float = 300.0) -> None:
        self.host, self.port = _split_hostport(address, 783)
        self.timeout = timeout

    def _exchange(self, command: str, body: bytes) -> bytes:
        request = (
            f"{command} SPAMC/1.5\r\nContent-length: {len(body)}\r\n\r\n".encode("ascii") + body
        )
        with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
            chunks = []
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks)

    def reachable(self) -> str:
        try:
            reply = self._exchange("PING", b"")
        except OSError as exc:
            return f"spamd not reachable at {self.host}:{self.port}: {exc}"
        if b"PONG" not in reply:
            return f"spamd at {self.host}:{self.port} did not answer PING"
        return ""

    def version(self) -> str:
        return _command_version(["spamassassin", "--version"])

    def check(self, data: bytes) -> PeerResult:
        try:
            reply = self._exchange("SYMBOLS", data)
        except OSError as exc:
            return PeerResult(self.name, False, "error", error=f"connection: {exc}")
        return parse_spamd_reply(reply, self.name)


def parse_spamd_reply(reply: bytes, name: str = "spamassassin") -> PeerResult:
    """Parse a spamd reply to SYMBOLS or CHECK: the ``Spam:`` header and the symbol list."""
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("SPAMD/"):
        return PeerResult(name, False, "error", error="not a spamd reply")
    status = lines[0].split(None, 2)
    if len(status) < 2 or status[1] != "0":
        return PeerResult(name, False, "error", error=f"spamd: {lines[0]}")
    score: float | None = None
    for line in lines[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == "spam":
            # "True ; 15.3 / 5.0"
            try:
                score = float(value.split(";", 1)[1].split("/", 1)[0])
            except (IndexError, ValueError):
                score = None
    if score is None:
        return PeerResult(name, False, "error", error="spamd reply without a Spam: header")
    symbols = tuple(s for s in body.decode("latin-1").strip().split(",") if s)
    flagged = score >= SA_THRESHOLD
    return PeerResult(
        peer=name,
        flagged=flagged,
        category="spam (>=5)" if flagged else "ham (<5)",
        score=score,
        symbols=symbols,
    )


K = TypeVar("K")


def check_many(
    peer: Peer,
    items: Iterable[tuple[K, bytes]],
    concurrency: int = 2,
    on_result: Callable[[K, PeerResult], None] | None = None,
) -> Iterator[tuple[K, PeerResult]]:
    """Ask ``peer`` about every message with ``concurrency`` requests in flight.

    Results come back in input order. At most ``4 * concurrency`` messages are held
    in memory at once.
    """
    window = max(1, concurrency) * 4
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        pending: list[tuple[K, object]] = []
        for key, data in items:
            pending.append((key, pool.submit(peer.check, data)))
            if len(pending) >= window:
                yield from _drain(pending[: window // 2], on_result)
                del pending[: window // 2]
        yield from _drain(pending, on_result)


def _drain(
    pending: list[tuple[K, object]],
    on_result: Callable[[K, PeerResult], None] | None,
) -> Iterator[tuple[K, PeerResult]]:
    for key, future in pending:
        result = future.result()  # type: ignore[attr-defined]
        assert isinstance(result, PeerResult)
        if on_result is not None:
            on_result(key, result)
        yield key, result


# -- CPU accounting of a daemon and its workers -------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants that are alive now."""
    children = _children_map()
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, ()))
    return out


def tree_cpu_seconds(pid: int) -> float:
    """User+system CPU seconds of ``pid`` and its live descendants, plus what they reaped."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in process_tree(pid):
        try:
            stat = Path(f"/proc/{member}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        # fields[11..14] = utime, stime, cutime, cstime (stat fields 14-17)
        total += sum(int(v) for v in fields[11:15])
    return total / ticks


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and its live descendants, summed."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for member in process_tree(pid):
        try:
            statm = Path(f"/proc/{member}/statm").read_text().split()
        except OSError:
            continue
        total += int(statm[1]) * page
    return total
