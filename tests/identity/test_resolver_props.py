from __future__ import annotations

import dns.exception
import dns.resolver
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailward.identity import DnsResolver, ResolverError, analyse_identity, lookalike_of
from mailward.identity.text import fold, skeleton
from mailward.parse import parse_message

from .helpers import ORG, raw_message


class _Rdata:
    def __init__(self, text: str) -> None:
        self.strings = [text.encode()]


class _Answer(list):
    class rrset:
        ttl = 120


class _StubResolver:
    def __init__(self) -> None:
        self.calls = 0
        self.fail = False

    def resolve(self, name, rdtype, raise_on_no_answer=False):
        self.calls += 1
        if self.fail:
            raise dns.exception.Timeout()
        if name == "missing.example":
            raise dns.resolver.NXDOMAIN()
        return _Answer([_Rdata("v=spf1 -all")])


def test_dns_resolver_caches_and_maps_errors():
    clock = [100.0]
    resolver = DnsResolver(timeout=0.5, clock=lambda: clock[0])
    stub = _StubResolver()
    resolver._resolver = stub  # no network in tests: the stub stands in for dnspython's resolver
    assert resolver.query("example.org", "TXT") == ("v=spf1 -all",)
    assert resolver.query("example.org", "TXT") == ("v=spf1 -all",)
    assert stub.calls == 1  # served from the cache
    assert resolver.query("missing.example", "TXT") == ()
    clock[0] += 1000  # past the TTL
    stub.fail = True
    with pytest.raises(ResolverError):
        resolver.query("example.org", "TXT")


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"), max_size=80)


@settings(max_examples=150, deadline=None)
@given(display=_text, subject=_text, body=st.text(max_size=400), local=st.from_regex(r"[a-z0-9._+-]{1,20}", fullmatch=True))
def test_analyse_identity_never_raises(display, subject, body, local):
    quoted = display.replace("\\", "").replace('"', "")
    raw = raw_message(f'"{quoted}" <{local}@example.net>', subject=subject, body=body)
    report = analyse_identity(parse_message(raw), ORG)
    assert isinstance(report.explanations, tuple)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_lookalike_and_folding_never_raise(text):
    lookalike_of(text)
    lookalike_of(text + ".com")
    folded = fold(text)
    assert folded == folded.strip() and "  " not in folded and folded == folded.lower()
    skeleton(text)
