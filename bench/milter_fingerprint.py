#!/usr/bin/env python3
"""What the milter's workers hand back, per message, to prove a change kept it byte for byte.

    python bench/milter_fingerprint.py --out FILE [--demo N] [--large N] [PATH...]
    python bench/milter_fingerprint.py --compare FILE [--demo N] [--large N] [PATH...]

Each message goes through ``prepare_message`` as a milter worker runs it (the real
scanner, the default gateway settings: scan, action, defuse or banner), and again
through ``defuse_report`` with ``neutralise=False`` (the banner-only rewrite). A line
per message holds the SHA-256 of the verdict, score, findings, action, the rewritten
bytes and the defuse report. Messages: the demo set (``mailward.demo.generate``,
seed 2021, ``--demo`` messages, written to a scratch directory), ``--large`` 1 MB
messages of the milter bench's two shapes (``tests/gateway/messages.py``, fixed
Message-IDs) and any files or directories given. Exit status 1 when ``--compare``
finds a difference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from mailward.config import load_config  # noqa: E402
from mailward.gateway import scanning  # noqa: E402
from mailward.gateway.defuse import defuse_report  # noqa: E402
from mailward.gateway.settings import load_settings  # noqa: E402
from mailward.model import Envelope  # noqa: E402
from mailward.sources import iter_sources  # noqa: E402


def _large(count: int) -> Iterator[tuple[str, bytes]]:
    from tests.gateway import messages as M

    for i in range(count):
        random.seed(i)  # the MIME boundaries the stdlib draws
        build = (M.newsletter, M.benign, M.recon_lure)[i % 3]
        size = 1_000_000 + 977 * i
        if build is M.recon_lure:
            raw = M.newsletter(pinned=None, size=size // 2)[1]
        else:
            raw = build(pinned=None, size=size)[1]  # type: ignore[operator]
        token = raw.split(b"Message-ID: <", 1)[1][:12]
        yield f"large-{i}", raw.replace(token, f"{i:012d}".encode())


def _messages(paths: list[str], demo: int, large: int, scratch: Path) -> Iterator[tuple[str, bytes]]:
    if demo:
        from mailward.demo import generate

        root = scratch / "demo"
        generate(root, seed=2021, messages=demo, force=True)
        paths = [str(root), *paths]
    for item in iter_sources(paths) if paths else ():
        data = getattr(item, "data", None)
        if data is not None:
            yield item.source.replace(str(scratch), "<scratch>"), data
    yield from _large(large)


def fingerprint(raw: bytes) -> str:
    env = Envelope(mail_from="sender@example.org", rcpt_to=("alice@test.local",))
    prepared = scanning.prepare_message(raw, "fingerprint", env)
    result = prepared.result
    report = prepared.report
    banner_only = defuse_report(raw, result, scanning._WORKER["settings"], neutralise=False)
    doc = {
        "verdict": str(result.verdict),
        "score": result.score,
        "findings": [f.rule for f in result.findings],
        "action": str(prepared.action),
        "rewritten": hashlib.sha256(prepared.rewritten).hexdigest() if prepared.rewritten is not None else None,
        "report": repr(report),
        "banner_only": hashlib.sha256(banner_only[0]).hexdigest(),
        "banner_report": repr(banner_only[1]),
    }
    return json.dumps(doc, sort_keys=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", type=Path)
    group.add_argument("--compare", type=Path)
    ap.add_argument("--demo", type=int, default=300, help="demo messages (default 300)")
    ap.add_argument("--large", type=int, default=12, help="1 MB messages (default 12)")
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args(argv)
    config = load_config(None)
    scanning._init_worker(config, load_settings(config))
    with tempfile.TemporaryDirectory(prefix="milter-fingerprint-") as scratch:
        now = {source: fingerprint(raw) for source, raw in _messages(args.paths, args.demo, args.large, Path(scratch))}
    if args.out:
        args.out.write_text("".join(f"{s}\t{v}\n" for s, v in now.items()))
        print(f"{len(now)} messages fingerprinted to {args.out}")
        return 0
    before = dict(line.split("\t", 1) for line in args.compare.read_text().splitlines())
    differ = [s for s in before if now.get(s) != before[s]] + [s for s in now if s not in before]
    for source in differ[:20]:
        print(f"DIFFERENT {source}")
    actions: dict[str, int] = {}
    for value in now.values():
        action = json.loads(value)["action"]
        actions[action] = actions.get(action, 0) + 1
    print(f"{len(now)} messages ({actions}), {len(differ)} different")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
