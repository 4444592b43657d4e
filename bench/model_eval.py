"""Cross-corpus evaluation of the learned content model (``mailward learn``).

Each labelled set is split in two halves by the SHA-256 of the file name (stable across
machines): ``dev`` may be trained on, ``held`` never is. For every training plan the
model is trained on the named halves and measured on everything it was not trained on:
the flagged rate of the model alone, of the rules alone (a scan without the model) and of
both together (the model's rule adds to the rules, as in ``scan --model``).

    python bench/model_eval.py --corpus ../corpus [--out bench/model_eval.json] [--limit N]

The corpus directory holds one folder per set (phishing_pot, phishing_nazario, sa_ham,
newsletters_unspy). The models are written to a temporary directory and not kept: the
licences of these corpora do not all allow shipping weights trained on them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from mailward.facts.build import content_text
from mailward.learn.features import features
from mailward.learn.model import ContentModel, train
from mailward.parse import parse_message
from mailward.result import Verdict
from mailward.scan import Scanner

FLAGGED = {Verdict.SUSPICIOUS, Verdict.RECON, Verdict.PHISHING, Verdict.MALICIOUS}
POSITIVE = {"phishing_pot", "phishing_nazario"}

# plan name -> the (set, half) pairs trained on; "all" is both halves. Every corpus is
# left out of some plan, so each has a cross-corpus figure (trained without it at all).
PLANS: dict[str, list[tuple[str, str]]] = {
    "pot+ham": [("phishing_pot", "dev"), ("sa_ham", "dev")],
    "nazario+ham": [("phishing_nazario", "all"), ("sa_ham", "dev")],
    "pot+nazario+ham": [("phishing_pot", "dev"), ("phishing_nazario", "dev"), ("sa_ham", "dev")],
}
# with --extra-ham (e.g. the demo generator's ham, newsletters and journalists' mail)
EXTRA_PLANS: dict[str, list[tuple[str, str]]] = {
    "pot+ham+extra": [("phishing_pot", "dev"), ("sa_ham", "dev"), ("extra_ham", "all")],
    "nazario+ham+extra": [("phishing_nazario", "all"), ("sa_ham", "dev"), ("extra_ham", "all")],
    "pot+nazario+extra (no sa_ham)": [("phishing_pot", "dev"), ("phishing_nazario", "all"), ("extra_ham", "all")],
    "pot+nazario+ham+extra": [("phishing_pot", "dev"), ("phishing_nazario", "dev"), ("sa_ham", "dev"),
                              ("extra_ham", "all")],
}


def half(name: str) -> str:
    return "dev" if hashlib.sha256(name.encode()).digest()[0] < 128 else "held"


def load(corpus: Path, sets: list[str], limit: int) -> dict[str, list[tuple[str, str, object]]]:
    out: dict[str, list[tuple[str, str, object]]] = {}
    for name in sets:
        files = sorted(p for p in (corpus / name).rglob("*") if p.is_file())
        if limit:
            files = files[:limit]
        out[name] = [(p.name, half(p.name), parse_message(p.read_bytes())) for p in files]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True, type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="messages per set (0 = all); for smoke runs")
    parser.add_argument("--no-rules", action="store_true", help="skip the rules-only scan (faster)")
    parser.add_argument("--extra-ham", type=Path,
                        help="more wanted mail to train on (e.g. the demo generator's ham and newsletters): "
                             "adds plans that train on it too")
    parser.add_argument("--threshold", type=float, default=None,
                        help="fixed threshold (default: chosen on each plan's training ham, as `mailward learn` does)")
    args = parser.parse_args(argv)
    sets = [s for s in ("phishing_pot", "phishing_nazario", "sa_ham", "newsletters_unspy") if (args.corpus / s).is_dir()]
    if not sets:
        print(f"model_eval: no corpus sets under {args.corpus}", file=sys.stderr)
        return 2
    started = time.monotonic()
    data = load(args.corpus, sets, args.limit)
    if args.extra_ham:
        files = sorted(p for p in args.extra_ham.rglob("*") if p.is_file())[: args.limit or None]
        data["extra_ham"] = [(p.name, "dev", parse_message(p.read_bytes())) for p in files]
        PLANS.update(EXTRA_PLANS)
    parse_s = time.monotonic() - started
    texts = {name: [content_text(m) for _, _, m in items] for name, items in data.items()}  # type: ignore[arg-type]
    feats = {name: [features(m, t) for (_, _, m), t in zip(items, texts[name], strict=True)]  # type: ignore[arg-type]
             for name, items in data.items()}
    rules_flagged: dict[str, list[bool]] = {}
    if not args.no_rules:
        scanner = Scanner()
        for name, items in data.items():
            rules_flagged[name] = [scanner.scan_message(m, f).verdict in FLAGGED for f, _, m in items]  # type: ignore[arg-type]
    report: dict[str, object] = {"sets": {k: len(v) for k, v in data.items()}, "parse_s": round(parse_s, 1),
                                 "load_average": os.getloadavg(), "plans": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for plan, trained_on in PLANS.items():
            if any(s not in data for s, _ in trained_on):
                continue
            pos, neg = [], []
            for name, which in trained_on:
                for (_, h, _), f in zip(data[name], feats[name], strict=True):
                    if which == "all" or h == which:
                        (pos if name in POSITIVE else neg).append(f)
            if not pos or not neg:
                continue
            model = train(pos, neg, threshold=args.threshold)
            path = Path(tmp) / f"{plan}.npz"
            model.save(path)
            model = ContentModel.load(path)
            size = path.stat().st_size
            rows: dict[str, object] = {}
            for name, items in data.items():
                trained = {which for s, which in trained_on if s == name}
                for subset in ("dev", "held"):
                    if "all" in trained or subset in trained:
                        continue  # never measured on what it learned from
                    idx = [i for i, (_, h, _) in enumerate(items) if h == subset]
                    if not idx:
                        continue
                    t0 = time.process_time()  # the model step as a scan pays it: the text is the facts'
                    probs = [model.score(items[i][2], text=texts[name][i], top=5).probability  # type: ignore[arg-type]
                             for i in idx]
                    cpu_ms = (time.process_time() - t0) * 1000 / len(idx)
                    model_hit = [p >= model.threshold for p in probs]
                    row: dict[str, object] = {"n": len(idx), "model": round(100 * sum(model_hit) / len(idx), 1),
                                              "model_cpu_ms": round(cpu_ms, 3)}
                    if rules_flagged:
                        rules = [rules_flagged[name][i] for i in idx]
                        both = [a or b for a, b in zip(rules, model_hit, strict=True)]
                        row["rules"] = round(100 * sum(rules) / len(idx), 1)
                        row["rules+model"] = round(100 * sum(both) / len(idx), 1)
                    rows[f"{name}/{subset}"] = row
            report["plans"][plan] = {"trained_on": trained_on, "positives": len(pos), "negatives": len(neg),  # type: ignore[index]
                                     "threshold": round(model.threshold, 4), "model_bytes": size, "results": rows}
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
