"""``find_lures`` runs one RE2 pattern per topic and merges their matches; the result must
be what one alternation of every topic (a capture group each) finds with ``finditer``:
leftmost match first, the earlier topic on a tie, no overlaps, the same phrase limit."""

from __future__ import annotations

import re

import re2
from hypothesis import given
from hypothesis import strategies as st

from mailward.facts import lures
from mailward.facts.lures import TOPICS, find_lures

_UNION = re2.compile(
    "|".join("(" + "|".join(f"(?:{p})" for p in phrases) + ")" for phrases in TOPICS.values()), lures._OPTIONS
)
_NAMES = tuple(TOPICS)


def _reference(text: str, limit: int = 12) -> tuple[list[str], list[str]]:
    found: dict[str, None] = {}
    phrases: dict[str, None] = {}
    for match in _UNION.finditer(text[: lures.MAX_TEXT]):
        index = next(i for i in range(1, len(_NAMES) + 1) if match.group(i) is not None)
        found.setdefault(_NAMES[index - 1], None)
        phrases.setdefault(" ".join(match.group(0).lower().split())[:80], None)
        if len(phrases) >= limit:
            break
    return [n for n in _NAMES if n in found], list(phrases)


# words of the phrases (the literal runs of their patterns), so that drawn texts match often
_WORDS = sorted({w for p in (p for ps in TOPICS.values() for p in ps) for w in re.findall(r"[a-z]{2,}", p)})

CASES = [
    "",
    "Failure to update your records within 48 hours will result in account suspension.",
    # matches of several topics, next to and inside each other
    "Your payment was declined. We tried to deliver your parcel. Congratulations, you have been selected "
    "to receive a reward. Connect your wallet and enter your recovery phrase. " * 3,
    "update your records update your records prove your identity " * 10,
    # phrases of two topics that start at the same character: the first topic's wins
    "Please update your payment details and confirm your shipping address today.",
]


def test_the_merge_finds_what_the_alternation_finds_on_written_cases() -> None:
    hits = 0
    for text in CASES:
        for limit in (12, 3, 1):
            assert find_lures(text, limit) == _reference(text, limit)
        hits += bool(_reference(text)[0])
    assert hits >= 4  # the cases do hold lures
    assert find_lures(CASES[-1])[0][0] == "credential"  # credential, not payment or delivery


@given(st.lists(st.sampled_from([*_WORDS, ".", ",", "\n", "\xa0", "é", "your", "you"]), max_size=80),
       st.sampled_from([12, 2, 1]))
def test_the_merge_finds_what_the_alternation_finds(words: list[str], limit: int) -> None:
    text = " ".join(words)
    assert find_lures(text, limit) == _reference(text, limit)
