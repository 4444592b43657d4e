"""Where a preview's bytes come from: the store's copy, the quarantine, or the hunted file
if it still has the same SHA-256; otherwise there is no preview."""

from __future__ import annotations

import hashlib

from mailward.config import Config
from mailward.gateway.quarantine import FileQuarantine
from mailward.store import MessageRecord, open_store
from mailward.web.context import WebContext

RAW = b"From: a@b.example\r\nTo: c@d.example\r\nSubject: kept\r\n\r\nhello\r\n"


def _context(tmp_path, source: str, *, keep_bodies: bool = False) -> tuple[WebContext, int]:
    config = Config(data={"mailward": {"data_dir": str(tmp_path / "var")}, "store": {"keep_bodies": keep_bodies}})
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}", config=config)
    store.write_batch([MessageRecord(source=source, sha256=hashlib.sha256(RAW).hexdigest(), verdict="clean",
                                     verdict_rank=0, size=len(RAW), body=RAW)])
    ctx = WebContext.build(config, store)
    return ctx, store.messages()[0].id


def test_maildir_source_is_found_in_cur_with_flags_and_checked(tmp_path):
    box = tmp_path / "box"
    (box / "cur").mkdir(parents=True)
    path = box / "cur" / "123.abc.host:2,S"
    path.write_bytes(RAW)
    ctx, pk = _context(tmp_path, f"{box}/123.abc.host")
    assert ctx.message_bytes(pk) == (RAW, "source file")
    path.write_bytes(RAW.replace(b"hello", b"HELLO"))  # changed since the hunt: not the same message
    assert ctx.message_bytes(pk) == (None, "")
    ctx.store.close()


def test_quarantine_copy_is_used_by_hash(tmp_path):
    ctx, pk = _context(tmp_path, str(tmp_path / "gone.eml"))
    assert ctx.message_bytes(pk) == (None, "")
    FileQuarantine(ctx.gateway.quarantine_dir).put_bytes(RAW)
    assert ctx.message_bytes(pk) == (RAW, "quarantine")
    ctx.store.close()


def test_store_copy_first_when_bodies_are_kept(tmp_path):
    ctx, pk = _context(tmp_path, str(tmp_path / "gone.eml"), keep_bodies=True)
    assert ctx.message_bytes(pk) == (RAW, "store")
    assert ctx.message_bytes(pk + 1000) == (None, "")
    ctx.store.close()
