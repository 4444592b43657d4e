#!/usr/bin/env python3
"""Scan the adversarial generator's messages (tests/recon/adversarial.py and
tests/recon/adversarial_attachments.py) and print, per technique: attacks caught
(suspicious or worse), verdict recon, a recon rule fired (the verdict may be higher:
an attached HTML page is phishing, a remote template malicious), beacon found (for
the attachment techniques: a beacon in the attachment), token found; and genuine
counterparts flagged (suspicious or worse) with the rules that flagged them.

    python bench/recon_adversarial.py [--per-technique N] [--history] [--no-hunt] [--json]

``--history`` scans as the gateway does, with a sender history in which the
genuine accounts have written three times before, loading only from their own domain (the compromised-account
case then needs RECON_KNOWN_SENDER_NEW_TRACKER; every other sender is new). The numeric-id technique's token
is counted when batch analysis over the copies of each mailing finds it
(``mailward.tokens.template_tokens``). The row ``token-numeric-id (hunt)`` hunts
those copies into a temporary SQLite store and reads the verdicts after the hunt's
copy comparison (``mailward.hunt.copytokens``); ``--no-hunt`` leaves it out.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from common import genuine_cell, tally_genuine  # noqa: E402
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


def _recon_rules() -> frozenset[str]:
    from mailward.rules.engine import default_ruleset

    return frozenset(rule.name for rule in default_ruleset().rules if rule.spec.verdict == "recon")


def evaluate(cases: list[Case], *, history: bool = False, hunt: bool = False) -> dict[str, dict[str, Any]]:
    scanner = Scanner(load_config(CONFIG), history=_History() if history else InMemorySenderHistory(), intel=None)
    recon_rules = _recon_rules()
    table: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    batches: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for i, case in enumerate(cases):
        result = scanner.scan_bytes(case.raw, f"{case.technique}#{i}")
        row = table[case.technique]
        if case.label == "genuine":
            tally_genuine(row, result.verdict not in (Verdict.CLEAN, Verdict.TRACKING), [f.rule for f in result.findings])
            continue
        row["attacks"] += 1
        row["caught"] += result.verdict in CAUGHT
        row["recon"] += result.verdict == Verdict.RECON
        row["recon_rule"] += any(f.rule in recon_rules for f in result.findings)
        if case.technique.startswith("attach-"):
            facts = result.facts if isinstance(result.facts, dict) else {}
            row["beacon"] += any(b.get("in_attachment") for b in facts.get("beacons", []))
        else:
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
    if hunt:
        table["token-numeric-id (hunt)"] = _hunted([c for c in cases if c.batch_only], recon_rules)
    return {k: dict(v) for k, v in table.items()}


def _hunted(cases: list[Case], recon_rules: frozenset[str]) -> dict[str, Any]:
    """Hunt the numeric-id copies into a temporary store; the verdicts after the hunt."""
    from mailward.hunt.analysis import WorkerSettings, WorkItem, analyse_item
    from mailward.hunt.campaigns import recluster
    from mailward.store import open_store

    config = load_config(CONFIG)
    settings = WorkerSettings(dict(config.data), str(CONFIG))
    row: dict[str, Any] = defaultdict(int)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'hunt.db'}")
        try:
            store.write_batch([analyse_item(WorkItem(f"copy/{i}", c.raw), settings) for i, c in enumerate(cases)])
            recluster(store, config=config)
            for message in store.messages(limit=len(cases) + 1):
                row["attacks"] += 1
                row["caught"] += message.verdict in {str(v) for v in CAUGHT}
                row["recon"] += message.verdict == "recon"
                row["recon_rule"] += any(f.get("rule") in recon_rules for f in message.findings)
                row["beacon"] += any(b.get("kind") != "link" for b in message.beacons)
                row["token"] += any(isinstance(b.get("token"), dict) and b["token"].get("encoding") == "batch"
                                    for b in message.beacons)
        finally:
            store.close()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-technique", type=int, default=5)
    parser.add_argument("--history", action="store_true")
    parser.add_argument("--no-hunt", action="store_true", help="leave out the hunt over the numeric-id copies")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    table = evaluate(build_cases(args.per_technique), history=args.history, hunt=not args.no_hunt)
    if args.json:
        print(json.dumps(table, indent=2))
        return
    print("| technique | attacks | caught | verdict recon | recon rule fired | beacon found | token found "
          "| genuine | genuine flagged |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for technique, row in table.items():
        flagged = genuine_cell(row)
        print(f"| {technique} | {row.get('attacks', 0)} | {row.get('caught', 0)} | {row.get('recon', 0)} | "
              f"{row.get('recon_rule', 0)} | {row.get('beacon', 0)} | {row.get('token', 0)} | {row.get('genuine', 0)} | "
              f"{flagged} |")


if __name__ == "__main__":
    main()
