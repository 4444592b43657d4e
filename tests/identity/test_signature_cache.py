"""Signature lines are read once per message, and never handed to another message."""

from __future__ import annotations

import gc
import weakref

from hypothesis import given
from hypothesis import strategies as st

from mailward.identity import claims
from mailward.identity.claims import signature_lines
from mailward.model import Message
from mailward.parse import parse_message

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


def _html_message(html: str) -> Message:
    raw = f"From: a@example.org\r\nTo: b@example.org\r\nSubject: x\r\nContent-Type: text/html\r\n\r\n{html}\r\n"
    return parse_message(raw.encode())


def test_the_html_tail_is_kept_per_message() -> None:
    first = _html_message("<p>Hello</p><p>Jane Doe<br>Reuters</p>")
    second = _html_message("<p>Hi</p><div>John Roe</div>")
    assert claims.html_tail_of(first).split() == ["Hello", "Jane", "Doe", "Reuters"]
    assert claims.html_tail_of(second).split() == ["Hi", "John", "Roe"]
    assert claims.html_tail_of(first).split()[-1] == "Reuters"  # not the last message's
    assert claims.html_tail_of(message("a@example.org", body="plain")) == ""


# ``_quote_start`` looks for the quote markers only where a line may start one: it must
# find what one search of the whole pattern finds
_PIECES = ["\n", "\r\n", " ", "\t", "> ", "-- ", "---- Original Message", "On Monday, Jane wrote:", "on x wrote: ",
           "Am 1. Mai schrieb Jane:", "Le lundi a écrit :", "From: Jane", "FROM: x", "Begin forwarded message",
           "Le", "am", "text", "é", "ON", "b", "from:"]


def _reference(text: str) -> int:
    found = claims._QUOTE_MARKERS.search(text, 0, claims._QUOTE_WITHIN)
    return found.start() if found is not None else -1


@given(st.lists(st.sampled_from(_PIECES), max_size=30))
def test_quote_start_is_the_patterns_first_match(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert claims._quote_start(text) == _reference(text)


def test_quote_start_on_written_cases() -> None:
    assert claims._quote_start("Thanks!\n\nOn Mon, Jane wrote:\n> hi") == 9
    assert claims._quote_start("> quoted first") == 0
    assert claims._quote_start("no marker here\nat all") == -1
    long = "x\n" * 30_000 + "From: someone"  # past the first 50,000 characters: not looked for
    assert claims._quote_start(long) == _reference(long) == -1


@given(st.lists(st.sampled_from(["line", " ", "\n", "\n\n", "  \n", "Jane Doe", "Reuters"]), max_size=40),
       st.integers(-1, 12))
def test_the_last_lines_are_the_last_non_empty_lines(pieces: list[str], count: int) -> None:
    text = "".join(pieces)
    msg = message("a@example.org", body=text or "x")
    lines = [line.strip() for line in msg.text_parts[0].text.splitlines()]
    assert claims._signature_lines(msg, count) == [line for line in lines if line][-count:]
