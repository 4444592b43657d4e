"""The attribute bound's fast check agrees with the exact scan it stands in for."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import given, settings
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
