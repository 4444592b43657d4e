"""The plain-address shortcut (``headers._plain_addresses``) gives what the standard
library's ``getaddresses`` gives wherever it answers, and declines the rest."""

from __future__ import annotations

import email.utils

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailward import headers

# characters around the shortcut's edges: the ones it accepts and the ones that
# send a value to the standard library
_SEGMENT = st.text(alphabet="abcXYZ019_%+-", min_size=1, max_size=4)
_ATOM = st.one_of(
    st.lists(_SEGMENT, min_size=1, max_size=3).map(".".join),  # mostly dot-atoms
    st.text(alphabet="abcXYZ019_%+-.", min_size=0, max_size=6),
)
_BLANK = st.sampled_from(["", " ", "  ", "\t", "\r\n "])
_WORD = st.text(alphabet="abXY19-", min_size=1, max_size=4)
_NAME = st.one_of(
    # mostly plain names: words between blanks of every kind
    st.lists(st.tuples(_WORD, _BLANK), max_size=3).map(lambda words: "".join(w + b for w, b in words)),
    st.text(alphabet="ab XY 19-\t.\"'(),<>@:;\\[]é", min_size=0, max_size=10),
)


@st.composite
def _mailbox(draw: st.DrawFn) -> str:
    addr = f"{draw(_ATOM)}@{draw(_ATOM)}"
    if draw(st.booleans()):
        return f"{draw(_BLANK)}{addr}{draw(_BLANK)}"
    return f"{draw(_BLANK)}{draw(_NAME)}{draw(_BLANK)}<{addr}>{draw(_BLANK)}"


_VALUE = st.lists(_mailbox(), min_size=1, max_size=4).map(",".join)


@settings(max_examples=500)  # a few ms each; about one in six is read by the shortcut
@given(st.lists(_VALUE, min_size=1, max_size=3))
def test_the_shortcut_equals_getaddresses_where_it_answers(values: list[str]) -> None:
    fast = headers._plain_addresses(tuple(values))
    if fast is not None:
        assert fast == tuple(email.utils.getaddresses(values))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("m1@lists.example", (("", "m1@lists.example"),)),
        ("Member 1 <m1@Lists.example>, b@x.example", (("Member 1", "m1@Lists.example"), ("", "b@x.example"))),
        ("Jean-Luc\r\n  Picard <jl@x.example>", (("Jean-Luc Picard", "jl@x.example"),)),
    ],
)
def test_plain_values_are_read_by_the_shortcut(value: str, expected: tuple[tuple[str, str], ...]) -> None:
    assert headers._plain_addresses((value,)) == expected == tuple(email.utils.getaddresses([value]))


@pytest.mark.parametrize(
    "value",
    [
        '"Keller, Maria" <maria@x.example>',  # quoted name
        "maria@x.example (Maria)",  # comment
        "list: a@x.example, b@x.example;",  # group
        "a@x.example,, b@x.example",  # empty entry
        "Zoë <z@x.example>",  # a name beyond ASCII letters
        "Dr. Who <w@x.example>",  # a dot in the name
        "<@route.example:a@x.example>",  # a route
        "a..b@x.example",  # not a dot-atom
        "a@x.example>",  # a stray bracket
    ],
)
def test_anything_else_goes_to_the_standard_library(value: str) -> None:
    assert headers._plain_addresses((value,)) is None
    assert headers._getaddresses((value,)) == tuple(email.utils.getaddresses([value]))
