"""Lookalike domains of the news outlets' and the organisation's own domains.

The index is built once per settings value: every official domain's registrable
label is expanded into its typo permutations (missing, doubled, transposed and
keyboard-neighbour letters, vowel swaps, hyphenation), its TR39 skeleton, its
brand tokens for combosquats, and an Aho-Corasick automaton over the official
domains for subdomain tricks. ``lookalike_of`` then costs a few dictionary look-ups,
one automaton pass and one rapidfuzz query for edit distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import ahocorasick_rs
from rapidfuzz.distance import Levenshtein

from mailward.domains import site, split_registrable, to_unicode, within
from mailward.identity.outlets import Catalogue, catalogue, deletion_index, deletions, outlet_data
from mailward.identity.settings import IdentitySettings
from mailward.identity.text import is_mixed_script, skeleton

# Kinds, stable names used in facts and docs.
TYPO = "typo"
KEYBOARD = "keyboard"
DOUBLED = "doubled-letter"
MISSING = "missing-letter"
TRANSPOSED = "transposition"
HOMOGLYPH = "homoglyph"
MIXED_SCRIPT = "mixed-script"
COMBOSQUAT = "combosquat"
TLD_SWAP = "tld-swap"
SUBDOMAIN = "subdomain-trick"

_QWERTY_ROWS = ("1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_VOWELS = "aeiouy"
# Words that attackers add to a brand: "reuters-newsdesk", "bbcnews-alerts"
_NEWS_WORDS = (
    "news", "newsdesk", "desk", "media", "press", "breaking", "world", "live", "online",
    "mail", "editor", "editorial", "today", "daily", "alert", "alerts", "update", "updates",
    "report", "reports", "group", "global", "intl", "international", "int", "official",
    "uk", "us", "eu", "asia", "info", "team", "secure", "service", "services", "center",
    "centre", "hq", "office", "journal", "journalist", "newsroom", "edition", "mailing",
)


@dataclass(frozen=True, slots=True)
class LookalikeMatch:
    """``domain`` looks like ``target``, an official domain of ``name``."""

    domain: str  # the domain examined (Unicode, lower case)
    target: str  # the official domain it imitates
    name: str  # the outlet or organisation owning ``target``
    entity_id: str
    entity_kind: str  # "outlet" or "organisation"
    kind: str  # typo, keyboard, doubled-letter, missing-letter, transposition, homoglyph,
    #            mixed-script, combosquat, tld-swap, subdomain-trick
    detail: str  # plain words: "one letter missing ('reuter')"
    distance: int = 0  # edit distance of the registrable labels (0 when not meaningful)


def _neighbours() -> dict[str, str]:
    near: dict[str, str] = {}
    for r, row in enumerate(_QWERTY_ROWS):
        for c, key in enumerate(row):
            around = []
            for rr in (r - 1, r, r + 1):
                if 0 <= rr < len(_QWERTY_ROWS):
                    for cc in (c - 1, c, c + 1):
                        other_row = _QWERTY_ROWS[rr]
                        if 0 <= cc < len(other_row) and (rr, cc) != (r, c):
                            around.append(other_row[cc])
            near[key] = "".join(around)
    return near


_NEAR = _neighbours()


def permutations(label: str) -> dict[str, tuple[str, str]]:
    """Typo variants of ``label``: variant -> (kind, detail)."""
    out: dict[str, tuple[str, str]] = {}

    def add(variant: str, kind: str, detail: str) -> None:
        if variant and variant != label and variant not in out and not variant.startswith("-") and not variant.endswith("-"):
            out[variant] = (kind, detail)

    n = len(label)
    # most specific kinds first: a variant keeps the first kind that produced it
    for i in range(n):
        ch = label[i]
        add(label[:i] + ch + label[i:], DOUBLED, f"letter '{ch}' doubled")
        add(label[:i] + label[i + 1 :], MISSING, f"letter '{ch}' left out")
        if i + 1 < n:
            add(label[:i] + label[i + 1] + ch + label[i + 2 :], TRANSPOSED, f"letters '{ch}{label[i + 1]}' swapped")
    for i in range(n):
        ch = label[i]
        for near in _NEAR.get(ch, ""):
            add(label[:i] + near + label[i + 1 :], KEYBOARD, f"'{ch}' replaced by neighbouring key '{near}'")
            add(label[:i] + near + label[i:], KEYBOARD, f"neighbouring key '{near}' added before '{ch}'")
            add(label[: i + 1] + near + label[i + 1 :], KEYBOARD, f"neighbouring key '{near}' added after '{ch}'")
    for i in range(n):
        ch = label[i]
        if ch in _VOWELS:
            for vowel in _VOWELS:
                if vowel != ch:
                    add(label[:i] + vowel + label[i + 1 :], TYPO, f"vowel '{ch}' replaced by '{vowel}'")
        if 0 < i:
            add(label[:i] + "-" + label[i:], TYPO, "hyphen added")
    return out


def _variant_order(label: str) -> list[str]:
    """The strings ``permutations`` tries, in its order and with repeats, without the
    kind and detail texts (building those for every variant of every official label
    was most of the index's start-up cost); ``permutations(label)[variant]`` gives
    them for the one variant that matched."""
    n = len(label)
    out: list[str] = []
    extend = out.extend
    for i in range(n):
        ch = label[i]
        extend((label[:i] + ch + label[i:], label[:i] + label[i + 1:]))
        if i + 1 < n:
            out.append(label[:i] + label[i + 1] + ch + label[i + 2:])
    for i in range(n):
        head, rest, after = label[:i], label[i + 1:], label[i:]
        for near in _NEAR.get(label[i], ""):
            extend((head + near + rest, head + near + after, label[:i + 1] + near + rest))
    for i in range(n):
        ch = label[i]
        if ch in _VOWELS:
            extend(label[:i] + vowel + label[i + 1:] for vowel in _VOWELS if vowel != ch)
        if 0 < i:
            out.append(label[:i] + "-" + label[i:])
    return out


@dataclass(frozen=True)
class LookalikeIndex:
    cat: Catalogue
    official: frozenset[str]
    registrables: frozenset[str]  # registrable domains of official domains (same owner)
    not_lookalikes: frozenset[str]
    perms: dict[str, tuple[int, str, str]]  # variant -> (entity, target, the official label it varies)
    skeletons: dict[str, tuple[int, str]]  # skeleton(registrable) or skeleton(label) -> (entity, target)
    labels: dict[str, list[tuple[int, str, str]]]  # label -> [(entity, target, suffix)]
    fuzzy_labels: tuple[str, ...]
    fuzzy_targets: tuple[tuple[int, str], ...]
    fuzzy_index: dict[str, tuple[int, ...]]  # one-letter deletions -> positions in fuzzy_labels
    brands: tuple[str, ...]
    brand_targets: tuple[tuple[int, str], ...]
    brand_matcher: ahocorasick_rs.AhoCorasick | None
    domains_matcher: ahocorasick_rs.AhoCorasick | None
    domain_patterns: tuple[str, ...]
    domain_targets: tuple[int, ...]


@lru_cache(maxsize=8)
def lookalike_index(settings: IdentitySettings) -> LookalikeIndex:
    cat = catalogue(settings)
    data = outlet_data()
    common = data.common_labels
    official = frozenset(cat.domain_owner)
    perms: dict[str, tuple[int, str, str]] = {}
    skeletons: dict[str, tuple[int, str]] = {}
    labels: dict[str, list[tuple[int, str, str]]] = {}
    fuzzy: dict[str, tuple[int, str]] = {}
    brand_map: dict[str, tuple[int, str]] = {}
    domain_map: dict[str, int] = {}
    official_labels: set[str] = set()
    for index, entity in enumerate(cat.entities):
        for domain in entity.domains:
            reg = site(domain)
            if len(domain) >= 6:
                domain_map.setdefault(domain, index)
            if reg != domain:
                continue  # a subdomain on a shared portal (news.yahoo.com): no typo forms of the portal
            label, suffix = split_registrable(reg)
            official_labels.add(label)
            labels.setdefault(label, []).append((index, reg, suffix))
            skeletons.setdefault(skeleton(reg), (index, reg))
            if len(label) >= 5 and label not in common:
                fuzzy.setdefault(label, (index, reg))
        for brand in entity.brands:
            if len(brand) >= 3:
                brand_map.setdefault(brand, (index, entity.domains[0]))
    for label, owners in labels.items():
        if len(label) < 5 or label in common:
            continue
        index, reg, _ = owners[0]
        hit = (index, reg, label)
        for variant in _variant_order(label):
            # permutations() keeps what is not the label, not empty and not hyphen-edged
            if variant not in perms and variant not in official_labels and variant != label \
                    and variant and variant[0] != "-" and variant[-1] != "-":
                perms[variant] = hit
    brand_list = tuple(brand_map)
    domain_list = tuple(domain_map)
    return LookalikeIndex(
        cat=cat,
        official=official,
        registrables=frozenset(site(d) for d in official),
        not_lookalikes=data.not_lookalikes,
        perms=perms,
        skeletons=skeletons,
        labels=labels,
        fuzzy_labels=tuple(fuzzy),
        fuzzy_targets=tuple(fuzzy.values()),
        fuzzy_index=deletion_index(tuple(fuzzy)),
        brands=brand_list,
        brand_targets=tuple(brand_map[b] for b in brand_list),
        brand_matcher=ahocorasick_rs.AhoCorasick(brand_list) if brand_list else None,
        domains_matcher=ahocorasick_rs.AhoCorasick(domain_list) if domain_list else None,
        domain_patterns=domain_list,
        domain_targets=tuple(domain_map[d] for d in domain_list),
    )


def lookalike_of(domain: str, settings: IdentitySettings | None = None) -> LookalikeMatch | None:
    """The outlet or organisation domain that ``domain`` imitates, or None.

    Official domains (and their subdomains) are never lookalikes. Accepts Unicode or
    punycode; the result's ``domain`` is Unicode.
    """
    return _lookalike_of(domain, settings or _DEFAULT)


# Sending domains recur across messages (the same senders write again): the answer,
# a pure function of the domain and the settings, is kept per process.
@lru_cache(maxsize=8192)
def _lookalike_of(domain: str, settings: IdentitySettings) -> LookalikeMatch | None:
    index = lookalike_index(settings)
    host = to_unicode(domain)
    if not host or "." not in host:
        return None
    if within(host, index.official) or within(host, index.not_lookalikes):
        return None
    cat = index.cat
    reg = site(host)
    if reg in index.registrables:
        return None
    label, suffix = split_registrable(reg)

    def match(entity: int, target: str, kind: str, detail: str, distance: int = 0) -> LookalikeMatch:
        ent = cat.entities[entity]
        return LookalikeMatch(host, target, ent.name, ent.id, ent.kind, kind, detail, distance)

    # 1. subdomain trick: an official domain inside a longer host name
    if index.domains_matcher is not None and host != reg:
        for pattern_index, start, end in index.domains_matcher.find_matches_as_indexes(host, overlapping=True):
            before = host[start - 1] if start else "."
            after = host[end] if end < len(host) else ""
            if before in ".-" and after in (".", "-"):
                target = index.domain_patterns[pattern_index]
                return match(index.domain_targets[pattern_index], target, SUBDOMAIN,
                             f"'{target}' placed in front of the unrelated domain {reg}")
    # 2. precomputed typo permutations
    hit = index.perms.get(label)
    if hit is not None:
        entity, target, official_label = hit
        kind, detail = permutations(official_label)[label]
        return match(entity, target, kind, detail, Levenshtein.distance(label, split_registrable(target)[0]))
    # 3. homoglyphs / mixed scripts (TR39 skeleton)
    skel_hit = index.skeletons.get(skeleton(reg))
    if skel_hit is not None and skel_hit[1] != reg:
        entity, target = skel_hit
        if is_mixed_script(label):
            return match(entity, target, MIXED_SCRIPT, "letters from another script that look like Latin ones")
        if not label.isascii():
            return match(entity, target, HOMOGLYPH, "look-alike Unicode characters")
        if split_registrable(target)[0] != label:
            return match(entity, target, HOMOGLYPH, "look-alike characters (such as 'rn' for 'm' or '0' for 'o')")
    # 4. the same name under another suffix
    owners = index.labels.get(label)
    if owners and (len(label) >= 5 or label in index.brands) and label not in outlet_data().common_labels:
        entity, target, _ = owners[0]
        return match(entity, target, TLD_SWAP, f"same name under .{suffix} instead of .{owners[0][2]}")
    # 5. combosquat: the brand plus words
    if index.brand_matcher is not None:
        for brand_index, start, end in index.brand_matcher.find_matches_as_indexes(label, overlapping=True):
            brand = index.brands[brand_index]
            if brand == label:
                continue
            rest = (label[:start] + label[end:]).strip("-0123456789")
            delimited = (start == 0 or label[start - 1] in "-0123456789") and (end == len(label) or label[end] in "-0123456789")
            if len(brand) >= 6 or (len(brand) >= 3 and (delimited or rest.replace("-", "") in _NEWS_WORDS)):
                entity, target = index.brand_targets[brand_index]
                return match(entity, target, COMBOSQUAT, f"contains the brand '{brand}' with other words")
    # 6. edit distance (what the permutations miss, e.g. a swap plus a change in a long name),
    #    candidates from a symmetric-deletion index rather than a scan of every label
    if len(label) >= 5 and index.fuzzy_labels:
        cutoff = 2 if len(label) >= 10 else 1
        best: tuple[int, int] | None = None
        for variant in deletions(label):
            for position in index.fuzzy_index.get(variant, ()):
                distance = Levenshtein.distance(label, index.fuzzy_labels[position], score_cutoff=cutoff)
                if 0 < distance <= cutoff and (best is None or distance < best[0]):
                    best = (distance, position)
        if best is not None:
            distance, position = best
            entity, target = index.fuzzy_targets[position]
            return match(entity, target, TYPO, f"{distance} letter(s) different", distance)
    return None


_DEFAULT = IdentitySettings()
