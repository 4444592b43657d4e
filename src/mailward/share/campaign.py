"""What the exporters share about one campaign, and what they leave out.

``CampaignExport`` gathers a stored campaign, the subjects and sending IPs of its
messages, and the sharing settings. Unless targets are included on purpose, every
value that would name a target is dropped: recipient addresses, and URLs whose path
or query carries a recipient's address (per-recipient beacon tokens) are cut back to
their host and path, or dropped when the path itself carries it.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from mailward import domains
from mailward.errors import MailwardError
from mailward.identity.outlets import is_freemail
from mailward.share import indicator_values
from mailward.trackers import tracker_for_host

TLP_LEVELS = ("clear", "white", "green", "amber", "amber+strict", "red")

VERDICT_CONFIDENCE = {"malicious": 90, "phishing": 85, "recon": 80, "suspicious": 50}


class ExportError(MailwardError):
    """The campaign cannot be exported as asked. The message says why."""


@dataclass(frozen=True, slots=True)
class ShareSettings:
    organisation: str = "mailward user"
    tlp: str = "amber"
    include_targets: bool = False
    attribute_to: str = ""  # intrusion set / threat actor name an analyst attributes to
    misp_distribution: int = 0  # 0 = your organisation only

    @classmethod
    def from_config(cls, config: Any = None, **overrides: Any) -> ShareSettings:
        org: Mapping[str, Any] = config.section("organisation") if config is not None else {}
        share: Mapping[str, Any] = config.section("share") if config is not None else {}
        values: dict[str, Any] = {
            "organisation": str(org.get("name") or "mailward user"),
            "tlp": normalise_tlp(str(share.get("tlp", "amber"))),
            "misp_distribution": int(share.get("misp_distribution", 0)),
        }
        for key, value in overrides.items():
            if value is not None:
                values[key] = normalise_tlp(value) if key == "tlp" else value
        if values["misp_distribution"] not in range(0, 5):
            raise ExportError("[share] misp_distribution must be 0-4 (0 = your organisation only)")
        return cls(**values)


def normalise_tlp(value: str) -> str:
    text = value.strip().lower().removeprefix("tlp:").removeprefix("tlp-")
    if text not in TLP_LEVELS:
        raise ExportError(f"unknown TLP level {value!r}: use one of {', '.join(TLP_LEVELS)}")
    return text


@dataclass(frozen=True, slots=True)
class SharedIndicator:
    kind: str
    value: str
    role: str = ""  # "sender", "sending-ip", "shared-infrastructure", "" when not known
    prefix: bool = False  # a URL prefix (a per-recipient part was cut off), not a whole URL

    @property
    def for_detection(self) -> bool:
        """False for domains of free-mail providers and email services many others use."""
        return self.role != "shared-infrastructure"


def _shared_infrastructure() -> Callable[[str], bool]:
    """Free-mail providers and known email/tracking services: never blocked wholesale."""
    return lambda domain: is_freemail(domain) or tracker_for_host(domain) is not None


@dataclass(frozen=True)
class CampaignExport:
    """Everything an exporter needs, already filtered for sharing."""

    id: str
    name: str
    verdict: str
    first_seen: dt.datetime
    last_seen: dt.datetime | None
    message_count: int
    identities: tuple[str, ...]  # who the messages claimed to be
    indicators: tuple[SharedIndicator, ...]
    subjects: tuple[str, ...]
    attack: tuple[str, ...]
    settings: ShareSettings
    targets: tuple[tuple[str, str], ...] = ()  # (name, address), only with include_targets
    withheld: Mapping[str, int] = field(default_factory=dict)  # what was left out, by reason

    @property
    def confidence(self) -> int:
        return VERDICT_CONFIDENCE.get(self.verdict, 50)


def target_tokens(addresses: Iterable[str], names: Iterable[str] = ()) -> tuple[str, ...]:
    """Lower-case strings that would identify a target if they appeared in a shared value."""
    tokens: set[str] = set()
    for address in addresses:
        addr = address.strip().lower()
        if not addr:
            continue
        tokens.add(addr)
        tokens.add(quote(addr, safe="").lower())
        local = addr.partition("@")[0]
        if len(local) >= 4:
            tokens.add(local)
        raw = addr.encode()
        for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            text = encoded.decode().rstrip("=").lower()
            tokens.add(text)
    for person in names:
        name = person.strip().lower()
        if len(name) >= 4:
            tokens.add(name)
    return tuple(sorted(tokens))


def _mentions(value: str, tokens: Sequence[str]) -> bool:
    lowered = value.lower()
    return any(token in lowered for token in tokens)


def scrub_url(url: str, tokens: Sequence[str]) -> tuple[str, bool] | None:
    """The URL without what identifies a target, and whether it became a prefix.

    A query that names a target is dropped (``https://t.example/o.gif?e=jane%40...``
    -> prefix ``https://t.example/o.gif``); a path that names one is cut before the
    segment that does (``https://t.example/o/jane@parl.example/open.gif`` -> prefix
    ``https://t.example/o/``); None when nothing but the host would remain.
    """
    if not _mentions(url, tokens):
        return url, False
    parts = domains.split_url(url)
    origin = f"{parts.scheme}://{parts.host}" + (f":{parts.port}" if parts.port else "")
    bare = origin + parts.path
    if not _mentions(bare, tokens):
        return bare, True
    kept: list[str] = []
    for segment in parts.path.split("/")[1:]:
        if _mentions(segment, tokens):
            break
        kept.append(segment)
    if not any(kept):
        return None
    prefix = origin + "/" + "/".join(kept) + "/"
    return (prefix, True) if not _mentions(prefix, tokens) else None


def build_export(
    campaign: Any,
    messages: Sequence[Any],
    settings: ShareSettings,
    *,
    roster: Sequence[Any] = (),
) -> CampaignExport:
    """A stored ``Campaign`` (mailward.store) and its ``StoredMessage`` list, made shareable."""
    first_seen = campaign.first_seen or min(
        (m.date for m in messages if m.date is not None), default=None
    )
    if first_seen is None:
        first_seen = dt.datetime.now(dt.UTC)
    recipients = set(campaign.targets)
    for message in messages:
        recipients.update(message.recipients)
    people = {a.lower(): p for p in roster for a in p.addresses}
    target_names = [people[a.lower()].name for a in recipients if a.lower() in people]
    tokens = () if settings.include_targets else target_tokens(recipients, target_names)
    withheld: dict[str, int] = {}

    def withhold(reason: str) -> None:
        withheld[reason] = withheld.get(reason, 0) + 1

    shared = _shared_infrastructure()
    sending_ips = {ip for m in messages for ip in m.received_ips}
    senders = {s.lower() for s in campaign.senders}
    out: dict[tuple[str, str], SharedIndicator] = {}
    subjects: dict[str, None] = {}

    def add(kind: str, value: str) -> None:
        try:
            value = indicator_values.normalise(kind, value)
        except indicator_values.IndicatorError:
            withhold("invalid value")
            return
        if kind == "subject":
            if tokens and _mentions(value, tokens):
                withhold("subject names a target")
            else:
                subjects.setdefault(value, None)
            return
        prefix = False
        if tokens:
            if kind == "email" and value in recipients:
                withhold("target address")
                return
            if kind == "url":
                scrubbed = scrub_url(value, tokens)
                if scrubbed is None:
                    withhold("URL names a target")
                    return
                if scrubbed[1] and shared(domains.to_ascii(domains.split_url(scrubbed[0]).host)):
                    # without its per-recipient part a URL on an email service is that
                    # service's generic tracking path: useless and harmful to block
                    withhold("per-recipient URL on a shared service")
                    return
                if scrubbed[1]:
                    withhold("URL cut to a prefix (it named a target)")
                value, prefix = scrubbed
            elif _mentions(value, tokens):
                withhold(f"{kind} names a target")
                return
        role = ""
        if kind == "email" and value in senders:
            role = "sender"
        elif kind in ("ipv4", "ipv6") and value in sending_ips:
            role = "sending-ip"
        elif kind == "domain" and shared(value):
            role = "shared-infrastructure"
        out.setdefault((kind, value), SharedIndicator(kind, value, role, prefix))

    for item in campaign.indicators:
        add(str(item.get("kind", "")), str(item.get("value", "")))
    for sender in campaign.senders:
        add("email", sender)
    for message in messages:
        if message.subject:
            add("subject", message.subject)
    targets: tuple[tuple[str, str], ...] = ()
    if settings.include_targets:
        targets = tuple(
            sorted((people[a.lower()].name if a.lower() in people else "", a) for a in recipients)
        )
    techniques = tuple(t for t in dict.fromkeys(campaign.attack) if isinstance(t, str))
    return CampaignExport(
        id=campaign.id,
        name=campaign.name or f"campaign {campaign.id}",
        verdict=campaign.verdict,
        first_seen=first_seen,
        last_seen=campaign.last_seen,
        message_count=campaign.message_count,
        identities=tuple(campaign.identities),
        indicators=tuple(out.values()),
        subjects=tuple(subjects),
        attack=techniques,
        settings=settings,
        targets=targets,
        withheld=withheld,
    )


def load_export(store: Any, ident: str, settings: ShareSettings, *, roster: Sequence[Any] = ()) -> CampaignExport:
    """Read campaign ``ident`` (id or unique prefix) from the store and make it shareable."""
    campaign = store.campaign(ident)
    if campaign is None:
        raise ExportError(f"no campaign {ident!r} in the store (see `mailward campaigns`)")
    if getattr(campaign, "kind", "attack") != "attack":
        raise ExportError(
            f"{campaign.id} is a group of {campaign.kind} mail (e.g. a newsletter), not an attack "
            "campaign: its senders and links are not indicators to share"
        )
    messages = store.campaign_messages(campaign.id)
    return build_export(campaign, messages, settings, roster=roster)


def roster_from_config(config: Any) -> list[Any]:
    """The protected people listed in ``[[organisation.people]]`` (the hunt's roster)."""
    from mailward.config import ConfigError
    from mailward.hunt.roster import load_roster

    if config is None:
        return []
    try:
        return load_roster(config)
    except ConfigError as exc:
        raise ExportError(str(exc)) from None
