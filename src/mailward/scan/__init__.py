"""Scan one message: parse, analyse, decide. The synchronous, I/O-free core.

``Scanner`` is built once per process (reference data and rules are compiled
then) and ``scan_bytes`` is called per message. It never raises: anything that
goes wrong becomes an ``unscannable`` verdict with the reason.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from ..config import Config
from ..identity import Resolver, SenderHistory
from ..model import Envelope, Message
from ..parse import DEFAULT_LIMITS, Limits, parse_message
from ..pipeline import Analyser, IntelLookup
from ..result import Beacon, Finding, ScanResult, Verdict

log = logging.getLogger(__name__)


def _limits_from(config: Config) -> Limits:
    """``[limits]``, validated by ``mailward.config`` (unknown keys and bad values are errors)."""
    fields = {f.name for f in dataclasses.fields(Limits)}
    values = {k: v for k, v in config.section("limits").items() if k in fields}  # not time_budget
    return Limits(**values) if values else DEFAULT_LIMITS


def _default_intel(config: Config) -> IntelLookup | None:
    """Indicators imported into the configured store (``mailward intel import``), if any.

    Without a configured store URL and without the default SQLite file there is
    nothing to read, and the database layer is not even imported (seconds of start-up).
    """
    if not config.section("store").get("url") and not (config.data_dir / "mailward.db").is_file():
        return None
    from ..share.matcher import intel_lookup  # imported here: it loads the database layer

    try:
        return intel_lookup(config)
    except Exception:  # no store, unreadable store: scanning goes on without intel
        log.warning("intel: indicators could not be loaded; scanning without them", exc_info=True)
        return None


class Scanner:
    """Parse and analyse messages with one configuration."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        history: SenderHistory | None = None,
        resolver: Resolver | None = None,
        intel: IntelLookup | None = None,
    ) -> None:
        """Compile rules and load reference data once.

        ``history`` (a ``mailward.identity.SenderHistory``) enables first-contact
        facts; ``resolver`` live authentication checks when the config turns them
        on; ``intel`` returns indicator matches for a message (default: the
        indicators imported into the configured store, none when there are none). Raises
        ``ConfigError`` (``RuleLoadError`` for broken rule files) on a bad
        configuration; scanning itself never raises.
        """
        self.config = config or Config()
        self.limits = _limits_from(self.config)
        if intel is None:
            intel = _default_intel(self.config)
        self.analyser = Analyser(self.config, history=history, resolver=resolver, intel=intel)
        self.ruleset = self.analyser.ruleset

    # -- public API ---------------------------------------------------------

    def scan_bytes(self, raw: bytes, source: str = "-", envelope: Envelope | None = None) -> ScanResult:
        try:
            message = parse_message(raw, envelope=envelope, limits=self.limits)
        except Exception as exc:  # parse_message never raises; belt and braces
            return self._unscannable(source, f"parser failure: {type(exc).__name__}", raw_size=len(raw))
        return self.scan_message(message, source, envelope)

    def scan_message(self, message: Message, source: str = "-", envelope: Envelope | None = None) -> ScanResult:
        if message.extra.get("parse_failed"):
            reason = "; ".join(f"{d.kind}: {d.detail}" for d in message.defects)
            return self._unscannable(source, f"could not parse: {reason}", message=message)
        if not message.headers:
            return self._unscannable(source, "not an email message: no header fields found", message=message)
        try:
            return self._analyse(message, source)
        except Exception as exc:
            log.exception("analysis failed for %s", source)
            return self._unscannable(source, f"analysis failed: {type(exc).__name__}: {exc}"[:300], message=message)

    # -- pipeline -----------------------------------------------------------

    def _analyse(self, message: Message, source: str) -> ScanResult:
        analysis = self.analyser.analyse(message)
        result = self._result(
            message,
            source,
            analysis.verdict,
            analysis.score,
            analysis.findings,
            analysis.beacons,
            summary=analysis.summary,
            facts=dict(analysis.facts),
        )
        if analysis.errors:
            reason = "; ".join(filter(None, (result.reason, *analysis.errors)))
            return dataclasses.replace(result, reason=reason)
        return result

    # -- results ------------------------------------------------------------

    @staticmethod
    def _result(
        message: Message,
        source: str,
        verdict: Verdict,
        score: float,
        findings: Sequence[Finding],
        beacons: Sequence[Beacon],
        summary: str = "",
        facts: dict[str, Any] | None = None,
    ) -> ScanResult:
        sender = message.sender_address
        reason = ""
        if message.limits_hit:
            reason = "analysis truncated at limits: " + ", ".join(message.limits_hit)
        return ScanResult(
            source=source,
            verdict=verdict,
            score=score,
            findings=tuple(findings),
            beacons=tuple(beacons),
            message_id=message.message_id,
            sender=sender.addr if sender else "",
            sender_name=sender.display_name if sender else "",
            subject=message.subject,
            date=message.date,
            recipients=message.recipients,
            sha256=message.sha256,
            size=message.raw_size,
            reason=reason,
            summary=summary,
            facts=facts,
        )

    @staticmethod
    def _unscannable(source: str, reason: str, *, message: Message | None = None, raw_size: int = 0) -> ScanResult:
        return ScanResult(
            source=source,
            verdict=Verdict.UNSCANNABLE,
            score=0.0,
            reason=reason,
            message_id=message.message_id if message else "",
            sha256=message.sha256 if message else "",
            size=message.raw_size if message else raw_size,
            summary=f"mailward could not analyse this message: {reason}",
        )
