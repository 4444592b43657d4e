"""Indicator matching cost: build time, memory and per-message cost at 0 / 10k / 100k indicators.

    .venv/bin/python bench/intel_bench.py [--messages 2000] [--scan 500] [--quick]
        [--corpus /work/shared/corpus/sa_ham.tar.xz] [--sizes 0,10000,100000] [--json FILE]

Indicators are generated (40% domains, 25% URLs, 15% addresses, 10% IPv4 incl. some
/24 networks, 10% SHA-256). Messages are generated lures and newsletters (10 links,
3 remote images, 2 Received hops, an attachment) or, with --corpus, the first N
messages of a corpus tarball. Messages are parsed once up front; the timed part is
``IntelMatcher.match(message, beacon_urls)`` alone (CPU time of this process), and, when ``mailward.scan`` is
importable, a whole ``Scanner.scan_message`` for comparison. About 1% of the
generated messages carry a known indicator, so the match path is exercised too.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import statistics
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from mailward.parse import parse_message
from mailward.share.matcher import IndicatorRecord, IntelMatcher

WORDS = "alpha bravo civic delta echo forum global harbor island jade karma lumen metro nova orbit pixel quest relay solar terra ultra vista wave xenon yield zenith".split()
TLDS = ["com", "net", "org", "info", "example", "co.uk", "de", "fr", "io"]


def _label(rng: random.Random) -> str:
    return rng.choice(WORDS) + rng.choice(WORDS) + str(rng.randrange(10_000))


def _domain(rng: random.Random) -> str:
    return f"{_label(rng)}.{rng.choice(TLDS)}"


def indicators(n: int, seed: int = 1) -> list[IndicatorRecord]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        r = i % 20
        if r < 8:
            out.append(IndicatorRecord(_domain(rng), "domain", "bench", 70))
        elif r < 13:
            out.append(IndicatorRecord(f"https://{_domain(rng)}/{_label(rng)}/{rng.randrange(10**6)}", "url", "bench", 70))
        elif r < 16:
            out.append(IndicatorRecord(f"{_label(rng)}@{_domain(rng)}", "email", "bench", 70))
        elif r < 18:
            if r == 17 and i % 40 == 17:
                out.append(IndicatorRecord(f"10.{rng.randrange(256)}.{rng.randrange(256)}.0/24", "ipv4", "bench", 60))
            else:
                out.append(IndicatorRecord(f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}", "ipv4", "bench", 60))
        else:
            out.append(IndicatorRecord(f"{rng.getrandbits(256):064x}", "sha256", "bench", 90))
    return out


def generated_messages(n: int, known: list[IndicatorRecord], seed: int = 2) -> list[bytes]:
    rng = random.Random(seed)
    known_domains = [r.value for r in known if r.kind == "domain"]
    out = []
    for i in range(n):
        sender_domain = _domain(rng)
        if known_domains and i % 100 == 0:
            sender_domain = rng.choice(known_domains)
        links = "".join(
            f'<p><a href="https://www.{_domain(rng)}/{_label(rng)}/{rng.randrange(10**6)}?utm_source=nl&amp;id={rng.getrandbits(64):x}">link {k}</a></p>'
            for k in range(10)
        )
        images = "".join(
            f'<img src="https://img.{_domain(rng)}/{rng.getrandbits(80):x}.png" width="{600 if k else 1}" height="{200 if k else 1}">'
            for k in range(3)
        )
        attachment = rng.getrandbits(256).to_bytes(32, "big").hex()
        raw = (
            f"Received: from mx.{sender_domain} (mx.{sender_domain} [198.51.{rng.randrange(256)}.{rng.randrange(256)}]) by mx.parliament.example; Mon, 4 Jan 2021 09:00:00 +0000\r\n"
            f"Received: from app.{sender_domain} ([10.{rng.randrange(256)}.0.{rng.randrange(256)}]) by mx.{sender_domain}; Mon, 4 Jan 2021 08:59:59 +0000\r\n"
            f'From: "News {i}" <news@{sender_domain}>\r\n'
            f"Reply-To: desk@{_domain(rng)}\r\n"
            f"Return-Path: <bounce-{i}@bounces.{sender_domain}>\r\n"
            f"To: member{i % 50}@parliament.example\r\n"
            f"Subject: Bulletin {i}\r\nMessage-ID: <{i}.{rng.getrandbits(40):x}@{sender_domain}>\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            f"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>{links}{images}</body></html>\r\n"
            f"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=a.bin\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--b--\r\n"
        )
        out.append(raw.encode())
    return out


def corpus_messages(path: Path, n: int) -> list[bytes]:
    out = []
    with tarfile.open(path) as tar:
        for member in tar:
            if member.isfile():
                handle = tar.extractfile(member)
                if handle is not None:
                    out.append(handle.read())
                    if len(out) >= n:
                        break
    return out


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


def bench(sizes: list[int], raws: list[bytes], corpus: str, scan_messages: int = 500) -> dict[str, object]:
    messages = [parse_message(raw) for raw in raws]
    beacons = [[r.url for r in m.resources if r.width == 1] for m in messages]
    try:
        from mailward.scan import Scanner
    except Exception as exc:  # the scanner is optional here
        Scanner = None
        print(f"(no whole-scan comparison: {exc.__class__.__name__}: {exc})", file=sys.stderr)
    scan_sample = messages[:scan_messages]
    if Scanner is not None and scan_sample:
        # one untimed pass first: analysers keep per-URL caches across scanners, so
        # without it the first size measured would pay for everyone's cache warm-up
        warm = Scanner()
        for message in scan_sample:
            warm.scan_message(message, "-")
    rows = []
    for size in sizes:
        records = indicators(size)
        # make ~1% of generated messages hit
        gc.collect()
        before = rss_bytes()
        started = time.process_time()
        matcher = IntelMatcher(records)
        build = time.process_time() - started
        gc.collect()
        grown = rss_bytes() - before
        del records
        timings = []
        hits = 0
        for _round in range(3):
            started = time.process_time()
            for message, urls in zip(messages, beacons, strict=True):
                if matcher.match(message, urls):
                    hits += 1
            timings.append((time.process_time() - started) / len(messages))
        per_message = statistics.median(timings)
        scan_ms = None
        if Scanner is not None and scan_sample:
            scanner = Scanner(intel=None if matcher.empty else matcher.facts)
            started = time.process_time()
            for message in scan_sample:
                scanner.scan_message(message, "-")
            scan_ms = round((time.process_time() - started) / len(scan_sample) * 1e3, 3)
        rows.append(
            {
                "indicators": size,
                "compiled": len(matcher),
                "build_s": round(build, 3),
                "memory_mib": round(grown / 2**20, 1),
                "match_us_per_msg": round(per_message * 1e6, 1),
                "messages_matched": hits // 3,
                "scan_ms_per_msg": scan_ms,
            }
        )
        print(json.dumps(rows[-1]), file=sys.stderr)
    return {"corpus": corpus, "messages": len(messages), "scanned": len(scan_sample), "rows": rows}


def markdown(result: dict[str, object]) -> str:
    lines = [
        f"### Indicator matching ({result['corpus']}, {result['messages']:,} messages)",
        "",
        f"Match: `IntelMatcher.match` alone over all messages; scan: whole `Scanner.scan_message` (parsed message in, verdict out) over the first {result['scanned']:,}, with the matcher as its intel look-up. CPU time.",
        "",
        "| indicators | compiled | build s | matcher memory | match µs/msg | messages matched | scan ms/msg |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:  # type: ignore[attr-defined]
        lines.append(
            f"| {row['indicators']:,} | {row['compiled']:,} | {row['build_s']} | {row['memory_mib']} MiB | {row['match_us_per_msg']} | {row['messages_matched']} | {row['scan_ms_per_msg'] if row['scan_ms_per_msg'] is not None else '-'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--corpus", type=Path, help="a corpus tarball (.tar.xz) instead of generated messages")
    parser.add_argument("--sizes", default="0,10000,100000")
    parser.add_argument("--json", type=Path, help="also write the result here")
    parser.add_argument("--scan", type=int, default=500, help="messages to run whole scans on (0: none)")
    parser.add_argument("--quick", action="store_true", help="500 messages, 100 whole scans")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.scan = min(args.messages, 500), min(args.scan, 100)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.corpus:
        raws = corpus_messages(args.corpus, args.messages)
        corpus = args.corpus.name
    else:
        raws = generated_messages(args.messages, indicators(max(sizes)))
        corpus = "generated"
    result = bench(sizes, raws, corpus, args.scan)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))


if __name__ == "__main__":
    main()
