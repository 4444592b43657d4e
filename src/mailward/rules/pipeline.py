"""The analysis pipeline: message -> beacons + identity + intel -> facts -> rules -> verdict.

``Analyser`` is built once per process (rules compiled, reference data loaded);
``Analyser.analyse(message)`` is a pure function of the message and that state.
``mailward.scan.Scanner`` wraps it with parsing, limits and error handling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..config import Config
from ..model import Message
from ..result import Beacon, Finding, Verdict
from .engine import RuleSet, default_ruleset, load_ruleset
from .facts import IntelMatch, build_facts
from .policy import Policy, summarise

# Intel look-up (issue: threat-intel import). Returns matches for one message.
IntelLookup = Callable[[Message], Iterable[IntelMatch]]


@dataclass(frozen=True)
class Analysis:
    verdict: Verdict
    score: float
    findings: tuple[Finding, ...]
    beacons: tuple[Beacon, ...]
    facts: Mapping[str, Any]
    summary: str


def _find_beacons() -> Callable[[Message], tuple[Beacon, ...]] | None:
    try:
        from ..beacons import find_beacons
    except ImportError:
        return None
    return find_beacons  # type: ignore[no-any-return]


class Analyser:
    """Everything that turns a parsed message into findings and a verdict."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        history: Any = None,
        resolver: Any = None,
        intel: IntelLookup | None = None,
        ruleset: RuleSet | None = None,
    ) -> None:
        self.config = config or Config()
        self.policy = Policy.from_config(self.config)
        if ruleset is not None:
            self.ruleset = ruleset
        elif self.policy.rule_dirs:
            self.ruleset = load_ruleset(self.policy.rule_dirs)
        else:
            self.ruleset = default_ruleset()
        self.history = history
        self.resolver = resolver
        self.intel = intel
        self._find_beacons = _find_beacons()
        self._identity_settings: Any = None
        self._analyse_identity: Any = None
        try:
            from ..identity import IdentitySettings, analyse_identity
        except ImportError:
            pass
        else:
            self._identity_settings = IdentitySettings.from_config(self.config)
            self._analyse_identity = analyse_identity
        domains = self.config.section("organisation").get("domains", [])
        self.org_domains = tuple(str(d).lower().strip(".") for d in domains) if isinstance(domains, list) else ()

    def beacons(self, message: Message) -> tuple[Beacon, ...]:
        return tuple(self._find_beacons(message)) if self._find_beacons else ()

    def identity(self, message: Message) -> Any:
        if self._analyse_identity is None:
            return None
        return self._analyse_identity(message, self._identity_settings, self.history, self.resolver)

    def facts(self, message: Message, beacons: tuple[Beacon, ...] | None = None) -> dict[str, Any]:
        found = self.beacons(message) if beacons is None else beacons
        return build_facts(
            message,
            beacons=found,
            identity=self.identity(message),
            intel=tuple(self.intel(message)) if self.intel else (),
            org_domains=self.org_domains,
        )

    def analyse(self, message: Message) -> Analysis:
        found = self.beacons(message)
        facts = self.facts(message, found)
        hits = self.ruleset.evaluate(facts, skip=self.policy.disabled)
        verdict, score, findings = self.policy.decide(hits, facts)
        return Analysis(
            verdict=verdict,
            score=score,
            findings=findings,
            beacons=found,
            facts=facts,
            summary=summarise(verdict, findings),
        )
