"""File sources walk and look up their progress a chunk of files at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailward.hunt import sources as sources_module
from mailward.hunt.analysis import WorkItem
from mailward.hunt.sources import FileSource
from mailward.store import open_store

MESSAGE = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: m%d\r\nMessage-ID: <%d@example.org>\r\n\r\nhello\r\n"


def _maildir(root: Path, count: int) -> Path:
    box = root / "box"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    for n in range(count):
        (box / "cur" / f"17000000{n:02d}.M{n}.test:2,S").write_bytes(MESSAGE % (n, n))
    return box


def test_only_new_or_changed_files_are_read_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FileSource, "CHUNK", 3)  # 11 files: four chunks, the last one short
    box = _maildir(tmp_path, 11)
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    first = FileSource([box])
    assert first.prepare(store) == 11
    items = [e for e in first.entries() if isinstance(e, WorkItem)]
    assert len(items) == 11 and len({i.source for i in items}) == 11
    files = sorted(box.glob("cur/*"))
    seen = [(f"{box}/{f.name.split(':2,')[0]}", f.stat().st_size, f.stat().st_mtime_ns, 1) for f in files]
    store.write_batch([], files=seen[:7] + seen[8:])  # every file but the eighth was hunted
    files[1].write_bytes(MESSAGE % (99, 99) + b"changed\r\n")  # and the second changed since
    again = FileSource([box])
    assert again.prepare(store) == 2
    sources = [e.source for e in again.entries() if isinstance(e, WorkItem)]
    assert sources == [seen[1][0], seen[7][0]]
    store.close()


def test_links_below_the_sources_are_counted_not_followed(tmp_path: Path) -> None:
    # a link back to a parent made the walk read one message 41 times; a link a mailbox's
    # owner plants must not make a hunt run by root read a file outside the mailbox
    box = _maildir(tmp_path, 2)
    secret = tmp_path / "secret"
    secret.write_bytes(MESSAGE % (7, 7))
    (box / "cur" / "1800000000.M9.test:2,S").symlink_to(secret)
    tree = tmp_path / "tree"
    (tree / "a").mkdir(parents=True)
    (tree / "a" / "m.eml").write_bytes(MESSAGE % (8, 8))
    (tree / "a" / "up").symlink_to(tree)
    (tree / "a" / "secret.eml").symlink_to(secret)
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    source = FileSource([box, tree])
    assert source.prepare(store) == 3  # two Maildir messages and m.eml, each once
    read = [e.source for e in source.entries() if isinstance(e, WorkItem)]
    assert len(read) == 3 and read[-1] == str(tree / "a" / "m.eml")
    assert source.skipped.links.count == 3
    assert set(source.skipped.links.examples) == {str(box / "cur" / "1800000000.M9.test:2,S"), str(tree / "a" / "up"),
                                          str(tree / "a" / "secret.eml")}
    named = FileSource([tree / "a" / "secret.eml"])  # a link the user names is read
    assert named.prepare(store) == 1 and named.skipped.links.count == 0


def test_unreadable_files_are_counted_and_vanished_ones_are_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("a.eml", "b.eml", "c.eml"):
        (tree / name).write_bytes(MESSAGE % (1, 1))
    real = sources_module.open_regular

    def refusing(path: Path, *, follow: bool):  # type: ignore[no-untyped-def]
        if path.name == "b.eml":
            raise PermissionError(13, "Permission denied")
        if path.name == "c.eml":
            raise FileNotFoundError(2, "No such file or directory")  # a mail client moved it
        return real(path, follow=follow)

    monkeypatch.setattr(sources_module, "open_regular", refusing)
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    source = FileSource([tree])
    assert source.prepare(store) == 1
    assert [e.source for e in source.entries() if isinstance(e, WorkItem)] == [str(tree / "a.eml")]
    assert source.skipped.unreadable.count == 1
    assert source.skipped.unreadable.examples == [f"{tree / 'b.eml'}: Permission denied"]
    assert source.skipped.links.count == 0
