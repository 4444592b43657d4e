#!/usr/bin/env python3
"""A fingerprint of everything a scan outputs, per message, to prove a change kept them.

    python bench/fingerprint.py --out FILE PATH...       # write the fingerprints
    python bench/fingerprint.py --compare FILE PATH...   # scan again, list differences

Each line is ``source<TAB>hash<TAB>json``: the hash covers ``ScanResult.to_json``
with the facts the rules saw (verdict, score, findings, beacons, summary, facts)
and the parsed model's JSON view (``modeljson.message_to_json``). Exit status 1
when ``--compare`` finds a difference.

Attachment analysis stops at a wall-clock deadline per attachment (``AttachmentLimits.seconds``),
so on a loaded machine a large PDF can give a different result from one run to the next
with the same code. The fingerprints therefore lift that deadline (the analysis runs to
its other limits); ``--keep-deadline`` keeps it, as a scan does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from mailward.attachments.base import Budget  # noqa: E402
from mailward.modeljson import message_to_json  # noqa: E402
from mailward.parse import parse_message  # noqa: E402
from mailward.scan import Scanner  # noqa: E402
from mailward.sources import iter_sources  # noqa: E402


def fingerprints(paths: list[str]) -> dict[str, str]:
    scanner = Scanner()
    out: dict[str, str] = {}
    for item in iter_sources(paths):
        data = getattr(item, "data", None)
        if data is None:  # a source that could not be read
            out[item.source] = "unreadable"
            continue
        result = scanner.scan_bytes(data, item.source)
        model = message_to_json(parse_message(data, limits=scanner.limits))
        doc = json.dumps({"scan": result.to_json(with_facts=True), "model": model}, sort_keys=True, default=str)
        out[item.source] = hashlib.sha256(doc.encode()).hexdigest()[:16] + "\t" + doc
    return out


def _never_spent(self: Budget) -> bool:
    return False


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", type=Path)
    group.add_argument("--compare", type=Path)
    ap.add_argument("--keep-deadline", action="store_true",
                    help="keep the attachment analysis's wall-clock deadline (results may then vary with load)")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args(argv)
    if not args.keep_deadline:
        Budget.spent = _never_spent  # type: ignore[method-assign]
    now = fingerprints(args.paths)
    if args.out:
        args.out.write_text("".join(f"{s}\t{v}\n" for s, v in now.items()))
        print(f"{len(now)} messages fingerprinted to {args.out}")
        return 0
    before: dict[str, str] = {}
    for line in args.compare.read_text().splitlines():
        source, value = line.split("\t", 1)
        before[source] = value
    differ = [s for s in before if now.get(s, "").split("\t", 1)[0] != before[s].split("\t", 1)[0]]
    differ += [s for s in now if s not in before]
    for source in differ[:20]:
        print(f"DIFFERENT {source}")
    print(f"{len(now)} messages, {len(differ)} different")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
