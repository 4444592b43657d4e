"""Test scanners named in the gateway settings (``scanner = "tests.gateway.fake_scanner:..."``).

``PinnedScanner`` runs the real ``mailward.scan.Scanner`` (so beacons and findings are
real) and then pins the verdict to the message's ``X-Test-Verdict`` header, so that
gateway tests exercise every action whatever the rules currently decide.
``X-Test-Sleep: N`` and ``X-Test-Raise: 1`` simulate a slow and a broken scan;
``X-Test-Stuck: N`` a scan stuck where no timer reaches it (SIGALRM blocked, as in
a long call into C), so that only killing the worker ends it.
"""

from __future__ import annotations

import time
from dataclasses import replace
from email import policy
from email.parser import BytesHeaderParser

from mailward.config import Config
from mailward.model import Envelope
from mailward.result import Finding, ScanResult, Severity, Verdict

_PARSER = BytesHeaderParser(policy=policy.default)


def _stuck(seconds: object) -> None:
    if seconds:
        import signal

        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        try:
            time.sleep(float(str(seconds)))
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})


class PinnedScanner:
    def __init__(self, config: Config) -> None:
        from mailward.scan import Scanner

        self.inner = Scanner(config)

    def scan_bytes(self, raw: bytes, source: str = "-", envelope: Envelope | None = None) -> ScanResult:
        head = _PARSER.parsebytes(raw)
        if head.get("X-Test-Raise"):
            raise RuntimeError("scanner exploded (test)")
        sleep = head.get("X-Test-Sleep")
        if sleep:
            time.sleep(float(str(sleep)))
        _stuck(head.get("X-Test-Stuck"))
        result = self.inner.scan_bytes(raw, source, envelope=envelope)
        pinned = head.get("X-Test-Verdict")
        if pinned:
            verdict = Verdict(str(pinned).strip())
            finding = Finding(rule="TEST_PINNED_" + verdict.name, severity=Severity.HIGH,
                              summary=f"test pinned the verdict to {verdict}", score=5.0)
            result = replace(result, verdict=verdict, findings=(*result.findings, finding),
                             summary=str(head.get("X-Test-Summary") or result.summary))
        return result


class StaticScanner:
    """No detection at all: the verdict comes from ``X-Test-Verdict`` (default clean) and the
    beacons from ``X-Test-Pixel`` / ``X-Test-Click`` headers. For unit tests of the gateway
    that must not depend on the detection code."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def scan_bytes(self, raw: bytes, source: str = "-", envelope: Envelope | None = None) -> ScanResult:
        import hashlib

        from mailward.result import Beacon

        head = _PARSER.parsebytes(raw)
        if head.get("X-Test-Raise"):
            raise RuntimeError("scanner exploded (test)")
        sleep = head.get("X-Test-Sleep")
        if sleep:
            time.sleep(float(str(sleep)))
        _stuck(head.get("X-Test-Stuck"))
        verdict = Verdict(str(head.get("X-Test-Verdict") or "clean").strip())
        beacons = []
        for url in head.get_all("X-Test-Pixel") or ():
            beacons.append(Beacon(url=str(url).strip(), kind="pixel", operator="Tracker", host="t.example"))
        for spec in head.get_all("X-Test-Click") or ():
            url, _, dest = str(spec).strip().partition(" ")
            beacons.append(Beacon(url=url, kind="link", operator="Clicks", host="click.example", destination=dest))
        findings = () if verdict is Verdict.CLEAN else (
            Finding(rule="TEST_" + verdict.name, severity=Severity.HIGH, summary=f"pinned {verdict}", score=5.0),)
        return ScanResult(source=source, verdict=verdict, score=5.0 if findings else 0.0, findings=findings,
                          beacons=tuple(beacons), summary=str(head.get("X-Test-Summary") or ""),
                          subject=str(head.get("Subject") or ""), sha256=hashlib.sha256(raw).hexdigest(),
                          size=len(raw))
