"""Brands and the organisation's own IT services as claimable identities."""

from __future__ import annotations

import pytest

from mailward.identity import analyse_identity
from mailward.identity.brands import (
    DEFAULT_SERVICE_NAMES,
    OWN_SERVICE,
    brand_data,
    brand_in_host,
    brand_in_path,
    copyright_name,
    parse_brands,
)
from mailward.identity.outlets import ReferenceDataError
from mailward.identity.report import DISPLAY_NAME, LOCAL_PART, LOGO, SIGNATURE, SUBJECT
from mailward.parse import parse_message

from .helpers import ORG, PLAIN, TOP, message


def brand_claims(msg, settings=PLAIN):
    return [(c.name, c.where, c.status) for c in analyse_identity(msg, settings).brand_claims]


def test_reference_data_size_and_kinds() -> None:
    data = brand_data()
    assert len(data.brands) >= 600
    kinds = set(data.kinds.values())
    for kind in ("idp", "bank", "payment", "delivery", "postal", "tax", "telecom", "crypto", "security", "retailer"):
        assert kind in kinds
    names = {b.name for b in data.brands}
    for name in ("Microsoft", "Google", "Apple", "DocuSign", "Bradesco", "Correios", "HMRC", "Receita Federal", "DETRAN",
                 "Internal Revenue Service", "Norton", "Coinbase", "State Bank of India", "Royal Mail", "USPS"):
        assert name in names
    assert all(b.source for b in data.brands)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("brands: [{name: X, kind: bank, domains: [x.com]}]", "source"),
        ("brands: [{name: X, kind: nonsense, domains: [x.com], source: s}]", "kind"),
        ("brands: [{name: X, kind: bank, source: s}]", "no domains"),
        ("brands: [{name: X, kind: bank, domains: [x.com], source: s}, {name: X, kind: bank, domains: [y.com], source: s}]", "duplicate"),
        ("nothing: 1", "brands"),
        ("brands: [", "invalid YAML"),
    ],
)
def test_malformed_reference_data_is_named(text: str, problem: str) -> None:
    with pytest.raises(ReferenceDataError, match=problem):
        parse_brands(text)


def test_short_aliases_are_whole_segments_only() -> None:
    data = parse_brands("brands: [{name: Social Security Administration, kind: government, aliases: [SSA, Social Security],"
                        " domains: [ssa.gov], source: s}]")
    [entity] = data.brands
    assert "SSA" in entity.short and "SSA" not in entity.aliases


@pytest.mark.parametrize(
    ("from_", "brand", "where", "status"),
    [
        ('"Microsoft 365" <security@mail-notify.example-tools.net>', "Microsoft", DISPLAY_NAME, "unrelated-domain"),
        ('"DHL Express Notification" <noreply@parcel-updates.net>', "DHL", DISPLAY_NAME, "unrelated-domain"),
        ('"PayPal Service" <paypal.service2026@gmail.com>', "PayPal", DISPLAY_NAME, "free-mail"),
        ("paypal-service@billing-center.net", "PayPal", LOCAL_PART, "unrelated-domain"),
        ('"Bradesco" <sac@bradesco.com.br>', "Bradesco", DISPLAY_NAME, "unverified"),
        # a short name followed by service words is still the name ("IRS" alone is a whole segment only)
        ('"IRS Tax Report" <cs.irsgov-taxreturn@telehealth.example.au>', "Internal Revenue Service", DISPLAY_NAME,
         "unrelated-domain"),
        ('"PayPal Kundenservice" <info@konto-hilfe.example.net>', "PayPal", DISPLAY_NAME, "unrelated-domain"),
        # forms seen in real phishing: a government word, a country code or a feedback word after
        # the name, a possessive or "portal" before it, letters spaced out, a service word glued on,
        # and a misspelt name after a leading word
        ('"IRS.GOVERNMENT" <noreply-irs.gov-92007@rentals.example.ar>', "Internal Revenue Service", DISPLAY_NAME,
         "unrelated-domain"),
        ('"UPS-ES" <info@parcel.example.com>', "UPS", DISPLAY_NAME, "unrelated-domain"),
        ('"Fedex-klantfeedback" <klantenservice@parcel.example.com>', "FedEx", DISPLAY_NAME, "unrelated-domain"),
        ('"(Portal-BB) - Comunicado Urgente" <aviso@contratos.example.com>', "Banco do Brasil", DISPLAY_NAME,
         "unrelated-domain"),
        ('"Mijn PayPal" <info@betaling.example.nl>', "PayPal", DISPLAY_NAME, "unrelated-domain"),
        ('"A D A C" <noreply@auto-notfallset.example.de>', "ADAC", DISPLAY_NAME, "unrelated-domain"),
        ('"MetaMaskTeam" <team@wallet-update.example.dk>', "MetaMask", DISPLAY_NAME, "unrelated-domain"),
        ('"Conta Microsft - Atendimento" <suporte@conta-acesso.example.net>', "Microsoft", DISPLAY_NAME,
         "unrelated-domain"),
    ],
)
def test_brand_claims(from_: str, brand: str, where: str, status: str) -> None:
    [claim] = brand_claims(message(from_))
    assert claim == (brand, where, status)


@pytest.mark.parametrize(
    "from_",
    ['"John Norton" <john.norton@example.org>', "john.norton@example.org", '"Box Office" <tickets@theatre.example>',
     '"Chase Smith" <chase@example.org>', '"Orange County Library" <news@library.example>',
     '"Box Office Support" <tickets@theatre.example>', '"Tax Support Team" <help@accountants.example>',
     # the new forms need the rest to be a name: a word, a person or a team is not one
     '"My Team" <team@example.org>', '"Portal Support" <help@example.org>', '"A B C D" <abcd@example.org>',
     '"Bluecare" <care@example.org>', '"Mijn Gemeente" <info@gemeente.example.nl>', '"Ana Es" <ana@example.org>'],
)
def test_names_and_words_are_not_brand_claims(from_: str) -> None:
    assert brand_claims(message(from_)) == []


def test_a_longer_brand_name_is_not_also_its_shorter_namesake() -> None:
    # "Hermes Germany" names the German carrier; its first word is also a short name of
    # Evri (once Hermes UK). Only the longer name is claimed.
    assert brand_claims(message('"Hermes Germany" <noreply@myhermes.de>')) == [
        ("Hermes Germany", DISPLAY_NAME, "unverified")]
    assert brand_claims(message('"Hermes Germany" <noreply@paket-info.example.net>')) == [
        ("Hermes Germany", DISPLAY_NAME, "unrelated-domain")]
    assert brand_claims(message('"Hermes" <noreply@paket-info.example.net>')) == [
        ("Evri", DISPLAY_NAME, "unrelated-domain")]


def test_subject_claim_and_replies() -> None:
    assert brand_claims(message("alerts@notice.example", subject="Microsoft: unusual sign-in activity")) == [
        ("Microsoft", SUBJECT, "unrelated-domain")]
    assert brand_claims(message("alerts@notice.example", subject="Re: Microsoft: unusual sign-in activity")) == []


def test_spoofed_brand_domain() -> None:
    msg = message('"DHL Express" <noreply@dhl.com>',
                  auth=[f"{TOP}; spf=fail smtp.mailfrom=x@relay.example; dkim=none; dmarc=fail header.from=dhl.com"])
    assert brand_claims(msg) == [("DHL", DISPLAY_NAME, "spoofed")]


def test_own_service_claims_hold_only_from_own_domains() -> None:
    outside = analyse_identity(message('"IT Service Desk" <helpdesk@mailbox-admin.net>'), ORG).brand_claims
    assert [(c.kind, c.holds) for c in outside] == [(OWN_SERVICE, False)]
    inside = analyse_identity(message('"IT Service Desk" <it@parliament.example>'), ORG).brand_claims
    assert [(c.kind, c.holds) for c in inside] == [(OWN_SERVICE, True)]
    assert "IT Service Desk" in DEFAULT_SERVICE_NAMES


def test_logo_alt_text_is_a_claim() -> None:
    raw = (b"From: notices@docs-share.example\r\nTo: a@parliament.example\r\nSubject: Shared\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n"
           b'<img src="https://docs-share.example/l.png" alt="SharePoint"><p>A file was shared.</p>\r\n')
    assert ("Microsoft", LOGO, "unrelated-domain") in brand_claims(parse_message(raw))


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("© FedEx 2026. Alle rechten voorbehouden.", "FedEx"),
        ("Copyright © 2024 PayPal, Inc. All rights reserved.", "PayPal"),
        ("©2024 Amazon.com, Inc. or its affiliates.", "Amazon"),
        ("Copyright (C) 1999-2002 Red Hat, Inc.", "Red Hat"),
        ("Google Cloud Support Team © 2026", "Google Cloud Support Team"),
        ("(c) 2003 The Economist", "The Economist"),
        ("Copyright 2002", ""),  # a year names no one
        ("The copyright of this photo is ours", ""),  # not a copyright line
        ("Hello world", ""),
        ("© " + "x" * 300, ""),  # longer than any footer line
    ],
)
def test_copyright_name(line: str, name: str) -> None:
    assert copyright_name(line) == name


def test_copyright_line_is_a_signature_claim() -> None:
    raw = (b"From: Levering <x7u2@t8n7t7xm.example>\r\nTo: a@parliament.example\r\nSubject: Uw pakket\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n"
           b"<p>Uw pakket staat in de wacht.</p><p>Te betalen: 1,95 EUR</p>"
           b"<p>&copy; FedEx 2026. Alle rechten voorbehouden.</p>\r\n")
    assert ("FedEx", SIGNATURE, "unrelated-domain") in brand_claims(parse_message(raw))
    # the same footer from the brand's own, authenticated domain holds
    own = raw.replace(b"x7u2@t8n7t7xm.example", b"noreply@fedex.com").replace(
        b"MIME-Version", b"Authentication-Results: mx.parliament.example; spf=pass smtp.mailfrom=fedex.com; "
        b"dkim=pass header.d=fedex.com; dmarc=pass header.from=fedex.com\r\nMIME-Version")
    assert [c for c in brand_claims(parse_message(own)) if c[0] == "FedEx"] == [("FedEx", SIGNATURE, "holds")]


@pytest.mark.parametrize(
    ("host", "brand"),
    [
        ("login.microsoftonline.com.evil.net", "Microsoft"),
        ("paypal-secure-login.com", "PayPal"),
        ("securepaypal.net", "PayPal"),
        ("dhl-tracking.example", "DHL"),
        ("docs.google.com.evil.ru", "Google"),
        ("mycorreios.online", "Correios"),
        ("www.paypal.com", ""),
        ("yahoo.com.au", ""),  # the brand's own domain under another suffix
        ("applebees.com", ""),
        ("backups.com", ""),
        ("docs-viewer-7f3a.web.app", ""),  # "web" is in the public suffix
        ("203.0.113.9", ""),
    ],
)
def test_brand_in_host(host: str, brand: str) -> None:
    assert brand_in_host(host) == brand


def test_brand_in_path() -> None:
    assert brand_in_path("files.example.net", "/www.paypal.com/signin") == "PayPal"
    assert brand_in_path("files.example.net", "/office365/login.php") == "Microsoft"
    assert brand_in_path("www.paypal.com", "/www.paypal.com/signin") == ""
    assert brand_in_path("files.example.net", "/blog/2024/summer") == ""
