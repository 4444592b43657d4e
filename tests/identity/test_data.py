from __future__ import annotations

import pytest

from mailward.identity import outlet_data
from mailward.identity.outlets import (
    ReferenceDataError,
    catalogue,
    freemail_domains,
    parse_freemail,
    parse_outlets,
)
from mailward.identity.settings import IdentitySettings
from mailward.identity.text import fold


def test_outlets_reference_data():
    data = outlet_data()
    assert len(data.outlets) >= 300
    countries = {o.country for o in data.outlets}
    assert {"GB", "US", "DE", "FR", "IT", "ES", "PL", "CN", "JP", "KR", "IN", "RU", "UA"} <= countries
    owners: dict[str, str] = {}
    for outlet in data.outlets:
        assert outlet.source and outlet.domains, outlet.name
        for domain in outlet.domains:
            assert domain == domain.lower() and "." in domain, (outlet.name, domain)
            assert owners.setdefault(domain, outlet.name) == outlet.name, f"{domain} listed twice"


def test_short_names_are_never_matched_inside_text():
    cat = catalogue(IdentitySettings())
    patterns = {p.strip() for p in cat.anywhere_patterns}
    for short in ("ap", "ft", "the times", "times", "the sun", "guardian", "express", "mirror", "independent",
                  "the economist", "economist", "time", "abc", "afp", "dw", "stuff", "focus"):
        assert short not in patterns, short
    for distinctive in ("reuters", "bbc news", "financial times", "new york times", "wapo", "scmp", "nyt"):
        assert distinctive in patterns, distinctive


def test_freemail_reference_data():
    domains = freemail_domains()
    assert len(domains) >= 100
    assert {"gmail.com", "outlook.com", "proton.me", "mail.ru", "qq.com", "163.com", "mailinator.com"} <= domains
    # no outlet's official domain is a free-mail domain
    for outlet in outlet_data().outlets:
        for domain in outlet.domains:
            assert domain not in domains, domain


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("outlets: [{aliases: [x]}]", "needs a name"),
        ("outlets: [{name: X, source: s}]", "has no domains"),
        ("outlets: [{name: X, domains: [x.example]}]", "no source note"),
        ("outlets: [{name: X, domains: [x.example], source: s}, {name: X, domains: [y.example], source: s}]", "duplicate id"),
        ("outlets: [", "invalid YAML"),
        ("[]", "expected a mapping"),
    ],
)
def test_bad_outlet_data_is_reported(text, error):
    with pytest.raises(ReferenceDataError) as err:
        parse_outlets(text, "test.yaml")
    assert error in str(err.value)


def test_bad_freemail_data_is_reported():
    with pytest.raises(ReferenceDataError):
        parse_freemail("providers: [{domains: [x.example]}]")


def test_fold():
    assert fold("  THE New-York   Times!! ") == "the new york times"
    assert fold("Rеutегs") == "reuters"  # Cyrillic look-alikes
    assert fold("Süddeutsche Zeitung") == "suddeutsche zeitung"
    assert fold("ＢＢＣ　Ｎｅｗｓ") == "bbc news"  # full-width
