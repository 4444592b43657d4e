"""Every lure topic is found in English, Portuguese, German, Spanish, French and Dutch
(data/lures.yaml), and ordinary sentences in those languages are not lures."""

from __future__ import annotations

import pytest

from mailward.facts.lures import TOPICS, find_lures

# (topic, language, a sentence a scam in that language might carry); written for this test
LURES: list[tuple[str, str, str]] = [
    ("credential", "en", "Failure to update your records within 48 hours will result in account suspension."),
    ("credential", "pt", "Por motivos de segurança, sua conta foi bloqueada até confirmar os dados."),
    ("credential", "de", "Bitte füllen Sie das Registrierungsformular noch heute aus."),
    ("credential", "es", "Por motivos de seguridad, su cuenta ha sido limitada."),
    ("credential", "fr", "Pour des raisons de sécurité, votre compte doit être vérifié."),
    ("credential", "nl", "Om veiligheidsredenen is uw toegang tijdelijk beperkt."),
    ("payment", "en", "We were unable to process your payment for this month."),
    ("payment", "pt", "Seu cartão foi recusado na última compra."),
    ("payment", "de", "Ihre Zahlung wurde abgelehnt, bitte prüfen Sie die Karte."),
    ("payment", "es", "Su pago ha sido rechazado por el banco."),
    ("payment", "fr", "Votre paiement a été refusé par votre banque."),
    ("payment", "nl", "Uw betaling is mislukt, werk uw betaalgegevens bij."),
    ("delivery", "en", "We tried to deliver your parcel today but nobody was home."),
    ("delivery", "pt", "Não foi possível entregar sua encomenda no endereço indicado."),
    ("delivery", "de", "Wir konnten Ihr Paket nicht zustellen."),
    ("delivery", "es", "No hemos podido entregar su paquete esta mañana."),
    ("delivery", "fr", "Nous n'avons pas pu livrer votre colis ce matin."),
    ("delivery", "nl", "We konden uw pakket niet bezorgen."),
    ("prize", "en", "Congratulations, you have been selected to receive a reward."),
    ("prize", "pt", "Parabéns, você é o grande ganhador do sorteio."),
    ("prize", "de", "Sie sind der glückliche Gewinner unserer Aktion."),
    ("prize", "es", "Usted ha sido el afortunado ganador del sorteo."),
    ("prize", "fr", "Vous êtes l'un des heureux gagnants de notre tirage."),
    ("prize", "nl", "U bent de gelukkige winnaar van onze actie."),
    ("crypto", "en", "Connect your wallet and enter your recovery phrase to continue."),
    ("crypto", "pt", "Verifique sua carteira para liberar o saque."),
    ("crypto", "de", "Ihre Wallet wurde gesperrt, verifizieren Sie Ihre Wallet."),
    ("crypto", "es", "Verifique su billetera para evitar el bloqueo."),
    ("crypto", "fr", "Vérifiez votre portefeuille avant vendredi."),
    ("crypto", "nl", "Verifieer uw wallet om uw tegoed te behouden."),
    ("advance_fee", "en", "Your approved Visa card with a $10,000 limit is waiting."),
    ("advance_fee", "pt", "Meu falecido marido deixou uma quantia de 8 milhões."),
    ("advance_fee", "de", "Mein verstorbener Mandant hinterließ eine Summe von 8 Millionen."),
    ("advance_fee", "es", "Mi difunto esposo dejó una suma de 8 millones."),
    ("advance_fee", "fr", "Mon défunt mari a laissé une somme de 8 millions."),
    ("advance_fee", "nl", "Mijn overleden echtgenoot liet een som van 8 miljoen na."),
    ("extortion", "en", "I recorded you through your webcam."),
    ("extortion", "pt", "Pague 500 USD em bitcoin ou enviarei o vídeo para todos os seus contatos."),
    ("extortion", "de", "Zahlen Sie 500 EUR in Bitcoin, sonst geht das Video an alle Ihre Kontakte."),
    ("extortion", "es", "Pague 500 USD en bitcoin o enviaré el vídeo a todos sus contactos."),
    ("extortion", "fr", "Payez 500 EUR en bitcoin ou j'envoie la vidéo à tous vos contacts."),
    ("extortion", "nl", "Betaal 500 EUR in bitcoin of ik stuur de video naar al uw contacten."),
    ("deadline", "en", "Reply within 48 hours."),
    ("credential", "en", "Your KYC information is scheduled to expire; update your KYC details."),
    ("credential", "pt", "Atualize seu KYC para evitar o bloqueio."),
]

ORDINARY = [
    "The bank's annual report describes its KYC policy and the checks it runs.",
    "Thanks for the notes from Tuesday; I updated the agenda for the committee meeting.",
    "Obrigado pelas notas de terça-feira; atualizei a pauta da reunião da comissão.",
    "Danke für die Notizen vom Dienstag; ich habe die Tagesordnung der Sitzung angepasst.",
    "Gracias por las notas del martes; actualicé el orden del día de la reunión.",
    "Merci pour les notes de mardi ; j'ai mis à jour l'ordre du jour de la réunion.",
    "Bedankt voor de aantekeningen van dinsdag; ik heb de agenda van de vergadering bijgewerkt.",
]


# A deadline asks for nothing by itself, and it is English only (as it was when it was an
# extortion phrase): in the other languages shops promise delivery "innerhalb von 24
# Stunden", "em 24 horas", "sous 24h", "binnen 24 uur"
ENGLISH_ONLY = {"deadline"}


def test_every_topic_is_covered_in_six_languages() -> None:
    covered = {(topic, lang) for topic, lang, _ in LURES}
    assert ("deadline", "en") in covered
    for topic in set(TOPICS) - ENGLISH_ONLY:
        for lang in ("en", "pt", "de", "es", "fr", "nl"):
            assert (topic, lang) in covered, (topic, lang)


@pytest.mark.parametrize(("topic", "lang", "sentence"), LURES, ids=[f"{t}-{lang}" for t, lang, _ in LURES])
def test_lure_found(topic: str, lang: str, sentence: str) -> None:
    topics, phrases = find_lures(sentence)
    assert topic in topics, (lang, sentence, topics, phrases)


@pytest.mark.parametrize("sentence", ORDINARY)
def test_ordinary_sentence_is_not_a_lure(sentence: str) -> None:
    assert find_lures(sentence) == ([], [])
