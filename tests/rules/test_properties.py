"""Facts follow the schema and rules never raise, whatever the bytes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailward.facts.build import build_facts
from mailward.parse import parse_message
from mailward.rules.engine import default_ruleset
from mailward.rules.schema import schema_problems
from mailward.scan import Scanner

HEADERS = st.sampled_from([
    b"From: \"press@reuters.com\" <x@evil.example>\r\n",
    b"From: Reuters <news@r\xd0\xb5uters.com>\r\n",
    b"Reply-To: a@gmail.com\r\n",
    b"Authentication-Results: mx; spf=fail smtp.mailfrom=a@b.c; dkim=pass header.d=\r\n",
    b"Content-Type: multipart/mixed; boundary=\"b\"\r\n",
    b"Content-Type: text/html\r\n",
    b"To: a@b.c\r\n",
])
BODIES = st.sampled_from([
    b"<a href=\"http://[::1/\">x</a>",
    b"<a href=\"http://3232235777/\">https://www.paypal.com/</a>",
    b"<img src=\"https://t.example/o.gif?e=YUBiLmM\" width=1 height=1>",
    b"--b\r\nContent-Type: application/zip; name=a.zip\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n",
    b"<form action=x><input type=password></form>",
    b"verify your account http://bit.ly/x",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(HEADERS, max_size=5), st.lists(BODIES, max_size=4), st.binary(max_size=200))
def test_facts_follow_schema_and_rules_do_not_raise(headers, bodies, noise) -> None:
    raw = b"".join(headers) + b"\r\n" + b"\r\n".join(bodies) + noise
    message = parse_message(raw)
    facts = build_facts(message)
    assert schema_problems(facts) == []
    ruleset = default_ruleset()
    before = len(ruleset.errors)
    ruleset.evaluate(facts)
    assert ruleset.errors[before:] == []


_SCANNER = Scanner()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_scanner_never_raises(raw: bytes) -> None:
    result = _SCANNER.scan_bytes(raw)
    assert result.verdict.value in {"clean", "tracking", "suspicious", "recon", "phishing", "malicious", "unscannable"}
