"""The analyst's story of a message or a campaign, in words: what it is, whom it was
for, what opening it would have told the sender, and what was done about it.

Pure functions over what the store, the quarantine and the audit log already hold;
the pages render what these return. Nothing here fetches anything.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from mailward.share import attack as attack_ids
from mailward.store import Campaign, Person, StoredMessage

SEVERITIES = ("critical", "high", "medium", "low", "info")

# what a beacon's "leaks" tell the sender, in the reader's words (order: most telling first)
LEAK_WORDS = {
    "identity": "who you are (your address is in the URL)",
    "ip": "your IP address (and so your rough location and network)",
    "location": "where you are",
    "device": "your device and operating system",
    "mail-client": "which mail program you use",
    "open-time": "when you opened the message",
    "click": "that you clicked, and when",
}

# why the clustering joined messages: the key kinds of mailward.hunt.campaigns, in words
_KEY_WORDS = {
    "from": "the same sender address {v}",
    "from_domain": "the same sending domain {v}",
    "reply_to": "the same Reply-To address {v}",
    "receipt": "read receipts asked for to the same mailbox {v}",
    "dkim": "signed by the same DKIM domain {v}",
    "msgid": "Message-IDs made by the same tool ({v})",
    "msgid_shape": "Message-IDs of the same shape ({v})",
    "track_host": "the same tracking host {v}",
    "track_url": "the same tracking URL pattern {v}",
    "token": "the same per-recipient token scheme ({v})",
    "template": "one batch of per-recipient tracking URLs ({v})",
    "persona": "the same sender name “{v}”",
    "claimed": "claims to be {v}",
    "ip": "sent from the same server {v}",
    "esp_host": "the same mailing-service host {v}",
    "esp_url": "the same mailing-service URL pattern {v}",
    "path": "the same URL path {v} on different domains",
    "list_id": "the same List-Id {v}",
    "content": "{v}",
}



def grouped_because(key: str) -> str:
    """``pair:claimed:the economist+msgid_shape:H12.N6`` -> words an analyst reads."""
    if key.startswith("pair:"):
        a, _plus, b = key[5:].partition("+")
        return f"{grouped_because(a)}, together with {grouped_because(b)}"
    kind, _colon, value = key.partition(":")
    if kind == "claimed" or kind == "persona":
        value = value.title()
    if kind == "token":
        host, _bar, where = value.partition("|")
        value = f"on {host}, in the {where}" if where else host
    template = _KEY_WORDS.get(kind)
    return template.format(v=value) if template else key


def evidence_text(value: Any) -> str:
    """An evidence value as text: lists joined by commas, mappings as ``key: value``."""
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {evidence_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(evidence_text(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass(frozen=True)
class Technique:
    id: str
    name: str
    url: str


def techniques(ids: Iterable[str]) -> list[Technique]:
    out = []
    for tid in dict.fromkeys(ids):
        if attack_ids.valid_id(tid):
            out.append(Technique(tid, attack_ids.full_name(tid), attack_ids.url(tid)))
    return out


def severity_groups(findings: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """Findings grouped by severity, most severe first (unknown severities last)."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for f in findings:
        groups.setdefault(str(f.get("severity") or "info"), []).append(f)
    order = {s: n for n, s in enumerate(SEVERITIES)}
    return sorted(groups.items(), key=lambda item: order.get(item[0], len(order)))


def one_sentence(summary: str) -> str:
    """The store's summary without its "(+N more findings)" tail."""
    text = (summary or "").strip()
    head, sep, tail = text.rpartition(" (+")
    if sep and tail.endswith(")") and tail.split(" ", 1)[0].isdigit() and " more finding" in tail:
        return head.strip()
    return text


@dataclass(frozen=True)
class Leaks:
    """What opening (or clicking) would have told the sender, over one or more messages."""

    words: list[str]
    identified: list[str]  # recipients whose address a beacon carried
    messages_with_beacons: int
    per_recipient: int  # messages with a beacon that names its reader


def leaks_of(messages: Iterable[StoredMessage]) -> Leaks:
    return leaks_from(m.beacons for m in messages)


def leaks_from(beacon_lists: Iterable[Sequence[Mapping[str, Any]]]) -> Leaks:
    """The roll-up over messages' beacon lists (one list per message)."""
    seen: Counter[str] = Counter()
    identified: dict[str, None] = {}
    with_beacons = per_recipient = 0
    for beacons in beacon_lists:
        if not beacons:
            continue
        with_beacons += 1
        tagged = False
        for b in beacons:
            seen.update(set(b.get("leaks") or ()))
            token = b.get("token") or {}
            if b.get("per_recipient"):
                tagged = True
            if isinstance(token, Mapping) and token.get("recipient"):
                identified[str(token["recipient"])] = None
        per_recipient += tagged
    words = [text for key, text in LEAK_WORDS.items() if key in seen]
    words += [k for k in seen if k not in LEAK_WORDS]
    return Leaks(words, list(identified), with_beacons, per_recipient)


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str
    role: str


def people_of(addresses: Iterable[str], roster: Sequence[Person]) -> list[Recipient]:
    by_address = {a.lower(): p for p in roster for a in p.addresses}
    out = []
    for address in dict.fromkeys(a.lower() for a in addresses):
        found = by_address.get(address)
        out.append(Recipient(address, found.name if found else "", found.role if found else ""))
    return out


def aliases(query: str, roster: Sequence[Person]) -> list[str]:
    """Every address of each roster person whose name or any address contains ``query``."""
    q = query.strip().lower()
    if not q:
        return []
    out: dict[str, None] = {}
    for p in roster:
        if q in p.name.lower() or any(q in a.lower() for a in p.addresses):
            out.update(dict.fromkeys(a.lower() for a in p.addresses))
    return list(out)


_INDICATOR_ORDER = {"domain": 0, "email": 1, "url": 2, "ipv4": 3, "ipv6": 3, "sha256": 4, "subject": 5}


def top_indicators(items: Iterable[Mapping[str, str]], n: int = 6) -> list[Mapping[str, str]]:
    ranked = sorted(dict.fromkeys((i.get("kind", ""), i.get("value", "")) for i in items),
                    key=lambda kv: _INDICATOR_ORDER.get(kv[0], 9))
    return [{"kind": k, "value": v, "href": pivot(k, v)} for k, v in ranked[:n] if v]


def pivot(kind: str, value: str) -> str:
    """The filtered message list for one indicator, sender, host or subject."""
    if kind == "email":
        return "/messages?" + urlencode({"sender": value})
    if kind == "subject":
        return "/messages?" + urlencode({"q": value})
    return "/messages?" + urlencode({"indicator": value})


# -- what was done ------------------------------------------------------------------------------

OUTCOME_WORDS = {
    "held": "held in quarantine",
    "delivered": "delivered defused",
    "released": "released",
    "rejected": "rejected at the gateway",
    "deleted": "deleted from the quarantine",
    "mailbox": "in the mailbox (found by a hunt)",
}


@dataclass(frozen=True)
class Action:
    time: str
    what: str
    who: str
    entry: str = ""


@dataclass
class ActionIndex:
    """Quarantine entries by SHA-256 and Message-ID, and audit lines by entry id."""

    entries: list[Any] = field(default_factory=list)
    audit: list[Mapping[str, Any]] = field(default_factory=list)
    by_sha: dict[str, list[Any]] = field(default_factory=dict)
    by_msgid: dict[str, list[Any]] = field(default_factory=dict)
    by_entry: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)

    @classmethod
    def build(cls, entries: Iterable[Any], audit: Iterable[Mapping[str, Any]]) -> ActionIndex:
        index = cls(entries=list(entries), audit=list(audit))
        for e in index.entries:
            index.by_sha.setdefault(e.sha256, []).append(e)
            if e.message_id:
                index.by_msgid.setdefault(e.message_id.strip(), []).append(e)
        for line in index.audit:
            ident = line.get("id")
            if isinstance(ident, str):
                index.by_entry.setdefault(ident, []).append(line)
        return index

    def entries_of(self, m: StoredMessage) -> list[Any]:
        return self.entries_for(m.sha256, m.message_id)

    def entries_for(self, sha256: str, message_id: str) -> list[Any]:
        found = {e.id: e for e in self.by_sha.get(sha256, [])}
        if message_id:
            found.update({e.id: e for e in self.by_msgid.get(message_id.strip(), [])})
        return sorted(found.values(), key=lambda e: e.stored_at)

    def outcome(self, m: StoredMessage) -> str:
        return self.outcome_for(m.sha256, m.message_id)

    def outcome_for(self, sha256: str, message_id: str) -> str:
        entries = self.entries_for(sha256, message_id)
        return entries[-1].status if entries else "mailbox"

    def history(self, entry: Any) -> list[Action]:
        return entry_history(entry, self.by_entry.get(entry.id, []))

    def actions_of(self, m: StoredMessage) -> list[Action]:
        out: list[Action] = []
        for e in self.entries_of(m):
            out.extend(self.history(e))
        return out


def _who(line: Mapping[str, Any]) -> str:
    by = line.get("by")
    if by:
        role = line.get("role")
        return f"{by} ({role})" if role else str(by)
    return ""


def _near(a: str, b: str, seconds: float = 15.0) -> bool:
    from datetime import datetime

    try:
        return abs((datetime.fromisoformat(a) - datetime.fromisoformat(b)).total_seconds()) <= seconds
    except ValueError:
        return False


def _what(line: Mapping[str, Any]) -> str:
    event = str(line.get("event", ""))
    if event == "stored":
        action = line.get("action", "")
        return {"quarantine": "held in quarantine", "defuse": "defused and delivered",
                "banner": "delivered with a warning banner", "reject": "rejected"}.get(str(action), f"stored ({action})")
    if event == "released":
        copy = "the defused copy" if line.get("defused") else "the original"
        to = ", ".join(line.get("recipients") or ())
        return f"released {copy}" + (f" to {to}" if to else "")
    if event == "release-failed":
        return f"release failed: {line.get('error', '')}"
    if event == "deleted":
        return "deleted"
    if event == "viewed":
        return "original bytes read"
    return event


def entry_history(entry: Any, lines: Sequence[Mapping[str, Any]]) -> list[Action]:
    """One quarantine entry's history with who acted: the audit log's lines for it (the web
    UI and API record who), else the entry's own history."""
    if not lines:
        return [Action(str(h.get("time", "")), _what(h), "the gateway" if h.get("event") == "stored" else "",
                       entry.id) for h in entry.history]
    requests = [line for line in lines if line.get("event") == "release-requested"]
    out = []
    for line in lines:
        event = line.get("event")
        if event == "release-requested":
            continue
        who = _who(line)
        if event == "stored":
            who = "the gateway"
        elif event in ("released", "release-failed") and not who:
            asked = [r for r in requests if _near(str(r.get("time", "")), str(line.get("time", "")))]
            who = _who(asked[0]) if asked else "the command line"
        elif not who:
            who = "the command line"
        out.append(Action(str(line.get("time", "")), _what(line), who, entry.id))
    return out


def describe_audit(line: Mapping[str, Any]) -> tuple[str, str]:
    """An audit line as (what, who) for the dashboard and the Audit page."""
    event = str(line.get("event", ""))
    who = _who(line) or ("the gateway" if event in ("stored", "milter-start", "milter-stop") else "")
    if event == "signed-in":
        return f"signed in from {line.get('client', '')}", f"{line.get('name', '')} ({line.get('role', '')})"
    if event == "exported":
        return f"exported campaign {str(line.get('campaign', ''))[:12]} as {line.get('format', '')}", who
    if event == "intel-import":
        return f"imported intel from {line.get('source', '')}: {line.get('added', 0)} added", who
    if event in ("token-created", "credential-created"):
        return f"created a {line.get('role', '')} {line.get('kind', 'token')}", who
    if event == "token-revoked":
        return f"revoked credential {line.get('id', '')}", who
    if event == "release-requested":
        return f"asked to release {line.get('id', '')}", who
    return _what(line) + (f" ({line.get('id')})" if line.get("id") else ""), who


# -- the summary sentences ------------------------------------------------------------------------


def message_sentence(m: StoredMessage) -> str:
    why = one_sentence(m.summary) or (m.reason or "no rule fired")
    return why if why.endswith(".") else why + "."


def campaign_sentence(c: Campaign, messages: Sequence[StoredMessage]) -> str:
    """(``messages``: the campaign's messages, or its newest ones: they give the typical finding.)"""
    names = list(dict.fromkeys(re.sub(r"\s*<[^>]*>\s*", " ", i).strip() for i in c.identities))
    claimed = f" claiming to be {' / '.join(n for n in names[:2] if n)}" if names else ""
    senders = len(c.senders)
    span = ""
    if c.first_seen and c.last_seen:
        span = f", {c.first_seen:%d %b %Y} – {c.last_seen:%d %b %Y}"
    top: Counter[str] = Counter()
    example: dict[str, str] = {}
    for m in messages:
        if m.findings:
            rule = str(m.findings[0].get("rule", ""))
            top[rule] += 1
            example.setdefault(rule, str(m.findings[0].get("summary", "")))
    why = f" Typical finding: {example[top.most_common(1)[0][0]]}" if top else ""
    return (f"{c.message_count} messages{claimed}, from {senders} sender address{'es' if senders != 1 else ''} "
            f"to {c.target_count} people{span}.{why}")
