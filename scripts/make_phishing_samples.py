#!/usr/bin/env python3
"""(Re)generate the sample messages of the brand, link and lure rules (phishing).

Same builders and conventions as ``make_rule_samples.py`` (which writes the other
rules' samples); kept apart so that each script owns its rules' folders:

    .venv/bin/python scripts/make_phishing_samples.py

and commit the .eml files under ``src/mailward/rules/builtin/samples/<RULE>/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_rule_samples import (
    CRED,
    FORUM,
    ORG,
    RCPT,
    Builder,
    Mail,
    auth,
    newsletter,
    page,
    script_main,
)

MS_FAKE = "Microsoft 365 <security@account-alerts.net>"
MS_REAL = "Microsoft 365 <security@microsoft.com>"
DHL_FAKE = "DHL Express <noreply@parcel-updates.net>"
DHL_REAL = "DHL Express <noreply@dhl.com>"
DESK_FAKE = "IT Service Desk <helpdesk@mailbox-admin.net>"
DESK_REAL = f"IT Service Desk <it@{ORG}>"
NL_HELD = ("<p>Uw pakket staat in de wacht: de zending is vastgehouden vanwege onbetaalde douanekosten.</p>"
           "<p>Te betalen bedrag: 1,95 EUR</p>")
FEDEX_COPYRIGHT = "<p>&copy; FedEx 2026. Alle rechten voorbehouden.</p>"
HELD = "<p>Your parcel is on hold. Please pay the customs fee to schedule a redelivery.</p>"
QUOTA = "<p>Your mailbox is almost full. Sign in to restore full access before messages are held.</p>"
RETIDA = "<p>Sua encomenda está retida na alfândega. Pague a taxa de importação para liberar a entrega.</p>"
FEE = ("I am the personal attorney to the late client who left an unclaimed inheritance fund. "
       "You were chosen as the beneficiary of the sum of US$ 8.5 million. This is strictly confidential; "
       "kindly reply with your details.")

EXTORT = ("I gained access to your devices a few months ago and recorded you through your webcam. "
          "Pay 1300 USD in bitcoin within 48 hours or I will send the video to your contacts.")
MAILBOX = "<p>Your mailbox password expires today. Verify your account to keep access to your email.</p>"
CUSTOMS_FEE = "<p>Your parcel is on hold at customs. Pay the customs fee of {} to release the delivery.</p>"
HELD_MAIL = "<p>Three messages are held in quarantine. Sign in to review and release them before they are deleted.</p>"
MAILBOX_LANGUAGES = (
    "Ihr Postfach-Passwort läuft heute ab. Bestätigen Sie Ihr Konto, um den Zugriff auf Ihre E-Mails zu behalten.",
    "Le mot de passe de votre boîte mail expire aujourd'hui. Vérifiez votre compte pour conserver l'accès à vos e-mails.",
    "La contraseña de su buzón caduca hoy. Verifique su cuenta para mantener el acceso a su correo.",
    "Het wachtwoord van uw mailbox verloopt vandaag. Verifieer uw account om toegang tot uw e-mail te behouden.",
    "A senha da sua caixa de correio expira hoje. Verifique sua conta para manter o acesso ao seu e-mail.",
)
PRIZE = "<p>Congratulations, you have won! Claim your free spins and your welcome bonus today.</p>"


def link(url: str, text: str) -> str:
    return f'<p><a href="{url}">{text}</a></p>'


def mailbox_notice(words: str) -> Builder:
    return lambda: Mail("Notifications <notice@mail-ops.example.net>", "Notification").with_html(
        page(f"<p>{words}</p>" + link("https://m365-verify.example-cdn.net/owa/auth.php", "OK")))


SAMPLES_BY_RULE: dict[str, tuple[list[Builder], list[Builder]]] = {
    "IMPERSONATION_BRAND_UNRELATED_DOMAIN": (
        [lambda: Mail(DHL_FAKE, "Shipment update").with_text("Your shipment is on its way."),
         # "lRS": a lower-case l for the I of IRS
         lambda: Mail("lRS Notice <notice@refund-center.example>", "Tax notice").with_text("Please read the notice.")],
        [lambda: Mail(DHL_REAL, "Shipment update").with_text("Your shipment is on its way.")],
    ),
    "IMPERSONATION_BRAND_FREE_MAIL": (
        [lambda: Mail("PayPal Service <paypal.service2026@gmail.com>", "Account notice").with_text("Please read the notice.")],
        [lambda: Mail("Jane Doe <jane.doe@gmail.com>", "Account notice").with_text("Please read the notice.")],
    ),
    "IMPERSONATION_BRAND_SENDER_DOMAIN": (
        [lambda: Mail("Account Team <info@paypal-secure-login.com>", "Account notice").with_text("Please read the notice.")],
        [lambda: Mail("Account Team <info@shop-weekly.com>", "Account notice").with_text("Please read the notice."),
         # a short brand name as someone else's whole domain; a brand's own mail domain
         lambda: Mail("Jo Smith <jo.smith@usa.net>", "Account notice").with_text("Please read the notice."),
         lambda: Mail("Ryanair <itinerary@ryanairmail.com>", "Your booking").with_text("Your flight is booked.")],
    ),
    "IMPERSONATION_OWN_SERVICE": (
        [lambda: Mail(DESK_FAKE, "Maintenance window").with_text("The mail service is down on Sunday.")],
        [lambda: Mail(DESK_REAL, "Maintenance window").with_text("The mail service is down on Sunday.")],
    ),
    "PHISHING_BRAND_CREDENTIAL": (
        [lambda: Mail(MS_FAKE, "Password expiry").with_html(page(CRED + link("https://account-alerts.net/m365/login", "Keep my password")))],
        [lambda: Mail(MS_REAL, "Password expiry").with_html(page(CRED + link("https://account.microsoft.com/security", "Keep my password")))],
    ),
    "PHISHING_BRAND_LURE": (
        [lambda: Mail(DHL_FAKE, "Delivery attempt").with_html(page(HELD + link("https://parcel-updates.net/pay", "Pay now")))],
        [lambda: Mail(DHL_REAL, "Delivery attempt").with_html(page(HELD + link("https://www.dhl.com/redelivery", "Pay now")))],
    ),
    "PHISHING_OWN_SERVICE_CREDENTIAL": (
        [lambda: Mail(DESK_FAKE, "Mailbox quota").with_html(page(QUOTA + link("https://mailbox-admin.net/quota", "Restore access")))],
        [lambda: Mail(DESK_REAL, "Mailbox quota").with_html(page(QUOTA + link(f"https://intranet.{ORG}/quota", "Restore access")))],
    ),
    "PHISHING_MAILBOX_NOTICE_OUTSIDE": (
        [lambda: Mail("Notifications <notice@mail-ops.example.net>", "Notification").with_html(
            page(MAILBOX + link("https://m365-verify.example-cdn.net/owa/auth.php", "Keep my password"))),
         # the mail provider's domain, but not authenticated as it
         lambda: Mail(MS_REAL, "Password expiry", auth_header=auth("microsoft.com", spf="fail", dkim="none", dmarc="fail",
                                                                   spf_domain="bulk-relay.net")).with_html(
             page(MAILBOX + link("https://account.live.com/password", "Keep my password"))),
         # the same in the other languages of the lure lists
         *[mailbox_notice(words) for words in MAILBOX_LANGUAGES],
         # held messages: about the organisation's mail system, whatever domain the link is on
         lambda: Mail("Mail Delivery <digest@mx-release.example.net>", "Notification").with_html(
             page(HELD_MAIL + link("https://mx-release.example.net/quarantine/login", "Review messages")))],
        # the organisation's own IT, and its mail provider from its own authenticated domain
        [lambda: Mail(DESK_REAL, "Mailbox quota").with_html(page(QUOTA + link(f"https://intranet.{ORG}/quota", "Restore access"))),
         lambda: Mail(MS_REAL, "Password expiry").with_html(page(MAILBOX + link("https://account.live.com/password", "Keep my password"))),
         lambda: Mail("Mimecast <digest@mimecast.com>", "Held messages").with_html(
             page(HELD_MAIL + link("https://login.mimecast.com/u/login", "Review messages"))),
         # a service asking to confirm the address given to it, through its mailing service's link
         lambda: Mail("Tienda Norte <hola@tienda-norte.example>", "Confirme su cuenta").with_html(
             page("<p>Confirme su correo electrónico para activar su cuenta.</p>"
                  + link("https://click.mailer-service.example/c/8f2a", "Confirmar")))],
    ),
    "PHISHING_CALLBACK_NO_LINK": (
        [lambda: Mail("Orders Received <no-reply-billing@autoconfirm-8812.example.net>", "Your Amazon purchase #113-0522").with_text(
            "Hello Customer,\n\nThank you for your order - a gaming laptop, 1 item. Your order has been processed.\n"
            "If you did not make this order, please call us at +1 815 452 4246 to cancel this order.\n"),
         lambda: Mail("Central de Seguranca <alerta@seguranca-compras.example.net>", "Transacao pendente").with_text(
             "Compra em análise no seu cartão, pedido 368526. Caso não reconheça, ligue para +55 11 4003 4505.\n")],
        # a supplier's invoice with a phone in its signature (one phrase); a real order notice with links;
        # the same order notice from the brand's own domain
        [lambda: Mail("Harbour Print <accounts@harbour-print.example>", "Invoice 2291").with_text(
            "Please find invoice 2291 for the committee leaflets attached. Questions? Call us at +1 555 201 7788.\n"),
         lambda: Mail("Northland Books <orders@northland-books.example>", "Your order").with_html(page(
             "<p>Your order 8812 has been processed. If you did not make this order, call us at +1 555 201 7789.</p>"
             + link("https://northland-books.example/orders/8812", "Your order"))),
         lambda: Mail("Amazon <auto-confirm@amazon.com>", "Your order").with_text(
             "Your order 113-0522 has been processed. If you did not make this order, call us at +1 888 280 4331.\n")],
    ),
    "PHISHING_DELIVERY_FEE_NO_CLAIM": (
        [lambda: Mail("Notifications <tracking@parcel-customs.example.net>", "Notification").with_html(
            page(CUSTOMS_FEE.format("1.99 EUR") + link("https://parcel-customs.example.net/pay", "Pay now"))),
         lambda: Mail("Central de Entregas <aviso@entregas-br.example.net>", "Aviso").with_html(
             page("<p>Sua encomenda está retida na alfândega. Pague a taxa de importação de R$ 12,90 para liberar a entrega.</p>"
                  + link("https://entregas-br.example.net/pagar", "Pagar")))],
        # the carrier itself, from its own authenticated domain; a shop's shipping notice with a price
        [lambda: Mail("DHL Express <noreply@dhl.com>", "Import duty").with_html(
            page(CUSTOMS_FEE.format("12.40 EUR") + link("https://www.dhl.com/pay-duty", "Pay duty"))),
         lambda: Mail("Northland Books <orders@northland-books.example>", "Your order has shipped").with_html(
             page("<p>Your order (24.90 EUR, shipping fee included) has shipped. Track your parcel below.</p>"
                  + link("https://northland-books.example/track/8812", "Track")))],
    ),
    "LINK_BRAND_IN_HOST": (
        [lambda: newsletter(FORUM, link("https://paypal-secure-login.com/donate", "Donate"))],
        [lambda: newsletter(FORUM, link("https://www.paypal.com/donate", "Donate"))],
    ),
    "PHISHING_BRAND_HOST_LOGIN": (
        [lambda: newsletter(FORUM, link("https://login.microsoftonline.com.auth-verify.net/common/oauth2", "Sign in"))],
        [lambda: newsletter(FORUM, link("https://login.microsoftonline.com/common/oauth2", "Sign in"))],
    ),
    "LINK_BRAND_IN_PATH": (
        [lambda: newsletter(FORUM, link("https://files-cdn.example.net/www.paypal.com/signin", "Sign in"))],
        [lambda: newsletter(FORUM, link("https://www.paypal.com/signin", "Sign in"))],
    ),
    "LINK_HOSTING_SERVICE": (
        [lambda: newsletter(FORUM, link("https://agenda-2026.web.app/", "Agenda"))],
        [lambda: newsletter(FORUM, link("https://www.policy-forum.org/agenda", "Agenda")),
         # blogs on free hosting among other links: ordinary reading tips
         lambda: newsletter(FORUM, "".join(link(u, "blog") for u in (
             "https://atrios.blogspot.com/", "https://epeus.blogspot.com/2002/09/", "https://www.policy-forum.org/",
             "https://www.policy-forum.org/events")))],
    ),
    "PHISHING_HOSTED_CREDENTIAL_PAGE": (
        [lambda: Mail(FORUM, "Password expiry").with_html(page(CRED + link("https://mail-verify-4471.firebaseapp.com/", "Keep my password")))],
        [lambda: newsletter(FORUM, link("https://agenda-2026.web.app/", "Agenda"))],
    ),
    "LINK_SCRIPT_SCHEME": (
        [lambda: newsletter(FORUM, link("javascript:window.location='https://account-review.net/'", "Agenda"))],
        [lambda: newsletter(FORUM, link("https://www.policy-forum.org/agenda", "Agenda"))],
    ),
    "LINK_PUNYCODE_HOST": (
        [lambda: newsletter(FORUM, link("https://xn--80ak6aa92e.com/agenda", "Agenda"))],
        [lambda: newsletter(FORUM, link("https://www.policy-forum.org/agenda", "Agenda"))],
    ),
    "LINK_OPEN_REDIRECT": (
        [lambda: newsletter(FORUM, link("https://out.example-links.net/go?url=https://account-review.net/x", "Agenda"))],
        [lambda: newsletter(FORUM, link("https://www.policy-forum.org/agenda?ref=mail", "Agenda")),
         # a redirect within the sender's own site
         lambda: newsletter(FORUM, link("https://click.policy-forum.org/r?url=https://www.policy-forum.org/agenda", "Agenda"))],
    ),
    "MIME_FROM_NO_DOMAIN": (
        [lambda: Mail("Correios <parcelas@correios>", "Aviso").with_text("Aviso de entrega.")],
        [lambda: Mail("Correios <parcelas@correios.com.br>", "Aviso").with_text("Aviso de entrega.")],
    ),
    "PHISHING_LURE_UNTRUSTED_SENDER": (
        [lambda: Mail("Entregas <parcelas@entregas>", "Encomenda retida").with_html(page(RETIDA + link("https://taxa-entrega.example/pagar", "Pagar")))],
        [lambda: Mail("Entregas <parcelas@entregas-rapidas.com.br>", "Encomenda retida").with_html(page(RETIDA + link("https://entregas-rapidas.com.br/pagar", "Pagar")))],
    ),
    "PHISHING_ADVANCE_FEE": (
        [lambda: Mail("Barrister James Cole <james.cole.chambers@gmail.com>", "Confidential").with_text(FEE)],
        [lambda: Mail(FORUM, "Confidential").with_text(FEE)],
    ),
    "PHISHING_EXTORTION": (
        [lambda: Mail("Warning Notice <alert@mailbox-notice.example>", "You are in danger").with_text(EXTORT)],
        [lambda: Mail(FORUM, "Agenda").with_text("Please reply within 48 hours with your comments on the agenda.")],
    ),
    "PHISHING_CONTACT_DIVERTED": (
        [lambda: Mail("Jane Woody <j.woody@harbour-consulting.example>", "Hello").with_text(
            "Hello,\n\nSorry to intrude on your privacy. Please write to my private e-mail: jane.woody.private@mail.com "
            "as soon as you read this, for a very urgent and important discussion.\n\nThank you\n"),
         lambda: Mail("Sra. Helena <helena@escola-municipal.example>", "Olá").with_text(
             "Olá, desculpe incomodar. Por favor, escreva para meu e-mail particular: helena.privado@gmail.com "
             "assim que ler esta mensagem.\n"),
         lambda: Mail("Jane Woody <jw.91843451@gmail.com>", "Hello").with_text(
             "Hello, I got your contact through a search. Please write to my private e-mail: jane.woody.private@mail.com\n")],
        # a colleague's note giving her own address; the same request with a link to click (other rules
        # judge it); an address in a quoted attribution, asked for nothing
        [lambda: Mail("Jane Woody <jane.woody@gmail.com>", "New address").with_text(
            "Hello, please write to jane.woody@gmail.com from now on. Thanks!\n"),
         lambda: Mail("Jane Woody <j.woody@harbour-consulting.example>", "Hello").with_html(page(
             "<p>Please write to my private e-mail jane.woody.private@mail.com, or see my profile.</p>"
             + link("https://harbour-consulting.example/jane", "Profile"))),
         lambda: Mail(FORUM, "Re: agenda").with_text(
             "Agreed, thanks.\n\nOn Tuesday, Tim <tim.one@comcast.net> said:\n> The agenda is fine.\n"),
         # a small association's treasurer signs with her free-mail address: a label, no request
         lambda: Mail(FORUM, "Minutes").with_text(
             "The minutes of Tuesday's meeting are below.\n\nJane Smith, Treasurer\nE-mail: treasurer.forum@gmail.com\n")],
    ),
    "PHISHING_LURE_DEADLINE": (
        [lambda: Mail("Account Services <notice@account-services.example.net>", "Account notice").with_text(
            "Unusual activity was detected on your account. Verify your account within 24 hours or it will be closed.\n"),
         lambda: Mail("Kontoservice <hinweis@konto-service.example.net>", "Kontohinweis").with_text(
             "Ihr Konto wird gesperrt, wenn Sie Ihre Daten nicht innerhalb von 48 Stunden bestätigen.\n"),
         lambda: Mail("Atendimento <aviso@conta-servicos.example.net>", "Aviso").with_text(
             "Sua conta será cancelada. Confirme seus dados cadastrais em até 24 horas.\n")],
        # one phrase (a deadline alone, in two languages); the extortion letter, which PHISHING_EXTORTION explains
        [lambda: Mail(FORUM, "Agenda").with_text("Please reply within 48 hours with your comments on the agenda."),
         lambda: Mail(FORUM, "Agenda").with_text("Bitte senden Sie uns Ihre Anmerkungen innerhalb von 48 Stunden."),
         lambda: Mail("Warning Notice <alert@mailbox-notice.example>", "You are in danger").with_text(EXTORT)],
    ),
    "CONTENT_LURE_PHRASES": (
        [lambda: Mail(FORUM, "Account notice").with_html(page(CRED + HELD + link("https://www.policy-forum.org/x", "Open")))],
        [lambda: Mail(FORUM, "Account notice").with_html(page(CRED + link("https://www.policy-forum.org/x", "Open")))],
    ),
    "IMPERSONATION_SENDER_HOSTING": (
        [lambda: Mail("Rewards <noreply@casino-485f7.firebaseapp.com>", "Welcome").with_text("Welcome.")],
        [lambda: Mail("Rewards <noreply@rewards.policy-forum.org>", "Welcome").with_text("Welcome.")],
    ),
    "PHISHING_SENDER_HOSTING_LURE": (
        [lambda: Mail("Rewards <noreply@casino-485f7.firebaseapp.com>", "Your bonus").with_html(page(PRIZE + link("https://casino-485f7.firebaseapp.com/claim", "Claim")))],
        [lambda: Mail("Rewards <noreply@casino-485f7.firebaseapp.com>", "Your bonus").with_text("Welcome to the club.")],
    ),
    "IMPERSONATION_BRAND_SPOOFED": (
        [lambda: Mail(DHL_REAL, "Shipment update", auth_header=auth("dhl.com", spf="fail", dkim="none", dmarc="fail", spf_domain="bulk-relay.net")).with_text("Your shipment is on its way.")],
        [lambda: Mail(DHL_REAL, "Shipment update").with_text("Your shipment is on its way.")],
    ),
    "PHISHING_BRAND_BODY_LURE": (
        [lambda: Mail("Notificacao <aviso@entregas-rapidas.example>", "Aviso").with_html(page(
            '<img src="https://entregas-rapidas.example/l.png" alt="Correios">' + RETIDA + link("https://entregas-rapidas.example/pagar", "Pagar"))),
         # the brand only in the footer's copyright line
         lambda: Mail("Levering <x7u2@bezorg-status.example>", "Uw pakket").with_html(page(
             NL_HELD + link("https://bezorg-status.example/betaal", "Plan nieuwe bezorging") + FEDEX_COPYRIGHT))],
        [lambda: Mail("Notificacao <aviso@entregas-rapidas.example>", "Aviso").with_html(page(
            '<img src="https://entregas-rapidas.example/l.png" alt="Correios">' + "<p>Obrigado pela sua compra.</p>" + link("https://entregas-rapidas.example/loja", "Loja"))),
         # the brand's own notice, from its own domain
         lambda: Mail("FedEx <noreply@fedex.com>", "Uw pakket").with_html(page(
             NL_HELD + link("https://www.fedex.com/nl-nl/tracking.html", "Plan nieuwe bezorging") + FEDEX_COPYRIGHT))],
    ),
    "MIME_FROM_OBFUSCATED": (
        [lambda: Mail("Home Offers <offer_48425@a.b.c.d.e.deals-weekly.example>", "Save today").with_text("Our offer.")],
        [lambda: Mail("Home Offers <offer@deals-weekly.example>", "Save today").with_text("Our offer.")],
    ),
    "IMPERSONATION_BRAND_NAME_LINK": (
        [lambda: Mail("Ledger <noreply@harbour-events.example>", "Important security notice").with_html(page(
            "<p>Please read the notice about your device.</p>" + link("https://harbour-events.example/n", "Read")))],
        [lambda: Mail("Ledger <noreply@harbour-events.example>", "Important security notice").with_html(page(
            "<p>Please read the notice about your device.</p>" + link("https://harbour-events.example/n", "Read")))
         .header("List-Unsubscribe", "<https://harbour-events.example/u>"),
         lambda: Mail("Tim <tim@harbour-events.example>", "Lunch").with_html(page(
             "<p>Menu attached.</p>" + link("https://harbour-events.example/menu", "Menu")))],
    ),
    "CONTENT_TRACKING_ONLY_BODY": (
        [lambda: Mail("Offers <deal@promo-mailer.example>", "Re: Your reward", auth_header="").with_html(page(
            '<a href="https://promo-mailer.example/c"><img src="https://img.promo-mailer.example/banner.jpg" alt=""></a>'))],
        [lambda: Mail("Offers <deal@promo-mailer.example>", "Re: Your reward", auth_header="").with_html(page(
            '<a href="https://promo-mailer.example/c"><img src="https://img.promo-mailer.example/banner.jpg" alt=""></a>'))
         .header("List-Unsubscribe", "<https://promo-mailer.example/u>"),
         lambda: newsletter(FORUM, link("https://www.policy-forum.org/agenda", "Agenda"))],
    ),
    "CONTENT_PRIZE_BULK": (
        [lambda: Mail("Rewards <win@promo-mailer.example>", "Final notice", auth_header="").with_html(page(
            PRIZE + link("https://bit.ly/3xYz", "Claim")))],
        # list mail with its hygiene: List-Unsubscribe and aligned authentication
        [lambda: Mail("Rewards <win@promo-mailer.example>", "Final notice").with_html(page(
            PRIZE + link("https://bit.ly/3xYz", "Claim"))).header("List-Unsubscribe", "<https://promo-mailer.example/u>")],
    ),
    "CONTENT_SUBJECT_RECIPIENT": (
        [lambda: Mail("Service <info@promo-mailer.example>", f"{RCPT}, your parcel is waiting").with_html(page(
            "<p>See the details.</p>" + link("https://promo-mailer.example/p", "Details")))],
        [lambda: Mail("Service <info@promo-mailer.example>", "Maria, your parcel is waiting").with_html(page(
            "<p>See the details.</p>" + link("https://promo-mailer.example/p", "Details")))],
    ),
    "PHISHING_CALLBACK_INVOICE": (
        [lambda: Mail("Billing Dept <billing.dept2291@gmail.com>", "Invoice INV-55812").with_text(
            "Thank you for your purchase. Your subscription renewal of $499.99 has been charged today.\n"
            "If you did not authorise this order, call our billing desk at +1 (808) 555-0143 within 24 hours.")],
        [lambda: Mail("Billing Dept <billing@harbour-events.example>", "Invoice INV-55812").with_text(
            "Thank you for your purchase. Your subscription renewal of $499.99 has been charged today.\n"
            "Questions? Call our billing desk at +1 (808) 555-0143."),
         lambda: Mail("Jane Doe <jane.doe@gmail.com>", "Dinner").with_text(
            "The restaurant is booked for Friday, about $40 each. Call me on 020 7946 0321 if you are late.")],
    ),
    "CONTENT_CRYPTO_LURE": (
        [lambda: Mail("Wallet Team <team@chain-notice.example>", "Action needed", auth_header="").with_html(page(
            "<p>The airdrop ends on Friday.</p>" + link("https://chain-notice.example/w", "Claim")))],
        [lambda: Mail("Wallet Team <team@chain-notice.example>", "Action needed").with_html(page(
            "<p>The airdrop ends on Friday.</p>" + link("https://chain-notice.example/w", "Claim")))
         .header("List-Unsubscribe", "<https://chain-notice.example/u>")],
    ),
    "PHISHING_IP_LINK_NOTICE": (
        [lambda: Mail("eBay <support_ref_26@ebay.com>", "Important information").with_html(page(
            "<p>Please review your account.</p>" + link("http://203.0.113.7/ebay/signin/", "https://signin.ebay.com/")))],
        [lambda: Mail("Lab notes <lab@harbour-events.example>", "Test server").with_html(page(
            "<p>The test build is up.</p>" + link("http://203.0.113.7:8080/build/", "build 42")))],
    ),
    "MIME_DISGUISED_WORDS": (
        [lambda: Mail("eBay <support@auction-notice.example>", "eBay BiIIing Department: Important Information").with_text("Read the notice."),
         lambda: Mail("L\u043ec\u0430l D\u0430ting <date@auction-notice.example>", "You have a message").with_text("Read it.")],
        [lambda: Mail("eBay <support@auction-notice.example>", "eBay Billing Department: iPhone 15, COVID-19 and Q1 results").with_text("Read the notice."),
         lambda: Mail("Fiona McIntyre <fiona@auction-notice.example>", "\u041f\u0440\u0438\u0432\u0435\u0442 from Zürich").with_text("Hi.")],
    ),
    "CONTENT_AFFILIATE_AD": (
        [lambda: Mail("Home Offers <offer@deals-weekly.example>", "Save today").with_text(
            "Save on windows today.\n\nThis is an advertisement. The advertiser does not manage your subscription.")],
        [lambda: Mail("Home Offers <offer@deals-weekly.example>", "Save today").with_text(
            "Save on windows today.\n\nYou can unsubscribe from our newsletter at any time.")],
    ),
}


def main() -> int:
    return script_main(SAMPLES_BY_RULE)


if __name__ == "__main__":
    raise SystemExit(main())
