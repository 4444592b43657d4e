"""The shortcuts of ``mailward.hunt.copytokens``: a template compiled only for URLs
that can follow it, and links on hosts no load uses left out of the alignment. Both
must give exactly what the plain regular expression over every URL gave."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from mailward.hunt.copytokens import _near_loads, _Template
from mailward.tokens import template_tokens

_PIECES = st.sampled_from(["https://", "t.", "example", ".org", "/", "?", "&", "=", "#", "a", "b", "1", "42",
                           "{token}", "{*}", ".gif", "-", "%2F", "x.y"])
_URL_PIECES = st.sampled_from(["https://", "t.", "example", ".org", "/", "?", "&", "=", "#", "a", "b", "1", "42",
                               ".gif", "-", "%2F", "x.y", ""])


def _regex(template: str) -> re.Pattern[str]:
    """The pattern copytokens compiled for every candidate template before."""
    parts = re.split(r"(\{token\}|\{\*\})", template)
    regex = "".join("([^/?&#]*)" if p == "{token}" else "[^/?&#]*" if p == "{*}" else re.escape(p) for p in parts)
    return re.compile(regex + r"\Z")


@given(st.lists(_PIECES, max_size=8).map("".join), st.lists(_URL_PIECES, max_size=10).map("".join),
       st.sampled_from(["", "1", "42", "a", "ab", "x.y"]))
def test_template_match_equals_the_regular_expression(template: str, url: str, value: str) -> None:
    if "{token}" not in template:
        template += "{token}"
    found = _regex(template).match(url)
    assert _Template(template).value_at(url, value) == (found is not None and found.group(1) == value)


def test_template_match_examples() -> None:
    t = _Template("https://t.example.org/o.gif?c=spring&r={token}")
    assert t.value_at("https://t.example.org/o.gif?c=spring&r=4117", "4117")
    assert not t.value_at("https://t.example.org/o.gif?c=spring&r=4117", "411")
    assert not t.value_at("https://t.example.org/o.gif?c=autumn&r=4117", "4117")
    noisy = _Template("https://{*}.example.org/{token}/{*}.gif")
    assert noisy.value_at("https://a7.example.org/311/zz.gif", "311")
    assert not noisy.value_at("https://a7.example.org/311/z/z.gif", "311")


def test_links_on_hosts_no_load_uses_are_left_out() -> None:
    loads = ["https://t.mailer.example/o.gif?r=1", "https://t.mailer.example/o.gif?r=2"]
    batch = [
        ("1", ["https://click.mailer.example/l?r=1", "https://news.outlet.example/story", "https://x.org/a"]),
        ("2", ["https://other.example/z", "https://u@odd.example/q"]),
        ("3", ["https://news.outlet.example/story"]),
    ]
    kept = _near_loads(batch, loads)
    # a host that shares its name less the first label with a load stays; others go,
    # but not a URL whose host is not plain (user info): that is kept, as it is
    assert kept == [("1", ["https://click.mailer.example/l?r=1"]), ("2", ["https://u@odd.example/q"])]


_HOSTS = st.sampled_from(["t.mailer.example", "click.mailer.example", "mailer.example", "x.org", "cdn.x.org",
                          "a.b.mailer.example", "mailer.example:8080"])
_PATHS = st.sampled_from(["/o.gif?r=1", "/o.gif?r=2", "/o.gif?r=3", "/l/7", "/l/8", "/p/1/x.gif", "/p/2/x.gif"])
_URLS = st.builds(lambda h, p: f"https://{h}{p}", _HOSTS, _PATHS)


@given(st.lists(st.tuples(st.sampled_from("123456"), st.lists(_URLS, max_size=5)), min_size=2, max_size=6),
       st.lists(_URLS, max_size=4))
def test_leaving_out_links_changes_no_token_a_load_can_carry(batch, loads) -> None:
    """Every token whose template matches a load (what copytokens keeps) is found with
    and without the links the shortcut leaves out."""
    batch = list(dict(batch).items())

    def on_loads(tokens):
        out = set()
        for token in tokens:
            template = _Template(token.template)
            hits = tuple(sorted((k, v) for k, v in token.values.items()
                                if any(template.value_at(load, v) for load in loads)))
            if hits:
                out.add((token.template, token.location, hits))
        return out

    assert on_loads(template_tokens(_near_loads(batch, loads))) == on_loads(template_tokens(batch))
