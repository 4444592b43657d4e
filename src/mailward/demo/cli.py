"""``mailward demo``: generate the demo mail set."""

from __future__ import annotations

import time
from pathlib import Path

import click

from mailward.demo.generate import DEFAULT_MESSAGES, DEFAULT_SEED, GenerateError, generate
from mailward.demo.training import DEFAULT_MESSAGES as TRAINING_MESSAGES
from mailward.demo.training import TrainingSetError, generate_training


@click.group()
def demo() -> None:
    """Demo data: a fictional parliament's mailboxes with hidden reconnaissance campaigns."""


@demo.command("generate")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="Random seed; the same seed gives byte-identical files.")
@click.option("--messages", type=int, default=None,
              help=f"Number of messages (default {DEFAULT_MESSAGES}; up to 1,000,000).")
@click.option("--force", is_flag=True, help="Replace demo data already in DIRECTORY.")
@click.option("--mbox", is_flag=True, help="Also write every message to DIRECTORY/all.mbox.")
def generate_command(directory: Path, seed: int, messages: int | None, force: bool,
                     mbox: bool) -> None:
    """Write Maildirs, labels.jsonl, campaigns.json and mailward.toml into DIRECTORY."""
    began = time.perf_counter()
    try:
        summary = generate(directory, seed=seed, messages=messages, force=force, mbox=mbox)
    except GenerateError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {exc.filename or directory}: {exc.strerror}") from None
    elapsed = time.perf_counter() - began
    kinds = ", ".join(f"{n} {k}" for k, n in summary.by_kind.items())
    click.echo(f"{summary.messages} messages in {summary.mailboxes} mailboxes under "
               f"{summary.out_dir}/maildir (seed {summary.seed}, {elapsed:.1f} s): {kinds}")
    for cid, count in summary.campaigns.items():
        click.echo(f"  campaign {cid}: {count} messages")
    click.echo(f"labels: {summary.files['labels']}  ground truth: {summary.files['campaigns']}  "
               f"config: {summary.files['config']}")


@demo.command("training")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="Random seed; the same seed gives byte-identical files.")
@click.option("--messages", type=int, default=TRAINING_MESSAGES, show_default=True,
              help="Number of messages, about half wanted and half phishing (24 to 200,000).")
@click.option("--force", is_flag=True, help="Replace a training set already in DIRECTORY.")
def training_command(directory: Path, seed: int, messages: int, force: bool) -> None:
    """Write a labelled multilingual training set (wanted/, phishing/, labels.jsonl) into DIRECTORY.

    Synthetic wanted mail and phishing and scam mail in English, German, Dutch,
    Portuguese, Spanish, French and Italian, to add to a site's own mail when training the
    content model (`mailward learn --ham DIRECTORY/wanted --phishing DIRECTORY/phishing`).
    """
    try:
        counts = generate_training(directory, seed=seed, messages=messages, force=force)
    except TrainingSetError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {exc.filename or directory}: {exc.strerror}") from None
    click.echo(f"{sum(counts.values())} messages under {directory} (seed {seed}): "
               + ", ".join(f"{n} {k}" for k, n in counts.items()))
