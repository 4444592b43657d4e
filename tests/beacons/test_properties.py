"""Property tests: the beacon analysis never raises on message-controlled input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailward.beacons import describe_exposure, find_beacons
from mailward.domains import split_url
from mailward.tokens import find_recipient_token, opaque_token, template_tokens, url_components
from mailward.trackers import real_destination, tracker_for_url

from .conftest import build_message

_URL_PARTS = st.sampled_from(
    ["https://", "http://", "//", "cid:", "data:", "", "HTTPS://", "http:\\\\", "javascript:", "https://[::1]", "http://user@"]
)
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=80,
)
_URL = st.builds(lambda a, b: a + b, _URL_PARTS, _TEXT)


@settings(max_examples=200, deadline=None)
@given(_URL)
def test_url_functions_never_raise(url: str) -> None:
    split_url(url)
    tracker_for_url(url)
    real_destination(url)
    opaque_token(url)
    url_components(url)
    find_recipient_token(url, ["Zoe.Kyriakou@Parliament.example"])


@settings(max_examples=60, deadline=None)
@given(st.lists(_URL, min_size=1, max_size=6), st.sampled_from(["img", "a", "iframe", "div"]))
def test_find_beacons_never_raises(urls: list[str], tag: str) -> None:
    attr = {"img": "src", "a": "href", "iframe": "src", "div": "style"}[tag]
    body = ""
    for url in urls:
        value = url.replace('"', "&quot;")
        if tag == "div":
            value = f"background:url({value})"
        body += f'<{tag} {attr}="{value}" width="1">x</{tag}>'
    beacons = find_beacons(build_message(f"<html><body>{body}</body></html>"))
    assert isinstance(describe_exposure(beacons), str)
    for beacon in beacons:
        assert beacon.url and beacon.host and beacon.kind


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.lists(_URL, max_size=4)), max_size=4))
def test_template_tokens_never_raises(batch: list[tuple[str, list[str]]]) -> None:
    for token in template_tokens(batch):
        assert "{token}" in token.template


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_fast_base32_is_the_standard_encoding(data: bytes) -> None:
    from base64 import b32encode

    from mailward.tokens.recipient import _b32encode

    assert _b32encode(data) == b32encode(data).decode("ascii")


def _b32_inner_by_encoding(data: bytes) -> list[str]:
    """The base32 alignments as ``_b32_inner`` used to make them: five padded copies encoded."""
    from base64 import b32encode

    out = []
    for k in range(5):
        enc = b32encode(b"\0" * k + data).decode("ascii")
        inner = enc[-(-8 * k // 5) : (8 * (k + len(data))) // 5]
        if len(inner) >= 12:
            out.append(inner)
    return out


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_base32_alignments_read_from_one_integer_are_the_encoded_ones(data: bytes) -> None:
    from mailward.tokens.recipient import _b32_inner

    assert _b32_inner(data) == _b32_inner_by_encoding(data)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"aZ09_.-~@+%/ =é\u212a\U0001f600", "\ud800"]), max_size=40))
def test_address_url_encoding_is_quote_three_times(address: str) -> None:
    from urllib.parse import quote

    from mailward.tokens.recipient import _url_encoded

    try:
        once = quote(address, safe="")
    except UnicodeEncodeError:  # a lone surrogate: the fast path must not take it either
        try:
            _url_encoded(address)
        except UnicodeEncodeError:
            return
        raise AssertionError("encoded an address quote cannot encode") from None
    twice = quote(once, safe="")
    assert _url_encoded(address) == (once, twice, quote(twice, safe=""))


def _find_all_form_by_form(low: str, lowered: list[str]) -> list[tuple[int, int, int]]:
    """Every occurrence of every form, searched for form by form (how ``_find_all`` did)."""
    hits = []
    for index, text in enumerate(lowered):
        pos = low.find(text)
        while pos >= 0:
            hits.append((index, pos, pos + len(text)))
            pos = low.find(text, pos + 1)
    return hits


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab%=", max_size=40), st.lists(st.text(alphabet="ab%=", max_size=4), max_size=12))
def test_forms_picked_out_first_are_found_as_form_by_form(low: str, lowered: list[str]) -> None:
    from mailward.tokens.recipient import _find_all

    assert _find_all(low, lowered) == _find_all_form_by_form(low, lowered)
