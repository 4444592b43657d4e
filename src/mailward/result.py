"""What a scan says about a message: verdict, findings, beacons.

The JSON form of ``ScanResult`` is the output contract of ``mailward scan --format
json`` (docs/output.md). Add fields; never rename or remove one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    """The fixed verdict vocabulary (docs/output.md), in rising order of concern.

    ``unscannable`` is outside the order: it says the analysis could not be done.
    """

    CLEAN = "clean"
    TRACKING = "tracking"
    SUSPICIOUS = "suspicious"
    RECON = "recon"
    PHISHING = "phishing"
    MALICIOUS = "malicious"
    UNSCANNABLE = "unscannable"

    @property
    def rank(self) -> int:
        return _VERDICT_RANK[self]

    @property
    def is_attack(self) -> bool:
        """Flagged as an attack: what evaluations count (suspicious and worse)."""
        return self in (Verdict.SUSPICIOUS, Verdict.RECON, Verdict.PHISHING, Verdict.MALICIOUS)


_VERDICT_RANK = {
    Verdict.CLEAN: 0,
    Verdict.TRACKING: 1,
    Verdict.SUSPICIOUS: 2,
    Verdict.RECON: 3,
    Verdict.PHISHING: 4,
    Verdict.MALICIOUS: 5,
    Verdict.UNSCANNABLE: 2,  # treated like "suspicious" when verdicts are compared
}


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that fired, explaining itself."""

    rule: str  # stable UPPER_SNAKE name, e.g. "BEACON_HIDDEN"
    severity: Severity
    summary: str  # one line, plain words, with the evidence
    score: float = 0.0
    attack: tuple[str, ...] = ()  # MITRE ATT&CK ids
    evidence: Mapping[str, Any] = field(default_factory=dict)
    rule_id: str = ""  # the rule file's stable id
    family: str = ""  # "beacon", "impersonation", "auth", ...

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "id": self.rule_id,
            "family": self.family,
            "severity": str(self.severity),
            "score": self.score,
            "summary": self.summary,
            "attack": list(self.attack),
            "evidence": _jsonable(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class TokenMatch:
    """How a URL carries the recipient's identity."""

    recipient: str  # the address it encodes ("" for opaque tokens)
    encoding: str  # e.g. "raw", "urlencoded", "base64url", "sha256(lower)", "opaque", "batch"
    location: str  # e.g. "query:uid", "path[2]"
    value: str  # the token as it appears in the URL
    confidence: str  # "high" (decodes to the address), "medium" (batch), "low" (opaque, high entropy)


@dataclass(frozen=True, slots=True)
class Beacon:
    """A remote load or tracked link: something that reports back when opened or clicked."""

    url: str
    kind: str  # "pixel", "hidden", "remote", "css", "stylesheet", "font", "frame", "media", "link", ...
    operator: str  # tracker service name, else the registrable domain
    host: str
    part: str = ""
    tracker: str = ""  # registry service name when known
    per_recipient: bool = False
    token: TokenMatch | None = None
    leaks: tuple[str, ...] = ()  # "ip", "location", "device", "mail-client", "open-time", "identity", "click"
    destination: str = ""  # for click redirectors: the real destination when the URL carries it
    evidence: str = ""  # why this is a beacon, in words ("1x1 image", "display:none ancestor", ...)

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "kind": self.kind,
            "operator": self.operator,
            "host": self.host,
            "part": self.part,
            "tracker": self.tracker,
            "per_recipient": self.per_recipient,
            "token": None
            if self.token is None
            else {
                "recipient": self.token.recipient,
                "encoding": self.token.encoding,
                "location": self.token.location,
                "value": self.token.value,
                "confidence": self.token.confidence,
            },
            "leaks": list(self.leaks),
            "destination": self.destination,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class ScanResult:
    """The outcome of scanning one message."""

    source: str
    verdict: Verdict
    score: float
    findings: tuple[Finding, ...] = ()
    beacons: tuple[Beacon, ...] = ()
    message_id: str = ""
    sender: str = ""
    sender_name: str = ""
    subject: str = ""
    date: dt.datetime | None = None
    recipients: tuple[str, ...] = ()
    sha256: str = ""
    size: int = 0
    reason: str = ""  # why "unscannable", or truncation notes
    summary: str = ""  # one plain-words sentence for people (banners, table view)
    facts: Mapping[str, Any] | None = None  # the facts the rules saw (explain)

    def to_json(self, *, with_facts: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "message_id": self.message_id,
            "verdict": str(self.verdict),
            "score": round(self.score, 2),
            "summary": self.summary,
            "sender": self.sender,
            "sender_name": self.sender_name,
            "subject": self.subject,
            "date": self.date.isoformat() if self.date else None,
            "recipients": list(self.recipients),
            "sha256": self.sha256,
            "size": self.size,
            "reason": self.reason,
            "findings": [f.to_json() for f in self.findings],
            "beacons": [b.to_json() for b in self.beacons],
        }
        if with_facts and self.facts is not None:
            out["facts"] = _jsonable(self.facts)
        return out


def _jsonable(value: Any) -> Any:
    """Best-effort conversion of evidence and facts to JSON-safe values."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)
