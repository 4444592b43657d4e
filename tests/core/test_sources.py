"""Every source kind: file, directory, mbox, Maildir, stdin."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest

from mailward import sources
from mailward.sources import (
    NOT_FOLLOWED,
    RawMessage,
    SourceNotFound,
    UnreadableSource,
    check_paths,
    iter_sources,
    open_regular,
    read_file,
)

from .samples import SAMPLES

ONE = SAMPLES["plain_utf8"]
TWO = SAMPLES["html_newsletter"]


def _sources(paths: list[str], stdin: object = None) -> list[RawMessage | UnreadableSource]:
    return list(iter_sources(paths, stdin=stdin))


def test_single_file(tmp_path: Path) -> None:
    path = tmp_path / "one.eml"
    path.write_bytes(ONE)
    items = _sources([str(path)])
    assert items == [RawMessage(str(path), ONE)]


def test_directory_is_recursive_and_skips_non_messages(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b").mkdir()
    (tmp_path / "a" / "one.eml").write_bytes(ONE)
    (tmp_path / "a" / "b" / "two").write_bytes(TWO)
    (tmp_path / "notes.txt").write_text("just some notes, not mail\n")
    (tmp_path / "labels.jsonl").write_text('{"a": 1}\n')
    items = _sources([str(tmp_path)])
    assert sorted(item.source for item in items) == sorted(
        [str(tmp_path / "a" / "one.eml"), str(tmp_path / "a" / "b" / "two")]
    )


def test_mbox_messages_are_numbered_and_unquoted(tmp_path: Path) -> None:
    body_with_from = b"Subject: x\n\nline\n>From the archive\n"
    mbox = (
        b"From alice@example.org Tue Mar  2 09:15:00 2021\n" + ONE.replace(b"\r\n", b"\n") + b"\n"
        b"From bob@example.org Tue Mar  2 09:16:00 2021\n" + body_with_from + b"\n"
        b"From carol@example.org Tue Mar  2 09:17:00 2021\n" + TWO.replace(b"\r\n", b"\n")
    )
    path = tmp_path / "archive.mbox"
    path.write_bytes(mbox)
    items = _sources([str(path)])
    assert [item.source for item in items] == [f"{path}#1", f"{path}#2", f"{path}#3"]
    assert isinstance(items[1], RawMessage)
    assert b"\nFrom the archive\n" in items[1].data
    assert not items[0].data.startswith(b"From ")


def test_maildir_reads_cur_and_new(tmp_path: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (tmp_path / "box" / sub).mkdir(parents=True)
    (tmp_path / "box" / "cur" / "1.host:2,S").write_bytes(ONE)
    (tmp_path / "box" / "new" / "2.host").write_bytes(TWO)
    (tmp_path / "box" / "tmp" / "3.host").write_bytes(TWO)  # being delivered: not read
    items = _sources([str(tmp_path / "box")])
    assert len(items) == 2
    assert {Path(item.source).parent.name for item in items} == {"cur", "new"}


def test_stdin_single_message_and_mbox() -> None:
    assert _sources(["-"], stdin=io.BytesIO(ONE)) == [RawMessage("-", ONE)]
    mbox = b"From a@x Thu Jan  1 00:00:00 2021\nSubject: 1\n\none\n\nFrom b@x Thu Jan  1 00:00:00 2021\nSubject: 2\n\ntwo\n"
    items = _sources(["-"], stdin=io.BytesIO(mbox))
    assert [item.source for item in items] == ["-#1", "-#2"]


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFound, match="no such file"):
        check_paths([str(tmp_path / "nope")])


def test_unreadable_file_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "locked.eml"
    path.write_bytes(ONE)
    path.chmod(0)
    try:
        items = _sources([str(path)])
    finally:
        path.chmod(0o600)
    # root can read anything; otherwise the file must come back as an error item
    assert len(items) == 1
    assert isinstance(items[0], RawMessage | UnreadableSource)


def test_streaming_does_not_read_ahead(tmp_path: Path) -> None:
    for index in range(50):
        (tmp_path / f"{index:03}.eml").write_bytes(ONE)
    iterator = iter_sources([str(tmp_path)])
    first = next(iterator)
    assert isinstance(first, RawMessage)
    assert first.source.endswith("000.eml")


def test_links_below_a_source_are_reported_not_followed(tmp_path: Path) -> None:
    # a loop back to a parent read one message 41 times; a link in a mailbox a user owns
    # must not make a hunt run by root read a file outside it
    root = tmp_path / "mail"
    (root / "a").mkdir(parents=True)
    (root / "a" / "one.eml").write_bytes(ONE)
    outside = tmp_path / "outside.eml"
    outside.write_bytes(TWO)
    (root / "a" / "loop").symlink_to(root)
    (root / "a" / "outside.eml").symlink_to(outside)
    items = _sources([str(root)])
    read = [i.source for i in items if isinstance(i, RawMessage)]
    links = sorted(i.source for i in items if isinstance(i, UnreadableSource) and i.error == NOT_FOLLOWED)
    assert read == [str(root / "a" / "one.eml")]
    assert links == [str(root / "a" / "loop"), str(root / "a" / "outside.eml")]
    # a link the user names is read, as is a directory reached through one
    assert _sources([str(root / "a" / "outside.eml")]) == [RawMessage(str(root / "a" / "outside.eml"), TWO)]
    assert [i.source for i in _sources([str(root / "a" / "loop" / "a" / "one.eml")])] == [
        str(root / "a" / "loop" / "a" / "one.eml")]


def test_maildir_links_and_fifos_are_not_read(tmp_path: Path) -> None:
    box = tmp_path / "box"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    (box / "cur" / "1.a:2,S").write_bytes(ONE)
    outside = tmp_path / "secret"
    outside.write_bytes(TWO)
    (box / "cur" / "2.b:2,S").symlink_to(outside)
    os.mkfifo(box / "new" / "3.c")  # opening it for reading would wait for a writer
    items = _sources([str(box)])
    assert [i.source for i in items if isinstance(i, RawMessage)] == [str(box / "cur" / "1.a:2,S")]
    assert [(i.source, i.error) for i in items if isinstance(i, UnreadableSource)] == [
        (str(box / "cur" / "2.b:2,S"), NOT_FOLLOWED)]


def test_a_file_that_became_a_link_after_the_walk_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "secret"
    outside.write_bytes(TWO)
    swapped = tmp_path / "m.eml"
    swapped.symlink_to(outside)
    assert list(read_file(swapped, follow=False)) == [UnreadableSource(str(swapped), NOT_FOLLOWED)]
    assert list(read_file(swapped, follow=True)) == [RawMessage(str(swapped), TWO)]
    assert open_regular(swapped, follow=False) is None  # its status says link: not opened

    class Before:  # the status a check saw before the file was swapped for a link
        def __getattr__(self, name: str) -> object:
            return getattr(os, name)

        def stat(self, path: object, follow_symlinks: bool = True) -> os.stat_result:
            return os.stat(outside)

    monkeypatch.setattr(sources, "os", Before())
    with pytest.raises(OSError) as raised:  # O_NOFOLLOW: the open itself refuses the link
        open_regular(swapped, follow=False)
    assert raised.value.errno == errno.ELOOP
    monkeypatch.setattr(Path, "is_symlink", lambda self: False)  # swapped after that check too
    assert list(read_file(swapped, follow=False)) == [UnreadableSource(str(swapped), NOT_FOLLOWED)]
