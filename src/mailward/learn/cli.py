"""``mailward learn``: train the content model from labelled mail."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

import click

from ..parse import parse_message
from ..sources import RawMessage, SourceNotFound, UnreadableSource, check_paths, iter_sources
from .features import DEFAULT_BODY_CHARS, FeatureVector, features
from .model import AUTO_HAM_RATE, AUTO_MIN_HAM, DEFAULT_BITS, DEFAULT_THRESHOLD, ModelError, train


def _analyser(config_path: str | None) -> Any:
    """The scan's analyser (without a model) for the facts the features read: the same
    configuration as the scans the model will serve (own domains, brands)."""
    from ..config import ConfigError, load_config
    from ..pipeline import Analyser

    try:
        return Analyser(load_config(config_path).with_section("model", path=""))
    except ConfigError as exc:
        click.echo(f"mailward: learn: {exc}", err=True)
        sys.exit(2)


def _feature_lists(paths: tuple[str, ...], label: str, progress: bool, analyser: Any,
                   words: bool, body_chars: int) -> Iterator[FeatureVector]:
    count = 0
    started = time.monotonic()
    for item in iter_sources(list(paths)):
        if isinstance(item, UnreadableSource):
            click.echo(f"mailward: {item.source}: {item.error}", err=True)
            continue
        assert isinstance(item, RawMessage)
        message = parse_message(item.data)
        if not message.headers:
            continue  # not an email message: nothing to learn from
        count += 1
        if progress and count % 500 == 0:
            click.echo(f"learn: {label}: {count} messages ({time.monotonic() - started:.0f} s)", err=True)
        yield features(message, analyser.facts(message, model=False), words=words, body_chars=body_chars)


def _store_features(url: str, config_path: str | None, positives: list[FeatureVector],
                    negatives: list[FeatureVector], analyser: Any, words: bool,
                    body_chars: int) -> dict[str, int]:
    """Add the store's labelled messages to the training lists; counts by label."""
    from ..config import ConfigError, load_config
    from ..store import StoreError, open_store

    counts = {"phishing": 0, "ham": 0, "no_body": 0}
    try:
        store = open_store(None if url == "default" else url, config=load_config(config_path))
    except (ConfigError, StoreError) as exc:
        click.echo(f"mailward: learn: {exc}", err=True)
        sys.exit(2)
    with store:
        for _digest, label, body in store.labelled_bodies():
            if body is None:
                counts["no_body"] += 1
                continue
            message = parse_message(body)
            if not message.headers:
                continue
            vector = features(message, analyser.facts(message, model=False), words=words, body_chars=body_chars)
            (positives if label == "phishing" else negatives).append(vector)
            counts[label] += 1
    return counts


@click.command()
@click.option("--model", "model_path", required=True, type=click.Path(dir_okay=False),
              help="Where to write the model file (.npz).")
@click.option("--phishing", "phishing", multiple=True, type=str,
              help="Phishing and scam mail: a file, directory, mbox or Maildir. Repeatable.")
@click.option("--ham", "ham", multiple=True, type=str,
              help="Wanted mail (newsletters included): a file, directory, mbox or Maildir. Repeatable: "
                   "each --ham (and the store's ham) weighs the same in training, however many messages it has.")
@click.option("--store", "store_url", default=None, metavar="URL",
              help="Also train on the store's analyst-labelled messages (`mailward db label`); "
                   "'default' for [store] url or the data directory's store.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Configuration file: the store (--store) and the settings the scan's facts use (own domains).")
@click.option("--words/--no-words", default=True, show_default=True,
              help="Word features (subject, body, display name). --no-words: a model of shapes only (link, "
                   "claim, form and lure facts, link path words, attachment kinds), which does not learn languages.")
@click.option("--body-chars", type=click.IntRange(100, 100_000), default=DEFAULT_BODY_CHARS, show_default=True,
              help="Characters of body text read per message (kept in the model file, which scores the same way).")
@click.option("--bits", type=click.IntRange(12, 22), default=DEFAULT_BITS, show_default=True,
              help="Hash size: 2**BITS weights (18 = 1 MiB).")
@click.option("--threshold", type=click.FloatRange(0.5, 0.999), default=None,
              help=f"Probability at which the CONTENT_MODEL_PHISHING rule fires. Default: chosen on the training "
                   f"ham (scored by models that did not train on it) so that new ham scores above it at most "
                   f"{AUTO_HAM_RATE:.2%} of the time, for each --ham source (and the store) separately; {DEFAULT_THRESHOLD} with fewer "
                   f"than {AUTO_MIN_HAM} ham messages.")
@click.option("--progress/--no-progress", default=None, help="Progress on stderr (default: when a terminal).")
def learn(model_path: str, phishing: tuple[str, ...], ham: tuple[str, ...], store_url: str | None,
          config_path: str | None, words: bool, body_chars: int, bits: int, threshold: float | None, progress: bool | None) -> None:
    """Train the content model used by `scan --model` and `[model] path`.

    Features come from content only (subject, body text, display name, link shapes,
    attachment kinds, and the link, claim, form and lure shapes of the scan's facts);
    never recipients, dates or Received chains. With --store, the
    messages an analyst labelled (`mailward db label`) are added, when the store kept
    their bodies. Exit code 2 on a missing path or when a class has no message.
    """
    show = sys.stderr.isatty() if progress is None else progress
    if store_url is None and not (phishing and ham):
        click.echo("mailward: learn: give --phishing and --ham, or --store", err=True)
        sys.exit(2)
    try:
        check_paths(list(phishing) + list(ham))
    except SourceNotFound as exc:
        click.echo(f"mailward: learn: {exc}", err=True)
        sys.exit(2)
    started = time.monotonic()
    analyser = _analyser(config_path)
    positives = list(_feature_lists(phishing, "phishing", show, analyser, words, body_chars))
    negatives: list[FeatureVector] = []
    ham_sources: list[int] = []  # each --ham is a source: a chosen threshold holds for each
    for source, path in enumerate(ham):
        negatives += _feature_lists((path,), "ham", show, analyser, words, body_chars)
        ham_sources += [source] * (len(negatives) - len(ham_sources))
    from_store = {"phishing": 0, "ham": 0, "no_body": 0}
    if store_url is not None:
        from_store = _store_features(store_url, config_path, positives, negatives, analyser, words, body_chars)
        ham_sources += [len(ham)] * (len(negatives) - len(ham_sources))  # the store's ham: one more source
        click.echo(f"learn: store: {from_store['phishing']} phishing and {from_store['ham']} ham labelled messages; "
                   f"{from_store['no_body']} labelled without a stored body (skipped)", err=True)
    try:
        model = train(positives, negatives, bits=bits, threshold=threshold, words=words, ham_sources=ham_sources,
                      body_chars=body_chars,
                      meta={"phishing_sources": len(phishing), "ham_sources": len(ham),
                            "store_labels": {k: v for k, v in from_store.items() if k != "no_body"}})
    except ModelError as exc:
        click.echo(f"mailward: learn: {exc}", err=True)
        sys.exit(2)
    model.save(model_path)
    recall = model.meta.get("training_recall")
    caught = "" if recall is None else (f"; {recall:.1%} of the training phishing scores above it "
                                        "(each message scored by a model that did not train on it)")
    click.echo(
        f"learn: {len(positives)} phishing and {len(negatives)} ham messages, "
        f"{time.monotonic() - started:.1f} s; threshold {model.threshold:.3f} ({model.meta['threshold_from']}){caught}; "
        f"model written to {model_path}"
    )
