"""The parse side's shortcuts give what the code they replace gives.

- ``headers.squeeze`` against ``re.sub(r"\\s+", " ", ...)`` (Received and
  Authentication-Results values);
- ``mimefast._Part.line_end`` against the feed parser's line-end pattern, and
  ``_Part.block`` (a header block split at once where its own line ends are all
  alike, wherever the rest of the text mixes them) against a line-at-a-time split;
- ``mimefast._field`` against ``compat32.header_source_parse``.
"""

from __future__ import annotations

import re
from email import policy

from hypothesis import given, settings
from hypothesis import strategies as st

from mailward import headers, mimefast

_WS = re.compile(r"\s+")
# every character str.isspace() holds for below U+3001, and some that look like blanks but are not
_BLANKS = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\xa0", "\u1680",
           "\u2000", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\u200b", "\ufeff", "\udce9"]
_TEXTS = st.lists(st.sampled_from([*_BLANKS, "a", "by", "from", ";", "(", ")", "x.example", "é"]),
                  max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.one_of(_TEXTS, st.text(max_size=40)))
def test_squeeze_is_the_substitution(text: str) -> None:
    assert headers.squeeze(text) == _WS.sub(" ", text)


def test_squeeze_keeps_the_ends() -> None:
    assert headers.squeeze("\r\n\tfrom a\r\n\tby b; x \n") == " from a by b; x "
    assert headers.squeeze(" \t ") == " "
    assert headers.squeeze("") == ""


_EOLS = ["\r\n", "\n", "\r"]
_LINE_TEXTS = ["Subject: x", "X-A: b", " folded", "\tfolded", "", "From x", "no colon", ": x", "To: a@b"]


@st.composite
def _blocks(draw: st.DrawFn) -> tuple[str, int, int]:
    """A text of header-like lines whose line ends are mostly alike, and a range in it."""
    main = draw(st.sampled_from(_EOLS))
    lines = draw(st.lists(st.tuples(st.sampled_from(_LINE_TEXTS),
                                    st.sampled_from([main] * 6 + _EOLS)), max_size=12))
    text = "".join(line + eol for line, eol in lines)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    return text, start, end


def _reference_block(text: str, start: int, end: int) -> tuple[list[str], int]:
    """The header block read a line at a time (the code's fallback, with the pattern)."""
    lines = []
    pos = start
    while pos < end:
        match = mimefast._EOL.search(text, pos, end)
        stop = match.end() if match else end
        if text[pos] in "\r\n":
            return lines, stop
        lines.append(text[pos:stop])
        pos = stop
    return lines, pos


@settings(max_examples=1000, deadline=None)
@given(_blocks())
def test_line_end_and_block_are_the_line_at_a_time_reading(case: tuple[str, int, int]) -> None:
    text, start, end = case
    part = mimefast._Part(text)
    for pos in range(start, end + 1):
        match = mimefast._EOL.search(text, pos, end)
        assert part.line_end(pos, end) == (match.end() if match else end)
    assert part.block(start, end) == _reference_block(text, start, end)


_HEADER_LINES = st.lists(st.sampled_from(["X-A:", "X-A: v", "X-A:  \t v \t", "Subject:x:y", " more", "\tmore ",
                                          " ", "X-A: caf\udce9"]), min_size=1, max_size=4)


@settings(max_examples=500, deadline=None)
@given(_HEADER_LINES, st.lists(st.sampled_from(["\r\n", "\n", "\r", "", "\r\n\r\n"]), min_size=4, max_size=4))
def test_field_is_header_source_parse(texts: list[str], eols: list[str]) -> None:
    if ":" not in texts[0]:
        texts[0] = "X-B:" + texts[0]
    lines = [text + eol for text, eol in zip(texts, eols, strict=False)]
    assert mimefast._field(lines) == policy.compat32.header_source_parse(lines)
