"""The negatives that matter most: real outlets' own mail is not impersonation."""

from __future__ import annotations

import pytest

from mailward.identity import analyse_identity

from .helpers import PLAIN, TOP, message


@pytest.mark.parametrize(
    ("from_", "mailfrom", "dkim_domains"),
    [
        ('"The New York Times" <nytdirect@nytimes.com>', "bounce@bounces.sendgrid.net", ["nytimes.com", "sendgrid.info"]),
        ('"The Washington Post" <email@washingtonpost.com>', "bounce@mail.exacttarget.com", ["washingtonpost.com"]),
        ('"POLITICO Playbook" <politicoplaybook@email.politico.com>', "b@bounce.politico.com", ["email.politico.com"]),
        ('"Financial Times" <FT@news-alerts.ft.com>', "b@mcsv.net", ["ft.com", "mcsv.net"]),
        ('"BBC News" <newsletters@email.bbc.com>', "b@bounce.bbc.com", ["bbc.com"]),
        ('"The Economist" <newsletters@e.economist.com>', "b@sparkpostmail.com", ["e.economist.com"]),
        ('"Der Spiegel" <newsletter@newsletter.spiegel.de>', "b@spiegel.de", ["spiegel.de"]),
    ],
)
def test_genuine_newsletter_through_an_esp_is_not_impersonation(from_, mailfrom, dkim_domains):
    dkim = "; ".join(f"dkim=pass header.d={d}" for d in dkim_domains)
    body = "Today's top stories.\n\nUnsubscribe | Manage preferences\nThe New York Times Company, 620 Eighth Avenue\n"
    msg = message(
        from_,
        subject="The Morning: what to know today",
        body=body,
        return_path=mailfrom,
        reply_to=None,
        auth=[f"{TOP}; spf=pass smtp.mailfrom={mailfrom}; {dkim}; dmarc=pass"],
    )
    report = analyse_identity(msg, PLAIN)
    assert report.claims, "the outlet claim should be seen"
    assert all(c.holds and c.status == "holds" for c in report.claims)
    assert not report.impersonation
    assert not report.lookalike
    assert report.explanations == ()


def test_journalist_writing_from_the_official_domain():
    body = ("Dear Ms Minister,\n\nI am writing a piece on the committee's report and would welcome a comment.\n\n"
            "Best regards,\nJane Doe\nSenior Correspondent, Reuters\n+44 20 7250 1122\n")
    msg = message(
        '"Jane Doe | Reuters" <jane.doe@thomsonreuters.com>',
        body=body,
        auth=[f"{TOP}; spf=pass smtp.mailfrom=jane.doe@thomsonreuters.com; dkim=pass header.d=thomsonreuters.com; dmarc=pass"],
    )
    report = analyse_identity(msg, PLAIN)
    [claim] = report.claims
    assert claim.kind == "journalist" and claim.person == "Jane Doe"
    assert claim.holds and claim.official_from and claim.official_dkim
    assert not report.impersonation and report.explanations == ()


def test_journalist_on_free_mail_is_a_weak_finding():
    msg = message('"Jane Doe | Reuters" <jane.doe.reuters@gmail.com>',
                  auth=[f"{TOP}; spf=pass smtp.mailfrom=gmail.com; dkim=pass header.d=gmail.com; dmarc=pass"])
    report = analyse_identity(msg, PLAIN)
    [claim] = report.claims
    assert claim.status == "free-mail" and claim.free_mail and not claim.holds
    assert "free-mail address jane.doe.reuters@gmail.com" in report.explanations[0]


def test_company_with_a_common_word_from_its_own_domain():
    msg = message('"The Sun Pharmacy" <orders@sunpharmacy.example>', subject="Your prescription is ready",
                  body="Hello,\n\nYour order is ready.\n\nThe Sun Pharmacy\n12 High Street\n")
    report = analyse_identity(msg, PLAIN)
    assert report.claims == () and not report.impersonation


def test_mailing_list_discussing_outlets():
    body = ("> The BBC and Reuters both ran it.\n\nThey did, and the FT too.\n--\nTom\nhttp://lists.example.org/\n")
    msg = message("Tom <tom@lists.example.org>", subject="[policy] Re: coverage of the vote", body=body)
    report = analyse_identity(msg, PLAIN)
    assert report.claims == () and not report.impersonation
