"""``re2bytes`` runs compiled RE2 programs on text encoded once; its answers must be
what ``re2``'s own ``search`` and ``finditer`` give on the ``str``, in characters."""

from __future__ import annotations

import re2
from hypothesis import given
from hypothesis import strategies as st

from mailward.facts import lures, message_cues, re2bytes

_TEXTS = st.lists(st.sampled_from([*"ab \n\xa0éü€𝔸$1.-", "urgent", "password has expired", "€ 12", "+1 202 555 0143",
                                    "verify your account", "this is an advertisement", "invoice"]),
                  max_size=40).map("".join)
# an empty match is possible: finditer must step one character past it
_EMPTY_OK = re2.compile(r"a*|€", lures._OPTIONS)
_PATTERNS = (_EMPTY_OK, lures._PHONE, lures._AMOUNT, message_cues._URGENCY, re2.compile(r"\b", lures._OPTIONS))


def _reference_spans(pattern: re2._Regexp, text: str, limit: int) -> list[str]:
    out = []
    for match in pattern.finditer(text):
        out.append(match.group(0))
        if len(out) >= limit:
            break
    return out


@given(st.lists(st.sampled_from(["ab", "a", "é", "€", "𝔸", " ", "\n", "urgent", "12", "$"]), max_size=30),
       st.integers(1, 12))
def test_spans_are_finditer_matches(pieces: list[str], limit: int) -> None:
    text = "".join(pieces)
    data = re2bytes.utf8(text)
    for pattern in _PATTERNS:
        found = [re2bytes.text_of(data, span) for span in re2bytes.spans(pattern, data, limit)]
        assert found == _reference_spans(pattern, text, limit)
        first = pattern.search(text)
        span = re2bytes.search(pattern, data)
        assert (span == re2bytes.NO_SPAN) == (first is None)
        if first is not None:
            assert re2bytes.text_of(data, span) == first.group(0)
            assert len(data[: span[0]].decode("utf-8")) == first.start()


@given(_TEXTS)
def test_text_cues_are_the_str_functions(text: str) -> None:
    data = re2bytes.utf8(text)
    assert message_cues.text_cues_in(data) == (
        message_cues.credential_phrases(text), message_cues.urgency_phrases(text), message_cues.newsroom_words(text))
    assert lures.callback_signals_in(data) == lures.callback_signals(text)
    assert lures.ad_footer_in(data) == lures.ad_footer(text)
    assert lures.lures_in(data) == lures.find_lures(text)


def test_written_cases() -> None:
    text = ("URGENT: your password has expired. Call +1 202 555 0143 about the €499 invoice. "
            "This is an advertisement. Verify your account immediately — urgent!")
    data = re2bytes.utf8(text)
    credential, urgency, newsroom = message_cues.text_cues_in(data)
    assert credential == ["password has expired", "verify your account"]
    assert urgency == ["urgent", "immediately"]
    assert newsroom is False
    assert lures.callback_signals_in(data) == (1, 1, True)
    assert lures.ad_footer_in(data) == "this is an advertisement"
    assert re2bytes.distinct(message_cues._URGENCY, data, limit=1) == ["urgent"]
    # an empty match steps over a whole character, not into its bytes
    assert re2bytes.spans(_EMPTY_OK, re2bytes.utf8("é€a"), 10) == [(0, 0), (2, 2), (5, 6), (6, 6)]
    assert _reference_spans(_EMPTY_OK, "é€a", 10) == ["", "", "a", ""]
