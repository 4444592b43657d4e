"""Brands and services as claimable identities, and the organisation's own IT services.

``data/brands.yaml`` lists brands that credential phishing and scams pretend to be
(identity providers, banks, payment services, delivery companies, tax offices,
telecoms, crypto exchanges, security vendors, retailers...). They are claimed the same
way as news outlets (display name, address local part, subject, signature): the outlet
claim machinery of ``claims.py`` runs over a second catalogue compiled from the brands,
so the outlet claims and the rules built on them are untouched.

The organisation's own services ("IT Service Desk", "Mail Administrator", "Digital
Service") are one more entity whose official domains are the organisation's own
(``[organisation] service_names`` in the configuration, with defaults).

``brand_in_host`` finds a brand written into someone else's host name
(``login.microsoftonline.com.evil.net``, ``paypal-secure-login.com``) and
``brand_in_path`` one written into a URL path (``evil.net/www.paypal.com/signin``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import ahocorasick_rs
import yaml

from mailward.domains import registrable, within
from mailward.identity.claims import RawClaim
from mailward.identity.outlets import (
    Catalogue,
    Entity,
    ReferenceDataError,
    _data_text,
    _default_brands,
    _slug,
    _str_tuple,
    compile_catalogue,
    outlet_data,
)
from mailward.identity.report import LOCAL_PART, LOGO, Claim
from mailward.identity.settings import IdentitySettings
from mailward.identity.text import fold
from mailward.yamlload import safe_load

BRAND = "brand"
OWN_SERVICE = "own-service"

KINDS = frozenset(
    "saas idp cloud-storage social email bank payment card delivery postal tax government telecom crypto "
    "security retailer marketplace streaming travel utility insurance gaming software".split()
)

# What a phishing mail calls the organisation's own IT when it pretends to be it.
DEFAULT_SERVICE_NAMES = (
    "IT Service Desk", "Service Desk", "IT Help Desk", "IT Helpdesk", "Help Desk Support", "IT Support",
    "IT Support Team", "IT Department", "IT Services", "IT Security", "IT Security Team", "IT Admin",
    "System Administrator", "Systems Administrator", "Sys Admin", "Mail Administrator", "Email Administrator",
    "E-mail Administrator", "Mailbox Administrator", "Mail Admin", "Email Admin", "Webmail Administrator",
    "Webmail Admin", "Webmail Support", "Webmail Team", "Email Support", "Mail Support", "Mail Server Admin",
    "Email Security", "Email Security Team", "Mail Quota", "Mailbox Quota", "Email Quarantine",
    "Quarantine Notification", "Spam Quarantine", "Account Services", "Accounts Team", "Digital Service",
    "Digital Services", "Digital Workplace", "Password Services", "Password Expiry", "Password Reset Team",
    "Security Operations", "Technical Support", "Tech Support", "Administrator Team", "Admin Team",
    "Helpdesk", "Servicedesk", "Service Desk Team", "Postmaster Team", "Domain Administrator",
    "Server Administrator", "Mail Delivery Notification", "Voicemail Service", "Voice Mail Service",
    "Fax Service", "eFax Notification", "Document Share Service", "HR Department", "Human Resources",
    "Payroll Department", "Payroll Team",
)

# Words that make a local part a service address rather than a person's
# ("paypal-service", "microsoft.noreply", "appleid.security").
_SERVICE_WORDS = frozenset(
    """no reply noreply donotreply do not dont service services support secure security account accounts
    info information team alert alerts update updates notification notifications notify notice notices mail
    email admin administrator help helpdesk verify verification online billing invoice invoices payment
    payments customer customers care client clients center centre official auth login signin web app portal
    id system systems message messages msg member members contact hello official mailer news hq desk
    delivery tracking track shipment ship parcel order orders store shop rewards reward promo promotions
    offer offers claim refund refunds tax wallet pay user users service-desk""".split()
)

# Words glued to a brand in an attacker's host name ("paypal-secure", "secureapple").
_HOST_WORDS = (
    "secure", "security", "login", "signin", "verify", "verification", "account", "accounts", "update",
    "support", "service", "services", "online", "help", "auth", "mail", "web", "app", "portal", "alert",
    "billing", "pay", "payment", "center", "centre", "team", "official", "my", "care", "customer", "client",
    "info", "id", "access", "unlock", "recovery", "restore", "confirm", "validate", "notice", "wallet",
    "office", "docs", "file", "files", "share", "drive", "cloud", "sso", "owa", "webmail", "reset", "com",
    "net", "org", "www", "online", "live", "365", "us", "uk", "eu", "br", "tracking", "track", "delivery",
    "parcel", "refund", "tax", "gov", "bank", "banking", "ib", "net", "e", "i", "m",
)


# Second-level suffixes that anyone can register under (sold like domains, listed as
# private suffixes): a brand's name under one of them is not the brand's own domain.
OPEN_SUFFIXES = frozenset(
    "sa.com ru.com it.com us.com uk.com eu.com de.com br.com cn.com jpn.com za.com gb.net uk.net se.net in.net "
    "us.org ae.org gr.com hu.net jp.net mex.com kr.com no.com qc.com".split()
)


@dataclass(frozen=True, slots=True)
class BrandData:
    brands: tuple[Entity, ...]
    kinds: Mapping[str, str]  # entity id -> brand kind (bank, saas, ...)
    common_labels: frozenset[str]


def parse_brands(text: str, origin: str = "brands.yaml") -> BrandData:
    try:
        loaded = safe_load(text)
    except yaml.YAMLError as exc:
        raise ReferenceDataError(f"{origin}: invalid YAML: {exc}") from None
    if not isinstance(loaded, Mapping) or not isinstance(loaded.get("brands"), list):
        raise ReferenceDataError(f"{origin}: expected a mapping with a 'brands' list")
    common = frozenset(_str_tuple(loaded.get("common_labels"), f"{origin}: common_labels")) | outlet_data().common_labels
    entities: list[Entity] = []
    kinds: dict[str, str] = {}
    for i, entry in enumerate(loaded["brands"]):
        where = f"{origin}: brands[{i}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise ReferenceDataError(f"{where} needs a name")
        name = str(entry["name"])
        kind = entry.get("kind")
        if kind not in KINDS:
            raise ReferenceDataError(f"{where} ({name}): kind must be one of {', '.join(sorted(KINDS))}")
        domains = tuple(d.lower() for d in _str_tuple(entry.get("domains"), f"{where} ({name}) domains"))
        if not domains:
            raise ReferenceDataError(f"{where} ({name}) has no domains")
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            raise ReferenceDataError(f"{where} ({name}) has no source note")
        ident = "brand:" + str(entry.get("id") or _slug(name))
        if ident in kinds:
            raise ReferenceDataError(f"{where} ({name}): duplicate id {ident!r}")
        aliases = _str_tuple(entry.get("aliases"), f"{where} aliases")
        short = list(_str_tuple(entry.get("short"), f"{where} short"))
        # very short aliases ("SSA", "CMS", "DUO") are whole segments only
        short.extend(a for a in aliases if len(fold(a).replace(" ", "")) <= 4)
        brands = _str_tuple(entry.get("brands"), f"{where} brands") or tuple(_default_brands(domains, common))
        kinds[ident] = str(kind)
        entities.append(
            Entity(
                id=ident,
                name=name,
                kind=BRAND,
                aliases=tuple(a for a in aliases if a not in short),
                short=tuple(dict.fromkeys(short)),
                domains=domains,
                brands=tuple(b.lower() for b in brands),
                country=str(entry.get("country", "")),
                source=source.strip(),
            )
        )
    return BrandData(tuple(entities), kinds, common)


@lru_cache(maxsize=1)
def brand_data() -> BrandData:
    return parse_brands(_data_text("brands.yaml"))


def service_entity(settings: IdentitySettings) -> Entity:
    names = settings.service_names or DEFAULT_SERVICE_NAMES
    who = settings.organisation or (settings.domains[0] if settings.domains else "")
    return Entity(
        id="own-service",
        name=f"{who} IT services" if who else "this organisation's IT services",
        kind=OWN_SERVICE,
        aliases=tuple(n for n in names if len(fold(n)) >= 6),
        short=tuple(n for n in names if 0 < len(fold(n)) < 6),
        domains=settings.domains,
        brands=(),
        source="configuration [organisation] service_names",
    )


# Words a display name adds after a brand's name when it poses as the brand's service:
# "IRS Tax Report", "Netflix Support Team", "Receita Federal Atendimento", "PayPal Kundenservice".
# Stripped from the end of a display-name segment only (never from a signature line), so
# the name before them is matched as a whole segment, as the short names must be.
_BRAND_TRAILING = frozenset(
    """support service services customer customers care team security account accounts billing payment
    payments notification notifications notice notices alert alerts help helpdesk desk center centre tax
    taxes refund refunds activation verification verify official protocol protocolo atendimento suporte
    seguranca conta cliente clientes servico servicos kundenservice kundendienst sicherheit konto
    klantenservice beveiliging servicio soporte atencion seguridad assistance securite compte
    government gov governo gobierno gouvernement regierung feedback klantfeedback kundenfeedback promo
    es de fr it nl br pt mx ar be ch at pl ca au""".split()  # the last are country codes: "UPS-ES"
)
# Words a display name puts before a brand's name: "Mijn CM", "Portal BB", "Conta Microsoft".
_BRAND_LEADING = frozenset(
    """my mein meine mijn minha meu mon ma mi mis sua seu your ihr uw votre su tu conta konto compte
    cuenta portal""".split()
)


@lru_cache(maxsize=8)
def brand_catalogue(settings: IdentitySettings) -> Catalogue:
    data = brand_data()
    entities = [*data.brands, service_entity(settings)]
    return replace(compile_catalogue(entities, (), None, frozenset()), trailing_words=_BRAND_TRAILING,
                   leading_words=_BRAND_LEADING)


def brand_kind(entity_id: str) -> str:
    if entity_id == "own-service":
        return OWN_SERVICE
    return brand_data().kinds.get(entity_id, "")


# -- claims ----------------------------------------------------------------------------


def judge_brand_claims(message: Any, settings: IdentitySettings, sending: Any, auth: Any) -> tuple[Claim, ...]:
    """Brand and own-service claims of ``message``, judged against the sending identity."""
    from mailward.identity.analyse import _judge, _merge
    from mailward.identity.claims import find_claims

    cat = brand_catalogue(settings)
    raw = [c for c in find_claims(message, cat) if c.where != LOCAL_PART or _local_part_ok(c.matched)]
    raw.extend(_logo_claims(message, cat))
    raw.extend(_copyright_claims(message, cat))
    raw.extend(_disguised_name_claims(message, cat))
    out = []
    for claim in _merge(raw):
        judged = _judge(claim, cat, sending, auth, settings)
        entity = cat.entities[claim.index]
        out.append(replace(judged, kind=entity.kind, person=""))
    order = {"display-name": 0, "local-part": 1, "subject": 2, "signature": 3, LOGO: 4}
    return tuple(sorted(out, key=lambda c: (c.holds, order.get(c.where, 9))))


MAX_LOGOS = 20


def _logo_claims(message: Any, cat: Catalogue) -> list[RawClaim]:
    """Brands named by the alt text of an image (a logo): "Microsoft", "DHL Express"."""
    from mailward.identity.claims import _display_name_claims

    out: list[RawClaim] = []
    seen: set[str] = set()
    for resource in message.resources:
        alt = resource.alt.strip() if resource.alt else ""
        if not alt or len(alt) > 60 or alt in seen or resource.kind != "img":
            continue
        seen.add(alt)
        out.extend(replace(c, where=LOGO) for c in _display_name_claims(alt, cat) if c.target == "entity")
        if len(seen) >= MAX_LOGOS:
            break
    return out


# A copyright line of the footer names who the message says it is from: "© FedEx 2026.
# Alle rechten voorbehouden.", "Copyright © 2024 PayPal, Inc.", "Google Cloud Support Team
# © 2026". Bounded pieces, no nested repetition: linear on any line.
_YEAR = r"(?:19|20)\d\d(?:\s?[-–]\s?(?:19|20)\d\d)?"
_COPYRIGHT_FIRST = re.compile(
    r"^(?:©|\(c\)|copyright\b)\s{0,3}(?:©\s{0,3}|\(c\)\s{0,3})?(?:" + _YEAR + r"\s{0,3},?\s{0,3})?"
    r"(?P<name>[^\s.,;:|©()\d][^.,;:|©()]{1,59}?)\s{0,3}(?:,?\s{0,3}" + _YEAR + r")?\s{0,3}(?:[.,;:|]|$)",
    re.IGNORECASE)
_COPYRIGHT_LAST = re.compile(r"^(?P<name>[^\s.,;:|©()\d][^.,;:|©()]{1,59}?)\s{0,3}(?:©|\(c\))\s{0,3}" + _YEAR + r"\.?$",
                             re.IGNORECASE)
# whether an HTML text may hold a copyright sign at all (its entities too)
_COPYRIGHT_HINT = re.compile(r"©|&copy;|&#0*169;|&#x0*a9;|\(c\)|copyright", re.IGNORECASE)


def copyright_name(line: str) -> str:
    """The name a footer's copyright line states ('' when ``line`` is not one)."""
    if len(line) > 200:
        return ""
    lower = line.lower()
    if "©" not in line and "(c)" not in lower and "copyright" not in lower:
        return ""
    found = _COPYRIGHT_FIRST.match(line) or _COPYRIGHT_LAST.match(line)
    return found.group("name").strip() if found else ""


def _copyright_claims(message: Any, cat: Catalogue) -> list[RawClaim]:
    """Brands named by a copyright line among the signature lines, as signature claims."""
    from mailward.identity.claims import (
        SIGNATURE_LINES,
        _display_name_claims,
        html_tail_of,
        signature_lines,
    )
    from mailward.identity.report import SIGNATURE

    lines = signature_lines(message)
    # The signature lines come from the plain text when there is one; a footer's
    # copyright line is often only in the HTML ("See the HTML version of this message").
    if message.text_parts and message.html_parts and _COPYRIGHT_HINT.search(message.html_parts[0].text[-12_000:]):
        tail = [line.strip() for line in html_tail_of(message)[-6_000:].splitlines() if line.strip()]
        lines = [*lines, *tail[-SIGNATURE_LINES:]]
    out: list[RawClaim] = []
    for line in lines:
        name = copyright_name(line)
        if name:
            out.extend(replace(c, where=SIGNATURE, matched=line[:120]) for c in _display_name_claims(name, cat)
                       if c.target == "entity")
    return out


# Letters swapped for their look-alike of the other case: "lRS" (l for I), "PayPaI",
# "MlCROSOFT" (I for l). Unicode look-alikes (Cyrillic "а") are folded by text.fold.
_L_FOR_I = re.compile(r"(?<![a-z])l(?=[A-Z]{2})|(?<=[A-Z])l(?=[A-Z])|(?<=[A-Z]{2})l(?![a-z])")
_I_FOR_L = re.compile(r"(?<=[a-z])I+(?![A-Z])|(?<=\b[A-Z])I(?=[a-z]{2})")
_SCOTTISH = re.compile(r"\bMa?cI")  # McIntyre, MacIver: a real capital I


def unmask_case(text: str) -> str:
    """``text`` with look-alike letters of the other case put back ("lRS" -> "IRS",
    "PayPaI" -> "Paypal"), or ``text`` itself when it has none."""
    if "l" not in text and "I" not in text:
        return text
    text = _L_FOR_I.sub("I", text)
    if "I" in text and not _SCOTTISH.search(text):
        text = _I_FOR_L.sub(lambda m: "l" * len(m.group(0)), text)
    return text


def _disguised_name_claims(message: Any, cat: Catalogue) -> list[RawClaim]:
    """Brand claims of a From display name that only shows once its case disguise is
    undone ("lRS" for IRS): whole-segment names are matched exactly, so the disguise
    would hide them."""
    from mailward.identity.claims import _display_name_claims

    out: list[RawClaim] = []
    for address in message.from_[:1]:
        name = address.display_name or ""
        unmasked = unmask_case(name)
        if unmasked != name:
            out.extend(c for c in _display_name_claims(unmasked, cat) if c.target == "entity")
    return out


_LOCAL_TOKENS = re.compile(r"[._+\-]+")


def _local_part_ok(local: str) -> bool:
    """A brand in the local part counts when the rest is service words ("paypal.service",
    "microsoft-noreply"), not a person's name ("john.norton")."""
    tokens = [re.sub(r"\d+", "", t) for t in _LOCAL_TOKENS.split(local.lower()) if t]
    tokens = [t for t in tokens if t]
    if len(tokens) <= 1:
        return True
    others = [t for t in tokens if t not in _SERVICE_WORDS]
    return len(others) <= 1


# -- brands written into host names and paths ---------------------------------------


@dataclass(frozen=True)
class HostMatcher:
    automaton: ahocorasick_rs.AhoCorasick
    patterns: tuple[str, ...]
    owners: tuple[int, ...]  # entity index per pattern
    is_domain: tuple[bool, ...]  # pattern is an official domain (subdomain trick) or a brand token
    entities: tuple[Entity, ...]
    official: Mapping[str, int]  # official registrable domain -> entity index
    official_labels: frozenset[str]  # labels of official registrable domains (yahoo of yahoo.com.au)


@lru_cache(maxsize=1)
def host_matcher() -> HostMatcher:
    data = brand_data()
    outlets = outlet_data()
    patterns: dict[str, tuple[int, bool]] = {}
    official: dict[str, int] = {}
    for index, entity in enumerate(data.brands):
        for domain in entity.domains:
            official.setdefault(domain, index)
            reg = registrable(domain) or domain
            label = reg.split(".", 1)[0]
            if len(label) >= 4 and "." in reg:
                patterns.setdefault(reg + ".", (index, True))
        tokens = list(entity.brands)
        first = (registrable(entity.domains[0]) or entity.domains[0]).split(".", 1)[0]
        if 3 <= len(first) <= 4:
            tokens.append(first)  # "dhl", "usps", "hmrc": only as a whole label or hyphen part
        for token in tokens:
            if (len(token) >= 5 or 3 <= len(token) <= 4) and token not in data.common_labels and token.isascii():
                patterns.setdefault(token, (index, False))
    for domain in outlets.not_lookalikes:
        official.setdefault(domain, -1)
    labels = frozenset((registrable(d) or d).split(".", 1)[0] for d in official if len((registrable(d) or d).split(".", 1)[0]) >= 4)
    keys = tuple(patterns)
    return HostMatcher(
        automaton=ahocorasick_rs.AhoCorasick(list(keys), matchkind=ahocorasick_rs.MatchKind.Standard),
        patterns=keys,
        owners=tuple(patterns[k][0] for k in keys),
        is_domain=tuple(patterns[k][1] for k in keys),
        entities=data.brands,
        official=official,
        official_labels=labels,
    )


def _bounded(host: str, start: int, end: int, token: str) -> bool:
    """The brand token stands on its own in the host: a whole label or hyphen part, or
    glued to an attacker's word ("secure" + "paypal"), or long enough to be distinctive."""
    label_start = max(host.rfind(".", 0, start), host.rfind("-", 0, start)) + 1
    dot = [i for i in (host.find(".", end), host.find("-", end)) if i >= 0]
    label_end = min(dot) if dot else len(host)
    before, after = host[label_start:start], host[end:label_end]
    if not before and not after:
        return True
    if len(token) <= 4:
        return False
    if len(token) >= 8:
        return True
    rest = (before + after).strip("0123456789")
    return rest in _HOST_WORDS or (not before and after in _HOST_WORDS) or (not after and before in _HOST_WORDS)


@lru_cache(maxsize=8192)
def brand_in_host(host: str) -> str:
    """Name of a brand written into ``host`` when ``host`` is not the brand's, else ''."""
    found = _brand_match(host.lower().strip("."))
    return found[0] if found else ""


# A brand glued to one of these in a sender's own domain is how brands name their
# mail domains (ryanairmail.com, "brand" + "news"), not an attacker's disguise.
_MAIL_DOMAIN_WORDS = frozenset({"mail", "email", "mailer", "mailing", "news", "newsletter", "info", "mails"})


@lru_cache(maxsize=8192)
def brand_in_sender_domain(domain: str) -> str:
    """``brand_in_host`` for a From domain, less the readings that real senders' domains
    give: a short brand name (3-4 letters) that is the whole registered name
    (usa.net, gmx.co.uk: other companies or the brand under another suffix) and a brand
    glued, without a hyphen, to a mail word (ryanairmail.com)."""
    domain = domain.lower().strip(".")
    found = _brand_match(domain)
    if not found:
        return ""
    name, start, end, is_domain = found
    if is_domain:
        return name
    reg = registrable(domain)
    label_start = len(domain) - len(reg)
    label = reg.split(".", 1)[0]
    if start == label_start and end == label_start + len(label) and len(label) <= 4:
        return ""
    if label_start <= start and end <= label_start + len(label):
        rest = (label[: start - label_start] + label[end - label_start:]).strip("0123456789")
        if rest in _MAIL_DOMAIN_WORDS:  # glued, not hyphenated: amazon-mail.com still counts
            return ""
    return name


def _brand_match(host: str) -> tuple[str, int, int, bool] | None:
    """(brand name, start, end, matched an official domain) of the first brand written
    into ``host`` when ``host`` is not the brand's."""
    if not host or "." not in host:
        return None
    m = host_matcher()
    reg = registrable(host)
    if not reg or within(host, m.official) or within(reg, m.official):
        return None
    label, _, suffix = reg.partition(".")
    if label in m.official_labels and suffix not in OPEN_SUFFIXES:
        return None  # the brand's own domain under another suffix: yahoo.com.au, amazon.co.jp
    suffix_start = len(host) - len(reg.split(".", 1)[1]) if "." in reg else len(host)
    for pattern_index, start, end in m.automaton.find_matches_as_indexes(host, overlapping=True):
        if end > suffix_start:
            continue  # inside the public suffix (web.app, co.uk): not the owner's choice
        pattern = m.patterns[pattern_index]
        name = m.entities[m.owners[pattern_index]].name
        if m.is_domain[pattern_index]:
            # an official domain followed by more labels: login.microsoftonline.com.evil.net
            if start == 0 or host[start - 1] in ".-":
                return name, start, end, True
            continue
        if _bounded(host, start, end, pattern):
            return name, start, end, False
    return None


_PATH_SPLIT = re.compile(r"[/._\-?=&%+]+")


def brand_in_path(host: str, path: str) -> str:
    """Name of a brand whose official domain, or whose distinctive name as a whole path
    segment, appears in the path of a link to someone else's host."""
    if not path or len(path) < 5:
        return ""
    m = host_matcher()
    reg = registrable(host.lower())
    if reg and within(reg, m.official):
        return ""
    lowered = path[:500].lower()
    for pattern_index, start, _end in m.automaton.find_matches_as_indexes(lowered, overlapping=True):
        pattern = m.patterns[pattern_index]
        entity = m.entities[m.owners[pattern_index]]
        if reg and within(reg, entity.domain_set):
            continue
        if m.is_domain[pattern_index]:
            if start == 0 or lowered[start - 1] in "/.=-_":
                return entity.name
            continue
        segments = set(_PATH_SPLIT.split(lowered))
        if pattern in segments:
            return entity.name
    return ""
