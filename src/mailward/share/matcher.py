"""Match a message against known indicators, fast, whatever their number.

Every unexpired indicator is compiled ONCE into lookup structures:

- domains: a dict keyed by ASCII domain; a host is looked up by each of its label
  suffixes (``a.b.evil.example``, ``b.evil.example``, ``evil.example``), so an
  indicator matches the name itself and every name below it: a handful of dict
  look-ups per host, whatever the number of indicators;
- email addresses, IP addresses and SHA-256 hashes: exact dicts (IP networks by
  prefix length);
- URLs: one Aho-Corasick automaton (ahocorasick-rs, the fastest candidate measured
  when it was chosen) over the normalised URL keys, run once per message over all
  its URLs joined; a hit counts when it starts a URL or follows a non-host
  character (so ``evil.example/x`` matches inside a redirector's ``?u=`` but not
  inside ``notevil.example/x``).

``load_matcher(config)`` builds the matcher from the store and keeps it in a
module-level cache keyed by the store and a fingerprint of its indicators, so a
process pays the build once and picks up new imports on the next load.
"""

from __future__ import annotations

import bisect
import datetime as dt
import ipaddress
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import ahocorasick_rs

from mailward import domains
from mailward.headers import receipt_addresses
from mailward.model import Address, Message
from mailward.share import indicator_values

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IndicatorRecord:
    """One indicator as the matcher needs it (a row of the store's ``indicators``)."""

    value: str
    kind: str
    source: str = ""
    confidence: int = 50
    expires_at: dt.datetime | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class IntelMatch:
    """A known indicator found in a message."""

    indicator: str  # the stored indicator value
    kind: str  # "domain", "url", "email", "ipv4", "ipv6", "sha256"
    matched: str  # what in the message matched (host, address, URL, IP, hash)
    source: str  # where the indicator came from (feed, file, CERT)
    confidence: int  # 0-100
    location: str = ""  # "from", "reply-to", "return-path", "sender", "receipt-to", "envelope-from",
    # "link", "beacon", "resource", "form", "received", "client-ip", "attachment", "message"
    note: str = ""

    def as_fact(self) -> dict[str, Any]:
        """The entry of the scan facts' ``intel`` list."""
        return {
            "indicator": self.indicator,
            "kind": self.kind,
            "matched": self.matched,
            "source": self.source,
            "confidence": self.confidence,
            "location": self.location,
        }


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


class IntelMatcher:
    """Compiled indicators. Build once, call ``match`` for every message."""

    def __init__(
        self,
        records: Iterable[IndicatorRecord],
        *,
        now: dt.datetime | None = None,
        own_domains: Iterable[str] = (),
    ):
        """``own_domains``: the organisation's domains; a domain indicator that is one of
        them or a parent of one (a bad feed entry) would flag all internal mail and is
        left out. Subdomains and single addresses stay matchable."""
        when = _aware(now) or _utcnow()
        protected: set[str] = set()
        for own in own_domains:
            host = indicator_values.host_ascii(str(own))
            while "." in host:
                protected.add(host)
                host = host.partition(".")[2]
        self._records: list[IndicatorRecord] = []
        self._domains: dict[str, list[int]] = {}
        self._emails: dict[str, list[int]] = {}
        self._ips: dict[str, list[int]] = {}
        self._nets: dict[int, dict[int, list[int]]] = {}  # prefix length -> network int -> records (v4)
        self._nets6: dict[int, dict[int, list[int]]] = {}
        self._hashes: dict[str, list[int]] = {}
        url_patterns: dict[str, list[int]] = {}
        self.skipped: dict[str, int] = {}  # reason -> count
        for record in records:
            expires = _aware(record.expires_at)
            if expires is not None and expires <= when:
                self._skip("expired")
                continue
            kind = record.kind
            if kind not in indicator_values.MATCHABLE_KINDS:
                self._skip(f"kind {kind} is not matched")
                continue
            try:
                value = indicator_values.canonical(kind, record.value)
            except indicator_values.IndicatorError:
                self._skip("invalid value")
                continue
            if kind == "domain" and domains.is_public_suffix(value):
                self._skip("public suffix")  # would match half the internet
                continue
            if kind == "domain" and value in protected:
                self._skip("own domain")
                continue
            index = len(self._records)
            if value != record.value or expires is not record.expires_at:
                record = IndicatorRecord(value, kind, record.source, record.confidence, expires, record.note)
            self._records.append(record)
            if kind == "domain":
                self._domains.setdefault(value, []).append(index)
            elif kind == "email":
                self._emails.setdefault(value, []).append(index)
            elif kind == "sha256":
                self._hashes.setdefault(value, []).append(index)
            elif kind in ("ipv4", "ipv6"):
                if "/" in value:
                    net = ipaddress.ip_network(value)
                    table = self._nets if net.version == 4 else self._nets6
                    table.setdefault(net.prefixlen, {}).setdefault(
                        int(net.network_address), []
                    ).append(index)
                else:
                    self._ips.setdefault(value, []).append(index)
            elif kind == "url":
                url_patterns.setdefault(indicator_values.url_key(value), []).append(index)
        self._url_keys = list(url_patterns)
        self._url_records = [url_patterns[key] for key in self._url_keys]
        self._automaton = (
            ahocorasick_rs.AhoCorasick(
                self._url_keys, matchkind=ahocorasick_rs.MatchKind.Standard
            )
            if self._url_keys
            else None
        )
        self._max_domain_labels = max((k.count(".") + 1 for k in self._domains), default=0)

    def _skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def __len__(self) -> int:
        return len(self._records)

    @property
    def empty(self) -> bool:
        return not self._records

    # -- matching -----------------------------------------------------------

    def facts(self, message: Message) -> list[dict[str, Any]]:
        """The scan facts' ``intel`` list: the ``IntelLookup`` the Scanner takes.

        Beacons are not passed: their URLs are the message's remote resources and
        links, which are matched anyway.
        """
        return [m.as_fact() for m in self.match(message, ())]

    def match(self, message: Message, beacon_urls: Sequence[str] = ()) -> tuple[IntelMatch, ...]:
        """Every known indicator found in the message, one entry per indicator and source."""
        if not self._records:
            return ()
        hits: dict[int, tuple[str, str]] = {}  # record index -> (matched, location)

        def add(indices: Iterable[int], matched: str, location: str) -> None:
            for index in indices:
                hits.setdefault(index, (matched, location))

        # senders: addresses and their domains
        for location, address in _sender_addresses(message):
            if self._emails:
                found = self._emails.get(_address_key(address))
                if found:
                    add(found, address.addr, location)
            if self._domains and address.domain_ascii:
                add(*self._host_hits(address.domain_ascii, location))
        # URLs: links, beacons, remote resources, form actions
        urls = list(_message_urls(message, beacon_urls))
        if urls:
            self._match_urls(urls, add)
        # sending IPs
        if self._ips or self._nets or self._nets6:
            for location, ip in _message_ips(message):
                self._match_ip(ip, location, add)
        # hashes
        if self._hashes:
            found = self._hashes.get(message.sha256.lower())
            if found:
                add(found, message.sha256, "message")
            for sha in _attachment_hashes(message):
                found = self._hashes.get(sha)
                if found:
                    add(found, sha, "attachment")
        if not hits:
            return ()
        now = _utcnow()
        out = []
        for index, (matched, location) in hits.items():
            record = self._records[index]
            if record.expires_at is not None and record.expires_at <= now:
                continue  # expired since the matcher was built
            out.append(
                IntelMatch(
                    indicator=record.value,
                    kind=record.kind,
                    matched=matched,
                    source=record.source,
                    confidence=record.confidence,
                    location=location,
                    note=record.note,
                )
            )
        out.sort(key=lambda m: (-m.confidence, m.kind, m.indicator, m.source))
        return tuple(out)

    def _host_hits(self, host: str, location: str) -> tuple[list[int], str, str]:
        found: list[int] = []
        domains = self._domains
        dots = host.count(".")
        suffix = host
        # skip the labels that make the host longer than the longest indicator
        for _ in range(dots + 1 - self._max_domain_labels):
            suffix = suffix[suffix.find(".") + 1 :]
        while "." in suffix:
            hit = domains.get(suffix)
            if hit:
                found.extend(hit)
            suffix = suffix[suffix.find(".") + 1 :]
        return found, host, location

    def _match_ip(self, text: str, location: str, add: Any) -> None:
        ip = domains.ip_literal(text)
        if ip is None:
            return
        canonical = str(ip)
        found = self._ips.get(canonical)
        if found:
            add(found, canonical, location)
        table = self._nets if ip.version == 4 else self._nets6
        if table:
            bits = 32 if ip.version == 4 else 128
            value = int(ip)
            for prefix, nets in table.items():
                mask = ((1 << prefix) - 1) << (bits - prefix) if prefix else 0
                hit = nets.get(value & mask)
                if hit:
                    add(hit, canonical, location)

    def _match_urls(self, urls: list[tuple[str, str]], add: Any) -> None:
        keys: list[str] = []
        for location, url in urls:
            key = indicator_values.url_key(url)
            keys.append(key)
            host = key.split("/", 1)[0].rsplit(":", 1)[0] if not key.startswith("[") else key
            if self._domains and host:
                add(*self._host_hits(host, location))
            if (self._ips or self._nets or self._nets6) and host and (host[-1].isdigit() or host.startswith("[")):
                self._match_ip(host.split("]")[0].strip("["), location, add)
        if self._automaton is None:
            return
        # one pass over all URLs; the decoded form catches URLs inside redirect parameters
        pieces: list[str] = []
        owners: list[int] = []
        starts: list[int] = []
        offset = 0
        for i, key in enumerate(keys):
            for piece in (key, unquote(key)) if "%" in key else (key,):
                starts.append(offset)
                owners.append(i)
                pieces.append(piece)
                offset += len(piece) + 1
        haystack = "\n".join(pieces)
        for pattern, begin, _end in self._automaton.find_matches_as_indexes(haystack, overlapping=True):
            if begin:
                prev = haystack[begin - 1]
                if prev.isalnum() or prev in ".-_":
                    continue
            owner = owners[bisect.bisect_right(starts, begin) - 1]
            location, url = urls[owner]
            add(self._url_records[pattern], url, location)


# -- what in a message is compared ------------------------------------------


def _address_key(address: Address) -> str:
    return f"{address.local.lower()}@{address.domain_ascii}" if address.domain_ascii else address.addr.lower()


def _sender_addresses(message: Message) -> Iterator[tuple[str, Address]]:
    for address in message.from_:
        yield "from", address
    for address in message.reply_to:
        yield "reply-to", address
    if message.return_path is not None:
        yield "return-path", message.return_path
    if message.sender is not None:
        yield "sender", message.sender
    for address in receipt_addresses(message.headers):
        yield "receipt-to", address
    envelope = message.envelope
    if envelope is not None and "@" in envelope.mail_from:
        local, _, domain = envelope.mail_from.strip("<>").rpartition("@")
        ascii_domain = indicator_values.host_ascii(domain)
        yield "envelope-from", Address("", f"{local}@{domain}", local, domain.lower(), ascii_domain, "")


def _message_urls(message: Message, beacon_urls: Sequence[str]) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()

    def fresh(url: str) -> bool:
        if url in seen:
            return False
        seen.add(url)
        return True

    for url in beacon_urls:
        if url and fresh(url):
            yield "beacon", url
    for link in message.links:
        url = link.url
        lowered = url[:7].lower()
        if lowered.startswith("mailto:"):
            continue  # compared as an address below
        if url and fresh(url):
            yield "link", url
    for resource in message.resources:
        url = resource.url
        if url[:5].lower() in ("http:", "https") or url.startswith("//"):
            if fresh(url):
                yield "resource", url
    for form in message.forms:
        if form.action[:4].lower() == "http" and fresh(form.action):
            yield "form", form.action


def _message_ips(message: Message) -> Iterator[tuple[str, str]]:
    for hop in message.received:
        if hop.from_ip:
            yield "received", hop.from_ip
    if message.envelope is not None and message.envelope.client_ip:
        yield "client-ip", message.envelope.client_ip


def _attachment_hashes(message: Message, depth: int = 0) -> Iterator[str]:
    for attachment in message.attachments:
        if attachment.sha256:
            yield attachment.sha256.lower()
        if attachment.message is not None and depth < 5:
            yield from _attachment_hashes(attachment.message, depth + 1)


# -- loading from the store -------------------------------------------------

_EMPTY = IntelMatcher(())
_CACHE: dict[tuple[str, Any], IntelMatcher] = {}
_LOCK = threading.Lock()


def load_matcher(config: Any = None) -> IntelMatcher:
    """The matcher for the configured store's unexpired indicators.

    Cheap when there is nothing to match: no store, no indicators table, or no rows
    give an empty matcher without building anything (and without creating a store).
    Built matchers are cached per store and indicator fingerprint.
    """
    from mailward.share import intel  # the store glue; imports SQLAlchemy only here

    try:
        source = intel.IndicatorSource.from_config(config)
    except intel.IntelError:
        return _EMPTY
    if source is None:
        return _EMPTY
    try:
        fingerprint = source.fingerprint()
        if fingerprint is None:
            return _EMPTY
        own = _own_domains(config)
        key = (source.url, (fingerprint, tuple(own)))
        with _LOCK:
            cached = _CACHE.get(key)
            if cached is not None:
                return cached
            matcher = IntelMatcher(source.records(), own_domains=own)
            _CACHE.clear()  # one store per process is the rule; do not keep old builds
            _CACHE[key] = matcher
            return matcher
    except intel.IntelError:
        return _EMPTY
    finally:
        source.close()


def _own_domains(config: Any) -> list[str]:
    """``organisation.domains`` as validated by ``mailward.config`` (a bare string is a list of one)."""
    if config is None:
        return []
    return list(config.section("organisation").get("domains", []))


def intel_lookup(
    config: Any = None, *, refresh_seconds: float | None = None
) -> Callable[[Message], list[dict[str, Any]]] | None:
    """What ``Scanner(intel=...)`` takes.

    Without ``refresh_seconds`` (one-shot scans, hunts): the matcher as it is now, or
    None (no cost at all) when nothing is imported. With it (the long-running gateway,
    or ``[intel] refresh_seconds`` in the config): a ``RefreshingLookup`` that picks up
    imports and removals while running.
    """
    if refresh_seconds is None and config is not None:
        configured = config.section("intel").get("refresh_seconds")
        refresh_seconds = float(configured) if configured else None
    if refresh_seconds:
        return RefreshingLookup(config, refresh_seconds)
    matcher = load_matcher(config)
    return None if matcher.empty else matcher.facts


class RefreshingLookup:
    """An intel look-up that rebuilds its matcher in the background when the store changes.

    Every ``interval`` seconds the next call starts a check in a thread (the store's
    fingerprint; a rebuild only when indicators changed); messages keep being matched
    against the current matcher meanwhile, and the new one is swapped in when ready.
    """

    def __init__(self, config: Any, interval: float, *, clock: Callable[[], float] | None = None) -> None:
        import time

        self._config = config
        self._interval = max(1.0, float(interval))
        self._clock = clock or time.monotonic
        self.matcher = load_matcher(config)
        self._checked = self._clock()
        self._busy = threading.Lock()
        self.thread: threading.Thread | None = None

    def __call__(self, message: Message) -> list[dict[str, Any]]:
        now = self._clock()
        if now - self._checked >= self._interval and self._busy.acquire(blocking=False):
            self._checked = now
            self.thread = threading.Thread(target=self._reload, name="mailward-intel-reload", daemon=True)
            self.thread.start()
        return self.matcher.facts(message)

    def _reload(self) -> None:
        try:
            self.matcher = load_matcher(self._config)
        except Exception:  # a failed reload keeps the current matcher
            log.warning("intel: reloading indicators failed; keeping the current ones", exc_info=True)
        finally:
            self._busy.release()


def lookup_from_file(
    path: Any, source: str = "samples", confidence: int = 80
) -> Callable[[Message], list[dict[str, Any]]] | None:
    """An intel look-up from one feed file (rule samples ship ``samples/intel.txt``)."""
    from pathlib import Path

    from mailward.share.intel import read_feed

    file = Path(path)
    if not file.is_file():
        return None
    feed = read_feed(file.read_bytes(), str(file))
    records = [
        IndicatorRecord(i.value, i.kind, source, confidence if i.confidence is None else i.confidence, i.expires_at, i.note)
        for i in feed.indicators
    ]
    matcher = IntelMatcher(records)
    return None if matcher.empty else matcher.facts
