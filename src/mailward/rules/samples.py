"""Run rule samples: every hit sample must fire its rule, every miss sample must not.

Samples are scanned through the whole analysis (parse, beacons, identity, facts,
rules) with the organisation of ``<dir>/samples/mailward.toml`` when present, the
indicators of ``<dir>/samples/intel.json`` when present, and a sender history that
is empty (every sender is a first contact) apart from the senders listed in
``<dir>/samples/history.json`` (``[{"sender", "recipients", "count", "hosts"}]``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..config import Config, load_config
from ..parse import parse_message
from ..pipeline import Analyser, IntelLookup
from .engine import RuleSet, load_ruleset
from .lint import sample_files


@dataclass(frozen=True)
class SampleCase:
    rule: str
    kind: str  # "hit" or "miss"
    path: Path

    @property
    def label(self) -> str:
        return f"{self.rule}/{self.kind}/{self.path.name}"


@dataclass(frozen=True)
class SampleOutcome:
    case: SampleCase
    fired: tuple[str, ...]  # every rule that fired on the sample

    @property
    def ok(self) -> bool:
        return (self.case.rule in self.fired) == (self.case.kind == "hit")


def sample_config(rules_dir: Path) -> Config:
    path = rules_dir / "samples" / "mailward.toml"
    return load_config(path) if path.is_file() else Config()


def iter_cases(ruleset: RuleSet, rules_dir: Path | None = None) -> Iterator[SampleCase]:
    for rule in ruleset.rules:
        spec = rule.spec
        if rules_dir is not None and (spec.path is None or spec.path.parent != rules_dir):
            continue
        for kind in ("hit", "miss"):
            for path in sample_files(spec, kind):
                yield SampleCase(spec.name, kind, path)


def sample_analyser(rules_dir: Path, ruleset: RuleSet) -> Analyser:
    from ..identity import InMemorySenderHistory

    # an empty history (every sender of a sample is a first contact) but for the
    # senders of samples/history.json; the indicators of samples/intel.json (a STIX
    # bundle or feed) stand for imported intelligence
    history = InMemorySenderHistory()
    path = rules_dir / "samples" / "history.json"
    if path.is_file():
        import json

        for entry in json.loads(path.read_text(encoding="utf-8")):
            for _ in range(int(entry.get("count", 1))):
                history.record(str(entry["sender"]), [str(r) for r in entry.get("recipients", [])],
                               hosts=entry.get("hosts"))
    return Analyser(sample_config(rules_dir), history=history, ruleset=ruleset, intel=sample_intel(rules_dir))


def sample_intel(rules_dir: Path) -> IntelLookup | None:
    path = rules_dir / "samples" / "intel.json"
    if not path.is_file():
        return None
    from ..share.matcher import lookup_from_file

    return lookup_from_file(path)


def run_case(analyser: Analyser, case: SampleCase) -> SampleOutcome:
    message = parse_message(case.path.read_bytes())
    analysis = analyser.analyse(message)
    return SampleOutcome(case, tuple(f.rule for f in analysis.findings))


def run_samples(rules_dir: Path, *, include_builtin: bool = False) -> list[SampleOutcome]:
    """Run every sample of the rules in ``rules_dir``."""
    ruleset = load_ruleset([rules_dir], include_builtin=include_builtin, strict=False)
    analyser = sample_analyser(rules_dir, ruleset)
    return [run_case(analyser, case) for case in iter_cases(ruleset, rules_dir)]
