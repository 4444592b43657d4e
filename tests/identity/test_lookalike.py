from __future__ import annotations

import time

import pytest

from mailward.identity import analyse_identity, lookalike_of
from mailward.identity.lookalike import permutations

from .helpers import ORG, PLAIN, TOP, message


@pytest.mark.parametrize(
    ("domain", "kind", "target"),
    [
        ("reuter.com", "missing-letter", "reuters.com"),
        ("reutters.com", "doubled-letter", "reuters.com"),
        ("rueters.com", "transposition", "reuters.com"),
        ("reuyers.com", "keyboard", "reuters.com"),
        ("bloomberq.com", "typo", "bloomberg.com"),
        ("washingtonpots.com", "transposition", "washingtonpost.com"),
        ("washingtonpsot.org", "transposition", "washingtonpost.com"),
        ("nytirnes.com", "homoglyph", "nytimes.com"),
        ("n0ytimes.com", "typo", "nytimes.com"),
        ("rеuters.com", "mixed-script", "reuters.com"),  # Cyrillic е
        ("rеutеrs.com".encode("idna").decode("ascii"), "mixed-script", "reuters.com"),  # two Cyrillic е, punycode
        ("reuters-newsdesk.com", "combosquat", "reuters.com"),
        ("bbcnews-alerts.net", "combosquat", "bbc.co.uk"),
        ("bbc.co", "tld-swap", "bbc.co.uk"),
        ("lemonde.com", "tld-swap", "lemonde.fr"),
        ("bbc.co.uk.example.net", "subdomain-trick", "bbc.co.uk"),
        ("reuters.com-secure.net", "subdomain-trick", "reuters.com"),
        ("nytimes.com.mail-reader.io", "subdomain-trick", "nytimes.com"),
    ],
)
def test_lookalike_kinds(domain, kind, target):
    match = lookalike_of(domain)
    assert match is not None, domain
    assert (match.kind, match.target) == (kind, target)
    assert match.detail


def test_punycode_is_decoded_in_the_result():
    encoded = "rеuters.com".encode("idna").decode("ascii")
    match = lookalike_of(encoded)
    assert match is not None and match.domain == "rеuters.com"


def test_organisation_domains_are_protected_too():
    match = lookalike_of("parliarnent.example", ORG)
    assert match is not None and match.kind == "homoglyph" and match.entity_kind == "organisation"
    match = lookalike_of("parlament.example", ORG)
    assert match is not None and match.kind == "missing-letter"
    assert lookalike_of("parlament.example", PLAIN) is None


@pytest.mark.parametrize(
    "domain",
    ["reuters.com", "mail.reuters.com", "email.nytimes.com", "news.bbc.co.uk", "gmail.com", "example.org",
     "americanexpress.com", "express.com", "yahoo.com", "sun.com", "times-plumbing.com", "guardianlife.com",
     "nhl.com", "cnet.com", "theverge.com", "python.org", "apache.org", "ft-accounting.de", "abc-plumbing.com",
     "timeout.com", "standardbank.co.za"],
)
def test_not_lookalikes(domain):
    assert lookalike_of(domain) is None


def test_permutations_cover_the_classic_typos():
    variants = permutations("reuters")
    assert variants["reuter"][0] == "missing-letter"
    assert variants["reeuters"][0] == "doubled-letter"
    assert variants["rueters"][0] == "transposition"
    assert variants["reuyers"][0] == "keyboard"
    assert "reuters" not in variants


def test_lookalike_is_fast_once_built():
    lookalike_of("warm-up.example")
    domains = [f"host{i}.example-{i}.com" for i in range(2000)]
    start = time.process_time()
    for domain in domains:
        lookalike_of(domain)
    per_call = (time.process_time() - start) / len(domains)
    assert per_call < 0.0005  # generous: well under a millisecond on a busy machine


def test_lookalike_sender_makes_a_claim_fail_with_explanation():
    msg = message(
        '"Reuters Breaking News" <desk@reuters-newsdesk.com>',
        auth=[f"{TOP}; spf=pass smtp.mailfrom=bounce@reuters-newsdesk.com; dkim=pass header.d=reuters-newsdesk.com; dmarc=pass header.from=reuters-newsdesk.com"],
    )
    report = analyse_identity(msg, PLAIN)
    [claim] = report.claims
    assert claim.status == "lookalike" and not claim.holds
    assert claim.lookalike is not None and claim.lookalike.kind == "combosquat"
    assert claim.contains_brand
    assert report.lookalike and report.impersonation
    assert report.explanations[0] == (
        "Claims to be Reuters (display name 'Reuters Breaking News'); sent from reuters-newsdesk.com, "
        "a lookalike of reuters.com (combosquat: contains the brand 'reuters' with other words); "
        "DKIM passed only for reuters-newsdesk.com."
    )


def test_lookalike_without_claim_is_reported():
    report = analyse_identity(message("Billing <billing@nytirnes.com>"), PLAIN)
    assert report.claims == ()
    assert report.sending.from_lookalike is not None
    assert report.lookalike and report.impersonation
    assert any("lookalike of nytimes.com" in e for e in report.explanations)


def test_unrelated_domain_claim_explanation():
    report = analyse_identity(
        message('"Reuters" <desk@newsdesk-mail.net>', auth=[f"{TOP}; dkim=pass header.d=newsdesk-mail.net; spf=none"]),
        PLAIN,
    )
    [claim] = report.claims
    assert claim.status == "unrelated-domain"
    assert report.explanations[0] == (
        "Claims to be Reuters (display name 'Reuters'); sent from newsdesk-mail.net, which is not a Reuters "
        "domain; DKIM passed only for newsdesk-mail.net."
    )


def test_protected_person_from_a_lookalike_of_the_organisation():
    report = analyse_identity(message('"Jane Minister" <jane.minister@parliarnent.example>'), ORG)
    [claim] = report.claims
    assert claim.kind == "protected-person" and claim.status == "lookalike"
    assert claim.lookalike is not None and claim.lookalike.entity_kind == "organisation"
    assert "a lookalike of parliament.example" in report.explanations[0]
