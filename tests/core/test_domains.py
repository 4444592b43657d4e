"""mailward.domains: public suffixes, IDNA 2008, URL splitting, IP literals."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailward import domains


def test_private_section_is_an_explicit_choice() -> None:
    assert domains.registrable("alice.pages.dev") == "alice.pages.dev"
    assert domains.registrable("bob.pages.dev") == "bob.pages.dev"
    assert domains.registrable("alice.pages.dev", section="icann") == "pages.dev"
    assert domains.registrable("news.bbc.co.uk") == "bbc.co.uk"
    assert domains.suffix_list("all") is domains.suffix_list("all")


@pytest.mark.parametrize("host", ["", "com", "co.uk", "203.0.113.7", "[2001:db8::1]", "999.999.999.999", "0x7f.1"])
def test_no_registrable_domain(host: str) -> None:
    assert domains.registrable(host) == ""


def test_site_is_unicode_and_falls_back_to_the_name() -> None:
    assert domains.site("mail.xn--strae-oqa.de") == "straße.de"
    assert domains.site("com") == "com"
    assert domains.site("3232235777") == ""
    assert domains.split_registrable("news.bbc.co.uk") == ("bbc", "co.uk")
    assert domains.within("a.b.example.org", {"example.org"}) == "example.org"
    assert domains.within("example.org.evil", {"example.org"}) == ""


def test_public_suffix_check() -> None:
    assert domains.is_public_suffix("co.uk")
    assert domains.is_public_suffix("pages.dev")
    assert not domains.is_public_suffix("pages.dev", section="icann")
    assert not domains.is_public_suffix("bbc.co.uk")
    assert not domains.is_public_suffix("nosuchtld")


def test_idna_2008_keeps_sharp_s_and_final_sigma() -> None:
    # IDNA 2003 (the stdlib codec) maps ß to ss: two domains would collapse into one
    assert domains.to_ascii("straße.de") == "xn--strae-oqa.de"
    assert domains.to_ascii("strasse.de") == "strasse.de"
    assert domains.to_ascii("ὀδυσσεύς.gr") != "ὀδυσσεύς.gr".encode("idna").decode()
    assert domains.to_ascii("BBС.com") == "xn--bb-pmc.com"  # Cyrillic С, lower-cased
    assert domains.to_unicode("xn--strae-oqa.de") == "straße.de"


def test_to_ascii_never_fails_on_names_idna_2008_refuses() -> None:
    assert domains.to_ascii("☃.net") == "xn--n3h.net"
    assert domains.to_ascii("-é-.example").startswith("xn--")
    assert domains.to_ascii("𝟜.example") == "4.example"  # UTS 46 mapping


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("3232235777", "192.168.1.1"),
        ("0xc0a80101", "192.168.1.1"),
        ("0300.0250.1.1", "192.168.1.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0x7f.0x0.0x0.0x1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("192.168.257", "192.168.1.1"),
        ("017700000001", "127.0.0.1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("1.2.3.4.", "1.2.3.4"),
    ],
)
def test_ip_literal_forms(host: str, address: str) -> None:
    assert domains.ip_literal(host) == ipaddress.ip_address(address)
    assert domains.is_ip_literal(host)


@pytest.mark.parametrize(
    "host", ["example.com", "2024.example.com", "", "256.1.1.1", "1.2.3.4.5", "0x1g.1.1.1", "4294967296", "[nope]", "08.1.1.1"]
)
def test_not_ip_literals(host: str) -> None:
    assert domains.ip_literal(host) is None


def test_ip_address_is_the_strict_header_form() -> None:
    assert domains.ip_address("[192.0.2.1]") == ipaddress.ip_address("192.0.2.1")
    assert domains.ip_address("3232235777") is None


def test_split_url() -> None:
    parts = domains.split_url("HTTPS://User:pw@Host.Example.:8443/p?q=1#f")
    assert (parts.scheme, parts.host, parts.port, parts.path, parts.query, parts.fragment) == (
        "https", "host.example", "8443", "/p", "q=1", "f"
    )
    assert parts.path_query == "/p?q=1"
    assert domains.split_url("//cdn.example").host == "cdn.example"
    assert domains.split_url("//cdn.example").path == "/"
    assert domains.split_url("mailto:a@b.example") == domains.UrlParts("mailto", "", "", "a@b.example", "", "", "a@b.example")
    assert domains.split_url("javascript://x.example/%0aalert(1)").host == ""
    assert domains.split_url("ftp://files.example/x").host == "files.example"
    assert domains.split_url("http://[2001:db8::1]:8080/x").host == "[2001:db8::1]"
    assert domains.split_url("https://x.example/a?").path_query == "/a?"


@pytest.mark.parametrize(
    ("url", "host"),
    [
        # what a browser contacts (WHATWG): backslashes and odd slash runs
        ("https:/freebitco.example/?x=1", "freebitco.example"),
        ("http:///pthbb.example/", "pthbb.example"),
        ("http:\\\\evil.example\\x", "evil.example"),
        ("https://good.example\\@evil.example/", "good.example"),
        ("https://[an_10]@bit.example/4aU6", "bit.example"),
        ("http\n://www.amazon.example/", "www.amazon.example"),
        ("http://rds.yaho\no.example/x", "rds.yahoo.example"),
        ("relative/path.html", ""),
        ("", ""),
    ],
)
def test_split_url_finds_the_host_a_browser_contacts(url: str, host: str) -> None:
    assert domains.split_url(url).host == host


@given(st.text(max_size=120))
def test_nothing_raises(text: str) -> None:
    domains.split_url(text)
    domains.ip_literal(text)
    domains.registrable(text)
    domains.site(text)
    domains.to_ascii(text)
    domains.to_unicode(text)


@pytest.mark.parametrize(
    ("url", "authority", "path", "query", "fragment"),
    [
        ("https://user@Host.example:8443/a/b?x=1#f", "user@Host.example:8443", "/a/b", "?x=1", "#f"),
        ("http:\\\\evil.example\\p", "evil.example", "\\p", "", ""),
        ("//cdn.example?q", "cdn.example", "", "?q", ""),
        ("mailto:a@b.example?subject=x", "", "a@b.example", "?subject=x", ""),
        ("relative/path#top", "", "relative/path", "", "#top"),
    ],
)
def test_url_offsets_say_where_each_part_is_written(
    url: str, authority: str, path: str, query: str, fragment: str
) -> None:
    at = domains.url_offsets(url)
    assert url[at.authority_start : at.authority_end] == authority
    assert url[at.authority_end : at.path_end] == path
    assert url[at.path_end : at.query_end] == query
    assert url[at.query_end :] == fragment


@given(st.text(alphabet="htps:/\\?#@[]:.a1%", max_size=40))
def test_split_url_is_built_from_the_offsets(url: str) -> None:
    """One splitter: the parts ``split_url`` gives are the slices ``url_offsets`` finds."""
    parts = domains.split_url(url)
    at = domains.url_offsets(url)
    assert parts.fragment == url[at.query_end + 1 :]
    assert parts.query == url[at.path_end + 1 : at.query_end]
    if at.has_authority:
        assert parts.host in url[at.authority_start : at.authority_end].lower()
    else:
        assert parts.host == "" and parts.path == url[at.authority_end : at.path_end]
