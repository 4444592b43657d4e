"""From findings to a verdict: scores, families and site policy from the TOML config.

Each rule says which verdict it argues for (``verdict:`` in the rule file) and
what it scores. The policy adds the scores (times a per-family weight), then:

1. the most severe verdict argued for by a finding whose family weight is not 0 is
   granted when the total reaches that verdict's threshold
   (``[policy.thresholds]``); rules that argue for ``malicious`` or ``phishing``
   with a score at or above the threshold on their own always get it;
2. otherwise ``suspicious`` when the total reaches the suspicious threshold
   (findings that argue for ``tracking`` add at most ``tracking_cap`` to it);
3. otherwise ``tracking`` when a rule argues for tracking (beacons from a sender
   who is who it says), else ``clean``.

Site overrides in ``[rules]`` disable rules and replace scores; ``[policy.allow]``
lists senders and domains whose mail is capped at ``tracking`` (when their
authentication is aligned, unless ``require_auth = false``), except for findings
that argue for ``malicious``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config, ConfigError, string_list
from ..result import Finding, Verdict
from .engine import Hit

DEFAULT_THRESHOLDS: dict[str, float] = {
    "suspicious": 4.0,
    "recon": 7.0,
    "phishing": 7.0,
    "malicious": 8.0,
}

_ORDER = (Verdict.MALICIOUS, Verdict.PHISHING, Verdict.RECON, Verdict.SUSPICIOUS)


@dataclass(frozen=True)
class Policy:
    thresholds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    family_weights: Mapping[str, float] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    scores: Mapping[str, float] = field(default_factory=dict)
    allow_senders: frozenset[str] = frozenset()
    allow_domains: frozenset[str] = frozenset()
    allow_require_auth: bool = True
    rule_dirs: tuple[Path, ...] = ()
    tracking_cap: float = 1.5  # beacons alone never add up to "suspicious"

    @classmethod
    def from_config(cls, config: Config | None) -> Policy:
        if config is None:
            return cls()
        where = str(config.path or "config")
        policy = config.section("policy")
        rules = config.section("rules")
        thresholds = dict(DEFAULT_THRESHOLDS)
        thresholds.update(_numbers(policy.get("thresholds", {}), "[policy.thresholds]", where))
        unknown = set(thresholds) - set(DEFAULT_THRESHOLDS)
        if unknown:
            raise ConfigError(f"{where}: [policy.thresholds] unknown verdict(s): {', '.join(sorted(unknown))}")
        weights = _numbers(policy.get("family_weights", {}), "[policy.family_weights]", where)
        cap = policy.get("tracking_cap", 1.5)
        if isinstance(cap, bool) or not isinstance(cap, int | float):
            raise ConfigError(f"{where}: [policy] tracking_cap must be a number")
        allow = policy.get("allow", {})
        if not isinstance(allow, Mapping):
            raise ConfigError(f"{where}: [policy.allow] must be a table")
        require_auth = allow.get("require_auth", True)
        if not isinstance(require_auth, bool):
            raise ConfigError(f"{where}: [policy.allow] require_auth must be true or false")
        return cls(
            thresholds=thresholds,
            family_weights=weights,
            disabled=frozenset(string_list(rules.get("disable", []), "[rules] disable", where)),
            scores=_numbers(rules.get("scores", {}), "[rules.scores]", where),
            allow_senders=frozenset(s.lower() for s in string_list(allow.get("senders", []), "[policy.allow] senders", where)),
            allow_domains=frozenset(
                s.lower().lstrip("@.") for s in string_list(allow.get("domains", []), "[policy.allow] domains", where)
            ),
            allow_require_auth=require_auth,
            rule_dirs=tuple(Path(p) for p in string_list(rules.get("dirs", []), "[rules] dirs", where)),
            tracking_cap=float(cap),
        )

    def score_of(self, hit: Hit) -> float:
        spec = hit.rule.spec
        base = self.scores.get(spec.name, spec.score)
        return base * self.family_weights.get(spec.family, 1.0)

    def allowed(self, facts: Mapping[str, Any]) -> bool:
        if not self.allow_senders and not self.allow_domains:
            return False
        sender = facts.get("sender", {})
        address = str(sender.get("address", ""))
        domain = str(sender.get("domain", ""))
        listed = address in self.allow_senders or any(
            domain == d or domain.endswith("." + d) for d in self.allow_domains
        )
        if not listed:
            return False
        return not self.allow_require_auth or bool(facts.get("auth", {}).get("aligned"))

    def decide(
        self, hits: Sequence[Hit], facts: Mapping[str, Any]
    ) -> tuple[Verdict, float, tuple[Finding, ...]]:
        """Verdict, total score and findings (with their effective scores)."""
        findings: list[Finding] = []
        total = 0.0
        tracking = 0.0
        argued: dict[str, float] = {}
        for hit in hits:
            if hit.rule.name in self.disabled:
                continue
            score = self.score_of(hit)
            findings.append(hit.finding(score))
            hint = hit.rule.spec.verdict
            if hint in ("tracking", "none"):
                tracking += score
            else:
                total += score
            if self.family_weights.get(hit.rule.spec.family, 1.0) != 0:
                argued[hint] = max(argued.get(hint, 0.0), score)
        total += min(tracking, self.tracking_cap)
        verdict = Verdict.CLEAN
        for candidate in _ORDER:
            name = str(candidate)
            if candidate is Verdict.SUSPICIOUS:
                if total >= self.thresholds["suspicious"]:
                    verdict = candidate
                    break
                continue
            if name in argued and (
                total >= self.thresholds[name] or argued[name] >= self.thresholds[name]
            ):
                verdict = candidate
                break
        if verdict is Verdict.CLEAN and "tracking" in argued:
            verdict = Verdict.TRACKING
        if verdict.rank > Verdict.TRACKING.rank and "malicious" not in argued and self.allowed(facts):
            verdict = Verdict.TRACKING if "tracking" in argued or "recon" in argued else Verdict.CLEAN
        findings.sort(key=lambda f: -f.score)
        return verdict, total, tuple(findings)


def _numbers(value: Any, what: str, where: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: {what} must be a table of numbers")
    out = {}
    for key, number in value.items():
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ConfigError(f"{where}: {what} {key} must be a number")
        out[str(key)] = float(number)
    return out


def summarise(verdict: Verdict, findings: Iterable[Finding]) -> str:
    """One plain-words sentence for people: the strongest finding, or the verdict."""
    ordered = sorted(findings, key=lambda f: -f.score)
    if not ordered:
        return "Nothing notable found."
    lead = ordered[0].summary
    more = len(ordered) - 1
    return lead + (f" (+{more} more finding{'s' if more > 1 else ''})" if more else "")
