"""Reference data of news outlets and free-mail providers, and the compiled matchers.

``outlets.yaml`` lists news organisations with their names, aliases, short names and
official domains; ``freemail.yaml`` lists free-mail and disposable-mail domains. Both
are loaded once per process. ``catalogue(settings)`` adds the operator's organisation
and protected people and compiles the alias matchers (one Aho-Corasick automaton over
folded text) once per distinct settings value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import ahocorasick_rs
import yaml

from mailward.domains import to_unicode, within
from mailward.errors import MailwardError
from mailward.identity.settings import IdentitySettings, Person
from mailward.identity.text import compact, fold
from mailward.yamlload import safe_load


class ReferenceDataError(MailwardError):
    """A reference data file is missing or malformed. The message says which entry."""


@dataclass(frozen=True, slots=True)
class Entity:
    """Something a message can claim to be: a news outlet or the operator's organisation."""

    id: str
    name: str
    kind: str  # "outlet" or "organisation"
    aliases: tuple[str, ...]  # distinctive names: matched inside display names
    short: tuple[str, ...]  # ambiguous names ("AP", "FT", "The Times"): whole segments only
    domains: tuple[str, ...]  # official domains (any subdomain counts)
    brands: tuple[str, ...]  # distinctive domain labels, for combosquat detection
    country: str = ""
    source: str = ""

    @property
    def domain_set(self) -> frozenset[str]:
        return frozenset(self.domains)


@dataclass(frozen=True, slots=True)
class OutletData:
    outlets: tuple[Entity, ...]
    common_labels: frozenset[str]  # domain labels that are ordinary words
    not_lookalikes: frozenset[str]  # registrable domains known to be unrelated owners
    ambiguous_names: frozenset[str] = frozenset()  # folded outlet names never matched on their own


def _data_text(name: str) -> str:
    return resources.files("mailward").joinpath("data", name).read_text("utf-8")


def _str_tuple(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ReferenceDataError(f"{what} must be a list of strings")
    return tuple(v for v in value if v)


def _slug(name: str) -> str:
    return compact(name) or name.lower()


def parse_outlets(text: str, origin: str = "outlets.yaml") -> OutletData:
    try:
        loaded = safe_load(text)
    except yaml.YAMLError as exc:
        raise ReferenceDataError(f"{origin}: invalid YAML: {exc}") from None
    if not isinstance(loaded, Mapping) or not isinstance(loaded.get("outlets"), list):
        raise ReferenceDataError(f"{origin}: expected a mapping with an 'outlets' list")
    common = frozenset(_str_tuple(loaded.get("common_labels"), f"{origin}: common_labels"))
    outlets: list[Entity] = []
    seen: set[str] = set()
    for i, entry in enumerate(loaded["outlets"]):
        where = f"{origin}: outlets[{i}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise ReferenceDataError(f"{where} needs a name")
        name = entry["name"]
        domains = tuple(to_unicode(d) for d in _str_tuple(entry.get("domains"), f"{where} ({name}) domains"))
        if not domains:
            raise ReferenceDataError(f"{where} ({name}) has no domains")
        if not isinstance(entry.get("source"), str) or not entry["source"].strip():
            raise ReferenceDataError(f"{where} ({name}) has no source note")
        ident = str(entry.get("id") or _slug(name))
        if ident in seen:
            raise ReferenceDataError(f"{where} ({name}): duplicate id {ident!r}")
        seen.add(ident)
        brands = _str_tuple(entry.get("brands"), f"{where} brands")
        if not brands:
            brands = tuple(_default_brands(domains, common))
        outlets.append(
            Entity(
                id=ident,
                name=name,
                kind="outlet",
                aliases=_str_tuple(entry.get("aliases"), f"{where} aliases"),
                short=_str_tuple(entry.get("short"), f"{where} short"),
                domains=domains,
                brands=brands,
                country=str(entry.get("country", "")),
                source=entry["source"].strip(),
            )
        )
    not_lookalikes = frozenset(to_unicode(d) for d in _str_tuple(loaded.get("not_lookalikes"), f"{origin}: not_lookalikes"))
    ambiguous = frozenset(fold(n) for n in _str_tuple([str(x) for x in loaded.get("ambiguous_names") or []], f"{origin}: ambiguous_names"))
    return OutletData(tuple(outlets), common, not_lookalikes, ambiguous)


def _default_brands(domains: Iterable[str], common: frozenset[str]) -> list[str]:
    from mailward.domains import split_registrable

    brands: list[str] = []
    for domain in list(domains)[:1]:  # the primary domain: parents' and sister domains are not brands
        label, _ = split_registrable(domain)
        if len(label) >= 4 and label not in common and label not in brands:
            brands.append(label)
    return brands


@lru_cache(maxsize=1)
def outlet_data() -> OutletData:
    return parse_outlets(_data_text("outlets.yaml"))


def parse_freemail(text: str, origin: str = "freemail.yaml") -> frozenset[str]:
    try:
        loaded = safe_load(text)
    except yaml.YAMLError as exc:
        raise ReferenceDataError(f"{origin}: invalid YAML: {exc}") from None
    if not isinstance(loaded, Mapping) or not isinstance(loaded.get("providers"), list):
        raise ReferenceDataError(f"{origin}: expected a mapping with a 'providers' list")
    domains: set[str] = set()
    for i, entry in enumerate(loaded["providers"]):
        if not isinstance(entry, Mapping) or not entry.get("source"):
            raise ReferenceDataError(f"{origin}: providers[{i}] needs domains and a source note")
        domains.update(to_unicode(d) for d in _str_tuple(entry.get("domains"), f"{origin}: providers[{i}] domains"))
    return frozenset(domains)


@lru_cache(maxsize=1)
def freemail_domains() -> frozenset[str]:
    return parse_freemail(_data_text("freemail.yaml"))


def is_freemail(domain: str) -> bool:
    return bool(within(domain, freemail_domains()))


# -- the compiled catalogue ---------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """Every claimable identity with its compiled matchers. Build with ``catalogue()``."""

    entities: tuple[Entity, ...]
    people: tuple[Person, ...]
    organisation: Entity | None
    # folded alias -> entity index, for whole-segment matches (aliases and short names)
    segments: Mapping[str, int]
    # Aho-Corasick over " folded text " for distinctive aliases and people's names
    anywhere: ahocorasick_rs.AhoCorasick | None
    anywhere_targets: tuple[tuple[str, int], ...]  # ("entity"|"person", index) per pattern
    anywhere_patterns: tuple[str, ...]
    # compact distinctive aliases for address local parts
    local_aliases: Mapping[str, int]
    person_segments: Mapping[str, int]
    fuzzy_aliases: tuple[str, ...]  # folded distinctive aliases (>= 6 chars) for misspellings
    fuzzy_targets: tuple[int, ...]
    # symmetric-deletion index (each alias and its one-letter deletions -> alias positions):
    # candidates for misspellings in a few dictionary look-ups
    fuzzy_index: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    domain_owner: Mapping[str, int] = field(default_factory=dict)  # official domain -> entity
    short_local: Mapping[str, int] = field(default_factory=dict)  # 3-4 letter names ("bbc") as local-part tokens
    # words a display name may add after a name and still state it ("IRS Tax Report",
    # "Netflix Support Team"): the brand catalogue's service words; outlets have none
    trailing_words: frozenset[str] = frozenset()
    leading_words: frozenset[str] = frozenset()  # and before it ("Mijn CM", "Portal BB"): the brands' too

    def entity_for_domain(self, domain: str) -> Entity | None:
        hit = within(domain, self.domain_owner)
        return self.entities[self.domain_owner[hit]] if hit else None


def _organisation_entity(settings: IdentitySettings) -> Entity | None:
    if not settings.organisation and not settings.domains:
        return None
    name = settings.organisation or settings.domains[0]
    from mailward.domains import split_registrable

    brands = []
    for domain in settings.domains:
        label, _ = split_registrable(domain)
        if len(label) >= 4:
            brands.append(label)
    return Entity(
        id="organisation",
        name=name,
        kind="organisation",
        aliases=tuple(a for a in (settings.organisation, *settings.organisation_aliases) if len(fold(a)) >= 6),
        short=tuple(a for a in (settings.organisation, *settings.organisation_aliases) if a and len(fold(a)) < 6),
        domains=settings.domains,
        brands=tuple(brands),
        source="configuration [organisation]",
    )


def person_name_forms(name: str) -> list[str]:
    """Folded forms of a person's name: "jane doe", "doe jane" (as in "Doe, Jane")."""
    words = fold(name).split()
    forms = [" ".join(words)]
    if len(words) >= 2:
        forms.append(" ".join([words[-1], *words[:-1]]))
    return [f for f in forms if len(f) >= 5]


@lru_cache(maxsize=8)
def catalogue(settings: IdentitySettings) -> Catalogue:
    data = outlet_data()
    freemail_domains()  # load every reference file now, not on the first message
    entities = list(data.outlets)
    org = _organisation_entity(settings)
    if org is not None:
        entities.append(org)
    return compile_catalogue(entities, settings.people, org, data.ambiguous_names)


def compile_catalogue(
    entities: list[Entity], people: tuple[Person, ...], org: Entity | None, ambiguous_names: frozenset[str]
) -> Catalogue:
    """Compile the matchers over ``entities`` (outlets, brands, the organisation) and
    ``people``. ``ambiguous_names`` are folded names never matched on their own."""
    segments: dict[str, int] = {}
    anywhere: dict[str, tuple[str, int]] = {}
    local_aliases: dict[str, int] = {}
    short_local: dict[str, int] = {}
    fuzzy: dict[str, int] = {}
    domain_owner: dict[str, int] = {}
    for index, entity in enumerate(entities):
        for domain in entity.domains:
            domain_owner.setdefault(domain, index)
        short_folded = {fold(s) for s in entity.short}
        for alias in (entity.name, *entity.aliases):
            folded = fold(alias)
            if not folded:
                continue
            if alias == entity.name and folded not in short_folded and (folded in ambiguous_names or len(folded) <= 2):
                continue
            segments.setdefault(folded, index)
            if folded in short_folded or (alias == entity.name and not _distinctive_name(alias)):
                continue
            anywhere.setdefault(folded, ("entity", index))
            packed = folded.replace(" ", "")
            if len(packed) >= 5 and packed.isascii():
                local_aliases.setdefault(packed, index)
            elif 3 <= len(packed) <= 4 and packed.isascii():
                short_local.setdefault(packed, index)
            if len(folded) >= 6:
                fuzzy.setdefault(folded, index)
        for alias in entity.short:
            folded = fold(alias)
            if folded:
                segments.setdefault(folded, index)
        for brand in entity.brands:
            if len(brand) >= 5 and brand.isascii():
                local_aliases.setdefault(brand, index)
    person_segments: dict[str, int] = {}
    for p_index, person in enumerate(people):
        for form in person_name_forms(person.name):
            anywhere.setdefault(form, ("person", p_index))
            person_segments.setdefault(form, p_index)
    patterns = tuple(anywhere)
    matcher = None
    if patterns:
        padded = [_pad(p) for p in patterns]
        matcher = ahocorasick_rs.AhoCorasick(padded, matchkind=ahocorasick_rs.MatchKind.Standard)
    return Catalogue(
        entities=tuple(entities),
        people=people,
        organisation=org,
        segments=segments,
        anywhere=matcher,
        anywhere_targets=tuple(anywhere[p] for p in patterns),
        anywhere_patterns=patterns,
        person_segments=person_segments,
        fuzzy_aliases=tuple(fuzzy),
        fuzzy_targets=tuple(fuzzy.values()),
        fuzzy_index=deletion_index(tuple(fuzzy)),
        domain_owner=domain_owner,
        local_aliases=local_aliases,
        short_local=short_local,
    )


def deletions(text: str) -> set[str]:
    """``text`` and every string made by leaving one character out."""
    return {text, *(text[:i] + text[i + 1 :] for i in range(len(text)))}


def deletion_index(aliases: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    index: dict[str, list[int]] = {}
    for position, alias in enumerate(aliases):
        for variant in deletions(alias):
            index.setdefault(variant, []).append(position)
    return {k: tuple(v) for k, v in index.items()}


def _distinctive_name(name: str) -> bool:
    """An entity's own name is matched inside longer text only when it cannot be an
    ordinary word: several words, six letters or more, or an acronym in capitals."""
    folded = fold(name)
    return " " in folded or len(folded) >= 6 or (name.isupper() and len(folded) >= 3)


def _pad(folded: str) -> str:
    """Word-boundary padding; scripts written without spaces (CJK) match unpadded."""
    if any(_is_unspaced(c) for c in folded):
        return folded
    return f" {folded} "


def _is_unspaced(char: str) -> bool:
    code = ord(char)
    return 0x2E80 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF or 0x3040 <= code <= 0x30FF
