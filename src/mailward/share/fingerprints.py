"""Campaign fingerprints: let a peer find the same campaign in its own store without
learning who was targeted or what the messages said.

``mailward export fingerprints CAMPAIGN`` writes a STIX 2.1 bundle holding only:

* **sender infrastructure**: the sending addresses, their domains (not free-mail or
  email-service domains) and the sending servers' IPs, as standard STIX patterns; an IP
  only when no stored message outside the campaign has it (shared sending servers would
  make the peer match unrelated mail too);
* **tracker hosts**: the hosts the campaign's beacons load from (not a known mailing
  service's, not a host this organisation's ordinary mail also uses);
* **hashed, token-stripped URL templates**: SHA-256 of each beacon URL with the
  per-recipient token, any segment holding an address and every query value blanked
  (``t.example/o/{}/open.gif?u={}``), left out when ordinary mail has the same one;
* **body sketches**: 64-value MinHash sketches of the token-stripped body (word
  3-grams after links, addresses, numbers and the reader's names are removed), at most
  ``MAX_SKETCHES``, near-duplicates kept once.

The last two are STIX indicators with ``pattern_type`` ``mailward-fingerprint`` and a
pattern ``url-template = '<sha256>'`` or ``body-minhash = '<base64>'``: STIX has no
object for them, and its pattern-type vocabulary is open. ``mailward intel import``
reads them, and the retro-match matches them against the peer's stored facts.

Before writing, the bundle text is checked: it must contain none of the campaign's
recipient addresses (nor their local parts), subjects or beacon tokens.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import stix2
from sqlalchemy import select

from mailward.share import msgfacts
from mailward.share.campaign import CampaignExport, ExportError, ShareSettings, load_export
from mailward.share.stix import IDENTITY_CREATED, _Ids, _quote, tlp_marking

PATTERN_TYPE = "mailward-fingerprint"
MAX_SKETCHES = 20
DUPLICATE_SKETCH = 0.9  # a sketch this close to one already shared adds nothing


@dataclass
class Fingerprint:
    export: CampaignExport
    senders: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)
    trackers: list[str] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)  # SHA-256 hex
    sketches: list[str] = field(default_factory=list)  # base64
    secrets: list[str] = field(default_factory=list)  # what must never appear (checked, not written)

    def counts(self) -> dict[str, int]:
        return {"sender_infrastructure": len(self.senders), "tracker_hosts": len(self.trackers),
                "url_templates": len(self.templates), "body_sketches": len(self.sketches)}


def _common_facts(store: Any, kind: str, values: Sequence[str]) -> set[str]:
    """Values of ``kind`` that ordinary (clean or tracking) mail in this store also has."""
    from mailward.store.models import MessageFactRow, MessageRow

    if not values:
        return set()
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(MessageFactRow.value).distinct()
            .join(MessageRow, MessageRow.id == MessageFactRow.message_pk)
            .where(MessageFactRow.kind == kind, MessageFactRow.value.in_(list(values)), MessageRow.verdict_rank < 2)
        )
        return {str(r[0]) for r in rows}


def _facts_outside(store: Any, kind: str, values: Sequence[str], campaign_pks: Sequence[int]) -> set[str]:
    """Values of ``kind`` that stored messages outside the campaign also have (any verdict)."""
    from mailward.store.models import MessageFactRow

    if not values:
        return set()
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(MessageFactRow.value).distinct()
            .where(MessageFactRow.kind == kind, MessageFactRow.value.in_(list(values)),
                   MessageFactRow.message_pk.not_in(list(campaign_pks)))
        )
        return {str(r[0]) for r in rows}


def _minhashes(store: Any, pks: Sequence[int]) -> list[bytes]:
    from mailward.store.models import MessageRow

    with store.engine.connect() as conn:
        rows = conn.execute(select(MessageRow.minhash).where(MessageRow.id.in_(list(pks))).order_by(MessageRow.id))
        return [bytes(r[0]) for r in rows if r[0]]


def build_fingerprint(store: Any, ident: str, settings: ShareSettings, *, roster: Sequence[Any] = ()) -> Fingerprint:
    settings = dataclasses.replace(settings, include_targets=False)
    export = load_export(store, ident, settings, roster=roster)
    campaign = store.campaign(export.id)
    messages = store.campaign_messages(export.id)
    found = Fingerprint(export)
    secrets: set[str] = set()
    secrets.update(a.lower() for a in campaign.targets)
    for m in messages:
        if m.subject.strip():
            secrets.add(m.subject.strip().lower())
        secrets.update(r.lower() for r in m.recipients)
    for person in roster:
        if any(a.lower() in secrets for a in person.addresses) and person.name:
            secrets.add(person.name.lower())
    beacon_hosts: dict[str, bool] = {}
    templates: dict[str, None] = {}
    for m in messages:
        for b in m.beacons:
            token = b.get("token") if isinstance(b.get("token"), dict) else None
            value = str(token.get("value", "")) if token else ""
            if len(value) >= 8:  # shorter strings turn up by chance in base64 sketches
                secrets.update({value.lower(), value.lower().replace("%40", "@")})
            url = str(b.get("url", ""))
            if not url.lower().startswith(("http://", "https://")):
                continue
            host = str(b.get("host", "")).lower()
            if host:
                beacon_hosts[host] = beacon_hosts.get(host, False) or bool(b.get("tracker"))
            tmpl = msgfacts.stripped_template(url, value)
            if tmpl and not any(s in tmpl.lower() for s in secrets):
                templates[msgfacts.template_hash(tmpl)] = None
    common_templates = _common_facts(store, "tmpl", list(templates))
    found.templates = sorted(t for t in templates if t not in common_templates)
    own_hosts = [h for h, service in beacon_hosts.items() if not service]
    common_hosts = _common_facts(store, "domain", own_hosts)
    found.trackers = sorted(h for h in own_hosts if h not in common_hosts)
    ips = [item.value for item in export.indicators if item.kind in ("ipv4", "ipv6")]
    shared_ips = _facts_outside(store, "ip", ips, campaign.message_ids)
    for item in export.indicators:
        if item.for_detection and item.kind in ("email", "domain", "ipv4", "ipv6") and item.value not in found.trackers:
            if item.value in shared_ips:
                continue  # a sending IP this store also saw outside the campaign: it would match other mail
            found.senders.append((item.kind, item.value))
    kept: list[bytes] = []
    for sketch in _minhashes(store, campaign.message_ids):
        if len(kept) >= MAX_SKETCHES:
            break
        if all(msgfacts.jaccard(sketch, other) < DUPLICATE_SKETCH for other in kept):
            kept.append(sketch)
    found.sketches = [msgfacts.sketch_text(s) for s in kept]
    found.secrets = sorted(s for s in secrets if len(s) >= 8)
    return found


def _pattern(kind: str, value: str) -> tuple[str, str]:
    """(pattern type, pattern) of one shared value."""
    if kind == "domain":
        return "stix", f"[domain-name:value = {_quote(value)}]"
    if kind == "email":
        return "stix", f"[email-addr:value = {_quote(value)}]"
    if kind in ("ipv4", "ipv6"):
        return "stix", f"[{kind}-addr:value = {_quote(value)}]"
    return PATTERN_TYPE, f"{kind} = {_quote(value)}"


def bundle(found: Fingerprint, *, now: dt.datetime | None = None) -> stix2.Bundle:
    export, settings = found.export, found.export.settings
    marking = tlp_marking(settings.tlp)
    ids = _Ids(settings.organisation)
    modified = now or dt.datetime.now(dt.UTC)
    created = min(export.first_seen, modified)
    producer = stix2.Identity(id=ids("identity", "producer"), created=min(IDENTITY_CREATED, modified),
                              modified=modified, name=settings.organisation, identity_class="organization",
                              object_marking_refs=[marking.id])
    common: dict[str, Any] = {"created_by_ref": producer.id, "object_marking_refs": [marking.id],
                              "created": created, "modified": modified}
    campaign = stix2.Campaign(
        id=ids("campaign", "fingerprint", export.id),
        name=f"mailward campaign fingerprint {export.id}",
        description="Fingerprint of an email campaign for finding it in another organisation's mail: sender "
        "infrastructure, tracker hosts, SHA-256 of token-stripped URL templates and MinHash sketches of "
        "token-stripped bodies (mailward-fingerprint patterns). No recipient, subject, body text or token.",
        first_seen=export.first_seen,
        external_references=[{"source_name": "mailward", "external_id": export.id}],
        confidence=export.confidence,
        **common,
    )
    objects: list[Any] = [producer, campaign]
    relationships: list[Any] = []
    items = ([(k, v, "sender infrastructure") for k, v in found.senders]
             + [("domain", h, "tracker host") for h in found.trackers]
             + [("url-template", t, "token-stripped URL template (SHA-256)") for t in found.templates]
             + [("body-minhash", s, "token-stripped body sketch (MinHash, 64 x uint32, base64)") for s in found.sketches])
    for kind, value, what in items:
        pattern_type, pattern = _pattern(kind, value)
        indicator = stix2.Indicator(
            id=ids("indicator", "fingerprint", export.id, pattern), name=f"{what} of campaign {export.id}",
            indicator_types=["malicious-activity"], pattern=pattern, pattern_type=pattern_type,
            valid_from=export.first_seen, confidence=export.confidence, **common,
        )
        objects.append(indicator)
        relationships.append(stix2.Relationship(indicator, "indicates", campaign,
                                                id=ids("relationship", indicator.id, "indicates", campaign.id), **common))
    return stix2.Bundle(objects=[*objects, *relationships, marking], id=ids("bundle", "fp", export.id, modified.isoformat()),
                        allow_custom=False)


def fingerprint_json(found: Fingerprint) -> str:
    """The bundle as JSON, parsed back by the stix2 library and checked for leaks."""
    text: str = bundle(found).serialize(pretty=True)
    stix2.parse(text, allow_custom=False)
    json.loads(text)
    lowered = text.lower()
    leaked = [s for s in found.secrets if s in lowered]
    if leaked:  # a bug, never a choice: refuse rather than share a target's data
        raise ExportError(f"fingerprint would reveal {len(leaked)} recipient, subject or token value(s); not written")
    return text
