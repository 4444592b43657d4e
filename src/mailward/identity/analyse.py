"""``analyse_identity``: claims, sending identities, authentication and first contact,
put together into one ``IdentityReport`` with plain-words explanations."""

from __future__ import annotations

import functools
import re

from mailward.domains import domain_of, site, split_registrable, to_unicode, within
from mailward.identity import report as r
from mailward.identity.auth import Resolver, analyse_auth, live_auth
from mailward.identity.brands import (
    brand_catalogue,
    brand_in_sender_domain,
    host_matcher,
    judge_brand_claims,
)
from mailward.identity.claims import RawClaim, find_claims
from mailward.identity.history import SenderHistory, first_contact
from mailward.identity.lookalike import LookalikeMatch, lookalike_index, lookalike_of
from mailward.identity.outlets import Catalogue, catalogue, freemail_domains, is_freemail
from mailward.identity.report import AuthSummary, Claim, IdentityReport, SendingIdentity
from mailward.identity.settings import IdentitySettings
from mailward.model import Message

_ADDRESS = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8}")
_WHERE_WORDS = {
    r.DISPLAY_NAME: "display name",
    r.LOCAL_PART: "address",
    r.SUBJECT: "subject",
    r.SIGNATURE: "signature",
    r.LOGO: "logo alt text",
}
_ORDER = {r.DISPLAY_NAME: 0, r.LOCAL_PART: 1, r.SUBJECT: 2, r.SIGNATURE: 3, r.LOGO: 4}


def prepare(settings: IdentitySettings) -> None:
    """Load and index the reference data ``settings`` need (outlets, free-mail
    providers, the lookalike index) now, at start-up, instead of on the first message."""
    lookalike_index(settings)
    freemail_domains()
    brand_catalogue(settings)
    host_matcher()


def analyse_identity(
    message: Message,
    settings: IdentitySettings,
    history: SenderHistory | None = None,
    resolver: Resolver | None = None,
    *,
    raw: bytes | None = None,
) -> IdentityReport:
    """Who ``message`` claims to be and whether it holds up.

    Pure apart from ``history`` (read only) and ``resolver`` (used only when
    ``settings.live`` is on and the raw bytes are available: ``raw`` or
    ``message.extra["raw"]``).
    """
    cat = catalogue(settings)
    sending = _sending_identity(message, settings)
    auth = analyse_auth(message, settings.trusted_authserv_ids, sending.from_domain)
    raw_bytes = raw if raw is not None else message.extra.get("raw") if message.extra else None
    if settings.live and resolver is not None and isinstance(raw_bytes, bytes | bytearray):
        auth = live_auth(bytes(raw_bytes), message, resolver, sending.from_domain)
    if auth.dkim_domains or auth.spf_domain:
        from dataclasses import replace

        sending = replace(
            sending,
            dkim_pass_domains=auth.dkim_domains,
            spf_pass_domain=auth.spf_domain if auth.spf == "pass" else "",
        )
    claims = tuple(_judge(c, cat, sending, auth, settings) for c in _merge(find_claims(message, cat)))
    contact = first_contact(history, sending.from_addr, message.recipients)
    lookalike = bool(sending.from_lookalike or sending.reply_to_lookalike or any(c.lookalike for c in claims))
    claim_fails = any(not c.holds for c in claims)
    brand_claims = judge_brand_claims(message, settings, sending, auth)
    return IdentityReport(
        claims=claims,
        sending=sending,
        auth=auth,
        first_contact=contact,
        explanations=tuple(_explain(claims, sending, auth, contact)),
        claims_outlet=any(c.kind in (r.OUTLET, r.JOURNALIST) for c in claims),
        claims_organisation=any(c.kind == r.ORGANISATION for c in claims),
        claims_person=any(c.kind == r.PROTECTED_PERSON for c in claims),
        claims_journalist=any(c.kind == r.JOURNALIST for c in claims),
        claim_fails=claim_fails,
        lookalike=lookalike,
        impersonation=claim_fails or lookalike or sending.display_name_address_mismatch,
        brand_claims=brand_claims,
        sender_brand=brand_in_sender_domain(sending.from_domain) if sending.from_domain else "",
        sender_official=_official_owner(sending.from_domain, settings),
    )


def _official_owner(domain: str, settings: IdentitySettings) -> str:
    """The brand whose official domain ``domain`` is (or is under), else ''."""
    entity = brand_catalogue(settings).entity_for_domain(domain) if domain else None
    return entity.name if entity is not None and entity.id != "own-service" else ""


# -- sending identity ----------------------------------------------------------------


def _sending_identity(message: Message, settings: IdentitySettings) -> SendingIdentity:
    author = message.sender_address
    from_addr = author.addr.lower() if author else ""
    from_domain = to_unicode(author.domain) if author and author.domain else ""
    from_reg = ((author.registrable if author else "") or site(from_domain)) if from_domain else ""
    display = author.display_name if author else ""
    embedded = ""
    mismatch = False
    for found in _ADDRESS.findall(display or ""):
        embedded = found.lower()
        other_domain = site(domain_of(embedded)) != from_reg
        if embedded != from_addr and embedded != (author.addr_ascii.lower() if author else "") and other_domain:
            mismatch = True
            break
    reply_to = tuple(a.addr.lower() for a in message.reply_to if a.addr)
    reply_domains = tuple(dict.fromkeys(to_unicode(a.domain) for a in message.reply_to if a.domain))
    from_free = bool(from_domain) and is_freemail(from_domain)
    other = any(site(d) != from_reg for d in reply_domains) if from_reg else False
    reply_free = any(is_freemail(d) for d in reply_domains) and not from_free
    # a free-mail sender whose replies go to another free-mail mailbox (gmail -> hotmail, or
    # a second gmail address): the sending account is disposable, the reply one is kept
    reply_free_other = from_free and any(
        a.addr and a.domain and is_freemail(to_unicode(a.domain)) and a.addr.lower() != from_addr
        for a in message.reply_to
    )
    reply_lookalike = None
    for d in reply_domains:
        if site(d) != from_reg:
            reply_lookalike = lookalike_of(d, settings)
            if reply_lookalike:
                break
    return SendingIdentity(
        from_addr=from_addr,
        from_domain=from_domain,
        from_registrable=from_reg,
        from_display=display,
        from_count=len(message.from_),
        sender_domain=to_unicode(message.sender.domain) if message.sender and message.sender.domain else "",
        return_path_domain=to_unicode(message.return_path.domain) if message.return_path and message.return_path.domain else "",
        reply_to=reply_to,
        reply_to_domains=reply_domains,
        from_free_mail=from_free,
        from_lookalike=lookalike_of(from_domain, settings) if from_domain else None,
        display_name_address=embedded,
        display_name_address_mismatch=mismatch,
        reply_to_other_domain=other,
        reply_to_free_mail=reply_free,
        reply_to_free_other=reply_free_other,
        reply_to_lookalike=reply_lookalike,
    )


# -- claims ---------------------------------------------------------------------------


def _merge(raw_claims: list[RawClaim]) -> list[RawClaim]:
    """One claim per identity: the most telling place it was found, journalist if any
    place named a role or a person."""
    best: dict[tuple[str, int], RawClaim] = {}
    role: dict[tuple[str, int], RawClaim] = {}
    for claim in raw_claims:
        key = (claim.target, claim.index)
        if key not in best or _ORDER[claim.where] < _ORDER[best[key].where]:
            best[key] = claim
        if claim.role or claim.person:
            role.setdefault(key, claim)
    merged = []
    for key, claim in best.items():
        if key in role and not (claim.role or claim.person):
            extra = role[key]
            claim = RawClaim(claim.target, claim.index, claim.where, claim.matched, True, extra.person, claim.fuzzy, extra.freelance)
        merged.append(claim)
    return merged


def _judge(raw: RawClaim, cat: Catalogue, sending: SendingIdentity, auth: AuthSummary, settings: IdentitySettings) -> Claim:
    fd = sending.from_domain
    if raw.target == "person":
        person = cat.people[raw.index]
        org_domains = frozenset(settings.domains)
        # the person's own addresses, or colleagues writing from the organisation's domains
        official_from = sending.from_addr in person.addresses or (bool(org_domains) and bool(within(fd, org_domains)))
        domains = tuple(dict.fromkeys([*(a.rpartition("@")[2] for a in person.addresses), *settings.domains]))
        kind, name, entity_id = r.PROTECTED_PERSON, person.name, f"person:{raw.index}"
    else:
        entity = cat.entities[raw.index]
        domains = entity.domains
        official_from = bool(within(fd, entity.domain_set))
        kind = r.ORGANISATION if entity.kind == "organisation" else (r.JOURNALIST if (raw.role or raw.person) else r.OUTLET)
        name, entity_id = entity.name, entity.id
    domain_set = frozenset(domains)
    official_dkim = any(within(d, domain_set) for d in auth.dkim_domains)
    lookalike: LookalikeMatch | None = None
    la = sending.from_lookalike
    # any imitated outlet or organisation domain undermines an outlet claim; a person's
    # claim is undermined by an imitation of the organisation's own domain
    if la is not None and (raw.target == "entity" or la.entity_kind == "organisation"):
        lookalike = la
    free = sending.from_free_mail
    if official_from:
        if auth.source == "none":
            status = r.UNVERIFIED
        elif auth.aligned or auth.dmarc == "pass":
            status = r.HOLDS
        else:
            status = r.SPOOFED
    elif lookalike is not None:
        status = r.LOOKALIKE
    elif free:
        status = r.FREE_MAIL
    else:
        status = r.UNRELATED
    label, _ = split_registrable(sending.from_registrable) if sending.from_registrable else ("", "")
    brands = () if raw.target == "person" else cat.entities[raw.index].brands
    contains_brand = not official_from and bool(label) and any(b in label for b in brands if len(b) >= 3)
    reply_elsewhere = any(not within(d, domain_set) for d in sending.reply_to_domains)
    return Claim(
        kind=kind,
        name=name,
        entity_id=entity_id,
        where=raw.where,
        matched=raw.matched,
        person=raw.person,
        fuzzy=raw.fuzzy,
        freelance=raw.freelance,
        status=status,
        holds=status in (r.HOLDS, r.UNVERIFIED),
        official_from=official_from,
        official_dkim=official_dkim,
        free_mail=free,
        lookalike=lookalike,
        contains_brand=contains_brand,
        reply_to_elsewhere=reply_elsewhere,
        official_domains=tuple(domains[:3]),
        official_sites=official_sites(tuple(domains)),
    )


@functools.lru_cache(maxsize=4096)
def official_sites(domains: tuple[str, ...]) -> tuple[str, ...]:
    """The registrable domains of an entity's ``domains``, in order, at most
    ``MAX_OFFICIAL_SITES`` (a link to any of them is a link to the entity's own site)."""
    return tuple(dict.fromkeys(site(d) or d for d in domains))[:MAX_OFFICIAL_SITES]


MAX_OFFICIAL_SITES = 64


# -- explanations ---------------------------------------------------------------------


def _a_domain_of(name: str) -> str:
    """"a Reuters domain", "a domain of The Guardian", "a domain of Associated Press"."""
    if name.lower().startswith("the ") or name[:1].lower() in "aeiou":
        return f"a domain of {name}"
    return f"a {name} domain"


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _auth_clause(auth: AuthSummary, claim_domains: frozenset[str]) -> str:
    if auth.source == "none":
        return "no trusted authentication result"
    if auth.dkim_domains:
        if not any(within(d, claim_domains) for d in auth.dkim_domains):
            return "DKIM passed only for " + ", ".join(auth.dkim_domains)
        return "DKIM passed for " + ", ".join(auth.dkim_domains)
    return f"no DKIM signature passed (SPF {auth.spf}, DMARC {auth.dmarc})"


def _explain(claims: tuple[Claim, ...], sending: SendingIdentity, auth: AuthSummary, contact: r.FirstContact) -> list[str]:
    out: list[str] = []
    fd = sending.from_domain or "an address without a domain"
    for claim in claims:
        if claim.holds:
            continue
        who = claim.name if claim.kind != r.JOURNALIST else f"a journalist at {claim.name}"
        if claim.person and claim.kind == r.JOURNALIST:
            who = f"{claim.person} of {claim.name}"
        text = f"Claims to be {who} ({_WHERE_WORDS[claim.where]} '{claim.matched}')"
        if claim.status == r.SPOOFED:
            text += f"; the From domain {fd} belongs to {claim.name} but authentication does not confirm it (SPF {auth.spf}, DKIM {auth.dkim}, DMARC {auth.dmarc}, alignment {auth.alignment})"
        elif claim.status == r.LOOKALIKE and claim.lookalike is not None:
            la = claim.lookalike
            text += f"; sent from {fd}, a lookalike of {la.target} ({la.kind}: {la.detail})"
            text += "; " + _auth_clause(auth, frozenset(claim.official_domains))
        elif claim.status == r.FREE_MAIL:
            text += f"; sent from the free-mail address {sending.from_addr}, not from {_a_domain_of(claim.name)}"
            if claim.freelance:
                text += " (the writer says they are a freelancer)"
        else:
            if claim.kind == r.PROTECTED_PERSON:
                text += f"; sent from {sending.from_addr}, which is not {_possessive(claim.name)} address"
            elif claim.kind == r.ORGANISATION:
                text += f"; sent from {fd}, which is not the organisation's domain"
            else:
                text += f"; sent from {fd}, which is not {_a_domain_of(claim.name)}"
            if claim.contains_brand:
                text += " and contains the brand"
            text += "; " + _auth_clause(auth, frozenset(claim.official_domains))
        if claim.reply_to_elsewhere and sending.reply_to:
            text += f"; replies go to {', '.join(sending.reply_to)}"
        out.append(text + ".")
    claimed_lookalike = any(c.lookalike is not None for c in claims)
    if sending.from_lookalike is not None and not claimed_lookalike:
        la = sending.from_lookalike
        out.append(f"Sent from {la.domain}, a lookalike of {la.target} ({la.name}): {la.kind}, {la.detail}.")
    if sending.display_name_address_mismatch:
        out.append(f"The display name shows the address {sending.display_name_address}, but the message is from {sending.from_addr}.")
    if sending.reply_to_lookalike is not None:
        la = sending.reply_to_lookalike
        out.append(f"Replies go to {la.domain}, a lookalike of {la.target} ({la.name}): {la.kind}, {la.detail}.")
    elif sending.reply_to_free_mail:
        out.append(f"Replies go to the free-mail address {', '.join(sending.reply_to)}, not to the sender's domain {fd}.")
    elif sending.reply_to_other_domain:
        out.append(f"Replies go to {', '.join(sending.reply_to)}, outside the sender's domain {fd}.")
    if auth.source != "none" and auth.alignment == "fail":
        parts = []
        if auth.spf == "pass":
            parts.append(f"SPF passed for {auth.spf_domain}")
        if auth.dkim_domains:
            parts.append("DKIM passed for " + ", ".join(auth.dkim_domains))
        out.append(f"Authentication is not aligned with the From domain {fd}: " + " and ".join(parts) + ".")
    elif auth.source != "none" and auth.dmarc == "fail":
        out.append(f"DMARC failed for {fd}.")
    if contact.known and contact.address:
        where = " (and the first from anyone at " + site(domain_of(sending.from_addr)) + ")" if contact.domain else ""
        out.append(f"First message from {sending.from_addr} to these recipients{where}.")
    return out
