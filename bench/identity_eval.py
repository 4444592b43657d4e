"""Identity analysis on real corpora: how often it sees impersonation, and its cost.

    .venv/bin/python bench/identity_eval.py /tmp/corpus/sa_ham /tmp/corpus/newsletters_unspy [--show N]
    .venv/bin/python bench/identity_eval.py --labels DEMO/labels.jsonl --config DEMO/mailward.toml

With ``--labels`` (the demo set's labels.jsonl) the counts are given per message kind.

For each directory: messages read, messages with a claim, with a claim that does not
hold, with a lookalike sender / Reply-To, with any impersonation signal, and the CPU
time of ``analyse_identity`` per message (parsing excluded; the first call, which
builds the reference indexes, is timed separately).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import time
from pathlib import Path

from mailward.config import load_config
from mailward.identity import IdentitySettings, analyse_identity
from mailward.parse import parse_message


def files_under(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--config", type=Path, help="mailward.toml with [organisation] and [auth]")
    parser.add_argument("--labels", type=Path, help="labels.jsonl of a generated demo set")
    parser.add_argument("--show", type=int, default=10, help="examples of flagged messages to print per set")
    args = parser.parse_args()
    settings = IdentitySettings.from_config(load_config(args.config)) if args.config else IdentitySettings()
    start = time.process_time()
    from mailward.identity.lookalike import lookalike_index

    lookalike_index(settings)
    print(f"index build: {(time.process_time() - start) * 1000:.0f} ms CPU")
    if args.labels:
        by_kind: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        base = args.labels.parent
        for line in args.labels.read_text().splitlines():
            label = json.loads(line)
            message = parse_message((base / label["path"]).read_bytes())
            report = analyse_identity(message, settings)
            counts = by_kind[label["kind"]]
            counts["messages"] += 1
            counts["claim"] += bool(report.claims)
            counts["claim not holding"] += report.claim_fails
            counts["lookalike"] += report.lookalike
            counts["impersonation"] += report.impersonation
            if label["kind"] in ("recon", "phishing") and not report.impersonation and counts["shown"] < args.show:
                counts["shown"] += 1
                print(f"  missed {label['kind']}: {label['from']} | {label['subject']}")
        for kind, counts in sorted(by_kind.items()):
            n = counts["messages"]
            print(f"{kind}: {n} messages; claim {counts['claim']}; claim not holding {counts['claim not holding']}; "
                  f"lookalike {counts['lookalike']}; any impersonation signal {counts['impersonation']} "
                  f"({counts['impersonation'] / n:.1%})")
    for root in args.paths:
        messages = [(p, parse_message(p.read_bytes())) for p in files_under(root)]
        costs: list[float] = []
        claims = fails = lookalikes = flagged = 0
        shown = 0
        for path, message in messages:
            t0 = time.process_time_ns()
            report = analyse_identity(message, settings)
            costs.append((time.process_time_ns() - t0) / 1000)
            claims += bool(report.claims)
            fails += report.claim_fails
            lookalikes += report.lookalike
            flagged += report.impersonation
            if report.impersonation and shown < args.show:
                shown += 1
                print(f"  {os.path.relpath(path, root)}: {report.sending.from_addr}")
                for line in report.explanations:
                    print(f"      {line}")
        n = len(messages) or 1
        costs.sort()
        print(
            f"{root}: {len(messages)} messages; with a claim {claims} ({claims / n:.1%}); "
            f"claim not holding {fails} ({fails / n:.1%}); lookalike {lookalikes} ({lookalikes / n:.1%}); "
            f"any impersonation signal {flagged} ({flagged / n:.1%})"
        )
        if costs:
            p95 = costs[int(len(costs) * 0.95) - 1] if len(costs) >= 20 else costs[-1]
            print(f"  cost per message: mean {statistics.fmean(costs):.0f} µs, median {statistics.median(costs):.0f} µs, "
                  f"p95 {p95:.0f} µs, max {costs[-1]:.0f} µs (CPU time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
