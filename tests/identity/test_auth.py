from __future__ import annotations

import base64
import subprocess

import dkim
import pytest

from mailward.identity import IdentitySettings, InMemoryResolver, analyse_identity
from mailward.identity.auth import check_spf
from mailward.model import Envelope
from mailward.parse import parse_message

from .helpers import PLAIN, TOP, message, raw_message

LIVE = IdentitySettings(live=True)


def test_only_the_topmost_header_is_trusted_by_default():
    msg = message(
        '"Reuters" <news@reuters.com>',
        auth=[
            f"{TOP}; spf=fail smtp.mailfrom=news@reuters.com; dkim=none; dmarc=fail header.from=reuters.com",
            "forged.example; spf=pass smtp.mailfrom=news@reuters.com; dkim=pass header.d=reuters.com; dmarc=pass",
        ],
    )
    report = analyse_identity(msg, PLAIN)
    assert report.auth.authserv_ids == (TOP,)
    assert report.auth.dkim_domains == ()
    assert report.auth.untrusted_results == 1
    [claim] = report.claims
    assert claim.status == "spoofed" and not claim.holds
    assert "authentication does not confirm it" in report.explanations[0]


def test_configured_authserv_ids():
    msg = message(
        '"Reuters" <news@reuters.com>',
        auth=[
            "edge.example; spf=none",
            f"{TOP}; spf=pass smtp.mailfrom=bounce@reuters.com; dkim=pass header.d=reuters.com; dmarc=pass",
        ],
    )
    trusted = IdentitySettings(trusted_authserv_ids=(TOP,))
    report = analyse_identity(msg, trusted)
    assert report.auth.aligned and report.auth.dkim_domains == ("reuters.com",)
    assert report.claims[0].holds and report.claims[0].status == "holds"
    # the default (topmost only) would see edge.example's result
    assert analyse_identity(msg, PLAIN).auth.spf == "none"


def test_dkim_alignment_through_an_esp():
    msg = message(
        '"The New York Times" <nytdirect@email.nytimes.com>',
        return_path="bounce-123@bounces.sendgrid.net",
        auth=[f"{TOP}; spf=pass smtp.mailfrom=bounce-123@bounces.sendgrid.net; "
              "dkim=pass header.d=nytimes.com; dkim=pass header.d=sendgrid.info; dmarc=pass header.from=email.nytimes.com"],
    )
    report = analyse_identity(msg, PLAIN)
    assert report.auth.dkim_aligned and not report.auth.spf_aligned and report.auth.alignment == "pass"
    assert report.sending.spf_pass_domain == "bounces.sendgrid.net"
    assert set(report.sending.dkim_pass_domains) == {"nytimes.com", "sendgrid.info"}


def test_misaligned_authentication():
    msg = message(
        "Billing <billing@example.com>",
        auth=[f"{TOP}; spf=pass smtp.mailfrom=x@mailer.example.net; dkim=pass header.d=mailer.example.net; dmarc=fail"],
    )
    report = analyse_identity(msg, PLAIN)
    assert report.auth.alignment == "fail" and not report.auth.aligned
    assert any("not aligned with the From domain example.com" in e for e in report.explanations)


def test_no_authentication_results():
    report = analyse_identity(message("Jo <jo@example.com>"), PLAIN)
    assert report.auth.source == "none" and report.auth.alignment == "none"


def test_spoofed_official_domain_with_dmarc_fail():
    msg = message('"BBC News" <news@bbc.co.uk>', auth=[f"{TOP}; spf=softfail smtp.mailfrom=bbc.co.uk; dkim=none; dmarc=fail header.from=bbc.co.uk"])
    report = analyse_identity(msg, PLAIN)
    assert report.claims[0].status == "spoofed" and report.impersonation


# -- live checks through an in-memory resolver ------------------------------------


@pytest.fixture(scope="module")
def test_key(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dkim")
    private = folder / "key.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(private), "1024"], check=True, capture_output=True)
    public_der = subprocess.run(
        ["openssl", "rsa", "-in", str(private), "-pubout", "-outform", "DER"], check=True, capture_output=True
    ).stdout
    return private.read_bytes(), base64.b64encode(public_der).decode("ascii")


def _signed(raw: bytes, key: bytes, domain: str, selector: str = "s1") -> bytes:
    signature = dkim.sign(raw, selector.encode(), domain.encode(), key, include_headers=[b"from", b"to", b"subject", b"date"])
    return signature + raw


def _resolver(public: str, domain: str = "reuters.com") -> InMemoryResolver:
    resolver = InMemoryResolver()
    resolver.add(f"s1._domainkey.{domain}", "TXT", f"v=DKIM1; k=rsa; p={public}")
    resolver.add(domain, "TXT", "v=spf1 ip4:192.0.2.0/24 include:_spf.esp.example -all")
    resolver.add("_spf.esp.example", "TXT", "v=spf1 ip4:198.51.100.7 -all")
    resolver.add(f"_dmarc.{domain}", "TXT", "v=DMARC1; p=reject; adkim=r; aspf=r")
    return resolver


def test_live_dkim_pass_and_dmarc(test_key):
    key, public = test_key
    raw = _signed(raw_message('"Reuters" <news@reuters.com>'), key, "reuters.com")
    env = Envelope(mail_from="bounce@reuters.com", client_ip="192.0.2.10", rcpt_to=("mp@parliament.example",))
    msg = parse_message(raw, envelope=env)
    resolver = _resolver(public)
    report = analyse_identity(msg, LIVE, resolver=resolver, raw=raw)
    assert report.auth.source == "live"
    assert report.auth.dkim == "pass" and report.auth.dkim_domains == ("reuters.com",)
    assert report.auth.spf == "pass"
    assert report.auth.dmarc == "pass" and report.auth.dmarc_policy == "reject"
    assert report.claims[0].status == "holds"
    assert ("s1._domainkey.reuters.com", "TXT") in resolver.queries


def test_live_dkim_fails_on_a_changed_message(test_key):
    key, public = test_key
    raw = _signed(raw_message('"Reuters" <news@reuters.com>', subject="Original"), key, "reuters.com")
    tampered = raw.replace(b"Subject: Original", b"Subject: Changed")
    env = Envelope(mail_from="bounce@reuters.com", client_ip="203.0.113.9")
    report = analyse_identity(parse_message(tampered, envelope=env), LIVE, resolver=_resolver(public), raw=tampered)
    assert report.auth.dkim == "fail" and report.auth.dkim_domains == ()
    assert report.auth.spf == "fail"
    assert report.auth.dmarc == "fail"
    assert report.claims[0].status == "spoofed"


def test_live_dkim_signed_by_the_lookalike_itself(test_key):
    key, public = test_key
    raw = _signed(raw_message('"Reuters" <desk@reuters-newsdesk.com>'), key, "reuters-newsdesk.com")
    resolver = _resolver(public, "reuters-newsdesk.com")
    report = analyse_identity(parse_message(raw), LIVE, resolver=resolver, raw=raw)
    assert report.auth.dkim_domains == ("reuters-newsdesk.com",)
    assert report.claims[0].status == "lookalike"
    assert "DKIM passed only for reuters-newsdesk.com" in report.explanations[0]


def test_live_checks_are_off_unless_configured(test_key):
    key, public = test_key
    raw = _signed(raw_message('"Reuters" <news@reuters.com>'), key, "reuters.com")
    resolver = _resolver(public)
    report = analyse_identity(parse_message(raw), PLAIN, resolver=resolver, raw=raw)
    assert report.auth.source == "none" and resolver.queries == []


def test_live_dns_time_out_gives_temperror():
    resolver = InMemoryResolver(failing={"reuters.com", "_dmarc.reuters.com"})
    raw = raw_message('"Reuters" <news@reuters.com>')
    env = Envelope(mail_from="bounce@reuters.com", client_ip="192.0.2.10")
    report = analyse_identity(parse_message(raw, envelope=env), LIVE, resolver=resolver, raw=raw)
    assert report.auth.spf == "temperror"
    assert report.auth.dmarc == "temperror"


@pytest.mark.parametrize(
    ("ip", "expected"),
    [("192.0.2.55", "pass"), ("198.51.100.7", "pass"), ("203.0.113.1", "fail"), ("2001:db8::1", "fail"), ("not-an-ip", "none")],
)
def test_spf_evaluation(ip, expected):
    resolver = InMemoryResolver()
    resolver.add("reuters.com", "TXT", "v=spf1 ip4:192.0.2.0/24 include:_spf.esp.example -all")
    resolver.add("_spf.esp.example", "TXT", "v=spf1 ip4:198.51.100.7 -all")
    assert check_spf(ip, "reuters.com", resolver) == expected


def test_spf_a_mx_redirect_and_limits():
    resolver = InMemoryResolver()
    resolver.add("example.org", "TXT", "v=spf1 redirect=_spf.example.org")
    resolver.add("_spf.example.org", "TXT", "v=spf1 a mx ~all")
    resolver.add("_spf.example.org", "A", "192.0.2.1")
    resolver.add("_spf.example.org", "MX", "mx.example.org")
    resolver.add("mx.example.org", "A", "192.0.2.2")
    assert check_spf("192.0.2.1", "example.org", resolver) == "pass"
    assert check_spf("192.0.2.2", "example.org", resolver) == "pass"
    assert check_spf("192.0.2.3", "example.org", resolver) == "softfail"
    resolver.add("loop.example", "TXT", "v=spf1 include:loop.example -all")
    assert check_spf("192.0.2.3", "loop.example", resolver) == "permerror"
    assert check_spf("192.0.2.3", "nospf.example", resolver) == "none"


def test_spf_a_with_a_host_and_prefix():
    resolver = InMemoryResolver()
    resolver.add("example.net", "TXT", "v=spf1 a:relay.example.net/24 -all")
    resolver.add("relay.example.net", "A", "192.0.2.10")
    assert check_spf("192.0.2.200", "example.net", resolver) == "pass"
    assert check_spf("198.51.100.1", "example.net", resolver) == "fail"
