"""A campaign as a STIX 2.1 bundle, built with the ``stix2`` library.

The bundle holds: the producing organisation (identity), the campaign, one indicator
per shareable indicator (STIX patterning: domain-name, url, email-addr, ipv4-addr,
ipv6-addr, file hashes), the ATT&CK attack-patterns with their MITRE references,
relationships (indicator *indicates* campaign, campaign *uses* attack-pattern,
campaign *attributed-to* intrusion-set when an analyst names one, campaign
*targets* identity only with ``include_targets``), and a TLP marking on every object.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import stix2

from mailward.share import attack as _attack
from mailward.share.campaign import CampaignExport, ExportError, SharedIndicator

# STIX 2.1 defines TLP 1.0 marking definitions; TLP 2.0's CLEAR is TLP 1.0's WHITE.
_TLP = {
    "clear": stix2.TLP_WHITE,
    "white": stix2.TLP_WHITE,
    "green": stix2.TLP_GREEN,
    "amber": stix2.TLP_AMBER,
    "red": stix2.TLP_RED,
}


def tlp_marking(level: str) -> Any:
    marking = _TLP.get(level)
    if marking is None:
        raise ExportError(
            f"TLP {level!r} has no STIX 2.1 marking definition (STIX carries TLP 1.0): "
            "use red, amber, green or clear"
        )
    return marking


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pattern_for(indicator: SharedIndicator) -> str | None:
    """The STIX pattern matching this indicator, or None for kinds STIX patterns do not carry."""
    kind, value = indicator.kind, indicator.value
    if kind == "domain":
        return f"[domain-name:value = {_quote(value)}]"
    if kind == "url":
        if indicator.prefix:
            if "%" in value or "_" in value:
                return None  # LIKE would read them as wildcards
            return f"[url:value LIKE {_quote(value + '%')}]"
        return f"[url:value = {_quote(value)}]"
    if kind == "email":
        return f"[email-addr:value = {_quote(value)}]"
    if kind == "ipv4":
        return f"[ipv4-addr:value = {_quote(value)}]"
    if kind == "ipv6":
        return f"[ipv6-addr:value = {_quote(value)}]"
    if kind == "sha256":
        return f"[file:hashes.'SHA-256' = {_quote(value)}]"
    if kind == "sha1":
        return f"[file:hashes.'SHA-1' = {_quote(value)}]"
    if kind == "md5":
        return f"[file:hashes.MD5 = {_quote(value)}]"
    return None


_ROLE_WORDS = {"sender": "sending address", "sending-ip": "sending server"}
_KIND_WORDS = {
    "domain": "domain",
    "url": "URL",
    "email": "email address",
    "ipv4": "IP address",
    "ipv6": "IP address",
    "sha256": "file",
    "sha1": "file",
    "md5": "file",
}


# Object ids are name-based (UUIDv5 under a namespace per producing organisation), so
# exporting the same campaign again updates the objects a CERT already holds instead of
# duplicating them, and every export of one organisation has the same identity. STIX
# 2.1 recommends (SHOULD) UUIDv4 for SDOs; the validator notes this as a warning.
_NAMESPACE = uuid.UUID("6d1c1c3e-2b0a-5f4e-9a59-6d61696c7761")  # fixed: mailward's STIX namespace
IDENTITY_CREATED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


class _Ids:
    def __init__(self, organisation: str) -> None:
        self.namespace = uuid.uuid5(_NAMESPACE, "organisation:" + organisation.strip().lower())

    def __call__(self, stix_type: str, *key: str) -> str:
        return f"{stix_type}--{uuid.uuid5(self.namespace, stix_type + '|' + '|'.join(key))}"


def build_bundle(export: CampaignExport, *, now: dt.datetime | None = None) -> stix2.Bundle:
    settings = export.settings
    marking = tlp_marking(settings.tlp)
    markings = [marking.id]
    ids = _Ids(settings.organisation)
    modified = now or dt.datetime.now(dt.UTC)
    created = min(export.first_seen, modified)  # the campaign's objects exist since it began
    producer = stix2.Identity(
        id=ids("identity", "producer"),
        created=min(IDENTITY_CREATED, modified),
        modified=modified,
        name=settings.organisation,
        identity_class="organization",
        object_marking_refs=markings,
    )
    common: dict[str, Any] = {
        "created_by_ref": producer.id,
        "object_marking_refs": markings,
        "created": created,
        "modified": modified,
    }

    def relationship(source: Any, kind: str, target: Any) -> Any:
        return stix2.Relationship(
            source, kind, target, id=ids("relationship", source.id, kind, target.id), **common
        )

    campaign = _campaign(export, ids, common)
    objects: list[Any] = [producer, campaign]
    relationships: list[Any] = []
    for kind, target in _related(export, ids, common):
        objects.append(target)
        source, other = (target, campaign) if kind == "indicates" else (campaign, target)
        relationships.append(relationship(source, kind, other))
    return stix2.Bundle(
        objects=[*objects, *relationships, marking],
        id=ids("bundle", export.id, modified.isoformat()),
        allow_custom=False,
    )


def _campaign(export: CampaignExport, ids: _Ids, common: dict[str, Any]) -> Any:
    """The STIX Campaign: what was seen, in words, and when."""
    description = [f"Email campaign found by mailward; strongest verdict: {export.verdict or 'unknown'}."]
    if export.message_count:
        description.append(f"{export.message_count} messages.")
    if export.identities:
        description.append("Claimed to come from: " + "; ".join(export.identities) + ".")
    if export.subjects:
        description.append("Subjects: " + " | ".join(export.subjects[:20]) + ".")
    shared = [i.value for i in export.indicators if not i.for_detection]
    if shared:
        description.append("Also used shared services (not indicators): " + ", ".join(shared[:20]) + ".")
    campaign_args: dict[str, Any] = {
        "name": export.name,
        "description": " ".join(description),
        "first_seen": export.first_seen,
        "external_references": [{"source_name": "mailward", "external_id": export.id}],
        "confidence": export.confidence,
        **common,
    }
    if export.last_seen is not None and export.last_seen >= export.first_seen:
        campaign_args["last_seen"] = export.last_seen
    return stix2.Campaign(id=ids("campaign", export.id), **campaign_args)


def _related(export: CampaignExport, ids: _Ids, common: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(relationship kind, object) for the campaign's indicators, ATT&CK techniques,
    attribution and (when shared) targets, in that order."""
    settings = export.settings
    for item in export.indicators:
        pattern = pattern_for(item)
        if pattern is None or not item.for_detection:
            continue  # a free-mail or email-service domain would flag everyone's mail
        what = _ROLE_WORDS.get(item.role) or _KIND_WORDS.get(item.kind, item.kind)
        indicator = stix2.Indicator(
            id=ids("indicator", export.id, pattern),
            name=f"{what} of {export.name}: {item.value}"[:250],
            description=f"Seen in the email campaign {export.name!r} ({export.verdict or 'suspicious'}); "
            f"first seen {export.first_seen.date().isoformat()}.",
            indicator_types=["malicious-activity"],
            pattern=pattern,
            pattern_type="stix",
            valid_from=export.first_seen,
            confidence=export.confidence,
            **common,
        )
        yield "indicates", indicator
    for technique in export.attack:
        if not _attack.valid_id(technique):
            continue
        pattern_obj = stix2.AttackPattern(
            id=ids("attack-pattern", technique),
            name=_attack.name(technique),
            external_references=[
                {
                    "source_name": "mitre-attack",
                    "external_id": technique,
                    "url": _attack.url(technique),
                }
            ],
            **common,
        )
        yield "uses", pattern_obj
    if settings.attribute_to:
        intrusion_set = stix2.IntrusionSet(
            id=ids("intrusion-set", settings.attribute_to.strip().lower()), name=settings.attribute_to, **common
        )
        yield "attributed-to", intrusion_set
    if settings.include_targets:
        for person_name, address in export.targets:
            target = stix2.Identity(
                id=ids("identity", "target", address.lower()),
                name=person_name or address,
                identity_class="individual",
                contact_information=address,
                **common,
            )
            yield "targets", target




def bundle_json(export: CampaignExport) -> str:
    """The bundle as JSON text, checked by parsing it back with the stix2 library."""
    bundle = build_bundle(export)
    text: str = bundle.serialize(pretty=True)
    stix2.parse(text, allow_custom=False)
    json.loads(text)
    return text
