"""The quarantine: original message bytes, kept byte-exact before anything else happens.

Layout under the quarantine directory (mode 0700, files 0600)::

    objects/ab/abcdef...        message bytes, named by their SHA-256
    entries/<id>.json           one entry per held or rewritten message

Objects are content-addressed: the same bytes are stored once. An object is written
to a temporary file in its directory, renamed into place, then the file and the
directory are fsync'ed, and the file is read back and compared with the bytes hashed. (Renaming before the
file's fsync lets one journal commit on ext4 carry both; a crash in between can leave a
torn object under its name, which nothing trusts: every read and every later write of
those bytes checks the hash, and a later write replaces it.) An entry is written to a
temporary file, fsync'ed, renamed into place and its directory fsync'ed, so it is all
there or not there. ``keep`` writes a message's objects and its entry's temporary file
at the same time and names the entry only once every object is on disk: an entry never
refers to an object that is not kept. ``QuarantineError`` means the bytes are NOT
safely kept: the caller must tempfail the message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from mailward.errors import MailwardError

_HEX = frozenset("0123456789abcdef")


class QuarantineError(MailwardError):
    """The quarantine could not store or read something. The message says what."""


@dataclass(frozen=True)
class Entry:
    """What the quarantine knows about one message it holds or rewrote."""

    id: str
    sha256: str  # the original bytes
    size: int
    stored_at: str
    action: str  # quarantine, defuse, banner, reject
    status: str  # held, delivered, rejected, released, deleted
    verdict: str = ""
    score: float = 0.0
    summary: str = ""
    findings: tuple[str, ...] = ()
    mail_from: str = ""
    rcpt_to: tuple[str, ...] = ()
    client_ip: str = ""
    client_helo: str = ""
    queue_id: str = ""
    message_id: str = ""
    subject: str = ""
    defused_sha256: str = ""  # the rewritten version that was delivered, when there is one
    history: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["findings"] = list(self.findings)
        out["rcpt_to"] = list(self.rcpt_to)
        out["history"] = [dict(h) for h in self.history]
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in known}
        values["findings"] = tuple(values.get("findings", ()))
        values["rcpt_to"] = tuple(values.get("rcpt_to", ()))
        values["history"] = tuple(values.get("history", ()))
        return cls(**values)


class Quarantine(Protocol):
    """What the gateway and the CLI need from a quarantine."""

    def put_bytes(self, data: bytes) -> str: ...
    def keep(self, blobs: Sequence[bytes], entry_for: Callable[[list[str]], Entry]) -> Entry: ...
    def get_bytes(self, sha256: str) -> bytes: ...
    def add(self, entry: Entry) -> Entry: ...
    def update(self, entry: Entry) -> Entry: ...
    def get(self, entry_id: str) -> Entry: ...
    def entries(self) -> Iterator[Entry]: ...
    def delete(self, entry_id: str) -> Entry: ...
    def close(self) -> None: ...


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_entry_id() -> str:
    """Sortable by time, unique: 20260101T120000123-1a2b3c4d."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")[:-3]
    return f"{stamp}-{secrets.token_hex(4)}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either nothing or all of it."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)  # mkstemp creates 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)


def _write_object(path: Path, data: bytes) -> None:
    """Write a content-addressed object: temporary file, rename, then fsync of the file
    and of the directory (one journal commit instead of two on ext4). On an error the
    name is removed again: nothing half-written is left under it by this call."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)  # mkstemp creates 0600
    inode = os.fstat(fd).st_ino
    named = False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.replace(tmp, path)
            named = True
            os.fsync(fh.fileno())
        _fsync_dir(path.parent)
    except BaseException:
        try:
            # the name only while it is still this file: a concurrent write of the
            # same bytes may have put its own (verified) copy there since
            if not named:
                os.unlink(tmp)
            elif os.stat(path).st_ino == inode:
                os.unlink(path)
        except FileNotFoundError:
            pass
        raise


def _sync_existing(path: Path) -> None:
    """Make an object found already in place durable (another write of the same bytes may
    not have reached its fsync yet)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_dir(path.parent)


class FileQuarantine:
    """The quarantine on a local file system."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._ready = False
        self._pool: ThreadPoolExecutor | None = None

    def _threads(self) -> ThreadPoolExecutor:
        """Threads for ``keep``'s writes: each mostly waits for its fsync (hashing and
        writing release the GIL)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=12, thread_name_prefix="mailward-quarantine")
        return self._pool

    # -- layout --------------------------------------------------------------

    def _prepare(self) -> None:
        if self._ready:
            return
        try:
            for sub in (self.root, self.root / "objects", self.root / "entries"):
                sub.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.chmod(sub, 0o700)
        except OSError as exc:
            raise QuarantineError(f"cannot create quarantine directory {self.root}: {exc.strerror}") from None
        self._ready = True

    def _object_path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not set(sha256) <= _HEX:
            raise QuarantineError(f"not a SHA-256 digest: {sha256!r}")
        return self.root / "objects" / sha256[:2] / sha256

    def _entry_path(self, entry_id: str) -> Path:
        if not entry_id or "/" in entry_id or entry_id.startswith(".") or len(entry_id) > 100:
            raise QuarantineError(f"not a quarantine id: {entry_id!r}")
        return self.root / "entries" / f"{entry_id}.json"

    # -- objects -------------------------------------------------------------

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; return its SHA-256 once it is on disk and verified."""
        return self._put(data, hashlib.sha256(data).hexdigest())

    def _put(self, data: bytes, digest: str) -> str:
        """``put_bytes`` for ``data`` whose SHA-256 this process has just computed.

        The check after the write reads the file back and compares it with ``data``:
        the same bytes, so the same hash, without hashing a megabyte a second time.
        """
        self._prepare()
        path = self._object_path(digest)
        try:
            if path.exists() and self._verify(path, data):
                _sync_existing(path)
                return digest
            if not path.parent.is_dir():
                path.parent.mkdir(mode=0o700, exist_ok=True)
                _fsync_dir(path.parent.parent)
            _write_object(path, data)
        except OSError as exc:
            raise QuarantineError(f"cannot store message {digest[:12]}: {exc.strerror or exc}") from None
        if not self._verify(path, data):
            _unlink_quietly(str(path))  # nothing trusts it; the next write of these bytes starts afresh
            raise QuarantineError(f"stored message {digest[:12]} does not read back intact")
        return digest

    @staticmethod
    def _verify(path: Path, data: bytes) -> bool:
        """The file holds exactly ``data``."""
        try:
            with path.open("rb") as fh:
                return fh.read(len(data) + 1) == data
        except OSError:
            return False

    def get_bytes(self, sha256: str) -> bytes:
        path = self._object_path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise QuarantineError(f"no stored message {sha256}") from None
        except OSError as exc:
            raise QuarantineError(f"cannot read stored message {sha256}: {exc.strerror}") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise QuarantineError(f"stored message {sha256} is corrupt (hash mismatch)")
        return data

    # -- entries -------------------------------------------------------------

    def _write_entry(self, entry: Entry) -> Entry:
        self._prepare()
        path = self._entry_path(entry.id)
        data = json.dumps(entry.to_json(), sort_keys=True, indent=1).encode()
        try:
            atomic_write(path, data)
        except OSError as exc:
            raise QuarantineError(f"cannot write quarantine entry {entry.id}: {exc.strerror or exc}") from None
        return entry

    def add(self, entry: Entry) -> Entry:
        if self._entry_path(entry.id).exists():
            raise QuarantineError(f"quarantine entry {entry.id} exists already")
        return self._write_entry(entry)

    def keep(self, blobs: Sequence[bytes], entry_for: Callable[[list[str]], Entry]) -> Entry:
        """Store ``blobs`` (the original first) and the entry ``entry_for(digests)`` names.

        The objects and the entry's temporary file are written and fsync'ed at the same
        time; the entry is renamed into place (and its directory fsync'ed) only after
        every object is on disk and verified. Two serial fsync rounds on the path
        instead of four. On any failure no entry is left and ``QuarantineError`` is raised.
        """
        self._prepare()
        pool = self._threads()
        if sum(len(blob) for blob in blobs) >= _HASH_APART:  # hashlib lets go of the GIL: both at once
            digests = list(pool.map(_sha256, blobs))
        else:
            digests = [_sha256(blob) for blob in blobs]
        entry = entry_for(digests)
        path = self._entry_path(entry.id)
        data = json.dumps(entry.to_json(), sort_keys=True, indent=1).encode()
        staged = pool.submit(_stage, path, data)
        stored = [pool.submit(self._put, blob, digest) for blob, digest in zip(blobs, digests, strict=True)]
        failure = _first_failure(stored)
        try:
            tmp = staged.result()
        except OSError as exc:
            raise QuarantineError(f"cannot write quarantine entry {entry.id}: {exc.strerror or exc}") from None
        try:
            if failure is not None:
                raise failure
            if path.exists():
                raise QuarantineError(f"quarantine entry {entry.id} exists already")
            os.replace(tmp, path)
            _fsync_dir(path.parent)
        except OSError as exc:
            raise QuarantineError(f"cannot write quarantine entry {entry.id}: {exc.strerror or exc}") from None
        finally:
            _unlink_quietly(tmp)
        return entry

    def update(self, entry: Entry) -> Entry:
        return self._write_entry(entry)

    def get(self, entry_id: str) -> Entry:
        path = self._entry_path(entry_id)
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            raise QuarantineError(f"no quarantine entry {entry_id}") from None
        except (OSError, ValueError) as exc:
            raise QuarantineError(f"cannot read quarantine entry {entry_id}: {exc}") from None
        return Entry.from_json(data)

    def entries(self) -> Iterator[Entry]:
        folder = self.root / "entries"
        if not folder.is_dir():
            return
        for path in sorted(folder.glob("*.json")):
            try:
                yield self.get(path.stem)
            except QuarantineError:
                continue

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def delete(self, entry_id: str) -> Entry:
        """Remove an entry, and its objects when no other entry refers to them."""
        entry = self.get(entry_id)
        self._entry_path(entry_id).unlink()
        in_use = set()
        for other in self.entries():
            in_use.add(other.sha256)
            in_use.add(other.defused_sha256)
        for digest in (entry.sha256, entry.defused_sha256):
            if digest and digest not in in_use:
                try:
                    self._object_path(digest).unlink()
                except FileNotFoundError:
                    pass
        return replace(entry, status="deleted")


_HASH_APART = 256 * 1024  # smaller messages are hashed in the calling thread (a hand-over costs more)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stage(path: Path, data: bytes) -> str:
    """An entry's bytes in a temporary file beside ``path``, fsync'ed; its name is returned."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def _unlink_quietly(path: str) -> None:
    """Remove a temporary file if it is still there."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _first_failure(futures: list[Future[str]]) -> QuarantineError | None:
    """Wait for every write; the first failure as a ``QuarantineError`` (None: all kept)."""
    failure: QuarantineError | None = None
    for future in futures:
        try:
            future.result()
        except QuarantineError as exc:
            failure = failure or exc
        except OSError as exc:
            failure = failure or QuarantineError(f"cannot store message: {exc.strerror or exc}")
    return failure


class MemoryQuarantine:
    """In-memory quarantine for tests; ``fail`` makes every write raise QuarantineError."""

    def __init__(self, *, fail: bool = False) -> None:
        self.objects: dict[str, bytes] = {}
        self.items: dict[str, Entry] = {}
        self.fail = fail

    def put_bytes(self, data: bytes) -> str:
        if self.fail:
            raise QuarantineError("quarantine unavailable (test)")
        digest = hashlib.sha256(data).hexdigest()
        self.objects[digest] = bytes(data)
        return digest

    def keep(self, blobs: Sequence[bytes], entry_for: Callable[[list[str]], Entry]) -> Entry:
        digests = [self.put_bytes(blob) for blob in blobs]
        return self.add(entry_for(digests))

    def get_bytes(self, sha256: str) -> bytes:
        try:
            return self.objects[sha256]
        except KeyError:
            raise QuarantineError(f"no stored message {sha256}") from None

    def add(self, entry: Entry) -> Entry:
        if self.fail:
            raise QuarantineError("quarantine unavailable (test)")
        self.items[entry.id] = entry
        return entry

    def update(self, entry: Entry) -> Entry:
        self.items[entry.id] = entry
        return entry

    def get(self, entry_id: str) -> Entry:
        try:
            return self.items[entry_id]
        except KeyError:
            raise QuarantineError(f"no quarantine entry {entry_id}") from None

    def entries(self) -> Iterator[Entry]:
        yield from (self.items[k] for k in sorted(self.items))

    def delete(self, entry_id: str) -> Entry:
        entry = self.get(entry_id)
        del self.items[entry_id]
        return replace(entry, status="deleted")

    def close(self) -> None:
        pass
