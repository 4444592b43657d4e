"""Two organisations, one campaign: A exports a fingerprint, B finds its own copies.

Both build their mail from the demo generator with different seeds (so different
people and messages; the attack campaigns use the same infrastructure and texts), hunt
it into their own SQLite store, and cluster it. A exports the fingerprint of its
campaign ``--campaign`` (a ground-truth campaign name of the generator); B imports it
(``mailward intel import`` = import + retro-match) and the figures are counted
against B's ground truth:

    python bench/two_orgs.py --messages 400 --workdir /tmp/two-orgs

Prints one JSON object: what the export holds, B's copies of the campaign, how many
of them matched, and false matches (matched messages of B outside the campaign).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

PY = sys.executable
MW = [PY, "-c", "from mailward.cli import main; main()"]


def _run(*args: str) -> str:
    out = subprocess.run([*MW, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"mailward {' '.join(args)} failed: {out.stderr[-2000:]}")
    return out.stdout


def organisation(root: Path, seed: int, messages: int) -> tuple[str, Path, list[dict[str, Any]]]:
    from mailward.demo import generate

    generate(root, seed=seed, messages=messages, force=True)
    db = f"sqlite:///{root / 'store.db'}"
    _run("hunt", "--config", str(root / "mailward.toml"), "--db", db, "-j", "1", "--no-progress", str(root / "maildir"))
    labels = [json.loads(line) for line in (root / "labels.jsonl").read_text().splitlines()]
    return db, root / "mailward.toml", labels


def campaign_of(db: str, labels: list[dict[str, Any]], truth: str) -> str:
    """The stored campaign holding most of the ground-truth campaign's messages."""
    from mailward.store import open_store

    wanted = {lab["sha256"] for lab in labels if lab["campaign"] == truth}
    with open_store(db) as store:
        best = max(store.campaigns(), key=lambda c: len({m.sha256 for m in store.campaign_messages(c.id)} & wanted))
        return best.id


def trial(scratch: Path, messages: int, seeds: tuple[int, int], truth: str) -> dict[str, Any]:
    from mailward.share.retromatch import list_matches
    from mailward.store import open_store

    began = time.perf_counter()
    db_a, conf_a, labels_a = organisation(scratch / "a", seeds[0], messages)
    db_b, conf_b, labels_b = organisation(scratch / "b", seeds[1], messages)
    campaign = campaign_of(db_a, labels_a, truth)
    export = scratch / "fingerprint.json"
    _run("export", "fingerprints", campaign, "--config", str(conf_a), "--db", db_a, "--out", str(export))
    imported = _run("intel", "import", "--config", str(conf_b), "--db", db_b, "--source", "org A",
                    "--confidence", "80", "--format", "json", str(export))
    retro = next(json.loads(x)["retro_match"] for x in imported.splitlines() if '"retro_match"' in x)
    truth_b = {lab["sha256"] for lab in labels_b if lab["campaign"] == truth}
    with open_store(db_b) as store:
        matched = {m.sha256 for m in list_matches(store)}
        by_kind = Counter(m.kind for m in list_matches(store))
    bundle = json.loads(export.read_text())
    kinds = Counter(
        (o.get("pattern_type"), o["pattern"].split(":")[0].strip("[") if o.get("pattern_type") == "stix"
         else o["pattern"].split(" ")[0])
        for o in bundle["objects"] if o["type"] == "indicator"
    )
    people_a = {lab["recipient"] for lab in labels_a}
    people_b = {lab["recipient"] for lab in labels_b}
    return {
        "messages_per_org": messages,
        "seeds": list(seeds),
        "campaign": truth,
        "campaign_at_a": campaign,
        "copies_at_a": sum(1 for lab in labels_a if lab["campaign"] == truth),
        "recipients_shared_by_a_and_b": len(people_a & people_b),
        "export": {f"{t}:{k}": n for (t, k), n in sorted(kinds.items())},
        "export_bytes": export.stat().st_size,
        "copies_at_b": len(truth_b),
        "matched_at_b": len(matched & truth_b),
        "false_matches_at_b": len(matched - truth_b),
        "matches_by_indicator_kind": dict(by_kind),
        "retro_match": retro,
        "seconds": round(time.perf_counter() - began, 1),
        "load_average": os.getloadavg(),
        "export_path": str(export),
        "store_a": db_a,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--seed-a", type=int, default=2021)
    parser.add_argument("--seed-b", type=int, default=4242)
    parser.add_argument("--campaign", default="recon-newsdesk")
    parser.add_argument("--workdir")
    args = parser.parse_args(argv)
    scratch = Path(args.workdir or tempfile.mkdtemp(prefix="mailward-two-orgs-"))
    scratch.mkdir(parents=True, exist_ok=True)
    print(json.dumps(trial(scratch, args.messages, (args.seed_a, args.seed_b), args.campaign), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
