"""Where a hunt reads mail from: IMAP folders (read-only), Maildirs, mboxes, files.

A source is planned first (what is new since the last run, from the store's hunt
progress) and then streamed as ``WorkItem`` objects interleaved with ``Checkpoint``
markers. The writer commits a checkpoint only together with the results of every
item before it, so a crash loses at most one uncommitted batch and never skips mail.

IMAP is strictly read-only: folders are opened with EXAMINE and messages fetched
with ``BODY.PEEK[]``, so no flag (``\\Seen`` included) ever changes.
"""

from __future__ import annotations

import errno
import os
import ssl
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from mailward.errors import MailwardError
from mailward.sources import open_regular
from mailward.store import Store

from .analysis import WorkItem

FETCH_CHUNK = 50  # UIDs per FETCH; also how often IMAP progress is checkpointed


class SourceError(MailwardError):
    """A hunt source is unusable (bad URL, login refused, missing path). Says which."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    imap: tuple[str, int, int] | None = None  # folder key, UIDVALIDITY, last UID
    files: tuple[tuple[str, int, int, int], ...] = ()  # path, size, mtime_ns, messages


Entry = WorkItem | Checkpoint


# -- IMAP -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImapTarget:
    scheme: str  # "imap" or "imaps"
    user: str
    host: str
    port: int
    folders: tuple[str, ...]
    password: str = field(repr=False, default="")
    owner: str = ""
    ca_file: str | None = None
    verify: bool = True

    def folder_key(self, folder: str) -> str:
        return f"{self.scheme}://{quote(self.user, safe='')}@{self.host}:{self.port}/{quote(folder, safe='/')}"

    @property
    def mailbox(self) -> str:
        return (self.owner or (self.user if "@" in self.user else "")).lower()


def parse_imap_url(url: str) -> tuple[str, str, str, int, str]:
    """``imaps://user@host[:port]/folder`` -> (scheme, user, host, port, folder).

    The user may itself contain ``@`` (``alice@example.org@imap.example.org``) or
    ``%40``. The folder defaults to INBOX; ``*`` means every folder.
    """
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("imap", "imaps"):
        raise SourceError(f"not an IMAP URL: {url!r} (use imap://user@host[:port]/folder or imaps://...)")
    authority, _, folder = rest.partition("/")
    user, at, hostport = authority.rpartition("@")
    if not at or not user:
        raise SourceError(f"IMAP URL without a user: {url!r} (imaps://user@host/folder)")
    if ":" in user:  # the URL is stored and shown as each message's source: no password in it
        raise SourceError("a password in an IMAP URL is not accepted (it would be stored and shown with "
                          "every message's source): use --password-env or password_file")
    host, _, port_text = hostport.partition(":")
    if host.startswith("["):  # [IPv6]:port
        host, _, tail = hostport[1:].partition("]")
        port_text = tail.lstrip(":")
    if not host:
        raise SourceError(f"IMAP URL without a host: {url!r}")
    try:
        port = int(port_text) if port_text else (993 if scheme == "imaps" else 143)
    except ValueError:
        raise SourceError(f"bad port in IMAP URL {url!r}") from None
    return scheme, unquote(user), host, port, unquote(folder) or "INBOX"


def read_password(*, env: str | None = None, file: str | None = None) -> str:
    if env:
        value = os.environ.get(env)
        if value is None:
            raise SourceError(f"environment variable {env} (the IMAP password) is not set")
        return value
    if file:
        try:
            return Path(file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise SourceError(f"cannot read the password file {file}: {exc.strerror}") from None
    return ""


def imap_target(url: str, *, password: str, owner: str = "", ca_file: str | None = None) -> ImapTarget:
    scheme, user, host, port, folder = parse_imap_url(url)
    return ImapTarget(scheme, user, host, port, (folder,), password, owner, ca_file)


def load_accounts(path: str | Path) -> list[ImapTarget]:
    """An accounts file (TOML) listing the organisation's mailboxes::

        [[account]]
        url = "imaps://amelia@parliament.example@imap.parliament.example/INBOX"
        password_file = "secrets/amelia"      # or password_env = "VAR"
        owner = "amelia@parliament.example"   # optional when the user is the address
        folders = ["INBOX", "Archive"]        # optional, overrides the URL's folder; "*" = all
    """
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceError(f"cannot read the accounts file {file}: {exc.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SourceError(f"invalid TOML in the accounts file {file}: {exc}") from None
    accounts = data.get("account", [])
    if not isinstance(accounts, list) or not accounts:
        raise SourceError(f"{file}: no [[account]] entries")
    out = []
    defaults = data.get("defaults", {}) if isinstance(data.get("defaults", {}), dict) else {}
    for n, entry in enumerate(accounts, 1):
        if not isinstance(entry, dict) or "url" not in entry:
            raise SourceError(f"{file}: account #{n} has no url")
        merged = {**defaults, **entry}
        pw_file = merged.get("password_file")
        if pw_file and not Path(pw_file).is_absolute():
            pw_file = str(file.parent / pw_file)
        password = merged.get("password") or read_password(env=merged.get("password_env"), file=pw_file)
        target = imap_target(
            str(merged["url"]), password=str(password), owner=str(merged.get("owner", "")), ca_file=merged.get("ca_file")
        )
        folders = merged.get("folders")
        if folders:
            target = ImapTarget(
                target.scheme, target.user, target.host, target.port, tuple(str(f) for f in folders),
                target.password, target.owner, target.ca_file,
            )
        out.append(target)
    return out


class ImapSource:
    """New messages of the folders of one IMAP account."""

    def __init__(self, target: ImapTarget, *, timeout: float = 60.0) -> None:
        self.target = target
        self.timeout = timeout
        self.client: Any = None
        self.plan: list[tuple[str, str, int, list[int]]] = []  # folder, key, uidvalidity, uids

    @property
    def name(self) -> str:
        return self.target.folder_key(",".join(self.target.folders))

    def _connect(self) -> Any:
        from imapclient import IMAPClient
        from imapclient.exceptions import LoginError

        t = self.target
        context = None
        if t.scheme == "imaps":
            context = ssl.create_default_context(cafile=t.ca_file)
        try:
            client = IMAPClient(t.host, port=t.port, ssl=t.scheme == "imaps", ssl_context=context, timeout=self.timeout)
        except (OSError, ssl.SSLError) as exc:
            raise SourceError(f"cannot connect to {t.host}:{t.port}: {exc}") from None
        try:
            client.login(t.user, t.password)
        except LoginError as exc:
            client.shutdown()
            raise SourceError(f"IMAP login refused for {t.user} at {t.host}:{t.port}: {exc}") from None
        return client

    def prepare(self, store: Store) -> int:
        """Log in, compare UIDVALIDITY with the store, list the new UIDs. Returns their number."""
        self.client = self._connect()
        folders = list(self.target.folders)
        if folders == ["*"]:
            folders = [name for _flags, _delim, name in self.client.list_folders()]
        total = 0
        for folder in folders:
            key = self.target.folder_key(folder)
            try:
                info = self.client.select_folder(folder, readonly=True)  # EXAMINE
            except Exception as exc:
                raise SourceError(f"cannot open folder {folder!r} of {self.target.user}: {exc}") from None
            validity = int(info.get(b"UIDVALIDITY", 0))
            known = store.imap_progress(key)
            last = 0
            if known is not None:
                if known[0] != validity:
                    store.reset_imap_folder(key, validity)
                else:
                    last = known[1]
            uids = sorted(u for u in self.client.search(["UID", f"{last + 1}:*"]) if u > last)
            self.plan.append((folder, key, validity, uids))
            total += len(uids)
        # log out until this account's turn comes: a hunt over hundreds of mailboxes
        # must not hold hundreds of idle connections
        self.close()
        return total

    def entries(self) -> Iterator[Entry]:
        if not any(uids for *_rest, uids in self.plan):
            return
        mailbox = self.target.mailbox
        self.client = self._connect()
        try:
            for folder, key, validity, uids in self.plan:
                if not uids:
                    continue
                info = self.client.select_folder(folder, readonly=True)
                if int(info.get(b"UIDVALIDITY", 0)) != validity:
                    continue  # renumbered since planning: the next hunt reads it afresh
                for start in range(0, len(uids), FETCH_CHUNK):
                    chunk = uids[start : start + FETCH_CHUNK]
                    data = self.client.fetch(chunk, ["BODY.PEEK[]"])
                    for uid in chunk:
                        got = data.get(uid)
                        if got is None:  # expunged since the search
                            continue
                        raw = got.get(b"BODY[]") or b""
                        yield WorkItem(f"{key};UIDVALIDITY={validity}/;UID={uid}", bytes(raw), mailbox)
                    yield Checkpoint(imap=(key, validity, chunk[-1]))
        finally:
            self.close()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.logout()
            except Exception:  # noqa: S110 - the connection may already be gone
                pass
            self.client = None


# -- files ------------------------------------------------------------------------


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


@dataclass(frozen=True, slots=True)
class _Unit:
    key: str  # absolute path, or MAILDIR/UNIQUE for a Maildir message
    path: Path
    kind: str  # "file", "maildir", "mbox"
    size: int
    mtime_ns: int
    follow: bool = False  # a path the user named (a link is followed), not one a walk found


@dataclass
class Tally:
    """How many paths, and the first few with why."""

    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, path: Path, why: str = "") -> None:
        self.count += 1
        if len(self.examples) < 3:
            self.examples.append(f"{path}: {why}" if why else str(path))


@dataclass
class Skipped:
    """What a walk over file sources did not read, so that nothing is left out unsaid:
    symbolic links below a source (``sources.NOT_FOLLOWED``), and files or folders that
    could not be read (permissions, I/O errors). A file deleted or moved between the walk
    and the read is not counted: a mail client at work does that."""

    links: Tally = field(default_factory=Tally)
    unreadable: Tally = field(default_factory=Tally)

    def error(self, path: Path, exc: OSError) -> None:
        if exc.errno == errno.ELOOP:
            self.links.add(path)  # became a link after the walk looked (O_NOFOLLOW)
        elif not isinstance(exc, FileNotFoundError):
            self.unreadable.add(path, exc.strerror or str(exc))


def _listing(folder: Path, skipped: Skipped) -> list[os.DirEntry[str]]:
    try:
        return sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        skipped.error(folder, exc)
        return []


def _maildir_units(root: Path, skipped: Skipped) -> Iterator[_Unit]:
    for sub in ("new", "cur"):
        folder = root / sub
        if folder.is_symlink():
            skipped.links.add(folder)
            continue
        if not folder.is_dir():
            continue
        for entry in _listing(folder, skipped):
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                skipped.links.add(Path(entry.path))
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                skipped.error(Path(entry.path), exc)
                continue
            unique = entry.name.split(":2,", 1)[0].split("!2,", 1)[0]
            yield _Unit(f"{root}/{unique}", Path(entry.path), "maildir", st.st_size, st.st_mtime_ns)
    for entry in _listing(root, skipped):  # Maildir++ sub-folders: .Sent, .Archive.2024
        child = Path(entry.path)
        if entry.name.startswith(".") and child.is_dir() and _is_maildir(child):
            if child.is_symlink():
                skipped.links.add(child)
                continue
            yield from _maildir_units(child, skipped)


def _walk(path: Path, skipped: Skipped, *, top: bool = True) -> Iterator[_Unit]:
    """The files below ``path``; below it, a symbolic link is counted in ``skipped``, not followed."""
    if not top and path.is_symlink():
        skipped.links.add(path)
        return
    if path.is_dir():
        if _is_maildir(path):
            yield from _maildir_units(path, skipped)
            return
        for entry in _listing(path, skipped):
            if entry.name.startswith("."):
                continue
            yield from _walk(Path(entry.path), skipped, top=False)
    elif path.is_file():
        from mailward.sources import is_mbox, looks_like_message

        try:
            opened = open_regular(path, follow=top)
            if opened is None:
                return
            with opened[0] as head_file:
                head = head_file.read(4096)
        except OSError as exc:
            skipped.error(path, exc)
            return
        if not (is_mbox(head) or looks_like_message(head)):
            return  # a README or an index file next to the mail, not a message
        st = opened[1]
        kind = "mbox" if is_mbox(head) else "file"
        yield _Unit(str(path), path, kind, st.st_size, st.st_mtime_ns, follow=top)


class FileSource:
    """Files, directories, Maildirs (with sub-folders) and mboxes below some paths.

    Memory stays flat however many files there are and however many the store has
    already seen: the paths are walked twice (once to count what is new, once to read
    it), and the store's progress rows are looked up a chunk of files at a time, not
    loaded whole (~630 bytes a file kept in a list, plus every stored row in a dict:
    gigabytes for a million-message Maildir hunted again).
    """

    CHUNK = 2000  # files whose progress is looked up in one query

    def __init__(self, paths: Sequence[str | Path], *, owner: str = "") -> None:
        self.paths = [Path(p).absolute() for p in paths]
        self.owner = owner.lower()
        self.store: Store | None = None
        self.skipped = Skipped()  # by the last walk (each walk counts afresh)

    @property
    def name(self) -> str:
        return ", ".join(str(p) for p in self.paths)

    def prepare(self, store: Store) -> int:
        for path in self.paths:
            if not path.exists():
                raise SourceError(f"no such file or directory: {path}")
        self.store = store
        return sum(1 for _unit in self._pending())

    def _pending(self) -> Iterator[tuple[_Unit, int]]:
        """(unit, messages already read) of every file that is new or changed since the
        store last saw it, in walk order (skip > 0: an mbox appended to)."""
        assert self.store is not None, "prepare() first"
        chunk: list[_Unit] = []
        self.skipped = Skipped()
        for path in self.paths:
            for unit in _walk(path, self.skipped):
                chunk.append(unit)
                if len(chunk) >= self.CHUNK:
                    yield from self._unseen(chunk)
                    chunk = []
        yield from self._unseen(chunk)

    def _unseen(self, units: list[_Unit]) -> Iterator[tuple[_Unit, int]]:
        assert self.store is not None
        states = self.store.file_states_for([u.key for u in units]) if units else {}
        for unit in units:
            state = states.get(unit.key)
            if state is not None and state.size == unit.size and state.mtime_ns == unit.mtime_ns:
                continue
            skip = 0
            if unit.kind == "mbox" and state is not None and unit.size >= state.size:
                skip = state.messages  # appended to: read only what is new
            yield unit, skip

    def entries(self) -> Iterator[Entry]:
        for unit, skip in self._pending():
            if unit.kind != "mbox":
                try:
                    opened = open_regular(unit.path, follow=unit.follow)
                    if opened is None:
                        continue
                    with opened[0] as handle:
                        raw = handle.read()
                except OSError as exc:
                    self.skipped.error(unit.path, exc)  # unless moved or deleted since the walk
                    continue
                yield WorkItem(unit.key if unit.kind == "maildir" else str(unit.path), raw, self.owner)
                yield Checkpoint(files=((unit.key, unit.size, unit.mtime_ns, 1),))
                continue
            yield from self._mbox_entries(unit, skip)

    def _mbox_entries(self, unit: _Unit, skip: int) -> Iterator[Entry]:
        from mailward.sources import NOT_FOLLOWED, RawMessage, read_file

        count = 0
        for raw in read_file(unit.path, follow=unit.follow):
            if not isinstance(raw, RawMessage):
                tally = self.skipped.links if raw.error == NOT_FOLLOWED else self.skipped.unreadable
                tally.add(unit.path, "" if raw.error == NOT_FOLLOWED else raw.error)
                continue
            count += 1
            if count <= skip:
                continue
            yield WorkItem(raw.source, raw.data, self.owner)
            # partial progress: the old size stays, so an unfinished mbox is read on
            yield Checkpoint(files=((unit.key, 0, 0, count),))
        yield Checkpoint(files=((unit.key, unit.size, unit.mtime_ns, count),))
