"""Rules-only phishing figures with a tuning / held-out split, reproducible in one command.

    python bench/phishing_eval.py --corpus /path/to/corpus [--demo DIR] [--out FILE.json]
                                  [--misses FILE.jsonl] [--limit N]

Each positive set (``phishing_pot``, every file below it, and ``phishing_nazario``) is
split by the SHA-256 of a fixed salt followed by the file bytes: a file whose digest's
first byte is below 179 (70 %) is in the ``tune`` part, the rest (30 %) ``held`` out.
(The salt matters: the corpora as distributed are already a selection by the unsalted
SHA-256 of the bytes, every digest starting with 0-7, so an unsalted split would put
everything in one part.) Rules are written by
looking at ``tune`` misses only (``--misses`` writes them, one JSON line each, with the
subject, sender and the findings that did fire); ``held`` measures whether they
generalise. The negative sets (``sa_ham``, ``newsletters_unspy``) are reported in full.

"Flagged" is a verdict of suspicious, recon, phishing or malicious. The scan uses the
built-in rules and no learned model (a default configuration).

With ``--demo DIR`` (a set written by ``mailward demo generate``) the demo messages are
scanned too, and the verdicts are counted per label kind (recon, tracking, clean, ...)
against the label's expected verdict; ``--verdicts FILE`` writes every demo verdict so
that two versions can be compared message by message.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import sys
import time
from pathlib import Path

from mailward.config import Config, load_config
from mailward.scan import Scanner

FLAGGED = {"suspicious", "recon", "phishing", "malicious"}
POSITIVE = ("phishing_pot", "phishing_nazario")
NEGATIVE = ("sa_ham", "newsletters_unspy")
TUNE_BELOW = 179  # first digest byte < 179 of 256: 69.9 % tuning part
SALT = b"mailward phishing split 1\n"


def part(data: bytes) -> str:
    """``tune`` or ``held`` for a file's bytes (stable across machines and file names)."""
    return "tune" if hashlib.sha256(SALT + data).digest()[0] < TUNE_BELOW else "held"


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


def _row(counts: collections.Counter[str], total: int) -> dict[str, object]:
    flagged = sum(n for k, n in counts.items() if k in FLAGGED)
    return {"messages": total, "flagged": flagged, "flagged_pct": round(100 * flagged / max(total, 1), 2),
            "verdicts": dict(counts.most_common())}


def evaluate_set(scanner: Scanner, root: Path, split: bool, limit: int,
                 misses: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    rules: collections.Counter[str] = collections.Counter()
    for path in files_under(root)[: limit or None]:
        data = path.read_bytes()
        where = part(data) if split else "all"
        result = scanner.scan_bytes(data, source=str(path))
        verdict = result.verdict.value
        counts[where][verdict] += 1
        fired = sorted({f.rule for f in result.findings})
        rules.update(fired)
        if split and where == "tune" and verdict not in FLAGGED:
            misses.append({"set": root.name, "path": str(path), "verdict": verdict, "rules": fired,
                           "subject": str(result.facts.get("message", {}).get("subject", ""))[:120]
                           if isinstance(result.facts.get("message"), dict) else ""})
        if not split and verdict in FLAGGED:
            misses.append({"set": root.name, "path": str(path), "verdict": verdict, "rules": fired,
                           "false_flag": True})
    out = {where: _row(c, sum(c.values())) for where, c in sorted(counts.items())}
    out["top_rules"] = dict(rules.most_common(15))
    return out


def evaluate_demo(scanner: Scanner, demo: Path, verdicts_out: Path | None) -> dict[str, object]:
    by_kind: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    rows = []
    for line in (demo / "labels.jsonl").read_text().splitlines():
        label = json.loads(line)
        result = scanner.scan_bytes((demo / label["path"]).read_bytes(), source=label["path"])
        kind = label.get("campaign_kind") or label["kind"]
        by_kind[kind]["messages"] += 1
        by_kind[kind]["as_expected"] += result.verdict.value == label["verdict"]
        by_kind[kind][result.verdict.value] += 1
        rows.append({"path": label["path"], "kind": kind, "expected": label["verdict"],
                     "verdict": result.verdict.value})
    if verdicts_out:
        verdicts_out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return {kind: dict(c) for kind, c in sorted(by_kind.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, help="folder with phishing_pot, phishing_nazario, sa_ham, ...")
    parser.add_argument("--demo", type=Path, help="a generated demo set (with labels.jsonl)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON")
    parser.add_argument("--misses", type=Path, help="write tuning-part misses and negative-set flags (JSONL)")
    parser.add_argument("--verdicts", type=Path, help="write every demo verdict (JSONL)")
    parser.add_argument("--limit", type=int, default=0, help="messages per set (0 = all); for smoke runs")
    args = parser.parse_args(argv)
    if not args.corpus and not args.demo:
        parser.error("give --corpus, --demo or both")
    scanner = Scanner(Config())
    report: dict[str, object] = {}
    misses: list[dict[str, object]] = []
    started = time.process_time()
    scanned = 0
    if args.corpus:
        for name in (*POSITIVE, *NEGATIVE):
            root = args.corpus / name
            if not root.is_dir():
                continue
            row = evaluate_set(scanner, root, name in POSITIVE, args.limit, misses)
            report[name] = row
            scanned += sum(int(v["messages"]) for k, v in row.items() if k != "top_rules"  # type: ignore[index]
                           and isinstance(v, dict))
            parts = "  ".join(f"{where} {v['flagged']}/{v['messages']} = {v['flagged_pct']}%"
                              for where, v in row.items() if where != "top_rules")
            print(f"{name}: {parts}")
    if args.demo:
        config = args.demo / "mailward.toml"  # the demo organisation's domains and people
        demo_scanner = Scanner(load_config(config)) if config.is_file() else scanner
        report["demo"] = evaluate_demo(demo_scanner, args.demo, args.verdicts)
        for kind, counts in report["demo"].items():  # type: ignore[attr-defined]
            print(f"demo {kind}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    cpu = time.process_time() - started
    print(f"CPU {cpu:.1f} s for {scanned} corpus messages and the demo set")
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + "\n")
    if args.misses:
        args.misses.write_text("".join(json.dumps(m) + "\n" for m in misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
