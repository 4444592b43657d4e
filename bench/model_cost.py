"""CPU per message of the content model step, as a scan pays it.

Trains a throwaway model on half of the messages read (phishing set as positives, the
others as negatives: the weights' values do not change the cost) and times
``ContentModel.score(..., top=5)`` over every message, best of five rounds (process
time, so other processes on the machine count less). Since feature version 3 a scan
scores the model on the facts it built anyway (their text and shapes), so the facts are
built before the timing; on version 2 (a ``text`` argument) the text the facts extracted
is handed over; on version 1 the model extracts its own text inside the timing, which
is what a scan paid then.

    python bench/model_cost.py --corpus DIR [--limit 300]

Run it on an older commit's sources (``git archive COMMIT src | tar -x -C /tmp/old``,
then ``PYTHONPATH=/tmp/old/src``) to compare before and after on the same machine.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
import time
from pathlib import Path

from mailward.learn.features import features
from mailward.learn.model import ContentModel, train
from mailward.parse import parse_message

SETS = ("phishing_pot", "sa_ham", "newsletters_unspy")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True, type=Path, help="a directory with phishing_pot, sa_ham, ...")
    parser.add_argument("--limit", type=int, default=300, help="messages per set")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--top", type=int, default=5, help="features named for explain (a scan names 5)")
    parser.add_argument("--body-chars", type=int, default=None,
                        help="characters of body text the model reads (default: what `mailward learn` uses)")
    parser.add_argument("--top-from", type=float, default=0.9,
                        help="name them only from this probability (a scan: the threshold; explain: 0)")
    args = parser.parse_args(argv)
    messages, positive = [], []
    for name in SETS:
        files = sorted(p for p in (args.corpus / name).rglob("*") if p.is_file())[: args.limit]
        messages += [parse_message(p.read_bytes()) for p in files]
        positive += [name == SETS[0]] * len(files)
    if not messages:
        print(f"model_cost: no messages under {args.corpus}", file=sys.stderr)
        return 2
    parameters = inspect.signature(ContentModel.score).parameters
    takes_facts = "facts" in parameters
    chars: dict[str, int] = {}  # sources from before models recorded body_chars: their fixed number
    if "body_chars" in inspect.signature(features).parameters:
        from mailward.learn import features as feature_module

        chars["body_chars"] = args.body_chars or feature_module.DEFAULT_BODY_CHARS
    if takes_facts:
        from mailward.pipeline import Analyser

        analyser = Analyser()
        all_facts = [analyser.facts(m, model=False) for m in messages]  # the scan has built them already
        vectors = [features(m, f, **chars) for m, f in zip(messages, all_facts, strict=True)]
    else:
        vectors = [features(m) for m in messages]
    pos = [v for v, p in zip(vectors, positive, strict=True) if p][::2] or vectors[:1]
    neg = [v for v, p in zip(vectors, positive, strict=True) if not p][::2] or vectors[-1:]
    model = train(pos, neg, threshold=0.9, **chars)
    reuses_text = takes_facts or "text" in parameters
    if takes_facts:

        def step() -> None:
            for message, facts in zip(messages, all_facts, strict=True):
                model.score(message, facts, top=args.top, top_from=args.top_from)
    elif reuses_text:
        from mailward.facts.build import content_text

        texts = [content_text(m) for m in messages]  # the scan's facts have it already

        def step() -> None:
            for message, text in zip(messages, texts, strict=True):
                model.score(message, text=text, top=args.top)
    else:

        def step() -> None:
            for message in messages:
                model.score(message, top=args.top)

    rounds = []
    for _ in range(args.rounds):
        started = time.process_time()
        step()
        rounds.append((time.process_time() - started) * 1000 / len(messages))
    rounds.sort()
    print(json.dumps({"messages": len(messages), "reuses_scan_text": reuses_text, "top": args.top, "top_from": args.top_from,
                      **chars,
                      "ms_per_message_best": round(rounds[0], 3), "ms_per_message_median": round(rounds[len(rounds) // 2], 3),
                      "load_average": [round(x, 1) for x in os.getloadavg()]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
