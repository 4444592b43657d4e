"""A campaign as a MISP event, built with PyMISP; written as MISP JSON or pushed.

Attribute types and ``to_ids`` (whether an attribute is meant to drive detection):

| indicator | MISP type | category | to_ids |
|---|---|---|---|
| sending address | email-src | Payload delivery | yes |
| other address (Reply-To, ...) | email-src | Payload delivery | yes |
| subject | email-subject | Payload delivery | no: context, too easy to reuse innocently |
| domain | domain | Network activity | yes; no for free-mail and known email services |
| URL | url | Network activity | yes; no for a URL prefix (per-recipient part removed) |
| IP from Received headers | ip-src | Network activity | yes |
| other IP (e.g. a beacon server) | ip-dst | Network activity | yes |
| file hash | sha256 / sha1 / md5 | Payload delivery | yes |

Tags: the TLP level (``tlp:amber``), one ATT&CK galaxy tag per technique
(``misp-galaxy:mitre-attack-pattern="Spearphishing Link - T1598.003"``) and, when an
analyst attributes the campaign, ``misp-galaxy:threat-actor="NAME"``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from mailward.share import attack as _attack
from mailward.share.campaign import CampaignExport, ExportError, SharedIndicator

# name-based uuids (as for STIX ids): pushing or sharing a campaign again updates it
_NAMESPACE = uuid.UUID("6d1c1c3e-2b0a-5f4e-9a59-6d61696c7761")

_THREAT_LEVEL = {"malicious": 1, "phishing": 1, "recon": 1, "suspicious": 2}


def attribute_for(item: SharedIndicator) -> tuple[str, str, bool] | None:
    """(MISP type, category, to_ids) for one shared indicator."""
    kind = item.kind
    if kind == "email":
        return "email-src", "Payload delivery", True
    if kind == "subject":
        return "email-subject", "Payload delivery", False
    if kind == "domain":
        return "domain", "Network activity", item.for_detection
    if kind == "url":
        # MISP url attributes are whole URLs: a prefix is context, not for detection
        return "url", "Network activity", not item.prefix
    if kind in ("ipv4", "ipv6"):
        return ("ip-src" if item.role == "sending-ip" else "ip-dst"), "Network activity", True
    if kind in ("sha256", "sha1", "md5"):
        return kind, "Payload delivery", True
    return None


def build_event(export: CampaignExport) -> Any:
    from pymisp import MISPEvent, MISPOrganisation

    settings = export.settings
    namespace = uuid.uuid5(_NAMESPACE, "organisation:" + settings.organisation.strip().lower())
    event = MISPEvent()
    event.uuid = str(uuid.uuid5(namespace, "event|" + export.id))
    event.info = f"{export.name} (mailward campaign {export.id})"[:1000]
    event.distribution = settings.misp_distribution
    event.threat_level_id = _THREAT_LEVEL.get(export.verdict, 2)
    event.analysis = 1  # ongoing
    event.set_date(export.first_seen.date())
    org = MISPOrganisation()
    org.name = settings.organisation
    event.Orgc = org
    event.add_tag(f"tlp:{settings.tlp}")
    for technique in export.attack:
        if _attack.valid_id(technique):
            event.add_tag(_attack.misp_galaxy_tag(technique))
    if settings.attribute_to:
        event.add_tag(f'misp-galaxy:threat-actor="{settings.attribute_to}"')
    for item in export.indicators:
        mapped = attribute_for(item)
        if mapped is None:
            continue
        misp_type, category, to_ids = mapped
        comment = {"sender": "sending address", "shared-infrastructure": "shared service: not for blocking"}.get(item.role, "")
        if item.prefix:
            comment = "URL prefix: the per-recipient part was removed"
        event.add_attribute(
            misp_type, item.value, category=category, to_ids=to_ids, comment=comment,
            uuid=str(uuid.uuid5(namespace, f"attribute|{export.id}|{misp_type}|{item.value}")),
        )
    for subject in export.subjects:
        event.add_attribute(
            "email-subject", subject, category="Payload delivery", to_ids=False,
            uuid=str(uuid.uuid5(namespace, f"attribute|{export.id}|email-subject|{subject}")),
        )
    if settings.include_targets:
        for person_name, address in export.targets:
            event.add_attribute(
                "email-dst",
                address,
                category="Payload delivery",
                to_ids=False,
                comment=f"target {person_name}".strip(),
                distribution=0,
            )
    return event


def event_json(export: CampaignExport) -> str:
    """The event as MISP JSON (``{"Event": {...}}``), as MISP's import and API accept it."""
    event = build_event(export)
    return json.dumps({"Event": json.loads(event.to_json())}, indent=2, ensure_ascii=False)


def _short_reason(exc: Exception) -> str:
    text = str(exc)
    for needle, words in (
        ("Connection refused", "connection refused"),
        ("timed out", "timed out"),
        ("Name or service not known", "unknown host name"),
        ("Temporary failure in name resolution", "host name does not resolve"),
        ("No route to host", "no route to host"),
        ("Network is unreachable", "network unreachable"),
    ):
        if needle in text:
            return words
    return f"{exc.__class__.__name__}: {text[:200]}"


def push_event(
    export: CampaignExport,
    url: str,
    key: str,
    *,
    verify_tls: bool = True,
    timeout: float = 30.0,
) -> str:
    """Send the event to a MISP server; return the event's id there.

    POST /events/add; when the server already holds the event (same uuid: this
    campaign was pushed before), POST /events/edit/<uuid> updates it. Raises
    ExportError with the server's reason, or the connection problem, in words.
    """
    import requests

    if not url.lower().startswith(("https://", "http://")):
        raise ExportError(f"MISP URL must start with https:// (got {url!r})")
    if not key:
        raise ExportError("no MISP API key: set the environment variable named by --key-env")
    body = event_json(export)
    event_uuid = json.loads(body)["Event"]["uuid"]
    headers = {
        "Authorization": key,
        "Accept": "application/json",
        "Content-Type": "application/json",
        "User-Agent": "mailward",
    }

    def post(path: str) -> tuple[int, Any]:
        try:
            response = requests.post(  # network-ok: operator-configured MISP push
                url.rstrip("/") + path, data=body.encode("utf-8"), headers=headers, timeout=timeout, verify=verify_tls
            )
        except requests.exceptions.SSLError:
            raise ExportError(f"cannot push to MISP at {url}: TLS certificate not accepted (see --no-verify-tls)") from None
        except requests.exceptions.RequestException as exc:
            raise ExportError(f"cannot push to MISP at {url}: {_short_reason(exc)}") from None
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None

    def message(reply: Any) -> str:
        if isinstance(reply, dict):
            return str(reply.get("message") or reply.get("errors") or reply.get("name") or "")
        return ""

    status, reply = post("/events/add")
    if status in (403, 409) and "already exists" in message(reply).lower():
        status, reply = post(f"/events/edit/{event_uuid}")
    if status in (401, 403):
        raise ExportError(f"MISP at {url} refused the API key (HTTP {status})" + (f": {message(reply)}" if message(reply) else ""))
    if status >= 400 or not isinstance(reply, dict) or not isinstance(reply.get("Event"), dict):
        raise ExportError(
            f"MISP at {url} did not accept the event (HTTP {status})" + (f": {message(reply)}" if message(reply) else "")
        )
    return str(reply["Event"].get("id", "") or reply["Event"].get("uuid", ""))
