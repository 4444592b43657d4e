"""Per-recipient ids that only the copies of one mailing reveal, found in the store.

A short numeric id per recipient (``/o.gif?c=spring&r=4117``) decodes to nothing: one
copy cannot show that it names its reader. Several copies of the same mailing do:
their URLs are the same except for that value, and each recipient gets a different
one. After a hunt (``recluster`` runs this first) the store is searched for such
copies without reading a mailbox again:

1. **Groups of copies**: the stored messages of one sender address, and the members
   of each attack campaign the last clustering found (an attacker who rotates
   senders). Only messages with a remote load on open that carries no token yet
   take part, and a group needs copies to at least two different recipients.
2. **Aligned URLs**: the normalised URLs the hunt keeps per message
   (``message_facts``, kind ``url``) go through ``mailward.tokens.template_tokens``,
   which compares them position by position (path segments, query values).
3. **A token** is a path segment or query value that differs per copy, is short or
   numeric (longer opaque ids are already reported by the single-message analysis),
   never differs for the same recipient and never repeats for another one. In a
   sender's group the copies must also be one mailing: the same subject, or the
   value sits in a hidden load (a pixel) of every copy.

Each copy's matching beacons become per-recipient (token encoding ``batch``,
confidence "medium") in the stored beacons and rule facts; when the copy had no
per-recipient load before, ``recon.load_token`` becomes ``copies`` and the current
rules judge the stored facts again (a verdict is raised, never lowered). The copy
also gets a ``token:`` campaign key, so the re-clustering links the copies.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import re2
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mailward import linear_regex
from mailward.store import Store
from mailward.store.models import CampaignMemberRow, CampaignRow, MessageFactRow, MessageRow
from mailward.tokens import TemplateToken, template_tokens

__all__ = ["CopyTokenStats", "mark_copy_tokens"]

MAX_SHORT = 16  # characters of a non-numeric id counted as "short"
MAX_NUMERIC = 20
MAX_GROUP = 2000  # copies compared at once (a bigger group is a newsletter list)
_HIDDEN = frozenset({"pixel", "hidden"})
_SUBJECT_PREFIX = re2.compile(r"(?i)^(?:\s*(?:re|fwd?|aw|wg|tr)\s*:\s*)+", linear_regex.OPTIONS)


@dataclass
class CopyTokenStats:
    groups: int = 0  # groups of copies compared
    tokens: int = 0  # per-recipient slots found
    messages: int = 0  # copies given a batch token
    raised: int = 0  # copies whose verdict went up
    transitions: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class _Copy:
    pk: int
    sender: str
    subject: str
    recipients: tuple[str, ...]
    beacons: list[dict[str, Any]]
    verdict: str
    urls: list[str] = field(default_factory=list)
    loads: list[tuple[int, str]] | None = None  # (beacon index, its URL key) of each untokened load


def _loads(copy: _Copy) -> list[tuple[int, str]]:
    """The copy's loads on open that carry no token yet, with their URL keys (once per copy)."""
    if copy.loads is None:
        copy.loads = [
            (i, _beacon_key(str(beacon.get("url", ""))))
            for i, beacon in enumerate(copy.beacons)
            if isinstance(beacon, dict) and beacon.get("kind") != "link" and not beacon.get("per_recipient")
        ]
    return copy.loads


def _short(value: str) -> bool:
    if not value or not value.isalnum():
        return False
    return len(value) <= MAX_NUMERIC if value.isdigit() else len(value) <= MAX_SHORT


def _untokened_load(beacons: Iterable[Any]) -> bool:
    return any(isinstance(b, dict) and b.get("kind") != "link" and not b.get("per_recipient") for b in beacons)


def _subject(text: str) -> str:
    return " ".join(_SUBJECT_PREFIX.sub("", text or "").lower().split())


def _candidates(store: Store) -> dict[int, _Copy]:
    cols = (MessageRow.id, MessageRow.from_addr, MessageRow.subject, MessageRow.recipients, MessageRow.beacons,
            MessageRow.verdict)
    out: dict[int, _Copy] = {}
    last = 0
    with Session(store.engine) as s:
        while True:
            rows = s.execute(select(*cols).where(MessageRow.id > last).order_by(MessageRow.id).limit(5000)).all()
            if not rows:
                break
            for pk, sender, subject, recipients, beacons, verdict in rows:
                if verdict == "unscannable" or not _untokened_load(beacons or ()):
                    continue
                rcpts = tuple(sorted({str(r).lower() for r in recipients or ()}))
                out[int(pk)] = _Copy(int(pk), str(sender or "").lower(), _subject(subject), rcpts, list(beacons),
                                     str(verdict))
            last = rows[-1][0]
    return out


def _groups(store: Store, copies: dict[int, _Copy]) -> list[tuple[str, list[int]]]:
    by_key: dict[str, list[int]] = defaultdict(list)
    for pk, copy in copies.items():
        if copy.sender:
            by_key["from:" + copy.sender].append(pk)
    with Session(store.engine) as s:
        members = s.execute(
            select(CampaignMemberRow.campaign_id, CampaignMemberRow.message_pk)
            .join(CampaignRow, CampaignRow.id == CampaignMemberRow.campaign_id)
            .where(CampaignRow.kind == "attack")
        ).all()
    for cid, pk in members:
        if int(pk) in copies:
            by_key["campaign:" + str(cid)].append(int(pk))
    out = []
    for key, pks in by_key.items():
        if 2 <= len(pks) <= MAX_GROUP and len({copies[p].recipients for p in pks}) >= 2:
            out.append((key, pks))
    return out


def _load_urls(store: Store, copies: dict[int, _Copy], pks: Sequence[int]) -> None:
    wanted = sorted(set(pks))
    with Session(store.engine) as s:
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            rows = s.execute(
                select(MessageFactRow.message_pk, MessageFactRow.value).where(
                    MessageFactRow.kind == "url", MessageFactRow.message_pk.in_(chunk)
                )
            ).all()
            for pk, value in rows:
                copies[int(pk)].urls.append("https://" + str(value))


class _Template:
    """A token's template as a regular expression (``{token}`` captured, ``{*}`` any
    component text), compiled only for a URL that passes the cheap necessary tests: it
    starts with the text before the first placeholder, ends with the text after the
    last and contains the copy's value. Most candidate templates come from links and
    match no load at all, so most are never compiled."""

    __slots__ = ("_pattern", "parts")

    def __init__(self, template: str) -> None:
        self.parts = re.split(r"(\{token\}|\{\*\})", template)
        self._pattern: re.Pattern[str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        if self._pattern is None:
            regex = "".join(
                "([^/?&#]*)" if p == "{token}" else "[^/?&#]*" if p == "{*}" else re.escape(p) for p in self.parts
            )
            self._pattern = re.compile(regex + r"\Z")
        return self._pattern

    def value_at(self, url: str, value: str) -> bool:
        """Does ``url`` follow the template with ``value`` in the token's place?"""
        head, tail = self.parts[0], self.parts[-1]
        if not url.startswith(head) or not url.endswith(tail) or len(url) < len(head) + len(tail) or value not in url:
            return False
        found = self.pattern.match(url)
        return found is not None and found.group(1) == value


def _beacon_key(url: str) -> str:
    from mailward.share.indicator_values import url_key

    return "https://" + url_key(url)


def _matched_beacons(copy: _Copy, template: _Template, value: str) -> list[int]:
    return [i for i, key in _loads(copy) if template.value_at(key, value)]


def _near_loads(batch: list[tuple[str, list[str]]], loads: Sequence[str]) -> list[tuple[str, list[str]]]:
    """``batch`` without the URLs that cannot yield a token on any of ``loads``.

    A token is kept only when its template matches loads of two copies, and a template
    keeps the host of the URLs it came from as written (all of it, or all but the first
    label, which may be the token or per-URL noise). So a URL whose host, less its
    first label when it has three or more, occurs in no load's URL belongs to an
    alignment group that can give no token: leaving it out changes no result and
    spares aligning most links. A URL whose host is not plain (user info, odd
    characters) is always kept."""
    out = []
    text = "\n".join(loads)  # one substring search per URL
    for key, urls in batch:
        kept = [u for u in urls if _may_load(u, text)]
        if kept:
            out.append((key, kept))
    return out


def _may_load(url: str, loads: str) -> bool:
    if not url.startswith("https://"):
        return True
    authority = url[8:]
    for stop in "/?#":
        authority = authority.partition(stop)[0]
    if not authority or not _PLAIN_HOST.fullmatch(authority):
        return True
    _first, dot, rest = authority.partition(".")
    needle = rest if dot and rest.count(".") >= 1 else authority
    return needle in loads


_PLAIN_HOST = re.compile(r"[a-z0-9.:-]+")


def _per_recipient(token: TemplateToken, copies: dict[int, _Copy]) -> bool:
    """Each recipient keeps one value, no value is shared by two recipients, and at
    least two recipients are involved."""
    value_of: dict[tuple[str, ...], str] = {}
    owner: dict[str, tuple[str, ...]] = {}
    for key, value in token.values.items():
        rcpts = copies[int(key)].recipients
        if value_of.setdefault(rcpts, value) != value or owner.setdefault(value, rcpts) != rcpts:
            return False
    return len(value_of) >= 2


def _accept(group: str, token: TemplateToken, copies: dict[int, _Copy],
            hits: dict[int, list[int]]) -> bool:
    if token.location == "host" or token.location == "userinfo":
        return False
    if not all(_short(v) for v in token.values.values()) or not _per_recipient(token, copies):
        return False
    if len(hits) < 2:
        return False
    if group.startswith("campaign:"):
        return True
    # one sender's group: the copies must be one mailing
    if len({copies[pk].subject for pk in hits}) == 1:
        return True
    return all(any(copies[pk].beacons[i].get("kind") in _HIDDEN for i in idx) for pk, idx in hits.items())


def _find(store: Store, copies: dict[int, _Copy], stats: CopyTokenStats) -> dict[int, list[tuple[int, str, str]]]:
    """pk -> [(beacon index, location, value)]"""
    groups = _groups(store, copies)
    stats.groups = len(groups)
    _load_urls(store, copies, [pk for _, pks in groups for pk in pks])
    marks: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    shapes: dict[str, Any] = {}  # a copy is in its sender's group and in its campaign's
    for group, pks in groups:
        batch = _near_loads([(str(pk), copies[pk].urls) for pk in pks if copies[pk].urls],
                            [key for pk in pks for _, key in _loads(copies[pk])])
        if len(batch) < 2:
            continue
        for token in template_tokens(batch, shapes=shapes):
            template = _Template(token.template)
            hits: dict[int, list[int]] = {}
            for key, value in token.values.items():
                idx = _matched_beacons(copies[int(key)], template, value)
                if idx:
                    hits[int(key)] = idx
            if not _accept(group, token, copies, hits):
                continue
            stats.tokens += 1
            for pk, idx in hits.items():
                for i in idx:
                    entry = (i, token.location, token.values[str(pk)])
                    if entry not in marks[pk] and all(m[0] != i for m in marks[pk]):
                        marks[pk].append(entry)
    return marks


def _token_json(location: str, value: str) -> dict[str, str]:
    return {"recipient": "", "encoding": "batch", "location": location, "value": value, "confidence": "medium"}


def _patch_facts(facts: dict[str, Any], beacons: Sequence[dict[str, Any]]) -> None:
    """Mark the matched beacons in the rule facts; make the strongest one the recon load."""
    from mailward.facts.recon import load_hiding, load_operator

    listed = facts.get("beacons")
    if not isinstance(listed, list):
        listed = facts["beacons"] = []
    for beacon in beacons:
        entry = next((e for e in listed if isinstance(e, dict) and e.get("url") == beacon.get("url")), None)
        if entry is None:
            entry = next((e for e in listed if isinstance(e, dict) and e.get("kind") == beacon.get("kind")
                          and e.get("host") == beacon.get("host") and not e.get("per_recipient")), None)
        if entry is None and len(listed) < 40:
            entry = {"url": beacon.get("url", ""), "kind": beacon.get("kind", ""), "host": beacon.get("host", ""),
                     "operator": beacon.get("operator", ""), "tracker": beacon.get("tracker", ""),
                     "leaks": list(beacon.get("leaks", [])), "evidence": beacon.get("evidence", ""),
                     "part": beacon.get("part", ""), "in_attachment": False}
            listed.append(entry)
        if entry is not None:
            entry.update({"per_recipient": True, "token_encoding": "batch", "token_confidence": "medium"})
    summary = facts.get("beacon_summary")
    if isinstance(summary, dict):
        summary["per_recipient"] = int(summary.get("per_recipient", 0)) + len(beacons)
    recon = facts.get("recon")
    if not isinstance(recon, dict) or recon.get("load_token") in ("address", "identifier"):
        return
    strongest = max(beacons, key=lambda b: {"hidden": 2, "styled": 1}.get(load_hiding(str(b.get("kind", ""))), 0))
    sender = facts.get("sender") if isinstance(facts.get("sender"), dict) else {}
    host = str(strongest.get("host", ""))
    recon.update({
        "load_token": "copies",
        "load_host": host,
        "load_hiding": load_hiding(str(strongest.get("kind", ""))),
        "load_operator": load_operator(host, str(strongest.get("tracker", "")), str((sender or {}).get("registrable", ""))),
        "load_tracker": str(strongest.get("tracker", "")),
    })


def _apply(store: Store, copies: dict[int, _Copy], marks: dict[int, list[tuple[int, str, str]]],
           stats: CopyTokenStats, config: Any) -> None:
    from mailward.hunt.features import pack_rule_facts, unpack_rule_facts
    from mailward.result import Verdict
    from mailward.share.retromatch import intel_facts
    from mailward.share.reverdict import Reevaluator, merge_intel

    judge: Reevaluator | None = None
    pks = sorted(marks)
    for start in range(0, len(pks), 500):
        chunk = pks[start : start + 500]
        with store.engine.begin() as conn:
            intel = intel_facts(conn, chunk)
            rows = conn.execute(
                select(MessageRow.id, MessageRow.rule_facts, MessageRow.features, MessageRow.verdict_rank)
                .where(MessageRow.id.in_(chunk))
            ).all()
            for pk, blob, features, rank in rows:
                copy = copies[int(pk)]
                beacons = [dict(b) for b in copy.beacons]
                keys = list((features or {}).get("keys", []))
                for i, location, value in marks[int(pk)]:
                    beacons[i]["per_recipient"] = True
                    beacons[i]["token"] = _token_json(location, value)
                    key = f"token:{str(beacons[i].get('host', '')).lower()}|{location}"
                    if not beacons[i].get("tracker") and key not in keys:
                        keys.append(key)
                values: dict[str, Any] = {"beacons": beacons, "features": {**(features or {}), "keys": keys}}
                facts = unpack_rule_facts(blob)
                if facts is not None:
                    _patch_facts(facts, [beacons[i] for i, _, _ in marks[int(pk)]])
                    values["rule_facts"] = pack_rule_facts(facts)
                    facts["intel"] = merge_intel(facts.get("intel"), intel.get(int(pk), []))
                    judge = judge or Reevaluator(config)
                    verdict, score, findings, summary, attack = judge.judge(facts)
                    if verdict.rank > int(rank) and verdict != Verdict.UNSCANNABLE:
                        values.update(verdict=str(verdict), verdict_rank=verdict.rank, score=score,
                                      findings=findings, summary=summary, attack=attack)
                        stats.raised += 1
                        move = f"{copy.verdict}->{verdict}"
                        stats.transitions[move] = stats.transitions.get(move, 0) + 1
                conn.execute(update(MessageRow).where(MessageRow.id == int(pk)).values(**values))
                stats.messages += 1


def mark_copy_tokens(store: Store, config: Any = None) -> CopyTokenStats:
    """Find per-recipient ids across the stored copies of each mailing and record them
    on those copies (see the module docstring). Safe to run again: a beacon already
    marked per-recipient is not looked at twice. ``config``: whose rules and policy
    judge the copies again (the defaults when None)."""
    started = time.perf_counter()
    stats = CopyTokenStats()
    copies = _candidates(store)
    if len(copies) >= 2:
        marks = _find(store, copies, stats)
        if marks:
            _apply(store, copies, marks, stats, config)
    stats.seconds = time.perf_counter() - started
    return stats
