"""Shortcuts in the facts builder give what the plain code gave."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mailward.facts import build, lures
from mailward.parse import parse_message


def _disguised_reference(text: str, limit: int = 5) -> list[str]:
    """``disguised_words`` as it was written before its shortcuts."""
    found: list[str] = []
    for word in lures._WORD.findall(text[:1000]):
        if word.isascii():
            letters = sum(c.isalpha() for c in word)
            disguised = (letters >= 4 and sum(c.isdigit() for c in word) == 1
                         and lures._DIGIT_FOR_LETTER.search(word) is not None) \
                or (lures._CASE_FOR_LETTER.search(word) is not None and not lures._SCOTTISH.match(word))
        else:
            disguised = lures._mixed_script(word)
        if disguised and word not in found:
            found.append(word)
            if len(found) >= limit:
                break
    return found


_PIECES = ["PayPaI", "0fficial", "Micr0soft", "BiIIing", "lRS", "McIntyre", "WordInfo", "Lоcаl", "word", " ", ".",
           "I", "l", "1", "0", "ab", "AB", "Ma", "cI", "x_y", "é"]


@given(st.lists(st.sampled_from(_PIECES), max_size=25), st.sampled_from([5, 2, 1]))
def test_disguised_words_as_before(pieces: list[str], limit: int) -> None:
    text = "".join(pieces)
    assert lures.disguised_words(text, limit) == _disguised_reference(text, limit)


def test_disguised_words_written_cases() -> None:
    assert lures.disguised_words("Your PayPaI account: 0fficial notice from lRS, Mr McIntyre") == [
        "PayPaI", "0fficial", "lRS"]


_HEADERS = ["X-Mailer: Mailer 1", "x-mailer: second", "User-Agent: Agent", "List-Unsubscribe: <mailto:u@x>",
            "List-Unsubscribe:", "LIST-ID: <list.example>", "Precedence:  Bulk ", "X-Other: 1"]


@given(st.lists(st.sampled_from(_HEADERS), max_size=8))
def test_message_headers_read_in_one_pass(headers: list[str]) -> None:
    raw = "\r\n".join(["From: a@example.org", "To: b@example.org", "Subject: s", *headers, "", "body", ""])
    message = parse_message(raw.encode())
    facts = build._message(message)
    assert facts["mailer"] == (message.header("X-Mailer") or message.header("User-Agent") or "").lower()[:200]
    assert facts["list_unsubscribe"] == (message.header("List-Unsubscribe") is not None)
    assert facts["list_id"] == (message.header("List-Id") or "").lower()[:200]
    assert facts["precedence"] == (message.header("Precedence") or "").strip().lower()[:50]
