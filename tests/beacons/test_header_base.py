"""A base URL in an HTML part's MIME header (Content-Base, else Content-Location).

Thunderbird writes that header into the page as a ``<base>`` ahead of the markup, so
``<img src="o.gif">`` loads from the header's host. mailward resolves relative URLs
against it as the client would, records the defect HTML_HEADER_BASE when only the
header makes them remote, and the defuser leaves no relative load to resolve."""

from __future__ import annotations

import base64
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailward.beacons import find_beacons
from mailward.config import Config
from mailward.gateway.defuse import defuse
from mailward.html import extract_html
from mailward.parse import parse_message
from mailward.scan import Scanner
from mailward.urlbase import MAX_BASE_PATH, bounded_base, header_base_url, joined

from ..gateway.test_defuse import body_html, remote_loads, result

RECIPIENT = "zoe.kyriakou@parliament.example"
TOKEN = base64.urlsafe_b64encode(RECIPIENT.encode()).decode().rstrip("=")
BASE = f"https://cdn.briefs-desk.example/o/{TOKEN}/"


def single_part(html: str, part_headers: str) -> bytes:
    return (
        "From: Newsroom <news@outlet.example>\r\n"
        f"To: Zoe Kyriakou <{RECIPIENT}>\r\n"
        "Subject: Interview request\r\n"
        "Date: Mon, 04 Mar 2024 09:00:00 +0000\r\n"
        "Message-ID: <hb-1@outlet.example>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"{part_headers}\r\n"
        f"{html}\r\n"
    ).encode()


LURE = ('<html><body><p>Dear Ms Kyriakou, would you have time for an interview?</p>'
        '<img src="o.gif" width="1" height="1" alt=""><a href="slots">Choose a time</a>'
        '<form action="reply" method="post"><input name="q"></form></body></html>')


@pytest.mark.parametrize(
    ("content_base", "content_location", "expected"),
    [
        ('"https://a.example/x/"', "", "https://a.example/x/"),
        ("https://a.example/ x/\r\n y/", "", "https://a.example/x/y/"),  # folded: Thunderbird drops the whitespace
        ("", "https://b.example/page.html", "https://b.example/page.html"),
        ("https://a.example/", "https://b.example/", "https://a.example/"),  # Content-Base first
        ("", "page.html", ""),  # relative: resolved against the mailbox URL, nothing remote
        ("", "file:///C:/mail/page.html", ""),
        ("", "", ""),
    ],
)
def test_header_base_url(content_base: str, content_location: str, expected: str) -> None:
    assert header_base_url(content_base, content_location) == expected


@pytest.mark.parametrize("field", ["Content-Base", "Content-Location"])
def test_relative_urls_resolve_against_the_part_header(field: str) -> None:
    message = parse_message(single_part(LURE, f'{field}: "{BASE}"\r\n'))
    assert [r.url for r in message.resources] == [BASE + "o.gif"]
    assert [link.url for link in message.links] == [BASE + "slots"]
    assert [form.action for form in message.forms] == [BASE + "reply"]
    assert [(d.kind, d.detail, d.part) for d in message.defects if d.kind == "HTML_HEADER_BASE"] == [
        ("HTML_HEADER_BASE", BASE, "1")]
    beacons = {b.url: b for b in find_beacons(message)}
    assert beacons[BASE + "o.gif"].kind == "pixel"
    assert beacons[BASE + "o.gif"].per_recipient  # the reader's address, in the base's path
    assert beacons[BASE + "slots"].per_recipient  # and in the link's


def test_without_the_header_relative_urls_load_nothing() -> None:
    message = parse_message(single_part(LURE, ""))
    assert find_beacons(message) == ()
    assert [link.url for link in message.links] == ["slots"]
    assert not any(d.kind == "HTML_HEADER_BASE" for d in message.defects)


def test_the_markup_base_alone_already_resolves_them_so_no_defect() -> None:
    html = LURE.replace("<body>", '<head><base href="https://www.outlet.example/"></head><body>')
    message = parse_message(single_part(html, f"Content-Base: {BASE}\r\n"))
    assert [r.url for r in message.resources] == [BASE + "o.gif"]  # the header's base comes first
    assert not any(d.kind == "HTML_HEADER_BASE" for d in message.defects)


def test_a_part_of_the_same_multipart_related_is_not_a_load() -> None:
    raw = (
        b"From: Newsroom <news@outlet.example>\r\nTo: a@parliament.example\r\nSubject: s\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/related; boundary="r"\r\n\r\n'
        b"--r\r\nContent-Type: text/html; charset=utf-8\r\n"
        b"Content-Location: https://www.outlet.example/letters/march.html\r\n\r\n"
        b'<html><body><img src="images/logo.gif" width="300"><img src="banner.png" width="300"></body></html>\r\n'
        b"--r\r\nContent-Type: image/gif\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Location: https://www.outlet.example/letters/images/logo.gif\r\n\r\nR0lGODlhAQABAAAAACw=\r\n"
        b"--r\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Location: banner.png\r\n\r\niVBORw0KGgo=\r\n"
        b"--r--\r\n"
    )
    message = parse_message(raw)
    assert [r.url for r in message.resources] == ["images/logo.gif", "banner.png"]
    assert find_beacons(message) == ()
    assert not any(d.kind == "HTML_HEADER_BASE" for d in message.defects)


def test_extract_html_counts_only_what_the_header_made_remote() -> None:
    facts = extract_html('<img src="a.gif"><img src="cid:logo"><a href="#top">top</a>'
                         '<a href="https://x.example/">x</a>', "1", header_base=BASE)
    assert [r.url for r in facts.resources] == [BASE + "a.gif", "cid:logo"]
    assert facts.header_base_hits == 1
    assert extract_html('<img src="a.gif">', "1", header_base="page.html").header_base_hits == 0


def test_the_rule_fires_and_the_beacon_rules_see_the_load() -> None:
    scan = Scanner(Config()).scan_bytes(single_part(LURE, f"Content-Base: {BASE}\r\n"), "t")
    rules = {f.rule for f in scan.findings}
    assert "MIME_REMOTE_HEADER_BASE" in rules and "BEACON_PIXEL" in rules
    finding = next(f for f in scan.findings if f.rule == "MIME_REMOTE_HEADER_BASE")
    assert finding.evidence["bases"] == [BASE]
    assert sorted(b.url for b in scan.beacons) == [BASE + "o.gif", BASE + "slots"]


def test_the_defused_part_keeps_nothing_the_header_could_resolve() -> None:
    raw = single_part(LURE.replace('width="1" height="1" ', 'width="600" '), f"Content-Base: {BASE}\r\n")
    out = defuse(raw, result())
    html = body_html(out)
    assert remote_loads(html) == []
    after = parse_message(out)  # read with the header, which stays: nothing is left for it to resolve
    assert [r.url for r in after.resources if not r.url.startswith("data:image/")] == []
    assert [link.url for link in after.links] == []
    assert not any(d.kind == "HTML_HEADER_BASE" for d in after.defects)
    assert find_beacons(after) == ()


def attached_page(disposition: str) -> bytes:
    return (
        "From: Newsroom <news@outlet.example>\r\n"
        f"To: Zoe Kyriakou <{RECIPIENT}>\r\n"
        "Subject: Interview questions\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="m"\r\n\r\n'
        "--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe questions are below.\r\n"
        '--m\r\nContent-Type: text/html; charset=utf-8; name="questions.html"\r\n'
        f'Content-Disposition: {disposition}; filename="questions.html"\r\n'
        f"Content-Base: {BASE}\r\n\r\n"
        '<html><body><p>Questions</p><img src="q.gif" width="1" height="1"><a href="answer">Answer</a></body></html>\r\n'
        "--m--\r\n"
    ).encode()


def test_an_html_page_shown_inline_gets_its_header_base_too() -> None:
    message = parse_message(attached_page("inline"))
    assert [r.url for r in message.resources] == [BASE + "q.gif"]
    assert [link.url for link in message.links] == [BASE + "answer"]
    assert [r.url for r in message.attachments[0].report.resources] == [BASE + "q.gif"]  # type: ignore[union-attr]
    assert [d.part for d in message.defects if d.kind == "HTML_HEADER_BASE"] == ["2"]
    assert {b.url for b in find_beacons(message)} >= {BASE + "q.gif"}


def test_a_page_to_open_as_a_file_is_not_given_the_header_base() -> None:
    message = parse_message(attached_page("attachment"))  # opened from disk: its base is the file
    assert [r.url for r in message.resources] == ["q.gif"]
    assert not any(d.kind == "HTML_HEADER_BASE" for d in message.defects)


def test_a_srcdoc_document_takes_the_page_base() -> None:
    facts = extract_html('<iframe srcdoc="&lt;a href=&quot;next&quot;&gt;next&lt;/a&gt;&lt;img src=&quot;f.gif&quot;&gt;"></iframe>',
                         "1", header_base=BASE)
    assert [link.url for link in facts.links] == [BASE + "next"]
    assert BASE + "f.gif" in [r.url for r in facts.resources]


def test_a_long_base_is_cut_in_its_path_not_its_host() -> None:
    long_user = "https://" + "u" * 3000 + "@cdn.briefs-desk.example/" + "p/" * 2000 + "?q=1#f"
    cut = bounded_base(long_user)
    assert urlsplit(cut).hostname == "cdn.briefs-desk.example"
    assert len(urlsplit(cut).path) == MAX_BASE_PATH and "?" not in cut and "#" not in cut
    assert bounded_base(BASE) == BASE
    message = parse_message(single_part(LURE, f"Content-Base: {long_user}\r\n"))
    assert all(urlsplit(r.url).hostname == "cdn.briefs-desk.example" for r in message.resources)


@settings(max_examples=300, deadline=None)
@given(base=st.sampled_from(["https://a.example/", "https://a.example", "https://a.example/d/e?q#f", "//h/p/",
                             "https://a.example/d/../e/./f/", "http://h:8080/a;p/b", "https://h/a//b/", "https://h/a/b/.."]),
       url=st.text(alphabet="ab/.?#:;=%&@ \t\\x1~-_é\u00a0\x85\x7f", max_size=12))
def test_joined_is_urljoin(base: str, url: str) -> None:
    """The plain-name shortcut of ``joined`` gives what ``urljoin`` gives."""
    try:
        expected = urljoin(base, url)
    except ValueError:
        expected = url
    assert joined(base, url) == expected
