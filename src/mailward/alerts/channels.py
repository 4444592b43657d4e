"""Alert channels: a JSON webhook (plain, Slack or Teams format), syslog (RFC 5424,
optionally CEF, over UDP or TCP) and email through the ``[smtp]`` relay.

Each channel has one method, ``send(event)``, which raises ``DeliveryError`` when the
receiver did not take the event; retrying is the dispatcher's job.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol

from mailward.config import ConfigError

from .events import CampaignEvent
from .smtp import SmtpError, SmtpRelay

PEN = 32473  # the private enterprise number RFC 5612 reserves for documentation examples
FACILITIES = {"user": 1, "daemon": 3, "auth": 4, "security": 13, **{f"local{i}": 16 + i for i in range(8)}}
# syslog severity per verdict (RFC 5424: 2 critical, 3 error, 4 warning, 5 notice)
SEVERITY = {"malicious": 2, "phishing": 3, "recon": 4, "suspicious": 5}
CEF_SEVERITY = {"malicious": 10, "phishing": 8, "recon": 7, "suspicious": 5}


class DeliveryError(Exception):
    """A receiver did not accept an alert."""


class Channel(Protocol):
    name: str

    def send(self, event: CampaignEvent) -> None: ...


def _facts(event: CampaignEvent) -> list[tuple[str, str]]:
    return [
        ("Campaign", f"{event.campaign_id} — {event.name}"),
        ("Verdict", event.verdict),
        ("Messages", f"{event.messages} ({event.new_messages} new)"),
        ("Targets", str(event.targets)),
        ("First seen", event.first_seen.isoformat() if event.first_seen else "?"),
        ("Last seen", event.last_seen.isoformat() if event.last_seen else "?"),
    ]


def webhook_payload(event: CampaignEvent, fmt: str = "json") -> dict[str, Any]:
    """The body posted: mailward's JSON, or a Slack / Teams incoming-webhook message."""
    if fmt == "slack":
        lines = "\n".join(f"*{k}:* {v}" for k, v in _facts(event))
        return {
            "text": event.title,
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": event.title[:150]}},
                {"type": "section", "text": {"type": "mrkdwn", "text": lines}},
            ],
        }
    if fmt == "teams":
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": event.title,
            "themeColor": "C62828" if event.verdict in ("malicious", "phishing") else "EF6C00",
            "title": event.title,
            "sections": [{"facts": [{"name": k, "value": v} for k, v in _facts(event)]}],
            "text": event.title,
        }
    return {"source": "mailward", **event.to_json()}


@dataclass
class WebhookChannel:
    url: str
    format: str = "json"
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    name: str = "webhook"

    def send(self, event: CampaignEvent) -> None:
        body = json.dumps(webhook_payload(event, self.format)).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST",  # noqa: S310 - the operator's URL
                                         headers={"Content-Type": "application/json", "User-Agent": "mailward-alerts",
                                                  **self.headers})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  # network-ok: the operator's configured webhook, never a URL from a message
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"webhook {self.url}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"webhook {self.url}: {getattr(exc, 'reason', exc)}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"webhook {self.url}: HTTP {status}")


def _sd_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _cef_header(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|")


def _cef_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("=", "\\=").replace("\r", " ").replace("\n", " ")


def cef_text(event: CampaignEvent, version: str) -> str:
    """ArcSight Common Event Format: ``CEF:0|vendor|product|version|id|name|severity|extension``."""
    extension = {
        "cs1Label": "campaignId", "cs1": event.campaign_id,
        "cs2Label": "campaignName", "cs2": event.name,
        "cs3Label": "verdict", "cs3": event.verdict,
        "cn1Label": "messages", "cn1": str(event.messages),
        "cn2Label": "targets", "cn2": str(event.targets),
        "cn3Label": "newMessages", "cn3": str(event.new_messages),
        "msg": event.title,
    }
    if event.last_seen:
        extension["end"] = str(int(event.last_seen.timestamp() * 1000))
    header = "|".join(_cef_header(x) for x in (
        "CEF:0", "mailward", "mailward", version, f"campaign_{event.kind}",
        "Campaign found" if event.kind == "found" else "Campaign grew", str(CEF_SEVERITY.get(event.verdict, 5)),
    ))
    return header + "|" + " ".join(f"{k}={_cef_value(v)}" for k, v in extension.items())


def syslog_line(event: CampaignEvent, *, fmt: str = "rfc5424", facility: str = "local0", app: str = "mailward",
                hostname: str = "", now: dt.datetime | None = None) -> bytes:
    """One RFC 5424 message; with ``fmt="cef"`` its MSG is a CEF record."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("mailward")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        ver = "0"
    pri = FACILITIES[facility] * 8 + SEVERITY.get(event.verdict, 5)
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    host = (hostname or socket.gethostname() or "-")[:255]
    params = {"event": event.kind, "campaign": event.campaign_id, "verdict": event.verdict,
              "messages": str(event.messages), "targets": str(event.targets), "new": str(event.new_messages)}
    sd = f"[mailward@{PEN} " + " ".join(f'{k}="{_sd_escape(v)}"' for k, v in params.items()) + "]"
    msg = cef_text(event, ver) if fmt == "cef" else event.title
    msgid = f"CAMPAIGN_{event.kind.upper()}"
    return f"<{pri}>1 {stamp} {host} {app} {os.getpid()} {msgid} {sd} ".encode() + b"\xef\xbb\xbf" + msg.encode("utf-8")


@dataclass
class SyslogChannel:
    host: str = "127.0.0.1"
    port: int = 514
    protocol: str = "udp"
    format: str = "rfc5424"
    facility: str = "local0"
    app: str = "mailward"
    timeout: float = 10.0
    name: str = "syslog"

    def send(self, event: CampaignEvent) -> None:
        line = syslog_line(event, fmt=self.format, facility=self.facility, app=self.app)
        try:
            if self.protocol == "udp":
                with socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.sendto(line, (self.host, self.port))
                return
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as s:
                s.sendall(f"{len(line)} ".encode() + line)  # RFC 6587 octet counting
        except OSError as exc:
            raise DeliveryError(f"syslog {self.protocol}://{self.host}:{self.port}: {exc}") from None


def email_alert(event: CampaignEvent, sender: str, recipients: list[str]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = event.title
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    lines = [event.title, ""] + [f"{k}: {v}" for k, v in _facts(event)]
    lines += ["", f"Details: mailward campaigns show {event.campaign_id}",
              f"Tell the targets: mailward notify {event.campaign_id} --out DIR"]
    msg.set_content("\n".join(lines) + "\n")
    return msg


@dataclass
class EmailChannel:
    relay: SmtpRelay
    sender: str
    recipients: list[str]
    name: str = "email"

    def send(self, event: CampaignEvent) -> None:
        try:
            self.relay.send(email_alert(event, self.sender, self.recipients), self.recipients)
        except SmtpError as exc:
            raise DeliveryError(str(exc)) from None


def channels_from_config(config: Any) -> list[Channel]:
    """The channels ``[alerts]`` configures (see docs/config.md)."""
    section: Mapping[str, Any] = config.section("alerts")
    timeout = float(section.get("timeout_seconds", 10))
    out: list[Channel] = []
    for i, hook in enumerate(_tables(section, "webhook")):
        fmt = str(hook.get("format", "json"))
        if fmt not in ("json", "slack", "teams"):
            raise ConfigError(f"[[alerts.webhook]] format must be json, slack or teams, not {fmt!r}")
        if not str(hook.get("url", "")).startswith(("http://", "https://")):
            raise ConfigError("[[alerts.webhook]] needs url = \"https://...\"")
        headers = {str(k): str(v) for k, v in dict(hook.get("headers", {})).items()}
        for name, env in dict(hook.get("headers_env", {})).items():
            headers[str(name)] = os.environ.get(str(env), "")
        out.append(WebhookChannel(str(hook["url"]), fmt, headers, timeout, name=f"webhook{i + 1}"))
    for i, sys_cfg in enumerate(_tables(section, "syslog")):
        protocol, fmt = str(sys_cfg.get("protocol", "udp")), str(sys_cfg.get("format", "rfc5424"))
        facility = str(sys_cfg.get("facility", "local0"))
        if protocol not in ("udp", "tcp") or fmt not in ("rfc5424", "cef") or facility not in FACILITIES:
            raise ConfigError("[[alerts.syslog]]: protocol udp|tcp, format rfc5424|cef, facility local0-7, user, daemon, auth, security")
        out.append(SyslogChannel(str(sys_cfg.get("host", "127.0.0.1")), int(sys_cfg.get("port", 514)), protocol, fmt,
                                 facility, str(sys_cfg.get("app_name", "mailward")), timeout, name=f"syslog{i + 1}"))
    for i, mail in enumerate(_tables(section, "email")):
        to = mail.get("to", [])
        recipients = [str(to)] if isinstance(to, str) else [str(x) for x in to]
        if not recipients or not mail.get("from"):
            raise ConfigError("[[alerts.email]] needs from = \"...\" and to = [\"...\"]")
        out.append(EmailChannel(SmtpRelay.from_config(config.section("smtp")), str(mail["from"]), recipients,
                                name=f"email{i + 1}"))
    return out


def _tables(section: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = section.get(key, [])
    if isinstance(value, Mapping):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ConfigError(f"[alerts] {key} must be a table or an array of tables ([[alerts.{key}]])")
    return list(value)
