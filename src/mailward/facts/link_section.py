"""The ``links`` and ``link_summary`` facts: what each link of a message says and
where it really goes (see ``links_section``). Part of ``mailward.facts.build``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from .. import domains
from ..model import Link, Message
from ..result import Beacon
from . import links as linkfacts
from . import message_cues
from .identity import lookalike_kind

__all__ = ["MAX_FLAGGED_LINKS", "MAX_ITEMS", "MAX_LINKS", "links_section"]

MAX_LINKS = 300  # links examined
MAX_ITEMS = 40  # distinct entries kept in each list of objects
# links past MAX_ITEMS still kept when they carry a warning sign, so that a rule's
# evidence names the link its count saw (an IP link as the 41st distinct host)
MAX_FLAGGED_LINKS = 20

MAX_LOOKALIKE_DOMAINS = 30


def links_section(
    facts: dict[str, Any],
    message: Message,
    beacons: Sequence[Beacon],
    domain_lookalike: Callable[[str], Any] | None,
) -> None:
    trackers = {b.url: b for b in beacons if b.kind == "link"}
    lookalike = facts["identity"]["lookalike"]
    checked: dict[str, tuple[str, str]] = {}
    if lookalike["domain"]:
        checked[domains.site(lookalike["domain"])] = (lookalike["kind"], lookalike["target"])
    out: list[dict[str, Any]] = []
    hosts: dict[str, None] = {}
    by_key: dict[tuple[str, str, str], dict[str, Any]] = {}
    totals = {"count": 0, "ip_hosts": 0, "shorteners": 0, "text_mismatches": 0, "lookalikes": 0, "own_brand": 0,
              "url_text_mismatches": 0, "brand_hosts": 0, "brand_paths": 0, "hosting": 0, "punycode": 0,
              "redirects": 0, "script_links": 0, "encoded_hosts": 0}
    hosting_kinds: dict[str, None] = {}
    link_brands: dict[str, None] = {}
    own = tuple(facts["org"]["domains"])
    brands = message_cues.brand_variants(own)
    memo: dict[tuple[str, str, str], _LinkCues | None] = {}  # a link repeated in one message is read once
    for link in message.links[:MAX_LINKS]:
        link_key = (link.url, link.text, link.source)
        if link_key in memo:
            cues = memo[link_key]
        else:
            cues = memo[link_key] = _link_cues(link, trackers, own, brands)
        if cues is None:
            totals["script_links"] += bool(linkfacts.script_scheme(link.url))
            continue
        parts, shown, tracker, destination, mismatch, login, ip_host, shortener, own_brand, phish, encoded = cues
        totals["encoded_hosts"] += encoded
        reg = parts.registrable
        if reg and reg not in checked and domain_lookalike is not None and len(checked) < MAX_LOOKALIKE_DOMAINS:
            found = domain_lookalike(parts.host)
            checked[reg] = (lookalike_kind(found.kind), found.target) if found is not None else ("", "")
        look_kind, look_target = checked.get(reg, ("", ""))
        totals["count"] += 1
        totals["ip_hosts"] += ip_host
        totals["shorteners"] += shortener
        totals["text_mismatches"] += mismatch
        totals["url_text_mismatches"] += mismatch and link.text.lstrip().lower().startswith(("http://", "https://", "www."))
        totals["lookalikes"] += bool(look_kind)
        totals["own_brand"] += own_brand
        totals["brand_hosts"] += bool(phish["brand_host"])
        totals["brand_paths"] += bool(phish["brand_path"])
        totals["hosting"] += bool(phish["hosting"])
        totals["punycode"] += phish["punycode"]
        totals["redirects"] += bool(phish["redirect_host"])
        if phish["hosting"]:
            hosting_kinds.setdefault(phish["hosting"], None)
        for name in (phish["brand_host"], phish["brand_path"]):
            if name and len(link_brands) < 10:
                link_brands.setdefault(name, None)
        if parts.host:
            hosts.setdefault(parts.host, None)
        # one entry per (host, shown domain, tracker): see MAX_ITEMS
        key = (parts.host, shown, tracker)
        entry = by_key.get(key)
        if entry is not None:
            entry["login_words"] = entry["login_words"] or login
            entry["brand_path"] = entry["brand_path"] or phish["brand_path"]
            continue
        flagged = ip_host or shortener or mismatch or bool(look_kind) or own_brand or any(
            phish[name] for name in ("brand_host", "brand_path", "hosting", "punycode", "redirect_host"))
        if len(out) >= (MAX_ITEMS + MAX_FLAGGED_LINKS if flagged else MAX_ITEMS):
            continue
        entry = _link_entry(link, parts, shown=shown, mismatch=mismatch, ip_host=ip_host,
                            shortener=shortener, tracker=tracker, destination=destination, login=login,
                            lookalike=(look_kind, look_target), own_brand=own_brand, phish=phish)
        entry["host_encoded"] = encoded
        entry["action_text"] = linkfacts.action_text(link.text)
        by_key[key] = entry
        out.append(entry)
    facts["links"] = out
    facts["link_summary"] = {**totals, "hosts": list(hosts)[:MAX_ITEMS], "hosting_kinds": list(hosting_kinds),
                             "brands": list(link_brands)}


# What one link says, apart from the message-wide look-alike check (see ``_links``):
# (parts, shown domain, tracker, destination, text mismatch, login words, IP host,
# shortener, own brand, phishing facts, host written with percent escapes)
_LinkCues = tuple[message_cues.UrlParts, str, str, str, bool, bool, bool, bool, bool, dict[str, Any], bool]


def _link_cues(
    link: Link, trackers: Mapping[str, Beacon], own: tuple[str, ...], brands: Any
) -> _LinkCues | None:
    """The cues of one link, or None for a link that is not http(s) (a script or data URL)."""
    parts = message_cues.split_url(link.url)
    if parts.scheme not in ("http", "https", ""):
        return None
    decoded = linkfacts.decode_host(parts.host)  # "%70aypal.%63om": read as a browser would
    if decoded:
        parts = message_cues.UrlParts(parts.scheme, decoded, parts.path, domains.site(decoded))
    shown = message_cues.text_domain(link.text) if link.source == "html" else ""
    shown_reg = domains.site(shown) if shown else ""
    beacon = trackers.get(link.url)
    tracker = beacon.tracker if beacon else ""
    destination = beacon.destination if beacon else ""
    dest_reg = message_cues.split_url(destination).registrable if destination else ""
    mismatch = bool(shown_reg and parts.host and shown_reg != parts.registrable)
    if mismatch and tracker and (not dest_reg or dest_reg == shown_reg):
        mismatch = False  # a known click tracker in front of the shown domain
    login = message_cues.login_words(link.text, parts.path, parts.host)
    ip_host = domains.is_ip_literal(parts.host)
    shortener = bool(parts.host) and message_cues.is_shortener(parts.host, parts.registrable)
    own_brand = bool(brands) and message_cues.has_own_brand(parts.host, parts.registrable, own, brands)
    phish = _phishing_link(link.url, parts, destination)
    destination = destination or phish["destination"]
    return parts, shown, tracker, destination, mismatch, login, ip_host, shortener, own_brand, phish, bool(decoded)


def _link_entry(
    link: Link,
    parts: message_cues.UrlParts,
    *,
    shown: str,
    mismatch: bool,
    ip_host: bool,
    shortener: bool,
    tracker: str,
    destination: str,
    login: bool,
    lookalike: tuple[str, str],
    own_brand: bool,
    phish: dict[str, Any],
) -> dict[str, Any]:
    """The facts entry of one link (see ``_links``)."""
    return {
        "url": link.url[:2000],
        "scheme": parts.scheme,
        "host": parts.host,
        "registrable": parts.registrable,
        "text": link.text[:300],
        "text_domain": shown,
        "text_mismatch": mismatch,
        "text_is_url": mismatch and link.text.lstrip().lower().startswith(("http://", "https://", "www.")),
        "ip_host": ip_host,
        "shortener": shortener,
        "tracker": tracker,
        "destination": destination,
        "login_words": login,
        "lookalike": lookalike[0],
        "lookalike_target": lookalike[1],
        "own_brand": own_brand,
        "source": link.source,
        "brand_host": phish["brand_host"],
        "brand_path": phish["brand_path"],
        "hosting": phish["hosting"],
        "hosting_service": phish["hosting_service"],
        "punycode": phish["punycode"],
        "redirect_host": phish["redirect_host"],
    }


def _phishing_link(url: str, parts: message_cues.UrlParts, destination: str) -> dict[str, Any]:
    """Brand, hosting and redirect facts of one link, also for the destination it carries."""
    unwrapped = "" if destination else linkfacts.unwrap(url, parts.host)
    dest = destination or unwrapped
    dest_parts = message_cues.split_url(dest) if dest else None
    brand_host = _brand_in_host(parts.host)
    hosting = linkfacts.hosting_of(parts.host, parts.path)
    brand_path = _brand_in_path(parts.host, parts.path) if not brand_host else ""
    if dest_parts is not None and dest_parts.host and dest_parts.host != parts.host:
        brand_host = brand_host or _brand_in_host(dest_parts.host)
        hosting = hosting or linkfacts.hosting_of(dest_parts.host, dest_parts.path)
        brand_path = brand_path or (_brand_in_path(dest_parts.host, dest_parts.path) if not brand_host else "")
    return {
        "destination": unwrapped,
        "brand_host": brand_host,
        "brand_path": brand_path,
        "hosting": hosting.kind if hosting else "",
        "hosting_service": hosting.service if hosting else "",
        "punycode": linkfacts.punycode(parts.host),
        "redirect_host": dest_parts.host if unwrapped and dest_parts is not None else "",
    }


# Hosts recur across links and messages far more than whole links do (85-97% of the
# links of the corpora measured repeat a host seen before, 60-80% a host and path):
# the brand look-ups are kept per process.
@lru_cache(maxsize=8192)
def _brand_in_host(host: str) -> str:
    from ..identity.brands import brand_in_host

    return brand_in_host(host) if host and not domains.is_ip_literal(host) else ""


@lru_cache(maxsize=4096)
def _brand_in_path(host: str, path: str) -> str:
    from ..identity.brands import brand_in_path

    return brand_in_path(host, path) if host else ""
