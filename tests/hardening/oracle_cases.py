"""One hostile HTML sample through scan, defuse and preview, each rendered in chromium.

Shared by tests/hardening/test_browser_oracle.py and the before/after table in
docs/security.md (``python -m tests.hardening.oracle_cases`` prints it).
"""

from __future__ import annotations

import email
import email.policy
import sys
from dataclasses import dataclass

from mailward.gateway.defuse import defuse_report
from mailward.gateway.settings import Action, GatewaySettings
from mailward.parse import parse_message
from mailward.result import ScanResult
from mailward.scan import Scanner
from mailward.web.preview import preview_document

from .browser_oracle import Oracle, corpus, oracle

SCANNER = Scanner()
SETTINGS = GatewaySettings()  # the gateway's default actions per verdict
HEAD = (
    "From: \"Desk\" <desk@news.example.org>\r\nTo: alice@parliament.example\r\nSubject: hostile sample\r\n"
    "Date: Mon, 01 Mar 2021 10:00:00 +0000\r\nMessage-ID: <{name}@news.example.org>\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
)


def message(name: str, html: str) -> bytes:
    return (HEAD.replace("{name}", name) + "<html><body>" + html + "</body></html>\r\n").encode("utf-8")


def html_parts(raw: bytes) -> list[str]:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    parts = []
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            try:
                parts.append(str(part.get_content()))  # type: ignore[attr-defined]
            except (LookupError, ValueError, AssertionError):  # a charset or encoding the fuzzer broke
                payload = part.get_payload(decode=True)
                parts.append(payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload))
    return parts


def delivered(raw: bytes, result: ScanResult) -> tuple[Action, bytes]:
    """What the milter would hand on for this scan result with the default settings
    (as ``gateway.scanning.prepare_message``): the defused message, the original
    (``deliver``), or nothing (quarantined, rejected)."""
    action = SETTINGS.resolve(SETTINGS.action_for(result.verdict))
    if action in (Action.DEFUSE, Action.BANNER):
        return action, defuse_report(raw, result, SETTINGS, neutralise=action is Action.DEFUSE)[0]
    if action is Action.DELIVER:
        return action, raw
    return action, b""


@dataclass
class Case:
    name: str
    raw_requests: int
    raw_connections: int
    raw_beacon_paths: list[str]
    result: ScanResult
    action: str
    defused_requests: list[str]
    defused_connections: int
    preview_requests: list[str]
    preview_connections: int

    @property
    def beacon_urls(self) -> set[str]:
        return {b.url for b in self.result.beacons}


def run(oracle_: Oracle, name: str, template: str, *, raw_too: bool = True) -> Case:
    html = oracle_.fill(template, name)
    raw = message(name, html)
    before = oracle_.render("<!DOCTYPE html><html><body>" + html + "</body></html>") if raw_too else None
    result = SCANNER.scan_bytes(raw, name)
    action, out = delivered(raw, result)
    defused = [oracle_.render(part) for part in html_parts(out)] if out else []
    preview = oracle_.render(preview_document(parse_message(raw)).document)
    return Case(
        name=name,
        raw_requests=before.count if before else -1,
        raw_connections=before.beacon_connections if before else -1,
        raw_beacon_paths=before.beacon_requests if before else [],
        result=result,
        action=action.value,
        # the original is only delivered when the scan found nothing remote: its relative
        # URLs go to the page's own origin, which is the mail client's, not the sender's
        defused_requests=[u for r in defused for u in (r.remote_loads if action is Action.DELIVER else r.loads)],
        defused_connections=sum(r.beacon_connections for r in defused),
        preview_requests=preview.loads,
        preview_connections=preview.beacon_connections,
    )


TABLE_HEAD = ("| sample | chromium on the original (requests / connections) | verdict | beacons (kinds) "
              "| gateway action | delivered: requests / connections | preview: requests |\n"
              "|---|---|---|---|---|---|---|")


def table_row(case: Case) -> str:
    kinds = ",".join(sorted({b.kind for b in case.result.beacons})) or "-"
    return (f"| {case.name} | {case.raw_requests} / {case.raw_connections} | {case.result.verdict.value} "
            f"| {len(case.result.beacons)} ({kinds}) | {case.action} | {len(case.defused_requests)} / "
            f"{case.defused_connections} | {len(case.preview_requests)} |")


def main() -> None:  # pragma: no cover - prints the table for docs/security.md
    with oracle() as o:
        print("| sample | chromium on the original (requests / connections) | verdict | beacons (kinds) "
              "| gateway action | delivered: requests / connections | preview: requests |")
        print("|---|---|---|---|---|---|---|")
        for name, template in corpus().items():
            case = run(o, name, template)
            kinds = ",".join(sorted({b.kind for b in case.result.beacons})) or "-"
            print(f"| {name} | {case.raw_requests} / {case.raw_connections} | {case.result.verdict.value} "
                  f"| {len(case.result.beacons)} ({kinds}) | {case.action} | {len(case.defused_requests)} / "
                  f"{case.defused_connections} | {len(case.preview_requests)} |", flush=True)
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
