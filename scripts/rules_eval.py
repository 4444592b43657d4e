#!/usr/bin/env python3
"""Verdict counts per corpus directory, and where the CPU time of a scan goes.

    .venv/bin/python scripts/rules_eval.py verdicts DIR... [--config FILE]
    .venv/bin/python scripts/rules_eval.py cost DIR... [--config FILE]

``verdicts`` prints, per directory, how many messages got each verdict and the
rules that fired most. ``cost`` times each stage of the analysis per message
(process CPU time): parse, beacons, identity, facts, rules (CEL), policy, and the
rules' share of the total.
"""

from __future__ import annotations

import argparse
import collections
import time
from pathlib import Path

from mailward.config import load_config
from mailward.parse import parse_message
from mailward.pipeline import ANALYSERS, Found
from mailward.scan import Scanner
from mailward.sources import iter_sources


def verdicts(scanner: Scanner, directory: str) -> None:
    counts: collections.Counter[str] = collections.Counter()
    rules: collections.Counter[str] = collections.Counter()
    total = 0
    for raw in iter_sources([directory]):
        result = scanner.scan_bytes(raw.data, source=raw.source)
        counts[result.verdict.value] += 1
        rules.update(f.rule for f in result.findings)
        total += 1
    flagged = sum(v for k, v in counts.items() if k in ("suspicious", "recon", "phishing", "malicious"))
    print(f"{directory}: {total} messages, flagged (suspicious or worse) {flagged} = {100 * flagged / max(total, 1):.2f}%")
    print("  verdicts: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    print("  top rules: " + ", ".join(f"{k} {v}" for k, v in rules.most_common(12)))


def cost(scanner: Scanner, directory: str) -> None:
    analyser = scanner.analyser
    stages = dict.fromkeys(("parse", *(name for name, _ in ANALYSERS), "facts", "rules", "policy"), 0.0)
    messages = [raw.data for raw in iter_sources([directory])]
    clock = time.process_time
    for data in messages:
        t0 = clock()
        message = parse_message(data)
        t1 = clock()
        found = Found()
        times = {}
        t2 = clock()
        for name, step in ANALYSERS:
            step(message, analyser.context, found)
            t3 = clock()
            times[name] = t3 - t2
            t2 = t3
        facts = analyser.facts_from(message, found)
        t4 = clock()
        hits = analyser.ruleset.evaluate(facts)
        t5 = clock()
        analyser.policy.decide(hits, facts)
        t6 = clock()
        for name, value in (("parse", t1 - t0), *times.items(), ("facts", t4 - t3), ("rules", t5 - t4),
                            ("policy", t6 - t5)):
            stages[name] += value
    n = max(len(messages), 1)
    total = sum(stages.values())
    parts = " ".join(f"{k}={v / n * 1e6:.0f}us" for k, v in stages.items())
    print(f"{directory}: {len(messages)} messages, {total / n * 1e6:.0f} us CPU/message; {parts}; "
          f"rules {100 * stages['rules'] / max(total, 1e-9):.1f}% ({len(analyser.ruleset)} rules)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("verdicts", "cost"))
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--config")
    args = parser.parse_args()
    scanner = Scanner(load_config(args.config) if args.config else None)
    for directory in args.dirs:
        (verdicts if args.what == "verdicts" else cost)(scanner, str(directory))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
