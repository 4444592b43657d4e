"""``<style>`` and ``<base>`` are read whatever the case of their tag names (the
selectors only run when the text holds such a start tag)."""

from __future__ import annotations

from mailward.html import extract_html


def test_upper_case_style_and_base_are_read() -> None:
    html = ('<HTML><HEAD><StYlE>.trk{display:none}</sTyLe><BASE HREF="https://cdn.example/m/"></HEAD>'
            '<BODY><img class="trk" src="p.gif"><a href="x">x</a></BODY></HTML>')
    facts = extract_html(html, "1")
    (image,) = facts.resources
    assert image.url == "https://cdn.example/m/p.gif"
    assert image.hidden and "stylesheet .trk" in image.hidden_reason
    assert [link.url for link in facts.links] == ["https://cdn.example/m/x"]


def test_without_style_or_base_nothing_is_hidden_or_resolved() -> None:
    facts = extract_html('<p class="trk"><img class="trk" src="p.gif"></p><!-- <styl e> <bas e> -->', "1")
    (image,) = facts.resources
    assert image.url == "p.gif" and not image.hidden
