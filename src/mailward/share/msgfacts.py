"""What an indicator can match in a message, kept in the store so that new
intelligence is matched against every stored message without reading a mailbox again.

A hunt writes, per message, rows of ``(kind, value)`` into ``message_facts``:

| fact kind | values | matched by indicator kinds |
|---|---|---|
| ``email`` | From, Reply-To, Return-Path, Sender, envelope sender (lower case, ASCII domain) | ``email`` |
| ``domain`` | every host of those addresses and of every URL, with each parent domain that is not a public suffix | ``domain`` |
| ``url`` | every URL (links, remote resources, forms, beacons) as ``indicator_values.url_key``, plus URLs found inside another URL's parameters | ``url`` (prefix: a range of the index) |
| ``ip`` | the Received IPs and hosts given as IPs | ``ipv4``, ``ipv6`` (networks: compared in Python) |
| ``sha256`` | the message's and every attachment's SHA-256 | ``sha256`` |
| ``tmpl`` | SHA-256 of each beacon or form URL's token-stripped template (``hunt.features.url_template``) | ``url-template`` |
| ``band`` | LSH bands of the token-stripped body MinHash (8 bands of 8 values) | ``body-minhash`` (candidates; verified on the whole sketch) |

An indicator's ``match_key`` (stored with it) is the form its fact kind is compared
in, so the retro-match is a join on equal values.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from urllib.parse import unquote

import numpy as np

from mailward import domains
from mailward.model import Message
from mailward.share import indicator_values

MAX_VALUE = 1000  # characters of a fact value (an index key); a longer URL keeps its start
BANDS = 8
ROWS = 8  # 8 x 8 = the 64 MinHash values; candidates from Jaccard ~0.77 up
FINGERPRINT_KINDS = ("url-template", "body-minhash")

# indicator kind -> fact kind it is compared with
FACT_OF: dict[str, str] = {
    "email": "email",
    "domain": "domain",
    "url": "url",
    "ipv4": "ip",
    "ipv6": "ip",
    "sha256": "sha256",
    "url-template": "tmpl",
    "body-minhash": "band",
}


def template_hash(template: str) -> str:
    """The shared form of a token-stripped URL template: its SHA-256."""
    return hashlib.sha256(template.encode("utf-8")).hexdigest()


def stripped_template(url: str, token: str = "") -> str:
    """A URL's token-stripped template: the per-recipient token the beacon analysis
    found, any path segment holding an address, and every query value become ``{}``
    (``t.example/o/{}/open.gif?u={}``). Empty when the URL has no host."""
    from mailward.hunt.features import url_template

    if token and len(token) >= 4 and token in url:
        url = url.replace(token, "{}")
    scheme, sep, rest = url.partition("://")
    if sep:
        path, q, query = rest.partition("?")
        parts = path.split("/")
        parts = [parts[0]] + ["{}" if ("@" in p or "%40" in p.lower()) else p for p in parts[1:]]
        url = scheme + sep + "/".join(parts) + q + query
    return url_template(url)


def match_key(kind: str, value: str) -> str:
    """How an indicator of ``kind`` is compared with the facts; "" when it is not
    compared by equality (IP networks, body sketches, public suffixes, subjects)."""
    if kind == "url":
        return indicator_values.url_key(value)[:MAX_VALUE]
    if kind == "domain":
        return "" if domains.is_public_suffix(value) else value
    if kind in ("ipv4", "ipv6"):
        return "" if "/" in value else value
    if kind in ("email", "sha256", "url-template"):
        return value
    return ""


def _domain_facts(host: str, out: dict[tuple[str, str], None]) -> None:
    for fact in _host_domains(host):
        out[fact] = None


@lru_cache(maxsize=16384)
def _host_domains(host: str) -> tuple[tuple[str, str], ...]:
    """The ``domain`` facts of a host: it and each parent that is not a public suffix
    (cached: a hunt sees the same few thousand hosts in every message)."""
    host = indicator_values.host_ascii(host)
    found: list[tuple[str, str]] = []
    while "." in host:
        if domains.is_public_suffix(host):
            break
        found.append(("domain", host[:MAX_VALUE]))
        host = host.partition(".")[2]
    return tuple(found)


def _embedded_urls(key: str) -> Iterable[str]:
    """URLs inside another URL's parameters (redirectors, click trackers)."""
    rest = key.partition("/")[2]
    if "http" not in rest and "%" not in rest and "www." not in rest:
        return
    text = unquote(unquote(rest)) if "%" in rest else rest
    lowered = text.lower()
    for marker in ("https://", "http://", "www."):
        start = lowered.find(marker)
        while start >= 0:
            yield indicator_values.url_key(text[start:])
            start = lowered.find(marker, start + len(marker))


def message_facts(
    message: Message, beacons: Sequence[tuple[str, str]] = (), minhash: bytes | None = None
) -> list[tuple[str, str]]:
    """Every (fact kind, value) of ``message`` (see the module docstring); ``beacons``
    are (URL, per-recipient token or "") of the beacons the scan found."""
    from mailward.share.matcher import (
        _address_key,
        _attachment_hashes,
        _message_ips,
        _message_urls,
        _sender_addresses,
    )

    out: dict[tuple[str, str], None] = {}
    for _where, address in _sender_addresses(message):
        if address.addr:
            out[("email", _address_key(address)[:MAX_VALUE])] = None
        if address.domain_ascii:
            _domain_facts(address.domain_ascii, out)
    tokens = dict(beacons)
    for where, url in _message_urls(message, [u for u, _t in beacons]):
        key = indicator_values.url_key(url)
        out[("url", key[:MAX_VALUE])] = None
        for inner in _embedded_urls(key):
            out[("url", inner[:MAX_VALUE])] = None
            inner_host = inner.split("/", 1)[0].rsplit(":", 1)[0]
            if inner_host and not inner_host[-1].isdigit() and not inner_host.startswith("["):
                _domain_facts(inner_host, out)
        host = key.split("/", 1)[0].rsplit(":", 1)[0]
        if host.startswith("["):
            out[("ip", host.strip("[]"))] = None
        elif host and host[-1].isdigit():
            _add_ip(host, out)
        elif host:
            _domain_facts(host, out)
        if url in tokens or where == "form":
            tmpl = stripped_template(url, tokens.get(url, ""))
            if tmpl:
                out[("tmpl", template_hash(tmpl))] = None
    for _where, ip in _message_ips(message):
        _add_ip(ip, out)
    if message.sha256:
        out[("sha256", message.sha256.lower())] = None
    for sha in _attachment_hashes(message):
        out[("sha256", sha)] = None
    for band in lsh_bands(minhash):
        out[("band", band)] = None
    return list(out)


def _add_ip(text: str, out: dict[tuple[str, str], None]) -> None:
    canonical = _canonical_ip(text)
    if canonical is not None:
        out[("ip", canonical)] = None


@lru_cache(maxsize=4096)  # the same relays recur in every message's Received chain
def _canonical_ip(text: str) -> str | None:
    try:
        return indicator_values.normalise_ip(text.strip().strip("[]"))[1]
    except indicator_values.IndicatorError:
        return None


def lsh_bands(minhash: bytes | None) -> list[str]:
    """``band:hash`` keys of a 64-value MinHash: two sketches that share a band are
    compared in full (banding: 8 bands of 8 rows)."""
    if not minhash or len(minhash) != BANDS * ROWS * 4:
        return []
    return [
        f"{b}:{hashlib.blake2b(minhash[b * ROWS * 4 : (b + 1) * ROWS * 4], digest_size=8).hexdigest()}"
        for b in range(BANDS)
    ]


def sketch_text(minhash: bytes) -> str:
    """A MinHash as an indicator value (base64 of the 64 little-endian uint32)."""
    return base64.b64encode(minhash).decode("ascii")


def sketch_bytes(text: str) -> bytes | None:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeError):
        return None
    return raw if len(raw) == BANDS * ROWS * 4 else None


def jaccard(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two MinHash sketches of the same permutations."""
    va = np.frombuffer(a, dtype=np.uint32)
    vb = np.frombuffer(b, dtype=np.uint32)
    return float(np.count_nonzero(va == vb)) / float(len(va))


def stored_row_facts(
    sha256: str,
    from_addr: str,
    reply_to: str,
    received_ips: Sequence[str],
    beacons: Sequence[dict[str, object]],
    indicators: Sequence[dict[str, str]],
    minhash: bytes | None,
) -> list[tuple[str, str]]:
    """The facts a message stored before facts were kept still allows (the migration's
    back-fill): its columns hold the senders, IPs, beacons and attachment hashes, not
    every link."""
    out: dict[tuple[str, str], None] = {}
    for address in (from_addr, reply_to):
        if "@" in address:
            out[("email", address.lower()[:MAX_VALUE])] = None
            _domain_facts(address.rpartition("@")[2], out)
    for ip in received_ips:
        _add_ip(str(ip), out)
    for beacon in beacons:
        url = str(beacon.get("url", ""))
        if not url.lower().startswith(("http://", "https://")):
            continue
        key = indicator_values.url_key(url)
        out[("url", key[:MAX_VALUE])] = None
        host = key.split("/", 1)[0].rsplit(":", 1)[0]
        if host and not host[-1].isdigit():
            _domain_facts(host, out)
        token = beacon.get("token")
        tmpl = stripped_template(url, str(token.get("value", "")) if isinstance(token, dict) else "")
        if tmpl:
            out[("tmpl", template_hash(tmpl))] = None
    if sha256:
        out[("sha256", sha256.lower())] = None
    for item in indicators:
        if item.get("kind") == "sha256":
            out[("sha256", str(item.get("value", "")).lower())] = None
    for band in lsh_bands(minhash):
        out[("band", band)] = None
    return list(out)
