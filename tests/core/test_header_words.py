"""The one-pass reading of headers made only of encoded words agrees with the stdlib."""

from __future__ import annotations

import base64
import binascii
import email.errors
import email.utils
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mailward import headers
from mailward.headers import _decoded_words, decode_value

_SEPARATORS = st.sampled_from(["", " ", "\r\n ", "\n\t", "\r\n\t ", "  ", "\r\n", "\t"])
_CHARSETS = st.sampled_from(["utf-8", "UTF-8", "iso-8859-1", "us-ascii", "", "x-unknown", "utf-8*en"])


@st.composite
def _word(draw: st.DrawFn) -> str:
    charset = draw(_CHARSETS)
    if draw(st.booleans()):
        data = draw(st.binary(max_size=12))
        text = base64.b64encode(data).decode()
        if draw(st.integers(0, 4)) == 0:
            text = text.rstrip("=")  # padding left out: the stdlib adds it back
        if draw(st.integers(0, 6)) == 0:
            text += draw(st.sampled_from(["A", "AB", "!", "="]))
        return f"=?{charset}?{draw(st.sampled_from('bB'))}?{text}?="
    text = draw(st.text(alphabet="abc_=3D4F2xyz+/.!", max_size=12))
    return f"=?{charset}?{draw(st.sampled_from('qQ'))}?{text}?="


@st.composite
def _value(draw: st.DrawFn) -> str:
    words = draw(st.lists(_word(), min_size=1, max_size=8))
    out = draw(_SEPARATORS)
    for word in words:
        out += word + draw(_SEPARATORS)
    if draw(st.integers(0, 8)) == 0:
        out += draw(st.sampled_from(["plain", "?", "=?", "\x0b", "\u2028"]))
    return out


def _outcome(function: object, raw: str) -> object:
    try:
        return function(raw)  # type: ignore[operator]
    except Exception as exc:  # the same exception type is the same outcome
        return type(exc)


@settings(max_examples=500, deadline=None)
@given(_value())
def test_same_words_as_decode_header(raw: str) -> None:
    assert _outcome(_decoded_words, raw) == _outcome(headers.decode_header, raw)


def _reference_value(raw: str) -> str:
    """``decode_value`` as it was: the stdlib's decoding, then ``\\s+`` runs as one space."""
    value = raw
    if "=?" in raw:
        try:
            value = headers.no_surrogates(str(headers.make_header(headers.decode_header(raw))))
        except (ValueError, LookupError, UnicodeError, AssertionError, TypeError, email.errors.MessageError):
            value = raw
    if "\n" in value or "\r" in value:
        value = re.sub(r"\s+", " ", value)
    return value.strip()


@settings(max_examples=300, deadline=None)
@given(_value())
def test_same_decoded_value(raw: str) -> None:
    assert decode_value(raw) == _reference_value(raw)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(" \t\r\n\x0b\x0c\x1c\x1f\x85\xa0\u2028\u3000ab=?"), max_size=30))
def test_unfolding_matches_the_whitespace_pattern(raw: str) -> None:
    assert decode_value(raw) == _reference_value(raw)


def test_a_long_base64_header_is_one_chunk() -> None:
    text = base64.b64encode(b"x" * 300).decode()
    raw = "\r\n\t" + "\r\n ".join(f"=?utf-8?B?{text[i:i + 60]}?=" for i in range(0, len(text), 60)) + " "
    assert _decoded_words(raw) == [(b"x" * 300, "utf-8"), (b" ", None)]
    assert decode_value(raw) == "x" * 300


def test_bad_base64_still_falls_back() -> None:
    raw = "=?utf-8?B?QQ?= =?utf-8?B?A?="
    try:
        headers.decode_header(raw)
    except (binascii.Error, email.errors.HeaderParseError):
        pass
    assert decode_value(raw) == _reference_value(raw)


@st.composite
def _date(draw: st.DrawFn) -> str:
    day = draw(st.sampled_from(["", "Wed, ", "wed, ", "Wed ", "Sun,", "Xyz, "]))
    number = draw(st.sampled_from(["2", "02", "31", "0", "30", "29", "١"]))
    month = draw(st.sampled_from(["Dec", "Feb", "dec", "December", "Foo"]))
    year = draw(st.sampled_from(["2026", "1999", "26", "0001", "99999"]))
    clock = draw(st.sampled_from(["10:00:00", "23:59:60", "24:00:00", "9:05:01", "10:00", "10.00.00"]))
    zone = draw(st.sampled_from(["+0000", "-0000", "-0800", "+0530", "+2400", "+0099", "GMT", "EST", "", "+00"]))
    comment = draw(st.sampled_from(["", " (UTC)", " (PST)", " (GMT+00:00)", " (", " x y"]))
    gap = draw(st.sampled_from([" ", "  ", "\t"]))
    return gap.join([day + number, month, year, clock, zone]) + comment + draw(st.sampled_from(["", " ", "\t"]))


def _date_outcome(function: object, value: str) -> object:
    try:
        parsed = function(value)  # type: ignore[operator]
    except Exception as exc:
        return type(exc)
    return parsed, repr(parsed)  # the zone and naive-or-aware too


@settings(max_examples=500, deadline=None)
@given(_date())
def test_same_dates_as_the_standard_library(value: str) -> None:
    assert _date_outcome(headers.date_of, value) == _date_outcome(email.utils.parsedate_to_datetime, value)
