"""Loaded by every Python process of a no-network test (PYTHONPATH): any attempt to
resolve a name or open an internet socket is recorded to $MAILWARD_TRIPWIRE_LOG and
refused. Unix sockets (process pools) stay allowed."""

import os
import socket

_LOG = os.environ.get("MAILWARD_TRIPWIRE_LOG", "")


def _record(what: str) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {what}\n")
    raise OSError(f"network access blocked by the test tripwire: {what}")


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _guard_connect(self, address):  # type: ignore[no-untyped-def]
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _record(f"connect {address!r}")
    return _connect(self, address)


def _guard_connect_ex(self, address):  # type: ignore[no-untyped-def]
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _record(f"connect_ex {address!r}")
    return _connect_ex(self, address)


def _guard_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    _record(f"getaddrinfo {host!r}")


def _guard_gethostbyname(host):  # type: ignore[no-untyped-def]
    _record(f"gethostbyname {host!r}")


socket.socket.connect = _guard_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guard_connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _guard_getaddrinfo
socket.gethostbyname = _guard_gethostbyname
socket.gethostbyname_ex = _guard_gethostbyname
