"""The claim matcher's shortcuts give what the plain loops gave: the signature-line
prefilter (no line that could name anything in a catalogue: no claims) and the
news-word split of local parts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailward.identity import IdentitySettings, Person, claims
from mailward.identity.brands import brand_catalogue
from mailward.identity.lookalike import _NEWS_WORDS
from mailward.identity.outlets import Catalogue, catalogue

SETTINGS = IdentitySettings(
    organisation="Parliament of Examplia",
    domains=("parliament.example",),
    people=(Person(name="Jane Minister", addresses=("jane.minister@parliament.example",)),),
)
CATALOGUES = {"outlets": catalogue(SETTINGS), "brands": brand_catalogue(SETTINGS)}

# pieces of signature lines: names from the catalogues (as written and folded), role
# words, people, edition words, separators and noise
_NAMES = sorted({*list(CATALOGUES["outlets"].segments)[:60], *list(CATALOGUES["brands"].segments)[:60]})
_WORDS = st.sampled_from([
    *_NAMES, "Reuters", "The Economist", "BBC News", "Financial Times", "PayPal", "Microsoft", "DHL Express",
    "Jane Minister", "Parliament of Examplia", "correspondent", "Senior Correspondent at", "reporter",
    "editor", "freelance", "Jane Doe", "John Roe", "asia briefing", "newsletter", "Rеuters",
    "Best regards", "Thanks", "Source:", "by", "", "x", "Ünïcødé", "ΟΔΟΣ",
])
_SEPARATORS = st.sampled_from([" ", " | ", ", ", " - ", " / ", ": ", " (", ") ", " · ", " — ", "\"", " @ "])
_LINE = st.lists(st.tuples(_WORDS, _SEPARATORS), min_size=1, max_size=5).map(
    lambda parts: "".join(word + sep for word, sep in parts).strip())


def _without_prefilter(lines: list[str], cat: Catalogue, monkeypatch: pytest.MonkeyPatch) -> list[claims.RawClaim]:
    with monkeypatch.context() as patch:
        patch.setattr(claims, "_names_any", lambda cat, folded: True)
        return claims._signature_claims(lines, cat)


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINE, min_size=1, max_size=15), st.sampled_from(sorted(CATALOGUES)))
def test_the_signature_prefilter_loses_no_claim(lines: list[str], which: str) -> None:
    cat = CATALOGUES[which]
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert claims._signature_claims(lines, cat) == _without_prefilter(lines, cat, monkeypatch)


@pytest.mark.parametrize(("lines", "which"), [
    (["Jane Doe", "Correspondent, Reuters"], "outlets"),
    (["Jane Doe | The Economist"], "outlets"),
    (["PayPal"], "brands"),
    (["Jane Minister"], "outlets"),
])
def test_the_prefilter_lets_claims_through(lines: list[str], which: str) -> None:
    assert claims._signature_claims(lines, CATALOGUES[which])


def test_no_name_no_claim() -> None:
    assert not claims._names_any(CATALOGUES["outlets"], ["best regards", "jane doe"])
    assert claims._names_any(CATALOGUES["outlets"], ["jane doe", "reuters"])


def _local_names_plain(token: str) -> list[str]:
    names = [token]
    for word in _NEWS_WORDS:
        if len(token) > len(word) + 2:
            if token.endswith(word):
                names.append(token[: -len(word)])
            if token.startswith(word):
                names.append(token[len(word):])
    return names


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*_NEWS_WORDS, "reuters", "bbc", "ft", "x", "ab", "9"]), max_size=4).map("".join))
def test_local_names_as_the_plain_loop(token: str) -> None:
    assert list(claims._local_names(token)) == _local_names_plain(token)


_ORG_TEXT = st.lists(
    st.sampled_from(["Centre for", "Institute", "institutes", "think-tank", "Think Tank", "school of", "schools",
                     "Programme", "program", "on", "Policy_Studies", "Ünïversität", "forum", "forums", "x", "-", ", ",
                     "Center", "of", "Trust", "for", "network"]),
    max_size=6,
).map(" ".join)


@settings(max_examples=500, deadline=None)
@given(st.one_of(_ORG_TEXT, st.text(max_size=40)))
def test_org_words_as_the_regular_expression(text: str) -> None:
    from mailward.identity import organisations
    from mailward.identity.text import fold

    folded = fold(text)
    assert organisations._org_word_in(folded) == (organisations._ORG_WORD.search(folded) is not None)


@pytest.mark.parametrize("name", ["Jane Doe | Reuters", "PayPal Service", "Reuters Correspondent", "Nobody", ""])
def test_display_name_claims_kept_per_text_are_the_same_and_private(name: str) -> None:
    cat = CATALOGUES["outlets"] if "Reuters" in name else CATALOGUES["brands"]
    first = claims._display_name_claims(name, cat)
    assert first == claims._display_name_claims_of(name, cat)
    first.append(claims.RawClaim("entity", 0, "display-name", "injected"))
    assert claims._display_name_claims(name, cat) == claims._display_name_claims_of(name, cat)


@pytest.mark.parametrize(("local", "which"), [("nytimes.desk", "outlets"), ("reutersnews", "outlets"),
                                              ("paypal.service", "brands"), ("delacroix", "outlets"), ("", "brands")])
def test_local_part_claims_kept_per_text_are_the_same_and_private(local: str, which: str) -> None:
    cat = CATALOGUES[which]
    first = claims._local_part_claims(local, cat)
    assert first == (claims._local_part_claims_of(local, cat) if local else [])
    assert bool(first) == (local in ("nytimes.desk", "reutersnews", "paypal.service"))
    first.append(claims.RawClaim("entity", 0, "local-part", "injected"))
    assert claims._local_part_claims(local, cat) == (claims._local_part_claims_of(local, cat) if local else [])
    other = CATALOGUES["brands" if which == "outlets" else "outlets"]
    assert claims._local_part_claims(local, other) == (claims._local_part_claims_of(local, other) if local else [])
