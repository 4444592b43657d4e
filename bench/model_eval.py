"""Cross-corpus evaluation of the learned content model (``mailward learn``).

Each labelled set is split in two halves by the SHA-256 of the file name (stable across
machines): ``dev`` may be trained on, ``held`` never is. For every training plan the
model is trained on the named halves and measured on everything it was not trained on:
the flagged rate of the model alone, of the rules alone (a scan without the model) and of
both together (the model's rule adds to the rules, as in ``scan --model``).

    python bench/model_eval.py --corpus ../corpus [--out bench/model_eval.json] [--limit N]
        [--words yes|no|both] [--news-ham] [--extra-ham DIR ...] [--extra-phishing DIR ...]

``--words no`` trains models of shapes only (the scan's link, claim, form and lure
facts, link path words and attachment kinds; no subject, body or display-name words);
``both`` runs every plan both ways. ``--news-ham`` adds plans that train on the
newsletters as ham too (they are then measured only where a plan left them out).
``--extra-ham`` (repeatable; e.g. the demo generator's wanted mail, and the wanted half
of ``mailward demo training``) adds plans that train on all of them (``+extra``), and with
more than one a plan with the first only (``+extra1``); each is its own threshold source.
``--extra-phishing`` (repeatable; e.g. the phishing half of ``mailward demo training``)
adds plans that train on it as well (``+extra+xphish``).

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

from mailward.learn.features import DEFAULT_BODY_CHARS, features
from mailward.learn.model import ContentModel, train
from mailward.parse import parse_message
from mailward.pipeline import Analyser
from mailward.result import Verdict

FLAGGED = {Verdict.SUSPICIOUS, Verdict.RECON, Verdict.PHISHING, Verdict.MALICIOUS}
POSITIVE = {"phishing_pot", "phishing_nazario"}  # and every extra_phishing* set

# plan name -> the (set, half) pairs trained on; "all" is both halves. Every corpus is
# left out of some plan, so each has a cross-corpus figure (trained without it at all).
PLANS: dict[str, list[tuple[str, str]]] = {
    "pot+ham": [("phishing_pot", "dev"), ("sa_ham", "dev")],
    "nazario+ham": [("phishing_nazario", "all"), ("sa_ham", "dev")],
    "pot+nazario+ham": [("phishing_pot", "dev"), ("phishing_nazario", "dev"), ("sa_ham", "dev")],
}
# with --news-ham: the newsletters as wanted mail in training (never measured on then)
NEWS_PLANS: dict[str, list[tuple[str, str]]] = {
    "pot+ham+news": [("phishing_pot", "dev"), ("sa_ham", "dev"), ("newsletters_unspy", "all")],
    "nazario+ham+news": [("phishing_nazario", "all"), ("sa_ham", "dev"), ("newsletters_unspy", "all")],
    "pot+nazario+news (no sa_ham)": [("phishing_pot", "dev"), ("phishing_nazario", "all"),
                                     ("newsletters_unspy", "all")],
}
# with --extra-ham (e.g. the demo generator's ham, newsletters and journalists' mail)
EXTRA_PLANS: dict[str, list[tuple[str, str]]] = {
    "pot+ham+extra": [("phishing_pot", "dev"), ("sa_ham", "dev"), ("extra_ham", "all")],
    "nazario+ham+extra": [("phishing_nazario", "all"), ("sa_ham", "dev"), ("extra_ham", "all")],
    "pot+nazario+extra (no sa_ham)": [("phishing_pot", "dev"), ("phishing_nazario", "all"), ("extra_ham", "all")],
    "pot+nazario+ham+extra": [("phishing_pot", "dev"), ("phishing_nazario", "dev"), ("sa_ham", "dev"),
                              ("extra_ham", "all")],
}


def extra_plans(extra_ham: list[str], extra_phishing: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Plans with the extra sets: all extra ham; the first only (when there are more);
    all extra ham and all extra phishing."""
    plans: dict[str, list[tuple[str, str]]] = {}
    bases = {"pot+ham": [("phishing_pot", "dev"), ("sa_ham", "dev")],
             "nazario+ham": [("phishing_nazario", "all"), ("sa_ham", "dev")]}
    for name, base in bases.items():
        if len(extra_ham) > 1:
            plans[f"{name}+extra1"] = [*base, (extra_ham[0], "all")]
        if extra_phishing:
            plans[f"{name}+extra+xphish"] = base + [(s, "all") for s in extra_ham + extra_phishing]
    return plans


def positive(name: str) -> bool:
    return name in POSITIVE or name.startswith("extra_phishing")


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
    parser.add_argument("--extra-ham", type=Path, action="append", default=[],
                        help="more wanted mail to train on (e.g. the demo generator's ham and newsletters): "
                             "adds plans that train on it too (repeatable)")
    parser.add_argument("--extra-phishing", type=Path, action="append", default=[],
                        help="more phishing to train on (e.g. `mailward demo training`'s phishing/): "
                             "adds plans that train on it and the extra ham (repeatable)")
    parser.add_argument("--words", choices=("yes", "no", "both"), default="yes",
                        help="word features (subject, body, display name): with them, shapes only, or both")
    parser.add_argument("--body-chars", type=int, default=DEFAULT_BODY_CHARS,
                        help="characters of body text read per message (default: what `mailward learn` uses)")
    parser.add_argument("--news-ham", action="store_true", help="add plans that train on the newsletters as ham")
    parser.add_argument("--plan", action="append", default=[], help="run only this plan (repeatable; default: all)")
    parser.add_argument("--threshold", type=float, default=None,
                        help="fixed threshold (default: chosen on each plan's training ham, as `mailward learn` does)")
    args = parser.parse_args(argv)
    sets = [s for s in ("phishing_pot", "phishing_nazario", "sa_ham", "newsletters_unspy") if (args.corpus / s).is_dir()]
    if not sets:
        print(f"model_eval: no corpus sets under {args.corpus}", file=sys.stderr)
        return 2
    started = time.monotonic()
    data = load(args.corpus, sets, args.limit)
    extra_sets: dict[str, list[str]] = {"extra_ham": [], "extra_phishing": []}
    for kind, dirs in (("extra_ham", args.extra_ham), ("extra_phishing", args.extra_phishing)):
        for number, directory in enumerate(dirs, 1):
            name = kind if number == 1 else f"{kind}{number}"
            files = sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix != ".jsonl")
            data[name] = [(p.name, "dev", parse_message(p.read_bytes())) for p in files[: args.limit or None]]
            extra_sets[kind].append(name)
    if args.extra_ham:
        PLANS.update(EXTRA_PLANS)
        for plan in EXTRA_PLANS:  # "+extra" trains on every extra ham set
            PLANS[plan] = [p for p in PLANS[plan] if p[0] != "extra_ham"] + [(s, "all") for s in extra_sets["extra_ham"]]
    if args.extra_ham or args.extra_phishing:
        PLANS.update(extra_plans(extra_sets["extra_ham"], extra_sets["extra_phishing"]))
    if args.news_ham:
        PLANS.update(NEWS_PLANS)
    parse_s = time.monotonic() - started
    analyser = Analyser()  # the scan's facts, without a model: the model's features read them
    facts = {name: [analyser.facts(m, model=False) for _, _, m in items] for name, items in data.items()}  # type: ignore[arg-type]
    rules_flagged: dict[str, list[bool]] = {}
    if not args.no_rules:
        for name in data:
            rules_flagged[name] = [
                analyser.policy.decide(analyser.ruleset.evaluate(f, skip=analyser.policy.disabled), f)[0] in FLAGGED
                for f in facts[name]]
    report: dict[str, object] = {"sets": {k: len(v) for k, v in data.items()}, "parse_s": round(parse_s, 1),
                                 "facts_s": round(time.monotonic() - started - parse_s, 1),
                                 "load_average": os.getloadavg(), "plans": {}}
    modes = {"yes": [True], "no": [False], "both": [True, False]}[args.words]
    runs = [(f"{plan}{'' if words else ' [shapes only]'}", trained_on, words)
            for plan, trained_on in PLANS.items() for words in modes if not args.plan or plan in args.plan]
    with tempfile.TemporaryDirectory() as tmp:
        for plan, trained_on, words in runs:
            feats = {name: [features(m, f, words=words, body_chars=args.body_chars) for (_, _, m), f in zip(items, facts[name], strict=True)]  # type: ignore[arg-type]
                     for name, items in data.items()}
            if any(s not in data for s, _ in trained_on):
                continue
            pos, neg, sources = [], [], []  # each ham set is a source: the threshold holds for each
            for name, which in trained_on:
                for (_, h, _), f in zip(data[name], feats[name], strict=True):
                    if which == "all" or h == which:
                        (pos if positive(name) else neg).append(f)
                        if not positive(name):
                            sources.append(sorted(data).index(name))
            if not pos or not neg:
                continue
            model = train(pos, neg, threshold=args.threshold, words=words, ham_sources=sources,
                          body_chars=args.body_chars)
            path = Path(tmp) / f"plan{len(report['plans'])}.npz"  # type: ignore[arg-type]
            model.save(path)
            model = ContentModel.load(path)
            size = path.stat().st_size
            rows: dict[str, object] = {}
            for name, items in data.items():
                trained = {which for s, which in trained_on if s == name}
                # a set the plan never saw is also measured whole: its cross-corpus figure
                for subset in ("dev", "held") if trained else ("dev", "held", "all"):
                    if "all" in trained or subset in trained:
                        continue  # never measured on what it learned from
                    idx = [i for i, (_, h, _) in enumerate(items) if subset in (h, "all")]
                    if not idx:
                        continue
                    t0 = time.process_time()  # the model step as a scan pays it: on the facts it has
                    probs = [model.score(items[i][2], facts[name][i], top=5,  # type: ignore[arg-type]
                                         top_from=model.threshold).probability for i in idx]
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
                                     "threshold": round(model.threshold, 4),
                                     "training_recall": model.meta.get("training_recall"),
                                     "model_bytes": size, "results": rows}
            print(json.dumps({plan: report["plans"][plan]}), file=sys.stderr, flush=True)  # type: ignore[index]
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
