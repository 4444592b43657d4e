"""Evaluate beacon analysis on real corpora (not a test: reads corpora given on the
command line).

    .venv/bin/python bench/beacons_eval.py /tmp/corpus/newsletters_unspy /tmp/corpus/sa_ham/hard_ham

For every directory: how many messages have beacons (by kind, with a known tracker),
how many carry a per-recipient token found in the single message, and the cost of
``find_beacons`` per message (parsing excluded). For newsletters_unspy, whose
mailings were each sent to two recipients (file names ending u1/u2), the batch
analysis ``template_tokens`` runs over each pair and the components it names are
listed. ``--show N`` prints N messages without beacons and N beacon URLs without a
known tracker, for inspection by hand.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from mailward.beacons import describe_exposure, find_beacons, is_remote
from mailward.model import Message
from mailward.parse import parse_message
from mailward.tokens import template_tokens

_PAIR = re.compile(r"^[0-9a-f]{8}_+(?P<name>.+?)[.-](?P<copy>u[12])\.eml$")


def _load(directory: Path) -> list[tuple[str, Message]]:
    out = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        out.append((path.name, parse_message(path.read_bytes())))
    return out


def _clear_url_caches() -> None:
    """Forget every per-URL cache (hosts stay cached: they repeat across messages)."""
    from mailward import beacons, trackers
    from mailward.tokens import opaque, recipient

    for cached in (beacons._url_facts, trackers._classify_cached, opaque.opaque_token, opaque._looks_opaque, recipient._recipient_forms):
        cached.cache_clear()


def _time_find(messages: list[Message], rounds: int) -> tuple[float, float]:
    """(median CPU time with per-URL caches cleared before each pass, median of warm
    passes) in microseconds per message."""
    for message in messages:  # compile the registry, load the public suffix list
        find_beacons(message)
    cold = []
    warm = []
    for _ in range(rounds):
        _clear_url_caches()
        start = time.process_time()
        for message in messages:
            find_beacons(message)
        cold.append((time.process_time() - start) / max(1, len(messages)) * 1e6)
        start = time.process_time()
        for message in messages:
            find_beacons(message)
        warm.append((time.process_time() - start) / max(1, len(messages)) * 1e6)
    return statistics.median(cold), statistics.median(warm)


def _reference_us() -> float:
    """CPU microseconds for 1,000 small frozen-dataclass constructions: a yardstick
    for how loaded the machine was (about 1 ms on an idle 2-core machine)."""
    from mailward.result import Beacon

    start = time.process_time()
    for _ in range(10_000):
        Beacon(url="u", kind="k", operator="o", host="h")
    return (time.process_time() - start) / 10 * 1e6


def _report(directory: Path, show: int, rounds: int) -> None:
    loaded = _load(directory)
    messages = [m for _, m in loaded]
    cold, warm = _time_find(messages, rounds)
    urls = sum(len(m.resources) + len(m.links) for m in messages) / max(1, len(messages))
    with_beacons = 0
    kinds: Counter[str] = Counter()
    trackers: Counter[str] = Counter()
    messages_with_tracker = 0
    tokens = 0
    messages_with_token = 0
    subscriber_ids = 0
    messages_with_subscriber = 0
    opaque = 0
    token_encodings: Counter[str] = Counter()
    unknown_hosts: Counter[str] = Counter()
    without: list[str] = []
    for name, message in loaded:
        beacons = find_beacons(message)
        if beacons:
            with_beacons += 1
        else:
            without.append(name)
        kinds.update({b.kind for b in beacons})
        named = {b.tracker for b in beacons if b.tracker}
        trackers.update(named)
        if named:
            messages_with_tracker += 1
        personal = [b for b in beacons if b.per_recipient and b.token is not None and b.token.confidence == "high"]
        tokens += len(personal)
        if personal:
            messages_with_token += 1
        subscriber = [b for b in beacons if b.per_recipient and b.token is not None and b.token.confidence == "medium"]
        subscriber_ids += len(subscriber)
        if subscriber:
            messages_with_subscriber += 1
        opaque += sum(1 for b in beacons if b.token is not None and b.token.confidence == "low")
        for b in personal:
            assert b.token is not None
            token_encodings[b.token.encoding] += 1
        for b in beacons:
            if not b.tracker:
                unknown_hosts[b.operator] += 1
    n = len(loaded)
    print(f"\n## {directory}  ({n} messages)")
    print(f"messages with beacons: {with_beacons} ({with_beacons / max(1, n):.0%}); with a known tracker: {messages_with_tracker}")
    print(f"messages by beacon kind: {dict(kinds.most_common())}")
    print(f"known trackers (messages): {dict(trackers.most_common(15))}")
    print(f"per-recipient tokens (single message, high confidence: the address decoded): {tokens} beacons in {messages_with_token} messages; encodings {dict(token_encodings)}")
    print(f"registry-known subscriber ids (medium): {subscriber_ids} beacons in {messages_with_subscriber} messages; opaque identifiers (low): {opaque} beacons")
    print(
        f"find_beacons CPU: {cold:.0f} us/message with per-URL caches cleared, {warm:.0f} us/message warm "
        f"(median of {rounds} passes; {urls:.0f} URLs/message; yardstick {_reference_us():.0f} us per 1,000 dataclasses)"
    )
    if show:
        print(f"operators without a registry entry (beacon count): {dict(unknown_hosts.most_common(show))}")
        print(f"messages without beacons (first {show}): {without[:show]}")
    pairs: dict[str, dict[str, Message]] = defaultdict(dict)
    for name, message in loaded:
        m = _PAIR.match(name)
        if m:
            pairs[m.group("name")][m.group("copy")] = message
    if pairs:
        _batch(pairs, show)


def _urls(message: Message) -> list[str]:
    urls = [r.url for r in message.resources if is_remote(r.url)]
    urls += [link.url for link in message.links if is_remote(link.url)]
    return urls


def _template_re(template: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in template.replace("{*}", "{token}").split("{token}")]
    return re.compile("[^&/?#]*".join(parts))


def _batch(pairs: dict[str, dict[str, Message]], show: int) -> None:
    print("\n### batch analysis over u1/u2 pairs (template_tokens)")
    total_components = 0
    pairs_with = 0
    single_and_batch = 0
    for mailing, copies in sorted(pairs.items()):
        if set(copies) != {"u1", "u2"}:
            continue
        found = template_tokens([(key, _urls(msg)) for key, msg in sorted(copies.items())])
        beacon_urls = {b.url for msg in copies.values() for b in find_beacons(msg)}
        on_beacons = [t for t in found if any(_template_re(t.template).fullmatch(u) for u in beacon_urls)]
        total_components += len(found)
        if found:
            pairs_with += 1
        if any(b.per_recipient and b.token is not None and b.token.confidence == "high" for msg in copies.values() for b in find_beacons(msg)):
            single_and_batch += 1
        locations = Counter(t.location for t in found)
        summary = describe_exposure(find_beacons(copies["u1"]))
        print(f"- {mailing}: {len(found)} templated URLs with a per-copy component ({len(on_beacons)} on beacon URLs); components {dict(locations)}")
        for t in found[:show]:
            print(f"    {t.template[:110]}  ({t.location}, {t.urls} URLs)")
        print(f"    summary: {summary}")
    print(f"pairs with a per-copy component: {pairs_with} of {len(pairs)}; templated URLs named: {total_components}; pairs where a single-message token was also found: {single_and_batch}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directories", nargs="+", type=Path)
    parser.add_argument("--show", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    for directory in args.directories:
        if not directory.is_dir():
            print(f"not a directory: {directory}", file=sys.stderr)
            return 2
        _report(directory, args.show, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
