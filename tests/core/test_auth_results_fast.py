"""The Authentication-Results helpers' quick paths (no quotes, no backslashes) give
what the character-at-a-time paths give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailward import headers

_PLAIN = st.lists(st.sampled_from([*"ab =;/.()\t\x1c\u2003", "dkim=pass", "spf=fail", "(x (y) z)"]),
                  max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(_PLAIN)
def test_quick_paths_are_the_character_paths(value: str) -> None:
    assert headers._strip_comments(value) == headers._strip_quoted_comments(value)
    assert headers._split_outside_quotes(value, ";") == headers._split_quoted(value, ";")
    assert headers._tokens(value) == headers._quoted_tokens(value)


def test_comments_go_and_results_stay() -> None:
    value = "mx.example; spf=pass (mx.example: (nested) designates 192.0.2.1) smtp.mailfrom=a@b.example; dkim=fail (bad"
    assert headers._strip_comments(value) == "mx.example; spf=pass   smtp.mailfrom=a@b.example; dkim=fail "
    results = headers.parse_auth_results(value, "Authentication-Results", 0)
    assert [(r.method, r.result) for r in results] == [("spf", "pass"), ("dkim", "fail")]
    assert results[0].properties == {"smtp.mailfrom": "a@b.example"}
