"""The encodings added for issue 15: base32, cut digests, split addresses, host labels,
reversed and rot13 forms, title-cased addresses inside base64 JSON."""

from __future__ import annotations

import base64
import codecs
import hashlib
import json

import pytest

from mailward.tokens import find_recipient_token, opaque_token

ADDR = "maria.keller@northland-parliament.org"
OTHER = "jan.novak@northland-parliament.org"


def _b32(text: str) -> str:
    return base64.b32encode(text.encode()).decode()


def _digest(algo: str, n: int) -> str:
    return hashlib.new(algo, ADDR.encode()).hexdigest()[:n]


CASES = [
    ("base32", f"https://t.example.net/o.gif?u={_b32(ADDR)}"),
    ("base32-unpadded", f"https://t.example.net/o/{_b32(ADDR).rstrip('=').lower()}.gif"),
    ("base32-unpadded", f"https://t.example.net/o/{_b32(ADDR).rstrip('=')}"),
    ("sha256[:20]", f"https://t.example.net/p.gif?h={_digest('sha256', 20)}"),
    ("sha1[:16]", f"https://t.example.net/p/{_digest('sha1', 16)}.png"),
    ("md5[:24]", f"https://t.example.net/p.gif?k={_digest('md5', 24)}&c=7"),
    ("split", "https://t.example.net/o/maria.keller/northland-parliament.org/p.gif"),
    ("split", "https://t.example.net/p.gif?u=maria.keller&d=northland-parliament.org"),
    ("reversed", f"https://t.example.net/p.gif?x={ADDR[::-1]}"),
    ("rot13", f"https://t.example.net/p.gif?x={codecs.encode(ADDR, 'rot13')}"),
]


@pytest.mark.parametrize(("encoding", "url"), CASES)
def test_new_encodings_are_decoded(encoding: str, url: str) -> None:
    match = find_recipient_token(url, [ADDR])
    assert match is not None, url
    assert match.encoding == encoding
    assert match.recipient == ADDR and match.confidence == "high"
    # another recipient's copy does not match
    assert find_recipient_token(url, [OTHER]) is None


@pytest.mark.parametrize("label_len", [16, 20, 32])
def test_digest_in_subdomain_label(label_len: int) -> None:
    url = f"https://{_digest('sha256', label_len)}.t.example.net/p.gif"
    match = find_recipient_token(url, [ADDR])
    assert match is not None and match.location == "host"
    assert match.encoding == f"sha256[:{label_len}]"


def test_base32_cut_across_labels() -> None:
    token = _b32(ADDR).rstrip("=").lower()
    url = f"https://{token[:30]}.{token[30:]}.t.example.net/p.gif"
    match = find_recipient_token(url, [ADDR])
    assert match is not None and match.location == "host" and match.encoding.startswith("base32")


def test_full_digest_is_not_reported_as_cut() -> None:
    full = hashlib.sha256(ADDR.encode()).hexdigest()
    match = find_recipient_token(f"https://t.example.net/p.gif?h={full}", [ADDR])
    assert match is not None and match.encoding == "sha256"


def test_short_digest_prefix_is_not_enough() -> None:
    # 15 hex digits: too short to tie to the address
    assert find_recipient_token(f"https://t.example.net/p.gif?h={_digest('sha256', 15)}", [ADDR]) is None


@pytest.mark.parametrize("pad", range(0, 12))
@pytest.mark.parametrize("urlsafe", [True, False])
@pytest.mark.parametrize("strip", [True, False])
def test_base32_and_base64_json_at_every_offset(pad: int, urlsafe: bool, strip: bool) -> None:
    blob = json.dumps({"id": "x" * pad, "email": ADDR, "c": 1}).encode()
    b64 = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(blob).decode()
    b32 = base64.b32encode(blob).decode()
    for token in (b64, b32, b32.lower()):
        token = token.rstrip("=") if strip else token
        match = find_recipient_token(f"https://t.example.net/o.gif?d={token}", [ADDR])
        assert match is not None and "embedded" in match.encoding, token


def test_title_cased_address_in_base64_json() -> None:
    blob = json.dumps({"e": "Maria.Keller@northland-parliament.org"}).encode()
    url = "https://t.example.net/o.gif?d=" + base64.urlsafe_b64encode(blob).decode().rstrip("=")
    match = find_recipient_token(url, [ADDR])
    assert match is not None and match.encoding.endswith("(titlecase)")


def test_split_needs_both_parts() -> None:
    assert find_recipient_token("https://t.example.net/o/maria.keller/p.gif", [ADDR]) is None
    assert find_recipient_token("https://northland-parliament.org/maria.keller-cv.pdf", [ADDR]) is None


def test_opaque_token_in_subdomain_label() -> None:
    match = opaque_token("https://a8f3k2x9q7m4z1w6v5b0.t.example.net/p.gif")
    assert match is not None and match.location == "host"
    # ordinary host names and short CDN ids are not tokens
    assert opaque_token("https://d1a2b3c4d5e6f7.cloudfront.net/logo.png") is None
    assert opaque_token("https://newsletter-images.example.com/logo.png") is None
