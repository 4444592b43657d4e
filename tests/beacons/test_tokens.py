"""Per-recipient token detection: every encoding, opaque identifiers, batch templates."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote

import pytest

from mailward.tokens import (
    batch_tokens_by_message,
    find_recipient_token,
    opaque_token,
    recipient_forms,
    template_tokens,
    url_components,
)

ADDR = "Alice.Smith~x@Example.org"  # "~" puts "+" in its base64 and "-" in base64url
LOWER = ADDR.lower()
OTHER = "bob@example.net"


def _b64(text: str, *, url: bool = False, pad: bool = True) -> str:
    raw = text.encode()
    out = (base64.urlsafe_b64encode(raw) if url else base64.b64encode(raw)).decode()
    return out if pad else out.rstrip("=")


def _encodings() -> list[tuple[str, str]]:
    """(expected encoding, token as placed in the URL) for every supported encoding."""
    cases = [
        ("raw", ADDR),
        ("raw(lower)", LOWER),
        ("raw(upper)", ADDR.upper()),
        ("urlencoded", quote(ADDR, safe="")),
        ("urlencoded-twice", quote(quote(ADDR, safe=""), safe="")),
    ]
    # base64 of the address as written and of the lower-cased form, both alphabets,
    # with and without padding ("Alice.Smith@Example.org" is 23 bytes: padded)
    for text, suffix in ((ADDR, ""), (LOWER, "(lower)")):
        cases.append(("base64" + suffix, _b64(text)))
        cases.append(("base64-unpadded" + suffix, _b64(text, pad=False)))
        cases.append(("base64url" + suffix, _b64(text, url=True)))
        cases.append(("base64url-unpadded" + suffix, _b64(text, url=True, pad=False)))
        for algo in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512"):
            cases.append((algo + suffix, hashlib.new(algo, text.encode()).hexdigest()))
    return cases


ENCODINGS = _encodings()


def test_base64_cases_really_differ_in_padding_and_alphabet() -> None:
    # guard the test data itself: padded and unpadded forms, and the two alphabets, differ
    assert _b64(ADDR).endswith("=") and _b64(LOWER).endswith("=")
    assert _b64(ADDR) != _b64(ADDR, url=True) and _b64(LOWER) != _b64(LOWER, url=True)
    assert len({v for k, v in ENCODINGS}) == len(ENCODINGS)


@pytest.mark.parametrize(("encoding", "token"), ENCODINGS, ids=[e for e, _ in ENCODINGS])
@pytest.mark.parametrize("place", ["query", "path", "nested"])
def test_every_encoding_is_found(encoding: str, token: str, place: str) -> None:
    if place == "query":
        url = f"https://t.tracker.example/o.gif?c=123&uid={token}&x=1"
        location = "query:uid"
    elif place == "path":
        url = f"https://t.tracker.example/open/{token}/p.gif"
        location = "path[1]"
    else:
        inner = f"https://landing.example/page?campaign=7&who={token}"
        url = f"https://t.tracker.example/r?to={quote(inner, safe='')}"
        location = "query:to>query:who"
    match = find_recipient_token(url, [ADDR])
    assert match is not None, url
    assert match.confidence == "high"
    assert match.recipient == ADDR
    if place == "nested":
        # the inner URL is URL-encoded as a whole: the encoding is reported as the
        # token appears in the outer URL
        quoted = quote(token, safe="")
        expected = {
            "raw": "urlencoded",
            "raw(lower)": "urlencoded",
            "raw(upper)": "urlencoded",
            "urlencoded": "urlencoded-twice",
            "urlencoded-twice": "urlencoded-thrice",
        }.get(encoding, encoding if quoted == token else encoding + "+urlencoded")
        assert match.encoding == expected
        assert match.value.lower() == quoted.lower()
    else:
        assert match.encoding == encoding
        assert match.value == token or match.value.lower() == token.lower()
    assert match.location == location


def test_upper_case_hex_digest_is_found() -> None:
    token = hashlib.sha256(LOWER.encode()).hexdigest().upper()
    match = find_recipient_token(f"https://x.example/p/{token}", [ADDR])
    assert match is not None and match.encoding == "sha256(lower)"


def test_address_inside_a_base64_blob_is_found() -> None:
    for prefix in ('{"e":"', '{"em":"', '{"ema":"'):  # the three byte alignments
        blob = _b64(prefix + LOWER + '","c":42}', url=True, pad=False)
        match = find_recipient_token(f"https://x.example/o?d={blob}", [ADDR])
        assert match is not None, prefix
        assert match.encoding.startswith("base64") and "embedded" in match.encoding
        assert match.value == blob
        assert match.location == "query:d"


def test_recipient_in_host_label_is_found() -> None:
    token = hashlib.md5(LOWER.encode()).hexdigest()
    match = find_recipient_token(f"https://{token}.pixel.example/o.gif", [LOWER])
    assert match is not None and match.location == "host"


def test_other_recipients_and_longer_addresses_do_not_match() -> None:
    assert find_recipient_token(f"https://x.example/o?e={OTHER}", [ADDR]) is None
    # the recipient's address as the tail of a longer one is another address
    assert find_recipient_token("https://x.example/o?e=xalice.smith@example.org", [ADDR]) is None
    assert find_recipient_token("https://x.example/o?e=alice.smith@example.org.evil", [ADDR]) is None
    # a digest inside a longer hex string is not the digest
    digest = hashlib.md5(LOWER.encode()).hexdigest()
    assert find_recipient_token(f"https://x.example/o/ab{digest}cd", [ADDR]) is None


def test_several_recipients_report_the_one_found() -> None:
    forms = recipient_forms([OTHER, ADDR])
    match = find_recipient_token(f"https://x.example/o?e={quote(OTHER, safe='')}", forms)
    assert match is not None and match.recipient == OTHER
    assert find_recipient_token("https://x.example/o?e=nobody", forms) is None


def test_no_recipients_means_no_token() -> None:
    assert find_recipient_token(f"https://x.example/o?e={ADDR}", []) is None
    assert not recipient_forms(["not-an-address"])


def test_forms_are_computed_once_per_recipient_set() -> None:
    assert recipient_forms([ADDR]) is recipient_forms([ADDR])


def test_opaque_identifier_is_low_confidence() -> None:
    match = opaque_token("https://t.example/open/9f8e7d6c5b4a39281726354a5b6c7d8e/img.gif")
    assert match is not None
    assert match.confidence == "low" and match.encoding == "opaque"
    assert match.location == "path[1]"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.com/news/2024/03/parliament-committee-hearing-report",
        "https://www.example.com/images/header-logo.png",
        "https://www.example.com/a?page=2&lang=en",
        "https://www.example.com/archive/20240301",
    ],
)
def test_ordinary_urls_have_no_opaque_token(url: str) -> None:
    assert opaque_token(url) is None


def test_url_components() -> None:
    comps = url_components("https://u@h.example/a/b?x=1&y=2#f")
    assert comps == [
        ("userinfo", "u"),
        ("host", "h.example"),
        ("path[0]", "a"),
        ("path[1]", "b"),
        ("query:x", "1"),
        ("query:y", "2"),
        ("fragment", "f"),
    ]


# --- batch: one template, one varying component --------------------------------------


def _mailing(token: str) -> list[str]:
    """The beacon URLs of one copy of a mailing whose token is ``token``."""
    return [
        f"https://trk.campaign.example/o/{token}/open.gif",
        f"https://trk.campaign.example/c/{token}/1",
        f"https://trk.campaign.example/c/{token}/2",
        "https://cdn.campaign.example/img/header.png",
        "https://trk.campaign.example/c/static/3",
    ]


def test_template_tokens_name_the_varying_component() -> None:
    batch = [("m1", _mailing("k3j9x")), ("m2", _mailing("p0q7z")), ("m3", _mailing("aa11b"))]
    found = template_tokens(batch)
    assert found, "the per-copy component was not found"
    locations = {(t.template, t.location) for t in found}
    assert ("https://trk.campaign.example/o/{token}/open.gif", "path[1]") in locations
    assert ("https://trk.campaign.example/c/{token}/1", "path[1]") in locations
    top = found[0]
    assert set(top.values) == {"m1", "m2", "m3"}
    assert top.values["m1"] == "k3j9x"
    match = top.token_for("m2")
    assert match is not None and match.encoding == "batch" and match.confidence == "medium"
    assert match.value == "p0q7z"
    per_message = batch_tokens_by_message(found)
    assert {m.value for m in per_message["m3"]} == {"aa11b"}
    # the shared header image and the static link are not tokens
    assert not any("header.png" in t.template or "static" in t.template for t in found)


def test_template_tokens_query_and_host_components() -> None:
    batch = [
        ("a", ["https://x.us3.list.example/track/open.php?u=acct&id=camp&e=1111aaaa"]),
        ("b", ["https://x.us3.list.example/track/open.php?u=acct&id=camp&e=2222bbbb"]),
        ("c", ["https://r1a2.pixel.example/p.gif"]),
        ("d", ["https://z9y8.pixel.example/p.gif"]),
    ]
    found = {t.location: t for t in template_tokens(batch)}
    assert found["query:e"].values == {"a": "1111aaaa", "b": "2222bbbb"}
    assert found["query:e"].template.endswith("e={token}")
    assert found["host"].values == {"c": "r1a2", "d": "z9y8"}
    assert found["host"].template == "https://{token}.pixel.example/p.gif"
    assert found["host"].host == "pixel.example"
    assert found["query:e"].host == "x.us3.list.example"


def test_identical_copies_and_unrelated_urls_give_nothing() -> None:
    same = _mailing("k3j9x")
    assert template_tokens([("m1", same), ("m2", same)]) == ()
    # two components differ: not "one template, one token"
    batch = [
        ("m1", ["https://t.example/c/aaa/111"]),
        ("m2", ["https://t.example/c/bbb/222"]),
    ]
    assert template_tokens(batch) == ()
    # a single message is not a batch
    assert template_tokens([("m1", _mailing("k3j9x"))]) == ()


def test_two_values_in_one_message_are_not_a_per_copy_token() -> None:
    # the link id varies inside each message: not something that identifies the copy
    batch = [
        ("m1", ["https://t.example/c/1", "https://t.example/c/2"]),
        ("m2", ["https://t.example/c/3", "https://t.example/c/4"]),
    ]
    assert template_tokens(batch) == ()


def test_per_link_signatures_are_ignored_when_aligning() -> None:
    # GetResponse-like links: s= identifies the copy, z= is a per-link signature
    def copy(sub: str, sigs: list[str]) -> list[str]:
        return [
            f"https://news.example/click.html?x=a62e&lc=L{i}&s={sub}&z={sig}"
            for i, sig in enumerate(sigs)
        ]

    batch = [("u1", copy("zVyFumr", ["N1a", "N2b", "N3c"])), ("u2", copy("zVyFum2", ["M1x", "M2y", "M3z"]))]
    found = template_tokens(batch)
    assert {t.location for t in found} == {"query:s"}
    assert all(t.values == {"u1": "zVyFumr", "u2": "zVyFum2"} for t in found)
    assert "https://news.example/click.html?x=a62e&lc=L0&s={token}&z={*}" in {t.template for t in found}


def test_large_batch_with_a_repeated_recipient_and_two_campaigns() -> None:
    import hashlib as _h

    batch = []
    for i in range(300):
        token = _h.md5(f"r{i % 290}".encode()).hexdigest()[:12]  # ten recipients got it twice
        campaign = "c1" if i < 150 else "c2"
        batch.append((f"m{i}", [f"https://t.example/{campaign}/o/{token}.gif"]))
    found = template_tokens(batch)
    assert {t.location for t in found} == {"path[2]"}
    assert sum(len(t.values) for t in found) == 300
    # the campaign id (two values over 300 copies) is not a per-copy token
    assert not any(t.location == "path[0]" for t in found)


def test_search_by_find_and_by_automaton_agree() -> None:
    forms = recipient_forms(["automaton.check@example.org"])
    digest = hashlib.sha1(b"automaton.check@example.org").hexdigest()
    urls = [f"https://x.example/{i}/o?h={digest}&n={i}" for i in range(40)]
    matches = [find_recipient_token(url, forms) for url in urls]
    assert forms.matcher() is not None  # built after the first URLs
    assert all(m is not None and m.encoding == "sha1" and m.location == "query:h" for m in matches)
    assert find_recipient_token("https://x.example/o?h=other", forms) is None


@pytest.mark.parametrize(("url", "found"), [
    ("https://t.example.net/o/alice.smith@example.org.gif", "raw"),
    ("https://t.example.net/o/alice.smith%40example.org.png?v=2", "urlencoded"),
    ("https://t.example.net/o/alice.smith@example.org.php/x", "raw"),
    ("https://t.example.net/o/alice.smith@example.org.uk", None),  # another address
    ("https://t.example.net/o/alice.smith@example.org.gifs", None),
    ("https://t.example.net/o/x.alice.smith@example.org.gif", None),  # the address goes on to the left
])
def test_address_before_a_file_extension(url: str, found: str | None) -> None:
    match = find_recipient_token(url, recipient_forms(("alice.smith@example.org",)))
    assert (match.encoding if match else None) == found
