#!/usr/bin/env python3
"""Scan the phishing adversarial generator's messages (tests/rules/phishing_adversarial.py)
and print, per evasion technique: attacks flagged (suspicious or worse), attacks with the
verdict phishing or malicious, and genuine counterparts flagged, with the rules that
flagged them; then every attack that was not flagged.

    python bench/phishing_adversarial.py [--json]

Seven lures (Microsoft 365, SharePoint, Teams voicemail, quarantine release, an IT notice
from a lookalike of the organisation's domain, PayPal, DHL) times each technique, with
the rule samples' configuration (the Northland Parliament).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from common import genuine_cell, tally_genuine  # noqa: E402
from tests.rules.phishing_adversarial import Case, build_cases  # noqa: E402

from mailward.config import Config, load_config  # noqa: E402
from mailward.identity import InMemorySenderHistory  # noqa: E402
from mailward.result import Verdict  # noqa: E402
from mailward.scan import Scanner  # noqa: E402

CONFIG = REPO / "src" / "mailward" / "rules" / "builtin" / "samples" / "mailward.toml"
FLAGGED = {Verdict.SUSPICIOUS, Verdict.RECON, Verdict.PHISHING, Verdict.MALICIOUS}


def evaluate(cases: list[Case]) -> dict[str, dict[str, Any]]:
    """Per technique: attacks, flagged, phishing (or malicious), genuine, genuine_flagged,
    flagged_by (rule -> genuine messages it flagged), missed (the lures not flagged)."""
    config = load_config(CONFIG)
    # the rules alone: the samples' model is a fixture trained on twelve messages for its own rule's samples
    config = Config({k: v for k, v in config.data.items() if k != "model"}, config.path)
    scanner = Scanner(config, history=InMemorySenderHistory(), intel=None)
    table: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for i, case in enumerate(cases):
        result = scanner.scan_bytes(case.raw, f"{case.technique}/{case.lure}/{case.label}#{i}")
        row = table[case.technique]
        flagged = result.verdict in FLAGGED
        if case.label == "genuine":
            tally_genuine(row, flagged, [f.rule for f in result.findings])
            continue
        row["attacks"] += 1
        row["flagged"] += flagged
        row["phishing"] += result.verdict in (Verdict.PHISHING, Verdict.MALICIOUS)
        if not flagged:
            row.setdefault("missed", []).append(f"{case.lure} ({result.verdict})")
    return {k: dict(v) for k, v in table.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    table = evaluate(build_cases())
    if args.json:
        print(json.dumps(table, indent=2))
        return
    print("| technique | attacks | flagged | phishing or malicious | genuine | genuine flagged |")
    print("|---|---:|---:|---:|---:|---:|")
    for technique, row in table.items():
        flagged = genuine_cell(row)
        print(f"| {technique} | {row.get('attacks', 0)} | {row.get('flagged', 0)} | {row.get('phishing', 0)} | "
              f"{row.get('genuine', 0)} | {flagged} |")
    missed = [(t, m) for t, row in table.items() for m in row.get("missed", [])]
    if missed:
        print("\nnot flagged:")
        for technique, what in missed:
            print(f"- {technique}: {what}")


if __name__ == "__main__":
    main()
