#!/usr/bin/env python3
"""Scan the adversarial generator's messages (tests/recon/adversarial.py) and print,
per technique: attacks caught (suspicious or worse), verdict recon, beacon found,
token found; and genuine counterparts flagged (must be 0).

    python bench/recon_adversarial.py [--per-technique N] [--history] [--json]

``--history`` scans as the gateway does, with a sender history in which the
genuine accounts have written three times before, loading only from their own domain (the compromised-account
case then needs RECON_KNOWN_SENDER_NEW_TRACKER; every other sender is new). The numeric-id technique's token
is counted when batch analysis over the copies of each mailing finds it
(``mailward.tokens.template_tokens``, what a hunt does per campaign).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from tests.recon.adversarial import KNOWN_DOMAINS, Case, build_cases  # noqa: E402

from mailward.config import load_config  # noqa: E402
from mailward.identity import InMemorySenderHistory  # noqa: E402
from mailward.parse import parse_message  # noqa: E402
from mailward.result import Verdict  # noqa: E402
from mailward.scan import Scanner  # noqa: E402
from mailward.tokens import template_tokens  # noqa: E402

CONFIG = REPO / "src" / "mailward" / "rules" / "builtin" / "samples" / "mailward.toml"
CAUGHT = {Verdict.SUSPICIOUS, Verdict.RECON, Verdict.PHISHING, Verdict.MALICIOUS}


class _History(InMemorySenderHistory):
    """The genuine accounts (the compromised-account technique's senders) wrote three
    times before, loading only from their own domain; every other sender is new."""

    def count_from_address(self, sender: str, recipients: tuple[str, ...]) -> int:
        return 3 if sender.rsplit("@", 1)[-1] in KNOWN_DOMAINS else 0

    def count_from_domain(self, domain: str, recipients: tuple[str, ...] | None) -> int:
        return 3 if domain in KNOWN_DOMAINS else 0

    def load_hosts(self, sender: str) -> set[str] | None:
        domain = sender.rsplit("@", 1)[-1]
        return {domain} if domain in KNOWN_DOMAINS else None


def evaluate(cases: list[Case], *, history: bool = False) -> dict[str, dict[str, int]]:
    scanner = Scanner(load_config(CONFIG), history=_History() if history else InMemorySenderHistory(), intel=None)
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    batches: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for i, case in enumerate(cases):
        result = scanner.scan_bytes(case.raw, f"{case.technique}#{i}")
        row = table[case.technique]
        if case.label == "genuine":
            row["genuine"] += 1
            row["genuine_flagged"] += result.verdict not in (Verdict.CLEAN, Verdict.TRACKING)
            continue
        row["attacks"] += 1
        row["caught"] += result.verdict in CAUGHT
        row["recon"] += result.verdict == Verdict.RECON
        row["beacon"] += any(b.kind != "link" for b in result.beacons)
        if case.batch_only:
            message = parse_message(case.raw)
            batches[case.technique + message.subject].append((str(i), [r.url for r in message.resources]))
        else:
            row["token"] += any(b.per_recipient and b.token is not None and b.token.confidence == "high"
                                for b in result.beacons)
    for batch in batches.values():
        tokens = template_tokens(batch)
        covered = {k for t in tokens for k in t.values}
        table["token-numeric-id"]["token"] += sum(1 for k, _ in batch if k in covered)
    return {k: dict(v) for k, v in table.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-technique", type=int, default=5)
    parser.add_argument("--history", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    table = evaluate(build_cases(args.per_technique), history=args.history)
    if args.json:
        print(json.dumps(table, indent=2))
        return
    print("| technique | attacks | caught | recon | beacon found | token found | genuine | genuine flagged |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for technique, row in table.items():
        print(f"| {technique} | {row.get('attacks', 0)} | {row.get('caught', 0)} | {row.get('recon', 0)} | "
              f"{row.get('beacon', 0)} | {row.get('token', 0)} | {row.get('genuine', 0)} | {row.get('genuine_flagged', 0)} |")


if __name__ == "__main__":
    main()
