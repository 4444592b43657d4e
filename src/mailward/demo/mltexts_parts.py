"""Pieces shared by every kind of the multilingual training set: buttons and footers.

Wanted mail and scams both carry them (a legal footer, a "do not reply" line, a button),
so that the model cannot learn that a footer or a button means one label. Written for
mailward from general knowledge of how commercial and official mail is laid out; no
text is taken from any corpus. ``{brand}`` is the sender's name (a shop, a brand, an
office), ``{city}`` a town of the language.
"""

from __future__ import annotations

# button labels by what the button does; wanted mail uses "view" and "pay" too
BUTTONS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {"access": ("Verify now", "Sign in", "Confirm my account", "Restore access", "Secure my account"),
           "pay": ("Pay now", "Pay the fee", "Settle now", "Update payment"),
           "view": ("View details", "View my order", "Open", "See more", "Track my parcel", "View document"),
           "claim": ("Claim now", "Get my reward", "Start now", "Collect my gift")},
    "de": {"access": ("Jetzt verifizieren", "Anmelden", "Konto bestätigen", "Zugang wiederherstellen", "Konto sichern"),
           "pay": ("Jetzt bezahlen", "Gebühr bezahlen", "Zahlung aktualisieren", "Betrag begleichen"),
           "view": ("Details ansehen", "Bestellung ansehen", "Öffnen", "Mehr erfahren", "Sendung verfolgen", "Dokument ansehen"),
           "claim": ("Jetzt sichern", "Prämie abholen", "Jetzt starten", "Geschenk einlösen")},
    "nl": {"access": ("Nu verifiëren", "Inloggen", "Account bevestigen", "Toegang herstellen", "Account beveiligen"),
           "pay": ("Nu betalen", "Kosten betalen", "Betaling bijwerken", "Direct voldoen"),
           "view": ("Bekijk details", "Bekijk bestelling", "Openen", "Lees meer", "Volg je pakket", "Document bekijken"),
           "claim": ("Nu claimen", "Beloning ophalen", "Start nu", "Cadeau verzilveren")},
    "pt": {"access": ("Verificar agora", "Entrar", "Confirmar conta", "Reativar acesso", "Proteger conta"),
           "pay": ("Pagar agora", "Pagar taxa", "Regularizar", "Atualizar pagamento", "Gerar boleto"),
           "view": ("Ver detalhes", "Ver pedido", "Abrir", "Saiba mais", "Rastrear encomenda", "Ver documento"),
           "claim": ("Resgatar agora", "Receber prémio", "Começar", "Receber presente")},
    "es": {"access": ("Verificar ahora", "Iniciar sesión", "Confirmar cuenta", "Restablecer acceso", "Proteger cuenta"),
           "pay": ("Pagar ahora", "Pagar la tasa", "Regularizar", "Actualizar pago"),
           "view": ("Ver detalles", "Ver pedido", "Abrir", "Más información", "Seguir envío", "Ver documento"),
           "claim": ("Reclamar ahora", "Obtener premio", "Empezar", "Recibir regalo")},
    "fr": {"access": ("Vérifier maintenant", "Se connecter", "Confirmer mon compte", "Rétablir l'accès", "Sécuriser mon compte"),
           "pay": ("Payer maintenant", "Régler les frais", "Régulariser", "Mettre à jour le paiement"),
           "view": ("Voir le détail", "Voir ma commande", "Ouvrir", "En savoir plus", "Suivre mon colis", "Voir le document"),
           "claim": ("J'en profite", "Récupérer ma récompense", "Commencer", "Recevoir mon cadeau")},
    "it": {"access": ("Verifica ora", "Accedi", "Conferma account", "Ripristina accesso", "Proteggi account"),
           "pay": ("Paga ora", "Paga la tassa", "Regolarizza", "Aggiorna pagamento"),
           "view": ("Vedi dettagli", "Vedi ordine", "Apri", "Scopri di più", "Traccia spedizione", "Vedi documento"),
           "claim": ("Riscatta ora", "Ritira il premio", "Inizia ora", "Ricevi il regalo")},
}

FOOTERS: dict[str, tuple[str, ...]] = {
    "en": ("© 2025 {brand}. All rights reserved.",
           "This is an automated message. Please do not reply to this email.",
           "{brand} will never ask you for your password by email.",
           "You are receiving this email because you have an account with {brand}.",
           "Privacy policy · Terms of use · Help centre",
           "{brand}, registered office: {city}. Registered in England and Wales."),
    "de": ("© 2025 {brand}. Alle Rechte vorbehalten.",
           "Dies ist eine automatisch erstellte Nachricht. Bitte antworten Sie nicht auf diese E-Mail.",
           "{brand} fragt Sie niemals per E-Mail nach Ihrem Passwort.",
           "Sie erhalten diese E-Mail, weil Sie ein Kundenkonto bei {brand} haben.",
           "Datenschutz · Impressum · AGB · Hilfe",
           "{brand} GmbH, Sitz: {city}, Amtsgericht {city}, Geschäftsführer: siehe Impressum."),
    "nl": ("© 2025 {brand}. Alle rechten voorbehouden.",
           "Dit is een automatisch bericht. Je kunt niet op deze e-mail reageren.",
           "{brand} vraagt je nooit per e-mail om je wachtwoord.",
           "Je ontvangt deze e-mail omdat je een account hebt bij {brand}.",
           "Privacyverklaring · Voorwaarden · Klantenservice",
           "{brand} B.V., gevestigd in {city}, KvK-nummer op onze website."),
    "pt": ("© 2025 {brand}. Todos os direitos reservados.",
           "Esta é uma mensagem automática. Por favor, não responda a este e-mail.",
           "A {brand} nunca pede a sua senha por e-mail.",
           "Recebe este e-mail porque tem uma conta {brand}.",
           "Política de privacidade · Termos de uso · Central de ajuda",
           "{brand}, sede em {city}. Atendimento de segunda a sexta, das 8h às 20h."),
    "es": ("© 2025 {brand}. Todos los derechos reservados.",
           "Este es un mensaje automático. Por favor, no respondas a este correo.",
           "{brand} nunca te pedirá tu contraseña por correo electrónico.",
           "Recibes este correo porque tienes una cuenta en {brand}.",
           "Política de privacidad · Aviso legal · Centro de ayuda",
           "{brand} S.A., domicilio social en {city}. Inscrita en el Registro Mercantil."),
    "fr": ("© 2025 {brand}. Tous droits réservés.",
           "Ceci est un message automatique, merci de ne pas y répondre.",
           "{brand} ne vous demandera jamais votre mot de passe par e-mail.",
           "Vous recevez cet e-mail car vous disposez d'un compte {brand}.",
           "Confidentialité · Mentions légales · Aide",
           "{brand} SAS, siège social : {city}. RCS {city}."),
    "it": ("© 2025 {brand}. Tutti i diritti riservati.",
           "Questo è un messaggio automatico, ti preghiamo di non rispondere.",
           "{brand} non ti chiederà mai la password via e-mail.",
           "Ricevi questa e-mail perché hai un account {brand}.",
           "Privacy · Note legali · Assistenza",
           "{brand} S.p.A., sede legale a {city}. P. IVA disponibile sul sito."),
}

# which button a kind shows (kinds not listed show "view")
BUTTON_OF_KIND = {
    "account": "access", "mailbox": "access", "bank": "access", "crypto": "access", "subscription": "pay",
    "delivery": "pay", "refund": "claim", "tax": "claim", "prize": "claim", "survey": "claim", "investment": "claim",
    "offer": "claim", "invoice": "view", "order": "view", "carrier": "view", "bank_notice": "view",
    "service": "view", "travel": "view", "newsletter": "view",
}

# wanted mail that names a brand it is not from: friends, colleagues, clubs and shops talk
# about brands all the time ({mention} is a brand, {shop} the shop, {city} a town)
MENTIONS: dict[str, tuple[str, ...]] = {
    "en": ("{mention} tonight?", "Found this on {mention}", "The {mention} link for Saturday", "Re: {mention} for the tickets",
           "{shop}: new from {mention}", "Our {mention} booking in {city}", "Is your {mention} working again?"),
    "de": ("Heute Abend {mention}?", "Hab das bei {mention} gefunden", "Der {mention}-Link für Samstag",
           "AW: {mention} für die Tickets", "{shop}: Neu von {mention}", "Unsere {mention}-Buchung in {city}",
           "Geht dein {mention} wieder?"),
    "nl": ("Vanavond {mention}?", "Vond dit op {mention}", "De {mention}-link voor zaterdag", "RE: {mention} voor de kaartjes",
           "{shop}: nieuw van {mention}", "Onze {mention}-boeking in {city}", "Doet je {mention} het weer?"),
    "pt": ("{mention} hoje à noite?", "Encontrei isto na {mention}", "O link do {mention} para sábado",
           "RE: {mention} para os bilhetes", "{shop}: novidades {mention}", "A nossa reserva {mention} em {city}",
           "O teu {mention} já funciona?"),
    "es": ("¿{mention} esta noche?", "He encontrado esto en {mention}", "El enlace de {mention} para el sábado",
           "RE: {mention} para las entradas", "{shop}: novedades de {mention}", "Nuestra reserva de {mention} en {city}",
           "¿Ya te funciona {mention}?"),
    "fr": ("{mention} ce soir ?", "Trouvé ça sur {mention}", "Le lien {mention} pour samedi", "RE : {mention} pour les billets",
           "{shop} : nouveautés {mention}", "Notre réservation {mention} à {city}", "Ton {mention} remarche ?"),
    "it": ("{mention} stasera?", "Ho trovato questo su {mention}", "Il link di {mention} per sabato",
           "R: {mention} per i biglietti", "{shop}: novità {mention}", "La nostra prenotazione {mention} a {city}",
           "Il tuo {mention} funziona di nuovo?"),
}
MENTIONED = ("Netflix", "Amazon", "Spotify", "PayPal", "Google", "Microsoft", "Apple", "Yahoo", "Booking.com", "IKEA",
             "Zalando", "DHL", "WhatsApp", "Samsung", "Airbnb")

# job titles for a signature "Name / title | brand / brand's domain"
ROLES: dict[str, tuple[str, ...]] = {
    "en": ("Account Manager", "Partner Manager", "Solutions Consultant", "Customer Success Manager", "Trainer"),
    "de": ("Kundenbetreuer", "Partnermanagerin", "Berater", "Customer Success Managerin", "Trainer"),
    "nl": ("Accountmanager", "Partnermanager", "Consultant", "Customer Success Manager", "Trainer"),
    "pt": ("Gestor de Conta", "Gestora de Parceiros", "Consultor", "Customer Success", "Formador"),
    "es": ("Gestor de Cuentas", "Responsable de Partners", "Consultor", "Customer Success Manager", "Formadora"),
    "fr": ("Responsable de compte", "Responsable partenaires", "Consultant", "Customer Success Manager", "Formatrice"),
    "it": ("Account Manager", "Partner Manager", "Consulente", "Customer Success Manager", "Formatore"),
}
