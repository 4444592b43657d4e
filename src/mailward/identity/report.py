"""The identity report: what a message claims to be, how it was sent, and whether the
claim holds up. Plain fields only (str, bool, int, tuples of small frozen dataclasses)
so that the rules engine can turn it into facts; every field is documented in
docs/identity.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailward.identity.lookalike import LookalikeMatch

# Claim kinds
OUTLET = "outlet"
ORGANISATION = "organisation"
PROTECTED_PERSON = "protected-person"
JOURNALIST = "journalist"

# Where a claim was found
DISPLAY_NAME = "display-name"
LOCAL_PART = "local-part"
SUBJECT = "subject"
SIGNATURE = "signature"
LOGO = "logo"  # an image's alt text (brand claims only)

# Claim status, one per claim
HOLDS = "holds"  # official From domain (or listed address) and authentication aligned
UNVERIFIED = "unverified"  # official From domain, but no trusted authentication result
SPOOFED = "spoofed"  # official From domain, authentication failed or not aligned
LOOKALIKE = "lookalike"  # From domain imitates the claimed entity's domain
FREE_MAIL = "free-mail"  # sent from a free-mail or disposable address
UNRELATED = "unrelated-domain"  # sent from a domain the entity does not own


@dataclass(frozen=True, slots=True)
class Claim:
    """One claimed identity and whether it holds up."""

    kind: str  # outlet | organisation | protected-person | journalist
    name: str  # canonical name: "Reuters", the organisation's name, the person's name
    entity_id: str  # outlet id, "organisation", or "person:<n>"
    where: str  # display-name | local-part | subject | signature
    matched: str  # the text as written in the message
    person: str = ""  # journalist claims: the person named alongside the outlet, if any
    fuzzy: bool = False  # matched through a misspelling or look-alike characters
    freelance: bool = False  # the writer calls themself a freelancer ("freelance journalist ... for Reuters")
    status: str = UNRELATED  # holds | unverified | spoofed | lookalike | free-mail | unrelated-domain
    holds: bool = False  # status in (holds, unverified)
    official_from: bool = False  # the From domain belongs to the claimed entity
    official_dkim: bool = False  # a DKIM signature of the entity's domains passed
    free_mail: bool = False  # the From domain is a free-mail / disposable provider
    lookalike: LookalikeMatch | None = None  # From domain imitating the entity's domain
    contains_brand: bool = False  # the From domain contains the entity's brand but is not its own
    reply_to_elsewhere: bool = False  # a Reply-To outside the entity's domains
    official_domains: tuple[str, ...] = ()  # a few of the entity's domains, for explanations
    official_sites: tuple[str, ...] = ()  # the registrable domains of all the entity's domains


@dataclass(frozen=True, slots=True)
class SendingIdentity:
    """The domains the message was actually sent with."""

    from_addr: str = ""
    from_domain: str = ""  # Unicode, lower case
    from_registrable: str = ""
    from_display: str = ""
    from_count: int = 0  # number of From addresses (more than one is unusual)
    sender_domain: str = ""
    return_path_domain: str = ""
    reply_to: tuple[str, ...] = ()  # Reply-To addresses
    reply_to_domains: tuple[str, ...] = ()
    dkim_pass_domains: tuple[str, ...] = ()  # d= of DKIM signatures that passed (trusted)
    spf_pass_domain: str = ""  # SPF-authenticated MAIL FROM domain (or HELO), "" if none
    from_free_mail: bool = False
    from_lookalike: LookalikeMatch | None = None  # the From domain imitates an outlet / the organisation
    display_name_address: str = ""  # an address written inside the display name
    display_name_address_mismatch: bool = False  # ...and it differs from the real address
    reply_to_other_domain: bool = False  # Reply-To on another registrable domain than From
    reply_to_free_mail: bool = False  # Reply-To on free mail while From is not
    reply_to_free_other: bool = False  # From on free mail, Reply-To another free-mail mailbox
    reply_to_lookalike: LookalikeMatch | None = None


@dataclass(frozen=True, slots=True)
class AuthSummary:
    """Sender authentication, from trusted Authentication-Results or live checks."""

    source: str = "none"  # "headers", "live" or "none" (nothing trusted was found)
    authserv_ids: tuple[str, ...] = ()  # ids whose results were used
    spf: str = "none"  # pass | fail | softfail | neutral | none | temperror | permerror
    spf_domain: str = ""
    dkim: str = "none"  # pass if any signature passed, else fail / none
    dkim_domains: tuple[str, ...] = ()  # passing d= domains
    dmarc: str = "none"  # as reported by the trusted header or the live check
    dmarc_policy: str = ""  # p= when known (live checks, or policy.dmarc in the header)
    spf_aligned: bool = False  # SPF passed for a domain aligned with From (relaxed)
    dkim_aligned: bool = False  # DKIM passed for a domain aligned with From (relaxed)
    aligned: bool = False  # spf_aligned or dkim_aligned: DMARC would pass
    alignment: str = "none"  # pass | fail (authenticated, not aligned) | none (nothing authenticated)
    untrusted_results: int = 0  # Authentication-Results headers present but not trusted


@dataclass(frozen=True, slots=True)
class FirstContact:
    """Sender history signals. All False when no history was given (known=False)."""

    known: bool = False  # a sender history was consulted
    address: bool = False  # this From address never wrote to these recipients
    domain: bool = False  # nobody from this registrable domain wrote to these recipients
    organisation: bool = False  # nobody from this domain wrote to anyone in the organisation
    previous_messages: int = 0  # earlier messages from this address to these recipients


@dataclass(frozen=True, slots=True)
class IdentityReport:
    claims: tuple[Claim, ...]
    sending: SendingIdentity
    auth: AuthSummary
    first_contact: FirstContact
    explanations: tuple[str, ...]
    # Summary flags, for rule conditions
    claims_outlet: bool = False
    claims_organisation: bool = False
    claims_person: bool = False
    claims_journalist: bool = False
    claim_fails: bool = False  # at least one claim that does not hold
    lookalike: bool = False  # From, Reply-To or a claim's domain is a lookalike
    impersonation: bool = False  # claim_fails or lookalike or display-name address mismatch
    # brands and the organisation's own IT services claimed (identity/brands.py), failing
    # claims first; kept apart from ``claims`` so that outlet rules see only outlets
    brand_claims: tuple[Claim, ...] = ()
    sender_brand: str = ""  # a brand written into the From domain, which is not the brand's
    sender_official: str = ""  # the brand whose official domain the From domain is
