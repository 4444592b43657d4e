#!/usr/bin/env python3
"""(Re)generate the sample messages of the encoded-host and off-site action link rules.

Same builders and conventions as ``make_rule_samples.py``; kept apart so that each
script owns its rules' folders:

    .venv/bin/python scripts/make_offsite_samples.py

and commit the .eml files under ``src/mailward/rules/builtin/samples/<RULE>/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_rule_samples import Builder, Mail, page, script_main

NONE = ""  # no Authentication-Results header: nothing confirms the sender


def link(url: str, text: str) -> str:
    return f'<p><a href="{url}">{text}</a></p>'


BANK_LOGO = '<p><a href="https://www.harbourbank.example/"><img src="cid:logo" alt="Harbour Bank"></a></p>'
BANK_FOOTER = link("https://www.harbourbank.example/privacy/", "Privacy")
VERIFY = "<p>Dear customer, we could not verify your account. Please update your account details within 48 hours.</p>"
LIST = [("List-Unsubscribe", "<mailto:leave@lists.harbourbank.example>")]

SAMPLES_BY_RULE: dict[str, tuple[list[Builder], list[Builder]]] = {
    "LINK_HOST_ENCODED": (
        [lambda: Mail("Harbour Bank <alerts@harbourbank.example>", "Security alert", auth_header=NONE).with_html(page(
            "<p>Please review the attached statement.</p>"
            + link("http://%73ecure.%68arbour-online.example/statement", "statement"))),
         lambda: Mail("Harbour Bank <alerts@harbourbank.example>", "Security alert", auth_header=NONE).with_html(page(
            "<p>Please review your statement.</p>" + link("http://%31%39%32.0.2.15/s/", "statement")))],
        [lambda: Mail("Harbour Bank <alerts@harbourbank.example>", "Security alert", auth_header=NONE).with_html(page(
            "<p>Please review the statement.</p>" + link("https://secure.harbourbank.example/st?q=a%20b", "statement"))),
         # a mailing list discussing URL encoding quotes such a link
         lambda: Mail("Padraig <padraig@lists-example.example>", "Re: decoding hex in URLs").header(
             "List-Id", "<tools.lists-example.example>").with_text(
             "Try it on http://w%77%77.example.net/ and see what the browser shows.")],
    ),
    "PHISHING_ACTION_LINK_OFFSITE": (
        [lambda: Mail("Harbour Bank <service@harbourbank.example>", "Account notice", auth_header=NONE).with_html(page(
            BANK_LOGO + VERIFY + link("http://update.records-centre.example/hb/", "Click here to verify") + BANK_FOOTER)),
         lambda: Mail("Harbour Bank <service@harbourbank.example>", "Kontohinweis", auth_header=NONE).with_html(page(
            BANK_LOGO + "<p>Ihr Konto wurde vorübergehend gesperrt. Bestätigen Sie Ihre Daten.</p>"
            + link("http://konto.records-centre.example/", "Hier klicken") + BANK_FOOTER))],
        [  # the action link goes to the sender's own site
         lambda: Mail("Harbour Bank <service@harbourbank.example>", "Account notice", auth_header=NONE).with_html(page(
            BANK_LOGO + VERIFY + link("https://online.harbourbank.example/verify", "Click here to verify") + BANK_FOOTER)),
         # list mail with an off-site partner link
         lambda: Mail("Harbour Bank <news@harbourbank.example>", "Account notice", auth_header=NONE).with_html(page(
            BANK_LOGO + VERIFY + link("https://partner-offers.example/", "Click here") + BANK_FOOTER)).header(*LIST[0]),
         # aligned authentication
         lambda: Mail("Harbour Bank <service@harbourbank.example>", "Account notice").with_html(page(
            BANK_LOGO + VERIFY + link("https://harbour-payments.example/", "Update now") + BANK_FOOTER))],
    ),
    "PHISHING_BRAND_UNVERIFIED_OFFSITE": (
        [lambda: Mail("PayPal <service@paypal.com>", "PayPal account review", auth_header=NONE).with_html(page(
            "<p>We were unable to verify your account information. Please confirm your account details.</p>"
            + link("http://192.0.2.44/pp/", "Continue"))),
         lambda: Mail("Amazon <payments@amazon.com>", "Update required", auth_header=NONE).with_html(page(
            "<p>Please update your billing information to keep your account.</p>"
            + link("http://account-review.example/amz/", "click here")))],
        [  # the link goes to the brand's own site
         lambda: Mail("PayPal <service@paypal.com>", "PayPal account review", auth_header=NONE).with_html(page(
            "<p>We were unable to verify your account information. Please confirm your account details.</p>"
            + link("https://www.paypal.com/signin", "Log in"))),
         # authenticated mail from the brand
         lambda: Mail("PayPal <service@paypal.com>", "PayPal account review").with_html(page(
            "<p>Please confirm your account details.</p>" + link("https://help-centre.example/pp", "Help")))],
    ),
    "CONTENT_IMAGE_NOTICE_OFFSITE": (
        [lambda: Mail("Harbour Bank <support_ref_5521@harbourbank.example>", "CUSTOMER NOTIFICATION", auth_header=NONE).with_html(page(
            BANK_LOGO + '<p><a href="http://records-centre.example/hb/"><img src="cid:notice" alt=""></a></p>'
            + "<p>lantern 1887 marble Tuesday</p>"))],
        [  # a real image newsletter is list mail
         lambda: Mail("Harbour Bank <news@harbourbank.example>", "Spring offers", auth_header=NONE).header(*LIST[0]).with_html(page(
            BANK_LOGO + '<p><a href="https://partner-offers.example/"><img src="cid:offer" alt=""></a></p>')),
         # enough text to read: not an image-only notice
         lambda: Mail("Harbour Bank <service@harbourbank.example>", "Branch opening", auth_header=NONE).with_html(page(
            BANK_LOGO + "<p>Our new branch opens on Monday in the market square. Staff will be there from nine to five "
            "to answer questions about savings, mortgages and our new app, and there is coffee for everyone.</p>"
            + link("https://city-events.example/market", "Market square events")))],
    ),
    "LINK_IP_ADDRESS_NOTICE": (
        [lambda: Mail("PayPal <exchange-robot@paypal.com>", "CONFIRMATION", auth_header=NONE).with_html(page(
            "<p>PayPal has charged $175.00 to your card for order A866. To see the details, click this "
            + '<a href="http://198.51.100.23/ord/">link</a>.</p>'))],
        [  # a digest that quotes a raw-IP link
         lambda: Mail("Tools Digest <tools-request@lists-example.example>", "Tools Digest #180").header(
             "List-Id", "<tools.lists-example.example>").with_text(
             "Release notes for the mirror, cost $0, at http://198.51.100.23/pub/ are up.")],
    ),
    "CONTENT_CREDENTIAL_LINKS_ELSEWHERE": (
        [lambda: Mail("Harbour Bank <felton@harbourbank.example>", "ONLINE KONTO", auth_header=NONE).with_html(page(
            "<p>Sehr geehrte Kundin, sehr geehrter Kunde, bitte f&uuml;llen Sie das Registrierungsformular "
            "noch heute aus.</p>" + '<p><a href="http://server-backup.example/hb/"><img src="cid:form" alt=""></a></p>'))],
        [  # the link goes to the sender's own site
         lambda: Mail("Harbour Bank <service@harbourbank.example>", "Password", auth_header=NONE).with_html(page(
            "<p>Your password expires on Friday. Reset your password on our site.</p>"
            + link("https://online.harbourbank.example/reset", "Reset"))),
         # free mail: PHISHING_LURE_UNTRUSTED_SENDER's business
         lambda: Mail("Jo <jo.harbour@gmail.com>", "Password", auth_header=NONE).with_text(
            "Your password expires on Friday, see https://wiki.example.org/howto")],
    ),
    "PHISHING_OWN_DOMAIN_ROLE_SPOOF": (
        [lambda: Mail("Support@harbour-uni.example", "Your Email Account is Suspended For Security Reasons",
                      to="maria@harbour-uni.example", auth_header=NONE).with_text(
            "Dear user, your mailbox has been temporarily suspended. Read the attached file for details.").attach(
            "info-text.zip", "application/zip", b"PK\x03\x04" + b"\x00" * 40),
         lambda: Mail("IT Staff <staff@harbour-uni.example>", "Mailbox quota", to="maria@mail.harbour-uni.example",
                      auth_header=NONE).with_text("Your mailbox is almost full. Validate your mailbox at "
                                                  "http://quota-check.example/ to keep receiving mail.")],
        [  # a colleague, not a role address
         lambda: Mail("Jo Brandt <jo.brandt@harbour-uni.example>", "Password", to="maria@harbour-uni.example",
                      auth_header=NONE).with_text("Your password expires on Friday, reset your password before the trip."),
         # the role account's mail is authenticated
         lambda: Mail("IT Staff <staff@harbour-uni.example>", "Mailbox quota", to="maria@harbour-uni.example").with_text(
             "Your mailbox is almost full. See https://it.harbour-uni.example/quota")],
    ),
}


def main() -> int:
    return script_main(SAMPLES_BY_RULE)


if __name__ == "__main__":
    raise SystemExit(main())
