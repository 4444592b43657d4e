"""``mailward rules test|lint|list`` and ``mailward explain MESSAGE``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..config import ConfigError, load_config
from .engine import RuleLoadError, builtin_rules_dir, load_ruleset
from .lint import lint_specs, lookup, used_fields
from .rulefile import load_rule_files


def _dir(path: str | None) -> Path:
    return Path(path) if path else builtin_rules_dir()


@click.group()
def rules() -> None:
    """Detection rules: list them, lint them, run their samples."""


@rules.command("lint")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def lint_command(directory: str | None) -> None:
    """Check the rules of DIRECTORY (default: the built-in rules).

    Rejects unknown fields, invalid conditions (with the error's position),
    unknown facts, duplicate ids and names, and rules without samples.
    """
    base = _dir(directory)
    if not base.is_dir():
        raise click.ClickException(f"not a directory: {base}")
    specs, problems = load_rule_files([base])
    problems.extend(str(p) for p in lint_specs(specs))
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {len(specs)} rule(s)", err=True)
        sys.exit(1)
    click.echo(f"{len(specs)} rules OK")


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("-v", "--verbose", is_flag=True, help="List every sample, not only failures.")
def test_command(directory: str | None, verbose: bool) -> None:
    """Run every rule's samples in DIRECTORY (default: the built-in rules).

    Each message under samples/RULE/hit/ must fire RULE; each under
    samples/RULE/miss/ must not.
    """
    from .samples import run_samples

    base = _dir(directory)
    if not base.is_dir():
        raise click.ClickException(f"not a directory: {base}")
    try:
        outcomes = run_samples(base)
    except (RuleLoadError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    failed = 0
    for outcome in outcomes:
        if not outcome.ok:
            failed += 1
            want = "fire" if outcome.case.kind == "hit" else "not fire"
            click.echo(f"FAIL {outcome.case.label}: must {want}; fired: {', '.join(outcome.fired) or 'nothing'}")
        elif verbose:
            click.echo(f"ok   {outcome.case.label}")
    click.echo(f"{len(outcomes) - failed}/{len(outcomes)} samples OK")
    if failed or not outcomes:
        sys.exit(1)


@rules.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per rule.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file (extra rule dirs).")
@click.option("--check", "check_paths", multiple=True, type=click.Path(exists=True),
              help="Evaluate the rules on these messages (file, directory, mbox, Maildir) and count each rule's errors.")
def list_command(as_json: bool, config_path: str | None, check_paths: tuple[str, ...]) -> None:
    """List the rules in force: name, id, severity, score, verdict, ATT&CK ids, and
    with --check how often each rule failed to evaluate on the given messages."""
    try:
        config = load_config(config_path)
        from .policy import Policy

        policy = Policy.from_config(config)
        ruleset = load_ruleset(policy.rule_dirs)
    except (RuleLoadError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    if check_paths:
        _evaluate(config, ruleset, check_paths)
    errors = {e.rule: e for e in ruleset.error_counts()}
    for rule in ruleset.rules:
        spec = rule.spec
        disabled = spec.name in policy.disabled or not spec.enabled
        score = policy.scores.get(spec.name, spec.score)
        if as_json:
            click.echo(json.dumps({
                "name": spec.name, "id": spec.id, "family": spec.family, "severity": spec.severity,
                "score": score, "verdict": spec.verdict, "attack": list(spec.attack),
                "disabled": disabled, "description": spec.description,
                "errors": errors[spec.name].count if spec.name in errors else 0,
                "last_error": errors[spec.name].last if spec.name in errors else "",
            }))
        else:
            flag = " (disabled)" if disabled else ""
            if spec.name in errors:
                flag += f" ({errors[spec.name].count} evaluation errors; last: {errors[spec.name].last})"
            click.echo(f"{spec.id:8} {spec.name:48} {spec.severity:8} {score:5.1f} {spec.verdict:10} "
                       f"{','.join(spec.attack)}{flag}")


def _evaluate(config: Any, ruleset: Any, paths: tuple[str, ...]) -> None:
    """Run the full analysis with ``ruleset`` over the messages under ``paths``."""
    from ..parse import parse_message
    from ..pipeline import Analyser
    from ..sources import iter_sources

    analyser = Analyser(config, ruleset=ruleset)
    for item in iter_sources(list(paths)):
        data = getattr(item, "data", None)
        if data is not None:
            analyser.analyse(parse_message(data))
        else:  # said on stderr, as `scan` says it: the counts then cover fewer messages
            click.echo(f"mailward: {item.source}: {getattr(item, 'error', 'unreadable')}", err=True)


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@click.command()
@click.argument("message", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file.")
@click.option("--json", "as_json", is_flag=True, help="The scan result as JSON, with the facts.")
@click.option("--all-facts", is_flag=True, help="Print every fact, not only those the fired rules used.")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None,
              help="A content model from `mailward learn`: its score and the features that drove it.")
def explain(message: str, config_path: str | None, as_json: bool, all_facts: bool, model_path: str | None) -> None:
    """Explain the verdict on MESSAGE (a file, or - for stdin).

    Prints the verdict, every rule that fired with its evidence and ATT&CK ids,
    and the facts those rules used.
    """
    from ..pipeline import facts_at, with_model

    try:
        config = with_model(load_config(config_path), model_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        raw = sys.stdin.buffer.read() if message == "-" else Path(message).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {message}: {exc.strerror}") from None
    from ..scan import Scanner

    try:
        scanner = Scanner(config)
    except (RuleLoadError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    scanner.analyser.explain_model = True  # what drove the model's score, even below its threshold
    result = scanner.scan_bytes(raw, source=message)
    if as_json:
        click.echo(json.dumps(result.to_json(with_facts=True), ensure_ascii=False))
        return
    click.echo(f"source:  {result.source}")
    click.echo(f"from:    {result.sender_name} <{result.sender}>" if result.sender_name else f"from:    {result.sender}")
    click.echo(f"subject: {result.subject}")
    click.echo(f"verdict: {result.verdict}  (score {result.score:.1f})")
    if result.reason:
        click.echo(f"reason:  {result.reason}")
    click.echo(f"summary: {result.summary}")
    if not result.findings:
        click.echo("\nNo rule fired.")
    ruleset = getattr(scanner, "ruleset", None)
    facts = result.facts or {}
    for finding in result.findings:
        click.echo(f"\n{finding.rule} [{finding.rule_id}] {finding.severity} score {finding.score:.1f}"
                   f" family {finding.family}")
        click.echo(f"  {finding.summary}")
        if finding.attack:
            click.echo(f"  ATT&CK: {', '.join(finding.attack)}")
        for key, value in finding.evidence.items():
            click.echo(f"  evidence {key}: {_short(value)}")
        rule = ruleset.by_name(finding.rule) if ruleset is not None else None
        if rule is not None and facts:
            click.echo(f"  condition: {' '.join(rule.spec.condition.split())}")
            # an attached message's finding: the facts of that message (mailward.pipeline.judge)
            own = facts_at(facts, str(finding.evidence.get("attached_message", "")))
            for path in used_fields(rule.spec.condition):
                click.echo(f"  fact {path} = {_short(lookup(own, path))}")
    model = facts.get("model") or {}
    if model.get("enabled"):
        click.echo(f"\ncontent model: phishing probability {model['score'] / 10:.1f}% "
                   f"(rule fires at {model['threshold'] / 10:.1f}%)")
        for feature in model.get("top", []):
            click.echo(f"  {feature}")
    if all_facts and facts:
        click.echo("\nfacts:")
        click.echo(json.dumps(facts, ensure_ascii=False, indent=2, default=str))
    if result.beacons:
        click.echo(f"\nbeacons ({len(result.beacons)}):")
        for beacon in result.beacons:
            token = " per-recipient" if beacon.per_recipient else ""
            click.echo(f"  {beacon.kind:8} {beacon.operator}{token}: {beacon.url[:120]}")
