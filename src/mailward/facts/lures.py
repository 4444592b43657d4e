"""What a phishing or scam message asks for, by topic, in English, Portuguese, German,
Spanish, French and Dutch.

Topics: ``credential`` (log in, verify, password, mailbox), ``payment`` (card declined,
invoice overdue, update billing), ``delivery`` (parcel held, customs fee, redelivery),
``prize`` (you have won, claim your reward, gift card), ``crypto`` (wallet, seed phrase,
airdrop, withdrawal), ``advance_fee`` (inheritance, beneficiary, compensation fund,
consignment), ``extortion`` (I recorded you, pay in bitcoin) and ``deadline`` ("within 24
hours": lures and extortion letters both set one).

The phrases are data (``data/lures.yaml``, grouped by language, each group with
where its wording comes from). They are specific on purpose: a newsletter that mentions a "password" or a
"parcel" does not match; one that says "your parcel is held until you pay the customs
fee" does. RE2 (linear time, no backtracking) finds them: one pattern per topic, the
matches merged as one alternation of all topics would give them.
"""

from __future__ import annotations

import re
import unicodedata
from importlib import resources

import re2

from .. import linear_regex
from ..yamlload import safe_load
from . import re2bytes

_OPTIONS = linear_regex.options(max_mem=64 << 20, case_sensitive=False)

_W = r"[\s\xa0]+"  # one or more spaces, including non-breaking ones

TOPIC_NAMES = ("credential", "payment", "delivery", "prize", "crypto", "advance_fee", "extortion", "deadline")


class LureDataError(ValueError):
    """``lures.yaml`` is malformed; the message says which group."""


def parse_lures(text: str, origin: str = "lures.yaml") -> dict[str, tuple[str, ...]]:
    """Topic -> phrases (RE2 patterns) from the YAML text of ``data/lures.yaml``."""
    loaded = safe_load(text)
    topics = loaded.get("topics") if isinstance(loaded, dict) else None
    if not isinstance(topics, dict):
        raise LureDataError(f"{origin}: expected a mapping with a 'topics' mapping")
    out: dict[str, tuple[str, ...]] = {}
    for topic, groups in topics.items():
        if topic not in TOPIC_NAMES or not isinstance(groups, list):
            raise LureDataError(f"{origin}: unknown topic {topic!r} or not a list of groups")
        phrases: list[str] = []
        for i, group in enumerate(groups):
            where = f"{origin}: {topic}[{i}]"
            if not isinstance(group, dict) or not str(group.get("source", "")).strip():
                raise LureDataError(f"{where} needs a source note")
            if not group.get("languages") or not isinstance(group.get("phrases"), list):
                raise LureDataError(f"{where} needs languages and a phrases list")
            for phrase in group["phrases"]:
                if not isinstance(phrase, str) or not phrase.strip() or "(" in phrase.replace("(?:", ""):
                    raise LureDataError(f"{where}: {phrase!r}: a phrase is a non-empty pattern without capture groups")
                phrases.append(phrase)
        out[str(topic)] = tuple(phrases)
    return {name: out[name] for name in TOPIC_NAMES if name in out}


TOPICS: dict[str, tuple[str, ...]] = parse_lures(
    resources.files("mailward.data").joinpath("lures.yaml").read_text("utf-8"))

_TOPIC_NAMES = tuple(TOPICS)
# One RE2 pattern per topic, without capture groups. One alternation of every phrase with
# a capture group per topic finds the same matches, but its DFA is much bigger: RE2
# builds the DFA's states as the text needs them, and over varied (and non-ASCII) text
# that construction cost about 0.7 ms per message against about 0.2 ms for the seven
# smaller DFAs (docs/benchmarks.md, "Scan CPU: changes measured").
_TOPIC_PATTERNS = tuple(
    re2.compile("|".join(f"(?:{p})" for p in phrases), _OPTIONS) for phrases in TOPICS.values()
)
MAX_TEXT = 20_000


def find_lures(text: str, limit: int = 12) -> tuple[list[str], list[str]]:
    """(topics found, in TOPICS order; distinct phrases found, lower case, at most ``limit``).

    The matches are those of ``finditer`` over the alternation of all topics, each topic
    a group: the leftmost match next, on a tie the first topic's, non-overlapping."""
    if not text:
        return [], []
    return lures_in(re2bytes.utf8(text[:MAX_TEXT]), limit)


def lures_in(data: bytes, limit: int = 12) -> tuple[list[str], list[str]]:
    """``find_lures`` of a text already encoded (``re2bytes.utf8``, at most ``MAX_TEXT``
    characters): the topics' programs run on the bytes, with byte offsets."""
    if not data:
        return [], []
    size = len(data)
    found: dict[str, None] = {}
    phrases: dict[str, None] = {}
    pending = [re2bytes.search(pattern, data) for pattern in _TOPIC_PATTERNS]  # each topic's next span
    pos = 0
    while True:
        best, taken = -1, re2bytes.NO_SPAN
        for index, span in enumerate(pending):
            if span[0] != -1 and span[0] < pos:  # overlaps the match taken: look again
                span = pending[index] = re2bytes.search(_TOPIC_PATTERNS[index], data, pos)
            if span[0] != -1 and (best < 0 or span[0] < taken[0]):
                best, taken = index, span
        if best < 0:
            break
        found.setdefault(_TOPIC_NAMES[best], None)
        phrases.setdefault(" ".join(re2bytes.text_of(data, taken).lower().split())[:80], None)
        if len(phrases) >= limit:
            break
        # as finditer moves on: past the match, or one character past an empty one
        end = taken[1]
        pos = re2bytes.next_char(data, end) if end == pos else end
        if pos > size:
            break
    topics = [name for name in _TOPIC_NAMES if name in found]
    return topics, list(phrases)


# Affiliate and bulk-ad footers: the sender admits the message is an advertisement sent
# for someone else, to a list it bought or "partners" with.
_AD_FOOTER = re2.compile(
    r"(this (?:e-?mail |message )?is an? (?:advertisement|advertising|commercial (?:message|e-?mail))"
    r"|advertiser does not manage"
    r"|opted[- ]in to receive (?:e-?mails|messages|offers) from (?:a|one of our|our) (?:partners?|affiliates?|marketing)"
    r"|wish to unsubscribe from future mailings"
    r"|if you (?:no longer|do not) wish to receive (?:these|future) (?:e-?mails|mailings|offers)"
    r"|dies ist eine werbung|esta (?:mensagem|e-?mail) (?:é|e) (?:uma )?publicidade|dit is een advertentie)",
    _OPTIONS,
)


def ad_footer(text: str) -> str:
    """The bulk-advertising footer phrase in ``text`` (lower case), or ''."""
    return ad_footer_in(re2bytes.utf8(text[:MAX_TEXT])) if text else ""


def ad_footer_in(data: bytes) -> str:
    """``ad_footer`` of a text already encoded (at most ``MAX_TEXT`` characters)."""
    span = re2bytes.search(_AD_FOOTER, data)
    return " ".join(re2bytes.text_of(data, span).lower().split()) if span[0] != -1 else ""


# Call-back scams ("your order of $499.99 was processed; call +1 (808) 555-0143 to
# cancel"): a phone number, an amount and order/invoice wording, usually no link.
_PHONE = re2.compile(
    r"(?:\+\d{1,3}[\s.\-]?)?\(?\b\d{3}\)?[\s.\-]\d{3}[\s.\-]\d{4}\b"
    r"|\+\d{2,3}[\s.\-]?\d{1,4}(?:[\s.\-]\d{2,4}){2,4}\b",
    _OPTIONS,
)
_AMOUNT = re2.compile(
    r"(?:[$€£]|\b(?:usd|eur|gbp|r\$))\s?\d[\d,.]*|\b\d[\d,.]*\s?(?:usd|eur|gbp|dollars|euros)\b",
    _OPTIONS,
)
_ORDER_WORDS = re2.compile(
    r"\b(?:invoice|receipt|order (?:id|number|no|#)|transaction (?:id|number|no)|subscription|renewal|auto-?renew"
    r"|purchase|charged|billing|payment (?:id|of|confirmation)|refund|rechnung|bestellung|fatura|pedido|factura"
    r"|facture|commande|abonnement|bestelling|factuur)\b",
    _OPTIONS,
)


def callback_signals(text: str) -> tuple[int, int, bool]:
    """(phone numbers, money amounts, order or invoice wording) in ``text``, each counted
    up to 10."""
    if not text:
        return 0, 0, False
    return callback_signals_in(re2bytes.utf8(text[:MAX_TEXT]))


def callback_signals_in(data: bytes) -> tuple[int, int, bool]:
    """``callback_signals`` of a text already encoded (at most ``MAX_TEXT`` characters)."""
    if not data:
        return 0, 0, False
    phones = len(re2bytes.spans(_PHONE, data, 10))
    amounts = len(re2bytes.spans(_AMOUNT, data, 10))
    return phones, amounts, re2bytes.search(_ORDER_WORDS, data)[0] != -1


# Words disguised against filters: look-alike letters of another script inside a Latin
# word ("Lоcаl" with Cyrillic о and а), a digit for a letter ("0fficial", "Micr0soft")
# or a letter of the other case ("BiIIing", "lRS").
_WORD = re.compile(r"[^\W_]{3,}")
_DIGIT_FOR_LETTER = re.compile(r"^0[a-z]{3,}$|[a-z]{2}[01][a-z]{2}", re.IGNORECASE)
# the other case: "PayPaI", "0fficiaI" (I ending a word), "BiIIing" (II), "CIients" (I after a
# capital, then lower case), "lRS"; not a single I inside a word (CamelCase: "WordInfo", "ZixIt")
_CASE_FOR_LETTER = re.compile(r"[a-z]I$|[a-z]II|^[A-Z]I[a-z]{2}|^l[A-Z]{2}")
_CONFUSABLE_SCRIPTS = ("CYRILLIC", "GREEK")
_SCOTTISH = re.compile(r"Ma?cI")  # McIntyre, MacIver: a real capital I


def _mixed_script(word: str) -> bool:
    latin = other = False
    for char in word:
        if not char.isalpha():
            continue
        if char.isascii():
            latin = True
        else:
            name = unicodedata.name(char, "")
            other = other or name.startswith(_CONFUSABLE_SCRIPTS)
        if latin and other:
            return True
    return False


def _one_digit_for_letter(word: str) -> bool:
    letters = sum(c.isalpha() for c in word)
    return letters >= 4 and sum(c.isdigit() for c in word) == 1 and _DIGIT_FOR_LETTER.search(word) is not None


def disguised_words(text: str, limit: int = 5) -> list[str]:
    """Words of ``text`` written to look like something they are not (see above)."""
    found: list[str] = []
    for word in _WORD.findall(text[:1000]):
        if word.isascii():
            # an ASCII word here is letters and digits: one digit among four letters or
            # more may stand for a letter; the other case needs an "I" or a leading "l"
            disguised = (not word.isalpha() and _one_digit_for_letter(word)) \
                or (("I" in word or word[0] == "l") and _CASE_FOR_LETTER.search(word) is not None
                    and not _SCOTTISH.match(word))
        else:
            disguised = _mixed_script(word)
        if disguised and word not in found:
            found.append(word)
            if len(found) >= limit:
                break
    return found
