"""The attribute bound's fast check agrees with the exact scan it stands in for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mailward import htmlprep
from mailward.html import extract_html

_PIECES = ["<", ">", "/", " ", "\n", '"', "'", "=", "a", "b", "src", "x=1 ", "style=", "<img", "<a ", 'href="u"',
           "<br>", "</p>"]


@contextmanager
def _bounds(per_element: int, total: int) -> Iterator[None]:
    saved = htmlprep.MAX_ATTRIBUTES_PER_ELEMENT, htmlprep.MAX_ATTRIBUTES_TOTAL
    htmlprep.MAX_ATTRIBUTES_PER_ELEMENT, htmlprep.MAX_ATTRIBUTES_TOTAL = per_element, total
    try:
        yield
    finally:
        htmlprep.MAX_ATTRIBUTES_PER_ELEMENT, htmlprep.MAX_ATTRIBUTES_TOTAL = saved


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=120), st.sampled_from([(3, 10), (5, 40), (2, 1000)]))
def test_fast_check_gives_the_exact_result(pieces: list[str], bounds: tuple[int, int]) -> None:
    html = "".join(pieces)
    with _bounds(*bounds):
        exact = htmlprep._bound_attributes_exact(html) if len(html) >= 2 * bounds[0] else (html, False)
        assert htmlprep.bound_attributes(html) == exact


def test_small_bounds_do_cap() -> None:
    with _bounds(3, 10):
        html, capped = htmlprep.bound_attributes("<p a b c d e f src=x>" * 3)
    assert capped
    assert html.count(" d") == 0 and html.count("src=x") == 3


def test_a_tag_without_attributes_after_the_total_bound_is_kept() -> None:
    # the total passes its bound through the names kept past it; a later bare tag used to raise IndexError
    many = "<p " + " ".join(f"a{i}" for i in range(250)) + ">"
    last = "<p " + " ".join(f"a{i}" for i in range(300)) + " src=x style=y class=c id=i>"
    html, capped = htmlprep.bound_attributes(many * 399 + last + "<br>")
    assert capped and html.endswith("<br>")
    facts = extract_html(many * 399 + last + "<br><img src=https://t.example/p.gif>", "1")
    assert facts.attributes_capped
    assert [r.url for r in facts.resources][-1] == "https://t.example/p.gif"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="<!-[iIfFİıK x", max_size=30))
def test_conditional_comment_check_matches_lower_case_search(text: str) -> None:
    from mailward import html

    assert (html._CONDITIONAL_COMMENT.search(text) is not None) == ("<!--[if" in text.lower())


def test_elements_without_handled_tags_still_report_what_they_load() -> None:
    html = (
        '<table><tr><td background="https://t.example/bg.gif">x</td>'
        '<td class="c" id="i">plain</td></tr></table>'
        '<span style="background:url(https://t.example/s.gif)">y</span>'
        '<custom-el src="https://t.example/c.gif"></custom-el>'
        '<div hidden><img src="https://t.example/h.gif"></div>'
    )
    resources = {r.url: r for r in extract_html(html, "1").resources}
    assert set(resources) == {"https://t.example/bg.gif", "https://t.example/s.gif", "https://t.example/c.gif",
                              "https://t.example/h.gif"}
    assert resources["https://t.example/h.gif"].hidden


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=120), st.sampled_from([(3, 100_000), (1, 100_000)]))
def test_long_tag_search_gives_the_exact_result(pieces: list[str], bounds: tuple[int, int]) -> None:
    # parts no longer than the total bound: one search for a tag with too many attributes
    html = "".join(pieces)
    with _bounds(*bounds):
        exact = htmlprep._bound_attributes_exact(html) if len(html) >= 2 * bounds[0] else (html, False)
        assert htmlprep.bound_attributes(html) == exact


def _within_bounds_tag_by_tag(html: str) -> bool:
    """Whether the part is within the bounds, each start tag's attributes counted apart."""
    counts = [len(htmlprep._UNITS.findall(html, tag.start(1), tag.end(1))) for tag in htmlprep._START_TAG.finditer(html)]
    return max(counts, default=0) <= htmlprep.MAX_ATTRIBUTES_PER_ELEMENT and sum(counts) <= htmlprep.MAX_ATTRIBUTES_TOTAL


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=160), st.sampled_from([(3, 10), (5, 40), (40, 5), (2, 60), (300, 20)]))
def test_long_parts_count_attributes_as_tag_by_tag(pieces: list[str], bounds: tuple[int, int]) -> None:
    # parts longer than the total bound: attribute texts in one findall, joined by ">"
    html = "".join(pieces)
    with _bounds(*bounds):
        if len(html) > bounds[1]:
            assert htmlprep._within_bounds(html) == _within_bounds_tag_by_tag(html)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*_PIECES, " =x", "='q'", "<p b>", "<p"]), max_size=160))
@example(["<p b>", "<p", " =x"])  # joined without a separator, "b =x" would read as one attribute
def test_attribute_total_of_joined_texts_is_the_sum_tag_by_tag(pieces: list[str]) -> None:
    html = "".join(pieces)
    tags = list(htmlprep._START_TAG.finditer(html))
    assert htmlprep.attribute_total([tag.group(1) for tag in tags]) == sum(
        len(htmlprep._UNITS.findall(html, tag.start(1), tag.end(1))) for tag in tags
    )


def test_a_quoted_tag_with_many_attributes_changes_nothing() -> None:
    # the search stops at the "<b" inside the quoted value; the exact scan reads one attribute
    html = '<p title="<b ' + "x " * 300 + '">text</p>'
    assert htmlprep.bound_attributes(html) == (html, False)
    assert htmlprep.bound_attributes("<p " + "x " * 300 + ">")[1]


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,20})")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


def _depth_by_steps(html: str) -> int:
    """The nesting depth a tag at a time (how ``_nesting_depth`` used to count)."""
    depth = deepest = 0
    for closing, name in _TAG.findall(html):
        if name.lower() in _VOID:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


_TAG_PIECES = ["<div>", "</div>", "<DIV>", "<br>", "<BR/>", "<brx>", "<img>", "<imgs>", "</img>", "</p>", "<p>",
               "<lin\u212a>", "<a" + "b" * 25 + ">", "<br" + "x" * 25 + ">", "text", "< p>", "</ div>"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TAG_PIECES), max_size=200))
def test_nesting_depth_counts_as_a_tag_at_a_time(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert htmlprep._nesting_depth(html) == _depth_by_steps(html)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="<>/ tTeEmMpPlLaAİK", max_size=30))
def test_template_check_matches_lower_case_search(text: str) -> None:
    # the search replaced ``"template" not in html.lower()``: the same text either way
    expected = htmlprep._TEMPLATE_TAG.sub(" ", text) if "template" in text.lower() else text
    assert htmlprep.open_templates(text) == expected


def test_an_element_with_a_style_that_loads_is_read_and_one_that_cannot_is_not() -> None:
    html = ('<div style="color:red"><p style="background-image:url(https://t.example/p.png)">x</p></div>'
            '<div style="display:none"><img src="https://t.example/i.gif"></div>')
    resources = {r.url: r for r in extract_html(html, "1").resources}
    assert set(resources) == {"https://t.example/p.png", "https://t.example/i.gif"}
    assert resources["https://t.example/i.gif"].hidden
