"""An adversarial generator for credential phishing: one lure written many ways.

``build_cases()`` takes seven phishing lures (a Microsoft 365 password expiry, a
SharePoint share, a Teams voicemail, a quarantine release and a mailbox-quota notice
from a lookalike of the organisation's own domain, a PayPal limitation, a DHL customs
fee) and applies each evasion technique to each: disguising the brand name, splitting
the lure's words with markup or invisible characters, hiding the link, encoding the
body, moving the lure into an attachment. Every attack has a genuine counterpart: the
brand's (or the organisation's) own notice from its own authenticated domain, written
with the same technique when a genuine sender could write that way (soft hyphens,
inline markup, a transfer encoding), plain otherwise. Attacks must be flagged; genuine
counterparts must stay ``clean`` or ``tracking``.

Everything is deterministic and fictional apart from the real brand names and domains
used as the impersonated identity. ``bench/phishing_adversarial.py`` scans them and
prints the table; ``tests/rules/test_phishing_adversarial.py`` asserts on it. The
reader is Maria Keller of the Northland Parliament (the rule samples' config).
"""

from __future__ import annotations

import hashlib
import html as html_module
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

from tests.attachments.files import calendar, pdf_link, pdf_text, pdf_with_qr, qr_png, zip_of

READER = "maria.keller@northland-parliament.org"
AUTHSERV = "mx.northland-parliament.org"


@dataclass(frozen=True)
class Case:
    technique: str
    lure: str
    label: str  # "attack" or "genuine"
    raw: bytes


@dataclass(frozen=True)
class Lure:
    name: str
    display: str  # the name shown
    brand_word: str  # the word of ``display`` the name techniques disguise
    sender: str
    subject: str
    words: str  # the lure sentence
    link: str
    action: str  # the link text
    official_link: str  # where the genuine notice links
    genuine_sender: str
    genuine_words: str
    genuine_subject: str = ""  # the genuine notice's subject, when not the lure's


LURES = (
    Lure("m365-password", "Microsoft 365", "Microsoft", "it-notice@mail-ops.example.net",
         "Action required: your password expires today",
         "Your mailbox password expires today. Verify your account to keep access to your email.",
         "https://m365-verify.example-cdn.net/owa/auth.php", "Keep my password",
         "https://account.microsoft.com/security", "account-security-noreply@accountprotection.microsoft.com",
         "The security info of your Microsoft account was changed. If this was you, there is nothing to do.",
         "Your security info was changed"),
    Lure("sharepoint-share", "SharePoint Online", "SharePoint", "share-notify@docs-portal.example.net",
         "Anna Weber shared \"Budget 2027.xlsx\" with you",
         "Anna Weber shared a document with you. Sign in with your work account to view the document.",
         "https://storage.googleapis.com/share-docs-7731/index.html", "Open document",
         "https://northlandparl.sharepoint.com/:x:/s/finance/budget", "no-reply@sharepointonline.com",
         "Anna Weber shared a file with you: Budget 2027.xlsx. This link works only for the direct recipients."),
    Lure("teams-voicemail", "Microsoft Teams", "Microsoft", "voicemail@callcenter-notify.example.net",
         "New voicemail from +44 20 7946 0018 (0:42)",
         "You received a new voicemail. Sign in with your email password to listen to the message.",
         "https://voice-msg.example-apps.net/listen/login.php", "Play voicemail",
         "https://teams.microsoft.com/l/voicemail", "noreply@email.teams.microsoft.com",
         "You have a new voicemail from Jan Novak, 0:42. Open Teams to listen to it."),
    Lure("quarantine-release", "Email Quarantine", "Quarantine", "quarantine@mx-release.example.net",
         "3 messages are held in quarantine",
         "Three messages are held in quarantine. Sign in to review and release them before they are deleted.",
         "https://mx-release.example.net/quarantine/login", "Review messages",
         "https://northland-parliament.org/quarantine", "quarantine@northland-parliament.org",
         "Three messages addressed to you were held as spam this week. You can review them in the portal.",
         "Your weekly quarantine summary"),
    Lure("own-it-quota", "IT Service Desk", "Service", "servicedesk@northland-parliarnent.org",
         "Mailbox quota exceeded",
         "Your mailbox is over its quota. Validate your account within 24 hours to avoid suspension.",
         "https://northland-parliarnent.org/owa/validate", "Validate account",
         "https://northland-parliament.org/it/storage", "servicedesk@northland-parliament.org",
         "Your mailbox is 90% full. Archive old messages to keep room for new ones.",
         "Mailbox almost full"),
    Lure("paypal-limited", "PayPal", "PayPal", "service@account-review.example.net",
         "Your account has been limited",
         "We noticed unusual activity and your account has been limited. Confirm your identity to restore access.",
         "https://account-review.example.net/paypal/signin", "Confirm identity",
         "https://www.paypal.com/myaccount/summary", "service@paypal.com",
         "You sent a payment of 12.00 EUR to Northland Books. It may take a few minutes to show in your account.",
         "You sent a payment"),
    Lure("dhl-customs", "DHL Express", "DHL", "tracking@parcel-customs.example.net",
         "Your parcel is on hold",
         "Your parcel is on hold at customs. Pay the customs fee of 1.99 EUR to release the delivery.",
         "https://parcel-customs.example.net/dhl/pay", "Pay now",
         "https://www.dhl.com/en/express/tracking.html", "noreply@dhl.com",
         "Your parcel 1234567890 will be delivered today between 10:00 and 14:00.",
         "Your parcel arrives today"),
)


def _auth(domain: str) -> str:
    # attackers authenticate their own domains too: passing is no excuse
    return f"{AUTHSERV}; spf=pass smtp.mailfrom=bounce@{domain}; dkim=pass header.d={domain}; dmarc=pass header.from={domain}"


@dataclass(frozen=True)
class Draft:
    """One message before it is written: what the techniques change."""

    display: str
    sender: str
    subject: str
    words: str  # HTML of the lure paragraph
    link: str
    action: str
    plain_only: bool = False
    cte: str = ""  # the HTML part's Content-Transfer-Encoding
    attachment: tuple[bytes, str, str, str] | None = None  # data, main type, subtype, file name
    inline_image: bytes = b""  # a PNG shown in the body (cid:notice)
    note: str = ""


def _write(draft: Draft, label: str, n: int) -> bytes:
    msg = EmailMessage()
    domain = draft.sender.rsplit("@", 1)[1]
    msg["Authentication-Results"] = _auth(domain)
    msg["Received"] = f"from relay{n}.example.net ([192.0.2.{10 + n % 200}]) by {AUTHSERV} with ESMTPS; Tue, 03 Mar 2026 09:15:00 +0000"
    msg["From"] = f'"{draft.display}" <{draft.sender}>'
    msg["To"] = f"Maria Keller <{READER}>"
    msg["Subject"] = draft.subject
    msg["Date"] = "Tue, 03 Mar 2026 09:15:00 +0000"
    msg["Message-ID"] = f"<padv-{hashlib.sha1(f'{label}{n}{draft.subject}'.encode()).hexdigest()[:16]}@{domain}>"
    anchor = f"<p><a href=\"{draft.link}\">{draft.action}</a></p>" if draft.link else ""
    html = f"<html><body><p>Dear Maria Keller,</p><p>{draft.words}</p>{anchor}<p>{draft.note}</p></body></html>"
    text = f"Dear Maria Keller,\n\n{_plain(draft.words)}\n\n" + (f"{draft.action}: {draft.link}\n" if draft.link else "")
    if draft.plain_only:
        msg.set_content(text)
    else:
        msg.set_content("Open this message in an HTML mail reader.")
        if draft.inline_image:
            html = html.replace("</body>", "<p><img src=\"cid:notice\" alt=\"\"></p></body>")
        msg.add_alternative(html, subtype="html", cte=draft.cte or None)
        if draft.inline_image:
            msg.get_payload()[1].add_related(draft.inline_image, maintype="image", subtype="png", cid="<notice>")
    if draft.attachment:
        data, maintype, subtype, filename = draft.attachment
        if maintype == "message":  # a whole message attached (.eml): the content manager takes it parsed
            msg.add_attachment(message_from_bytes(data, _class=EmailMessage, policy=email_policy.default))
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def _plain(html: str) -> str:
    return html_module.unescape(re.sub(r"<[^<>]*>", "", html))


def _split_words(words: str, joiner: str, every: int = 4) -> str:
    """Put ``joiner`` inside every word of five letters or more, after ``every`` letters."""
    out = []
    for word in words.split(" "):
        out.append(word[:every] + joiner + word[every:] if len(word) >= 5 and word[:every].isalpha() else word)
    return " ".join(out)


_CYRILLIC = str.maketrans({"o": "\u043e", "a": "\u0430", "e": "\u0435", "c": "\u0441", "p": "\u0440",
                           "H": "\u041d", "A": "\u0410", "P": "\u0420", "O": "\u041e", "T": "\u0422"})
_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"}

SALT = '<span style="font-size:0px;color:transparent">Q7XKZ2</span>'

Technique = Callable[[Draft, Lure], Draft]


def _name(draft: Draft, lure: Lure, new: str) -> Draft:
    return replace(draft, display=draft.display.replace(lure.brand_word, new))


def _copyright(lure: Lure) -> str:
    return f"&copy; {lure.brand_word} 2026. All rights reserved."


def _mid(word: str, joiner: str) -> str:
    half = len(word) // 2
    return word[:half] + joiner + word[half:]


def _entities(words: str) -> str:
    return " ".join("".join(f"&#{ord(c)};" for c in w) if len(w) >= 5 else w for w in words.split(" "))


def _qp_split(draft: Draft, _lure: Lure) -> Draft:
    return replace(draft, cte="quoted-printable", note="x" * 120)  # long lines: soft line breaks inside words


def _page(draft: Draft) -> bytes:
    return (f"<html><body><p>{draft.words}</p><form action=\"{draft.link}\" method=\"post\">"
            "<input name=\"email\"><input type=\"password\" name=\"pass\"><button>Sign in</button></form></body></html>").encode()


def _attached(draft: Draft, attachment: tuple[bytes, str, str, str], words: str = "Please see the attached message.") -> Draft:
    """The lure (and its link) moved into an attachment: the body points at it, and its one
    link is the sender's own site."""
    return replace(draft, words=words, link="https://" + draft.sender.rsplit("@", 1)[1] + "/",
                   action="Contact us", attachment=attachment)


def _attach(draft: Draft, _lure: Lure) -> Draft:
    return _attached(draft, (_page(draft), "text", "html", "Message_0042.html"))


def _attach_pdf(draft: Draft, _lure: Lure) -> Draft:
    return _attached(draft, (pdf_link(draft.link), "application", "pdf", "Message_0042.pdf"))


def _pdf_letter(draft: Draft, _lure: Lure) -> Draft:
    """The whole notice is the PDF: its text and its link; the body only points at it."""
    pdf = pdf_text(f"Dear Maria Keller, {_plain(draft.words)} {draft.action}: {draft.link}", draft.link)
    return _attached(draft, (pdf, "application", "pdf", "Notice_0042.pdf"), words="Please see the attached document.")


def _attach_zip(draft: Draft, _lure: Lure) -> Draft:
    return _attached(draft, (zip_of({"Message_0042.html": _page(draft)}), "application", "zip", "Message_0042.zip"))


def _attach_calendar(draft: Draft, _lure: Lure) -> Draft:
    ics = calendar(f"DESCRIPTION:{_plain(draft.words)} {draft.link}", f"URL:{draft.link}", organizer="mailto:" + draft.sender)
    return _attached(draft, (ics, "text", "calendar", "invite.ics"))


def _attach_message(draft: Draft, _lure: Lure) -> Draft:
    """The whole message attached as an .eml behind a bland note ("forward as attachment"),
    from a bland name: the outer message says nothing, the attached one is the lure."""
    inner = _write(draft, "attached", 0)
    return replace(_attached(draft, (inner, "message", "rfc822", "")), display="Notifications", subject=BLAND)


def _attach_eml_file(draft: Draft, _lure: Lure) -> Draft:
    """The same, the message saved as a file ("Message_0042.eml", application/octet-stream):
    mail clients open it as a message."""
    inner = _write(draft, "attached", 0)
    return replace(_attached(draft, (inner, "application", "octet-stream", "Message_0042.eml")),
                   display="Notifications", subject=BLAND)


def _qr_body(draft: Draft, _lure: Lure) -> Draft:
    # no link at all: the text says to scan the code, the code holds the address
    return replace(draft, words=draft.words + " Scan the code below with your phone.", link="", action="",
                   inline_image=qr_png(draft.link, scale=4))


def _qr_pdf(draft: Draft, _lure: Lure) -> Draft:
    return _attached(draft, (pdf_with_qr(draft.link), "application", "pdf", "Scan_0042.pdf"),
                     words=draft.words + " Scan the code in the attached document with your phone.")


BLAND = "Notification"

# The lures in the other languages of the lure lists (German, French, Spanish, Dutch,
# Portuguese), in the order of ``LURES``; written for these tests.
TRANSLATIONS = {
    "de": (
        "Ihr Postfach-Passwort läuft heute ab. Bestätigen Sie Ihr Konto, um den Zugriff auf Ihre E-Mails zu behalten.",
        "Anna Weber hat ein Dokument für Sie freigegeben. Melden Sie sich mit Ihrem Arbeitskonto an, um das Dokument anzusehen.",
        "Sie haben eine neue Sprachnachricht. Melden Sie sich mit Ihrem E-Mail-Passwort an, um sie anzuhören.",
        "Drei Nachrichten werden in Quarantäne zurückgehalten. Melden Sie sich an, um sie freizugeben, bevor sie gelöscht werden.",
        "Ihr Postfach ist voll. Bestätigen Sie Ihr Konto innerhalb von 24 Stunden, um eine Sperrung zu vermeiden.",
        "Wir haben ungewöhnliche Aktivitäten festgestellt und Ihr Konto wurde eingeschränkt. Bestätigen Sie Ihre Identität, um den Zugang wiederherzustellen.",
        "Ihr Paket wird beim Zoll festgehalten. Bezahlen Sie die Zollgebühr von 1,99 EUR, um die Zustellung freizugeben.",
    ),
    "fr": (
        "Le mot de passe de votre boîte mail expire aujourd'hui. Vérifiez votre compte pour conserver l'accès à vos e-mails.",
        "Anna Weber a partagé un document avec vous. Connectez-vous avec votre compte professionnel pour consulter le document.",
        "Vous avez reçu un nouveau message vocal. Connectez-vous avec le mot de passe de votre messagerie pour l'écouter.",
        "Trois messages sont retenus en quarantaine. Connectez-vous pour les libérer avant leur suppression.",
        "Votre boîte mail est pleine. Validez votre compte dans les 24 heures pour éviter la suspension.",
        "Nous avons détecté une activité inhabituelle et votre compte a été limité. Confirmez votre identité pour rétablir l'accès.",
        "Votre colis est bloqué en douane. Payez les frais de douane de 1,99 EUR pour débloquer la livraison.",
    ),
    "es": (
        "La contraseña de su buzón caduca hoy. Verifique su cuenta para mantener el acceso a su correo.",
        "Anna Weber ha compartido un documento con usted. Inicie sesión con su cuenta de trabajo para ver el documento.",
        "Ha recibido un nuevo mensaje de voz. Inicie sesión con la contraseña de su correo para escucharlo.",
        "Tres mensajes están retenidos en cuarentena. Inicie sesión para liberarlos antes de que se eliminen.",
        "Su buzón está lleno. Verifique su cuenta en 24 horas para evitar la suspensión.",
        "Hemos detectado actividad inusual y su cuenta ha sido limitada. Confirme su identidad para restablecer el acceso.",
        "Su paquete está retenido en aduanas. Pague la tasa de aduana de 1,99 EUR para liberar la entrega.",
    ),
    "nl": (
        "Het wachtwoord van uw mailbox verloopt vandaag. Verifieer uw account om toegang tot uw e-mail te behouden.",
        "Anna Weber heeft een document met u gedeeld. Meld u aan met uw werkaccount om het document te bekijken.",
        "U hebt een nieuw voicemailbericht. Meld u aan met uw e-mailwachtwoord om het te beluisteren.",
        "Drie berichten worden in quarantaine vastgehouden. Meld u aan om ze vrij te geven voordat ze worden verwijderd.",
        "Uw mailbox is vol. Verifieer uw account binnen 24 uur om blokkering te voorkomen.",
        "We hebben ongebruikelijke activiteit gezien en uw rekening is beperkt. Bevestig uw identiteit om de toegang te herstellen.",
        "Uw pakket wordt vastgehouden bij de douane. Betaal de douanekosten van 1,99 EUR om de bezorging vrij te geven.",
    ),
    "pt": (
        "A senha da sua caixa de correio expira hoje. Verifique sua conta para manter o acesso ao seu e-mail.",
        "Anna Weber compartilhou um documento com você. Entre com sua conta de trabalho para ver o documento.",
        "Você recebeu uma nova mensagem de voz. Entre com a senha do seu e-mail para ouvi-la.",
        "Três mensagens estão retidas em quarentena. Entre para liberá-las antes que sejam excluídas.",
        "Sua caixa de correio está cheia. Valide sua conta em 24 horas para evitar a suspensão.",
        "Detectamos atividade incomum e sua conta foi limitada. Confirme sua identidade para restaurar o acesso.",
        "Sua encomenda está retida na alfândega. Pague a taxa alfandegária de 1,99 EUR para liberar a entrega.",
    ),
}


def _language(code: str) -> Technique:
    def apply(draft: Draft, lure: Lure) -> Draft:
        return replace(draft, subject=BLAND, words=TRANSLATIONS[code][LURES.index(lure)])
    return apply


# technique -> (attack transformation, genuine transformation or None for the plain genuine notice)
TECHNIQUES: dict[str, tuple[Technique, Technique | None]] = {
    "plain": (lambda d, lure: d, None),
    "name-zero-width": (lambda d, lure: _name(d, lure, _mid(lure.brand_word, "\u200b")), None),
    "name-homoglyph": (lambda d, lure: _name(d, lure, lure.brand_word[0] + lure.brand_word[1:].translate(_CYRILLIC)), None),
    "name-fullwidth": (lambda d, lure: _name(d, lure, "".join(_FULLWIDTH.get(c, c) for c in lure.brand_word)), None),
    "name-bland": (lambda d, lure: replace(d, display="Notifications", subject=BLAND), None),
    # the brand named only by the footer's copyright line; its own notices carry one too
    "name-copyright-only": (lambda d, lure: replace(d, display="Notifications", subject=BLAND, note=_copyright(lure)),
                            lambda d, lure: replace(d, note=_copyright(lure))),
    "lure-homoglyph": (lambda d, lure: replace(d, subject=BLAND, words=d.words.translate(_CYRILLIC)), None),
    # the lure techniques also give the attack a bland subject: the lure is only in the body
    "lure-soft-hyphen": (lambda d, lure: replace(d, subject=BLAND, words=_split_words(d.words, "&shy;")),
                         lambda d, lure: replace(d, words=_split_words(d.words, "&shy;"))),
    "lure-inline-tags": (lambda d, lure: replace(d, subject=BLAND, words=_split_words(d.words, "<span></span>")),
                         lambda d, lure: replace(d, words=_split_words(d.words, "<span></span>"))),
    "lure-comments": (lambda d, lure: replace(d, subject=BLAND, words=_split_words(d.words, "<!-- x -->")),
                      lambda d, lure: replace(d, words=_split_words(d.words, "<!-- x -->"))),
    # hidden text salting: junk in an invisible inline element inside each long word
    "lure-hidden-salt": (lambda d, lure: replace(d, subject=BLAND, words=_split_words(d.words, SALT)), None),
    "lure-zero-width": (lambda d, lure: replace(d, subject=BLAND, words=_split_words(d.words, "\u200b")), None),
    "lure-entities": (lambda d, lure: replace(d, subject=BLAND, words=_entities(d.words)),
                      lambda d, lure: replace(d, words=_entities(d.words))),
    "link-text-shows-official": (lambda d, lure: replace(d, action=lure.official_link), None),
    "link-redirect": (lambda d, lure: replace(d, link="https://www.google.com/url?q=" + d.link), None),
    "link-punycode": (lambda d, lure: replace(d, link="https://xn--ccount-verify-9eb.com/login"), None),
    "link-ip-hex": (lambda d, lure: replace(d, link="http://0xc0000221/login.php"), None),
    "link-entity-href": (lambda d, lure: replace(d, link="&#104;" + d.link[1:]), None),
    "body-base64": (lambda d, lure: replace(d, cte="base64"), lambda d, lure: replace(d, cte="base64")),
    "body-quoted-printable": (_qp_split, _qp_split),
    "plain-text-only": (lambda d, lure: replace(d, plain_only=True), lambda d, lure: replace(d, plain_only=True)),
    "lure-in-html-attachment": (_attach, None),
    "lure-in-zipped-html": (_attach_zip, None),
    # genuine senders send PDFs, invitations and QR codes too: the same, with their own links
    "link-in-pdf-attachment": (_attach_pdf, _attach_pdf),
    "link-in-calendar-invite": (_attach_calendar, _attach_calendar),
    # the lure is the text of a PDF under an empty body, from a bland name; the brand's own
    # notices come as PDF letters too
    "lure-in-pdf-text": (lambda d, lure: _pdf_letter(replace(d, display="Notifications", subject=BLAND), lure),
                         _pdf_letter),
    # the lure as an attached message; a colleague forwards the genuine notice the same way
    "lure-in-attached-message": (_attach_message, _attach_message),
    "lure-in-eml-file": (_attach_eml_file, _attach_eml_file),
    "qr-code-in-body": (_qr_body, _qr_body),
    "qr-code-in-pdf": (_qr_pdf, _qr_pdf),
    # the lure in another language, the subject bland
    **{f"lure-{code}": (_language(code), None) for code in TRANSLATIONS},
}


def build_cases() -> list[Case]:
    cases = []
    n = 0
    for technique, (attack, genuine) in TECHNIQUES.items():
        for lure in LURES:
            n += 1
            draft = Draft(lure.display, lure.sender, lure.subject, lure.words, lure.link, lure.action)
            cases.append(Case(technique, lure.name, "attack", _write(attack(draft, lure), "attack", n)))
            honest = Draft(lure.display, lure.genuine_sender, lure.genuine_subject or lure.subject,
                           lure.genuine_words, lure.official_link, "Open")
            if genuine is not None:
                honest = genuine(honest, lure)
            cases.append(Case(technique, lure.name, "genuine", _write(honest, "genuine", n)))
    return cases
