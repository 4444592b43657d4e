"""100,000 indicators: still exact, still cheap per message (generous CPU-time bounds)."""

from __future__ import annotations

import random
import time

from mailward.parse import parse_message
from mailward.share.matcher import IndicatorRecord, IntelMatcher


def _indicators(n: int) -> list[IndicatorRecord]:
    rng = random.Random(7)
    out = []
    for i in range(n):
        label = f"h{rng.getrandbits(48):x}"
        kind = ("domain", "url", "email", "ipv4", "sha256")[i % 5]
        value = {
            "domain": f"{label}.example",
            "url": f"https://{label}.example/p/{i}",
            "email": f"{label}@{label}.example",
            "ipv4": f"10.{i % 256}.{(i // 256) % 256}.{(i // 65536) % 256}",
            "sha256": f"{rng.getrandbits(256):064x}",
        }[kind]
        out.append(IndicatorRecord(value, kind, "bulk", 60))
    return out


def test_hundred_thousand_indicators():
    records = _indicators(100_000)
    records.append(IndicatorRecord("https://t.needle.example/open/", "url", "cert", 90))
    started = time.process_time()
    matcher = IntelMatcher(records)
    build = time.process_time() - started
    assert len(matcher) == 100_001
    assert build < 20.0
    links = "".join(f'<a href="https://www.site{n}.example/article/{n}?utm=x">l</a>' for n in range(20))
    raws = [
        (
            f"From: news{n}@sender{n}.example\r\nTo: a@parliament.example\r\nSubject: s\r\n"
            f"Received: from mx (mx [192.0.2.{n % 250}]) by mx\r\nContent-Type: text/html\r\n\r\n"
            f'{links}<img src="https://t.needle.example/open/{n}.gif" width=1 height=1>'
        ).encode()
        for n in range(200)
    ]
    messages = [parse_message(raw) for raw in raws]
    started = time.process_time()
    results = [matcher.match(m) for m in messages]
    per_message = (time.process_time() - started) / len(messages)
    assert all([r.indicator for r in result] == ["https://t.needle.example/open/"] for result in results)
    assert per_message < 0.005, f"{per_message * 1e3:.2f} ms per message"
