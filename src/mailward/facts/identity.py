"""Copy an identity report (``mailward.identity.IdentityReport``) into the facts.

The report's vocabulary (``display-name``, ``tld-swap``, ``protected-person``) is
mapped to the facts schema's (``display_name``, ``tld_swap``, ``person``) here, in
one place, so that rules keep working if the analyser refines its kinds.
"""

from __future__ import annotations

from typing import Any

from .. import domains
from ..domains import site
from ..rules.schema import SCHEMA

# LookalikeMatch.kind -> identity.lookalike.kind
LOOKALIKE_KINDS = {
    "typo": "typo",
    "keyboard": "typo",
    "doubled-letter": "typo",
    "missing-letter": "typo",
    "transposition": "typo",
    "vowel-swap": "typo",
    "hyphenation": "typo",
    "homoglyph": "homoglyph",
    "mixed-script": "mixed_script",
    "combosquat": "combosquat",
    "tld-swap": "tld_swap",
    "subdomain-trick": "subdomain",
}

CLAIM_KINDS = {
    "outlet": "outlet",
    "journalist": "outlet",
    "organisation": "organisation",
    "protected-person": "person",
}

# Claim statuses meaning "the sending domain is not the claimed entity's"
MISMATCH = frozenset({"unrelated-domain", "free-mail", "lookalike"})


def lookalike_kind(kind: str) -> str:
    return LOOKALIKE_KINDS.get(kind, kind.replace("-", "_"))


def _primary_claim(report: Any) -> Any:
    claims = tuple(getattr(report, "claims", ()))
    if not claims:
        return None
    failed = [c for c in claims if not c.holds]
    # a failing claim explains more than one that holds; among failing claims,
    # prefer outlets and people over the subject line
    pool = failed or list(claims)
    rank = {"protected-person": 0, "organisation": 1, "journalist": 2, "outlet": 3}
    return sorted(pool, key=lambda c: (rank.get(c.kind, 9), c.where == "subject"))[0]


def apply_identity(facts: dict[str, Any], report: Any) -> None:
    """Fill ``identity``, ``auth``, ``history`` and the sender flags from ``report``."""
    identity = facts["identity"]
    sender = facts["sender"]
    sending = report.sending
    claim = _primary_claim(report)
    if claim is not None:
        identity["claim"] = {
            "kind": CLAIM_KINDS.get(claim.kind, claim.kind),
            "name": claim.name,
            "where": claim.where.replace("-", "_"),
            "text": claim.matched,
            "official_domains": list(claim.official_domains),
            "status": claim.status,
            "journalist": claim.kind == "journalist",
            "person": claim.person,
        }
        identity["claimed"] = True
        # an official domain of the claimed entity is never a mismatch, even when it is
        # also a free-mail domain (Yahoo News from yahoo.com)
        official = {site(d) for d in claim.official_domains}
        identity["claim_mismatch"] = claim.status in MISMATCH and sender["registrable"] not in official
        identity["protected_person"] = claim.kind == "protected-person"
        identity["own_organisation"] = claim.kind == "organisation"
    identity["claim_holds"] = not report.claim_fails
    match = None
    header = ""
    for candidate, where in (
        (sending.from_lookalike, "from"),
        (sending.reply_to_lookalike, "reply_to"),
        (getattr(claim, "lookalike", None), "from"),
    ):
        if candidate is not None:
            match, header = candidate, where
            break
    if match is not None:
        identity["lookalike"] = {
            "kind": lookalike_kind(match.kind),
            "domain": match.domain,
            "target": match.target,
            "brand": match.name,
            "header": header,
            "own": match.entity_kind == "organisation",
            "variant": match.kind,
            "detail": match.detail,
        }
    _apply_brand(facts, report)
    identity["findings"] = [f"{c.kind}:{c.status}" for c in report.claims]
    identity["summary"] = " ".join(report.explanations)

    sender["free_mail"] = bool(sending.from_free_mail)
    sender["reply_to_free_mail"] = bool(sending.reply_to_free_mail)
    sender["reply_to_free_other"] = bool(sending.reply_to_free_other)
    sender["reply_to_elsewhere"] = bool(sending.reply_to_other_domain)
    sender["display_name_address"] = (
        sending.display_name_address.lower() if sending.display_name_address_mismatch else ""
    )

    auth = report.auth
    if auth.source != "none":
        facts["auth"] = {
            "present": True,
            "spf": auth.spf,
            "dkim": auth.dkim,
            "dmarc": auth.dmarc,
            "spf_domain": auth.spf_domain,
            "dkim_domains": list(auth.dkim_domains),
            "spf_aligned": auth.spf_aligned,
            "dkim_aligned": auth.dkim_aligned,
            "aligned": auth.aligned,
        }
    else:
        facts["auth"] = SCHEMA["auth"].empty()

    contact = report.first_contact
    facts["history"] = {
        "known": bool(contact.known),
        "first_contact": bool(contact.known and contact.address and contact.domain),
        "sender_seen": int(contact.previous_messages),
        "domain_seen": 0 if contact.domain else 1,
    }


def _apply_brand(facts: dict[str, Any], report: Any) -> None:
    """The brand and own-service claims (``report.brand_claims``, failing claims first)."""
    brand = facts["brand"]
    brand["sender_brand"] = str(getattr(report, "sender_brand", "") or "")
    brand["sender_official"] = str(getattr(report, "sender_official", "") or "")
    claims = tuple(getattr(report, "brand_claims", ()))
    if not claims:
        return
    from ..identity.brands import OWN_SERVICE, brand_kind

    claim = claims[0]
    official = {domains.registrable(d) for d in claim.official_domains}
    brand.update(
        claimed=True,
        name=claim.name,
        kind=brand_kind(claim.entity_id),
        where=claim.where.replace("-", "_"),
        text=claim.matched,
        official_domains=list(claim.official_domains),
        official_sites=list(claim.official_sites),
        status=claim.status,
        mismatch=claim.status in MISMATCH and facts["sender"]["registrable"] not in official,
        own_service=claim.kind == OWN_SERVICE,
        names=[c.name for c in claims[:10]],
    )
