#!/usr/bin/env python3
"""(Re)generate the sample messages of the image-spam, credit-offer, kit-folder and brand-windfall rules
(docs/phishing.md, "Image spam, credit offers and kit folders").

Same builders and conventions as ``make_rule_samples.py``; kept apart so that each
script owns its rules' folders:

    .venv/bin/python scripts/make_shape_samples.py

and commit the .eml files under ``src/mailward/rules/builtin/samples/<RULE>/``. Every
message is made up here; none is taken from a corpus.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_rule_samples import RCPT, Builder, Mail, page, script_main

NONE = ""  # no Authentication-Results header: nothing confirms the sender
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
PICTURE = '<p><a href="{url}"><img src="cid:image001.gif" width="300" height="280"></a></p>'
LIST = ("List-Unsubscribe", "<mailto:leave@lists.garden-club.example>")


def link(url: str, text: str) -> str:
    return f'<p><a href="{url}">{text}</a></p>'


def picture(sender: str, url: str, *, auth_header: str | None = NONE, text: str = "") -> Mail:
    return Mail(sender, "Your order N4471", auth_header=auth_header).with_text(text or "Get an html mailer").with_html(
        page(text + PICTURE.format(url=url))).attach("image001.gif", "image/gif", GIF)


CARD = ("<p>Congratulations! Your approved Visa card with a $5,000 limit is waiting.</p>"
        "<p>To receive your card, confirm that you are over 18.</p>")
SELECTED = "<p>Good news: you've been selected to receive a free alarm system with free installation.</p>"
NEWS_CARD = ("<p>The bank's new card for students was approved by the regulator last week; "
             "applications open in May.</p>")
WINDFALL = ("I made over $2,000,000 (2 million USD) in a few months, and your account has been credited with "
            "a share of $2,887.89. Reply to this message to receive the transfer.")
BANK_NOTICE = ("<p>Dear customer, our systems are being upgraded. Please confirm your account details "
               "to keep access to online banking.</p>")


SAMPLES_BY_RULE: dict[str, tuple[list[Builder], list[Builder]]] = {
    "CONTENT_IMAGE_ONLY_LINK": (
        [lambda: picture("Jane Mills <qzkrw@farm-tools.example>", "http://offers.pill-depot.example/in.php?aid=4")],
        [  # the picture links to the sender's own site
         lambda: picture("Jane Mills <jane@farm-tools.example>", "https://www.farm-tools.example/spring"),
         # list mail with one picture
         lambda: picture("Garden Club <club@garden-club.example>", "https://photos.example/album/7").header(*LIST),
         # a message with words around the picture
         lambda: picture("Jane Mills <jane@farm-tools.example>", "https://photos.example/album/7",
                         text="<p>" + "Here are the photos from the harvest fair, the one with the tractor is my favourite. " * 4
                         + "</p>")],
    ),
    "CONTENT_CREDIT_APPROVAL_OFFER": (
        [lambda: Mail("VIP Card Center <info-1-4471-b@r.best-deals.example>", "Your approved VISA card - please claim",
                      auth_header=NONE).with_html(page(CARD + link("http://e.useful-offers.example/4471/2/", "Claim"))),
         lambda: Mail("Home Safety <info@r.best-deals.example>", "Claim your reserved alarm system", auth_header=NONE).with_html(
             page(SELECTED + link(f"http://best-deals.example/t.php?email={RCPT}", "Claim") + f"<p>Sent to {RCPT}.</p>"))],
        [  # a bank's news about a card, no offer to the reader
         lambda: Mail("Card News <news@bank-news.example>", "Student card approved", auth_header=NONE).with_html(
             page(NEWS_CARD + link("https://bank-news.example/students", "Read more"))),
         # the same offer as list mail
         lambda: Mail("VIP Card Center <info@best-deals.example>", "Your approved VISA card", auth_header=NONE).with_html(
             page(CARD + link("http://e.useful-offers.example/4471/2/", "Claim"))).header(*LIST)],
    ),
    "PHISHING_SENDER_DOMAIN_IN_PATH": (
        [lambda: Mail("Harbour Bank <security@harbourbank.example>", "Account notification", auth_header=NONE).with_html(
            page(BANK_NOTICE + link("http://expo-tools.example/~green/www.harbourbank.example/index.php",
                                    "https://www.harbourbank.example/personal/confirm")))],
        [  # the link goes to the bank's own host
         lambda: Mail("Harbour Bank <security@harbourbank.example>", "Account notification", auth_header=NONE).with_html(
             page(BANK_NOTICE + link("https://www.harbourbank.example/personal/confirm", "Confirm"))),
         # authenticated mail whose link carries its own domain in a partner's path
         lambda: Mail("Harbour Bank <security@harbourbank.example>", "Account notification").with_html(
             page(BANK_NOTICE + link("https://status.partner-hosting.example/harbourbank.example/", "Status")))],
    ),
    "PHISHING_BRAND_PATH_HIDDEN_FOLDER": (
        [lambda: Mail("Jeremy <jeremy@small-firm.example>", "Fwd: Update information").with_text(
            "Is this real?\n\n-------- Original Message --------\nPlease confirm your details:\n"
            "http://192.0.2.44/.update/www.paypal.com/cgi-bin/webscr/index.htm\n"),
         lambda: Mail("PayPal <service@paypal.com>", "Account review", auth_header=NONE).with_html(page(
             "<p>Please review your account.</p>" + link("http://www.school-club.example/images/.paypal/index.htm", "Review")))],
        [  # the brand's name in an ordinary path
         lambda: Mail("Tech Weekly <news@tech-weekly.example>", "PayPal's new fees", auth_header=NONE).with_html(page(
             "<p>What the new fees mean for small shops.</p>" + link("https://tech-weekly.example/2026/paypal-fees", "Read"))),
         # list mail quoting a kit URL
         lambda: Mail("Ann <ann@lists.example>", "Re: phish of the day").header("List-Id", "<phish.lists.example>").with_text(
             "Today's kit sat at http://192.0.2.44/.update/www.paypal.com/index.htm again.")],
    ),
    "PHISHING_BRAND_WINDFALL": (
        [lambda: Mail("Accounts PayPal <c4r0l@isp-mail.example>", "PayPal: your account has been credited $2,887.89",
                      auth_header=NONE).with_text(WINDFALL)],
        [  # the brand's own, authenticated domain
         lambda: Mail("PayPal <service@paypal.com>", "PayPal: your account has been credited $2,887.89").with_text(WINDFALL),
         # a brand named by an unrelated domain without any money story
         lambda: Mail("Accounts PayPal <c4r0l@isp-mail.example>", "PayPal checkout on our shop", auth_header=NONE).with_text(
             "Our shop now takes PayPal at checkout. Orders over $50 ship free.")],
    ),
}


def main() -> int:
    return script_main(SAMPLES_BY_RULE)


if __name__ == "__main__":
    raise SystemExit(main())
