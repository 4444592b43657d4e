"""Campaigns: messages sent by one operation, found by what they share.

Only messages whose verdict is suspicious or worse are clustered into attack
campaigns. Two of them join when they share

* one **strong** key: the same Reply-To or From address, the same sending domain,
  DKIM d=, Message-ID shape, or tracking host, tracking URL template or
  per-recipient token slot on a tracker that is not a known mailing service; or
* **two weak** keys together, one of them who the mail claims to be (the display
  name, or the identity claimed by an impostor, from the scan's facts) and unused by
  ordinary mail; the other weak keys are the
  sending IP (mailing services, clouds and free-mail send for many customers from
  one address), a known mailing service's tracking host or URL template, a tracking
  URL's path on whatever host (one phishing kit on several domains), the shape of
  the Message-ID whatever its domain (one mail-merge tool); or
* near-identical **content**: MinHash (datasketch) with LSH banding over the normalised subject and
  body (links, addresses and the reader's names removed), Jaccard >= 0.8. Only
  near-duplicates: lures copy real news articles, so two campaigns can carry the
  same article and merely similar text proves nothing; or
* a **batch per-recipient token**: ``mailward.tokens.template_tokens`` finds beacon
  URLs that are identical except for one per-copy component.

A key that ordinary (clean or tracking) mail uses as well, such as a free-mail
domain, a mailing service's host or a real outlet's name, does not link attack mail:
that is what keeps a campaign sent through a commercial mailing service from being
merged with the newsletters that use the same service. Benign bulk mail is grouped
separately (kind "benign"), only by identical List-Id or by a sending domain that
signs its own mail, and never with attack mail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mailward.store import Campaign, ClusterInput, Store

from .features import NUM_PERM

# "intel": the same known indicator matched them (added by the retro-match,
# mailward.share.retromatch, to the messages it matched)
STRONG = frozenset(
    {"reply_to", "receipt", "from", "from_domain", "dkim", "msgid", "track_host", "track_url", "token", "template", "intel"}
)
WEAK = frozenset({"persona", "claimed", "ip", "esp_host", "esp_url", "path", "msgid_shape"})
IDENTITY = frozenset({"persona", "claimed"})  # every weak pair has one of these
CONTENT_THRESHOLD = 0.8
BENIGN_MIN_GROUP = 3
_RANK = {"clean": 0, "tracking": 1, "suspicious": 2, "unscannable": 2, "recon": 3, "phishing": 4, "malicious": 5}
_ATTACK_VERDICTS = frozenset({"suspicious", "recon", "phishing", "malicious"})


@dataclass
class ClusterParams:
    content_threshold: float = CONTENT_THRESHOLD
    # a key is "common" (does not link) when at least this many benign messages use it
    # and they are at least ``benign_ratio`` of its attack uses
    benign_min: int = 2
    benign_ratio: float = 0.05
    max_weak: int = 12  # weak keys per message considered for pairs
    use_content: bool = True
    use_templates: bool = True
    use_copy_tokens: bool = True  # recluster(): mark per-recipient ids across stored copies first


@dataclass
class ClusterStats:
    messages: int = 0
    attack_messages: int = 0
    campaigns: int = 0
    benign_groups: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    copy_tokens: int = 0  # copies given a per-recipient id found across copies
    copy_token_raised: int = 0  # of those, copies whose verdict went up


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return True


def _freemail() -> Any:
    try:
        from mailward.identity.outlets import is_freemail

        is_freemail("example.org")
        return is_freemail
    except Exception:  # reference data not installed: only the benign counts decide
        return lambda _domain: False


@dataclass
class BenignStats:
    """What ordinary mail contributes to clustering: how often it uses each key and
    indicator (a key it uses does not link attack mail), and its bulk-mail groups."""

    key_counts: Counter[str] = field(default_factory=Counter)
    indicator_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    groups: dict[str, list[ClusterInput]] = field(default_factory=lambda: defaultdict(list))


def is_attack(verdict: str) -> bool:
    return verdict in _ATTACK_VERDICTS


def is_benign(verdict: str) -> bool:
    return verdict not in _ATTACK_VERDICTS and verdict != "unscannable"


def cluster(inputs: Iterable[ClusterInput], params: ClusterParams | None = None) -> tuple[list[Campaign], ClusterStats]:
    """Group messages into attack campaigns and benign groups."""
    params = params or ClusterParams()
    stats = ClusterStats()
    started = time.perf_counter()
    attack: list[ClusterInput] = []
    benign = BenignStats()
    for item in inputs:
        stats.messages += 1
        if item.features.get("forwarded"):
            continue  # a colleague's forward of a lure (features.forwarded): neither the attack nor ordinary mail
        if item.verdict in _ATTACK_VERDICTS:
            attack.append(item)
            continue
        if item.verdict == "unscannable":
            continue
        benign.key_counts.update(item.features.get("keys", ()))
        benign.indicator_counts.update((i.get("kind", ""), i.get("value", "")) for i in item.indicators)
        group = _benign_key(item)
        if group:
            benign.groups[group].append(item)
    stats.timings["load"] = time.perf_counter() - started
    campaigns = cluster_attack(attack, benign, params, stats)
    t0 = time.perf_counter()
    campaigns.extend(benign_groups(benign.groups.items(), stats))
    stats.timings["summarise"] += time.perf_counter() - t0
    stats.seconds = time.perf_counter() - started
    return campaigns, stats


def benign_groups(groups: Iterable[tuple[str, Sequence[ClusterInput]]], stats: ClusterStats) -> list[Campaign]:
    out = []
    for key, items in groups:
        if len(items) >= BENIGN_MIN_GROUP:
            out.append(_summarise("benign", items, Counter({key: len(items) - 1}), Counter()))
            stats.benign_groups += 1
    return out


def cluster_attack(attack: list[ClusterInput], benign: BenignStats, params: ClusterParams,
                   stats: ClusterStats) -> list[Campaign]:
    """The attack campaigns: ``attack`` is every attack message in id order; of
    ``benign`` only the counts of the keys and indicators attack mail uses matter."""
    stats.attack_messages = len(attack)
    benign_counts, benign_indicators = benign.key_counts, benign.indicator_counts
    t0 = time.perf_counter()
    free = _freemail()
    attack_counts: Counter[str] = Counter()
    for item in attack:
        attack_counts.update(item.features.get("keys", ()))

    def usable(key: str) -> bool:
        b = benign_counts.get(key, 0)
        if b >= params.benign_min and b >= params.benign_ratio * attack_counts[key]:
            return False
        kind, _, value = key.partition(":")
        if kind in ("from_domain", "dkim") and free(value):
            return False
        if kind == "msgid" and free(value.rpartition("@")[2]):
            return False
        return True

    usable_cache = {k: usable(k) for k in attack_counts}
    uf = _UnionFind(len(attack))
    reasons: dict[int, Counter[str]] = defaultdict(Counter)  # link reasons, counted per union
    owner: dict[str, int] = {}

    def link(key: str, idx: int) -> None:
        first = owner.setdefault(key, idx)
        if first != idx and uf.union(first, idx):
            reasons[first][key] += 1

    for idx, item in enumerate(attack):
        weak: list[str] = []
        for key in item.features.get("keys", ()):
            kind = key.partition(":")[0]
            if kind in STRONG:
                if usable_cache.get(key, False):
                    link(key, idx)
            elif kind in WEAK:
                weak.append(key)
        # weak keys count in pairs: who it claims to be (a name ordinary mail does not
        # use) plus one detail of how it was sent
        identities = [k for k in weak if k.partition(":")[0] in IDENTITY and usable_cache.get(k, False)]
        for a in identities:
            for b in sorted(weak)[: params.max_weak]:
                if b != a:
                    link(f"pair:{a}+{b}", idx)
    stats.timings["keys"] = time.perf_counter() - t0

    if params.use_templates and attack:
        t0 = time.perf_counter()
        _link_templates(attack, link, usable_cache)
        stats.timings["templates"] = time.perf_counter() - t0
    if params.use_content and attack:
        t0 = time.perf_counter()
        _link_content(attack, uf, reasons, params.content_threshold)
        stats.timings["content"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    components: dict[int, list[int]] = defaultdict(list)
    for idx in range(len(attack)):
        components[uf.find(idx)].append(idx)
    campaigns: list[Campaign] = []
    for members in components.values():
        items = [attack[i] for i in members]
        why: Counter[str] = Counter()
        for i in members:
            why.update(reasons.get(i, {}))
        campaigns.append(_summarise("attack", items, why, benign_indicators))
    stats.campaigns = len(campaigns)
    stats.timings["summarise"] = time.perf_counter() - t0
    return campaigns


def _benign_key(item: ClusterInput) -> str:
    return benign_key(item.verdict, item.features)


def benign_key(verdict: str, features: Mapping[str, Any]) -> str:
    """Identical infrastructure for bulk mail: its List-Id, or a domain signing its own mail."""
    if features.get("list_id"):
        return "list_id:" + str(features["list_id"])
    if verdict == "tracking" and features.get("dkim_aligned"):
        for key in features.get("keys", ()):
            if key.startswith("from_domain:"):
                return str(key)
    return ""


def _link_templates(attack: Sequence[ClusterInput], link: Any, usable: dict[str, bool]) -> None:
    """Batch per-recipient tokens: URLs identical but for one per-copy component."""
    from mailward.tokens import template_tokens

    batch = [(str(i), item.features.get("beacon_urls", ())) for i, item in enumerate(attack)]
    batch = [b for b in batch if b[1]]
    if len(batch) < 2:
        return
    for token in template_tokens(batch):
        key = f"template:{token.template}"
        host_key = f"track_host:{token.host}"
        if host_key not in usable or not usable[host_key]:
            continue  # a mailing service every newsletter uses: its URL shapes say nothing
        for msg_key in token.values:
            link(key, int(msg_key))


# datasketch's optimal (bands, rows) for 64 permutations and equal weights of false
# positives and negatives, at the thresholds one would configure: computing them
# imports SciPy (its numerical integration), ~1 s of CPU and ~50 MB in the hunting
# process at the end of every hunt. A test holds this table equal to datasketch.
LSH_PARAMS: dict[float, tuple[int, int]] = {
    0.5: (14, 4), 0.6: (10, 6), 0.7: (8, 8), 0.75: (7, 9), 0.8: (5, 11), 0.85: (4, 15), 0.9: (3, 21),
}


def lsh_params(threshold: float) -> tuple[int, int]:
    """(bands, rows) of the MinHash LSH banding for a Jaccard ``threshold``."""
    known = LSH_PARAMS.get(threshold) if NUM_PERM == 64 else None
    if known is not None:
        return known
    from datasketch.lsh import _optimal_param

    bands, rows = _optimal_param(threshold, NUM_PERM, 0.5, 0.5)
    return int(bands), int(rows)


def _link_content(attack: Sequence[ClusterInput], uf: _UnionFind, reasons: dict[int, Counter[str]], threshold: float) -> None:
    """MinHash LSH banding (datasketch's optimal bands and rows for the threshold),
    every candidate checked against the estimated Jaccard similarity."""
    bands, rows = lsh_params(threshold)
    signatures: dict[int, np.ndarray] = {}
    for idx, item in enumerate(attack):
        if item.minhash and len(item.minhash) == NUM_PERM * 4:
            signatures[idx] = np.frombuffer(item.minhash, dtype=np.uint32)
    if len(signatures) < 2:
        return
    for band in range(bands):
        lo, hi = band * rows, (band + 1) * rows
        buckets: dict[bytes, list[int]] = {}
        for idx, values in signatures.items():
            buckets.setdefault(values[lo:hi].tobytes(), []).append(idx)
        for members in buckets.values():
            if len(members) < 2:
                continue
            head = signatures[members[0]]
            for other in members[1:]:
                if uf.find(other) == uf.find(members[0]):
                    continue
                similarity = float(np.count_nonzero(head == signatures[other])) / NUM_PERM
                if similarity >= threshold and uf.union(members[0], other):
                    reasons[min(members[0], other)]["content:similar subject and body"] += 1


def _summarise(
    kind: str,
    items: Sequence[ClusterInput],
    why: Counter[str],
    benign_indicators: Counter[tuple[str, str]],
) -> Campaign:
    dated = [i.date for i in items if i.date is not None]
    earliest = min(items, key=lambda i: (i.date or dt.datetime.max.replace(tzinfo=dt.UTC), i.sha256))
    ident = ("C" if kind == "attack" else "B") + hashlib.sha1(earliest.sha256.encode(), usedforsecurity=False).hexdigest()[:11]
    names = Counter(i.from_name.strip() for i in items if i.from_name.strip())
    senders = Counter(i.from_addr for i in items if i.from_addr)
    identities = Counter(f"{i.from_name.strip()} <{i.from_addr}>" if i.from_name.strip() else i.from_addr for i in items if i.from_addr)
    targets: set[str] = set()
    for i in items:
        targets.update(r.lower() for r in i.recipients)
    verdict = max((i.verdict for i in items), key=lambda v: _RANK.get(v, 0))
    indicators: dict[tuple[str, str], int] = {}
    for i in items:
        for ind in i.indicators:
            k = (ind.get("kind", ""), ind.get("value", ""))
            if k[0] and k[1] and not benign_indicators.get(k):
                indicators[k] = indicators.get(k, 0) + 1
    ordered = sorted(indicators.items(), key=lambda kv: (-kv[1], kv[0]))
    attack_ids: dict[str, None] = {}
    for i in items:
        for tid in i.attack:
            attack_ids.setdefault(tid, None)
    if names:
        name = names.most_common(1)[0][0]
        domains = Counter(s.rpartition("@")[2] for s in senders)
        if domains:
            name += f" ({domains.most_common(1)[0][0]})"
    elif senders:
        name = senders.most_common(1)[0][0]
    else:
        name = Counter(i.subject for i in items).most_common(1)[0][0] or ident
    return Campaign(
        id=ident,
        kind=kind,
        name=name,
        verdict=verdict,
        first_seen=min(dated) if dated else None,
        last_seen=max(dated) if dated else None,
        message_count=len(items),
        target_count=len(targets),
        senders=tuple(s for s, _ in senders.most_common(50)),
        identities=tuple(s for s, _ in identities.most_common(50)),
        indicators=tuple({"kind": k, "value": v} for (k, v), _ in ordered[:500]),
        attack=tuple(sorted(attack_ids)),
        links=tuple(k for k, _ in why.most_common(12)),
        targets=tuple(sorted(targets)),
        message_ids=tuple(sorted(i.id for i in items)),
    )


def recluster(store: Store, params: ClusterParams | None = None, config: Any = None) -> ClusterStats:
    """Re-cluster everything in the store and swap the result in.

    First, per-recipient ids that only the copies of one mailing reveal are recorded
    on those copies (``mailward.hunt.copytokens``; the rules of ``config`` judge the
    copies again), so the clustering sees the raised verdicts and token keys."""
    params = params or ClusterParams()
    copy_stats = None
    if params.use_copy_tokens:
        from .copytokens import mark_copy_tokens

        copy_stats = mark_copy_tokens(store, config)
    campaigns, stats = cluster(store.cluster_inputs(), params)
    if copy_stats is not None:
        stats.copy_tokens = copy_stats.messages
        stats.copy_token_raised = copy_stats.raised
        stats.timings["copy_tokens"] = copy_stats.seconds
    t0 = time.perf_counter()
    store.replace_campaigns(campaigns)
    stats.timings["write"] = time.perf_counter() - t0
    return stats
