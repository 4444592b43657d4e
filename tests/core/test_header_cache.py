"""The per-process cache of address parsing gives what the uncached parse gives."""

from __future__ import annotations

import email.utils

from mailward import headers
from mailward.model import Defect


def test_cached_parse_equals_uncached_parse() -> None:
    values = ['"Keller, Maria" <Maria.Keller@Parl.Example>, bob@xn--bcher-kva.example']
    first = headers.parse_addresses(values, "To", [])
    again = headers.parse_addresses(values, "To", [])
    assert again == first
    uncached = tuple(headers._make_address(n, a) for n, a in email.utils.getaddresses(values))
    assert first == uncached
    assert [a.addr for a in first] == ["Maria.Keller@parl.example", "bob@bücher.example"]


def test_long_values_are_not_cached() -> None:
    headers._cached_getaddresses.cache_clear()
    headers._cached_address.cache_clear()
    long_value = "x" * (headers._CACHED_CHARS + 1) + "@example.org"
    defects: list[Defect] = []
    out = headers.parse_addresses([long_value], "To", defects)
    assert out and out[0].domain == "example.org"
    assert headers._cached_getaddresses.cache_info().currsize == 0
    assert headers._cached_address.cache_info().currsize == 0


def test_defects_are_reported_on_every_message_not_only_the_first() -> None:
    for _ in range(2):
        defects: list[Defect] = []
        headers.parse_addresses(["undisclosed"], "From", defects)
        assert defects, "a cached parse must still add the message's defects"
