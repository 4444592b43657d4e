from __future__ import annotations

import pytest

from mailward.identity import analyse_identity
from mailward.identity.report import (
    DISPLAY_NAME,
    JOURNALIST,
    LOCAL_PART,
    OUTLET,
    SIGNATURE,
    SUBJECT,
)

from .helpers import ORG, PLAIN, message


def claims_of(msg, settings=PLAIN):
    return {(c.name, c.kind, c.where) for c in analyse_identity(msg, settings).claims}


def test_display_name_distinctive_name():
    report = analyse_identity(message('"Reuters Breaking News" <desk@reuters-newsdesk.com>'), PLAIN)
    [claim] = report.claims
    assert (claim.name, claim.kind, claim.where, claim.matched) == ("Reuters", OUTLET, DISPLAY_NAME, "Reuters Breaking News")


@pytest.mark.parametrize(
    ("display", "outlet", "person"),
    [
        ("Jane Doe | Reuters", "Reuters", "Jane Doe"),
        ("Jane Doe (The Guardian)", "The Guardian", "Jane Doe"),
        ("Jane Doe - FT", "Financial Times", "Jane Doe"),
        ("Jane Doe, AP", "Associated Press", "Jane Doe"),
    ],
)
def test_journalist_in_display_name(display, outlet, person):
    report = analyse_identity(message(f'"{display}" <jane@example.net>'), PLAIN)
    [claim] = report.claims
    assert claim.kind == JOURNALIST
    assert claim.name == outlet
    assert claim.person == person
    assert report.claims_journalist


def test_bbc_news_display_name():
    assert claims_of(message('"BBC News" <news@bbc-alerts.net>')) == {("BBC", OUTLET, DISPLAY_NAME)}


@pytest.mark.parametrize(
    ("line", "outlet"),
    [
        ("Senior reporter at the Financial Times", "Financial Times"),
        ("Correspondent, The Economist", "The Economist"),
        ("Reuters correspondent", "Reuters"),
        ("Korrespondentin, Süddeutsche Zeitung", "Süddeutsche Zeitung"),
        ("Jane Doe | Le Monde", "Le Monde"),
    ],
)
def test_signature_role_lines(line, outlet):
    body = f"Dear Sir,\n\nCould we talk this week?\n\nBest regards,\nJane Doe\n{line}\n"
    assert claims_of(message("Jane Doe <jane@example.net>", body=body)) == {(outlet, JOURNALIST, SIGNATURE)}


def test_signature_name_alone_on_a_line():
    body = "Dear Sir,\n\nPlease see the attached.\n\nJane Doe\nBBC News\n+44 20 7946 0000\n"
    assert claims_of(message("Jane Doe <jane@example.net>", body=body)) == {("BBC", OUTLET, SIGNATURE)}


def test_local_part_claim():
    report = analyse_identity(message("<nytimes.desk@gmail.com>"), PLAIN)
    [claim] = report.claims
    assert (claim.name, claim.where, claim.status) == ("The New York Times", LOCAL_PART, "free-mail")


def test_local_part_short_brand_with_news_word():
    report = analyse_identity(message("<bbcnews@outlook.com>"), PLAIN)
    assert [(c.name, c.where) for c in report.claims] == [("BBC", LOCAL_PART)]


def test_subject_prefix_claim():
    msg = message("Newsdesk <desk@example.net>", subject="Reuters: request for comment on the budget")
    assert claims_of(msg) == {("Reuters", OUTLET, SUBJECT)}


def test_subject_mention_in_the_middle_is_not_a_claim():
    msg = message("Jo <jo@example.net>", subject="Did you read what Reuters wrote today?")
    assert claims_of(msg) == set()


def test_reply_subject_is_not_a_claim():
    msg = message("Jo <jo@example.net>", subject="Re: Reuters: request for comment")
    assert claims_of(msg) == set()


def test_confusable_characters_in_display_name():
    # Cyrillic "е" and "г" look like Latin "e" and "r"
    report = analyse_identity(message('"Rеutегs" <desk@example.net>'), PLAIN)
    assert [c.name for c in report.claims] == ["Reuters"]


def test_case_and_punctuation():
    report = analyse_identity(message('"THE   NEW-YORK  TIMES!" <desk@example.net>'), PLAIN)
    assert [c.name for c in report.claims] == ["The New York Times"]


def test_misspelt_outlet_name():
    report = analyse_identity(message('"Finacial Times" <desk@example.net>'), PLAIN)
    [claim] = report.claims
    assert claim.name == "Financial Times" and claim.fuzzy


def test_short_alias_needs_a_whole_segment():
    assert claims_of(message('"AP" <x@example.net>')) == {("Associated Press", OUTLET, DISPLAY_NAME)}
    assert claims_of(message('"AP Invoice Department" <x@example.net>')) == set()
    assert claims_of(message('"FT Accounting Services" <x@example.net>')) == set()


@pytest.mark.parametrize(
    "display",
    ["Times Plumbing", "The Sun Pharmacy", "Guardian Insurance Ltd", "Express Couriers", "Mirror Glass Works",
     "Independent Living Trust", "Morning Star Bakery", "Time Tracking Team", "Global Newsletter Team"],
)
def test_company_containing_a_common_word_is_not_an_outlet(display):
    assert claims_of(message(f'"{display}" <office@example.net>')) == set()


def test_prose_in_the_body_is_not_a_claim():
    body = ("Hi all,\n\nI read in the Guardian and on the BBC that the vote moved.\n"
            "Source: Reuters\nSee you,\nTom\n")
    assert claims_of(message("Tom <tom@example.net>", body=body)) == set()


def test_quoted_reply_signature_is_not_a_claim():
    body = ("Thanks, will do.\nTom\n\nOn Mon, 4 Mar 2024, Jane Doe wrote:\n> Jane Doe\n"
            "> Correspondent, The Economist\n")
    assert claims_of(message("Tom <tom@example.net>", body=body)) == set()


def test_protected_person_claim():
    report = analyse_identity(message('"Jane Minister" <jane.minister.mp@gmail.com>'), ORG)
    [claim] = report.claims
    assert claim.kind == "protected-person" and not claim.holds and claim.status == "free-mail"
    assert report.claims_person


def test_protected_person_reversed_name_order():
    report = analyse_identity(message('"Minister, Jane" <jm@example.net>'), ORG)
    assert [c.kind for c in report.claims] == ["protected-person"]


def test_protected_person_from_listed_address_holds():
    report = analyse_identity(message('"Jane Minister" <jane.minister@parliament.example>'), ORG)
    [claim] = report.claims
    assert claim.holds and claim.status == "unverified"


def test_organisation_claim_from_elsewhere():
    report = analyse_identity(message('"Parliament of Examplia IT Service" <it@examplia-support.net>'), ORG)
    [claim] = report.claims
    assert claim.kind == "organisation" and not claim.holds
    assert report.claims_organisation and report.impersonation


def test_display_name_with_another_address():
    report = analyse_identity(message('"news@reuters.com" <x@mailer.example.net>'), PLAIN)
    assert report.sending.display_name_address == "news@reuters.com"
    assert report.sending.display_name_address_mismatch
    assert [c.name for c in report.claims] == ["Reuters"]
    assert any("display name shows the address news@reuters.com" in e for e in report.explanations)


def test_display_name_with_the_same_address_is_fine():
    report = analyse_identity(message('"jo@example.net" <jo@example.net>'), PLAIN)
    assert not report.sending.display_name_address_mismatch


def test_protected_person_signing_off_and_mentioned():
    signed = message("Constituent <c@example.net>", body="Dear all,\n\nplease act.\n\nJane Minister\n")
    assert [c.kind for c in analyse_identity(signed, ORG).claims] == ["protected-person"]
    beside = message("X <x@example.net>", body="Hello\n\nJane Minister | Parliament of Examplia\n")
    assert {c.kind for c in analyse_identity(beside, ORG).claims} == {"protected-person", "organisation"}
    mentioned = message("Constituent <c@example.net>", body="Dear Sir,\n\nplease act.\n\ncc: Jane Minister\nTom\n")
    assert analyse_identity(mentioned, ORG).claims == ()


def test_staff_writing_for_a_protected_person_from_the_organisation_holds():
    msg = message('"Office of Jane Minister" <office.minister@parliament.example>',
                  body="Dear Ms Smith,\n\nThank you for your letter.\n\nJane Minister\n")
    [claim] = analyse_identity(msg, ORG).claims
    assert claim.kind == "protected-person" and claim.holds
