"""Signature lines are read once per message, and never handed to another message."""

from __future__ import annotations

import gc
import weakref

from mailward.identity import claims
from mailward.identity.claims import signature_lines

from .helpers import message


def test_each_message_gets_its_own_lines() -> None:
    first = message("a@example.org", body="Hello,\n\nJane Doe\nCorrespondent, Reuters\n")
    second = message("a@example.org", body="Hello,\n\nJohn Roe\nThe Economist\n")
    assert signature_lines(first)[-1] == "Correspondent, Reuters"
    assert signature_lines(second)[-1] == "The Economist"
    assert signature_lines(first)[-1] == "Correspondent, Reuters"  # not the last message's


def test_a_caller_cannot_change_the_cached_lines() -> None:
    msg = message("a@example.org", body="Hello,\n\nJane Doe\nReuters\n")
    signature_lines(msg).append("injected")
    assert signature_lines(msg)[-1] == "Reuters"
    assert signature_lines(msg, 1) == ["Reuters"]  # another count is read afresh


def test_the_cache_keeps_no_message_alive() -> None:
    msg = message("a@example.org", body="Hello,\n\nJane Doe\nReuters\n")
    signature_lines(msg)
    ref = weakref.ref(msg)
    del msg
    gc.collect()
    assert ref() is None
    assert claims._last_signature is not None and claims._last_signature[0]() is None
