"""Where messages come from: files, directories, mbox files, Maildirs, stdin.

``iter_sources`` streams ``RawMessage`` items one at a time, so memory does not grow
with the number of messages. Kinds are detected from the path; a problem with one
file becomes an ``UnreadableSource`` item, never an exception that stops the run.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mailward.errors import MailwardError

_HEADER_START = (b"From ", b"Return-Path:", b"Received:", b"Delivered-To:", b"X-", b"Message-ID:", b"Message-Id:")
_MAX_MESSAGE_BYTES = 200 * 1024 * 1024  # larger files are reported, not read


class SourceNotFound(MailwardError):
    """A path given by the user does not exist or cannot be read at all."""


@dataclass(frozen=True, slots=True)
class RawMessage:
    source: str  # path, "path#N" for the N-th message of an mbox (1-based), or "-"
    data: bytes


@dataclass(frozen=True, slots=True)
class UnreadableSource:
    source: str
    error: str  # one line, for people


SourceItem = RawMessage | UnreadableSource


def looks_like_message(head: bytes) -> bool:
    """Does a file starting with ``head`` look like an RFC 5322 message or an mbox?"""
    head = head.lstrip(b"\r\n\t ")
    if not head:
        return False
    if head.startswith(_HEADER_START):
        return True
    line = head.split(b"\n", 1)[0]
    name, colon, _ = line.partition(b":")
    # field names in real mail are letters, digits, "-" and "_"
    return bool(colon) and 0 < len(name) <= 76 and name.replace(b"-", b"").replace(b"_", b"").isalnum()


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def is_mbox(head: bytes) -> bool:
    return head.startswith(b"From ")


def split_mbox(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Split mbox lines into messages: a ``From `` line after a blank line starts one."""
    current: list[bytes] = []
    prev_blank = True
    for line in lines:
        if prev_blank and line.startswith(b"From "):
            if current:
                yield _mbox_body(current)
            current = [line]
        else:
            current.append(line)
        prev_blank = line in (b"\n", b"\r\n")
    if current:
        yield _mbox_body(current)


def _numbered(name: str, messages: Iterator[bytes]) -> Iterator[RawMessage]:
    """``name#N`` for each message of a multi-message mbox; a lone message keeps ``name``."""
    first = next(messages, None)
    if first is None:
        return
    second = next(messages, None)
    if second is None:
        yield RawMessage(name, first)
        return
    yield RawMessage(f"{name}#1", first)
    yield RawMessage(f"{name}#2", second)
    for index, data in enumerate(messages, 3):
        yield RawMessage(f"{name}#{index}", data)


def _mbox_body(lines: list[bytes]) -> bytes:
    body = lines[1:] if lines and lines[0].startswith(b"From ") else lines
    out = []
    for line in body:
        if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
            line = line[1:]
        out.append(line)
    data = b"".join(out)
    # the blank line that separates messages belongs to the mbox, not the message
    if data.endswith(b"\n\n"):
        data = data[:-1]
    return data


def iter_maildir(path: Path) -> Iterator[SourceItem]:
    for sub in ("cur", "new"):
        folder = path / sub
        if folder.is_symlink():
            yield UnreadableSource(str(folder), NOT_FOLLOWED)
            continue
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            yield UnreadableSource(str(folder), f"cannot list Maildir folder: {exc.strerror or exc}")
            continue
        for name in names:
            if name.startswith("."):
                continue
            yield from _read_file(folder / name, check=False, follow=False)


# Below a path the user named, a symbolic link is never followed: a link to a parent
# loops (the hunt read one message 41 times through ``a/self -> ..``), and a link that
# a mailbox's owner plants in their own Maildir must not make a hunt run by root read
# files outside it. Each one is reported; naming the link itself reads it.
NOT_FOLLOWED = "a symbolic link, not followed below a source (name it as a source to read it)"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def open_regular(path: Path, *, follow: bool) -> tuple[BinaryIO, os.stat_result] | None:
    """``path`` opened for reading with its status, or None when it is not a regular file
    (a FIFO would block the open, a device would read forever). ``follow=False`` (a file
    found below a source): opened with ``O_NOFOLLOW``, so that a symbolic link swapped in
    after a walk looked raises ``OSError`` (ELOOP) instead of being read."""
    if not stat.S_ISREG(os.stat(path, follow_symlinks=follow).st_mode):
        return None
    # O_NONBLOCK: should the path have become a FIFO since, the open does not wait
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | (0 if follow else _NOFOLLOW))
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode):
            return os.fdopen(fd, "rb"), info
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    return None


def read_file(path: Path, *, follow: bool) -> Iterator[SourceItem]:
    """The message(s) of one file (an mbox gives each of its messages), read as a file
    found by a walk (``follow=False``: a symbolic link is reported) or named by the user."""
    return _read_file(path, check=False, follow=follow)


def _read_file(path: Path, *, check: bool, follow: bool = True) -> Iterator[SourceItem]:
    """The message(s) of one file. ``follow=False`` (a file found below a source): a
    symbolic link is reported, not read (``open_regular``)."""
    try:
        if not follow and path.is_symlink():
            yield UnreadableSource(str(path), NOT_FOLLOWED)
            return
        opened = open_regular(path, follow=follow)
        if opened is None:
            return
        handle, info = opened
        with handle:
            head = handle.read(4096)
            if check and not looks_like_message(head):
                return
            if is_mbox(head):
                handle.seek(0)
                yield from _numbered(str(path), split_mbox(handle))
                return
            if info.st_size > _MAX_MESSAGE_BYTES:
                yield UnreadableSource(str(path), f"file too large to scan ({info.st_size} bytes)")
                return
            data = head + handle.read()
    except PermissionError:
        yield UnreadableSource(str(path), "permission denied")
        return
    except OSError as exc:
        if not follow and exc.errno == errno.ELOOP:  # became a link after the walk looked
            yield UnreadableSource(str(path), NOT_FOLLOWED)
            return
        yield UnreadableSource(str(path), f"cannot read: {exc.strerror or exc}")
        return
    yield RawMessage(str(path), data)


def _iter_directory(path: Path) -> Iterator[SourceItem]:
    if is_maildir(path):
        yield from iter_maildir(path)
        for sub in sorted(p for p in path.iterdir() if p.name.startswith(".") and p.is_dir() and is_maildir(p)):
            if sub.is_symlink():
                yield UnreadableSource(str(sub), NOT_FOLLOWED)
                continue
            yield from iter_maildir(sub)  # Maildir++ sub-folders
        return
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as exc:
        yield UnreadableSource(str(path), f"cannot list directory: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        child = Path(entry.path)
        try:
            if entry.is_symlink():
                yield UnreadableSource(str(child), NOT_FOLLOWED)
            elif entry.is_dir(follow_symlinks=False):
                yield from _iter_directory(child)
            elif entry.is_file(follow_symlinks=False):
                yield from _read_file(child, check=True, follow=False)
        except OSError as exc:
            yield UnreadableSource(str(child), f"cannot read: {exc.strerror or exc}")


def check_paths(paths: Iterable[str]) -> None:
    """Raise ``SourceNotFound`` for the first path that does not exist."""
    for name in paths:
        if name == "-":
            continue
        if not os.path.exists(name):
            raise SourceNotFound(f"no such file or directory: {name}")
        if not os.access(name, os.R_OK):
            raise SourceNotFound(f"permission denied: {name}")


def iter_sources(paths: Iterable[str], *, stdin: object = None) -> Iterator[SourceItem]:
    """Every message below ``paths``, streamed. ``-`` reads one message (or an mbox) from stdin."""
    for name in paths:
        if name == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read()  # type: ignore[union-attr]
            if is_mbox(data[:5]):
                yield from _numbered("-", split_mbox(data.splitlines(keepends=True)))
            else:
                yield RawMessage("-", data)
            continue
        path = Path(name)
        if path.is_dir():
            yield from _iter_directory(path)
        elif path.exists():
            yield from _read_file(path, check=False)
        else:
            yield UnreadableSource(name, "no such file or directory")
