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
from typing import Any

from mailward.share import attack as _attack
from mailward.share.campaign import CampaignExport, ExportError, SharedIndicator

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
    event = MISPEvent()
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
        event.add_attribute(misp_type, item.value, category=category, to_ids=to_ids, comment=comment)
    for subject in export.subjects:
        event.add_attribute("email-subject", subject, category="Payload delivery", to_ids=False)
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


def push_event(
    export: CampaignExport,
    url: str,
    key: str,
    *,
    verify_tls: bool = True,
    timeout: float = 30.0,
) -> str:
    """Send the event to a MISP server (POST /events/add); return the new event's id.

    Raises ExportError with the server's reason, or the connection error, in words.
    """
    import requests

    if not url.lower().startswith(("https://", "http://")):
        raise ExportError(f"MISP URL must start with https:// (got {url!r})")
    if not key:
        raise ExportError("no MISP API key: set the environment variable named by --key-env")
    body = event_json(export)
    endpoint = url.rstrip("/") + "/events/add"
    headers = {
        "Authorization": key,
        "Accept": "application/json",
        "Content-Type": "application/json",
        "User-Agent": "mailward",
    }
    try:
        response = requests.post(  # network-ok: operator-configured MISP push
            endpoint, data=body.encode("utf-8"), headers=headers, timeout=timeout, verify=verify_tls
        )
    except requests.exceptions.SSLError as exc:
        raise ExportError(f"cannot push to MISP at {url}: TLS error ({exc.__class__.__name__}); check the certificate") from None
    except requests.exceptions.RequestException as exc:
        reason = str(exc.__class__.__name__)
        inner = getattr(exc, "args", ())
        detail = str(inner[0]) if inner else ""
        raise ExportError(f"cannot push to MISP at {url}: {reason} {detail}".strip()) from None
    try:
        reply = response.json()
    except ValueError:
        reply = None
    if response.status_code in (401, 403):
        raise ExportError(f"MISP at {url} refused the API key (HTTP {response.status_code})")
    if response.status_code >= 400 or not isinstance(reply, dict) or "Event" not in reply:
        message = ""
        if isinstance(reply, dict):
            message = str(reply.get("message") or reply.get("errors") or reply.get("name") or "")
        raise ExportError(
            f"MISP at {url} did not accept the event (HTTP {response.status_code})"
            + (f": {message}" if message else "")
        )
    return str(reply["Event"].get("id", "") or reply["Event"].get("uuid", ""))
