"""Who a message claims to be.

Looks only where senders state who they are: the From / Sender display names, the
From address's local part, the start and end of the subject, and the signature
area (the last lines of the first text body, above any quoted or forwarded text).
Distinctive names ("Reuters", "Financial Times") are matched anywhere in a display
name; ambiguous ones ("AP", "FT", "The Times") only as a whole segment, as in
"Jane Doe | FT" or "Correspondent, The Times". Elsewhere in the signature area every
name must be a whole segment of its line, so ordinary prose quoting an outlet does
not count as a claim.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import ahocorasick_rs
from rapidfuzz.distance import OSA

from mailward.identity.lookalike import _NEWS_WORDS
from mailward.identity.outlets import Catalogue, deletions
from mailward.identity.report import DISPLAY_NAME, LOCAL_PART, SIGNATURE, SUBJECT
from mailward.identity.text import fold
from mailward.model import Message

SIGNATURE_LINES = 15
_MAX_FIELD = 300  # characters of any one field or line looked at

_SEPARATORS = re.compile(r"[|()\[\]<>/,;:·•–—\"«»“”]+|\s-\s|\s@\s")  # one class or fixed text: linear
_SUBJECT_SEPARATORS = re.compile(r"[|:\[\]()–—«»]+|\s-\s")
_ADDRESS = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8}")
_TOKENS = re.compile(r"[._+\-]+")

_ROLES = (
    "reporter", "reporters", "correspondent", "correspondents", "journalist", "journalists",
    "editor", "editors", "columnist", "writer", "producer", "anchor", "presenter",
    "contributor", "contributing writer", "newsdesk", "news desk", "desk", "bureau chief",
    "editor in chief", "editor at large", "commissioning editor", "researcher", "host",
    "redakteur", "redakteurin", "korrespondent", "korrespondentin", "journalistin",
    "journaliste", "redacteur", "redactrice", "correspondant", "correspondante",
    "periodista", "corresponsal", "redactor", "redactora", "giornalista", "corrispondente",
    "redattore", "redattrice", "dziennikarz", "dziennikarka", "korespondent", "novinar",
    "toimittaja", "journalisti", "jornalista", "correspondente", "redator", "記者", "记者", "기자",
)
_ROLE_WORDS = {tuple(r.split()) for r in _ROLES}
_ROLE_MAX = max(len(r) for r in _ROLE_WORDS)
_ROLE_FIRST = frozenset(r[0] for r in _ROLE_WORDS)
_PREPOSITIONS = frozenset(
    "at for with from of bei beim fur chez pour de du des di del della da w z para per van voor dla".split()
)


_QUOTE_MARKERS = re.compile(
    r"^[ \t]*(?:>|-{2,}[ \t]*(?:original message|forwarded message|urspr[üu]ngliche nachricht|message d'origine|mensaje original)"
    r"|on [^\n]{0,200} wrote:[ \t]*$|am [^\n]{0,200} schrieb [^\n]{0,200}:[ \t]*$|le [^\n]{0,200} a [ée]crit ?:[ \t]*$"
    r"|from: [^\n]{0,300}$|begin forwarded message)",
    re.IGNORECASE | re.MULTILINE,
)
# Where a line may start a quote marker: a newline, blanks, then the first character
# of one of _QUOTE_MARKERS' alternatives (">", "-", "on", "am", "le", "from", "begin"),
# in any case. ``_QUOTE_MARKERS.search`` tries every position of the text; this one
# starts from its literal newline, and the markers are then tried only where it stops.
_LINE_START = re.compile(r"\n[ \t]*[>\-oalfb]", re.IGNORECASE)
_QUOTE_WITHIN = 50_000  # quoted or forwarded text starts within this many characters
_TAIL_CHARS = 6000  # the signature area is in the last few thousand characters


def _quote_start(text: str) -> int:
    """``_QUOTE_MARKERS.search(text, 0, _QUOTE_WITHIN).start()``, or -1 without one."""
    found = _QUOTE_MARKERS.match(text, 0, _QUOTE_WITHIN)
    if found is not None:
        return 0
    pos = 0
    while (line := _LINE_START.search(text, pos, _QUOTE_WITHIN)) is not None:
        start = line.start() + 1
        if _QUOTE_MARKERS.match(text, start, _QUOTE_WITHIN) is not None:
            return start
        pos = start
    return -1


@dataclass(frozen=True, slots=True)
class RawClaim:
    target: str  # "entity" or "person"
    index: int
    where: str
    matched: str
    role: bool = False  # a journalist's role word came with it
    person: str = ""
    fuzzy: bool = False
    freelance: bool = False  # the signature says the writer is a freelancer


def find_claims(message: Message, cat: Catalogue) -> list[RawClaim]:
    found: list[RawClaim] = []
    names = []
    for address in message.from_:
        names.append(address.display_name)
    if message.sender is not None and message.sender.display_name:
        names.append(message.sender.display_name)
    for name in names:
        if name:
            found.extend(_display_name_claims(name[:_MAX_FIELD], cat))
    for address in message.from_[:1]:
        found.extend(_local_part_claims(address.local, cat))
    if message.subject:
        found.extend(_subject_claims(message.subject[:_MAX_FIELD], cat))
    found.extend(_signature_claims(signature_lines(message), cat))
    return found


# -- display names --------------------------------------------------------------------


def _segments(text: str) -> list[str]:
    return [s.strip() for s in _SEPARATORS.split(text) if s and s.strip()]


@lru_cache(maxsize=8192)  # a pure function of short text, asked for each analyser
def _candidates(
    segment_folded: str, trailing: frozenset[str] = frozenset(), leading: frozenset[str] = frozenset()
) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """Names a segment may state: the segment itself, its letters spaced out joined ("a d a
    c" -> "adac"), without a ``leading`` word ("mijn cm" -> "cm"), without a glued
    ``trailing`` word ("metamaskteam" -> "metamask"), without trailing edition words or
    ``trailing`` words ("irs tax report" -> "irs" with the brand catalogue's service
    words), and what follows a journalist's
    role ("senior correspondent at the financial times" -> "the financial times"); then,
    separately, what precedes the role ("reuters correspondent" -> "reuters"), which is
    only used when nothing else on the line names an outlet (in "Foreign Affairs
    Reporter, Le Monde" the words before the role are a beat, not an outlet)."""
    direct = [segment_folded]
    words = segment_folded.split()
    if len(words) >= 3 and all(len(w) == 1 for w in words):  # letters spaced out: "A D A C"
        direct.append("".join(words))
    if len(words) > 1 and words[0] in leading:  # "Mijn CM", "Portal BB", "Conta Microsft"
        words = words[1:]
        direct.append(" ".join(words))
    elif len(words) == 1 and trailing:  # a service word glued on: "MetaMaskTeam"
        direct.extend(words[0][: -len(t)] for t in sorted(trailing)  # sorted: the same order in every process
                      if len(t) >= 4 and words[0].endswith(t) and len(words[0]) - len(t) >= 3)
    # an edition of a name: drop trailing edition words ("the economist asia briefing")
    k = len(words)
    while k > 1 and (words[k - 1] in _EDITION_WORDS or words[k - 1] in trailing):
        k -= 1
        direct.append(" ".join(words[:k]))
    if _ROLE_FIRST.isdisjoint(words):
        return tuple(direct), (), False
    n = len(words)
    for i in range(n):
        if words[i] not in _ROLE_FIRST:
            continue
        for size in range(min(_ROLE_MAX, n - i), 0, -1):
            if tuple(words[i : i + size]) in _ROLE_WORDS:
                after = words[i + size :]
                if after and after[0] in _PREPOSITIONS:
                    after = after[1:]
                if after:
                    direct.append(" ".join(after))
                before = [" ".join(words[: i - drop]) for drop in range(0, min(2, i) + 1) if i - drop > 0]
                return tuple(direct), tuple(before), True
    return tuple(direct), (), False


# Words that make a name into an edition or newsletter of it: "The Economist Asia Briefing"
# claims The Economist, "The Sun Pharmacy" does not claim The Sun.
_EDITION_WORDS = frozenset("""
    news newsletter newsletters briefing briefings brief digest daily weekly monthly morning evening
    night today tonight breaking alert alerts update updates edition editions report reports live
    online digital weekend sunday saturday special opinion analysis intelligence insight insights
    podcast video events magazine review world international global politics political policy
    business economy markets finance tech technology science climate health culture investigations
    investigation exclusive desk newsdesk newsroom team editors editor asia europe africa americas
    america us uk eu china india japan korea middle east latin pacific australia canada germany
    france london washington brussels beijing hong kong moscow english espanol deutsch francais
    nachrichten eilmeldung noticias actualites notizie nieuws wiadomosci
    notification notifications notice notices support service services security billing customer
    customers care center centre help helpdesk account accounts info information official
""".split())

_FREELANCE = ("freelance", "freelancer", "freier", "freie", "pigiste", "independent journalist", "autonomo")


def _freelance(folded: str) -> bool:
    return any(word in folded for word in _FREELANCE)


@lru_cache(maxsize=8192)
def _looks_like_person(segment: str) -> bool:
    words = segment.split()
    if not 2 <= len(words) <= 4 or not _ROLE_FIRST.isdisjoint(fold(segment).split()):
        return False
    return all(w[:1].isupper() and w.replace(".", "").replace("-", "").replace("'", "").isalpha() for w in words)


_T = TypeVar("_T")


def _of_catalogue(table: dict[int, tuple[Catalogue, _T]], cat: Catalogue, build: Callable[[], _T]) -> _T:
    """``build()`` for ``cat``, made once per catalogue (a catalogue holds dicts, so it is
    keyed by identity; a few live at a time, at most 16 are kept)."""
    entry = table.get(id(cat))
    if entry is None or entry[0] is not cat:
        if len(table) >= 16:
            table.clear()
        entry = table[id(cat)] = (cat, build())
    return entry[1]


# Display names (and logo alt texts) recur across messages: their claims are kept per
# catalogue and text, a bounded number of each.
_DISPLAY_CACHE: dict[int, tuple[Catalogue, dict[str, tuple[RawClaim, ...]]]] = {}
_DISPLAY_CACHED = 4096


def _display_name_claims(name: str, cat: Catalogue) -> list[RawClaim]:
    return _kept_claims(_DISPLAY_CACHE, name, cat, _display_name_claims_of)


def _kept_claims(table: dict[int, tuple[Catalogue, dict[str, tuple[RawClaim, ...]]]], text: str, cat: Catalogue,
                 find: Callable[[str, Catalogue], list[RawClaim]]) -> list[RawClaim]:
    """``find(text, cat)``, kept per catalogue and text (at most ``_DISPLAY_CACHED`` texts)."""
    known: dict[str, tuple[RawClaim, ...]] = _of_catalogue(table, cat, dict)
    found = known.get(text)
    if found is None:
        if len(known) >= _DISPLAY_CACHED:
            known.clear()
        found = known[text] = tuple(find(text, cat))
    return list(found)


def _display_name_claims_of(name: str, cat: Catalogue) -> list[RawClaim]:
    claims: list[RawClaim] = []
    segments = _segments(name)
    folded_segments = [fold(s) for s in segments]
    any_role = False
    person_segment = ""
    seen: set[tuple[str, int]] = set()
    # whole segments (distinctive and ambiguous names), after any role words
    found = [_candidates(f, cat.trailing_words, cat.leading_words) for f in folded_segments]
    any_direct = any(cat.segments.get(c) is not None for direct, _, _ in found for c in direct)
    for raw, (direct, before, role) in zip(segments, found, strict=True):
        any_role = any_role or role
        named = ""  # the longest name this segment states: "hermes germany" is not also "hermes"
        for cand in direct if any_direct else direct + before:
            index = cat.segments.get(cand)
            if index is not None and named.startswith(cand + " "):
                continue
            if index is not None:
                named = named or cand
            if index is not None and ("entity", index) not in seen:
                seen.add(("entity", index))
                claims.append(RawClaim("entity", index, DISPLAY_NAME, raw, role=role))
            p_index = cat.person_segments.get(cand)
            if p_index is not None and ("person", p_index) not in seen:
                seen.add(("person", p_index))
                claims.append(RawClaim("person", p_index, DISPLAY_NAME, raw))
    # distinctive names inside longer text
    for target, index, text in _anywhere(fold(name), cat):
        if (target, index) not in seen:
            seen.add((target, index))
            claims.append(RawClaim(target, index, DISPLAY_NAME, _original_span(name, text)))
    # an address written inside the display name: its domain is a claim too
    for embedded in _ADDRESS.findall(name):
        entity = cat.entity_for_domain(embedded.rpartition("@")[2])
        if entity is not None:
            index = cat.entities.index(entity)
            if ("entity", index) not in seen:
                seen.add(("entity", index))
                claims.append(RawClaim("entity", index, DISPLAY_NAME, embedded))
    # misspellings: one (short names) or two (long names) letters off
    if not claims and cat.fuzzy_aliases:
        for raw, folded in ((raw, c) for raw, (direct, _, _) in zip(segments, found, strict=True) for c in direct):
            if not 6 <= len(folded) <= 60:
                continue
            position = _misspelt_alias(folded, cat)
            if position is not None:
                index = cat.fuzzy_targets[position]
                if ("entity", index) not in seen:
                    seen.add(("entity", index))
                    claims.append(RawClaim("entity", index, DISPLAY_NAME, raw, fuzzy=True))
    if claims and len(segments) >= 2:
        for raw in segments:
            if _looks_like_person(raw) and cat.segments.get(fold(raw)) is None:
                person_segment = raw
                break
    if any_role or person_segment:
        claims = [
            RawClaim(c.target, c.index, c.where, c.matched, role=c.role or any_role or bool(person_segment), person=person_segment, fuzzy=c.fuzzy,
                     freelance=any_role and _freelance(fold(name)))
            if c.target == "entity" else c
            for c in claims
        ]
    return claims


def _misspelt_alias(folded: str, cat: Catalogue) -> int | None:
    """Position in ``cat.fuzzy_aliases`` of the alias ``folded`` misspells: one edit
    (a swap of neighbours counts as one), two for names of 12 letters or more."""
    cutoff = 2 if len(folded) >= 12 else 1
    candidates: set[int] = set()
    for variant in deletions(folded):
        candidates.update(cat.fuzzy_index.get(variant, ()))
    best: tuple[int, int] | None = None
    for position in candidates:
        distance = OSA.distance(folded, cat.fuzzy_aliases[position], score_cutoff=cutoff)
        if 0 < distance <= cutoff and (best is None or distance < best[0]):
            best = (distance, position)
    return best[1] if best else None


def _anywhere(folded: str, cat: Catalogue) -> list[tuple[str, int, str]]:
    if cat.anywhere is None or not folded:
        return []
    padded = f" {folded} "
    out = []
    for pattern_index, _start, _end in cat.anywhere.find_matches_as_indexes(padded, overlapping=True):
        target, index = cat.anywhere_targets[pattern_index]
        out.append((target, index, cat.anywhere_patterns[pattern_index]))
    return out


def _original_span(raw: str, folded_alias: str) -> str:
    """The part of ``raw`` that matched, for the explanation (falls back to all of it)."""
    words = raw.split()
    n = len(folded_alias.split())
    for i in range(len(words) - n + 1):
        chunk = " ".join(words[i : i + n])
        if fold(chunk) == folded_alias:
            return chunk
    return raw.strip()


# -- local parts ----------------------------------------------------------------------


# A sender's local part recurs across messages: its claims are kept per catalogue, as
# the display names' are.
_LOCAL_CACHE: dict[int, tuple[Catalogue, dict[str, tuple[RawClaim, ...]]]] = {}


def _local_part_claims(local: str, cat: Catalogue) -> list[RawClaim]:
    """An outlet's compact name as a whole token of the local part, alone or joined
    to a news word: "nytimes.desk", "reutersnews", "bbc-breaking", "newyorktimes".
    A name inside another word ("delacroix") is not a claim."""
    if not local:
        return []
    return _kept_claims(_LOCAL_CACHE, local, cat, _local_part_claims_of)


def _local_part_claims_of(local: str, cat: Catalogue) -> list[RawClaim]:
    lowered = local.lower()[:_MAX_FIELD]
    tokens = [t for t in _TOKENS.split(lowered) if t]
    whole = "".join(tokens)
    claims: list[RawClaim] = []
    seen: set[int] = set()
    for token in dict.fromkeys([*tokens, whole]):
        token = re.sub(r"\d+$", "", token)
        for name in _local_names(token):
            index = cat.local_aliases.get(name)
            if index is None:
                index = cat.short_local.get(name)
            if index is not None and index not in seen:
                seen.add(index)
                claims.append(RawClaim("entity", index, LOCAL_PART, local))
    return claims


# _NEWS_WORDS by position and by length: a token's news-word ends and starts are found
# in a few look-ups (one per length) rather than by trying every word
_NEWS_POSITIONS = {word: tuple(i for i, w in enumerate(_NEWS_WORDS) if w == word) for word in _NEWS_WORDS}
_NEWS_LENGTHS = tuple(sorted({len(word) for word in _NEWS_WORDS}))


@lru_cache(maxsize=8192)  # a sender's local part recurs across messages
def _local_names(token: str) -> tuple[str, ...]:
    """The token, then the token less each news word it ends or starts with (in the
    order of _NEWS_WORDS, the end before the start), keeping at least three letters."""
    hits: list[tuple[int, int, str]] = []
    for size in _NEWS_LENGTHS:
        if len(token) <= size + 2:
            break
        hits.extend((position, 0, token[:-size]) for position in _NEWS_POSITIONS.get(token[-size:], ()))
        hits.extend((position, 1, token[size:]) for position in _NEWS_POSITIONS.get(token[:size], ()))
    hits.sort(key=lambda hit: hit[:2])
    return (token, *(name for _, _, name in hits))


# -- subject --------------------------------------------------------------------------


def _subject_claims(subject: str, cat: Catalogue) -> list[RawClaim]:
    parts = [p.strip() for p in _SUBJECT_SEPARATORS.split(subject) if p and p.strip()]
    if not parts:
        return []
    # Replies and forwards quote someone else's subject
    if re.match(r"^\s*(?:re|fw|fwd|aw|wg|tr|sv|vs|rif|r)\s*:", subject, re.IGNORECASE):
        return []
    if len(parts) < 2:
        return []  # a subject that is only a name ("CBS", "Wired") is a topic, not a signature
    claims: list[RawClaim] = []
    for raw in dict.fromkeys((parts[0], parts[-1])):
        index = cat.segments.get(fold(raw))
        if index is not None and all(c.index != index for c in claims):
            claims.append(RawClaim("entity", index, SUBJECT, raw))
    return claims


# -- signature ------------------------------------------------------------------------


# The last message's signature lines: the outlet, brand and organisation analysers all
# read them (a weak reference, so the cache never keeps a message alive).
_last_signature: tuple[weakref.ref[Message], int, tuple[str, ...]] | None = None


def signature_lines(message: Message, count: int = SIGNATURE_LINES) -> list[str]:
    """The last ``count`` non-empty lines the sender wrote (quoted and forwarded text cut)."""
    global _last_signature
    last = _last_signature
    if last is not None and last[0]() is message and last[1] == count:
        return list(last[2])
    lines = _signature_lines(message, count)
    _last_signature = (weakref.ref(message), count, tuple(lines))
    return lines


def _signature_lines(message: Message, count: int) -> list[str]:
    text = ""
    if message.text_parts:
        text = message.text_parts[0].text
    elif message.html_parts:
        text = html_tail_of(message)
    if not text:
        return []
    text = text[:200_000]
    # quoted or forwarded text starts within the first 50,000 characters of a reply;
    # a longer text without a marker there is taken to be the sender's own
    quote = _quote_start(text)
    if quote >= 0:
        text = text[:quote]
    if count <= 0:  # [-0:] is every line
        lines = [line.strip()[:_MAX_FIELD] for line in text[-_TAIL_CHARS:].splitlines()]
        return [line for line in lines if line][-count:]
    last: list[str] = []  # the last ``count`` non-empty lines, read from the end
    for line in reversed(text[-_TAIL_CHARS:].splitlines()):
        line = line.strip()[:_MAX_FIELD]
        if line:
            last.append(line)
            if len(last) == count:
                break
    last.reverse()
    return last


_BLOCK_END = re.compile(r"<(?:br|/p|/div|/tr|/li|/h[1-6]|/td|/table|hr)\b[^>]{0,200}>", re.IGNORECASE)
_SCRIPT = re.compile(r"<(script|style)\b[^>]{0,200}>[^<]{0,20000}</\1\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,2000}>")


# The last message's first HTML part's tail text: the signature lines and the
# organisation analyser's byline search both read it (a weak reference, as above).
_last_tail: tuple[weakref.ref[Message], str] | None = None


def html_tail_of(message: Message) -> str:
    """``_html_tail_text`` of ``message``'s first HTML part ('' without one), made once."""
    global _last_tail
    if not message.html_parts:
        return ""
    last = _last_tail
    if last is not None and last[0]() is message:
        return last[1]
    tail = _html_tail_text(message.html_parts[0].text)
    _last_tail = (weakref.ref(message), tail)
    return tail


def _html_tail_text(html: str) -> str:
    """Text of the end of an HTML body, cheaply: block ends become line breaks, tags go."""
    import html as html_lib

    tail = html[-12_000:]
    tail = _SCRIPT.sub(" ", tail)
    tail = _BLOCK_END.sub("\n", tail)
    tail = _TAG.sub(" ", tail)
    return html_lib.unescape(tail)


@lru_cache(maxsize=4096)  # footers and sign-offs recur, and three analysers read each line
def _signature_line(line: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(segments, folded segments) of a line that may be a signature line, else None."""
    if (len(line) > 160 or "://" in line or "@" in line or ". " in line or line.endswith(("?", "!"))
            or line[:3].lower() == "by " or len(line.split()) > 12):
        return None  # prose, a link, an address or an article's byline, not a signature line
    segments = _segments(line)
    if not segments or len(segments) > 6:
        return None
    return tuple(segments), tuple(fold(s) for s in segments)


# Per catalogue: does a text of folded segments hold any whole-segment name? One
# Aho-Corasick pass over " seg | seg | ... " for " name ": each name a lookup could find
# is a run of whole words of one folded segment, so no hit means no claim.
_NAME_MATCHERS: dict[int, tuple[Catalogue, tuple[ahocorasick_rs.AhoCorasick | None, bool]]] = {}


def _name_matcher(cat: Catalogue) -> tuple[ahocorasick_rs.AhoCorasick | None, bool]:
    """(a matcher of " name " for every whole-segment name, whether a name is empty)."""
    names = {*cat.segments, *cat.person_segments}
    # a name that is not single-spaced words can never equal a candidate: left out
    patterns = sorted(f" {name} " for name in names if name and name == " ".join(name.split()))
    return (ahocorasick_rs.AhoCorasick(patterns) if patterns else None), "" in names


def _names_any(cat: Catalogue, folded_segments: list[str]) -> bool:
    matcher, empty_name = _of_catalogue(_NAME_MATCHERS, cat, lambda: _name_matcher(cat))
    if empty_name:
        return True  # an empty segment would match: no shortcut
    if matcher is None:
        return False
    return bool(matcher.find_matches_as_indexes(" " + " | ".join(folded_segments) + " "))


def _signature_claims(lines: list[str], cat: Catalogue) -> list[RawClaim]:
    """Names on signature lines: a line that is only the name ("Reuters", "BBC News"),
    or a name beside a role ("Correspondent, The Economist", "reporter at the FT") or
    beside a person's name ("Jane Doe | Reuters"). "Source: Reuters" is not a claim."""
    prepared = [(line, parts) for line in lines if (parts := _signature_line(line)) is not None]
    if not prepared or not _names_any(cat, [f for _, (_, folded) in prepared for f in folded]):
        return []  # no line has a segment that could name anything in ``cat``
    claims: list[RawClaim] = []
    seen: set[tuple[str, int]] = set()
    any_role = False
    for line, (segments, folded_segments) in prepared:
        named = {s for s, f in zip(segments, folded_segments, strict=True) if f in cat.segments}
        person_beside = len(segments) >= 2 and any(_looks_like_person(s) for s in segments if s not in named)
        line_candidates = [_candidates(f) for f in folded_segments]
        line_role = any(role for _, _, role in line_candidates)
        line_direct = any(cat.segments.get(c) is not None for direct, _, _ in line_candidates for c in direct)
        org = cat.organisation
        beside_org = org is not None and any(
            cat.entities[i].kind == "organisation" for f in folded_segments if (i := cat.segments.get(f)) is not None
        )
        freelance = line_role and _freelance(fold(line))
        for folded, (direct, before, role) in zip(folded_segments, line_candidates, strict=True):
            if len(folded) > 80:
                continue
            candidates = direct if line_direct else direct + before
            any_role = any_role or role
            alone = len(segments) == 1 and candidates[0] == folded and len(folded) >= 3
            for position, cand in enumerate(candidates):
                stated = line_role or person_beside or (alone and position == 0)
                index = cat.segments.get(cand)
                if index is not None and stated and ("entity", index) not in seen:
                    seen.add(("entity", index))
                    person = next((s for s in segments if s not in named and _looks_like_person(s)), "") if person_beside else ""
                    claims.append(RawClaim("entity", index, SIGNATURE, line, role=line_role or bool(person), person=person, freelance=freelance))
                p_index = cat.person_segments.get(cand)
                # a protected person signs off: the name alone, or beside the organisation
                # ("Jane Minister | Parliament of Examplia"), not "cc: Jane Minister"
                if p_index is not None and ("person", p_index) not in seen and (alone or beside_org):
                    seen.add(("person", p_index))
                    claims.append(RawClaim("person", p_index, SIGNATURE, line))
    if any_role:
        claims = [RawClaim(c.target, c.index, c.where, c.matched, role=True, person=c.person, freelance=c.freelance) if c.target == "entity" else c for c in claims]
    return claims
