#!/usr/bin/env python3
"""(Re)generate the sample messages of the spam, scam and evasion rules written against
the phishing_pot misses (docs/phishing.md, "Bulk spam and scams").

Same builders and conventions as ``make_rule_samples.py``; kept apart so that each
script owns its rules' folders:

    .venv/bin/python scripts/make_pot_samples.py

and commit the .eml files under ``src/mailward/rules/builtin/samples/<RULE>/``. Every
message is made up here; none is taken from a corpus.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_rule_samples import DATE, RCPT, Builder, Mail, auth, page, raw, script_main


def link(url: str, text: str) -> str:
    return f'<p><a href="{url}">{text}</a></p>'


OFFERS = "offers-mail.example"
LIST_ID = "Spam filter talk <spamtalk.lists.example>"
REVIEW = ("<p>The film follows a croupier who compares our lives to those of hapless casino gamblers, "
          "and two lovers who meet at the tables.</p>")
NORTON_TEXT = ("Hello Valued Customer,\n\nYour Norton 360 subscription has been renewed.\n"
               "Invoice Number: #NP0931214\nTotal Amount: $299.99 USD\n\n"
               "If you did not authorise this renewal, call +1 (808) 555-0143 within 24 hours.")
FEE_TEXT = ("Hi,\n\nMr. Bernard has donated $ 3,500,000.00 to you for the purpose of a charity project. "
            "Contact me for details on how to receive your donation.")


def _google(sender: str, subject: str) -> Mail:
    return Mail(sender, subject, auth_header=auth("google.com")).with_html(page(
        "<p>Sam Doe shared a presentation with you.</p>" + link("https://docs.google.com/presentation/d/1abc/edit", "Open")))


SAMPLES_BY_RULE: dict[str, tuple[list[Builder], list[Builder]]] = {
    "CONTENT_ADULT_DATING": (
        [lambda: Mail("Sex Dating <xk2q@garden-tools.example>", "I am 22 years old, looking for a lover.").with_html(page(
            link("https://night-dates.example/s", "Click for date"))),
         lambda: Mail("Vind Liefde <info@mail.dates-nl.example>", "Ontmoet Oekraïense vrouwen").with_html(page(
            "<p>Ontmoet charmante Oekraïense vrouwen vandaag.</p>" + link("https://dates-nl.example/join", "Word lid")))],
        [lambda: Mail("Film Club <club@film-club.example>", "This week's review").with_html(page(
            REVIEW + link("https://film-club.example/review", "Read the review"))),
         lambda: Mail("Ann Lee <ann@lists.example>", "Re: spam of the week").header("List-Id", LIST_ID).with_html(page(
            "<p>Today's spam said 'I am 22 years old, looking for a lover'.</p>" + link("https://lists.example/archive", "archive")))],
    ),
    "CONTENT_PHARMACY_SPAM": (
        [lambda: Mail("\"Viagra/Cialis-0,36$\" <pharmacy.online1@med-shop.example>", "Your 5% markdown voucher.").with_html(page(
            link("https://med-shop.example/v", "Shop now")))],
        [lambda: Mail("Ann Lee <ann@lists.example>", "Re: pharmacy spam scores").header("List-Id", LIST_ID).with_html(page(
            "<p>The Viagra and Cialis spam scores too low; no prescription rule fires.</p>" + link("https://lists.example/archive", "archive")))],
    ),
    "CONTENT_TECH_SUPPORT_SCAM": (
        [lambda: Mail("Device Safety Alerts <alerts@device-check.example>", "WARNING!!!").with_html(page(
            "<p>(20) viruses detected on your computer. Your Norton subscription has expired today.</p>"
            + link("https://device-check.example/renew", "Renew now")))],
        [lambda: Mail("Device Safety News <news@device-check.example>", "Our scanner got faster").with_html(page(
            "<p>The new engine scans your computer twice as fast.</p>" + link("https://device-check.example/news", "Read more")))],
    ),
    "PHISHING_HELPDESK_LURE": (
        [lambda: Mail("Support <support@chainhelp.zendesk.com>", "Claim your USDC Cashback").with_html(page(
            "<p>This ticket was created on your behalf.</p><p>The airdrop ends on Friday.</p>"
            + link("https://usdc-cashback.example/claim", "Claim")))],
        [lambda: Mail("Support <support@chainhelp.zendesk.com>", "Your request #4812 has been solved").with_html(page(
            "<p>Your request was solved. Tell us how we did.</p>" + link("https://chainhelp.zendesk.com/hc/requests/4812", "Rate")))],
    ),
    "CONTENT_SHARE_NOTICE_MONEY_LURE": (
        [lambda: _google("Sam Doe (via Google Slides) <drive-shares-dm-noreply@google.com>", "Youre Entitled to a Refund: Dont Let It Slip Away!")],
        [lambda: _google("Sam Doe (via Google Slides) <drive-shares-dm-noreply@google.com>", "Committee timetable - Invitation to edit")],
    ),
    "IMPERSONATION_AUTHORITY_NOTICE": (
        [lambda: Mail("INTIMAÇÃO <financeiro@gelo-distribuidora.example>", "Tribunal Regional do Trabalho - processo 0012").with_html(page(
            "<p>Consulte o seu processo.</p>" + link("https://gelo-distribuidora.example/processo", "Acessar")))],
        [lambda: Mail("INTIMAÇÃO <intimacao@trt12.jus.br>", "Tribunal Regional do Trabalho - processo 0012").with_html(page(
            "<p>Consulte o seu processo.</p>" + link("https://pje.trt12.jus.br/consulta", "Acessar")))],
    ),
    "MIME_INVISIBLE_CHARACTERS": (
        [lambda: Mail("Co\u200bin\u200bbase Support <zw@agri-systems.example>", "Confirm your details").with_text("Confirm your details."),
         lambda: Mail("Support <zw@agri-systems.example>", "M\U000e0139icrosoft 365 billing").with_text("Billing information."),
         lambda: Mail("A\u073fm\u073fa\u073fz\u073fo\u073fn Support <k3@agri-systems.example>", "Revise payment information").with_text("Revise it.")],
        [lambda: Mail("Ana <ana@friends.example>", "\u2764\ufe0f\u200d\U0001f525 Weekend plans").with_text("See you on Saturday.")],
    ),
    "PHISHING_ADVANCE_FEE_WINDFALL": (
        [lambda: Mail("Arnault <mrberarnault2026@gmail.com>", "Hi,").with_text(FEE_TEXT),
         lambda: Mail("Lee Shau Kee <acre@farm-supplies.example>", "Dear recipient").with_text(
            "Your email address was randomly selected to receive a grant of EUR 2,000,000.00 (two million euros). "
            "Forward this notice to leeshaukee@mail.com for claims.")],
        [lambda: Mail("City Library <board@city-library.example>", "Building fund").with_text(
            "The building fund reached $ 3,500,000.00 thanks to a donation from the Arnault foundation. "
            "The board meets on Tuesday.")],
    ),
    "PHISHING_ADVANCE_FEE_REPLY_DIVERTED": (
        [lambda: Mail("Mrs. Helen Carter <office@harbour-college.example>", "My last wish").header(
            "Reply-To", "helencarter1952@hotmail.com").with_text(
            "How are you today? I am Mrs Helen Carter. I am very ill and I wish to hand a project of charity to "
            "someone I can trust. Write back to me so I can tell you more."),
         lambda: Mail("Dr. Paulo Mendes <contato@transportes-sul.example>", "Proposta").header(
            "Reply-To", "paulo.mendes.adv@gmail.com").with_text(
            "Olá, sou advogado de um investidor. Tenho uma proposta de parceria em um negócio muito lucrativo. "
            "Responda para mais detalhes."),
         # from free mail to another free-mail mailbox, with an amount
         lambda: Mail("Daniel Okafor <danielokafor1961@gmail.com>", "Good day").header(
            "Reply-To", "daniel.okafor.office@hotmail.com").with_text(
            "I have a transaction of 3.8 million euros that I wish to discuss with you in confidence. Kindly "
            "answer me at my private address so I can give you the details.")],
        [lambda: Mail("Ana Silva <ana.silva@harbour-college.example>", "Rehearsal on Thursday").header(
            "Reply-To", "ana.silva.choir@gmail.com").with_text(
            "The choir rehearsal moves to Thursday at seven. Please answer to my own address, not the college one."),
         lambda: Mail("Ana Silva <ana.silva@harbour-college.example>", "Fund for the school trip").header(
            "Reply-To", "ana.silva.choir@gmail.com").with_html(page(
            "<p>The fund for the school trip is open.</p>" + link("https://harbour-college.example/trip", "Details"))),
         # a source on a throwaway account: from free mail, business words but no amount or lure
         lambda: Mail("A reader <harbourwatch2026@gmail.com>", "The harbour project").header(
            "Reply-To", "harbourwatch@proton.me").with_text(
            "I work on the harbour project and I have seen papers about how its funding was approved. I would "
            "rather not write from my own account. Please answer to the other address if you want to talk.")],
    ),
    "PHISHING_CALLBACK_RENEWAL": (
        [lambda: Mail("E-Receipt Confirmation <billing@receipt-center.example>", "Your Norton Order Confirmation for Order #NP0931").with_text(NORTON_TEXT)],
        [lambda: Mail("Norton <billing@norton.com>", "Your Norton Order Confirmation for Order #NP0931").with_text(NORTON_TEXT)],
    ),
    "CONTENT_SPAM_KIT_FOOTER": (
        [lambda: Mail("Personal Loan <renew@loans-fast.example>", "Personal Loans From $100 - $40,000").with_html(page(
            "<p>____________ Unsubscribe from all email list by replying to this email Email f0zpnu50</p>"
            + link("https://loans-fast.example/r", "Request $100 - $40,000")))],
        [lambda: Mail("Garden Club <club@garden-club.example>", "Spring meeting").with_html(page(
            "<p>To unsubscribe, reply to this email with the word unsubscribe.</p>" + link("https://garden-club.example/spring", "Agenda")))],
    ),
    "IMPERSONATION_BRAND_CRYPTO": (
        [lambda: Mail("Electrum <electrum@business-data.example>", "Meet the new Electrum extension").with_html(page(
            "<p>Install the new extension today.</p>" + link("https://business-data.example/electrum", "Install")))],
        [lambda: Mail("Electrum <news@electrum.org>", "Meet the new Electrum extension").with_html(page(
            "<p>Install the new extension today.</p>" + link("https://electrum.org/#download", "Install")))],
    ),
    "MIME_FANCY_LETTERS": (
        [lambda: Mail("\u1d18\u1d00\u028f\u1d0d\u1d07\u0274\u1d1b \u1d05\u1d07\u1d04\u029f\u026a\u0274\u1d07\u1d05 <news@u-a-lab.example>",
                      "Your photos will be removed").with_text("Read the notice."),
         lambda: Mail("Metro <service@shop-news.example>", "\U0001d5a3\U0001d5be\U0001d5ce\U0001d5cd\U0001d5cc\U0001d5bc\U0001d5c1\U0001d5be\U0001d5cc Set").with_text("Offer.")],
        [lambda: Mail("Payment Declined <news@u-a-lab.example>", "Zürich – São Paulo: Ωmega update").with_text("Read the notice.")],
    ),
    "CONTENT_GAMBLING_SPAM": (
        [lambda: Mail("No deposit Bonus <reese@school-mail.example>", "Free for New Casino Players").with_html(page(
            link("https://casino-wins.example/join", "Play now"))),
         lambda: Mail("Hit <bonus@casino-news.example>", "Nur heute").with_html(page(
            "<p>Unser Willkommensbonus von bis zu 800 EUR + 200 FS.</p>" + link("https://casino-news.example/join", "Jetzt spielen")))],
        [lambda: Mail("Film Club <club@film-club.example>", "This week's review").with_html(page(
            REVIEW + link("https://film-club.example/review", "Read the review")))],
    ),
    "CONTENT_CLOUD_STORAGE_SCAM": (
        [lambda: Mail("storage cloud <newsletter@cloud-notice.example>", "Your files will be deleted in 48 hours").with_html(page(
            "<p>Your photos and videos will be deleted: your cloud storage is full.</p>" + link("https://cloud-notice.example/keep", "Keep my files")))],
        [lambda: Mail("storage cloud <newsletter@cloud-notice.example>", "Your backup is complete").with_html(page(
            "<p>Your photos and videos were backed up last night.</p>" + link("https://cloud-notice.example/backup", "See the backup")))],
    ),
}

# From fields that the email package would rewrite: written by hand.
_HEAD = """Authentication-Results: {auth}
From: {sender}
To: Maria Keller <{rcpt}>
Subject: {subject}
Date: {date}
Message-ID: <{ident}@samples.mailward>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
"""
_OFFER = '<html><body><p>Wir wollen unsere Kunden unterstützen.</p><p><a href="https://offers-mail.example/x">Mehr</a></p></body></html>\n'


def _raw(sender: str, subject: str = "Wir wollen unsere Kunden unterstuetzen") -> Callable[[str], bytes]:
    def make(ident: str) -> bytes:
        head = _HEAD.format(auth=auth(OFFERS), sender=sender, rcpt=RCPT, subject=subject, date=DATE, ident=ident)
        return raw(head, _OFFER)
    return make


RAW_SAMPLES: dict[str, tuple[list[Callable[[str], bytes]], list[Callable[[str], bytes]]]] = {
    "MIME_FROM_ADDRESS_HIDDEN": (
        [_raw(f"Europa Park,(<service@{OFFERS}>)"), _raw("Fedex pakket <>", "U heeft (1) pakket")],
        [_raw(f"Europa Park <service@{OFFERS}>")],
    ),
    "MIME_FROM_DOMAIN_SYNTAX": (
        [_raw("MINISTERIO DA FAZENDA <taxas@%pagamentos.example>", "Atraso no pagamento"),
         _raw(f"Kundenservice <\"service@{OFFERS}\">")],
        [_raw(f"MINISTERIO DA FAZENDA <taxas@pagamentos.{OFFERS}>", "Atraso no pagamento")],
    ),
}


def main() -> int:
    return script_main(SAMPLES_BY_RULE, RAW_SAMPLES)


if __name__ == "__main__":
    raise SystemExit(main())
