"""The analysis pipeline: message -> beacons + identity + intel -> facts -> rules -> verdict.

``Analyser`` is built once per process (rules compiled, reference data loaded);
``Analyser.analyse(message)`` is a pure function of the message and that state.
``mailward.scan.Scanner`` wraps it with parsing, limits and error handling.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..config import Config
from ..model import Message
from ..result import Beacon, Finding, Verdict
from . import derive
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
    errors: tuple[str, ...] = ()  # analysers that failed on this message (their facts are empty)


def _find_beacons() -> Callable[[Message], tuple[Beacon, ...]] | None:
    try:
        from ..beacons import find_beacons
    except ImportError:
        return None
    return find_beacons


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
        self._lookalike: Callable[[str], Any] | None = None
        try:
            from ..identity import IdentitySettings, analyse_identity, lookalike_of, prepare
        except ImportError:
            pass
        else:
            settings = IdentitySettings.from_config(self.config)
            prepare(settings)  # reference data loaded at start-up, not on the first message
            self._identity_settings = settings
            self._analyse_identity = analyse_identity

            @functools.lru_cache(maxsize=8192)
            def _lookalike(domain: str) -> Any:
                return lookalike_of(domain, settings)

            self._lookalike = _lookalike
        derive.shortener_domains()  # reference data loaded at start-up, not on the first message
        domains = self.config.section("organisation").get("domains", [])
        self.org_domains = tuple(str(d).lower().strip(".") for d in domains) if isinstance(domains, list) else ()
        from .recon_extra import ReconExtra

        self.recon = ReconExtra(self.config, self._identity_settings, history)

    def beacons(self, message: Message) -> tuple[Beacon, ...]:
        return tuple(self._find_beacons(message)) if self._find_beacons else ()

    def identity(self, message: Message) -> Any:
        if self._analyse_identity is None:
            return None
        return self._analyse_identity(message, self._identity_settings, self.history, self.resolver)

    def facts(
        self, message: Message, beacons: tuple[Beacon, ...] | None = None, errors: list[str] | None = None
    ) -> dict[str, Any]:
        """The facts of ``message``. An analyser that fails leaves its facts empty and
        adds a note to ``errors`` instead of losing the whole message."""
        notes = errors if errors is not None else []
        found = self._guard(self.beacons, message, (), "beacons", notes) if beacons is None else beacons
        identity = self._guard(self.identity, message, None, "identity", notes)
        intel = self._guard(lambda m: tuple(self.intel(m)) if self.intel else (), message, (), "intel", notes)
        return build_facts(
            message,
            beacons=found,
            identity=identity,
            intel=intel,
            org_domains=self.org_domains,
            domain_lookalike=self._lookalike,
            protected=self.recon.protected,
            history=self.history,
            recon_extra=self.recon,
        )

    @staticmethod
    def _guard(step: Callable[[Message], Any], message: Message, default: Any, name: str, notes: list[str]) -> Any:
        try:
            return step(message)
        except Exception as exc:  # one analyser's bug must not lose the message
            notes.append(f"{name} analysis failed: {type(exc).__name__}: {exc}"[:300])
            return default

    def analyse(self, message: Message) -> Analysis:
        errors: list[str] = []
        found = self._guard(self.beacons, message, (), "beacons", errors)
        facts = self.facts(message, found, errors)
        hits = self.ruleset.evaluate(facts, skip=self.policy.disabled)
        verdict, score, findings = self.policy.decide(hits, facts)
        return Analysis(
            verdict=verdict,
            score=score,
            findings=findings,
            beacons=found,
            facts=facts,
            summary=summarise(verdict, findings),
            errors=tuple(errors),
        )
