"""Organisation claims beyond the news-outlet list.

Reads who a message says it is from where people say it -- the From display name,
the signature lines and bylines in the text ("writes for The Guardian", "Senior
Fellow, Centre for Eastern Policy") -- and compares the claim with the sending
domain:

* organisations listed in ``data/organisations.yaml`` (think tanks, NGOs,
  universities, international organisations, parliaments, governments): the From
  domain must be one of theirs;
* unlisted names carrying an organisation word ("Institute", "Gazette", "Centre
  for", "Foundation", "University", ...): the domain should carry the name (its
  words or its initials); free mail or an unrelated domain does not;
* bylines naming a news outlet ("writes for Reuters"): the outlet's domains, from
  the outlet catalogue.

It also says whether the From domain imitates a domain this site already
corresponds with (``correspondent_lookalike``).

Pure and local: the message, the packaged reference data and the sending domain in,
an ``OrgClaim`` out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import ahocorasick_rs
import re2

from mailward.domains import registrable, split_registrable, within
from mailward.identity.outlets import ReferenceDataError
from mailward.identity.text import compact, fold
from mailward.model import Message
from mailward.yamlload import safe_load

__all__ = [
    "OrgClaim",
    "Organisation",
    "correspondent_lookalike",
    "find_org_claim",
    "organisations",
    "parse_organisations",
]

KINDS = frozenset({"think-tank", "ngo", "university", "igo", "parliament", "government"})


@dataclass(frozen=True, slots=True)
class Organisation:
    name: str
    aliases: tuple[str, ...]
    kind: str
    country: str
    domains: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class OrgClaim:
    """One organisation claim and whether the sending domain backs it."""

    name: str
    kind: str  # an Organisation kind, "news" (a byline's outlet) or "unlisted"
    where: str  # display_name, signature, byline
    text: str
    listed: bool
    status: str  # holds, free-mail, lookalike, unrelated-domain, same-name, name-in-domain
    official_domains: tuple[str, ...] = ()


# -- reference data -------------------------------------------------------------------


def _entry(item: Any, origin: str, number: int) -> Organisation:
    if not isinstance(item, dict):
        raise ReferenceDataError(f"{origin}: entry {number} is not a mapping")
    name = item.get("name")
    kind = item.get("kind")
    domains = item.get("domains")
    if not isinstance(name, str) or not name.strip():
        raise ReferenceDataError(f"{origin}: entry {number} has no name")
    if kind not in KINDS:
        raise ReferenceDataError(f"{origin}: {name}: unknown kind {kind!r}")
    if not isinstance(domains, list) or not domains or not all(isinstance(d, str) and "." in d for d in domains):
        raise ReferenceDataError(f"{origin}: {name}: domains must be a non-empty list of domains")
    source = item.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ReferenceDataError(f"{origin}: {name}: no source")
    aliases = item.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ReferenceDataError(f"{origin}: {name}: aliases must be a list of strings")
    return Organisation(
        name=name.strip(),
        aliases=tuple(a.strip() for a in aliases if a.strip()),
        kind=str(kind),
        country=str(item.get("country", "")),
        domains=tuple(d.strip().lower().strip(".") for d in domains),
        source=source.strip(),
    )


def parse_organisations(text: str, origin: str = "organisations.yaml") -> tuple[Organisation, ...]:
    """Entries of an organisations file. Lines ``- {...}`` are read as JSON (fast);
    a file in any other YAML form is read with the YAML parser."""
    items: list[Any] = []
    in_list = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped == "organisations:":
            in_list = True
            continue
        if not (in_list and stripped.startswith("- {")):
            items = []
            break  # not the one-line form: let the YAML parser read it
        try:
            items.append(json.loads(stripped[2:]))
        except ValueError as exc:
            raise ReferenceDataError(f"{origin}:{number}: {exc}") from exc
    else:
        return tuple(_entry(item, origin, n) for n, item in enumerate(items, 1))
    import yaml

    try:
        loaded = safe_load(text)
    except yaml.YAMLError as exc:
        raise ReferenceDataError(f"{origin}: {exc}") from exc
    entries = loaded.get("organisations") if isinstance(loaded, dict) else None
    if not isinstance(entries, list):
        raise ReferenceDataError(f"{origin}: no 'organisations' list")
    return tuple(_entry(item, origin, n) for n, item in enumerate(entries, 1))


@lru_cache(maxsize=1)
def organisations() -> tuple[Organisation, ...]:
    text = resources.files("mailward.data").joinpath("organisations.yaml").read_text(encoding="utf-8")
    return parse_organisations(text)


# words and phrases that make a name an organisation's (folded)
_ORG_WORDS = (
    "institute", "institut", "instituto", "istituto", "centre for", "center for", "centre of", "center of",
    "centre on", "center on", "foundation", "fondation", "fundacion", "stiftung", "fondazione", "university",
    "universite", "universitat", "universidad", "universita", "college", "academy", "gazette", "herald",
    "chronicle", "tribune", "courier", "journal", "observer", "review", "council", "association", "society",
    "forum", "initiative", "observatory", "alliance", "ministry", "parliament", "commission", "agency",
    "think tank", "school of", "policy studies", "programme", "program on", "network for", "trust for",
)
_ORG_WORD = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in _ORG_WORDS) + r")\b")
# the same test on folded text (lower-case words, one space between them) as set and
# substring look-ups: the alternation above tries every word at every position
_ORG_SINGLE = frozenset(w for w in _ORG_WORDS if " " not in w)
_ORG_PHRASES = tuple(f" {w} " for w in _ORG_WORDS if " " in w)


def _org_word_in(folded: str) -> bool:
    """``_ORG_WORD.search(folded) is not None`` for a ``fold()`` result."""
    if not _ORG_SINGLE.isdisjoint(folded.split(" ")):
        return True
    padded = f" {folded} "
    return any(phrase in padded for phrase in _ORG_PHRASES)

# words that carry no name of their own
_STOP = frozenset(
    "the of for and on in at de la le des du der die das fur und for to a an & institute institut centre center "
    "foundation fondation stiftung university universite universitat college academy gazette herald chronicle "
    "tribune courier journal observer review council association society forum initiative observatory alliance "
    "ministry parliament commission agency school policy studies study research international national global "
    "european programme program network trust think tank news daily weekly".split()
)
_BYLINE = re2.compile(
    r"\b(?:[Ii]\s+(?:write|report|work)|(?:writes|writing|wrote|reporting|reports|working)|contribut(?:e|es|ing|or)"
    r"|commissioned|on assignment|correspondent|reporter|columnist|stringer)\s+(?:regularly\s+)?(?:for|to|by|with|at)\s+"
    r"((?:the\s+)?[A-Z][\w'&.-]{1,30}(?:\s+(?:of\s+|for\s+|and\s+|&\s+)?[A-Z][\w'&.-]{1,30}){0,5})"
)
_ACRONYM_MAX = 5
_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class _Index:
    orgs: tuple[Organisation, ...]
    matcher: ahocorasick_rs.AhoCorasick
    patterns: tuple[str, ...]
    targets: tuple[int, ...]
    acronyms: dict[str, int]  # "OSCE" -> index: whole display-name segments only, as written
    folded: dict[str, int]  # folded name or alias -> index (whole-segment look-up)
    # line -> ``_line_claim``'s answer: display names and signature lines recur across
    # messages (bounded: emptied when full)
    lines: dict[str, tuple[int | None, str]] = field(default_factory=dict, compare=False, repr=False)


@lru_cache(maxsize=1)
def _index() -> _Index:
    orgs = organisations()
    anywhere: dict[str, int] = {}
    acronyms: dict[str, int] = {}
    folded: dict[str, int] = {}
    for index, org in enumerate(orgs):
        for name in (org.name, *org.aliases):
            f = fold(name)
            if not f:
                continue
            if name.isupper() and len(name.replace(" ", "")) <= _ACRONYM_MAX:
                acronyms.setdefault(name, index)
                continue
            folded.setdefault(f, index)
            # matched inside longer text only when it is clearly a name: several words,
            # or one long word ("Bruegel", "Bellingcat")
            if len(f) >= 8 and (" " in f or len(f) >= 9):
                anywhere.setdefault(f, index)
    patterns = tuple(anywhere)
    matcher = ahocorasick_rs.AhoCorasick([f" {p} " for p in patterns], matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    return _Index(orgs, matcher, patterns, tuple(anywhere[p] for p in patterns), acronyms, folded)


def prepare() -> None:
    """Load and index the reference data now (start-up), not on the first message."""
    _index()


# -- claims --------------------------------------------------------------------------


_SEGMENTS = re.compile(r"[|,;/()\[\]–—·•]|\s-\s|\bat\b")  # pieces are stripped by the callers


def _listed_in(text: str, index: _Index, folded: str | None = None) -> int | None:
    f = f" {fold(text) if folded is None else folded} "
    best: tuple[int, int] | None = None
    for pattern, start, end in index.matcher.find_matches_as_indexes(f):
        if best is None or end - start > best[1]:
            best = (index.targets[pattern], end - start)
    return best[0] if best else None


def _segment_claim(segments: Sequence[str], index: _Index) -> int | None:
    for segment in segments[:8]:
        segment = segment.strip()
        if not segment or len(segment) > 80:
            continue
        hit = index.acronyms.get(segment)
        if hit is None:
            # most names are ASCII: lower-case and punctuation to spaces is their fold
            key = _NON_WORD.sub(" ", segment.lower()).strip() if segment.isascii() else fold(segment)
            hit = index.folded.get(key)
        if hit is not None:
            return hit
    return None


_LINES_KEPT = 4096


def _line_claim(text: str, index: _Index) -> tuple[int | None, str]:
    """(listed organisation, unlisted name) named on one line (display name or signature)."""
    known = index.lines
    answer = known.get(text)
    if answer is None:
        if len(known) >= _LINES_KEPT:
            known.clear()
        answer = known[text] = _line_claim_of(text, index)
    return answer


def _line_claim_of(text: str, index: _Index) -> tuple[int | None, str]:
    folded = fold(text)
    hit = _listed_in(text, index, folded)
    if hit is None:
        hit = _segment_claim(_SEGMENTS.split(text), index)
    if hit is not None:
        return hit, ""
    if not _org_word_in(folded):
        return None, ""
    return None, _unlisted_name(text)


def _unlisted_name(text: str) -> str:
    """The part of ``text`` that names an organisation ("Centre for Eastern Policy Studies")."""
    for segment in _SEGMENTS.split(text):
        segment = segment.strip(" .:-\"'")
        if 6 <= len(segment) <= 80 and _org_word_in(fold(segment)) and any(c.isupper() for c in segment[:2]):
            return segment
    return ""


def _signature_lines(message: Message) -> list[str]:
    from mailward.identity.claims import signature_lines

    out = []
    for line in signature_lines(message):
        if len(line) > 120 or "://" in line or "@" in line or len(line.split()) > 12 or line.endswith(("?", "!")):
            continue
        out.append(line)
    return out


def _body(message: Message) -> str:
    if message.text_parts:
        return message.text_parts[0].text[:20_000]
    if message.html_parts:
        from mailward.identity.claims import html_tail_of

        return html_tail_of(message)[:20_000]
    return ""


def _raw_claims(message: Message, outlet_lookup: Any) -> Iterable[tuple[str, str, str, int | None, str, tuple[str, ...]]]:
    """(where, text, name, listed index, kind, domains) in the order they are judged."""
    index = _index()
    author = message.sender_address
    display = ((author.display_name if author else "") or "")[:300]
    if display:
        hit, name = _line_claim(display, index)
        if hit is not None:
            yield "display_name", display, index.orgs[hit].name, hit, index.orgs[hit].kind, index.orgs[hit].domains
        elif name:
            yield "display_name", display, name, None, "unlisted", ()
    body = _body(message)
    for found in _BYLINE.finditer(body):
        name = found.group(1).strip(" .,")
        outlet = outlet_lookup(name) if outlet_lookup is not None else None
        if outlet is not None:
            yield "byline", found.group(0)[:200], outlet[0], None, "news", outlet[1]
            continue
        hit = index.folded.get(fold(name))
        if hit is not None:
            yield "byline", found.group(0)[:200], index.orgs[hit].name, hit, index.orgs[hit].kind, index.orgs[hit].domains
    for line in _signature_lines(message):
        hit, name = _line_claim(line, index)
        if hit is not None:
            yield "signature", line, index.orgs[hit].name, hit, index.orgs[hit].kind, index.orgs[hit].domains
        elif name:
            yield "signature", line, name, None, "unlisted", ()


def _name_in_domain(name: str, domain: str) -> bool:
    label = compact(split_registrable(domain)[0] if domain else "")
    if not label:
        return False
    words = [w for w in fold(name).split() if w not in _STOP]
    if any(len(w) >= 4 and w in label for w in words):
        return True
    initials = "".join(w[0] for w in fold(name).split() if w not in ("the", "of", "for", "and", "on", "de", "la"))
    return len(initials) >= 2 and initials in label


def _lookalike(domain: str, official: Sequence[str]) -> bool:
    """The From domain imitates one of ``official``: its label within two edits, or
    containing the label with other words (combosquat)."""
    from rapidfuzz.distance import Levenshtein

    label = split_registrable(domain)[0]
    for target in official:
        target_label = split_registrable(target)[0]
        if len(target_label) < 4 or not label:
            continue
        if label == target_label or _contains(label, target_label):
            return True
        if len(target_label) >= 6 and Levenshtein.distance(label, target_label, score_cutoff=2) <= 2:
            return True
    return False


def _contains(label: str, target_label: str) -> bool:
    """``label`` carries ``target_label`` with other words: as a hyphenated part
    (``osce-mission``), or inside it once hyphens are dropped (``balticpolicy-events``)."""
    if target_label in label.split("-"):
        return True
    packed = target_label.replace("-", "")
    return len(packed) >= 5 and packed in label.replace("-", "")


def _status(domains: Sequence[str], name: str, listed: bool, sender_domain: str, free_mail: bool) -> str:
    if domains and within(sender_domain, frozenset(domains)):
        return "holds"
    if free_mail:
        return "free-mail"
    label = split_registrable(sender_domain)[0]
    if domains and label and any(split_registrable(d)[0] == label for d in domains):
        # the same name under another suffix: a national chapter (wwf.de for wwf.org)
        # as often as a TLD-swap lookalike; the behaviour rules judge what it sends
        return "same-name"
    if domains and _lookalike(sender_domain, domains):
        return "lookalike"
    if not listed and not domains and _name_in_domain(name, sender_domain):
        return "name-in-domain"
    return "unrelated-domain"


_RANK = {"lookalike": 0, "free-mail": 1, "unrelated-domain": 2, "same-name": 3, "name-in-domain": 4, "holds": 5}


def find_org_claim(
    message: Message, sender_domain: str, *, free_mail: bool = False, outlet_lookup: Any = None
) -> OrgClaim | None:
    """The most telling organisation claim of ``message`` (one that fails first), or None.

    ``outlet_lookup(name)`` returns ``(outlet name, domains)`` for a news outlet's
    name (bylines), or None.
    """
    sender_domain = sender_domain.lower()
    best: OrgClaim | None = None
    for count, (where, text, name, listed, kind, domains) in enumerate(_raw_claims(message, outlet_lookup)):
        if count >= 12:
            break
        status = _status(domains, name, listed is not None or kind == "news", sender_domain, free_mail)
        claim = OrgClaim(name=name, kind=kind, where=where, text=text[:300], listed=listed is not None,
                         status=status, official_domains=tuple(domains[:3]))
        if best is None or _RANK[status] < _RANK[best.status]:
            best = claim
    return best


# -- correspondents ------------------------------------------------------------------


def correspondent_lookalike(domain: str, known: Iterable[str]) -> str:
    """The known correspondent domain that ``domain`` imitates, or "" (it is one of them, or unlike all)."""
    reg = registrable(domain)
    if not reg:
        return ""
    known_regs = {registrable(k) or k for k in known}
    if reg in known_regs:
        return ""
    from rapidfuzz.distance import Levenshtein

    label, suffix = split_registrable(reg)
    for target in sorted(known_regs):
        target_label, target_suffix = split_registrable(target)
        if len(target_label) < 4:
            continue
        if label == target_label and suffix != target_suffix:
            return target  # TLD swap
        if label != target_label and _contains(label, target_label):
            return target  # combosquat
        if len(target_label) >= 5 and Levenshtein.distance(label, target_label, score_cutoff=2) <= 2:
            return target
    return ""
