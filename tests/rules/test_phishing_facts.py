"""Offline link facts (hosting, redirects, script links) and lure topics."""

from __future__ import annotations

import pytest

from mailward.facts import links
from mailward.facts.lures import TOPICS, find_lures


@pytest.mark.parametrize(
    ("host", "path", "kind"),
    [
        ("mail-verify-4471.firebaseapp.com", "/", "free-hosting"),
        ("storage.googleapis.com", "/bucket/x.html", "cloud-bucket"),
        ("my-bucket.s3.eu-west-1.amazonaws.com", "/x.html", "cloud-bucket"),
        ("docs.google.com", "/forms/d/e/1/viewform", "form"),
        ("bafy.ipfs.dweb.link", "/", "ipfs"),
        ("home.duckdns.org", "/", "dynamic-dns"),
        ("abc.trycloudflare.com", "/", "tunnel"),
        ("script.google.com", "/macros/s/AKfycbw/exec", "free-hosting"),
    ],
)
def test_hosting_of(host: str, path: str, kind: str) -> None:
    found = links.hosting_of(host, path)
    assert found is not None and found.kind == kind


@pytest.mark.parametrize(("host", "path"), [("docs.google.com", "/document/d/1"), ("ec2.amazonaws.com", "/"), ("example.org", "/"),
                                            ("script.google.com", "/home")])
def test_not_hosting(host: str, path: str) -> None:
    assert links.hosting_of(host, path) is None


def test_hosting_data_needs_sources() -> None:
    with pytest.raises(links.HostingDataError, match="source"):
        links.parse_hosting("hosting: [{domain: x.example, kind: tunnel}]")
    with pytest.raises(links.HostingDataError, match="kind"):
        links.parse_hosting("hosting: [{domain: x.example, kind: bad, source: s}]")


def test_unwrap_is_offline_decoding() -> None:
    assert links.unwrap("https://out.example/go?url=https%3A%2F%2Fevil.example%2Fx", "out.example") == "https://evil.example/x"
    assert links.unwrap("https://www.bing.com/ck/a?u=a1aHR0cHM6Ly9ldmlsLmV4YW1wbGUveA", "www.bing.com") == "https://evil.example/x"
    assert links.unwrap("https://site.example/a?next=https://site.example/b", "site.example") == ""
    assert links.unwrap("https://site.example/a?q=shoes", "site.example") == ""
    # same registrable domain: not an open redirect to someone else
    assert links.unwrap("https://click.shop.co.uk/r?url=https://www.shop.co.uk/sale", "click.shop.co.uk") == ""
    assert links.unwrap("https://click.shop.co.uk/r?url=https://evil.co.uk/", "click.shop.co.uk") == "https://evil.co.uk/"


@pytest.mark.parametrize(("url", "scheme"), [("javascript:alert(1)", "javascript"), (" JaVa\tscript:x", "javascript"),
                                             ("data:text/html;base64,PGgx", "data"), ("https://a.example", "")])
def test_script_scheme(url: str, scheme: str) -> None:
    assert links.script_scheme(url) == scheme


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Your account has been suspended, verify your account today.", "credential"),
        ("Sua conta foi bloqueada. Verifique seus dados.", "credential"),
        ("Ihr Konto wurde gesperrt. Bestätigen Sie Ihre Daten.", "credential"),
        ("Su cuenta ha sido suspendida. Verifique su cuenta.", "credential"),
        ("Votre compte a été suspendu. Vérifiez votre compte.", "credential"),
        ("Uw account is geblokkeerd. Verifieer uw gegevens.", "credential"),
        ("Your payment was declined; update your billing information.", "payment"),
        ("Your parcel is on hold until you pay the customs fee.", "delivery"),
        ("Sua encomenda está retida. Pague a taxa de importação.", "delivery"),
        ("Congratulations, you have won! Claim your prize.", "prize"),
        ("Enter your seed phrase to verify your wallet.", "crypto"),
        ("I am the next of kin's attorney; the sum of USD 4.5 million awaits.", "advance_fee"),
        ("I gained access to your devices and recorded you.", "extortion"),
    ],
)
def test_lure_topics(text: str, topic: str) -> None:
    topics, phrases = find_lures(text)
    assert topic in topics and phrases


@pytest.mark.parametrize(
    "text",
    [
        "Please find the committee agenda attached. The password for the guest wifi is on the board.",
        "Our newsletter: the parcel service market grew in 2024; prize-winning journalism; crypto regulation.",
        "Reset the router and log in again if the connection drops.",
        "The storage room is full of old files; we deleted the duplicates.",
        "Delete the photos you no longer need to free up space on your phone.",
    ],
)
def test_lures_quiet_on_ordinary_text(text: str) -> None:
    assert find_lures(text) == ([], [])


def test_every_topic_has_phrases() -> None:
    assert set(TOPICS) == {"credential", "payment", "delivery", "prize", "crypto", "advance_fee", "extortion", "deadline"}
    assert all(len(p) >= 5 for topic, p in TOPICS.items() if topic != "deadline")
    assert TOPICS["deadline"]  # one pattern: 24, 48 or 72 hours


def test_lure_data_needs_sources_and_known_topics() -> None:
    from mailward.facts.lures import LureDataError, parse_lures

    good = "topics: {prize: [{languages: [en], source: s, phrases: ['you have won']}]}"
    assert parse_lures(good) == {"prize": ("you have won",)}
    with pytest.raises(LureDataError, match="source"):
        parse_lures("topics: {prize: [{languages: [en], phrases: ['x']}]}")
    with pytest.raises(LureDataError, match="unknown topic"):
        parse_lures("topics: {gossip: [{languages: [en], source: s, phrases: ['x']}]}")
    with pytest.raises(LureDataError, match="capture"):
        parse_lures("topics: {prize: [{languages: [en], source: s, phrases: ['(won)']}]}")


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Wir hebben je bevestiging nodig om je bestelling te verzenden".replace("Wir", "We"), "credential"),
        ("Ihr Konto wird in 2 Tagen gelöscht", "credential"),
        ("Te estás quedando sin espacio en iCloud", "credential"),
        ("Vos droits CPF expirent", "credential"),
        ("Final Notice Coming for a AirPods Reward", "prize"),
        ("Withdrawals are now available for eligible clients", "crypto"),
        ("I am Diplomatic agent Mr. Wood", "advance_fee"),
        ("Volg uw pakket: 45888029", "delivery"),
        ("Uw pakket staat in de wacht. Levering opgeschort.", "delivery"),
        # fake cloud-storage notices, in the six languages
        ("Storage limit reached: your photos and videos will be permanently deleted.", "payment"),
        ("Je hebt geen ruimte meer. Uw betaalmethode is niet meer geldig.", "payment"),
        ("Ihr Cloud-Speicher ist voll.", "payment"),
        ("Votre stockage est plein.", "payment"),
        ("Su almacenamiento está lleno.", "payment"),
        ("Seu armazenamento está cheio.", "payment"),
        ("Your tax statement is now available for review.", "payment"),
        ("We are pleased to inform you that the SSA document is available for download.", "payment"),
        ("Account geblokkeerd. Statuswijziging: INACTIEF", "credential"),
        ("Wij hebben nog geen identificatie ontvangen; u kunt uzelf online identificeren.", "credential"),
        ("To submit a redelivery for this package, review it below.", "delivery"),
        # an order the reader is asked to disown by phone, in the six languages
        ("Call us if you do not believe you ordered this item.", "payment"),
        ("Caso não reconheça, ligue para a central.", "payment"),
        ("Si no reconoce esta compra, llame al banco.", "payment"),
        ("Si vous n'êtes pas à l'origine de cet achat, appelez-nous.", "payment"),
        ("Falls Sie diese Bestellung nicht getätigt haben, rufen Sie an.", "payment"),
        ("Als u deze aankoop niet herkent, bel ons.", "payment"),
    ],
)
def test_new_lure_phrases(text: str, topic: str) -> None:
    assert topic in find_lures(text)[0]


def test_callback_signals() -> None:
    from mailward.facts.lures import callback_signals

    phones, amounts, order = callback_signals(
        "Your order #4421 of $499.99 has been processed. Call +1 (808) 555-0143 to cancel.")
    assert phones == 1 and amounts == 1 and order
    assert callback_signals("See you at 10 for lunch") == (0, 0, False)


def test_case_disguise_is_undone_for_brand_names() -> None:
    from mailward.identity.brands import unmask_case

    assert unmask_case("lRS") == "IRS"
    assert unmask_case("PayPaI") == "PayPal"
    assert unmask_case("MlCROSOFT") == "MICROSOFT"
    assert unmask_case("Bill Smith") == "Bill Smith"
    assert unmask_case("IBM") == "IBM"


def test_brand_in_sender_domain_skips_real_senders_readings() -> None:
    from mailward.identity.brands import brand_in_sender_domain

    assert brand_in_sender_domain("usa.net") == ""  # a short name as someone else's whole domain
    assert brand_in_sender_domain("ryanairmail.com") == ""  # the brand's mail domain
    assert brand_in_sender_domain("paypal-secure-login.com") == "PayPal"
    assert brand_in_sender_domain("amazon-mail.com") == "Amazon"
    assert brand_in_sender_domain("login.microsoftonline.com.auth-session.test") == "Microsoft"


def test_disguised_words() -> None:
    from mailward.facts.lures import disguised_words

    assert disguised_words("0fficiaI notice to CIients: BiIIing, L\u043ec\u0430l") == ["0fficiaI", "CIients", "BiIIing", "L\u043ec\u0430l"]
    assert disguised_words("iPhone 15, COVID-19, McIntyre, WiFi, IPv6, Q1 results, FY2021, \u041f\u0440\u0438\u0432\u0435\u0442, Zürich") == []
    assert disguised_words("MyIncErrors: WordInfo in ZixIt, OpenAI, VoIP") == []  # CamelCase, not a disguise


@pytest.mark.parametrize(
    ("body", "sender", "expected"),
    [
        ("Please write to my private e-mail: jane.w@mail.com today.", "j@firm.example", "jane.w@mail.com"),
        ("Por favor, escreva para meu e-mail particular: Helena.P@Gmail.com", "h@escola.example", "helena.p@gmail.com"),
        ("Write to me at jane.w@mail.com.", "jane.w@mail.com", ""),  # the sender's own address
        ("Please write to press@northland-parliament.org.", "j@firm.example", ""),  # not free mail
        ("Tim <tim.one@comcast.net> said: the agenda is fine.", "j@firm.example", ""),  # nothing asked
        ("No address here at all.", "j@firm.example", ""),
        # a signature's label asks nothing; nor does an unsubscribe instruction
        ("Jane Smith, Treasurer. E-mail: treasurer.club@gmail.com", "j@firm.example", ""),
        ("To be removed from this mailing, reply to remove.me@yahoo.com", "j@firm.example", ""),
        ("Your registered e-mail: reader@gmail.com. Write to reader@gmail.com", "j@firm.example", ""),  # the reader's own
    ],
)
def test_contact_elsewhere(body: str, sender: str, expected: str) -> None:
    from mailward.facts.message_cues import contact_elsewhere

    assert contact_elsewhere(body, sender, ("reader@gmail.com",)) == expected
