"""Behaviour facts (``recon`` in the schema): is this a personal message that tags its
one reader with a hidden or per-recipient remote load, whoever it claims to be?

The facts are what the message holds, plus the sender history when the caller has
one (the gateway and the hunt; a scan of files has none):

* how personal it is: one visible recipient, a salutation by the reader's name or
  role, no List-* headers, bulk or mail-service markers;
* the strongest per-recipient load on open, how hidden it is and who runs it: a
  sales tool (Mailtrack, HubSpot Sales, ...), a mail service (ESP, newsletter
  platform), the sender's own domain, a shortener or an unrelated host;
* whether the reader is a protected person of this organisation;
* for an aligned sender that wrote here before: whether its earlier mail loaded
  from this host (only when the history records load hosts, see ``load_hosts``);
* organisation claims beyond the outlet list (``mailward.identity.organisations``).

Pure: the message, its beacons and the partly built facts in, a dict out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import re2

from .. import domains
from ..model import Message
from ..result import Beacon
from ..rules.schema import SCHEMA
from . import message_cues

__all__ = ["load_hiding", "load_operator", "recon_facts"]

# headers only bulk senders and mail services add
_BULK_HEADERS = (
    "list-unsubscribe", "list-id", "list-post", "list-help", "list-archive", "feedback-id",
    "x-campaign", "x-campaignid", "x-campaign-id", "x-mailgun-tag", "x-mailgun-variables", "x-ses-outgoing",
    "x-mc-user", "x-mandrill-user", "x-sg-eid", "x-sfmc-stack", "x-mailjet-campaign", "x-newsletter",
    "x-report-abuse", "x-csa-complaints", "x-rpcampaign", "x-listmember", "x-marketoid", "x-pm-message-id",
)
_BULK_PRECEDENCE = ("bulk", "list", "junk")
_ROLE_LOCALS = frozenset("""
noreply no-reply donotreply do-not-reply newsletter newsletters news info marketing mailer
notifications notification alerts alert updates digest bounce bounces postmaster support hello
""".split())
_BULK_TEXT = re2.compile(r"(?i)\bunsubscribe\b|\babmelden\b|\bdésinscri|\bview (?:it |this )?in (?:your|a) browser\b")

_GREETING = re2.compile(
    r"(?i)^\W{0,3}(?:dear|hi|hello|hey|good (?:morning|afternoon|evening)|greetings|liebe[rs]?|hallo|"
    r"sehr geehrte[rs]?|bonjour|cher|ch[eè]re|madame|monsieur|beste|geachte|estimad[oa]|querid[oa])\b[ ,]*([^\n]{0,80})"
)
_ROLE_WORDS = frozenset("""
minister ministre member mp mep mps senator representative deputy councillor councilor chair chairman
chairwoman chairperson secretary ambassador professor prof dr president honourable honorable hon
excellency director editor colleague colleagues commissioner speaker rapporteur abgeordnete abgeordneter
frau herr mr mrs ms mx madam sir
""".split())
_GENERIC = frozenset({"sir", "madam", "sir or madam", "all", "friend", "friends", "customer", "subscriber", "reader"})
# greetings of bulk and spam mail: never personal
_GENERIC_WORDS = frozenset("""
investor investors customer customers client clients user users beneficiary winner valued account holder
friend friends partner partners recipient subscriber subscribers reader readers shopper member members
everyone everybody all team there folks guys colleagues sir madam applicant owner
""".split())
_HIDING_RANK = {"pixel": 3, "hidden": 3, "css": 2, "font": 2, "stylesheet": 2, "frame": 1, "embed": 1, "refresh": 1,
                "remote": 0, "media": 0}
_SALES = ("sales-tracker", "read-receipt")
_SERVICES = ("esp", "marketing-automation", "transactional", "newsletter-platform", "software", "advertising",
             "analytics")
_WORD = re.compile(r"[^\W\d_]{2,}")


def _bulk_markers(message: Message, facts: Mapping[str, Any], beacons: Sequence[Beacon]) -> list[str]:
    markers: list[str] = []
    names = {key.lower() for key, _ in message.headers}
    markers.extend(h for h in _BULK_HEADERS if h in names)
    if facts["message"]["precedence"] in _BULK_PRECEDENCE:
        markers.append("precedence")
    local = facts["sender"]["local"].lower()
    if local in _ROLE_LOCALS or local.startswith(("noreply", "no-reply", "newsletter", "bounce")):
        markers.append("role-sender")
    if _BULK_TEXT.search(facts["content"]["text"][-4000:]):
        markers.append("unsubscribe-text")
    kinds = {_tracker_kind(b.host) for b in beacons if b.tracker}
    if kinds & {"esp", "marketing-automation", "newsletter-platform"}:
        markers.append("mail-service")
    return markers


def _tracker_kind(host: str) -> str:
    from ..trackers import tracker_for_host

    tracker = tracker_for_host(host)
    return tracker.kind if tracker is not None else ""


def _first_words(message: Message, facts: Mapping[str, Any]) -> str:
    if message.text_parts and message.text_parts[0].text.strip():
        text = message.text_parts[0].text
    else:
        # content.text: the subject, a line break, then the body text
        text = facts["content"]["text"].partition("\n")[2]
    return text.lstrip()[:600]


def _recipient_words(message: Message) -> set[str]:
    words: set[str] = set()
    for address in (*message.to, *message.cc, *message.delivered_to):
        for source in (address.display_name, address.local):
            words.update(w.lower() for w in _WORD.findall(source or "") if len(w) >= 3)
    return words


def _salutation(message: Message, facts: Mapping[str, Any]) -> tuple[str, str]:
    """("name" | "role" | "generic" | "", the greeting line)."""
    head = _first_words(message, facts)
    found = _GREETING.search(head[:200])
    if found is None:
        return "", ""
    line = found.group(0).strip()[:120]
    rest = re.split(r"[,.:;!?\n]", found.group(1), maxsplit=1)[0].strip().lower()
    words = [w.lower() for w in _WORD.findall(rest)][:6]
    if not words or rest in _GENERIC or words[-1] in _GENERIC_WORDS or words[0] in _GENERIC_WORDS:
        return "generic", line
    names = _recipient_words(message)
    if any(w in names for w in words if w not in _ROLE_WORDS):
        return "name", line
    if words[0] in _ROLE_WORDS or (len(words) > 1 and words[1] in _ROLE_WORDS):
        # "Dear Ms Keller" with a name the headers do not show is still personal
        return ("name" if len(words) >= 2 and words[0] in ("ms", "mr", "mrs", "dr", "prof", "mx", "frau", "herr")
                else "role"), line
    if len(words) <= 3:
        return "name", line
    return "generic", line


def _load_kind(beacon: Beacon, sender_reg: str) -> str:
    return load_operator(beacon.host, beacon.tracker, sender_reg)


def load_operator(host: str, tracker: str, sender_reg: str) -> str:
    """Who runs a load on ``host`` (``tracker``: its registry name or ""): sales_tool,
    mail_service, shortener, own_domain (the sender's registrable domain) or third_party."""
    kind = _tracker_kind(host) if tracker else ""
    if kind in _SALES:
        return "sales_tool"
    if kind in _SERVICES:
        return "mail_service"
    if kind in ("shortener", "redirector") or message_cues.is_shortener(host, domains.site(host)):
        return "shortener"
    reg = domains.site(host)
    if reg and reg == sender_reg:
        return "own_domain"
    return "third_party"


def load_hiding(kind: str) -> str:
    """hidden / styled / visible for a beacon kind."""
    rank = _HIDING_RANK.get(kind, 0)
    return "hidden" if rank >= 3 else "styled" if rank >= 1 else "visible"


def _strongest(beacons: Sequence[Beacon]) -> Beacon | None:
    personal = [b for b in beacons if b.kind != "link" and b.per_recipient]
    if not personal:
        return None
    return max(personal, key=lambda b: (_HIDING_RANK.get(b.kind, 0), b.token is not None and b.token.confidence == "high"))


def _hidden_opaque(beacons: Sequence[Beacon]) -> Beacon | None:
    """A hidden load with an opaque identifier in its query (one copy cannot prove it is per recipient)."""
    for b in beacons:
        if (b.kind in ("pixel", "hidden") and b.token is not None and b.token.confidence == "low"
                and b.token.location.startswith(("query", "host", "path"))):
            return b
    return None


def recon_facts(
    message: Message,
    facts: Mapping[str, Any],
    beacons: Sequence[Beacon],
    *,
    protected: Mapping[str, str] | None = None,
    history: Any = None,
) -> dict[str, Any]:
    """The ``recon`` section. ``protected`` maps protected people's addresses (lower
    case) to their names; ``history`` may offer ``load_hosts(sender) -> set | None``."""
    out: dict[str, Any] = SCHEMA["recon"].empty()
    visible = {a.addr.lower() for a in (*message.to, *message.cc) if a.addr}
    out["visible_recipients"] = len(visible)
    markers = _bulk_markers(message, facts, beacons)
    out["bulk_markers"] = markers
    salutation, line = _salutation(message, facts)
    out["salutation"] = salutation
    out["salutation_text"] = line
    out["personal"] = len(visible) <= 1 and not markers and salutation in ("name", "role")
    for rcpt in facts["message"]["recipients"]:
        name = (protected or {}).get(rcpt.lower())
        if name:
            out["protected_recipient"] = name
            break
    sender_reg = facts["sender"]["registrable"]
    strongest = _strongest(beacons)
    if strongest is None:
        strongest = _hidden_opaque(beacons)
        out["load_token"] = "opaque" if strongest is not None else ""
    else:
        token = strongest.token
        out["load_token"] = "address" if token is not None and token.confidence == "high" else "identifier"
    if strongest is not None:
        out["load_host"] = strongest.host
        out["load_hiding"] = load_hiding(strongest.kind)
        out["load_operator"] = _load_kind(strongest, sender_reg)
        out["load_tracker"] = strongest.tracker
    auth = facts["auth"]
    out["aligned_known_sender"] = bool(auth["aligned"]) and facts["history"]["sender_seen"] > 0
    if strongest is not None and out["aligned_known_sender"]:
        # one history lookup, only where RECON_KNOWN_SENDER_NEW_TRACKER can use it
        out["new_load_host"] = _new_host(history, facts["sender"]["address"], strongest.host)
    return out


def _new_host(history: Any, sender: str, host: str) -> str:
    """"new" / "seen" when the history records the hosts this sender's mail loaded from, else ""."""
    lookup = getattr(history, "load_hosts", None)
    if lookup is None or not sender:
        return ""
    try:
        hosts = lookup(sender)
    except Exception:  # a history that cannot answer is no history
        return ""
    if hosts is None:
        return ""
    reg = domains.site(host)
    return "seen" if any(domains.site(h) == reg for h in hosts) else "new"
