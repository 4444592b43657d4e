"""Bad input gives a clear error, never a traceback: feeds, indicator values, messages."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailward.parse import parse_message
from mailward.share import indicator_values
from mailward.share.intel import IntelError, read_feed
from mailward.share.matcher import IndicatorRecord, IntelMatcher

MATCHER = IntelMatcher(
    [
        IndicatorRecord("evil.example", "domain", "s", 80),
        IndicatorRecord("https://t.evil.example/o", "url", "s", 80),
        IndicatorRecord("x@evil.example", "email", "s", 80),
        IndicatorRecord("203.0.113.0/24", "ipv4", "s", 80),
        IndicatorRecord("2001:db8::/32", "ipv6", "s", 80),
        IndicatorRecord("ab" * 32, "sha256", "s", 80),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_detect_raises_only_indicator_error(text):
    try:
        kind, value = indicator_values.detect(text)
    except indicator_values.IndicatorError:
        return
    assert kind in indicator_values.KINDS
    # normalising is idempotent
    assert indicator_values.normalise(kind, value) == value


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_read_feed_raises_only_intel_error(data):
    try:
        feed = read_feed(data, "fuzz")
    except IntelError:
        return
    assert feed.format in ("stix", "misp", "list")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.fixed_dictionaries({"type": st.just("bundle"), "objects": st.lists(json_values, max_size=4)}),
        st.fixed_dictionaries({"Event": st.dictionaries(st.sampled_from(["Attribute", "Object", "info", "Orgc"]), json_values)}),
        st.fixed_dictionaries(
            {
                "type": st.just("bundle"),
                "objects": st.lists(
                    st.fixed_dictionaries(
                        {"type": st.just("indicator"), "pattern": st.text(max_size=60), "confidence": json_values}
                    ),
                    max_size=3,
                ),
            }
        ),
    )
)
def test_structured_garbage_gives_clear_errors(doc):
    try:
        read_feed(json.dumps(doc).encode(), "fuzz.json")
    except IntelError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_match_never_raises(raw):
    message = parse_message(b"From: a@evil.example\r\nReceived: from x ([203.0.113.9]) by y\r\n" + raw)
    matches = MATCHER.match(message, ["https://t.evil.example/o?" + raw.decode("latin-1")[:50]])
    assert any(m.kind == "url" for m in matches)
