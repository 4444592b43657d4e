"""The attack campaigns hidden in the demo mail: the ground truth the hunt must find.

Modelled on the public facts about APT31's 2021 reconnaissance against
parliamentarians (see docs/demo.md): lures that look like news from major outlets
or their journalists, hidden beacons that carry each recipient's identity, one wave
sent through accounts on a commercial mass-mailing service. The domains are
invented lookalikes; any resemblance to a real registration is accidental.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailward import domains
from mailward.demo.builders import LureStyle


def _idna(domain: str) -> str:
    return domains.to_ascii(domain)


# "bbс-worldnews.com" with a Cyrillic "с" (U+0441): a homoglyph of bbc
BBC_HOMOGLYPH = _idna("bb\u0441-worldnews.com")


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    name: str
    kind: str  # "recon" or "phishing"
    description: str
    share: float  # of all messages
    member_share: float  # share of members targeted
    staff_share: float  # share of staff targeted
    min_targets: int
    attack: tuple[str, ...]
    styles: tuple[tuple[LureStyle, float], ...] = ()  # recon: weighted lure styles
    variants: tuple[int, ...] = ()  # phishing: builders.phishing variants
    alt_address_share: float = 0.0  # how often a target's second address is used

    @property
    def verdict(self) -> str:
        return self.kind


RECON_ATTACK = ("T1598.003", "T1656", "T1589.002", "T1590.005", "T1592.004")

CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign(
        id="recon-newsdesk",
        name="Reuters newsdesk impersonation",
        kind="recon",
        description=("Lures with real-looking articles from a 'Reuters' newsdesk on the lookalike "
                     "domain reuters-newsdesk.com and from a 'Reuters' journalist persona on Gmail; "
                     "a hidden 1x1 beacon on media.newswire-cdn.com carries the recipient's address "
                     "in base64; several waves over days."),
        share=0.05, member_share=0.4, staff_share=0.0, min_targets=5,
        attack=(*RECON_ATTACK, "T1583.001", "T1585.002"),
        styles=(
            (LureStyle(claimed="Reuters", display_name="Reuters World News",
                       sender="newsdesk@reuters-newsdesk.com",
                       beacon="https://media.newswire-cdn.com/i/{token}.gif", token="base64",
                       link="https://reuters-newsdesk.com/world/{mid}?ref={token}",
                       hide="display-none", server="mail.reuters-newsdesk.com"), 0.65),
            (LureStyle(claimed="Reuters", display_name="Daniel Hartley | Reuters",
                       sender="daniel.hartley.reuters@gmail.com",
                       beacon="https://media.newswire-cdn.com/i/{token}.gif", token="base64",
                       link="https://media.newswire-cdn.com/story/{mid}?ref={token}",
                       hide="attr-1px", byline="Daniel Hartley, Reuters"), 0.35),
        ),
    ),
    Campaign(
        id="recon-esp-briefing",
        name="'The Economist' briefing via a mass-mailing service",
        kind="recon",
        description=("A wave sent through three accounts on a commercial mass-mailing service "
                     "(SendGrid tracking: u<account>.ct.sendgrid.net open pixel and click links, "
                     "per recipient), each with the campaign's own sending domain, none of them "
                     "The Economist's; DKIM passes only for those domains."),
        share=0.05, member_share=0.6, staff_share=0.3, min_targets=6,
        attack=(*RECON_ATTACK, "T1583.001", "T1585.002"),
        alt_address_share=0.2,
        styles=(
            (LureStyle(claimed="The Economist", display_name="The Economist | Asia Briefing",
                       sender="briefing@economist-briefings.com", beacon="",
                       token="sha256-lower",
                       link="https://economist-briefings.com/a/{mid}?r={token}",
                       via="sendgrid"), 0.4),
            (LureStyle(claimed="The Economist", display_name="The Economist Asia Briefing",
                       sender="editors@asia-policy-review.com", beacon="",
                       token="sha256-lower",
                       link="https://asia-policy-review.com/a/{mid}?r={token}",
                       via="sendgrid"), 0.3),
            (LureStyle(claimed="The Economist", display_name="Economist Intelligence Briefing",
                       sender="news@global-affairs-digest.net", beacon="",
                       token="sha256-lower",
                       link="https://global-affairs-digest.net/a/{mid}?r={token}",
                       via="sendgrid"), 0.3),
        ),
    ),
    Campaign(
        id="recon-bbc-correspondent",
        name="BBC correspondent persona",
        kind="recon",
        description=("A 'BBC News' correspondent writing from bbc-worldservice.co and from a "
                     "homoglyph of bbc (Cyrillic 'с'), replies going to Proton Mail; the beacon "
                     "path carries the SHA-256 (or MD5) of the recipient's address; no DKIM. "
                     "The bbc-worldservice.co lures also ask for a read receipt to the Proton "
                     "mailbox, and write their beacon as a relative name whose directory is in "
                     "the HTML part's Content-Base header."),
        share=0.02, member_share=0.12, staff_share=0.05, min_targets=4,
        attack=(*RECON_ATTACK, "T1583.001"),
        styles=(
            (LureStyle(claimed="BBC News", display_name="Sarah Whitfield, BBC News",
                       sender="s.whitfield@bbc-worldservice.co",
                       beacon="https://cdn.bbc-worldservice.co/static/img/{token}/spacer.png",
                       token="sha256-lower", link="", hide="ancestor",
                       reply_to="sarah.whitfield.bbc@proton.me", receipt="sarah.whitfield.bbc@proton.me",
                       header_base=True, byline="Sarah Whitfield, BBC News", auth="none"), 0.6),
            (LureStyle(claimed="BBC News", display_name="BBC News Correspondent",
                       sender=f"correspondent@{BBC_HOMOGLYPH}",
                       beacon=f"https://{BBC_HOMOGLYPH}/img/{{token}}.png",
                       token="md5", link=f"https://{BBC_HOMOGLYPH}/news/{{mid}}", hide="css-1px",
                       reply_to="sarah.whitfield.bbc@proton.me",
                       byline="Sarah Whitfield, BBC News", auth="pass"), 0.4),
        ),
    ),
    Campaign(
        id="recon-ft-freelancer",
        name="'Financial Times' correspondent on free mail",
        kind="recon",
        description=("A 'senior correspondent' whose display name is only a personal name; the "
                     "Financial Times claim is in the signature and the text. Writes from "
                     "Outlook.com and Gmail accounts; the beacon is a CSS background image on "
                     "img.research-notes.net with an opaque per-recipient id, recognisable only "
                     "by comparing messages."),
        share=0.02, member_share=0.15, staff_share=0.1, min_targets=4,
        attack=(*RECON_ATTACK, "T1585.002"),
        styles=(
            (LureStyle(claimed="Financial Times", display_name="James Whitaker",
                       sender="james.whitaker.news@outlook.com",
                       beacon="https://img.research-notes.net/v2/{token}/bg.png", token="opaque",
                       link="", hide="css-background", salt="ft-freelancer",
                       byline="James Whitaker", signature="Senior Correspondent, Financial Times\n"
                       "Asia Desk"), 0.6),
            (LureStyle(claimed="Financial Times", display_name="James Whitaker",
                       sender="jwhitaker.ft@gmail.com",
                       beacon="https://img.research-notes.net/v2/{token}/bg.png", token="opaque",
                       link="", hide="css-background", salt="ft-freelancer",
                       byline="James Whitaker", signature="Senior Correspondent, Financial Times"),
             0.4),
        ),
    ),
    Campaign(
        id="phish-servicedesk",
        name="Fake IT service desk sign-in",
        kind="phishing",
        description=("Credential phishing from the lookalike parliarnent.example ('rn' for 'm'), "
                     "parliament-example.com and parlaiment.example (a mailbox-quota notice), "
                     "linking to fake Outlook sign-in pages."),
        share=0.02, member_share=0.15, staff_share=0.3, min_targets=3,
        attack=("T1566.002", "T1656", "T1583.001"),
        variants=(0, 1, 7),  # 7: the quota notice; it clusters with 0 (same lure, same kind of sender)
    ),
    Campaign(
        id="phish-shared-document",
        name="Fake shared-document notification",
        kind="phishing",
        description=("'SharePoint' document shares that lead to fake sign-in pages: one from a "
                     "lookalike sender, one from a compromised supplier's mailbox with the page "
                     "on free hosting (web.app)."),
        share=0.01, member_share=0.05, staff_share=0.1, min_targets=2,
        attack=("T1566.002", "T1656"),
        variants=(2, 6),  # 6: the supplier's share; it clusters with 2 (same lure)
    ),
    # Credential phishing that follows reconnaissance, one sending infrastructure per
    # campaign (builders.phishing variants 3-5; 6 and 7 join the campaigns with the same lure): small, so
    # they take little of the mix.
    Campaign(
        id="phish-m365-mfa",
        name="Fake Microsoft 365 MFA re-registration",
        kind="phishing",
        description=("'Microsoft 365' asks to re-register multi-factor authentication; the link "
                     "carries login.microsoftonline.com as subdomains of an unrelated domain."),
        share=0.005, member_share=0.05, staff_share=0.05, min_targets=2,
        attack=("T1566.002", "T1656", "T1583.001"),
        variants=(3,),
    ),
    Campaign(
        id="phish-teams-voicemail",
        name="Fake Teams voicemail",
        kind="phishing",
        description=("A 'Microsoft Teams' voicemail notice from a compromised third party, the "
                     "player page on a public cloud-storage bucket."),
        share=0.005, member_share=0.05, staff_share=0.05, min_targets=2,
        attack=("T1566.002", "T1656", "T1583.006"),
        variants=(4,),
    ),
    Campaign(
        id="phish-quarantine-release",
        name="Fake quarantine release notice",
        kind="phishing",
        description="An 'Email Quarantine' notice asking to sign in to release held messages.",
        share=0.005, member_share=0.05, staff_share=0.05, min_targets=2,
        attack=("T1566.002", "T1656"),
        variants=(5,),
    ),
)
